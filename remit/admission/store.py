"""Admission requests in the registry database: recorded, listed, decided — with audit entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from remit.admission.report import AdmissionReport
from remit.admission.request import AdmissionRequest
from remit.registry.entities import as_utc, utcnow
from remit.registry.models import AdmissionRecord, AuditRecord


@dataclass(frozen=True)
class AdmissionEntry:
    """A recorded request: what was asked, what the gate found, what was decided."""

    id: str
    matter: str
    department: str
    status: str
    request: AdmissionRequest
    report: AdmissionReport
    snapshot_hash: str
    submitted_by: str
    submitted_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    enacted: list[Any]


def _entry(r: AdmissionRecord) -> AdmissionEntry:
    return AdmissionEntry(
        id=r.id,
        matter=r.matter,
        department=r.department,
        status=r.status,
        request=AdmissionRequest.model_validate(r.request),
        report=AdmissionReport.model_validate(r.report),
        snapshot_hash=r.snapshot_hash,
        submitted_by=r.submitted_by,
        submitted_at=as_utc(r.submitted_at),  # type: ignore[arg-type]
        decided_by=r.decided_by,
        decided_at=as_utc(r.decided_at),
        decision_note=r.decision_note,
        enacted=list(r.enacted),
    )


def get(engine: Engine, request_id: str) -> AdmissionEntry | None:
    with Session(engine) as s:
        found = s.get(AdmissionRecord, request_id)
        return _entry(found) if found is not None else None


def entries(engine: Engine, status: str | None = None) -> list[AdmissionEntry]:
    with Session(engine) as s:
        query = select(AdmissionRecord).order_by(AdmissionRecord.submitted_at, AdmissionRecord.id)
        if status is not None:
            query = query.where(AdmissionRecord.status == status)
        return [_entry(r) for r in s.exec(query)]


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


def _audit(s: Session, actor: str, action: str, report: AdmissionReport, note: str | None) -> None:
    s.add(
        AuditRecord(
            at=utcnow(),
            actor=actor,
            action=action,
            list_id=None,
            version=None,
            note=note,
            snapshot_hash=report.snapshot_hash,
            details=audit_details(report),
        )
    )


def record_submission(
    engine: Engine, request: AdmissionRequest, report: AdmissionReport, actor: str
) -> None:
    with Session(engine) as s, s.begin():
        s.add(
            AdmissionRecord(
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
        )
        _audit(s, actor, "admission_submit", report, request.justification)


def decide(
    s: Session,
    request_id: str,
    status: str,
    report: AdmissionReport,
    actor: str,
    note: str | None,
    enacted: list[Any],
) -> None:
    """Record a decision (inside the caller's transaction, with the versions it enacts)."""
    s.execute(
        update(AdmissionRecord)
        .where(AdmissionRecord.id == request_id)  # type: ignore[arg-type]
        .values(
            status=status,
            report=report.model_dump(mode="json"),
            snapshot_hash=report.snapshot_hash,
            decided_by=actor,
            decided_at=utcnow(),
            decision_note=note,
            enacted=enacted,
        )
    )
    action = "admission_approve" if status == "approved" else "admission_reject"
    _audit(s, actor, action, report, note)


def record_refusal(engine: Engine, report: AdmissionReport, actor: str, note: str | None) -> None:
    """An approval the re-run gates refused: the request stays submitted; the log keeps why."""
    with Session(engine) as s, s.begin():
        _audit(s, actor, "admission_approve_refused", report, note)


def reject(
    engine: Engine, request_id: str, report: AdmissionReport, actor: str, reason: str
) -> None:
    with Session(engine) as s, s.begin():
        decide(s, request_id, "rejected", report, actor, reason, [])
