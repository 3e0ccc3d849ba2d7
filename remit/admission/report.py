"""What the admission gate says about a request: each gate's verdict, the outcome, the effect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field

from remit.admission.request import AdmissionRequest, GateName, Mode
from remit.findings import Finding
from remit.i18n import Lang
from remit.model import Model
from remit.registry.entities import AdmissionRecord


class GateStatus(StrEnum):
    passed = "pass"
    failed = "fail"
    needs_info = "needs_info"


class Outcome(StrEnum):
    admit = "admit"
    reject = "reject"
    needs_info = "needs_info"


class GateResult(Model):
    """One gate's verdict, the rule it applied and the evidence."""

    gate: GateName
    status: GateStatus
    mode: Mode
    rule: str = Field(description="the rule the gate applies, in the report's language")
    message: str = Field(description="the verdict, in the report's language")
    evidence: list[str] = Field(default_factory=list, description="what the verdict rests on")

    @property
    def blocks(self) -> bool:
        """Does this verdict stop the request (a deny-mode gate that did not pass)?"""
        return self.mode is Mode.deny and self.status is not GateStatus.passed


class StreetEffect(Model):
    """What the request does to one receiving street."""

    unit: str
    name: str
    events_per_year: float = Field(description="events a year moved to this unit")
    staff_before: int | None
    staff_after: float | None
    load_before: float | None
    load_after: float | None


class AdmissionReport(Model):
    """The admission gate's report on a request (`remit admit check --format json`)."""

    request_id: str
    matter: str | None
    matter_name: str | None = None
    department: str | None
    department_name: str | None = None
    receiving: list[str] = Field(default_factory=list, description="receiving unit codes")
    effective_from: dt.date
    snapshot_hash: str = Field(description="the snapshot the gates ran on")
    checked_at: dt.datetime
    lang: Lang = "en"
    outcome: Outcome
    gates: list[GateResult]
    warnings: list[GateName] = Field(
        default_factory=list, description="gates in warn mode that did not pass"
    )
    recorded: list[GateName] = Field(
        default_factory=list, description="gates in dryrun mode that did not pass (recorded only)"
    )
    effect: list[StreetEffect] = Field(default_factory=list)
    events_moved: float = Field(0.0, description="events a year moved from the department")
    volume_source: str = Field("request", description="request, catalogue or history")
    new_findings: list[Finding] = Field(
        default_factory=list, description="graph-check findings the enactment would introduce"
    )
    enactment: list[dict[str, Any]] = Field(
        default_factory=list, description="the list versions approval would create"
    )

    @property
    def exit_code(self) -> int:
        return 0 if self.outcome is Outcome.admit else 1


@dataclass(frozen=True)
class Approval:
    """An approval given that did not decide the request (the settings require more)."""

    by: str
    at: dt.datetime
    note: str | None


AdmissionEntry = AdmissionRecord[AdmissionRequest, AdmissionReport]
"""A recorded request: what was asked, what the gate found, what was decided."""
