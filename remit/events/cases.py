"""Cases and their disputes (退单): an event, where it was dispatched, and the rounds in which a
unit returned it as "not ours" — each with the ruling remit made on it from the lists.

A case file is YAML (a list of cases, or one case) or JSON Lines (one case a line)::

    - id: C-001                      # default: the event's id
      event: {id: HP-2026-0001, matter: 上水井盖, area: 南京东路街道, reported_at: 2026-03-02T09:15}
      dispatch: {unit: 区建设和管理委员会, at: 2026-03-02T09:20}   # default: the lead, reported_at
      rounds:
        - {unit: 区建设和管理委员会, at: 2026-03-02T11:00, reason: 职能不符, evidence: 属水务}

The reason is a code or its Chinese label (:class:`Reason`). Times are ISO 8601; without an
offset they are Beijing time (as an event's ``reported_at``). After ``remit dispute`` each
round carries its :class:`Ruling`. The case model sits in the events layer, below routing (which
rules on returns) and the checks, so that both can read case files (:mod:`.case_files`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from remit.errors import MessageError
from remit.events.model import EventIn, ReportedAt, Text
from remit.model import Model, Value
from remit.registry.refs import DutyRef, UnitRef


class Reason(StrEnum):
    """Why a unit returns a case (退单理由)."""

    not_our_duty = "not_our_duty"  # 职能不符
    not_our_area = "not_our_area"  # 属地不符
    owner_unclear = "owner_unclear"  # 权属不清
    overlapping_duties = "overlapping_duties"  # 职能交叉
    other = "other"  # 其他

    @property
    def label(self) -> str:
        """The reason as Chinese case forms write it."""
        return REASON_LABELS[self]


REASON_LABELS: dict[Reason, str] = {
    Reason.not_our_duty: "职能不符",
    Reason.not_our_area: "属地不符",
    Reason.owner_unclear: "权属不清",
    Reason.overlapping_duties: "职能交叉",
    Reason.other: "其他",
}


def _reason(value: object) -> object:
    """A reason's code or its Chinese label, as the code; anything else refused naming both."""
    if isinstance(value, Reason):
        return value
    given = str(value).strip() if isinstance(value, str | int) else value
    for reason, label in REASON_LABELS.items():
        if given in (reason.value, label):
            return reason.value
    raise MessageError("case.unknown_reason", given=given, known=_Known())


class _Known(str):
    """The reasons a case may give, as the reader's language names them: codes with their
    labels in English, the labels in Chinese."""

    def __new__(cls) -> _Known:
        return super().__new__(
            cls, ", ".join(f"{r.value} ({label})" for r, label in REASON_LABELS.items())
        )

    def in_lang(self, lang: str) -> str:
        return "、".join(REASON_LABELS.values()) if lang == "zh" else str(self)

    def __reduce__(self) -> tuple[object, ...]:
        return (_Known, ())


ReasonIn = Annotated[Reason, BeforeValidator(_reason)]
Evidence = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class Verdict(StrEnum):
    """What the lists say of a return."""

    upheld = "upheld"  # not the returning unit's: the lists' lead takes it
    overruled = "overruled"  # the returning unit holds the duty: back to it
    arbitrate = "arbitrate"  # the lists cannot settle it: a centre names the unit (a list defect)


class Defect(StrEnum):
    """Why the lists cannot settle a return (the list defect an arbitration names)."""

    conflict = "conflict"  # two lists name a lead (职能交叉)
    gap = "gap"  # no list names a lead (遗漏)
    no_owner = "no_owner"  # an owner row, and nobody named the owner
    needs_info = "needs_info"  # who is accountable hinges on a fact nobody gave
    unsettled = "unsettled"  # no rule ruled on it


class Ruling(Value):
    """The ruling on one round, from the lists in force on the event's date."""

    verdict: Verdict
    rule: str = Field(description="the dispute rule that ruled")
    principle: dict[Literal["en", "zh"], str] = Field(
        default_factory=dict, description="the rule's title: the reform principle it serves"
    )
    returned_by: UnitRef
    unit: UnitRef = Field(
        description="who holds the case now: the lists' lead (upheld), the returning unit "
        "(overruled), the arbitrating centre (arbitrate)"
    )
    duties: list[DutyRef] = Field(
        default_factory=list, description="the rows cited, with list, version and legal basis"
    )
    area: str | None = Field(None, description="属地: the event's area, cited for the street")
    defect: Defect | None = Field(None, description="arbitrate: the list defect")
    time_limit: str | None = None
    deadline: dt.datetime | None = Field(
        None,
        description="the holder's deadline (arbitrate: the centre's, from the rules' "
        "arbitration_time_limit; else the case's, by the dispute clock)",
    )
    clock: Literal["dispatch", "reassignment"] = "dispatch"
    escalated_to: UnitRef | None = Field(
        None, description="a second return by the same unit: the centre one level up (督办)"
    )
    matter: str = Field(description="the event's matter, as a code")
    matter_name: str = ""
    decision_status: str = Field(description="the routing decision's status the ruling read")
    ruled_at: dt.datetime
    snapshot_hash: str
    snapshot_date: dt.date
    registry_revision: int
    rules_digest: str = Field(description="the dispute rules'")
    routing_rules_digest: str = Field(description="the routing rules' the event was routed with")


class Round(Model):
    """One return (退单): who, when, why, with what evidence — and, once ruled, the ruling."""

    unit: Text = Field(description="the returning unit: code, name or alias")
    at: ReportedAt = Field(description="when it returned the case (Beijing time if no offset)")
    reason: ReasonIn
    evidence: Evidence = ""
    ruling: Ruling | None = None


class CaseDispatch(Model):
    """Where the case was sent first, and when (the clock runs from here)."""

    unit: Text | None = Field(None, description="default: the routing decision's lead")
    at: ReportedAt | None = Field(None, description="default: the event's reported_at")


class Case(Model):
    """An event with its dispatch and its return rounds."""

    id: Text | None = Field(None, description="the case's id; default the event's")
    event: EventIn
    dispatch: CaseDispatch = Field(default_factory=CaseDispatch)
    rounds: list[Round] = Field(min_length=1, max_length=100)

    @property
    def case_id(self) -> str:
        return self.id or self.event.id

    def dispatched_at(self) -> dt.datetime:
        return self.dispatch.at or self.event.reported_at


def case_record(case: Case) -> dict[str, Any]:
    """A case as JSON data: what ``remit dispute`` writes, one line a case, and reads back."""
    data: dict[str, Any] = case.model_dump(mode="json", exclude_none=True)
    return data


def case_lines(cases: Iterable[Case]) -> str:
    """Cases as JSON Lines."""
    return "".join(
        json.dumps(case_record(case), ensure_ascii=False, sort_keys=False) + "\n" for case in cases
    )


__all__ = [
    "REASON_LABELS",
    "Case",
    "CaseDispatch",
    "Defect",
    "Reason",
    "Round",
    "Ruling",
    "Verdict",
    "case_lines",
]
