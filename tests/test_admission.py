"""The admission gate (事项准入) through its Python API, on the sample district
(data/responsibility_lists) and the sample requests (data/admission_requests, effective
2027-01-01): each gate's pass and fail with its evidence, the modes, four eyes, approval that
re-runs the gates, the enactment of data/admission_requests/admitted.yaml (versions, provenance,
the graph check, routing), the audit log, overdue requests, volumes from an event history and
the report's effect against the graph check's load index."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from remit import Registry, Router
from remit.admission import (
    AdmissionConfig,
    AdmissionGate,
    AdmissionReport,
    AdmissionRequest,
    GateName,
    GateRefused,
    GateResult,
    GateStatus,
    Mode,
    Outcome,
    load_config,
    load_request,
)
from remit.checks import CheckConfig, FindingKind, GraphCheck, compare, run_check
from remit.errors import InputError
from remit.registry.entities import ProvenanceKind, Role, VersionStatus, utcnow
from remit.timelimit import parse_time_limit
from tests.conftest import FIXTURES, ROOT, SAMPLE

REQUESTS = ROOT / "data" / "admission_requests"
ADMITTED = REQUESTS / "admitted.yaml"
HERE = FIXTURES / "admission"
HISTORY = HERE / "sj0108-history.jsonl"

CONFIG = load_config(REQUESTS / "config.yaml")


def admission_gate(registry: Registry, config: AdmissionConfig | None = None) -> AdmissionGate:
    """A gate over ``registry`` asking the graph check, as the CLI builds it."""
    return AdmissionGate(registry, config, check=GraphCheck())


SUBMITTER = "区绿化市容局经办人"
APPROVER, OTHER_APPROVER = "区委编办审核人", "区司法局审核人"  # data/admission_requests/config.yaml
REQUEST_ID = "HP-ZR-2026-101"  # admitted.yaml
EFFECTIVE = dt.date(2027, 1, 1)
DAY_BEFORE, DAY_AFTER = dt.date(2026, 12, 31), dt.date(2027, 1, 2)

DISTRICT = "310101000000"
NJDL, WT, YY = "310101002000", "310101013000", "310101018000"  # 南京东路 外滩 豫园 streets
OTHER_STREETS = [  # the eight streets that do not receive SJ0108
    "310101015000",
    "310101017000",
    "310101018000",
    "310101019000",
    "310101020000",
    "310101021000",
    "310101022000",
    "310101023000",
]
CHECK_CONFIG = CheckConfig()  # the gate's norms in config.yaml are the graph check's defaults


# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample district imported once; each test works on a copy of the file."""
    path = tmp_path_factory.mktemp("admission") / "sample.db"
    with Registry.create(f"sqlite:///{path}") as registry:
        registry.import_files([SAMPLE], by="setup")
    return path


@pytest.fixture
def registry(template: Path, sqlite_url: str) -> Iterator[Registry]:
    """A SQLite registry holding the sample district, for one test to change."""
    shutil.copyfile(template, sqlite_url.removeprefix("sqlite:///"))
    with Registry(sqlite_url) as registry:
        yield registry


@pytest.fixture
def any_registry(db_url: str) -> Iterator[Registry]:
    """The sample district on SQLite and on PostgreSQL."""
    with Registry.create(db_url) as registry:
        registry.import_files([SAMPLE], by="setup")
        yield registry


@pytest.fixture
def gate(registry: Registry) -> AdmissionGate:
    return admission_gate(registry, CONFIG)


DROP = object()


def request(name: str = "admitted", **changes: Any) -> AdmissionRequest:
    """A sample request with some keys changed (or dropped with ``DROP``)."""
    data = yaml.safe_load((REQUESTS / f"{name}.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return AdmissionRequest.model_validate(data)


def verdict(report: AdmissionReport, gate: GateName) -> GateResult:
    (found,) = [g for g in report.gates if g.gate is gate]
    return found


def statuses(report: AdmissionReport) -> dict[GateName, GateStatus]:
    return {g.gate: g.status for g in report.gates}


def problem_key(exc: pytest.ExceptionInfo[InputError]) -> str:
    (problem,) = exc.value.problems
    return problem.key


def recorded(registry: Registry) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was: the audit log, every list's versions
    and the recorded requests."""
    gate = admission_gate(registry, CONFIG)
    return (
        [(e.actor, e.action, e.list_id, e.version, e.note) for e in registry.log()],
        [(s.info.id, [(v.version, v.status) for v in s.versions]) for s in registry.lists()],
        [(e.id, e.status, e.decided_by, e.decision_note) for e in gate.requests()],
    )


def load_of(registry: Registry, on: dt.date) -> dict[str, Any]:
    """The graph check's load index per unit on ``on``."""
    return {row.unit: row for row in run_check(registry.snapshot(on), CHECK_CONFIG).load}


def rows_of(registry: Registry, list_id: str, version: int, matter: str) -> list[Any]:
    return [d for d in registry.version(list_id, version).duties if d.matter == matter]


def event(area: str, reported_at: str, matter: str = "SJ0108") -> dict[str, Any]:
    return {"id": "E-1", "matter": matter, "area": area, "reported_at": reported_at}


def cell_findings(report: Any, kinds: set[FindingKind]) -> set[tuple[Any, ...]]:
    return {
        (f.kind, f.matter, tuple(sorted(f.areas)), f.cells, tuple(sorted(f.units)))
        for f in report.findings
        if f.kind in kinds
    }


# --- every gate passes on the admitted sample ---------------------------------------------------


def test_the_admitted_sample_passes_every_gate(gate: AdmissionGate, registry: Registry) -> None:
    report = gate.check(load_request(ADMITTED))
    assert report.outcome is Outcome.admit and report.exit_code == 0
    assert [g.gate for g in report.gates] == list(GateName)  # all seven, in order
    assert set(statuses(report).values()) == {GateStatus.passed}
    assert {g.mode for g in report.gates} == {Mode.deny}
    assert report.warnings == [] and report.recorded == []
    assert (report.request_id, report.matter, report.matter_name) == (
        REQUEST_ID,
        "SJ0108",
        "废弃家具设施",
    )
    assert (report.department, report.department_name) == ("HP-LRJ", "区绿化和市容管理局")
    assert report.receiving == ["HP-NJDL", "HP-WT"]
    assert report.effective_from == EFFECTIVE
    assert report.snapshot_hash == registry.snapshot(EFFECTIVE).hash
    assert report.volume_source == "request"
    assert verdict(report, GateName.well_formed).evidence == [
        "matter SJ0108 废弃家具设施",
        "2 receiving street(s): 南京东路街道办事处、外滩街道办事处",
    ]
    assert verdict(report, GateName.legal_basis).evidence == [
        "《上海市市容环境卫生管理条例》 (regulation)"
    ]
    assert verdict(report, GateName.resources).evidence == [
        f"{name}: 400 events a year need 0.30 staff and 60,000 yuan; given 1 staff and 80,000 "
        "yuan — ok"
        for name in ("南京东路街道办事处", "外滩街道办事处")
    ]
    assert verdict(report, GateName.no_overlap).evidence == []
    assert report.new_findings == []
    assert verdict(report, GateName.powers).message == "the matter needs no particular power"
    assert report.enactment == [
        {"list": "HP-JZ-JB", "version": 3, "based_on": 2, "rows": 251, "added": 2, "changed": 0},
        {"list": "HP-QZ-LRJ", "version": 2, "based_on": 1, "rows": 34, "added": 0, "changed": 1},
    ]


def test_check_writes_nothing(gate: AdmissionGate, registry: Registry) -> None:
    before = recorded(registry)
    for path in sorted(REQUESTS.glob("*.yaml")):
        if path.name != "config.yaml":
            gate.check(load_request(path))
    assert recorded(registry) == before


# --- each gate's failure, from the sample requests ----------------------------------------------

OVERLAP_UNITS = "区绿化和市容管理局, 南京东路街道办事处, 外滩街道办事处"

FAILING: dict[GateName, tuple[str, list[str]]] = {
    GateName.well_formed: (
        "reject-well-formed",
        ["贵州居民区居民委员会 is not a street office (level community)"],
    ),
    GateName.legal_basis: (
        "reject-legal-basis",
        ["《区城市管理工作专题会议纪要》 (meeting minute)"],
    ),
    GateName.not_reclaimed: (
        "reject-reclaimed",
        [  # the rows of the reclaimed list that take SJ0302 back from the two streets
            "南京东路街道办事处: reclaimed in HP-JZ-SH v1 row 1",
            "外滩街道办事处: reclaimed in HP-JZ-SH v1 row 2",
        ],
    ),
    GateName.resources: (
        "reject-resources",
        [
            f"{name}: 600 events a year need 0.60 staff and 90,000 yuan; given 0 staff and "
            "10,000 yuan — short"
            for name in ("南京东路街道办事处", "外滩街道办事处")
        ],
    ),
    GateName.capacity: (
        "reject-capacity",
        ["瑞金二路街道办事处: load index 1.26 → 1.16 — over the threshold"],
    ),
    GateName.no_overlap: (
        "reject-overlap",
        [f"overlap: 3 units lead these cells, two or more in each: {OVERLAP_UNITS}"],
    ),
    GateName.powers: (
        "reject-powers",
        [
            "南京东路街道办事处 lacks administrative_licensing",
            "外滩街道办事处 lacks administrative_licensing",
        ],
    ),
}


@pytest.mark.parametrize("failing", list(FAILING), ids=str)
def test_each_sample_rejection_fails_its_gate_with_evidence(
    gate: AdmissionGate, failing: GateName
) -> None:
    name, evidence = FAILING[failing]
    report = gate.check(load_request(REQUESTS / f"{name}.yaml"))
    assert report.outcome is Outcome.reject and report.exit_code == 1
    result = verdict(report, failing)
    assert (result.status, result.mode) == (GateStatus.failed, Mode.deny)
    assert result.blocks
    assert result.evidence == evidence
    others = {g: s for g, s in statuses(report).items() if g is not failing}
    if failing is GateName.well_formed:  # the others cannot run without codes
        assert set(others.values()) == {GateStatus.needs_info}
        assert {g.message for g in report.gates if g.gate is not failing} == {
            "not evaluated: the request is not well formed"
        }
        assert report.enactment == [] and report.effect == []
    elif failing is GateName.not_reclaimed:
        # enacting it would make each street both lead and refuse the matter: a referral to
        # itself, which the no-overlap gate reports too
        assert others.pop(GateName.no_overlap) is GateStatus.failed
        assert set(others.values()) == {GateStatus.passed}
    else:
        assert set(others.values()) == {GateStatus.passed}


def test_the_rejection_messages_say_why(gate: AdmissionGate) -> None:
    def message(name: str, gate_name: GateName) -> str:
        return verdict(gate.check(load_request(REQUESTS / f"{name}.yaml")), gate_name).message

    assert message("reject-legal-basis", GateName.legal_basis) == (
        "no legal basis of an accepted kind (law、regulation、government rule): a meeting minute "
        "or a notice alone is not enough"
    )
    assert message("reject-reclaimed", GateName.not_reclaimed) == (
        "the matter was taken back from 2 receiving unit(s)"
    )
    assert message("reject-capacity", GateName.capacity) == (
        "a receiving street would be over the threshold 1"
    )
    assert message("reject-overlap", GateName.no_overlap) == (
        "enactment would create 1 overlap(s), gap(s) or referral cycle(s)"
    )
    assert message("reject-powers", GateName.powers) == (
        "the matter needs administrative_licensing, which a receiving unit lacks"
    )


def test_the_overlap_gate_names_the_new_finding(gate: AdmissionGate, registry: Registry) -> None:
    # department_after: keep — the bureau would go on leading where the streets now lead
    report = gate.check(load_request(REQUESTS / "reject-overlap.yaml"))
    (finding,) = report.new_findings
    assert (finding.kind, finding.matter) == (FindingKind.overlap, "SJ0108")
    assert sorted(finding.units) == ["HP-LRJ", "HP-NJDL", "HP-WT"]
    # the leaf areas of 南京东路街道 (two grids and a community) and 外滩街道
    assert sorted(finding.areas) == sorted(["31010100200101", "31010100200102", "310101002002", WT])
    assert finding.id not in {f.id for f in run_check(registry.snapshot(EFFECTIVE)).findings}
    # keeping the department's rows: only the street list changes
    assert [v["list"] for v in report.enactment] == ["HP-JZ-JB"]


def test_the_capacity_gate_reads_the_graph_checks_load(
    gate: AdmissionGate, registry: Registry
) -> None:
    report = gate.check(load_request(REQUESTS / "reject-capacity.yaml"))
    load = load_of(registry, EFFECTIVE)["HP-RJEL"]
    (effect,) = report.effect
    assert (effect.unit, effect.load_before, effect.staff_before) == (
        "HP-RJEL",
        load.load_index,
        load.staff,
    )
    assert load.load_index > 1  # already over: 小马拉大车
    assert effect.load_after is not None and 1 < effect.load_after < load.load_index
    assert report.volume_source == "catalogue"  # SJ0108's estimate: 400 a year


# --- each gate's pass, beyond the admitted sample ------------------------------------------------


def test_legal_basis_passes_with_one_accepted_instrument(gate: AdmissionGate) -> None:
    mixed = request(
        "reject-legal-basis",
        legal_basis=["《区城市管理工作专题会议纪要》", "《上海市市容环境卫生管理条例》"],
    )
    result = verdict(gate.check(mixed), GateName.legal_basis)
    assert result.status is GateStatus.passed
    assert result.evidence == [
        "《区城市管理工作专题会议纪要》 (meeting minute)",
        "《上海市市容环境卫生管理条例》 (regulation)",
    ]
    # the full form: a local regulation titled 规定
    full = request(legal_basis={"kind": "regulation", "title": "上海市住宅物业管理规定"})
    assert verdict(gate.check(full), GateName.legal_basis).status is GateStatus.passed


def test_accepted_legal_kinds_come_from_the_config(registry: Registry) -> None:
    laws_only = admission_gate(registry, AdmissionConfig(accepted_legal_kinds=["law"]))
    report = laws_only.check(load_request(ADMITTED))
    assert report.outcome is Outcome.reject
    result = verdict(report, GateName.legal_basis)
    assert result.status is GateStatus.failed
    assert result.message.startswith("no legal basis of an accepted kind (law)")


@pytest.mark.parametrize(
    ("staff", "budget", "status"),
    [
        (0.3, 60_000, GateStatus.passed),  # 400 a year × 1.5 h ÷ 2000 h; 400 × 150 yuan
        (0.29, 60_000, GateStatus.failed),
        (0.3, 59_999, GateStatus.failed),
    ],
)
def test_resources_must_cover_the_norm(
    gate: AdmissionGate, staff: float, budget: float, status: GateStatus
) -> None:
    report = gate.check(request(resources={"staff": staff, "yearly_budget": budget}))
    result = verdict(report, GateName.resources)
    assert result.status is status
    assert result.message.endswith("(1.5 h a case, 2000 h a staff-year, 150 yuan a case)")
    assert report.outcome is (Outcome.admit if status is GateStatus.passed else Outcome.reject)


def test_the_capacity_threshold_comes_from_the_config(registry: Registry) -> None:
    relaxed = admission_gate(registry, CONFIG.model_copy(update={"capacity_threshold": 1.2}))
    report = relaxed.check(load_request(REQUESTS / "reject-capacity.yaml"))
    assert verdict(report, GateName.capacity).status is GateStatus.passed
    assert verdict(report, GateName.capacity).evidence == [
        "瑞金二路街道办事处: load index 1.26 → 1.16 — ok"
    ]
    assert report.outcome is Outcome.admit


def test_powers_pass_when_the_request_transfers_them(gate: AdmissionGate) -> None:
    resources = {"staff": 1, "yearly_budget": 50000, "powers": ["administrative_licensing"]}
    report = gate.check(request("reject-powers", resources=resources))
    result = verdict(report, GateName.powers)
    assert result.status is GateStatus.passed and result.evidence == []
    assert result.message == "every receiving unit holds or receives administrative_licensing"
    assert report.outcome is Outcome.admit


def test_the_department_may_drop_out_of_the_receiving_streets(
    gate: AdmissionGate, registry: Registry
) -> None:
    report = gate.check(request(department_after="remove"))
    assert report.outcome is Outcome.admit
    assert verdict(report, GateName.no_overlap).status is GateStatus.passed
    gate.submit(request(department_after="remove"), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    bureau = rows_of(registry, "HP-QZ-LRJ", 2, "SJ0108")
    assert sorted(d.area for d in bureau) == OTHER_STREETS
    assert {d.role for d in bureau} == {Role.lead}


def test_receiving_every_street_of_an_area(gate: AdmissionGate) -> None:
    report = gate.check(request(receiving={"area": "黄浦区"}))
    assert len(report.receiving) == 10
    assert verdict(report, GateName.well_formed).status is GateStatus.passed
    # 瑞金二路街道 is already overloaded: the capacity gate names it alone
    capacity = verdict(report, GateName.capacity)
    assert capacity.status is GateStatus.failed
    assert [e for e in capacity.evidence if "over the threshold" in e] == [
        "瑞金二路街道办事处: load index 1.26 → 1.16 — over the threshold"
    ]


@pytest.mark.parametrize(
    ("changes", "evidence"),
    [
        (
            {"matter": "废弃家具"},
            "unknown matter '废弃家具' in catalogue HP-SXML v1; expected a matter code or name "
            "(did you mean '废弃家具设施'?)",
        ),
        ({"matter": "SJ01"}, "SJ01 is a group of matters; name a leaf matter"),
        (
            {"department": "南京东路街道办事处"},
            "the requesting unit 南京东路街道办事处 is itself a street office",
        ),
        ({"receiving": {"area": "贵州居民区"}}, "no street office lies in 贵州居民区"),
        (
            {"matter": "SJ0601", "department": "区房管局"},  # HP-QZ-FGJ has a draft v2
            "list HP-QZ-FGJ has a pending draft (version 2): publish or withdraw it before a new "
            "version can be enacted",
        ),
    ],
    ids=["unknown-matter", "group-matter", "street-department", "no-street", "pending-draft"],
)
def test_well_formed_failures(gate: AdmissionGate, changes: dict[str, Any], evidence: str) -> None:
    report = gate.check(request(**changes))
    result = verdict(report, GateName.well_formed)
    assert result.status is GateStatus.failed
    assert evidence in result.evidence
    assert report.outcome is Outcome.reject


# --- needs information --------------------------------------------------------------------------


def test_no_legal_basis_needs_information(gate: AdmissionGate) -> None:
    report = gate.check(request(legal_basis=DROP))
    assert report.outcome is Outcome.needs_info and report.exit_code == 1
    result = verdict(report, GateName.legal_basis)
    assert (result.status, result.evidence) == (GateStatus.needs_info, [])
    assert result.blocks
    assert {g for g, s in statuses(report).items() if s is not GateStatus.passed} == {
        GateName.legal_basis
    }


def test_no_staff_or_budget_needs_information(gate: AdmissionGate) -> None:
    report = gate.check(request(resources=DROP))
    assert report.outcome is Outcome.needs_info
    result = verdict(report, GateName.resources)
    assert (result.status, result.message) == (GateStatus.needs_info, "resources are not declared")
    assert len(result.evidence) == 2 and "staff" in result.evidence[0]
    assert "budget" in result.evidence[1]
    budget_only = gate.check(request(resources={"yearly_budget": 80000}))
    assert verdict(budget_only, GateName.resources).status is GateStatus.needs_info
    assert len(verdict(budget_only, GateName.resources).evidence) == 1


def test_no_volume_anywhere_needs_information(gate: AdmissionGate) -> None:
    # BJ0301 公共厕所 (led by the bureau district-wide) has no estimate in the catalogue
    report = gate.check(request(matter="BJ0301", expected_yearly_volume=DROP, time_limit=DROP))
    assert report.outcome is Outcome.needs_info
    assert report.volume_source == "none"
    result = verdict(report, GateName.resources)
    assert result.status is GateStatus.needs_info
    assert result.evidence == [
        "no expected yearly volume: give expected_yearly_volume, an estimate in the catalogue, "
        "or --history"
    ]
    # with a volume from the request the same matter passes
    given = gate.check(request(matter="BJ0301", expected_yearly_volume=100, time_limit=DROP))
    assert given.outcome is Outcome.admit and given.volume_source == "request"


def test_a_failure_outweighs_missing_information(gate: AdmissionGate) -> None:
    report = gate.check(request("reject-capacity", legal_basis=DROP))
    assert statuses(report)[GateName.legal_basis] is GateStatus.needs_info
    assert statuses(report)[GateName.capacity] is GateStatus.failed
    assert report.outcome is Outcome.reject


# --- modes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", [g for g in FAILING if g is not GateName.well_formed], ids=str)
@pytest.mark.parametrize("mode", list(Mode), ids=str)
def test_a_gates_mode_decides_what_its_failure_does(
    registry: Registry, failing: GateName, mode: Mode
) -> None:
    modes = {failing: mode}
    if failing is GateName.not_reclaimed:  # its enactment also fails no-overlap (see above)
        modes[GateName.no_overlap] = mode
    config = CONFIG.model_copy(update={"modes": modes})
    report = admission_gate(registry, config).check(
        load_request(REQUESTS / f"{FAILING[failing][0]}.yaml")
    )
    result = verdict(report, failing)
    assert (result.status, result.mode) == (GateStatus.failed, mode)
    assert result.evidence == FAILING[failing][1]  # the verdict is the same in every mode
    assert {g.mode for g in report.gates if g.gate not in modes} == {Mode.deny}
    flagged = [g for g in GateName if g in modes]
    expected = {
        Mode.dryrun: (Outcome.admit, [], flagged),
        Mode.warn: (Outcome.admit, flagged, []),
        Mode.deny: (Outcome.reject, [], []),
    }[mode]
    assert (report.outcome, report.warnings, report.recorded) == expected
    assert report.exit_code == (1 if mode is Mode.deny else 0)


def test_modes_from_a_config_file(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "file: admission-config\nmodes: {capacity: warn, powers: dryrun}\n", encoding="utf-8"
    )
    config = load_config(path)
    assert config.mode(GateName.capacity) is Mode.warn
    assert config.mode(GateName.legal_basis) is Mode.deny  # the default
    report = admission_gate(registry, config).check(load_request(REQUESTS / "reject-capacity.yaml"))
    assert (report.outcome, report.warnings) == (Outcome.admit, [GateName.capacity])


def test_a_passing_gate_is_neither_warned_nor_recorded(registry: Registry) -> None:
    config = AdmissionConfig(modes={g: Mode.warn for g in GateName}, approvers=CONFIG.approvers)
    report = admission_gate(registry, config).check(load_request(ADMITTED))
    assert (report.outcome, report.warnings, report.recorded) == (Outcome.admit, [], [])


def test_a_malformed_request_in_dryrun_still_needs_information(registry: Registry) -> None:
    # the other gates cannot run without codes: they need information, in deny mode
    config = AdmissionConfig(modes={GateName.well_formed: Mode.dryrun})
    report = admission_gate(registry, config).check(
        load_request(REQUESTS / "reject-well-formed.yaml")
    )
    assert report.recorded == [GateName.well_formed]
    assert report.outcome is Outcome.needs_info


# --- four eyes -----------------------------------------------------------------------------------


def test_the_submitter_cannot_approve_or_reject(any_registry: Registry) -> None:
    gate = admission_gate(any_registry, CONFIG)
    gate.submit(load_request(ADMITTED), by=APPROVER)  # an approver who submits
    before = recorded(any_registry)
    with pytest.raises(InputError) as approving:
        gate.approve(REQUEST_ID, by=APPROVER)
    assert problem_key(approving) == "admission.four_eyes"
    assert str(approving.value) == (
        f"{APPROVER} submitted request {REQUEST_ID} and cannot also decide it (four eyes)"
    )
    with pytest.raises(InputError) as rejecting:
        gate.reject(REQUEST_ID, by=APPROVER, reason="不同意")
    assert problem_key(rejecting) == "admission.four_eyes"
    assert recorded(any_registry) == before
    gate.approve(REQUEST_ID, by=OTHER_APPROVER)  # the other approver may
    assert gate.show(REQUEST_ID).status == "approved"


def test_only_configured_approvers_decide(gate: AdmissionGate, registry: Registry) -> None:
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    before = recorded(registry)
    for action in (
        lambda g: g.approve(REQUEST_ID, by="区绿化市容局局长"),
        lambda g: g.reject(REQUEST_ID, by="区绿化市容局局长", reason="不同意"),
    ):
        with pytest.raises(InputError) as refused:
            action(gate)
        assert problem_key(refused) == "admission.not_approver"
        assert "approvers: 区委编办审核人, 区司法局审核人" in str(refused.value)
    # the default configuration names no approver: nobody can decide
    with pytest.raises(InputError) as nobody:
        admission_gate(registry).approve(REQUEST_ID, by=APPROVER)
    assert problem_key(nobody) == "admission.not_approver"
    assert recorded(registry) == before


def test_a_decided_request_cannot_be_decided_again(gate: AdmissionGate, registry: Registry) -> None:
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    gate.reject("HP-ZR-2026-105", by=APPROVER, reason="瑞金二路街道负荷已超")
    before = recorded(registry)
    for request_id, status in ((REQUEST_ID, "approved"), ("HP-ZR-2026-105", "rejected")):
        for action in (
            lambda g, i=request_id: g.approve(i, by=OTHER_APPROVER),
            lambda g, i=request_id: g.reject(i, by=OTHER_APPROVER, reason="再议"),
        ):
            with pytest.raises(InputError) as decided:
                action(gate)
            assert problem_key(decided) == "admission.decided"
            assert str(decided.value) == f"request {request_id} is already {status}"
    assert recorded(registry) == before
    assert [len(s.versions) for s in registry.lists() if s.info.id == "HP-JZ-JB"] == [3]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_needs_a_reason(gate: AdmissionGate, registry: Registry, reason: str) -> None:
    gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER)
    before = recorded(registry)
    with pytest.raises(InputError) as refused:
        gate.reject("HP-ZR-2026-105", by=APPROVER, reason=reason)
    assert problem_key(refused) == "admission.no_reason"
    assert refused.value.problems[0].field == "--reason"
    assert recorded(registry) == before


def test_unknown_and_duplicate_ids(gate: AdmissionGate, registry: Registry) -> None:
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    before = recorded(registry)
    with pytest.raises(InputError) as duplicate:
        gate.submit(load_request(ADMITTED), by="someone else")
    assert problem_key(duplicate) == "admission.duplicate"
    assert duplicate.value.problems[0].field == "id"
    for action in (
        lambda: gate.show("HP-ZR-2026-999"),
        lambda: gate.approve("HP-ZR-2026-999", by=APPROVER),
        lambda: gate.reject("HP-ZR-2026-999", by=APPROVER, reason="无"),
    ):
        with pytest.raises(InputError) as unknown:
            action()
        assert str(unknown.value) == (
            f"no admission request 'HP-ZR-2026-999'; recorded: {REQUEST_ID}"
        )
    assert recorded(registry) == before


# --- approval re-runs the gates on the lists as they are then -------------------------------------


def assert_refused(
    gate: AdmissionGate, registry: Registry, request_id: str, failing: GateName
) -> AdmissionReport:
    """Approval refused: GateRefused with the re-run report, the request still submitted, an
    admission_approve_refused audit entry and no new list version."""
    versions = [(s.info.id, len(s.versions)) for s in registry.lists()]
    log = registry.log()
    with pytest.raises(GateRefused) as refused:
        gate.approve(request_id, by=APPROVER, note="复核")
    report = refused.value.report
    assert report.outcome is Outcome.reject and str(refused.value) == "reject"
    assert verdict(report, failing).status is GateStatus.failed
    entry = gate.show(request_id)
    assert (entry.status, entry.decided_by, entry.decided_at) == ("submitted", None, None)
    assert [(s.info.id, len(s.versions)) for s in registry.lists()] == versions
    new = registry.log()[len(log) :]
    assert [(e.action, e.actor, e.note, e.list_id) for e in new] == [
        ("admission_approve_refused", APPROVER, "复核", None)
    ]
    assert new[0].details["outcome"] == "reject"
    assert new[0].details["gates"][failing.value] == "fail"
    assert new[0].snapshot_hash == report.snapshot_hash
    return report


def test_approval_is_refused_when_a_list_changed_since_submission(any_registry: Registry) -> None:
    gate = admission_gate(any_registry, CONFIG)
    submitted = gate.submit(load_request(ADMITTED), by=SUBMITTER)
    assert submitted.outcome is Outcome.admit
    # the district takes SJ0108 back from 南京东路街道 from 2027-01-01
    any_registry.import_files([HERE / "reclaim-sj0108.yaml"], by="区委编办")
    report = assert_refused(gate, any_registry, REQUEST_ID, GateName.not_reclaimed)
    assert verdict(report, GateName.not_reclaimed).evidence == [
        "南京东路街道办事处: reclaimed in HP-JZ-SH-2027 v1 row 1"
    ]
    assert report.snapshot_hash != submitted.snapshot_hash
    # the record keeps the submission's report; the request can still be rejected
    assert gate.show(REQUEST_ID).report.outcome is Outcome.admit
    gate.reject(REQUEST_ID, by=OTHER_APPROVER, reason="该事项已收回")
    assert gate.show(REQUEST_ID).status == "rejected"


def test_approval_is_refused_when_another_request_was_enacted_first(
    gate: AdmissionGate, registry: Registry
) -> None:
    second = request(id="HP-ZR-2026-120", receiving={"units": ["外滩街道办事处"]})
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    assert gate.submit(second, by=SUBMITTER).outcome is Outcome.admit
    gate.approve(REQUEST_ID, by=APPROVER)
    report = assert_refused(gate, registry, "HP-ZR-2026-120", GateName.well_formed)
    assert verdict(report, GateName.well_formed).evidence == [
        "区绿化和市容管理局 leads none of the requested cells in the street of 外滩街道办事处: "
        "there is nothing of its to devolve there",
        "外滩街道办事处 already leads the requested cells",
        "list HP-JZ-JB already has version 3 in force from 2027-01-01: the request must take "
        "effect after it",
    ]


def test_a_request_the_gates_rejected_cannot_be_approved(
    gate: AdmissionGate, registry: Registry
) -> None:
    assert gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER).outcome is (
        Outcome.reject
    )
    assert_refused(gate, registry, "HP-ZR-2026-105", GateName.capacity)


def test_approval_uses_the_modes_in_force_then(registry: Registry) -> None:
    admission_gate(registry, CONFIG).submit(
        load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER
    )
    lenient = CONFIG.model_copy(update={"modes": {GateName.capacity: Mode.warn}})
    report = admission_gate(registry, lenient).approve("HP-ZR-2026-105", by=APPROVER)
    assert (report.outcome, report.warnings) == (Outcome.admit, [GateName.capacity])
    assert [(d.unit, d.role) for d in rows_of(registry, "HP-JZ-JB", 3, "SJ0108")] == [
        ("HP-RJEL", Role.lead)
    ]


# --- enactment of admitted.yaml -------------------------------------------------------------------


def test_enacting_the_admitted_sample(any_registry: Registry) -> None:
    registry = any_registry
    gate = admission_gate(registry, CONFIG)
    baseline = run_check(registry.snapshot(DAY_AFTER), CHECK_CONFIG)
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    report = gate.approve(REQUEST_ID, by=APPROVER, note="同意试点")
    assert report.outcome is Outcome.admit

    # new versions, published from 2027-01-01, following the ones in force
    lists = {s.info.id: s for s in registry.lists(DAY_AFTER)}
    for list_id, number in (("HP-JZ-JB", 3), ("HP-QZ-LRJ", 2)):
        summary = lists[list_id]
        new = summary.versions[-1]
        assert (new.version, new.status, new.effective_from, new.effective_to) == (
            number,
            VersionStatus.published,
            EFFECTIVE,
            None,
        )
        assert new.published_by == APPROVER
        assert summary.in_force is not None and summary.in_force.version == number
        assert summary.until(summary.versions[-2]) == DAY_BEFORE
        before = {s.info.id: s for s in registry.lists(DAY_BEFORE)}[list_id]
        assert before.in_force is not None and before.in_force.version == number - 1
    changed = [
        s.info.id
        for s in lists.values()
        if s.versions[-1].status is VersionStatus.published
        and s.versions[-1].effective_from == EFFECTIVE
    ]
    assert sorted(changed) == ["HP-JZ-JB", "HP-QZ-LRJ"]

    # the street list: v2's rows, then one lead row per receiving street with its provenance
    v2 = registry.version("HP-JZ-JB", 2).duties
    v3 = registry.version("HP-JZ-JB", 3).duties
    assert v3[: len(v2)] == v2 and len(v3) == len(v2) + 2
    for duty, unit, area in zip(v3[len(v2) :], ("HP-NJDL", "HP-WT"), (NJDL, WT), strict=True):
        assert (duty.matter, duty.unit, duty.role, duty.area) == ("SJ0108", unit, Role.lead, area)
        assert duty.provenance is not None
        assert (duty.provenance.kind, duty.provenance.source, duty.provenance.record) == (
            ProvenanceKind.admission,
            "HP-QZ-LRJ",
            REQUEST_ID,
        )
        assert duty.time_limit == parse_time_limit("2工作日")  # the request's, not 3工作日
        assert [b.title for b in duty.legal_basis] == ["上海市市容环境卫生管理条例"]
        assert duty.note == f"enacted by admission request {REQUEST_ID}"

    # the bureau's district row: lead in the eight other streets, supervise in the two
    v1 = registry.version("HP-QZ-LRJ", 1).duties
    lrj = registry.version("HP-QZ-LRJ", 2).duties
    (old,) = [d for d in v1 if d.matter == "SJ0108"]
    assert old.area == DISTRICT and old.role is Role.lead
    assert [d for d in lrj if d.matter != "SJ0108"] == [d for d in v1 if d.matter != "SJ0108"]
    split = [d for d in lrj if d.matter == "SJ0108"]
    assert sorted(d.area for d in split if d.role is Role.lead) == OTHER_STREETS
    assert sorted(d.area for d in split if d.role is Role.supervise) == [NJDL, WT]
    assert len(split) == 10 and {d.unit for d in split} == {"HP-LRJ"}
    assert {d.legal_basis for d in split} == {old.legal_basis}

    # the record
    entry = gate.show(REQUEST_ID)
    assert (entry.status, entry.decided_by, entry.decision_note) == (
        "approved",
        APPROVER,
        "同意试点",
    )
    assert entry.enacted == report.enactment

    # the graph check: no new overlap or gap; SJ0108 is devolved with its admission
    after = run_check(registry.snapshot(DAY_AFTER), CHECK_CONFIG)
    errors = {FindingKind.overlap, FindingKind.gap}
    assert cell_findings(after, errors) == cell_findings(baseline, errors)
    compared = compare(after, baseline, DAY_AFTER.isoformat())
    assert compared.comparison is not None
    introduced = {f.id: f for f in after.findings if f.id in set(compared.comparison.introduced)}
    assert not [f for f in introduced.values() if f.kind in errors or f.matter == "SJ0108"]
    assert not [f for f in after.findings if f.matter == "SJ0108"]

    # routing: the bureau before 2027-01-01, the street after, the bureau still in 豫园
    with Router(registry) as router:
        before_day = router.route(event("南京东路街道", "2026-12-31T10:00:00"))
        after_day = router.route(event("南京东路街道", "2027-01-04T10:00:00"))
        in_grid = router.route(event("贵州居民区第一网格", "2027-01-04T10:00:00"))
        outer = router.route(event("外滩街道", "2027-01-04T10:00:00"))
        yuyuan = router.route(event("豫园街道", "2027-01-04T10:00:00"))
    assert before_day.lead is not None and before_day.lead.name == "区绿化和市容管理局"
    assert before_day.time_limit == "3工作日"
    assert after_day.lead is not None and after_day.lead.name == "南京东路街道办事处"
    assert [s.name for s in after_day.supervisors] == ["区绿化和市容管理局"]
    assert after_day.time_limit == "2工作日"
    assert [(d.list_id, d.version) for d in after_day.duties] == [
        ("HP-JZ-JB", 3),
        ("HP-QZ-LRJ", 2),
    ]
    assert in_grid.lead is not None and in_grid.lead.code == "HP-NJDL"
    assert outer.lead is not None and outer.lead.code == "HP-WT"
    assert yuyuan.lead is not None and yuyuan.lead.name == "区绿化和市容管理局"
    assert yuyuan.supervisors == []


def test_nothing_changes_before_the_effective_date(gate: AdmissionGate, registry: Registry) -> None:
    before = registry.snapshot(DAY_BEFORE).hash
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    assert registry.snapshot(DAY_BEFORE).hash == before
    assert registry.snapshot(EFFECTIVE).hash != before


# --- the audit log -------------------------------------------------------------------------------


def test_the_audit_log_keeps_submissions_and_decisions(
    gate: AdmissionGate, registry: Registry
) -> None:
    start = len(registry.log())
    on_submission = registry.snapshot(EFFECTIVE).hash
    t0 = utcnow() - dt.timedelta(seconds=1)
    submitted = gate.submit(load_request(ADMITTED), by=SUBMITTER)
    rejected_report = gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER)
    approved = gate.approve(REQUEST_ID, by=APPROVER, note="同意试点")
    gate.reject("HP-ZR-2026-105", by=OTHER_APPROVER, reason="瑞金二路街道负荷已超")
    t1 = utcnow() + dt.timedelta(seconds=1)
    entries = registry.log()[start:]
    assert [(e.action, e.actor, e.list_id, e.version) for e in entries] == [
        ("admission_submit", SUBMITTER, None, None),
        ("admission_submit", SUBMITTER, None, None),
        ("import_create", APPROVER, "HP-JZ-JB", 3),
        ("import_create", APPROVER, "HP-QZ-LRJ", 2),
        ("admission_approve", APPROVER, None, None),
        ("admission_reject", OTHER_APPROVER, None, None),
    ]
    assert all(t0 <= e.at <= t1 for e in entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    submit, submit_rejected, jb, lrj, approve, reject = entries

    # submission: the justification as note, every gate's verdict, the snapshot hash
    assert submit.note == load_request(ADMITTED).justification
    assert submit.snapshot_hash == submitted.snapshot_hash == on_submission
    assert submit.details["request"] == REQUEST_ID and submit.details["matter"] == "SJ0108"
    assert submit.details["outcome"] == "admit"
    assert submit.details["gates"] == {g.value: "pass" for g in GateName}
    assert submit.details["findings"] == [] and submit.details["new_findings"] == []
    assert submit.details["enactment"] == submitted.enactment
    assert submit_rejected.details["outcome"] == "reject"
    assert submit_rejected.details["gates"]["capacity"] == "fail"
    assert submit_rejected.details["findings"] == [
        "a receiving street would be over the threshold 1"
    ]
    assert submit_rejected.snapshot_hash == rejected_report.snapshot_hash

    # approval: one transaction logs the two versions and the decision
    assert approve.note == "同意试点"
    assert approve.details["outcome"] == "admit"
    assert approve.details["enactment"] == approved.enactment
    assert jb.at == lrj.at
    for version in (jb, lrj):
        assert version.note == f"admission {REQUEST_ID}: 同意试点"
        assert version.snapshot_hash == approved.snapshot_hash
        assert version.details["files"] == [f"admission {REQUEST_ID}"]
        assert version.details["status"] == "published"
        assert version.details["effective_from"] == "2027-01-01"
    assert jb.details["rows"] == 251 and lrj.details["rows"] == 34
    assert jb.details["content_hash"] == registry.version("HP-JZ-JB", 3).content_hash

    # rejection: the reason and the gates' findings at submission
    assert reject.note == "瑞金二路街道负荷已超"
    assert reject.details["outcome"] == "reject"
    assert reject.details["gates"]["capacity"] == "fail"
    assert reject.snapshot_hash == rejected_report.snapshot_hash

    # the log by list shows the admission's versions; the record its decision
    assert [(e.action, e.version) for e in registry.log("HP-QZ-LRJ")][-1] == ("import_create", 2)
    rejected = gate.show("HP-ZR-2026-105")
    assert (rejected.status, rejected.decided_by, rejected.decision_note, rejected.enacted) == (
        "rejected",
        OTHER_APPROVER,
        "瑞金二路街道负荷已超",
        [],
    )


def test_requests_are_listed_oldest_first_by_status(
    gate: AdmissionGate, registry: Registry
) -> None:
    assert gate.requests() == []
    names = ["admitted", "reject-capacity", "reject-powers"]
    for name in names:
        gate.submit(load_request(REQUESTS / f"{name}.yaml"), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    gate.reject("HP-ZR-2026-107", by=APPROVER, reason="街道无审批权")
    assert [e.id for e in gate.requests()] == [REQUEST_ID, "HP-ZR-2026-105", "HP-ZR-2026-107"]
    assert [e.id for e in gate.requests("submitted")] == ["HP-ZR-2026-105"]
    assert [e.id for e in gate.requests("approved")] == [REQUEST_ID]
    assert [e.id for e in gate.requests("rejected")] == ["HP-ZR-2026-107"]
    entry = gate.show("HP-ZR-2026-105")
    assert (entry.matter, entry.department, entry.submitted_by) == ("SJ0108", "HP-LRJ", SUBMITTER)
    assert entry.request == load_request(REQUESTS / "reject-capacity.yaml")
    assert entry.report.outcome is Outcome.reject


# --- overdue -------------------------------------------------------------------------------------


def test_an_undecided_request_becomes_overdue(gate: AdmissionGate, registry: Registry) -> None:
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER)
    entry = gate.show(REQUEST_ID)
    submitted_on = entry.submitted_at.date()
    assert not gate.overdue(entry, today=submitted_on)
    assert not gate.overdue(entry, today=submitted_on + dt.timedelta(days=1))
    far = submitted_on + dt.timedelta(days=120)  # far more than 10 working days
    assert gate.overdue(entry, today=far)
    # a decided request never is
    gate.approve(REQUEST_ID, by=APPROVER)
    gate.reject("HP-ZR-2026-105", by=APPROVER, reason="负荷已超")
    for request_id in (REQUEST_ID, "HP-ZR-2026-105"):
        assert not gate.overdue(gate.show(request_id), today=far)


def test_overdue_counts_official_working_days(gate: AdmissionGate) -> None:
    """Submitted on Monday 2026-09-28 (Shanghai): National Day closes 10-01 to 10-07 and
    Saturday 10-10 is worked, so the tenth working day after is Friday 10-16."""
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    noon = dt.datetime(2026, 9, 28, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
    entry = dataclasses.replace(gate.show(REQUEST_ID), submitted_at=noon)
    assert not gate.overdue(entry, today=dt.date(2026, 10, 16))
    assert not gate.overdue(entry, today=dt.date(2026, 10, 18))  # the weekend
    assert gate.overdue(entry, today=dt.date(2026, 10, 19))
    five = admission_gate(gate.registry, CONFIG.model_copy(update={"decision_working_days": 5}))
    assert not five.overdue(entry, today=dt.date(2026, 10, 10))
    assert five.overdue(entry, today=dt.date(2026, 10, 12))


def test_overdue_counts_from_the_day_of_submission_in_shanghai(gate: AdmissionGate) -> None:
    """BUG: AdmissionGate.overdue (remit/engine/admission/gate.py:105) starts counting from
    ``entry.submitted_at.date()``, the UTC date. A request submitted on Tuesday 2026-09-29 at
    07:00 in Shanghai (Monday 23:00 UTC) is counted from Monday: overdue on 10-19, one working
    day early (the tenth working day after Tuesday 09-29 is Monday 10-19)."""
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    early = dt.datetime(2026, 9, 28, 23, 0, tzinfo=dt.UTC)  # 2026-09-29 07:00 in Shanghai
    entry = dataclasses.replace(gate.show(REQUEST_ID), submitted_at=early)
    assert not gate.overdue(entry, today=dt.date(2026, 10, 19))
    assert gate.overdue(entry, today=dt.date(2026, 10, 20))


# --- volumes from an event history ---------------------------------------------------------------


def test_the_history_gives_each_streets_volume(gate: AdmissionGate, registry: Registry) -> None:
    """tests/fixtures/admission/sj0108-history.jsonl spans 31 days: three SJ0108 events in
    南京东路街道 (street, grid, code), one in 外滩街道, one in 豫园街道 and one other matter."""
    report = gate.check(load_request(ADMITTED), history=HISTORY)
    assert report.volume_source == "history"
    scale = 365 / 31
    effect = {e.unit: e for e in report.effect}
    assert effect["HP-NJDL"].events_per_year == round(3 * scale, 1) == 35.3
    assert effect["HP-WT"].events_per_year == round(1 * scale, 1) == 11.8
    assert report.events_moved == round(35.3 + 11.8, 1)
    # the history replaces the request's 400 a year in the resources gate
    assert verdict(report, GateName.resources).evidence == [
        "南京东路街道办事处: 35 events a year need 0.03 staff and 5,298 yuan; given 1 staff and "
        "80,000 yuan — ok",
        "外滩街道办事处: 12 events a year need 0.01 staff and 1,766 yuan; given 1 staff and "
        "80,000 yuan — ok",
    ]
    load = load_of(registry, EFFECTIVE)["HP-NJDL"]
    assert effect["HP-NJDL"].load_after == round(
        (load.workload_hours + 3 * scale * 1.5) / ((load.staff + 1) * 2000), 3
    )
    assert report.outcome is Outcome.admit


def test_a_bad_history_is_bad_input(
    gate: AdmissionGate, registry: Registry, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        HISTORY.read_text(encoding="utf-8")
        + '{"id": "H-9", "matter": "SJ9999", "area": "外滩街道", "reported_at": "2026-01-02"}\n',
        encoding="utf-8",
    )
    before = recorded(registry)
    with pytest.raises(InputError) as refused:
        gate.submit(load_request(ADMITTED), by=SUBMITTER, history=bad)
    (problem,) = refused.value.problems
    assert (problem.source, problem.line) == (str(bad), 7)
    assert "SJ9999" in problem.render()
    with pytest.raises(InputError) as missing:
        gate.check(load_request(ADMITTED), history=tmp_path / "none.jsonl")
    assert problem_key(missing) == "file.not_found"
    assert recorded(registry) == before


# --- the effect -----------------------------------------------------------------------------------


def test_the_effect_against_the_graph_checks_load_index(
    gate: AdmissionGate, registry: Registry
) -> None:
    report = gate.check(load_request(ADMITTED))
    load = load_of(registry, EFFECTIVE)
    assert report.events_moved == 800.0  # 400 a year in each of the two streets
    assert [e.unit for e in report.effect] == ["HP-NJDL", "HP-WT"]
    for effect in report.effect:
        row = load[effect.unit]
        assert (
            effect.name == {"HP-NJDL": "南京东路街道办事处", "HP-WT": "外滩街道办事处"}[effect.unit]
        )
        assert effect.events_per_year == 400.0
        assert (effect.staff_before, effect.load_before) == (row.staff, row.load_index)
        assert effect.staff_after == row.staff + 1  # resources.staff
        assert effect.load_after == round(
            (row.workload_hours + 400 * 1.5) / ((row.staff + 1) * 2000), 3
        )
    assert [(e.load_before, e.load_after) for e in report.effect] == [
        (0.673, 0.651),
        (0.775, 0.743),
    ]
    # after enactment the graph check sees the 400 cases a year move from the bureau to each
    # street (its staff figures stay those of the units file)
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    after = load_of(registry, DAY_AFTER)
    before = load_of(registry, DAY_BEFORE)
    for unit in ("HP-NJDL", "HP-WT"):
        assert after[unit].events_per_year == pytest.approx(before[unit].events_per_year + 400)
        assert after[unit].workload_hours == pytest.approx(before[unit].workload_hours + 600)
    assert after["HP-LRJ"].events_per_year == pytest.approx(before["HP-LRJ"].events_per_year - 800)
    assert after["HP-YY"] == before["HP-YY"]


def test_an_assisting_street_needs_the_department_to_keep_leading(gate: AdmissionGate) -> None:
    # role: assist with the default department_after (supervise) leaves nobody leading
    report = gate.check(request(role="assist"))
    assert report.outcome is Outcome.reject
    kinds = sorted(f.kind.value for f in report.new_findings)
    assert kinds == ["assist_without_lead", "gap"]
    kept = gate.check(request(role="assist", department_after="keep"))
    assert kept.outcome is Outcome.admit
    assert [v["list"] for v in kept.enactment] == ["HP-JZ-JB"]


# --- bugs ----------------------------------------------------------------------------------------


def test_capacity_needs_information_when_the_volume_is_unknown(registry: Registry) -> None:
    """BUG: with no volume anywhere (BJ0301 has no catalogue estimate, the request gives no
    expected_yearly_volume, no history) the capacity gate (remit/engine/admission/gates.py:409
    calls ``_street_volume``, which returns ``ctx.volume or 0.0`` at gates.py:279) counts 0
    events a year and passes — the
    load even goes *down* with the transferred staff (0.67 → 0.63). Only the resources gate
    notices; with it in dryrun the request is admitted on a capacity check of nothing. Expected:
    capacity needs information (as it does when a street's capacity is unknown)."""
    config = CONFIG.model_copy(update={"modes": {GateName.resources: Mode.dryrun}})
    report = admission_gate(registry, config).check(
        request(matter="BJ0301", expected_yearly_volume=DROP, time_limit=DROP)
    )
    assert report.volume_source == "none"
    assert verdict(report, GateName.capacity).status is GateStatus.needs_info
    assert report.outcome is Outcome.needs_info


def test_a_matter_the_street_already_leads_is_not_devolved_again(
    gate: AdmissionGate, registry: Registry
) -> None:
    """BUG: after HP-ZR-2026-101 is enacted, 外滩街道办事处 leads SJ0108 and the bureau only
    supervises there. A second request devolving SJ0108 from the bureau to 外滩 (from
    2027-03-01) passes every gate: the bureau has no lead row there to hand over
    (remit/engine/admission/enact.py:102, ``department_rows`` is empty), yet the report moves
    400 events a year and adds them to 外滩's load a second time, and approval writes
    HP-JZ-JB v4 with a second, duplicate lead row of HP-WT for SJ0108 (the graph check does not
    count one unit twice as an overlap). Expected: the well-formed (or no-overlap) gate fails —
    the department does not lead the matter in the receiving street, which already leads it."""
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    again = request(
        id="HP-ZR-2027-001",
        receiving={"units": ["外滩街道办事处"]},
        effective_from=dt.date(2027, 3, 1),
    )
    report = gate.check(again)
    assert report.outcome is not Outcome.admit, (report.events_moved, report.enactment)


def test_a_conditional_devolution_leaves_the_department_the_rest(gate: AdmissionGate) -> None:
    """BUG: a request with ``when`` devolves part of a matter, but the enactment narrows the
    department's rows in the receiving streets whatever their conditions: ``department_rows``
    (remit/engine/admission/enact.py:102) ignores the request's conditions and ``_split``
    (enact.py:245) changes only the area. Devolving SJ0106 绿地脏乱 on roads
    (``when: {location_type: road}``) turns the bureau's row for road, pavement, river, market and
    construction_site into ``supervise`` in 南京东路 and 外滩, so pavement, river, market and
    construction sites there lose their lead and the no-overlap gate rejects the request with a
    new gap. Expected: the bureau keeps leading what is not devolved; the request is admitted."""
    report = gate.check(
        request(
            matter="SJ0106",
            when={"location_type": "road"},
            legal_basis="《上海市绿化条例》",
            expected_yearly_volume=100,
        )
    )
    result = verdict(report, GateName.no_overlap)
    assert result.status is GateStatus.passed, result.evidence
    assert report.outcome is Outcome.admit
