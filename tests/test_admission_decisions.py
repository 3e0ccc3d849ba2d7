"""Deciding admission requests (on the sample district and requests): four eyes and the
configured approvers, a decision taken once and a rejection with a reason, approval that re-runs
the gates on the lists as they are then, and requests that become overdue."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from remit import Registry
from remit.admission import (
    AdmissionGate,
    AdmissionReport,
    GateName,
    GateRefused,
    GateStatus,
    Mode,
    Outcome,
    load_request,
)
from remit.errors import InputError
from remit.registry.entities import Role
from tests.factories import (
    ADMISSION_CONFIG,
    ADMITTED,
    APPROVER,
    FIXTURES,
    OTHER_APPROVER,
    REQUEST_ID,
    REQUESTS,
    SUBMITTER,
    admission_gate,
    problem_key,
    recorded,
    rows_of,
    sample_request,
    verdict,
)

# --- four eyes -----------------------------------------------------------------------------------


def test_the_submitter_cannot_approve_or_reject(any_sample_registry: Registry) -> None:
    gate = admission_gate(any_sample_registry, ADMISSION_CONFIG)
    gate.submit(load_request(ADMITTED), by=APPROVER)  # an approver who submits
    before = recorded(any_sample_registry)
    with pytest.raises(InputError) as approving:
        gate.approve(REQUEST_ID, by=APPROVER)
    assert problem_key(approving) == "admission.four_eyes"
    assert str(approving.value) == (
        f"{APPROVER} submitted request {REQUEST_ID} and cannot also decide it (four eyes)"
    )
    with pytest.raises(InputError) as rejecting:
        gate.reject(REQUEST_ID, by=APPROVER, reason="不同意")
    assert problem_key(rejecting) == "admission.four_eyes"
    assert recorded(any_sample_registry) == before
    gate.approve(REQUEST_ID, by=OTHER_APPROVER)  # the other approver may
    assert gate.show(REQUEST_ID).status == "approved"


def test_only_configured_approvers_decide(gate: AdmissionGate, sample_registry: Registry) -> None:
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    before = recorded(sample_registry)
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
        admission_gate(sample_registry).approve(REQUEST_ID, by=APPROVER)
    assert problem_key(nobody) == "admission.not_approver"
    assert recorded(sample_registry) == before


def test_a_decided_request_cannot_be_decided_again(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    gate.reject("HP-ZR-2026-105", by=APPROVER, reason="瑞金二路街道负荷已超")
    before = recorded(sample_registry)
    for request_id, status in ((REQUEST_ID, "approved"), ("HP-ZR-2026-105", "rejected")):
        for action in (
            lambda g, i=request_id: g.approve(i, by=OTHER_APPROVER),
            lambda g, i=request_id: g.reject(i, by=OTHER_APPROVER, reason="再议"),
        ):
            with pytest.raises(InputError) as decided:
                action(gate)
            assert problem_key(decided) == "admission.decided"
            text = str(decided.value)
            assert text.startswith(f"request {request_id} is already {status} (by {APPROVER} at ")
            assert text.endswith("); nothing written"), text
    assert recorded(sample_registry) == before
    assert [len(s.versions) for s in sample_registry.lists() if s.info.id == "HP-JZ-JB"] == [3]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_needs_a_reason(
    gate: AdmissionGate, sample_registry: Registry, reason: str
) -> None:
    gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER)
    before = recorded(sample_registry)
    with pytest.raises(InputError) as refused:
        gate.reject("HP-ZR-2026-105", by=APPROVER, reason=reason)
    assert problem_key(refused) == "admission.no_reason"
    assert refused.value.problems[0].field == "--reason"
    assert recorded(sample_registry) == before


def test_unknown_and_duplicate_ids(gate: AdmissionGate, sample_registry: Registry) -> None:
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    before = recorded(sample_registry)
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
    assert recorded(sample_registry) == before


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


def test_approval_is_refused_when_a_list_changed_since_submission(
    any_sample_registry: Registry,
) -> None:
    gate = admission_gate(any_sample_registry, ADMISSION_CONFIG)
    submitted = gate.submit(load_request(ADMITTED), by=SUBMITTER)
    assert submitted.outcome is Outcome.admit
    # the district takes SJ0108 back from 南京东路街道 from 2027-01-01
    any_sample_registry.import_files(
        [FIXTURES / "admission" / "reclaim-sj0108.yaml"], by="区委编办"
    )
    report = assert_refused(gate, any_sample_registry, REQUEST_ID, GateName.not_reclaimed)
    assert verdict(report, GateName.not_reclaimed).evidence == [
        "南京东路街道办事处: reclaimed in HP-JZ-SH-2027 v1 row 1"
    ]
    assert report.snapshot_hash != submitted.snapshot_hash
    # the record keeps the submission's report; the request can still be rejected
    assert gate.show(REQUEST_ID).report.outcome is Outcome.admit
    gate.reject(REQUEST_ID, by=OTHER_APPROVER, reason="该事项已收回")
    assert gate.show(REQUEST_ID).status == "rejected"


def test_approval_is_refused_when_another_request_was_enacted_first(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
    second = sample_request(id="HP-ZR-2026-120", receiving={"units": ["外滩街道办事处"]})
    gate.submit(load_request(ADMITTED), by=SUBMITTER)
    assert gate.submit(second, by=SUBMITTER).outcome is Outcome.admit
    gate.approve(REQUEST_ID, by=APPROVER)
    report = assert_refused(gate, sample_registry, "HP-ZR-2026-120", GateName.well_formed)
    assert verdict(report, GateName.well_formed).evidence == [
        "区绿化和市容管理局 leads none of the requested cells in the street of 外滩街道办事处: "
        "there is nothing of its to devolve there",
        "外滩街道办事处 already leads the requested cells",
        "list HP-JZ-JB already has version 3 in force from 2027-01-01: the request must take "
        "effect after it",
    ]


def test_a_request_the_gates_rejected_cannot_be_approved(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
    assert gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER).outcome is (
        Outcome.reject
    )
    assert_refused(gate, sample_registry, "HP-ZR-2026-105", GateName.capacity)


def test_approval_uses_the_modes_in_force_then(sample_registry: Registry) -> None:
    admission_gate(sample_registry, ADMISSION_CONFIG).submit(
        load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER
    )
    lenient = ADMISSION_CONFIG.model_copy(update={"modes": {GateName.capacity: Mode.warn}})
    report = admission_gate(sample_registry, lenient).approve("HP-ZR-2026-105", by=APPROVER)
    assert (report.outcome, report.warnings) == (Outcome.admit, [GateName.capacity])
    assert [(d.unit, d.role) for d in rows_of(sample_registry, "HP-JZ-JB", 3, "SJ0108")] == [
        ("HP-RJEL", Role.lead)
    ]


# --- overdue -------------------------------------------------------------------------------------


def test_an_undecided_request_becomes_overdue(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
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
    five = admission_gate(
        gate.registry, ADMISSION_CONFIG.model_copy(update={"decision_working_days": 5})
    )
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
