"""The admission gate (事项准入): each gate's verdict on a request, checked on the sample district
(data/responsibility_lists) against the sample requests (data/admission_requests, effective
2027-01-01) — every gate passing on admitted.yaml, each gate's failure with its evidence, passes
beyond the sample, information missing, and the modes (dryrun, warn, deny) that decide what a
failure does. Decisions, enactment, the audit log and the volumes are in the other
test_admission_*.py files; the command line in test_admission_cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from remit import Registry
from remit.admission import (
    AdmissionConfig,
    AdmissionGate,
    GateName,
    GateStatus,
    Mode,
    Outcome,
    load_config,
    load_request,
)
from remit.checks import FindingKind, run_check
from tests.factories import (
    ADMISSION_CONFIG,
    ADMITTED,
    DROP,
    EFFECTIVE,
    REQUEST_ID,
    REQUESTS,
    WT,
    admission_gate,
    recorded,
    sample_request,
    statuses,
    verdict,
)

# --- every gate passes on the admitted sample ---------------------------------------------------


def test_the_admitted_sample_passes_every_gate(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
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
    assert report.snapshot_hash == sample_registry.snapshot(EFFECTIVE).hash
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


def test_check_writes_nothing(gate: AdmissionGate, sample_registry: Registry) -> None:
    before = recorded(sample_registry)
    for path in sorted(REQUESTS.glob("*.yaml")):
        if path.name != "config.yaml":
            gate.check(load_request(path))
    assert recorded(sample_registry) == before


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


def test_the_overlap_gate_names_the_new_finding(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
    # department_after: keep — the bureau would go on leading where the streets now lead
    report = gate.check(load_request(REQUESTS / "reject-overlap.yaml"))
    (finding,) = report.new_findings
    assert (finding.kind, finding.matter) == (FindingKind.overlap, "SJ0108")
    assert sorted(finding.units) == ["HP-LRJ", "HP-NJDL", "HP-WT"]
    # the leaf areas of 南京东路街道 (two grids and a community) and 外滩街道
    assert sorted(finding.areas) == sorted(["31010100200101", "31010100200102", "310101002002", WT])
    assert finding.id not in {f.id for f in run_check(sample_registry.snapshot(EFFECTIVE)).findings}
    # keeping the department's rows: only the street list changes
    assert [v["list"] for v in report.enactment] == ["HP-JZ-JB"]


# --- each gate's pass, beyond the admitted sample ------------------------------------------------


def test_legal_basis_passes_with_one_accepted_instrument(gate: AdmissionGate) -> None:
    mixed = sample_request(
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
    full = sample_request(legal_basis={"kind": "regulation", "title": "上海市住宅物业管理规定"})
    assert verdict(gate.check(full), GateName.legal_basis).status is GateStatus.passed


def test_accepted_legal_kinds_come_from_the_config(sample_registry: Registry) -> None:
    laws_only = admission_gate(sample_registry, AdmissionConfig(accepted_legal_kinds=["law"]))
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
    report = gate.check(sample_request(resources={"staff": staff, "yearly_budget": budget}))
    result = verdict(report, GateName.resources)
    assert result.status is status
    assert result.message.endswith("(1.5 h a case, 2000 h a staff-year, 150 yuan a case)")
    assert report.outcome is (Outcome.admit if status is GateStatus.passed else Outcome.reject)


def test_the_capacity_threshold_comes_from_the_config(sample_registry: Registry) -> None:
    relaxed = admission_gate(
        sample_registry, ADMISSION_CONFIG.model_copy(update={"capacity_threshold": 1.2})
    )
    report = relaxed.check(load_request(REQUESTS / "reject-capacity.yaml"))
    assert verdict(report, GateName.capacity).status is GateStatus.passed
    assert verdict(report, GateName.capacity).evidence == [
        "瑞金二路街道办事处: load index 1.26 → 1.16 — ok"
    ]
    assert report.outcome is Outcome.admit


def test_powers_pass_when_the_request_transfers_them(gate: AdmissionGate) -> None:
    resources = {"staff": 1, "yearly_budget": 50000, "powers": ["administrative_licensing"]}
    report = gate.check(sample_request("reject-powers", resources=resources))
    result = verdict(report, GateName.powers)
    assert result.status is GateStatus.passed and result.evidence == []
    assert result.message == "every receiving unit holds or receives administrative_licensing"
    assert report.outcome is Outcome.admit


def test_receiving_every_street_of_an_area(gate: AdmissionGate) -> None:
    report = gate.check(sample_request(receiving={"area": "黄浦区"}))
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
    report = gate.check(sample_request(**changes))
    result = verdict(report, GateName.well_formed)
    assert result.status is GateStatus.failed
    assert evidence in result.evidence
    assert report.outcome is Outcome.reject


# --- needs information --------------------------------------------------------------------------


def test_no_legal_basis_needs_information(gate: AdmissionGate) -> None:
    report = gate.check(sample_request(legal_basis=DROP))
    assert report.outcome is Outcome.needs_info and report.exit_code == 1
    result = verdict(report, GateName.legal_basis)
    assert (result.status, result.evidence) == (GateStatus.needs_info, [])
    assert result.blocks
    assert {g for g, s in statuses(report).items() if s is not GateStatus.passed} == {
        GateName.legal_basis
    }


def test_no_staff_or_budget_needs_information(gate: AdmissionGate) -> None:
    report = gate.check(sample_request(resources=DROP))
    assert report.outcome is Outcome.needs_info
    result = verdict(report, GateName.resources)
    assert (result.status, result.message) == (GateStatus.needs_info, "resources are not declared")
    assert len(result.evidence) == 2 and "staff" in result.evidence[0]
    assert "budget" in result.evidence[1]
    budget_only = gate.check(sample_request(resources={"yearly_budget": 80000}))
    assert verdict(budget_only, GateName.resources).status is GateStatus.needs_info
    assert len(verdict(budget_only, GateName.resources).evidence) == 1


def test_a_failure_outweighs_missing_information(gate: AdmissionGate) -> None:
    report = gate.check(sample_request("reject-capacity", legal_basis=DROP))
    assert statuses(report)[GateName.legal_basis] is GateStatus.needs_info
    assert statuses(report)[GateName.capacity] is GateStatus.failed
    assert report.outcome is Outcome.reject


# --- modes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", [g for g in FAILING if g is not GateName.well_formed], ids=str)
@pytest.mark.parametrize("mode", list(Mode), ids=str)
def test_a_gates_mode_decides_what_its_failure_does(
    sample_registry: Registry, failing: GateName, mode: Mode
) -> None:
    modes = {failing: mode}
    if failing is GateName.not_reclaimed:  # its enactment also fails no-overlap (see above)
        modes[GateName.no_overlap] = mode
    config = ADMISSION_CONFIG.model_copy(update={"modes": modes})
    report = admission_gate(sample_registry, config).check(
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


def test_modes_from_a_config_file(sample_registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "file: admission-config\nmodes: {capacity: warn, powers: dryrun}\n", encoding="utf-8"
    )
    config = load_config(path)
    assert config.mode(GateName.capacity) is Mode.warn
    assert config.mode(GateName.legal_basis) is Mode.deny  # the default
    report = admission_gate(sample_registry, config).check(
        load_request(REQUESTS / "reject-capacity.yaml")
    )
    assert (report.outcome, report.warnings) == (Outcome.admit, [GateName.capacity])


def test_a_passing_gate_is_neither_warned_nor_recorded(sample_registry: Registry) -> None:
    config = AdmissionConfig(
        modes={g: Mode.warn for g in GateName}, approvers=ADMISSION_CONFIG.approvers
    )
    report = admission_gate(sample_registry, config).check(load_request(ADMITTED))
    assert (report.outcome, report.warnings, report.recorded) == (Outcome.admit, [], [])


def test_a_malformed_request_in_dryrun_still_needs_information(sample_registry: Registry) -> None:
    # the other gates cannot run without codes: they need information, in deny mode
    config = AdmissionConfig(modes={GateName.well_formed: Mode.dryrun})
    report = admission_gate(sample_registry, config).check(
        load_request(REQUESTS / "reject-well-formed.yaml")
    )
    assert report.recorded == [GateName.well_formed]
    assert report.outcome is Outcome.needs_info


# --- the no-overlap gate on what the department keeps ------------------------------------------


def test_an_assisting_street_needs_the_department_to_keep_leading(gate: AdmissionGate) -> None:
    # role: assist with the default department_after (supervise) leaves nobody leading
    report = gate.check(sample_request(role="assist"))
    assert report.outcome is Outcome.reject
    kinds = sorted(f.kind.value for f in report.new_findings)
    assert kinds == ["assist_without_lead", "gap"]
    kept = gate.check(sample_request(role="assist", department_after="keep"))
    assert kept.outcome is Outcome.admit
    assert [v["list"] for v in kept.enactment] == ["HP-JZ-JB"]


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
        sample_request(
            matter="SJ0106",
            when={"location_type": "road"},
            legal_basis="《上海市绿化条例》",
            expected_yearly_volume=100,
        )
    )
    result = verdict(report, GateName.no_overlap)
    assert result.status is GateStatus.passed, result.evidence
    assert report.outcome is Outcome.admit
