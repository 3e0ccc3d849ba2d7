"""What approving an admission request writes (on the sample district and requests): the new
list versions from the effective date, the department's rows split around the receiving streets,
the provenance of the new rows — and what the graph check and routing make of them."""

from __future__ import annotations

import datetime as dt

from remit import Registry, Router
from remit.admission import AdmissionGate, GateName, GateStatus, Outcome, load_request
from remit.checks import FindingKind, compare, run_check
from remit.registry.entities import ProvenanceKind, Role, VersionStatus
from remit.timelimit import parse_time_limit
from tests.factories import (
    ADMISSION_CONFIG,
    ADMITTED,
    APPROVER,
    CHECK_CONFIG,
    DAY_AFTER,
    DAY_BEFORE,
    DISTRICT,
    EFFECTIVE,
    NJDL,
    REQUEST_ID,
    SUBMITTER,
    WT,
    admission_gate,
    cell_findings,
    event,
    rows_of,
    sample_request,
    verdict,
)

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


# --- enactment of admitted.yaml -------------------------------------------------------------------


def test_enacting_the_admitted_sample(any_sample_registry: Registry) -> None:
    registry = any_sample_registry
    gate = admission_gate(registry, ADMISSION_CONFIG)
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
    # the two lists, and the units: the streets get the staff and money transferred
    assert sorted(changed) == ["HP-JZ-JB", "HP-QZ-LRJ", "UNITS"]

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
        before_day = router.route(event("SJ0108", "南京东路街道", "2026-12-31T10:00:00", id="E-1"))
        after_day = router.route(event("SJ0108", "南京东路街道", "2027-01-04T10:00:00", id="E-1"))
        in_grid = router.route(
            event("SJ0108", "贵州居民区第一网格", "2027-01-04T10:00:00", id="E-1")
        )
        outer = router.route(event("SJ0108", "外滩街道", "2027-01-04T10:00:00", id="E-1"))
        yuyuan = router.route(event("SJ0108", "豫园街道", "2027-01-04T10:00:00", id="E-1"))
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


def test_nothing_changes_before_the_effective_date(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
    before = sample_registry.snapshot(DAY_BEFORE).hash
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    assert sample_registry.snapshot(DAY_BEFORE).hash == before
    assert sample_registry.snapshot(EFFECTIVE).hash != before


# --- what else a request may ask -------------------------------------------------------------


def test_the_department_may_drop_out_of_the_receiving_streets(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
    report = gate.check(sample_request(department_after="remove"))
    assert report.outcome is Outcome.admit
    assert verdict(report, GateName.no_overlap).status is GateStatus.passed
    gate.submit(sample_request(department_after="remove"), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    bureau = rows_of(sample_registry, "HP-QZ-LRJ", 2, "SJ0108")
    assert sorted(d.area for d in bureau) == OTHER_STREETS
    assert {d.role for d in bureau} == {Role.lead}


def test_a_matter_the_street_already_leads_is_not_devolved_again(
    gate: AdmissionGate, sample_registry: Registry
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
    again = sample_request(
        id="HP-ZR-2027-001",
        receiving={"units": ["外滩街道办事处"]},
        effective_from=dt.date(2027, 3, 1),
    )
    report = gate.check(again)
    assert report.outcome is not Outcome.admit, (report.events_moved, report.enactment)
