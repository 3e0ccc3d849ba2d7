"""Routing decisions: who leads, who assists, who dispatches, by when, and why.

A decision is stamped with the snapshot's date, the registry revision it was known at, its
hash and the rules' digest, and keeps its event, so it can be decided again (``remit replay``). Its JSON Schema is published (``remit schema --kind decision``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field, JsonValue

from remit.events.model import EventIn
from remit.model import Value
from remit.registry.entities import Level
from remit.registry.refs import DutyRef, UnitRef


class Status(StrEnum):
    routed = "routed"  # one lead by the lists in force
    referred = (
        "referred"  # nobody leads: a not-responsible row hands it to the unit it names (转交)
    )
    fallback = "fallback"  # nobody leads: the territorial street unit takes it (a gap)
    coordinated = "coordinated"  # nobody leads, no street may take it: the district centre (a gap)
    conflict = "conflict"  # two or more leads: sent to the territorial centre for arbitration
    unroutable = "unroutable"  # nobody leads, no street may take it, no district centre
    needs_info = "needs_info"  # who is accountable hinges on an attribute the event lacks
    split_areas = "split"  # across areas, different leads: per-area leads, a centre coordinates
    # (the member cannot be named split: that is str.split)


class LostReason(StrEnum):
    """Why a candidate duty did not lead."""

    not_responsible = "not_responsible"  # the unit's list says it is not responsible
    masked = "masked"  # a higher-priority lead beat it
    duplicate = "duplicate"  # the unit leads by another row already
    no_owner = "no_owner"  # an owner row, and the event names no owner
    no_territorial_unit = "no_territorial_unit"  # a 属地 row, and the street has no such unit


class LostCandidate(Value):
    unit: UnitRef
    reason: LostReason
    duty: DutyRef
    by: DutyRef | None = Field(None, description="the row that beat or refused it")


class Resolution(Value):
    """A unit a duty row names by a role reference, as resolved for this event."""

    reference: str = Field(description="@owner, @territorial or @territorial:<function>")
    label: str = Field(description="how tables write it, e.g. 属地街道")
    unit: UnitRef
    duty: DutyRef


class StandardRef(Value):
    """The case standard (立案标准) a decision was made under."""

    code: str
    filing: str | None = Field(None, description="its filing condition (立案条件)")
    closing: str | None = Field(None, description="its closing condition (结案条件)")
    given: bool = Field(
        description="named on the event; false: the event named none, and of the standards "
        "whose rows apply the one whose time limit ends first was taken (standard not given)"
    )


class Assignment(Value):
    """A task beside the decision: who, for how long, by when."""

    unit: UnitRef
    time_limit: str
    deadline: dt.datetime


class Shortened(Value):
    """An escalated event's deadline, brought forward (督办)."""

    factor: float = Field(description="the share of the time limit that is left")
    limit: str = Field(description="the time limit so shortened (1工作日 × 0.5: 4工作时)")
    deadline: dt.datetime = Field(description="the deadline the time limit alone would give")


class Overloaded(Value):
    """A fallback or a referral onto a unit over its load index: the graph check's figure on
    the lists the event was decided on (docs/check.md, "Workload and the load index")."""

    unit: UnitRef = Field(description="the unit the event falls back or is referred to")
    load_index: float = Field(
        description="its projected yearly workload ÷ its capacity, as `remit check` gives it"
    )
    threshold: float = Field(description="the check's overload_threshold it is above")


class Alternative(Value):
    """Who would be accountable were the missing attributes these values."""

    values: dict[str, JsonValue] = Field(description="attribute name → value (code)")
    status: Status
    lead: UnitRef | None = None
    contenders: list[UnitRef] = Field(default_factory=list)
    coordinator: UnitRef | None = None


class NeedsInfo(Value):
    """The attributes nobody gave that decide who is accountable, and the outcome for each
    combination of their values (none listed when there are too many combinations)."""

    attributes: list[str]
    alternatives: list[Alternative] = Field(default_factory=list)
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="how people name the attributes and their values: name → label, "
        "name=value → label (地点类型, 道路)",
    )


class AreaPart(Value):
    """One area of an event that spans several, decided on its own (status split): who is
    accountable there, by when, and the rows that say so."""

    area: str = Field(description="the area's code")
    area_name: str
    status: Status
    lead: UnitRef | None = None
    contenders: list[UnitRef] = Field(default_factory=list)
    coordinator: UnitRef | None = None
    assists: list[UnitRef] = Field(default_factory=list)
    supervisors: list[UnitRef] = Field(default_factory=list)
    gap: bool = False
    time_limit: str | None = None
    deadline: dt.datetime | None = None
    duties: list[DutyRef] = Field(default_factory=list)
    overloaded: Overloaded | None = Field(
        None,
        exclude_if=lambda value: value is None,  # absent unless it lands on an overloaded unit
        description="this area's fallback or referral lands on a unit over its load index",
    )


class Dispatch(Value):
    platform: UnitRef
    level: Level
    escalated: bool = False


class RoutingDecision(Value):
    decision_id: str
    event_id: str
    status: Status
    matter: str
    area: str
    lead: UnitRef | None = None
    contenders: list[UnitRef] = Field(default_factory=list, description="the leads in conflict")
    assists: list[UnitRef] = Field(default_factory=list)
    supervisors: list[UnitRef] = Field(default_factory=list)
    dispatch: Dispatch | None = None
    commander: UnitRef | None = Field(None, description="the district centre, for emergencies")
    provisional: Assignment | None = Field(
        None,
        exclude_if=lambda value: value is None,  # absent unless the status is conflict
        description="a conflict: who handles it provisionally (先行处置) while the centre rules, "
        "with its own short limit",
    )
    arbitration: Assignment | None = Field(
        None,
        exclude_if=lambda value: value is None,  # absent unless the status is conflict
        description="a conflict: the centre that names the lead, and by when",
    )
    coordinator: UnitRef | None = Field(
        None,
        exclude_if=lambda value: value is None,  # absent unless coordinated or split
        description="the centre that coordinates an event nobody leads and no street may take "
        "(status coordinated): it finds the unit and reports the gap; or an event across areas "
        "whose leads differ (status split)",
    )
    parts: list[AreaPart] = Field(
        default_factory=list,
        exclude_if=lambda value: not value,  # absent unless the status is split
        description="status split: each area of the event, decided on its own, in area-code order",
    )
    gap: bool = Field(
        False,
        description="no list in force names a lead and no not-responsible row says where it "
        "goes (fallback, coordinated, unroutable): a gap to report, as the check reports it",
    )
    overloaded: Overloaded | None = Field(
        None,
        exclude_if=lambda value: value is None,  # absent unless it lands on an overloaded unit
        description="a fallback or a referral onto a unit whose load index (the graph check's, "
        "on the same lists) is above the threshold: no duty pushed down without staff "
        "(权随责走、费随事转); given only when the router was handed a load source",
    )
    reported_at: dt.datetime
    time_limit: str | None = None
    deadline: dt.datetime | None = None
    deadline_approximate: bool = Field(False, description="official calendar unknown for the year")
    shortened: Shortened | None = Field(
        None,
        exclude_if=lambda value: value is None,  # absent unless escalation brought it forward
        description="a repeat complaint escalated one level: the deadline is brought forward "
        "by the rules' escalation_deadline_factor",
    )
    duties: list[DutyRef] = Field(
        default_factory=list, description="rows used: lead, assists, supervisors, refusals"
    )
    lost: list[LostCandidate] = Field(default_factory=list)
    resolved: list[Resolution] = Field(
        default_factory=list,
        description="units named by a territorial reference, resolved for this event "
        "(属地街道 → the event's street office)",
    )
    rules_fired: list[str] = Field(default_factory=list)
    needs: NeedsInfo | None = Field(
        None,
        exclude_if=lambda value: value is None,  # absent unless the status is needs_info
        description="status needs_info: the attributes to ask the reporter for, and what each "
        "value would decide",
    )
    assumed: dict[str, JsonValue] = Field(
        default_factory=dict,
        exclude_if=lambda value: not value,  # absent unless a district default was used
        description="attributes the event did not carry, taken from the rules' attribute_defaults",
    )
    standard: StandardRef | None = Field(
        None,
        exclude_if=lambda value: value is None,  # absent for matters without standards
        description="the case standard (立案标准) whose rows and time limit decided it",
    )
    extra: dict[str, JsonValue] = Field(
        default_factory=dict,
        exclude_if=lambda value: not value,  # absent when empty: decisions read as before
        description="the event's keys (columns) not used for routing, copied verbatim from it "
        "(诉求内容, 联系电话 …: personal data stays as given)",
    )
    snapshot_hash: str
    snapshot_date: dt.date
    registry_revision: int = Field(
        description="the registry revision the snapshot was known at (with snapshot_date, "
        "what replay decides it again on)"
    )
    rules_digest: str
    event: EventIn = Field(description="the event as decided, in codes: what replay decides again")


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """A decision as a batch writes it, the model never built (``Router.route_many(...,
    plain=True)``): its status, its JSON line (the model's ``model_dump_json``, the same
    text), and whether its deadline is approximate."""

    status: Status
    line: str
    deadline_approximate: bool
