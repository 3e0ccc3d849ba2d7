"""From an event and a snapshot to the facts the policies decide on.

Candidates are found in plain Python through the snapshot's index — the duties in force for
the event's matter whose area scope covers the event's area and whose conditions its attributes
meet — so the rule engine only sees a handful of facts per event (never one rule per duty).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from remit.conditions.matching import meets
from remit.registry.entities import (
    OWNER_UNIT,
    CaseStandard,
    Level,
    Matter,
    Role,
    UnitKind,
    territorial_function,
)
from remit.registry.roles import TerritorialUnits
from remit.registry.snapshot import DutyInForce, Snapshot, standard_order
from remit.routing.rules.model import RoutingConfig
from remit.timelimit import TimeLimit

LEVEL_RANK = {Level.city: 0, Level.district: 1, Level.street: 2, Level.community: 3, Level.grid: 4}


class Topology:
    """Per snapshot: each area's street and district, the territorial units and the platforms;
    an area's ancestors by level and its context are worked out once, when first asked."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self._platform: dict[str, str] = {}
        self._at_level: dict[tuple[str, Level], str | None] = {}
        self._contexts: dict[str, dict[str, str]] = {}
        self._prepared: dict[int, _Prepared] = {}
        self._emergency: dict[str, bool] = {}
        self._emergency_listed: list[str] | None = None
        self.roles = TerritorialUnits(snapshot)
        for unit in sorted(snapshot.units.values(), key=lambda u: u.code):
            if unit.kind is UnitKind.platform:
                self._platform.setdefault(unit.jurisdiction, unit.code)

    def territorial(self, street: str, function: str) -> str:
        """The unit a territorial reference names in ``street`` ("" when it has none)."""
        return self.roles.unit(street, function)

    def streets(self, areas: Any) -> list[str]:
        """The streets of ``areas`` (each area's street, or the area itself), each once, in
        order; none for areas above street level."""
        found: list[str] = []
        for code in areas:
            street = self.at_level(code, Level.street)
            if street is not None and street not in found:
                found.append(street)
        return found

    def at_level(self, area: str, level: Level) -> str | None:
        """The ancestor of ``area`` (or the area itself) at ``level``."""
        key = (area, level)
        if key in self._at_level:
            return self._at_level[key]
        self._at_level[key] = None
        for code in self.snapshot.ancestors(area):
            found = self.snapshot.areas.get(code)
            if found is not None and found.level is level:
                self._at_level[key] = code
                break
        return self._at_level[key]

    def prepared(self, entry: DutyInForce) -> _Prepared:
        """What a candidate needs of ``entry`` that no event changes, worked out once per row
        (keyed by the entry's identity: the snapshot, which this holds, keeps every entry)."""
        found = self._prepared.get(id(entry))
        if found is None:
            found = self._prepared[id(entry)] = _Prepared.of(entry, self.snapshot)
        return found

    def emergency_matter(self, matter: Matter, listed: list[str]) -> bool:
        """Is ``matter`` one of ``listed`` (the rules' ``emergency_matters``: codes, names or
        aliases)? Worked out once per matter while the list is the same."""
        if listed != self._emergency_listed:
            self._emergency, self._emergency_listed = {}, list(listed)
        found = self._emergency.get(matter.code)
        if found is None:
            names = {matter.code, matter.name, *matter.aliases}
            found = self._emergency[matter.code] = not names.isdisjoint(listed)
        return found

    def context(self, area: str) -> dict[str, str]:
        found = self._contexts.get(area)
        if found is None:
            found = self._contexts[area] = self._context(area)
        return dict(found)

    def _context(self, area: str) -> dict[str, str]:
        street = self.at_level(area, Level.street)
        district = self.at_level(area, Level.district)
        city = self.at_level(area, Level.city)
        return {
            "territorial": self.roles.unit(street, "") if street else "",
            "street_platform": self._platform.get(street, "") if street else "",
            "district_platform": self._platform.get(district, "") if district else "",
            "city_platform": self._platform.get(city, "") if city else "",
        }


@dataclass(frozen=True, slots=True)
class StandardChoice:
    """The case standard (立案标准) an event is decided under: the one it names, or, when it
    names none and the candidate rows name several, the one whose time limit ends first
    (``given`` False: the decision says the standard was not given). ``limit``: the standard's
    time limit here (its lead rows' first, else its other rows')."""

    standard: CaseStandard
    given: bool
    limit: TimeLimit | None


Deadline = Callable[[TimeLimit], dt.datetime]
"""When a time limit is up for the event at hand (to compare standards' limits)."""


def _limit(rows: list[DutyInForce]) -> TimeLimit | None:
    ordered = sorted(rows, key=lambda e: e.duty.role is not Role.lead)  # stable: rank kept
    return next((e.duty.time_limit for e in ordered if e.duty.time_limit is not None), None)


def choose_standard(
    matching: list[DutyInForce], named: str | None, deadline: Deadline | None
) -> StandardChoice | None:
    """The standard the event is decided under (see :class:`StandardChoice`); None when the
    event names none and no candidate row names one."""
    by_code: dict[str, list[DutyInForce]] = {}
    for entry in matching:
        if entry.duty.standard is not None:
            by_code.setdefault(entry.duty.standard.code, []).append(entry)
    if named is not None:
        rows = by_code.get(named, [])
        if not rows:  # named, and no row here names it: the rows for every standard decide
            return None
        return StandardChoice(rows[0].duty.standard, True, _limit(rows))  # type: ignore[arg-type]
    if not by_code:
        return None

    def strictness(code: str) -> tuple[Any, ...]:
        limit = _limit(by_code[code])
        if limit is None:
            return (1, None, standard_order(code))
        try:
            ends = deadline(limit) if deadline is not None else None
        except (ValueError, OverflowError):  # no deadline can be computed: the last to pick
            ends = None
        return (
            (0, ends, standard_order(code)) if ends is not None else (1, None, standard_order(code))
        )

    code = min(by_code, key=strictness)
    rows = by_code[code]
    return StandardChoice(rows[0].duty.standard, False, _limit(rows))  # type: ignore[arg-type]


@dataclass(frozen=True)
class PolicyInput:
    """The facts of one event: what the policies (engine or reference) decide on."""

    event: dict[str, Any]
    context: dict[str, str]
    candidates: tuple[dict[str, Any], ...]
    duties: Mapping[str, DutyInForce]
    """duty reference (``LIST@V#seq``) → the duty in force."""
    standard: StandardChoice | None = None
    """The case standard the candidates were chosen by (the rows naming another left out)."""

    @cached_property
    def key(self) -> tuple[Any, ...]:
        """Everything the policies can see: equal keys, equal outcomes (the cache key)."""
        return (
            tuple(sorted(self.event.items())),
            tuple(sorted(self.context.items())),
            tuple(tuple(sorted(c.items())) for c in self.candidates),
        )


_Row = tuple[str, str, int, bool, str, str]
"""A duty's fields as a candidate: unit, role, priority, owner row, the role reference it was
resolved from ("" for a row naming a unit), the unit a not-responsible row refers to ("")."""


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A duty in force as candidates are made of it: its reference, its place in the order
    (:func:`_order`), and its candidate row — None for a territorial reference, whose unit
    depends on the event's streets (``function``: the function it asks for)."""

    entry: DutyInForce
    ref: str
    order: tuple[Any, ...]
    row: _Row | None
    function: str | None

    @classmethod
    def of(cls, entry: DutyInForce, snapshot: Snapshot) -> _Prepared:
        duty = entry.duty
        function = territorial_function(duty.unit)
        row: _Row | None = None
        if function is None:
            owner = duty.unit == OWNER_UNIT
            reference = OWNER_UNIT if owner else ""
            lead_owner = owner and duty.role is Role.lead
            refer_to = duty.refer_to or ""
            row = (duty.unit, duty.role.value, duty.priority, lead_owner, reference, refer_to)
        return cls(entry, duty_ref(entry), _order(entry, snapshot, duty.area), row, function)


def _rows(prepared: _Prepared, streets: list[str], topology: Topology) -> list[_Row]:
    """The candidate rows of a duty: one, or for a territorial reference one per street of the
    event (the unit "" where the street has no such unit)."""
    if prepared.row is not None:
        return [prepared.row]
    duty = prepared.entry.duty
    function = prepared.function or ""
    refer_to = duty.refer_to or ""
    units = [topology.territorial(street, function) for street in streets] or [""]
    return [(unit, duty.role.value, duty.priority, False, duty.unit, refer_to) for unit in units]


def duty_ref(entry: DutyInForce) -> str:
    return f"{entry.list_id}@{entry.version}#{entry.seq}"


def _order(entry: DutyInForce, snapshot: Snapshot, area: str) -> tuple[Any, ...]:
    """Candidates in order: higher priority, then the narrower scope, then list and row."""
    depth = len(snapshot.ancestors(entry.duty.area))
    return (-entry.duty.priority, -depth, entry.list_id, entry.seq)


def _by_order(prepared: _Prepared) -> tuple[Any, ...]:
    return prepared.order


def policy_input(
    event: Any,
    snapshot: Snapshot,
    topology: Topology,
    config: RoutingConfig,
    deadline: Deadline | None = None,
    spans: int | None = None,
) -> PolicyInput:
    """The facts of ``event`` (a resolved :class:`remit.engine.events.Event`) on ``snapshot``;
    ``deadline`` compares case standards' limits for an event that names no standard;
    ``spans``: the streets the whole event touches, when ``event`` is one area of an event
    across several (decided area by area: see ``Router.route``)."""
    matter = snapshot.matters[event.matter]
    attributes = event.attributes
    prepared = topology.prepared
    matching = [
        prepared(entry)
        for entry in snapshot.duties_for(event.matter, event.area)
        if meets(entry.duty.conditions, attributes)
    ]
    matching.sort(key=_by_order)
    standard: StandardChoice | None = None
    # a matter no row in force names a standard of has none to choose (the rows all apply)
    if event.standard is not None or snapshot.standards(event.matter):
        standard = choose_standard([p.entry for p in matching], event.standard, deadline)
        if standard is not None or event.standard is not None:  # the other standards' rows go
            code = standard.standard.code if standard is not None else event.standard
            matching = [
                p
                for p in matching
                if p.entry.duty.standard is None or p.entry.duty.standard.code == code
            ]
    streets = topology.streets(event.areas)
    policy = matter.hit_policy.value
    candidates: list[dict[str, Any]] = []
    duties: dict[str, DutyInForce] = {}
    for p in matching:
        duties[p.ref] = p.entry
        for unit, role, priority, owner_row, reference, refer_to in _rows(p, streets, topology):
            rank = len(candidates)
            candidates.append(
                {
                    "id": f"c{rank}",
                    "duty": p.ref,
                    "unit": unit,
                    "role": role,
                    "priority": priority,
                    "rank": rank,
                    "policy": policy,
                    "owner_row": owner_row,
                    "reference": reference,
                    "refer_to": refer_to,
                }
            )
    context = topology.context(event.area)
    territorial = context["territorial"]
    refusing = [c for c in candidates if c["role"] == "not_responsible" and c["unit"]]
    area = snapshot.areas[event.area]
    severity = event.attributes.get("severity", 0)
    emergency_matter = topology.emergency_matter(matter, config.emergency_matters)
    return PolicyInput(
        event={
            "id": "event",
            "severity": severity
            if isinstance(severity, int) and not isinstance(severity, bool)
            else 0,
            "repeat": event.repeat_count,
            "level": area.level.value,
            "level_rank": LEVEL_RANK[area.level],
            "spans": spans or len(streets) or 1,
            "owner": event.owner or "",
            "emergency_matter": emergency_matter,
            "flagged": bool(getattr(event, "emergency", False)),
            "emergency": emergency_matter
            or bool(getattr(event, "emergency", False))
            or (isinstance(severity, int) and severity >= config.emergency_severity),
            "referring": any(c["refer_to"] for c in refusing),
            "relieved": bool(territorial) and any(c["unit"] == territorial for c in refusing),
        },
        context=context,
        candidates=tuple(candidates),
        duties=duties,
        standard=standard,
    )
