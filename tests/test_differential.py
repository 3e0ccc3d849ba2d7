"""Differential tests of the router: on hypothesis-generated registries and events, the policy
rules on durable_rules (with and without the decision cache) and the plain-Python reference
resolver give identical decisions, and every decision's status agrees with the facts.

Most registries are built as in-memory snapshots (fast). Effective dates are covered by a
smaller share of real registries (SQLite): lists with a second version (published on a change
date, or a draft), sometimes a second catalogue version that changes hit policies, and events
reported on both sides of the change date.

Decisions are compared whole (the router reports each rule fired once, in the rules' order,
however often the engine or the reference fired it). The cached router routes every event a
second time, from its cache, too. Each decision's status, lead and contenders are also checked
against the rows that match the event, computed here independently of both resolvers.

An event naming an owner that does not own (of another kind, or serving none of the event's
areas) is refused by all three alike, and only such an event: no decision has an owner that does
not own.

``REMIT_DIFF_EXAMPLES`` sets the number of in-memory registries (default 480 × 25 events);
the examples are derandomized, so a run is reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit import InputError, Problem, Registry
from remit.conditions import AttributeDomain, BoolDomain, EnumDomain, IntDomain
from remit.deadlines import WorkCalendar
from remit.legal import LegalBasis
from remit.registry.entities import (
    OWNER_UNIT,
    TERRITORIAL_UNIT,
    Area,
    Duty,
    HitPolicy,
    Level,
    Matter,
    MatterKind,
    Role,
    Unit,
    UnitKind,
    territorial_function,
)
from remit.registry.snapshot import DutyInForce, Snapshot
from remit.routing.decision import DecisionLine, RoutingDecision, Status
from remit.routing.router import Router
from remit.routing.rules.compile import RuleSet, load_rules
from remit.timelimit import parse_time_limit
from tests.factories import DETERMINISTIC, catalogue_in_force, dump_yaml, write_areas_and_units

SNAPSHOT_EXAMPLES = int(os.environ.get("REMIT_DIFF_EXAMPLES", 480))
EVENTS_PER_SNAPSHOT = 25
REGISTRY_EXAMPLES = 30
EVENTS_PER_REGISTRY = 25
MIN_CASES = 10_000

CALENDAR = WorkCalendar()
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
"""Where the SQLite registries go: in memory when the system offers it (no fsync per write)."""
START = dt.date(2025, 1, 1)

CITY = "310000000000"
DISTRICTS = ("310101000000", "310102000000")
DEPARTMENTS = {
    "CGJ": "区城管执法局",
    "LRJ": "区绿化市容局",
    "FGJ": "区房管局",
    "2001": "区水务局",  # a code of digits only
}
OWNERS = {"GAS": "燃气公司", "WY1": "物业一公司", "WATER": "自来水公司"}
LISTS = {
    "QZ-CGJ": "department",
    "QZ-LRJ": "department",
    "JD-BASIC": "street_basic",
    "JD-ASSIST": "street_assist",
    "REFUSAL": "refusal",
}
TIME_LIMITS = (None, None, "2小时", "4紧急工作时", "2工作日", "15天", "30分钟", "1个月")
LEGAL = (None, "《上海市市容环境卫生管理条例》第二十二条", "《城市管理执法办法》")
PRIORITIES = (0, 0, 0, 5, 10, 10, -3, 100)
AREA_WEIGHT = {Level.city: 1, Level.district: 1, Level.street: 3, Level.community: 3, Level.grid: 3}
ROLES = (Role.lead, Role.lead, Role.lead, Role.assist, Role.supervise, Role.not_responsible)
VARIANT_RULES = """\
file: rules
id: differential-variant
config:
  emergency_severity: 3
  emergency_matters: [M2, 事项3]
  repeat_threshold: 2
  provisional_handler: centre
  escalation_deadline_factor: 1
"""


# --- registries as plain data ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A duty row of one list version (seq is 1-based, as the registry numbers rows)."""

    list_id: str
    version: int
    seq: int
    duty: Duty
    explicit_area: bool


@dataclass(frozen=True)
class Spec:
    areas: dict[str, Area]
    units: dict[str, Unit]
    matters: dict[str, Matter]
    rows: tuple[Row, ...]
    """The rows of version 1 of every list."""

    def ancestors(self, code: str) -> list[str]:
        chain = []
        current: str | None = code
        while current is not None:
            chain.append(current)
            current = self.areas[current].parent
        return chain


def _areas(draw: Any) -> dict[str, Area]:
    areas = {CITY: Area(CITY, "上海市", Level.city, None)}
    for d, district in enumerate(DISTRICTS[: draw(st.sampled_from((1, 1, 1, 2)))]):
        areas[district] = Area(district, f"第{d + 1}区", Level.district, CITY)
        streets = draw(st.integers(1, 3)) if d == 0 else 1
        for s in range(1, streets + 1):
            street = f"{district[:6]}{s:03d}000"
            areas[street] = Area(street, f"第{d + 1}区{s}街道", Level.street, district)
            for c in range(1, draw(st.integers(0, 2)) + 1):
                community = f"{district[:6]}{s:03d}{c:03d}"
                areas[community] = Area(community, f"{street}居委{c}", Level.community, street)
                for g in range(1, draw(st.integers(0, 2)) + 1):
                    grid = f"{community}{g:02d}"
                    areas[grid] = Area(grid, f"{community}网格{g}", Level.grid, community)
    return areas


def _units(draw: Any, areas: dict[str, Area]) -> dict[str, Unit]:
    units: list[Unit] = []
    chosen = draw(
        st.lists(st.sampled_from(sorted(DEPARTMENTS)), min_size=1, max_size=4, unique=True)
    )
    units += [
        Unit(code, DEPARTMENTS[code], UnitKind.line, Level.district, DISTRICTS[0])
        for code in sorted(chosen)
    ]
    if draw(st.booleans()):
        units.append(Unit("QZF", "区政府", UnitKind.block, Level.district, DISTRICTS[0]))
    for code, area in areas.items():
        tag = code[3:6] + code[6:9]  # district and street digits
        if area.level is Level.street:
            if draw(st.integers(0, 9)) < 8:
                units.append(
                    Unit(f"JD{tag}", f"{area.name}办事处", UnitKind.block, Level.street, code)
                )
                # sometimes a second office: the first by code is the territorial unit
                if draw(st.integers(0, 9)) == 0:
                    units.append(
                        Unit(f"JD{tag}X", f"{area.name}分办", UnitKind.block, Level.street, code)
                    )
            if draw(st.integers(0, 9)) < 6:
                units.append(
                    Unit(f"PS{tag}", f"{area.name}城运中心", UnitKind.platform, Level.street, code)
                )
            if draw(st.integers(0, 9)) < 6:  # its law-enforcement team (执法中队)
                units.append(
                    Unit(
                        f"ZF{tag}",
                        f"{area.name}执法中队",
                        UnitKind.line,
                        Level.street,
                        code,
                        function="enforcement",
                    )
                )
        elif area.level is Level.district and draw(st.integers(0, 9)) < 7:
            units.append(
                Unit(f"PD{tag}", f"{area.name}城运中心", UnitKind.platform, Level.district, code)
            )
        elif area.level is Level.city and draw(st.integers(0, 9)) < 6:
            units.append(Unit("PC", "市城运中心", UnitKind.platform, Level.city, code))
        elif area.level is Level.community and draw(st.integers(0, 4)) == 0:
            units.append(
                Unit(
                    f"JW{code[-6:]}",
                    f"{area.name}委员会",
                    UnitKind.community,
                    Level.community,
                    code,
                )
            )
    owners = draw(st.lists(st.sampled_from(sorted(OWNERS)), min_size=1, max_size=3, unique=True))
    # most owners serve the city; some a district, a street or a community only
    narrow = [c for c in sorted(areas) if len(c) == 12 and c != CITY]
    served = st.sampled_from([CITY] * max(3, 5 * len(narrow)) + narrow)
    for code in sorted(owners):
        area = areas[draw(served)]
        units.append(Unit(code, OWNERS[code], UnitKind.owner, area.level, area.code))
    return {u.code: u for u in units}


def _domain(draw: Any, name: str) -> AttributeDomain:
    if name == "location_type":
        values = draw(
            st.lists(
                st.sampled_from(["road", "pavement", "park", "river"]),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        return EnumDomain(values=values)
    if name == "severity":
        low, high = draw(st.sampled_from([(1, 4), (1, 4), (0, 5)]))
        return IntDomain(min=low, max=high)
    if name == "floors":
        return IntDomain(min=1, max=6)
    return BoolDomain()


def _matters(draw: Any) -> dict[str, Matter]:
    matters = {}
    for i in range(1, draw(st.integers(1, 4)) + 1):
        names = draw(
            st.lists(
                st.sampled_from(["location_type", "severity", "floors", "damaged"]),
                max_size=3,
                unique=True,
            )
        )
        limit = draw(st.sampled_from(TIME_LIMITS))
        matters[f"M{i}"] = Matter(
            code=f"M{i}",
            name=f"事项{i}",
            kind=draw(st.sampled_from(list(MatterKind))),
            attributes={name: _domain(draw, name) for name in names},
            hit_policy=draw(st.sampled_from(list(HitPolicy))),
            default_time_limit=parse_time_limit(limit) if limit else None,
        )
    return matters


def _constraint(draw: Any, domain: AttributeDomain) -> dict[str, Any] | None:
    """A canonical constraint that allows part of the domain, or None."""
    if isinstance(domain, BoolDomain):
        return {"eq": draw(st.booleans())}
    if isinstance(domain, EnumDomain):
        if len(domain.values) < 2:
            return None
        chosen = draw(
            st.lists(
                st.sampled_from(domain.values),
                min_size=1,
                max_size=len(domain.values) - 1,
                unique=True,
            )
        )
        return {"in": [v for v in domain.values if v in chosen]}
    assert isinstance(domain, IntDomain)
    universe = list(range(domain.min, domain.max + 1))
    if len(universe) < 2:
        return None
    chosen = sorted(
        draw(
            st.lists(st.sampled_from(universe), min_size=1, max_size=len(universe) - 1, unique=True)
        )
    )
    if chosen[-1] - chosen[0] + 1 == len(chosen):
        return {"range": [chosen[0], chosen[-1]]}
    return {"in": chosen}


UNIT_WEIGHT = {
    UnitKind.line: 4,
    UnitKind.block: 2,
    UnitKind.owner: 1,
    UnitKind.platform: 1,
    UnitKind.community: 1,
}


def _unit_pool(units: dict[str, Unit]) -> list[str]:
    """Unit codes to draw a duty's unit from: departments most often, as in real lists."""
    pool = [code for code in sorted(units) for _ in range(UNIT_WEIGHT[units[code].kind])]
    references = [TERRITORIAL_UNIT, TERRITORIAL_UNIT, f"{TERRITORIAL_UNIT}:enforcement"]
    return [*pool, OWNER_UNIT, OWNER_UNIT, OWNER_UNIT, *references]


def _duty(
    draw: Any, matter: Matter, units: dict[str, Unit], areas: dict[str, Area]
) -> tuple[Duty, bool]:
    unit = draw(st.sampled_from(_unit_pool(units)))
    role = draw(st.sampled_from(ROLES))
    if role is Role.not_responsible and draw(st.integers(0, 3)) == 0:
        unit = TERRITORIAL_UNIT  # a reclaimed list's row: 属地街道 not responsible (收回)
    explicit = unit.startswith("@") or draw(st.integers(0, 2)) == 0
    area = draw(st.sampled_from(sorted(areas))) if explicit else units[unit].jurisdiction
    conditions = {}
    for name, domain in sorted(matter.attributes.items()):
        if draw(st.integers(0, 3)) == 0:
            constraint = _constraint(draw, domain)
            if constraint is not None:
                conditions[name] = constraint
    limit = draw(st.sampled_from(TIME_LIMITS))
    legal = draw(st.sampled_from(LEGAL))
    refer_to = None  # half the not-responsible rows say where the matter goes (转交)
    if role is Role.not_responsible and draw(st.booleans()):
        others = [code for code in sorted(units) if code != unit]
        refer_to = draw(st.sampled_from(others)) if others else None
    return (
        Duty(
            matter=matter.code,
            unit=unit,
            role=role,
            refer_to=refer_to,
            area=area,
            conditions=conditions,
            time_limit=parse_time_limit(limit) if limit else None,
            legal_basis=(LegalBasis.model_validate(legal),) if legal else (),
            priority=draw(st.sampled_from(PRIORITIES)),
        ),
        explicit,
    )


def _number(rows: Iterable[tuple[str, Duty, bool]], version: int) -> list[Row]:
    """Rows numbered within their list; a row written twice in one version is written once
    (the registry refuses identical rows)."""
    out: list[Row] = []
    seen: set[tuple[str, str]] = set()
    count: Counter[str] = Counter()
    for list_id, duty, explicit in rows:
        key = (list_id, repr(duty.content()))
        if key in seen:
            continue
        seen.add(key)
        count[list_id] += 1
        out.append(Row(list_id, version, count[list_id], duty, explicit))
    return out


@st.composite
def specs(draw: Any) -> Spec:
    areas = _areas(draw)
    units = _units(draw, areas)
    matters = _matters(draw)
    rows = []
    for matter in matters.values():
        for _ in range(draw(st.integers(1, 10))):
            duty, explicit = _duty(draw, matter, units, areas)
            rows.append((draw(st.sampled_from(sorted(LISTS))), duty, explicit))
    return Spec(areas, units, matters, tuple(_number(rows, 1)))


KIND = st.integers(0, 9)
OWNER_KIND = st.integers(0, 19)  # 0-7: no owner; 8-18: one of the owners; 19: any unit
MINUTE = st.integers(0, 24 * 60 - 1)
REPEAT = st.sampled_from((0, 0, 0, 1, 2, 3, 5))
DAYS = st.integers(0, 729)
AROUND_CHANGE = st.one_of(st.integers(-45, 44), st.sampled_from([-1, 0]))


def _values(domain: AttributeDomain) -> st.SearchStrategy[Any]:
    if isinstance(domain, EnumDomain):
        return st.sampled_from(domain.values)
    if isinstance(domain, IntDomain):
        return st.integers(domain.min, domain.max)
    return st.booleans()


@st.composite
def events(
    draw: Any, spec: Spec, base: dt.date, offsets: st.SearchStrategy[int], count: int
) -> list[dict[str, Any]]:
    """``count`` events on ``spec``, reported ``offsets`` days after ``base``."""
    area_codes = sorted(spec.areas)
    weighted = [c for c in area_codes for _ in range(AREA_WEIGHT[spec.areas[c].level])]
    matters = st.sampled_from(sorted(spec.matters))
    values = {
        code: [(name, _values(domain)) for name, domain in m.attributes.items()]
        for code, m in spec.matters.items()
    }
    owners = st.sampled_from([c for c, u in spec.units.items() if u.kind is UnitKind.owner])
    anyone = st.sampled_from(sorted(spec.units))
    areas = st.sampled_from(weighted)
    extras = st.lists(st.sampled_from(area_codes), max_size=2)
    out = []
    for i in range(count):
        matter = draw(matters)
        attributes: dict[str, Any] = {}
        for name, value in values[matter]:
            kind = draw(KIND)
            if kind == 0:
                continue  # not given
            attributes[name] = None if kind == 1 else draw(value)  # null: no value
        owner_kind = draw(OWNER_KIND)
        owner = None if owner_kind < 8 else draw(owners if owner_kind < 19 else anyone)
        day = base + dt.timedelta(days=draw(offsets))
        minute = draw(MINUTE)
        event: dict[str, Any] = {
            "id": f"E{i}",
            "matter": matter,
            "area": draw(areas),
            "reported_at": dt.datetime.combine(day, dt.time(minute // 60, minute % 60)).isoformat(),
            "attributes": attributes,
            "repeat_count": draw(REPEAT),
        }
        extra = draw(extras)
        if extra:
            event["areas"] = extra
        if owner is not None:
            event["owner"] = owner
        if draw(st.integers(0, 9)) == 0:  # flagged as an emergency by the reporter
            event["emergency"] = True
        out.append(event)
    return out


def snapshot_of(spec: Spec) -> Snapshot:
    """The in-memory snapshot of ``spec`` (its version 1 rows)."""
    catalogue = catalogue_in_force(START, row_count=len(spec.matters))
    content = repr(
        (sorted(spec.areas.items()), sorted(spec.units.items()), spec.matters, spec.rows)
    )
    return Snapshot(
        as_of=START,
        hash=hashlib.sha256(content.encode()).hexdigest(),
        areas=spec.areas,
        units=spec.units,
        catalogue=catalogue,
        matters=spec.matters,
        lists=(),
        duties=tuple(DutyInForce(r.list_id, r.version, r.seq, r.duty) for r in spec.rows),
    )


# --- what the decision must be, from the rows (independent of both resolvers) ----------------


def _meets(conditions: dict[str, dict[str, Any]], attributes: dict[str, Any]) -> bool:
    for name, constraint in conditions.items():
        value = attributes.get(name)
        if value is None:
            return False
        if "in" in constraint and value not in constraint["in"]:
            return False
        if "range" in constraint and not constraint["range"][0] <= value <= constraint["range"][1]:
            return False
        if "eq" in constraint and value is not constraint["eq"]:
            return False
    return True


def _territorial(spec: Spec, area: str) -> str | None:
    street = next((a for a in spec.ancestors(area) if spec.areas[a].level is Level.street), None)
    offices = sorted(
        u.code
        for u in spec.units.values()
        if u.kind is UnitKind.block and u.level is Level.street and u.jurisdiction == street
    )
    return offices[0] if street and offices else None


def _resolved(spec: Spec, unit: str, event: dict[str, Any]) -> list[str]:
    """The units a duty's ``unit`` names for ``event``: a territorial reference, per street of
    the event (none where the street has no such unit); anything else as it is."""
    function = territorial_function(unit)
    if function is None:
        return [unit]
    streets: list[str] = []
    for area in [event["area"], *event.get("areas", [])]:
        street = next(
            (a for a in spec.ancestors(area) if spec.areas[a].level is Level.street), None
        )
        if street is not None and street not in streets:
            streets.append(street)
    found = []
    for street in streets:
        if function:
            named = sorted(
                u.code
                for u in spec.units.values()
                if u.function == function and u.jurisdiction == street
            )
            found += named[:1]
        else:
            office = _territorial(spec, street)
            found += [office] if office else []
    return found


def owns(spec: Spec, event: dict[str, Any]) -> bool:
    """Whether the owner the event names (if any) owns: a unit of kind owner whose
    jurisdiction is every area of the event or above it."""
    owner = event.get("owner")
    if owner is None:
        return True
    unit = spec.units[owner]
    areas = [event["area"], *event.get("areas", [])]
    return unit.kind is UnitKind.owner and all(
        unit.jurisdiction in spec.ancestors(a) for a in areas
    )


def check_refused(spec: Spec, event: dict[str, Any], problems: list[Problem]) -> None:
    """An event is refused only for an owner that does not own, and says so."""
    assert not owns(spec, event), (event, problems)
    kind = spec.units[event["owner"]].kind
    expected = "event.owner_elsewhere" if kind is UnitKind.owner else "event.owner_not_owner"
    assert [(p.key, p.field) for p in problems] == [(expected, "owner")], (event, problems)


@dataclass(frozen=True)
class Expected:
    """What the rows that match an event make of it, worked out here."""

    status: Status
    units: tuple[str, ...]  # the leads, in rank order
    territorial: str | None
    referral: str | None
    centre: str | None
    owner_unknown: bool

    @property
    def lead(self) -> str | None:
        if self.status is Status.routed:
            return self.units[0]
        if self.status is Status.referred:
            return self.referral
        return self.territorial if self.status is Status.fallback else None

    @property
    def gist(self) -> tuple[Any, ...]:
        """Who is accountable: what a needs_info decision compares across the values."""
        contenders = frozenset(self.units) if self.status is Status.conflict else frozenset()
        coordinator = self.centre if self.status is Status.coordinated else None
        return (self.status, self.lead, contenders, coordinator)


def expected_of(spec: Spec, rows: Sequence[Row], matter: Matter, event: dict[str, Any]) -> Expected:
    above = set(spec.ancestors(event["area"]))
    owner = event.get("owner")
    found = [
        r
        for r in rows
        if r.duty.matter == matter.code
        and r.duty.area in above
        and _meets(r.duty.conditions, event["attributes"])
    ]
    found.sort(
        key=lambda r: (-r.duty.priority, -len(spec.ancestors(r.duty.area)), r.list_id, r.seq)
    )
    refused = {
        u
        for r in found
        if r.duty.role is Role.not_responsible
        for u in _resolved(spec, r.duty.unit, event)
    }
    # an owner row whose owner the event does not name is no gap in the lists
    owner_unknown = owner is None and any(
        r.duty.unit == OWNER_UNIT and r.duty.role is Role.lead for r in found
    )
    leads = []  # (unit, priority) in rank order
    for r in found:
        if r.duty.role is not Role.lead:
            continue
        for unit in _resolved(spec, r.duty.unit, event):
            if unit == OWNER_UNIT:
                if owner is None:
                    continue
                unit = owner
            if unit not in refused:
                leads.append((unit, r.duty.priority))
    if matter.hit_policy is HitPolicy.priority and leads:
        top = max(p for _, p in leads)
        leads = [(u, p) for u, p in leads if p == top]
    units = tuple(dict.fromkeys(u for u, _ in leads))
    territorial = _territorial(spec, event["area"])
    # nobody leads: the first refusal (in rank order) naming where it goes refers it there; a
    # street its own list relieves is no fallback; the district centre coordinates
    referral = next(
        (
            r.duty.refer_to
            for r in found
            if r.duty.role is Role.not_responsible
            and r.duty.refer_to
            and _resolved(spec, r.duty.unit, event)
        ),
        None,
    )
    district = next(
        (a for a in spec.ancestors(event["area"]) if spec.areas[a].level is Level.district), None
    )
    centre = min(
        (
            u.code
            for u in spec.units.values()
            if u.kind is UnitKind.platform and u.jurisdiction == district
        ),
        default=None,
    )
    if not units:
        if referral:
            expected = Status.referred
        elif territorial and territorial not in refused:
            expected = Status.fallback
        else:
            expected = Status.coordinated if centre else Status.unroutable
    elif len(units) == 1 or matter.hit_policy in (HitPolicy.collect, HitPolicy.joint):
        expected = Status.routed
    else:
        expected = Status.conflict
    return Expected(expected, units, territorial, referral, centre, owner_unknown)


def _domain_values(domain: AttributeDomain) -> list[Any]:
    if isinstance(domain, EnumDomain):
        return list(domain.values)
    if isinstance(domain, IntDomain):
        return list(range(domain.min, domain.max + 1))
    return [True, False]


def check_status(
    spec: Spec,
    rows: Sequence[Row],
    matters: dict[str, Matter],
    event: dict[str, Any],
    decision: RoutingDecision,
) -> None:
    """The status, lead and contenders agree with the rows that match the event; no decision
    has an owner that does not own; an event missing an attribute that decides who is
    accountable is never decided (needs_info), and one whose missing attributes do not matter
    is."""
    assert owns(spec, event), (event, decision)
    matter = matters[event["matter"]]
    areas = sorted(dict.fromkeys([event["area"], *event.get("areas", [])]))
    if len(areas) > 1:  # every area counts: each decided on its own
        check_across(spec, rows, matter, event, areas, decision)
        return
    missing, gists, many = _missing(spec, rows, matter, event)
    if missing:
        where = f"event {event}, missing {missing}, outcomes {gists}, decision {decision.status}"
        if len(gists) > 1:
            assert decision.status is Status.needs_info and decision.needs is not None, where
            assert decision.needs.attributes == missing and decision.lead is None, where
            assert decision.deadline is None and not decision.gap, where
            return
        if many and decision.status is Status.needs_info:
            return
        assert decision.status is not Status.needs_info, where
    expected = expected_of(spec, rows, matter, event)
    units, territorial, referral = expected.units, expected.territorial, expected.referral
    owner_unknown, centre = expected.owner_unknown, expected.centre
    lead = decision.lead.code if decision.lead else None
    contenders = [u.code for u in decision.contenders]
    where = f"event {event}, leads {units}, decision {decision.status} {lead} {contenders}"
    assert decision.status is expected.status, where
    if expected.status is Status.routed:
        assert lead == units[0] and not contenders and not decision.gap, where
    elif expected.status is Status.conflict:
        assert matter.hit_policy in (HitPolicy.unique, HitPolicy.priority), where
        assert lead is None and len(contenders) >= 2 and set(contenders) == set(units), where
    elif expected.status is Status.referred:
        assert lead == referral and not contenders and not decision.gap, where
    elif expected.status is Status.fallback:
        assert lead == territorial and not contenders, where
        assert decision.gap is not owner_unknown, where
    elif expected.status is Status.coordinated:
        assert lead is None and decision.coordinator is not None, where
        assert decision.coordinator.code == centre and decision.gap is not owner_unknown, where
    else:
        assert lead is None and decision.gap is not owner_unknown, where


def _missing(
    spec: Spec, rows: Sequence[Row], matter: Matter, event: dict[str, Any]
) -> tuple[list[str], set[tuple[Any, ...]], bool]:
    """The attributes the rows covering the event's (one) area name that it does not give,
    the gists of the outcomes their values give, and whether there are too many to try."""
    above = set(spec.ancestors(event["area"]))
    named = {
        name
        for r in rows
        if r.duty.matter == matter.code and r.duty.area in above
        for name in r.duty.conditions
    }
    given = {name for name, value in event["attributes"].items() if value is not None}
    missing = sorted(name for name in named - given if name in matter.attributes)
    if not missing:
        return [], set(), False
    choices = [_domain_values(matter.attributes[name]) for name in missing]
    gists = {
        expected_of(
            spec,
            rows,
            matter,
            {
                **event,
                "attributes": {**event["attributes"], **dict(zip(missing, combo, strict=True))},
            },
        ).gist
        for combo in itertools.product(*choices)
    }
    return missing, gists, math.prod(len(c) for c in choices) > 64


def check_across(
    spec: Spec,
    rows: Sequence[Row],
    matter: Matter,
    event: dict[str, Any],
    areas: list[str],
    decision: RoutingDecision,
) -> None:
    """An event across ``areas`` (in code order): an area whose outcome hinges on a missing
    attribute makes it needs_info; the same outcome in every area is that outcome; different
    ones are split, each area's part its own outcome."""
    parts = [{**event, "area": area, "areas": []} for area in areas]
    where = f"event {event}, decision {decision.model_dump_json(indent=1)}"
    expected: list[Expected] = []
    for part in parts:
        missing, gists, many = _missing(spec, rows, matter, part)
        if len(gists) > 1 or (many and decision.status is Status.needs_info):
            assert decision.status is Status.needs_info and decision.lead is None, where
            assert decision.deadline is None and not decision.gap, where
            if len(gists) > 1:  # the first area (in code order) that needs it asks
                assert decision.needs is not None and decision.needs.attributes == missing, where
            return
        expected.append(expected_of(spec, rows, matter, part))
    assert decision.status is not Status.needs_info, where
    if len({e.gist for e in expected}) == 1:
        assert decision.status is expected[0].status and not decision.parts, where
        lead = decision.lead.code if decision.lead else None
        assert lead == expected[0].lead, where
        assert {u.code for u in decision.contenders} == set(expected[0].gist[2]), where
        return
    assert decision.status is Status.split_areas and decision.lead is None, where
    assert [p.area for p in decision.parts] == areas, where
    assert decision.gap == any(p.gap for p in decision.parts), where
    for part, want in zip(decision.parts, expected, strict=True):
        got = (
            part.status,
            part.lead.code if part.lead else None,
            frozenset(u.code for u in part.contenders)
            if part.status is Status.conflict
            else frozenset(),
            part.coordinator.code if part.coordinator else None,
        )
        assert got == want.gist, where


# --- routing the same events three ways --------------------------------------------------------


Refusal = tuple[tuple[str, str | None, str], ...]
"""An event refused: its problems as (key, field, English text)."""


def _route(router: Router, event: dict[str, Any]) -> RoutingDecision | Refusal:
    try:
        return router.route(event)
    except InputError as exc:
        return tuple((p.key, p.field, p.render("en")) for p in exc.problems)


@dataclass(frozen=True)
class Batching:
    """How the events are routed at once as well: in ``order``, ``size`` events per engine
    state, by a router with or without the cache, the decisions as models or ``plain`` (their
    JSON lines, the models never built)."""

    order: tuple[int, ...]
    size: int
    cache: bool
    plain: bool = False


@st.composite
def batchings(draw: Any, count: int) -> Batching:
    return Batching(
        tuple(draw(st.permutations(range(count)))),
        draw(st.sampled_from([1, 2, 3, 7, 32, 64])),
        draw(st.booleans()),
        draw(st.booleans()),
    )


def _many(
    router: Router, events_: list[dict[str, Any]], plain: bool = False
) -> list[RoutingDecision | Refusal]:
    """:meth:`Router.route_many` on ``events_``; ``plain``: each line written without the model
    is validated against it, and must be the text the model writes."""
    out: list[RoutingDecision | Refusal] = []
    items = [(event, None) for event in events_]
    for result in router.route_many(items, plain):  # type: ignore[arg-type]
        if isinstance(result, InputError):
            out.append(tuple((p.key, p.field, p.render("en")) for p in result.problems))
        elif isinstance(result, DecisionLine):
            decision = RoutingDecision.model_validate_json(result.line)
            assert decision.model_dump_json() == result.line, f"not the model's: {result.line}"
            assert result.status is decision.status
            assert result.deadline_approximate == decision.deadline_approximate
            out.append(decision)
        else:
            assert isinstance(result, RoutingDecision), result
            out.append(result)
    return out


def route_three_ways(
    make: Any,
    events_: list[dict[str, Any]],
    check: Any,
    checked: Counter[str],
    refused: Any,
    batching: Batching,
) -> None:
    """Route ``events_`` with the routers ``make(engine, cache, batch)`` builds and compare
    them; each decision goes through ``check(event, decision)``, each refusal (the same from
    all three) through ``refused(event, problems)``; ``checked`` counts cases, statuses,
    refusals and the rules fired. Then the same events in ``batching``'s order, many at a time
    (``Router.route_many``), must get the same decisions: batch size and order never change
    one."""
    uncached, cached, reference = (
        make("rules", False, 1),
        make("rules", True, 1),
        make("reference", False, 1),
    )
    first = []
    for event in events_:
        a, b, c = _route(uncached, event), _route(cached, event), _route(reference, event)
        assert b == a, f"cached ≠ uncached on {event}:\n{b}\n{a}"
        if not isinstance(a, RoutingDecision):
            assert c == a, f"engine ≠ reference on {event}:\n{a}\n{c}"
            with pytest.raises(InputError) as caught:
                uncached.route(event)
            refused(event, caught.value.problems)
            first.append(b)
            checked["cases"] += 1
            checked["refused"] += 1
            checked.update(f"refused {p.key}" for p in caught.value.problems)
            continue
        assert isinstance(c, RoutingDecision), f"engine ≠ reference on {event}:\n{a}\n{c}"
        assert a == c, (
            f"engine ≠ reference on {event}:\n{a.model_dump_json(indent=1)}\n"
            f"{c.model_dump_json(indent=1)}"
        )
        check(event, a)
        # decisions are built without validation (decide.decision_fields): validating one must
        # give it back unchanged, so the schema holds what the router builds
        text = a.model_dump_json()
        again = RoutingDecision.model_validate_json(text)
        assert again == a and again.model_dump_json() == text, f"not the schema's: {text}"
        assert RoutingDecision.model_validate(a.model_dump()) == a
        first.append(b)
        checked["cases"] += 1
        checked[a.status.value] += 1
        checked.update(f"rule {r}" for r in set(a.rules_fired))
    for event, before in zip(events_, first, strict=True):  # every one a cache hit now
        assert _route(cached, event) == before, f"cache hit ≠ first decision on {event}"
    shuffled = [events_[i] for i in batching.order]
    batched = _many(make("rules", batching.cache, batching.size), shuffled, batching.plain)
    for index, result in zip(batching.order, batched, strict=True):
        assert result == first[index], (
            f"routed {batching.size} at a time ≠ one by one on {events_[index]}:\n"
            f"{result}\n{first[index]}"
        )
    checked["batched"] += len(batched)
    checked["written plain"] += len(batched) if batching.plain else 0


@pytest.fixture(scope="module")
def rulesets(tmp_path_factory: pytest.TempPathFactory) -> tuple[RuleSet, RuleSet]:
    variant = tmp_path_factory.mktemp("rules") / "variant.yaml"
    variant.write_text(VARIANT_RULES, encoding="utf-8")
    return load_rules(), load_rules(variant)


@st.composite
def snapshot_cases(draw: Any) -> tuple[Spec, list[dict[str, Any]], bool, Batching]:
    spec = draw(specs())
    events_ = draw(events(spec, START, DAYS, EVENTS_PER_SNAPSHOT))
    return spec, events_, draw(st.booleans()), draw(batchings(len(events_)))


def test_router_engines_agree_on_snapshots(rulesets: tuple[RuleSet, RuleSet]) -> None:
    checked: Counter[str] = Counter()

    @settings(max_examples=SNAPSHOT_EXAMPLES, **DETERMINISTIC)
    @given(case=snapshot_cases())
    def run(case: tuple[Spec, list[dict[str, Any]], bool, Batching]) -> None:
        spec, events_, variant, batching = case
        snapshot = snapshot_of(spec)
        ruleset = rulesets[variant]

        def make(engine: str, cache: bool, batch: int) -> Router:
            return Router(
                snapshot=snapshot,
                rules=ruleset,
                engine=engine,
                cache=cache,
                calendar=CALENDAR,
                batch=batch,
            )

        def check(event: dict[str, Any], decision: RoutingDecision) -> None:
            check_status(spec, spec.rows, spec.matters, event, decision)

        def refused(event: dict[str, Any], problems: list[Problem]) -> None:
            check_refused(spec, event, problems)

        route_three_ways(make, events_, check, checked, refused, batching)

    run()
    print(f"snapshot cases: {dict(sorted(checked.items()))}")
    assert checked["cases"] - checked["refused"] >= MIN_CASES  # decisions compared
    assert checked["refused event.owner_not_owner"], checked
    assert checked["refused event.owner_elsewhere"], checked
    assert all(checked[s.value] for s in Status), checked
    assert checked["written plain"], checked  # lines written without the model, held equal
    fired = {key.removeprefix("rule ") for key in checked if key.startswith("rule ")}
    assert {rule.id for rule in rulesets[0].rules} <= fired, checked


# --- effective dates: real registries with two versions ----------------------------------------


@dataclass(frozen=True)
class DatedSpec:
    spec: Spec
    change: dt.date
    second: dict[str, str]
    """list id → what its version 2 is: "published" (on ``change``) or "draft"."""
    rows2: tuple[Row, ...]
    matters2: dict[str, Matter] | None
    """The catalogue's version 2 (in force from ``change``), if any."""

    def in_force(self, day: dt.date) -> tuple[list[Row], dict[str, Matter]]:
        rows = [
            r
            for r in self.spec.rows
            if not (self.second.get(r.list_id) == "published" and day >= self.change)
        ]
        rows += [
            r
            for r in self.rows2
            if self.second.get(r.list_id) == "published" and day >= self.change
        ]
        matters = (
            self.matters2 if self.matters2 is not None and day >= self.change else self.spec.matters
        )
        return rows, matters


@st.composite
def dated_specs(draw: Any) -> DatedSpec:
    spec = draw(specs())
    change = START + dt.timedelta(days=draw(st.integers(90, 400)))
    listed = sorted({r.list_id for r in spec.rows})
    second = {
        list_id: kind
        for list_id in listed
        if (kind := draw(st.sampled_from(["none", "published", "published", "draft"]))) != "none"
    }
    changed = []
    for r in spec.rows:
        if r.list_id not in second:
            continue
        what = draw(st.sampled_from(["keep", "keep", "drop", "role", "priority", "limit"]))
        duty = r.duty
        if what == "drop":
            continue
        if what == "role":
            role = draw(st.sampled_from(ROLES))
            # refer_to only on a not-responsible row (the registry refuses it elsewhere)
            duty = replace(duty, role=role, refer_to=duty.refer_to if role is duty.role else None)
        elif what == "priority":
            duty = replace(duty, priority=draw(st.sampled_from(PRIORITIES)))
        elif what == "limit":
            limit = draw(st.sampled_from(TIME_LIMITS))
            duty = replace(duty, time_limit=parse_time_limit(limit) if limit else None)
        changed.append((r.list_id, duty, r.explicit_area))
    for _ in range(draw(st.integers(0, 3)) if second else 0):
        matter = spec.matters[draw(st.sampled_from(sorted(spec.matters)))]
        duty, explicit = _duty(draw, matter, spec.units, spec.areas)
        changed.append((draw(st.sampled_from(sorted(second))), duty, explicit))
    for list_id in second:  # a version needs a row
        if not any(c[0] == list_id for c in changed):
            changed.append(
                next(
                    (r.list_id, r.duty, r.explicit_area) for r in spec.rows if r.list_id == list_id
                )
            )
    matters2 = None
    if draw(st.booleans()):
        matters2 = {
            code: replace(m, hit_policy=draw(st.sampled_from(list(HitPolicy))))
            for code, m in spec.matters.items()
        }
    return DatedSpec(spec, change, second, tuple(_number(changed, 2)), matters2)


def _duty_yaml(row: Row) -> dict[str, Any]:
    d = row.duty
    data: dict[str, Any] = {"matter": d.matter, "unit": d.unit, "role": d.role.value}
    if row.explicit_area:
        data["area"] = d.area
    if d.conditions:
        data["when"] = {
            name: (
                c["eq"]
                if "eq" in c
                else {"between": c["range"]}
                if "range" in c
                else {"in": c["in"]}
            )
            for name, c in d.conditions.items()
        }
    if d.time_limit is not None:
        data["time_limit"] = d.time_limit.text
    if d.legal_basis:
        data["legal_basis"] = [f"{b.title}{b.article or ''}" for b in d.legal_basis]
    if d.priority:
        data["priority"] = d.priority
    if d.refer_to:
        data["refer_to"] = d.refer_to
    return data


def write_registry(dated: DatedSpec, root: Path) -> None:
    spec = dated.spec

    (root / "lists").mkdir()
    write_areas_and_units(root, spec.areas.values(), spec.units.values())
    versions = [
        {
            "version": 1,
            "status": "published",
            "effective_from": START,
            "matters": [m.content() for m in spec.matters.values()],
        }
    ]
    if dated.matters2 is not None:
        versions.append(
            {
                "version": 2,
                "status": "published",
                "effective_from": dated.change,
                "matters": [m.content() for m in dated.matters2.values()],
            }
        )
    dump_yaml(
        root,
        "catalogue.yaml",
        {"file": "catalogue", "id": "CAT", "name": "事项目录", "versions": versions},
    )
    for list_id in sorted({r.list_id for r in spec.rows}):
        versions = [
            {
                "version": 1,
                "status": "published",
                "effective_from": START,
                "duties": [_duty_yaml(r) for r in spec.rows if r.list_id == list_id],
            }
        ]
        kind = dated.second.get(list_id)
        if kind is not None:
            version: dict[str, Any] = {"version": 2, "status": kind}
            if kind == "published":
                version["effective_from"] = dated.change
            version["duties"] = [_duty_yaml(r) for r in dated.rows2 if r.list_id == list_id]
            versions.append(version)
        dump_yaml(
            root,
            f"lists/{list_id}.yaml",
            {
                "file": "list",
                "id": list_id,
                "name": f"清单{list_id}",
                "kind": LISTS[list_id],
                "versions": versions,
            },
        )


@st.composite
def registry_cases(draw: Any) -> tuple[DatedSpec, list[dict[str, Any]], bool, Batching]:
    dated = draw(dated_specs())
    events_ = draw(events(dated.spec, dated.change, AROUND_CHANGE, EVENTS_PER_REGISTRY))
    return dated, events_, draw(st.booleans()), draw(batchings(len(events_)))


def test_router_engines_agree_across_effective_dates(rulesets: tuple[RuleSet, RuleSet]) -> None:
    checked: Counter[str] = Counter()

    @settings(max_examples=REGISTRY_EXAMPLES, **DETERMINISTIC)
    @given(case=registry_cases())
    def run(case: tuple[DatedSpec, list[dict[str, Any]], bool, Batching]) -> None:
        dated, events_, variant, batching = case
        ruleset = rulesets[variant]
        with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
            root = Path(tmp)
            (root / "files").mkdir()
            write_registry(dated, root / "files")
            registry = Registry.create(f"sqlite:///{root / 'registry.db'}")
            try:
                registry.import_files([root / "files"], by="test")

                def make(engine: str, cache: bool, batch: int) -> Router:
                    return Router(
                        registry,
                        rules=ruleset,
                        engine=engine,
                        cache=cache,
                        calendar=CALENDAR,
                        batch=batch,
                    )

                def check(event: dict[str, Any], decision: RoutingDecision) -> None:
                    day = dt.date.fromisoformat(event["reported_at"][:10])
                    rows, matters = dated.in_force(day)
                    check_status(dated.spec, rows, matters, event, decision)
                    assert decision.snapshot_date == day
                    assert decision.snapshot_hash == registry.snapshot(day).hash
                    versions = {(r.list_id, r.version) for r in rows}
                    used = [*decision.duties, *(lost.duty for lost in decision.lost)]
                    assert all((d.list_id, d.version) in versions for d in used), (event, used)
                    checked["after" if day >= dated.change else "before"] += 1

                def refused(event: dict[str, Any], problems: list[Problem]) -> None:
                    check_refused(dated.spec, event, problems)

                route_three_ways(make, events_, check, checked, refused, batching)
            finally:
                registry.close()

    run()
    print(f"registry cases: {dict(sorted(checked.items()))}")
    assert checked["cases"] >= REGISTRY_EXAMPLES * EVENTS_PER_REGISTRY
    assert checked["before"] and checked["after"], checked


# --- an engine quirk the differential run met --------------------------------------------------

NO_RULE_FIRES = """
from remit.routing.facts import PolicyInput
from remit.routing.engine import RuleEngine
from remit.routing.rules.compile import load_rules

facts = PolicyInput(
    event={"id": "event", "severity": 0, "repeat": 0, "level": "street", "level_rank": 2,
           "spans": 1, "owner": "", "emergency_matter": False},
    context={"territorial": "T", "street_platform": "", "district_platform": "",
             "city_platform": ""},
    candidates=({"id": "c0", "duty": "L@1#1", "unit": "U", "role": "lead", "priority": 0,
                 "rank": 0, "policy": "unique", "owner_row": False},),
    duties={},
)
for _ in range(3):
    outcome = RuleEngine(load_rules()).evaluate(facts)
    assert outcome.rules_fired == () and [c["unit"] for c in outcome.leads] == ["U"]
"""


def test_engine_survives_an_event_no_policy_fires_on() -> None:
    """One lead, no platform, no owner row: no policy rule fires. durable_rules' delete_state
    then frees the state's action context, which only running an action initialises (a
    segfault, or a corrupted heap), unless the engine's bookkeeping rule fired. In a fresh
    process, with glibc filling new memory (MALLOC_PERTURB_), the crash is certain."""
    done = subprocess.run(
        [sys.executable, "-c", NO_RULE_FIRES],
        env={**os.environ, "MALLOC_PERTURB_": "165"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
