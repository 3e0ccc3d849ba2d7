"""Routing decisions: who leads, who assists, who dispatches, by when, and why.

A decision is stamped with the snapshot's hash and date and the rules' digest, so it can be
reproduced. Its JSON Schema is published (``remit schema --kind decision``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from pydantic_core import to_json

from remit.deadlines import WorkCalendar
from remit.errors import InputError
from remit.events.model import EventIn
from remit.model import plain as plain_data
from remit.registry.entities import Level, is_reference, reference_label, territorial_function
from remit.registry.refs import DutyRef, UnitRef
from remit.registry.snapshot import DutyInForce, Snapshot
from remit.routing.decision import (
    Alternative,
    AreaPart,
    Assignment,
    Dispatch,
    LostCandidate,
    LostReason,
    NeedsInfo,
    Resolution,
    RoutingDecision,
    Shortened,
    StandardRef,
    Status,
)
from remit.routing.facts import PolicyInput
from remit.routing.outcome import PolicyOutcome
from remit.routing.overload import LoadFlags
from remit.routing.rules.model import RoutingConfig
from remit.timelimit import LONGEST, TimeLimit

T = TypeVar("T")


def _unit(snapshot: Snapshot, code: str) -> UnitRef:
    unit = snapshot.units.get(code)
    return UnitRef(
        code=code,
        name=unit.name if unit else (reference_label(code) if is_reference(code) else code),
    )


def _row(entry: DutyInForce) -> tuple[str, int, int]:
    """One row of the snapshot."""
    return (entry.list_id, entry.version, entry.seq)


class Refs:
    """The :class:`UnitRef` and :class:`DutyRef` of one snapshot, each made once: they are
    immutable, and a batch names the same units and rows over and over. :attr:`plain` makes
    the same references as JSON (for decisions written plain)."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self._units: dict[str, UnitRef] = {}
        self._duties: dict[tuple[str, int, int], DutyRef] = {}
        self._dispatch: dict[tuple[str, str, bool], Dispatch] = {}
        self._plain: PlainRefs | None = None

    @property
    def plain(self) -> PlainRefs:
        if self._plain is None:
            self._plain = PlainRefs(self)
        return self._plain

    def unit(self, code: str) -> UnitRef:
        found = self._units.get(code)
        if found is None:
            found = self._units[code] = _unit(self.snapshot, code)
        return found

    def duty(self, entry: DutyInForce) -> DutyRef:
        key = _row(entry)
        found = self._duties.get(key)
        if found is None:
            found = self._duties[key] = DutyRef.of(entry)
        return found

    def dispatch(self, unit: str, level: str, escalated: bool) -> Dispatch:
        found = self._dispatch.get((unit, level, escalated))
        if found is None:
            found = Dispatch(platform=self.unit(unit), level=Level(level), escalated=escalated)
            self._dispatch[(unit, level, escalated)] = found
        return found

    def lost(
        self, unit: str, reason: str, duty: DutyInForce, by: DutyInForce | None
    ) -> LostCandidate:
        return LostCandidate(
            unit=self.unit(unit),
            reason=LostReason(reason),
            duty=self.duty(duty),
            by=self.duty(by) if by else None,
        )

    def resolution(self, reference: str, unit: str, duty: DutyInForce) -> Resolution:
        return Resolution(
            reference=reference,
            label=reference_label(reference),
            unit=self.unit(unit),
            duty=self.duty(duty),
        )

    def standard(
        self, code: str, filing: str | None, closing: str | None, given: bool
    ) -> StandardRef:
        return StandardRef(code=code, filing=filing, closing=closing, given=given)

    def units(self, facts: tuple[dict[str, Any], ...], exclude: set[str]) -> list[UnitRef]:
        return [self.unit(code) for code in _distinct_units(facts, exclude)]


def _distinct_units(facts: tuple[dict[str, Any], ...], exclude: set[str]) -> list[str]:
    """The units of ``facts``, each once, in order, but those of ``exclude``."""
    seen: list[str] = []
    for fact in facts:
        if fact["unit"] not in exclude and fact["unit"] not in seen:
            seen.append(fact["unit"])
    return seen


Json = orjson.Fragment
"""A value already written as JSON (orjson puts it in as it is)."""


class PlainRefs:
    """What :class:`Refs` makes, as JSON, each written once (by the model: the same text), for
    decisions written plain. Kept as text only: a row's reference is not kept as a model
    too (a batch names ~10⁵ rows)."""

    def __init__(self, refs: Refs):
        self.refs = refs
        self._made: dict[Any, Json] = {}

    def _once(self, key: Any, make: Callable[[], BaseModel]) -> Json:
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = orjson.Fragment(make().model_dump_json())
        return found

    def unit(self, code: str) -> Json:
        return self._once(("unit", code), lambda: self.refs.unit(code))

    def duty(self, entry: DutyInForce) -> Json:
        return self._once(_row(entry), lambda: DutyRef.of(entry))

    def dispatch(self, unit: str, level: str, escalated: bool) -> Json:
        key = ("dispatch", unit, level, escalated)
        return self._once(key, lambda: self.refs.dispatch(unit, level, escalated))

    def lost(self, unit: str, reason: str, duty: DutyInForce, by: DutyInForce | None) -> Json:
        key = ("lost", unit, reason, _row(duty), by and _row(by))
        return self._once(key, lambda: self.refs.lost(unit, reason, duty, by))

    def resolution(self, reference: str, unit: str, duty: DutyInForce) -> Json:
        key = ("resolution", reference, unit, _row(duty))
        return self._once(key, lambda: self.refs.resolution(reference, unit, duty))

    def standard(self, code: str, filing: str | None, closing: str | None, given: bool) -> Json:
        key = ("standard", code, filing, closing, given)
        return self._once(key, lambda: self.refs.standard(code, filing, closing, given))

    def units(self, facts: tuple[dict[str, Any], ...], exclude: set[str]) -> list[Json]:
        return [self.unit(code) for code in _distinct_units(facts, exclude)]


def accountable(outcome: PolicyOutcome) -> tuple[Status, str | None]:
    """The status the policies' ``outcome`` gives, and the lead (a unit code) if one."""
    leads = outcome.leads
    if outcome.conflict or len(leads) > 1:
        return Status.conflict, None
    if leads:
        return Status.routed, leads[0]["unit"]
    if outcome.referral:
        return Status.referred, outcome.referral[0]
    if outcome.fallback:
        return Status.fallback, outcome.fallback
    if outcome.coordination:
        return Status.coordinated, None
    return Status.unroutable, None


def alternative(values: dict[str, Any], outcome: PolicyOutcome, refs: Refs) -> Alternative:
    """Who ``outcome`` makes accountable, were the missing attributes ``values``."""
    status, lead = accountable(outcome)
    conflict = status is Status.conflict
    return Alternative(
        values=values,
        status=status,
        lead=refs.unit(lead) if lead else None,
        contenders=refs.units(outcome.leads, set()) if conflict else [],
        coordinator=refs.unit(outcome.coordination[0])
        if status is Status.coordinated and outcome.coordination
        else None,
    )


_PUSHED = (Status.fallback, Status.referred)
"""The statuses that hand an event to a unit no lead row names: the street's fallback (兜底) and
a referral (转交). Only these are checked for overload (``overloaded``)."""


def decision_fields(
    event: Any,
    snapshot: Snapshot,
    facts: PolicyInput,
    outcome: PolicyOutcome,
    calendar: WorkCalendar,
    rules_digest: str,
    snapshot_date: dt.date,
    refs: Refs | None = None,
    config: RoutingConfig | None = None,
    overload: LoadFlags | None = None,
    plain: bool = False,
) -> dict[str, Any]:
    """The fields of the decision for ``event`` from the policies' ``outcome``, by name.
    Everything here is derived the same way whichever evaluated the policies (engine or
    reference). ``refs`` (of ``snapshot``) reuses the unit and row references of earlier
    decisions. ``overload`` (the check's load indexes) flags a fallback or a referral onto an
    overloaded unit; the loads are asked for only then. ``plain``: the event as plain data,
    for :func:`decision_json` (else as the :class:`EventIn` the model holds)."""
    if refs is None or refs.snapshot is not snapshot:
        refs = Refs(snapshot)
    duties = facts.duties
    leads = outcome.leads
    status, lead = accountable(outcome)
    lead_duty = duties[leads[0]["duty"]] if status is Status.routed else None
    matter = snapshot.matters[event.matter]
    chosen = facts.standard
    limit = (
        (chosen.limit if chosen else None)
        or (lead_duty.duty.time_limit if lead_duty else None)
        or matter.default_time_limit
    )
    if outcome.commanders:  # an emergency: the strictest limit of the rows that take part
        taking_part = [*leads, *outcome.assists, *outcome.supervisors]
        limits = [duties[f["duty"]].duty.time_limit for f in taking_part]
        found = [x for x in (limit, *limits) if x is not None and x.value <= LONGEST[x.unit]]
        if found:
            limit = min(found, key=lambda x: calendar.deadline(event.reported_at, x).at)
    if limit is not None and limit.value > LONGEST[limit.unit]:  # stored before the bound
        raise InputError.one(
            "route.time_limit_too_long",
            limit=limit.text,
            longest=f"{LONGEST[limit.unit]}{limit.text.lstrip('0123456789.')}",
            where=(
                f"{lead_duty.list_id} v{lead_duty.version}"
                if lead_duty
                else f"{event.matter} (default_time_limit)"
            ),
        )
    # every decision with a limit has its deadline, unroutable ones too: the case still has to
    # be handled by then, whoever the dispatcher finds for it
    deadline = calendar.deadline(event.reported_at, limit) if limit else None
    at = deadline.at if deadline else None
    shortened: Shortened | None = None
    factor = config.escalation_deadline_factor if config is not None else 1.0
    provisional = arbitration = None
    if status is Status.conflict and config is not None:
        provisional, arbitration = _conflict_tasks(event, facts, outcome, calendar, config, refs)
    escalated = bool(outcome.dispatch and outcome.dispatch[2])
    if limit is not None and at is not None and escalated and factor < 1:
        # escalated (督办): the limit shrinks by the configured share
        scaled = calendar.scaled(limit, factor)
        shortened = Shortened(factor=factor, limit=scaled.text, deadline=at)
        at = calendar.deadline(event.reported_at, scaled).at
    exclude = {lead} if lead else set()
    overloaded = None
    if lead and overload is not None and status in _PUSHED:  # never for routed events
        overloaded = overload.flag(snapshot, refs.unit(lead))
    used = [*leads, *outcome.assists, *outcome.supervisors, *outcome.refusals]
    made: Refs | PlainRefs = refs.plain if plain else refs  # the references as models or JSON
    lost = [_lost(made, facts, outcome, unit, duty, reason) for unit, duty, reason in outcome.lost]
    digest = hashlib.sha256(f"{event.id}|{snapshot.hash}|{rules_digest}".encode()).hexdigest()[:16]
    return dict(
        decision_id=digest,
        event_id=event.id,
        status=status,
        matter=event.matter,
        area=event.area,
        lead=made.unit(lead) if lead else None,
        contenders=made.units(leads, set()) if status is Status.conflict else [],
        assists=made.units(outcome.assists, exclude),
        supervisors=made.units(outcome.supervisors, exclude),
        dispatch=made.dispatch(*outcome.dispatch) if outcome.dispatch else None,
        commander=made.unit(outcome.commanders[0][0]) if outcome.commanders else None,
        # an owner row whose owner the event does not name is no gap in the lists
        provisional=provisional,
        arbitration=arbitration,
        coordinator=made.unit(outcome.coordination[0])
        if status is Status.coordinated and outcome.coordination
        else None,
        # nobody leads and no row says where it goes: a gap (what the check reports too),
        # unless an owner row would lead had the event named the owner
        gap=status in (Status.fallback, Status.coordinated, Status.unroutable)
        and not any(reason == "no_owner" for _, _, reason in outcome.lost),
        overloaded=overloaded,
        reported_at=event.reported_at,
        time_limit=limit.text if limit else None,
        deadline=at,
        shortened=shortened,
        deadline_approximate=bool(deadline and deadline.approximate_years),
        duties=[made.duty(duties[f["duty"]]) for f in used],
        lost=lost,
        resolved=[
            made.resolution(f["reference"], f["unit"], duties[f["duty"]])
            for f in used
            # territorial references; the owner is named on the event itself
            if territorial_function(f.get("reference", "")) is not None and f["unit"]
        ],
        rules_fired=list(outcome.rules_fired),
        standard=made.standard(
            chosen.standard.code, chosen.standard.filing, chosen.standard.closing, chosen.given
        )
        if chosen
        else None,
        extra=dict(event.extra),
        snapshot_hash=snapshot.hash,
        snapshot_date=snapshot_date,
        registry_revision=snapshot.revision,
        rules_digest=rules_digest,
        event=plain_data(EventIn, event.reported()) if plain else event.as_reported(),
    )


def decision_json(fields: dict[str, Any]) -> str | None:
    """The decision of ``fields`` (:func:`decision_fields`, ``plain``) as a JSON line: the
    same text as the model's ``model_dump_json``, written by orjson without the model being
    built (a batch's hot path; the tests hold the two equal). The models orjson does not know
    (a conflict's tasks, an escalation, an overload: rare) pydantic writes. None when orjson
    cannot write a value (a lone surrogate in ``extra``, given through the Python API): the
    model is to be built then, and writes it or refuses it as ``route``'s would."""
    try:
        return orjson.dumps(
            plain_data(RoutingDecision, fields), default=_any_json, option=orjson.OPT_UTC_Z
        ).decode()
    except orjson.JSONEncodeError:
        return None


def _any_json(value: Any) -> Json:
    return orjson.Fragment(to_json(value))


def _lost(
    refs: Refs | PlainRefs,
    facts: PolicyInput,
    outcome: PolicyOutcome,
    unit: str,
    duty: str,
    reason: str,
) -> LostCandidate | Json:
    """Why a candidate lost, with the row that beat it chosen the same way every time: the
    lead that remains (masked, duplicate), or the unit's first not-responsible row."""
    by: str | None = None
    if reason in {"masked", "duplicate"} and outcome.leads:
        same_unit = [f for f in outcome.leads if f["unit"] == unit]
        by = (same_unit or list(outcome.leads))[0]["duty"]
    elif reason == "not_responsible":
        by = next((f["duty"] for f in outcome.refusals if f["unit"] == unit), None)
    return refs.lost(unit, reason, facts.duties[duty], facts.duties[by] if by else None)


def _conflict_tasks(
    event: Any,
    facts: PolicyInput,
    outcome: PolicyOutcome,
    calendar: WorkCalendar,
    config: RoutingConfig,
    refs: Refs,
) -> tuple[Assignment | None, Assignment | None]:
    """For a conflict: who handles it provisionally (先行处置) — the event's street unit, unless
    the district says the centre, or the street's own list says it is not responsible (no 兜底)
    — and the centre that arbitrates (the dispatching one, else the district's), each with its
    own limit from the rules' config."""
    context = facts.context
    territorial, centre = context["territorial"], context["district_platform"]
    relieved = any(f["unit"] == territorial for f in outcome.refusals)
    if config.provisional_handler == "territorial" and territorial and not relieved:
        handler = territorial
    else:
        handler = centre
    arbiter = outcome.dispatch[0] if outcome.dispatch else centre

    def task(unit: str, limit: TimeLimit) -> Assignment | None:
        if not unit:
            return None
        due = calendar.deadline(event.reported_at, limit).at
        return Assignment(unit=refs.unit(unit), time_limit=limit.text, deadline=due)

    return (
        task(handler, config.time_limit("provisional_time_limit")),
        task(arbiter, config.time_limit("arbitration_time_limit")),
    )


def needs_info(decision: RoutingDecision, needs: NeedsInfo) -> RoutingDecision:
    """``decision`` (made without the missing attributes) as a request for them: nobody is made
    accountable and no deadline runs until the reporter says; the dispatching centre (and a
    commander, for an emergency) stay, since they ask."""
    return decision.model_copy(
        update={
            "status": Status.needs_info,
            "lead": None,
            "contenders": [],
            "assists": [],
            "supervisors": [],
            "coordinator": None,
            "provisional": None,
            "arbitration": None,
            "gap": False,
            "overloaded": None,
            "time_limit": None,
            "deadline": None,
            "deadline_approximate": False,
            "shortened": None,
            "duties": [],
            "lost": [],
            "resolved": [],
            "standard": None,
            "needs": needs,
        }
    )


def _once(items: Iterable[T]) -> list[T]:
    """``items`` each once, in order (references hold lists: they are not hashable)."""
    seen: dict[str, T] = {}
    for item in items:
        seen.setdefault(repr(item), item)
    return list(seen.values())


def _gist(decision: RoutingDecision) -> tuple[Any, ...]:
    """Who is accountable: what the areas of an event must agree on to be decided as one."""
    return (
        decision.status,
        decision.lead.code if decision.lead else None,
        frozenset(u.code for u in decision.contenders),
        decision.coordinator.code if decision.coordinator else None,
    )


def across_areas(
    event: Any,
    parts: list[RoutingDecision],
    snapshot: Snapshot,
    refs: Refs,
    order: dict[str, int],
    centre: str | None,
) -> RoutingDecision:
    """The decision for ``event``, which spans several areas, from ``parts``: its decision in
    each area (in area-code order). Every area counts (谁主管谁负责 holds area by area):

    - an area that needs information makes the whole event need it (the first such area's
      question is asked);
    - the same accountable unit(s) in every area: that decision — of the area whose deadline
      comes first, so the strictest limit holds for the whole event;
    - otherwise ``split``: each area's lead listed in ``parts``, the district centre
      (``centre``) coordinates, the deadline is the earliest of the areas', a gap if any area
      has one.

    The event is the one reported (all its areas); ``area`` stays its first area as given."""
    whole = {"event": event.as_reported(), "area": event.area}
    waiting = [p for p in parts if p.status is Status.needs_info]
    if waiting:
        return waiting[0].model_copy(update=whole)

    def strictest(p: RoutingDecision) -> tuple[Any, ...]:
        return (p.deadline is None, p.deadline, p.area)

    first = min(parts, key=strictest)
    if len({_gist(p) for p in parts}) == 1:
        return first.model_copy(update=whole)
    area_parts = [
        AreaPart(
            area=p.area,
            area_name=snapshot.areas[p.area].name,
            status=p.status,
            lead=p.lead,
            contenders=p.contenders,
            coordinator=p.coordinator,
            assists=p.assists,
            supervisors=p.supervisors,
            gap=p.gap,
            time_limit=p.time_limit,
            deadline=p.deadline,
            duties=p.duties,
            overloaded=p.overloaded,
        )
        for p in parts
    ]
    rules = {rule for p in parts for rule in p.rules_fired}
    return first.model_copy(
        update={
            **whole,
            "status": Status.split_areas,
            "lead": None,
            "contenders": [],
            "assists": [],
            "supervisors": [],
            "provisional": None,
            "arbitration": None,
            "coordinator": refs.unit(centre) if centre else None,
            "parts": area_parts,
            "overloaded": None,  # each part says so for itself
            "gap": any(p.gap for p in parts),
            "deadline_approximate": any(p.deadline_approximate for p in parts),
            "duties": _once(d for p in parts for d in p.duties),
            "lost": _once(x for p in parts for x in p.lost),
            "resolved": _once(r for p in parts for r in p.resolved),
            "rules_fired": sorted(rules, key=lambda r: (order.get(r, len(order)), r)),
        }
    )
