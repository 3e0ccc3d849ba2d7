"""Admission requests as the registry keeps them: recorded, listed, decided — with audit entries.

The registry stores a request and its report as plain data (:class:`AdmissionRecord`); here
they are read back as the admission gate's types, and every act is written through the
:class:`~remit.registry.Registry` facade.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from remit.admission.report import AdmissionEntry, AdmissionReport
from remit.admission.request import AdmissionRequest
from remit.registry import Registry
from remit.registry.entities import AdmissionRecord, AuditEntry, utcnow

Stored = AdmissionRecord[dict[str, Any], dict[str, Any]]
"""A record as the registry keeps it: the request and the report as plain data."""


def _entry(r: Stored) -> AdmissionEntry:
    fields = {f.name: getattr(r, f.name) for f in dataclasses.fields(r)}
    fields["request"] = AdmissionRequest.model_validate(r.request)
    fields["report"] = AdmissionReport.model_validate(r.report)
    return AdmissionEntry(**fields)


def get(registry: Registry, request_id: str) -> AdmissionEntry | None:
    found = registry.admission_record(request_id)
    return _entry(found) if found is not None else None


def entries(registry: Registry, status: str | None = None) -> list[AdmissionEntry]:
    return [_entry(r) for r in registry.admission_records(status)]


def audit_details(report: AdmissionReport) -> dict[str, Any]:
    """What the audit log keeps of a gate run: the outcome and each gate's verdict."""
    return {
        "request": report.request_id,
        "matter": report.matter,
        "outcome": report.outcome.value,
        "gates": {g.gate.value: g.status.value for g in report.gates},
        "findings": [g.message for g in report.gates if g.status.value != "pass"],
        "new_findings": [f.id for f in report.new_findings],
        "enactment": report.enactment,
    }


def audit_entry(actor: str, action: str, report: AdmissionReport, note: str | None) -> AuditEntry:
    return AuditEntry(
        at=utcnow(),
        actor=actor,
        action=action,
        list_id=None,
        version=None,
        note=note,
        snapshot_hash=report.snapshot_hash,
        details=audit_details(report),
    )


def record_submission(
    registry: Registry, request: AdmissionRequest, report: AdmissionReport, actor: str
) -> None:
    record: Stored = AdmissionRecord(
        id=request.id,
        matter=report.matter or request.matter,
        department=report.department or request.department,
        status="submitted",
        request=request.model_dump(mode="json"),
        report=report.model_dump(mode="json"),
        snapshot_hash=report.snapshot_hash,
        submitted_by=actor,
        submitted_at=utcnow(),
    )
    entry = audit_entry(actor, "admission_submit", report, request.justification)
    registry.record_admission(record, entry)


def decision(
    registry: Registry,
    request_id: str,
    status: str,
    report: AdmissionReport,
    actor: str,
    note: str | None,
    enacted: list[Any],
) -> tuple[Stored, AuditEntry]:
    """The record of a decision on a submitted request, and its audit entry."""
    found = registry.admission_record(request_id)
    assert found is not None
    record = dataclasses.replace(
        found,
        status=status,
        report=report.model_dump(mode="json"),
        snapshot_hash=report.snapshot_hash,
        decided_by=actor,
        decided_at=utcnow(),
        decision_note=note,
        enacted=enacted,
    )
    action = "admission_approve" if status == "approved" else "admission_reject"
    return record, audit_entry(actor, action, report, note)


def record_refusal(
    registry: Registry, report: AdmissionReport, actor: str, note: str | None
) -> None:
    """An approval the re-run gates refused: the request stays submitted; the log keeps why."""
    registry.add_to_log(audit_entry(actor, "admission_approve_refused", report, note))


APPROVAL = "admission_approval"
"""The audit log's action for an approval that does not decide the request yet (more
approvals are required): the request stays submitted."""


def record_approval(
    registry: Registry, report: AdmissionReport, actor: str, note: str | None
) -> None:
    """An approval that is not the last one required: logged, the request stays submitted."""
    registry.add_to_log(audit_entry(actor, APPROVAL, report, note))


def approvals(registry: Registry) -> dict[str, list[AuditEntry]]:
    """request id → the approvals given to it that did not decide it, oldest first."""
    found: dict[str, list[AuditEntry]] = {}
    for entry in registry.log():
        if entry.action == APPROVAL:
            found.setdefault(str(entry.details.get("request")), []).append(entry)
    return found


def reject(
    registry: Registry, request_id: str, report: AdmissionReport, actor: str, reason: str
) -> None:
    registry.decide_admission(
        *decision(registry, request_id, "rejected", report, actor, reason, [])
    )
