"""What the admission gate keeps (on the sample district and requests): the audit log entries of
submissions, approvals (with the versions they write) and rejections, and the recorded requests
listed by status."""

from __future__ import annotations

import datetime as dt

from remit import Registry
from remit.admission import AdmissionGate, GateName, Outcome, load_request
from remit.registry.entities import utcnow
from tests.factories import (
    ADMITTED,
    APPROVER,
    EFFECTIVE,
    OTHER_APPROVER,
    REQUEST_ID,
    REQUESTS,
    SUBMITTER,
)

# --- the audit log -------------------------------------------------------------------------------


def test_the_audit_log_keeps_submissions_and_decisions(
    gate: AdmissionGate, sample_registry: Registry
) -> None:
    start = len(sample_registry.log())
    on_submission = sample_registry.snapshot(EFFECTIVE).hash
    t0 = utcnow() - dt.timedelta(seconds=1)
    submitted = gate.submit(load_request(ADMITTED), by=SUBMITTER)
    rejected_report = gate.submit(load_request(REQUESTS / "reject-capacity.yaml"), by=SUBMITTER)
    approved = gate.approve(REQUEST_ID, by=APPROVER, note="同意试点")
    gate.reject("HP-ZR-2026-105", by=OTHER_APPROVER, reason="瑞金二路街道负荷已超")
    t1 = utcnow() + dt.timedelta(seconds=1)
    entries = sample_registry.log()[start:]
    assert [(e.action, e.actor, e.list_id, e.version) for e in entries] == [
        ("admission_submit", SUBMITTER, None, None),
        ("admission_submit", SUBMITTER, None, None),
        ("import_create", APPROVER, "HP-JZ-JB", 3),
        ("import_create", APPROVER, "HP-QZ-LRJ", 2),
        ("import_create", APPROVER, "UNITS", 2),
        ("admission_approve", APPROVER, None, None),
        ("admission_reject", OTHER_APPROVER, None, None),
    ]
    assert all(t0 <= e.at <= t1 for e in entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    submit, submit_rejected, jb, lrj, units, approve, reject = entries

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
    assert jb.at == lrj.at == units.at == approve.at  # one revision
    for version in (jb, lrj):
        assert version.note == f"admission {REQUEST_ID}: 同意试点"
        assert version.snapshot_hash == approved.snapshot_hash
        assert version.details["files"] == [f"admission {REQUEST_ID}"]
        assert version.details["status"] == "published"
        assert version.details["effective_from"] == "2027-01-01"
    assert jb.details["rows"] == 251 and lrj.details["rows"] == 34
    assert jb.details["content_hash"] == sample_registry.version("HP-JZ-JB", 3).content_hash

    # rejection: the reason and the gates' findings at submission
    assert reject.note == "瑞金二路街道负荷已超"
    assert reject.details["outcome"] == "reject"
    assert reject.details["gates"]["capacity"] == "fail"
    assert reject.snapshot_hash == rejected_report.snapshot_hash

    # the log by list shows the admission's versions; the record its decision
    assert [(e.action, e.version) for e in sample_registry.log("HP-QZ-LRJ")][-1] == (
        "import_create",
        2,
    )
    rejected = gate.show("HP-ZR-2026-105")
    assert (rejected.status, rejected.decided_by, rejected.decision_note, rejected.enacted) == (
        "rejected",
        OTHER_APPROVER,
        "瑞金二路街道负荷已超",
        [],
    )


# --- the recorded requests ----------------------------------------------------------------------


def test_requests_are_listed_oldest_first_by_status(
    gate: AdmissionGate, sample_registry: Registry
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
