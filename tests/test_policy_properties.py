"""Properties of the policies a dispatcher relies on (issue 13), on hypothesis-generated
registries and events (the differential test's generators), through the public Router:

- the order an event's areas are listed in never changes its decision;
- an event missing an attribute that decides who is accountable is never routed: leaving the
  attribute out of an event where its values give different outcomes gives needs_info;
- no decision falls back (属地兜底) to a unit whose list in force says it is not responsible
  for the matter there: a street is not the catch-all for work its list says was taken back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from remit import InputError, Router
from remit.registry.entities import Role
from remit.routing.decision import RoutingDecision, Status
from tests.factories import DETERMINISTIC
from tests.test_differential import (
    CALENDAR,
    DAYS,
    START,
    Spec,
    _meets,
    _resolved,
    events,
    snapshot_of,
    specs,
)

EXAMPLES = 40
EVENTS = 15


@st.composite
def cases(draw: Any) -> tuple[Spec, list[dict[str, Any]]]:
    spec = draw(specs())
    return spec, draw(events(spec, START, DAYS, EVENTS))


def _route(router: Router, event: dict[str, Any]) -> RoutingDecision | None:
    try:
        return router.route(event)
    except InputError:  # an owner that does not own: refused, whatever the order
        return None


def _gist(d: RoutingDecision) -> tuple[Any, ...]:
    return (
        d.status,
        d.lead.code if d.lead else None,
        frozenset(u.code for u in d.contenders),
        d.coordinator.code if d.coordinator else None,
        tuple((p.area, p.status, p.lead.code if p.lead else None) for p in d.parts),
    )


@settings(max_examples=EXAMPLES, **DETERMINISTIC)
@given(case=cases(), data=st.data())
def test_the_order_of_an_events_areas_never_changes_its_decision(
    case: tuple[Spec, list[dict[str, Any]]], data: st.DataObject
) -> None:
    spec, events_ = case
    router = Router(snapshot=snapshot_of(spec), calendar=CALENDAR)
    for event in events_:
        listed = [event["area"], *event.get("areas", [])]
        if len(set(listed)) < 2:
            continue
        reordered = data.draw(st.permutations(listed))
        other = {**event, "area": reordered[0], "areas": reordered[1:]}
        a, b = _route(router, event), _route(router, other)
        assert (a is None) == (b is None), (event, other)
        if a is None or b is None:
            continue
        # the decision is the same but for the event as reported (its areas in its order)
        assert a.model_dump(exclude={"event", "area"}) == b.model_dump(exclude={"event", "area"})


@settings(max_examples=EXAMPLES, **DETERMINISTIC)
@given(case=cases())
def test_an_event_missing_a_deciding_attribute_is_never_routed(
    case: tuple[Spec, list[dict[str, Any]]],
) -> None:
    spec, events_ = case
    router = Router(snapshot=snapshot_of(spec), calendar=CALENDAR)
    for event in events_:
        matter = spec.matters[event["matter"]]
        for name, domain in matter.attributes.items():
            values = getattr(domain, "values", None) or (
                [True, False]
                if not hasattr(domain, "min")
                else list(range(domain.min, min(domain.max, domain.min + 5) + 1))
            )
            outcomes = {
                _gist(d)
                for value in values
                if (
                    d := _route(
                        router, {**event, "attributes": {**event["attributes"], name: value}}
                    )
                )
                is not None
            }
            left_out = {k: v for k, v in event["attributes"].items() if k != name}
            decision = _route(router, {**event, "attributes": left_out})
            if decision is None or len(outcomes) < 2:
                continue
            # whatever else is missing, who is accountable hinges on this one too
            assert decision.status is Status.needs_info, (event, name, outcomes)
            assert decision.needs is not None and name in decision.needs.attributes


def _relieves(spec: Spec, event: dict[str, Any], area: str, unit: str) -> bool:
    """Whether a not-responsible row in force for the event's matter, covering ``area`` and
    met by its attributes, names ``unit`` (directly or by a territorial reference)."""
    part = {**event, "area": area, "areas": []}
    above = set(spec.ancestors(area))
    return any(
        r.duty.role is Role.not_responsible
        and r.duty.matter == event["matter"]
        and r.duty.area in above
        and _meets(r.duty.conditions, event["attributes"])
        and unit in _resolved(spec, r.duty.unit, part)
        for r in spec.rows
    )


@settings(max_examples=EXAMPLES, **DETERMINISTIC)
@given(case=cases())
def test_no_fallback_onto_a_unit_its_list_relieves(case: tuple[Spec, list[dict[str, Any]]]) -> None:
    spec, events_ = case
    router = Router(snapshot=snapshot_of(spec), calendar=CALENDAR)
    seen = 0
    for event in events_:
        decision = _route(router, event)
        if decision is None:
            continue
        fallbacks = [(decision.area, decision.lead)] if decision.status is Status.fallback else []
        fallbacks += [(p.area, p.lead) for p in decision.parts if p.status is Status.fallback]
        for area, lead in fallbacks:
            assert lead is not None
            seen += 1
            assert not _relieves(spec, event, area, lead.code), (event, decision)


def test_the_properties_see_what_they_test() -> None:
    """The generators give events across areas, missing attributes and fallbacks (the three
    properties above are not vacuous)."""
    spec_events: list[tuple[Spec, list[dict[str, Any]]]] = []

    @settings(max_examples=10, **DETERMINISTIC)
    @given(case=cases())
    def collect(case: tuple[Spec, list[dict[str, Any]]]) -> None:
        spec_events.append(case)

    collect()
    statuses: set[Status] = set()
    for spec, events_ in spec_events:
        router = Router(snapshot=snapshot_of(spec), calendar=CALENDAR, as_of=dt.date(2025, 6, 1))
        for event in events_:
            decision = _route(router, event)
            if decision is not None:
                statuses.add(decision.status)
    assert {Status.split_areas, Status.needs_info, Status.fallback} <= statuses, statuses
