"""A case as the case book keeps it (:class:`CaseRecord`): a routed event with its routing
decision, the unit that holds it now, its status, deadline and 督办 flag, and every step of its
lifecycle, each with when, who and what (:class:`CaseStep`).

The statuses (:class:`CaseStatus`) and who may move a case from one to the next are in
docs/cases.md; :data:`MOVES` is that table as data. A return (退单) is ruled at once by the
dispute desk: its round and :class:`~remit.events.cases.Ruling` are kept in the steps' details,
so :meth:`CaseRecord.as_case` gives the dispute model's :class:`~remit.events.cases.Case` back
(what ``remit dispute report`` reads).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import Field, JsonValue

from remit.events.cases import Case, CaseDispatch, Round, Ruling
from remit.events.model import EventIn
from remit.i18n import Lang, has, t
from remit.model import Model, Value
from remit.routing.decision import RoutingDecision, Status


class CaseStatus(StrEnum):
    """Where a case is in its lifecycle."""

    received = "received"  # 已受理: recorded with its routing decision
    dispatched = "dispatched"  # 已派单: sent to the unit that holds it
    accepted = "accepted"  # 已签收: the holder took it on
    returned = "returned"  # 已退单: the holder said "not ours" (ruled at once)
    ruled = "ruled"  # 待仲裁: a return the lists cannot settle, with the centre to arbitrate
    reassigned = "reassigned"  # 已改派: sent to another unit after a ruling or an arbitration
    resolved = "resolved"  # 已办结: the holder handled it
    closed = "closed"  # 已结案: the centre closed it


class CaseAction(StrEnum):
    """What a step did."""

    receive = "receive"
    dispatch = "dispatch"
    accept = "accept"
    return_ = "return"
    rule = "rule"
    reassign = "reassign"
    resolve = "resolve"
    close = "close"
    supervise = "supervise"


DONE = frozenset({CaseStatus.resolved, CaseStatus.closed})
"""Statuses whose clock has stopped: a case in them is never overdue."""

OPEN = frozenset(CaseStatus) - DONE

MOVES: dict[CaseAction, frozenset[CaseStatus]] = {
    CaseAction.accept: frozenset({CaseStatus.dispatched, CaseStatus.reassigned}),
    CaseAction.return_: frozenset(
        {CaseStatus.dispatched, CaseStatus.reassigned, CaseStatus.accepted}
    ),
    CaseAction.reassign: frozenset(
        {CaseStatus.ruled, CaseStatus.dispatched, CaseStatus.reassigned, CaseStatus.accepted}
    ),
    CaseAction.resolve: frozenset({CaseStatus.accepted}),
    CaseAction.close: frozenset({CaseStatus.resolved}),
    CaseAction.supervise: OPEN - {CaseStatus.received, CaseStatus.returned},
}
"""The statuses each act may be done from (a reassignment from a status other than ``ruled``
only by a coordinating centre that holds the case: :meth:`CaseRecord.centre_holds`)."""

RECORDED = frozenset(
    {
        Status.routed,
        Status.referred,
        Status.fallback,
        Status.coordinated,
        Status.conflict,
        Status.split_areas,
    }
)
"""The decisions that become cases: someone holds them. ``needs_info`` (who is accountable
hinges on a fact nobody gave: ask the reporter first) and ``unroutable`` (nobody to send it to)
do not."""

COORDINATED = frozenset({Status.conflict, Status.coordinated, Status.split_areas})
"""Decisions whose case goes to a centre, which names the unit (reassigns it)."""


class Term(str):
    """A code shown as its term in the reader's language (``case_status.ruled`` → 待仲裁): a
    message parameter. ``str()`` is the code."""

    family: str

    def __new__(cls, family: str, code: str) -> Term:
        made = super().__new__(cls, str(code))
        made.family = family
        return made

    def in_lang(self, lang: Lang) -> str:
        key = f"{self.family}.{self}"
        return t(key, lang) if has(key) else str(self)

    def __reduce__(self) -> tuple[object, ...]:
        return (Term, (self.family, str(self)))


class _Terms(str):
    """Codes of one family, joined, as the reader's language names them."""

    family = ""
    codes: tuple[str, ...]

    def __new__(cls, codes: Iterable[str]) -> _Terms:
        listed = tuple(str(c) for c in codes)
        made = super().__new__(cls, ", ".join(listed) or "-")
        made.codes = listed
        return made

    def in_lang(self, lang: Lang) -> str:
        if lang != "zh":
            return str(self)
        return "、".join(t(f"{self.family}.{c}", lang) for c in self.codes) or "无"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.codes,))


class StatusList(_Terms):
    """Case statuses, in lifecycle order."""

    family = "case_status"

    def __new__(cls, statuses: Iterable[CaseStatus]) -> StatusList:
        chosen = set(statuses)
        made = super().__new__(cls, [s.value for s in CaseStatus if s in chosen])
        assert isinstance(made, StatusList)
        return made


class ActList(_Terms):
    """Acts on a case."""

    family = "case_action"

    def __new__(cls, acts: Iterable[CaseAction]) -> ActList:
        made = super().__new__(cls, [a.value for a in acts])
        assert isinstance(made, ActList)
        return made


class Supervision(Value):
    """督办: the case is watched from above; who flagged it, when, why."""

    by: str
    at: dt.datetime
    note: str = ""


class CaseStep(Value):
    """One step of a case: when, who, what it did, from which status to which."""

    at: dt.datetime = Field(description="when (UTC)")
    actor: str = Field(description="who did it (a person or a system)")
    action: CaseAction
    from_status: CaseStatus | None = Field(None, description="None for the first step")
    to_status: CaseStatus
    unit: str | None = Field(
        None,
        description="the unit that acted (accept, return, resolve), or that the case was sent "
        "to (dispatch, rule, reassign); its code",
    )
    note: str = ""
    details: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="return: the round (unit, at, reason, evidence); rule: the ruling; "
        "dispatch, rule, reassign: the deadline set",
    )


class CaseRecord(Model):
    """A routed event kept as a case."""

    id: str = Field(
        description="C-<year>-<number>: the year the event was reported in (Beijing time) and "
        "its number in that year, from 000001 — short enough to read out on the phone; "
        "also the Open311 service_request_id"
    )
    external_id: str = Field(description="the event's id in its source (a 12345 work order)")
    source: str = Field(description="the event's source (12345, grid, open311 …); '' if none")
    event: EventIn = Field(description="the event as it was given")
    decision: RoutingDecision = Field(description="the routing decision it was recorded with")
    unit: str = Field(
        description="the code of the unit that holds the case now (conflict, coordinated, "
        "split: the coordinating centre, until it reassigns the case)"
    )
    unit_name: str = ""
    status: CaseStatus
    street: str | None = Field(None, description="the code of the event's street (街道/镇)")
    street_name: str | None = None
    matter_name: str = Field("", description="the matter's name in the catalogue in force")
    dispatched_at: dt.datetime = Field(description="when it was first dispatched (UTC)")
    time_limit: str | None = Field(
        None, description="the case's time limit, as the decision set it (督办 brought forward)"
    )
    deadline: dt.datetime | None = Field(
        None,
        description="the holder's deadline (UTC) on the official calendar: from the dispatch; "
        "after a ruling by the dispute clock; while a centre arbitrates, the centre's",
    )
    supervised: Supervision | None = None
    steps: list[CaseStep] = Field(default_factory=list)
    version: int = Field(description="raised by every change: what a change is checked against")
    created_at: dt.datetime
    updated_at: dt.datetime

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """Its deadline has passed and it is not resolved or closed."""
        return (
            self.deadline is not None
            and self.status not in DONE
            and (now or _now()) > self.deadline
        )

    def time_left(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """Until the deadline (negative: overdue); None without a deadline or once done."""
        if self.deadline is None or self.status in DONE:
            return None
        return self.deadline - (now or _now())

    @property
    def first_unit(self) -> str:
        """The unit the case was first dispatched to."""
        for step in self.steps:
            if step.action is CaseAction.dispatch and step.unit:
                return step.unit
        return self.unit

    def centre_holds(self) -> bool:
        """Is the case with a centre that names the unit: a ruling sent it there to arbitrate,
        or the decision sent it to a coordinating centre (conflict, coordinated, split) that
        has not passed it on yet?"""
        if self.status is CaseStatus.ruled:
            return True
        passed_on = any(s.action in (CaseAction.rule, CaseAction.reassign) for s in self.steps)
        return (
            self.decision.status in COORDINATED and not passed_on and self.unit == self.first_unit
        )

    @property
    def rounds(self) -> list[Round]:
        """The returns so far, each with its ruling."""
        found: list[Round] = []
        for step in self.steps:
            if step.action is CaseAction.return_ and isinstance(step.details.get("round"), dict):
                found.append(Round.model_validate(step.details["round"]))
            elif step.action is CaseAction.rule and found and found[-1].ruling is None:
                ruling = step.details.get("ruling")
                if isinstance(ruling, dict):
                    found[-1] = found[-1].model_copy(
                        update={"ruling": Ruling.model_validate(ruling)}
                    )
        return found

    def as_case(self) -> Case:
        """The case as the dispute model has it: the event (in codes, as the decision keeps
        it: it resolves again whatever names it was given by), its first dispatch and its
        returns with their rulings (a :class:`Case` has a return at least: before the first,
        the model refuses it)."""
        return Case(
            id=self.id,
            event=self.decision.event,
            dispatch=CaseDispatch(unit=self.first_unit, at=self.dispatched_at),
            rounds=self.rounds,
        )

    @property
    def last_ruling(self) -> Ruling | None:
        rounds = self.rounds
        return rounds[-1].ruling if rounds else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record_json(record: CaseRecord, now: dt.datetime | None = None) -> dict[str, Any]:
    """A case as JSON data, with whether it is overdue at ``now`` (default: now) and the
    hours left until its deadline (negative: overdue; null: no deadline, or done)."""
    data: dict[str, Any] = record.model_dump(mode="json")
    data.update(_timing(record, now))
    return data


def record_json_text(record: CaseRecord, now: dt.datetime | None = None) -> bytes:
    """:func:`record_json` written as JSON (UTF-8), without the data in between: what the
    service answers with for a case (pydantic writes the record at once, about a third faster
    than building the data and writing it)."""
    written = record.model_dump_json().encode()
    timing = json.dumps(_timing(record, now), separators=(",", ":")).encode()
    return written[:-1] + b"," + timing[1:]


def _timing(record: CaseRecord, now: dt.datetime | None) -> dict[str, Any]:
    left = record.time_left(now)
    return {
        "overdue": record.overdue(now),
        "hours_left": round(left.total_seconds() / 3600, 2) if left is not None else None,
    }


__all__ = [
    "COORDINATED",
    "DONE",
    "MOVES",
    "OPEN",
    "RECORDED",
    "ActList",
    "CaseAction",
    "CaseRecord",
    "CaseStatus",
    "CaseStep",
    "StatusList",
    "Supervision",
    "Term",
    "record_json",
    "record_json_text",
]
