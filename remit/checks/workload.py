"""Projected yearly workload of each unit against its capacity: the load index.

A unit's workload is the sum, over the cells it leads, of the expected yearly events there times
the hours a case takes. Expected events come from the catalogue's estimates (``estimate:
{yearly_volume, hours_per_case}`` on a matter: events a year in one street, spread evenly over
the street's leaf areas and over the matter's attribute space) or, given an event history, from
the events themselves, scaled to a year. Capacity is the unit's staff times the working hours a
member of staff gives to events in a year. Load index = workload ÷ capacity; above the
threshold a unit is overloaded — for a street, the "small horse pulling a big cart" (小马拉大车).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from remit.checks.coverage import Coverage
from remit.conditions.matching import meets
from remit.events.history import scan_history
from remit.events.model import Event
from remit.findings import CheckConfig, LoadIndex
from remit.registry.entities import (
    OWNER_UNIT,
    HitPolicy,
    Level,
    Role,
    is_reference,
    territorial_function,
)
from remit.registry.roles import TerritorialUnits
from remit.registry.snapshot import Snapshot


def estimated_hours(
    snapshot: Snapshot, coverage: Coverage, config: CheckConfig
) -> tuple[dict[str, float], dict[str, float]]:
    """Yearly hours and events per unit from the catalogue's estimates."""
    hours: dict[str, float] = defaultdict(float)
    events: dict[str, float] = defaultdict(float)
    for matter, streets, shares in coverage.lead_share:
        estimate = snapshot.matters[matter].estimate
        if estimate is None:
            continue
        per_case = estimate.hours_per_case or config.default_hours_per_case
        for unit, share in shares:
            if is_reference(unit):
                continue  # the owner, the street's unit: they differ from event to event
            volume = estimate.yearly_volume * streets * share
            events[unit] += volume
            hours[unit] += volume * per_case
    return hours, events


def history_hours(
    snapshot: Snapshot,
    path: Path,
    config: CheckConfig,
    within: Iterable[str] | None = None,
    matters: Iterable[str] | None = None,
) -> tuple[dict[str, float], dict[str, float], int]:
    """Yearly hours and events per unit from an event history: each event counts for every
    lead its matter, area and attributes meet (under priority, the top ones), scaled from the
    history's span to a year. Returns the hours, the events and the span in days."""
    counts: dict[str, int] = defaultdict(int)
    hours: dict[str, float] = defaultdict(float)
    areas = set(within) if within is not None else None
    wanted = set(matters) if matters is not None else None
    roles = TerritorialUnits(snapshot)

    def count(event: Event) -> None:
        if areas is not None and not (set(snapshot.ancestors(event.area)) & areas):
            return
        if wanted is not None and event.matter not in wanted:
            return
        estimate = snapshot.matters[event.matter].estimate
        per_case = (
            estimate.hours_per_case if estimate and estimate.hours_per_case else None
        ) or config.default_hours_per_case
        leads = [
            entry.duty
            for entry in snapshot.duties_for(event.matter, event.area)
            if entry.duty.role is Role.lead and meets(entry.duty.conditions, event.attributes)
        ]
        if leads and snapshot.matters[event.matter].hit_policy is HitPolicy.priority:
            top = max(d.priority for d in leads)
            leads = [d for d in leads if d.priority == top]  # the masked ones do not act
        units: set[str | None] = set()
        for d in leads:
            function = territorial_function(d.unit)
            if d.unit == OWNER_UNIT:
                units.add(event.owner)
            elif function is not None:  # the unit of each street the event is in
                units |= {roles.unit(s, function) or None for s in roles.streets(event.areas)}
            else:
                units.add(d.unit)
        for unit in units - {None}:
            assert unit is not None  # once per unit, however many of its rows match
            counts[unit] += 1
            hours[unit] += per_case

    span = scan_history(snapshot, path, count)
    scale = 365.0 / span
    return (
        {u: h * scale for u, h in hours.items()},
        {u: c * scale for u, c in counts.items()},
        span,
    )


def load_indexes(
    snapshot: Snapshot,
    hours: dict[str, float],
    events: dict[str, float],
    config: CheckConfig,
) -> list[LoadIndex]:
    """The load index of every unit with a capacity: streets first, then by load."""
    rows = []
    for code, unit in snapshot.units.items():
        if not unit.capacity:
            continue
        capacity = unit.capacity * config.hours_per_staff_year
        work = hours.get(code, 0.0)
        index = work / capacity
        rows.append(
            LoadIndex(
                unit=code,
                level=unit.level.value,
                kind=unit.kind.value,
                staff=unit.capacity,
                capacity_hours=round(capacity, 1),
                workload_hours=round(work, 1),
                events_per_year=round(events.get(code, 0.0), 1),
                load_index=round(index, 3),
                overloaded=index > config.overload_threshold,
            )
        )
    rows.sort(key=lambda r: (r.level != Level.street.value, -r.load_index, r.unit))
    return rows
