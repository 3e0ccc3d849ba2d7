"""The graph check's cell analysis against a brute-force oracle, on random registries.

The oracle here shares no code with ``remit.checks``: it enumerates every cell (leaf matter ×
leaf area × combination of attribute values), finds the duties that cover it by walking the
area tree and evaluating each duty's canonical condition on the concrete values, and derives
the overlap, gap and masked cells from the definitions ("How coverage is counted" in
``data/responsibility_lists/README.md``). Masked is compared both as cells and as
(cell, masked duty) pairs. :func:`run_check`'s findings are expanded back to cells (areas ×
union of the region's boxes) and must give the same sets; each finding's ``cells`` must be the
number of cells it expands to; no cell may be in two overlap (or two gap) findings.

Rows may name territorial references (``@territorial``, ``@territorial:enforcement``; some
street-level units have that function) and case standards (立案标准 "1" and "2"). The oracle
resolves a reference per leaf area to the unit of its street on its own (:func:`street_unit`):
a reference naming nobody there covers the cell but leads nobody. A matter whose rows name
standards has one cell per standard too (the ``@standard`` axis of a finding's region); a row
naming a standard covers only that standard's cells. ``standards_differ`` is checked per leaf
area: the standards led by different sets of units (each standard's lead rows and those naming
none, conditions aside).

Registries are built directly as :class:`Snapshot` objects (fast), with conditions written in
every raw form of the file format and put in canonical form by :func:`normalize`; a smaller
share goes through YAML files and an SQLite registry, so conditions are checked to survive
storage too. A second property fills every gap with new lead rows (one per leaf area and box of
each gap finding) and checks the gaps close without any new overlap.

Masked findings are per masked row, so unlike overlaps and gaps they may share cells
(``test_masked_findings_are_per_masked_row``). ``test_gap_names_only_units_that_act_on_its_cells``
shows a fault in the units a gap finding names (it fails until that is fixed).

``REMIT_ORACLE_EXAMPLES`` sets the number of in-memory registries (default 2000); examples are
derandomized, so a run is reproducible.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit import Registry
from remit.checks import CheckReport, Finding, FindingKind, run_check
from remit.conditions import AttributeDomain, BoolDomain, EnumDomain, IntDomain, normalize
from remit.registry.entities import (
    ENFORCEMENT,
    OWNER_UNIT,
    TERRITORIAL_UNIT,
    Area,
    CaseStandard,
    Duty,
    HitPolicy,
    Level,
    Matter,
    MatterKind,
    Role,
    Unit,
    UnitKind,
)
from remit.registry.snapshot import DutyInForce, Snapshot
from tests.factories import (
    DETERMINISTIC,
    catalogue_in_force,
    domain_values,
    dump_yaml,
    write_areas_and_units,
)

ORACLE_EXAMPLES = int(os.environ.get("REMIT_ORACLE_EXAMPLES", 2000))
FILL_EXAMPLES = 400
REGISTRY_EXAMPLES = 25
START = dt.date(2025, 1, 1)
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
LEVELS = (Level.city, Level.district, Level.street, Level.community, Level.grid)
LISTS = {"L1": "department", "L2": "street_basic", "L3": "refusal"}
UNIT_KINDS = {
    Level.city: (UnitKind.platform, UnitKind.owner, UnitKind.line),
    Level.district: (UnitKind.line, UnitKind.block, UnitKind.platform),
    Level.street: (UnitKind.block, UnitKind.platform),
    Level.community: (UnitKind.community,),
    Level.grid: (UnitKind.community,),
}
ENUM_POOL = ("road", "park", "river", "market", "pavement")
ENUM_LABELS = {
    "road": "道路",
    "park": "公园",
    "river": "河道",
    "market": "市场",
    "pavement": "人行道",
}
POLICIES = (*HitPolicy, HitPolicy.priority)  # priority twice: masked leads are reached often
ROLES = (Role.lead, Role.lead, Role.lead, Role.not_responsible, Role.assist, Role.supervise)
INT_DOMAINS = ((1, 4), (0, 9), (1, 2), (-1, 1), (3, 3))
ATTRIBUTE_LABELS = {"place": "地点", "severity": "严重程度", "floors": "楼层", "night": "夜间"}
REFERENCES = (TERRITORIAL_UNIT, f"{TERRITORIAL_UNIT}:{ENFORCEMENT}")
STANDARD_AXIS = "@standard"
"""The attribute finding regions give a matter's case standard (立案标准) under."""

Cell = tuple[str, str, tuple[tuple[str, Any], ...]]
"""(matter, leaf area, ((attribute, value), …) sorted by attribute)."""
Key = tuple[str, int, int]
"""A duty row: (list id, version, row)."""


# --- generated registries ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    list_id: str
    seq: int
    duty: Duty
    raw: dict[str, Any]
    """The condition as written in a file (any of the file forms); ``duty`` has it normalised."""
    explicit_area: bool


@dataclass(frozen=True)
class Spec:
    areas: dict[str, Area]
    units: dict[str, Unit]
    matters: dict[str, Matter]
    rows: tuple[Row, ...]
    with_catalogue: bool = True


def _pick(draw: Any, options: Sequence[Any]) -> Any:
    """One of ``options`` (shrinking towards the first). Drawing an index is much cheaper than
    building a ``sampled_from`` strategy per draw."""
    return options[draw(st.integers(0, len(options) - 1))]


def _subset(draw: Any, options: Sequence[Any], least: int) -> list[Any]:
    """At least ``least`` of ``options``, in their order, from one drawn bit mask."""
    mask = draw(st.integers(0, (1 << len(options)) - 1))
    chosen = [v for i, v in enumerate(options) if mask >> i & 1]
    if len(chosen) < least:  # topped up with the first values left out
        chosen += [v for v in options if v not in chosen][: least - len(chosen)]
    return [v for v in options if v in chosen]


def _areas(draw: Any) -> dict[str, Area]:
    """One root (a city), 1–12 areas, at most 4 levels below the root."""
    areas = {"A0": Area("A0", "区划0", Level.city, None)}
    depth = {"A0": 0}
    for i in range(1, draw(st.integers(1, 12))):
        parent = _pick(draw, [c for c in areas if depth[c] < 4])
        code = f"A{i}"
        depth[code] = depth[parent] + 1
        areas[code] = Area(code, f"区划{i}", LEVELS[depth[code]], parent)
    return areas


def _units(draw: Any, areas: dict[str, Area]) -> dict[str, Unit]:
    units = {}
    for j in range(1, draw(st.integers(1, 5)) + 1):
        area = areas[_pick(draw, sorted(areas))]
        kind = _pick(draw, UNIT_KINDS[area.level])
        code = f"U{j}"
        # a street's unit may be its law-enforcement team (what @territorial:enforcement names)
        function = ENFORCEMENT if area.level is Level.street and draw(st.booleans()) else None
        units[code] = Unit(code, f"单位{j}", kind, area.level, area.code, function=function)
    return units


def _domain(draw: Any, name: str) -> AttributeDomain:
    label = ATTRIBUTE_LABELS[name] if draw(st.booleans()) else None
    if name == "place":
        values = _subset(draw, ENUM_POOL, 2)[:4]
        if draw(st.booleans()):
            values.reverse()  # the order of the values is the domain's own
        labels = {v: ENUM_LABELS[v] for v in values} if draw(st.booleans()) else {}
        return EnumDomain(values=values, labels=labels, label=label)
    if name in {"severity", "floors"}:
        low, high = _pick(draw, INT_DOMAINS)
        return IntDomain(min=low, max=high, label=label)
    return BoolDomain(label=label)


def _matters(draw: Any) -> dict[str, Matter]:
    group = draw(st.booleans())
    matters: dict[str, Matter] = {}
    if group:
        matters["G"] = Matter("G", "事项组", MatterKind.event)
    for i in range(1, draw(st.integers(1, 3)) + 1):
        names = _subset(draw, sorted(ATTRIBUTE_LABELS), 0)[:3]
        code = f"M{i}"
        matters[code] = Matter(
            code=code,
            name=f"事项{i}",
            kind=MatterKind.event,
            parent="G" if group and draw(st.integers(0, 3)) else None,
            attributes={name: _domain(draw, name) for name in names},
            hit_policy=_pick(draw, POLICIES),
        )
    return matters


def raw_allows(spec: Any, value: Any) -> bool:
    """Does a raw (file-form) constraint allow ``value``? Labels are not used in ``spec``'s
    values (they are only put into the file by :func:`_labelled`)."""
    if isinstance(spec, Mapping):
        ok = True
        for op, arg in spec.items():
            if op == "in":
                ok &= value in arg
            elif op == "not_in":
                ok &= value not in arg
            elif op == "eq":
                ok &= value == arg
            elif op == "gte":
                ok &= value >= arg
            elif op == "gt":
                ok &= value > arg
            elif op == "lte":
                ok &= value <= arg
            elif op == "lt":
                ok &= value < arg
            else:  # between / range
                ok &= arg[0] <= value <= arg[1]
        return ok
    if isinstance(spec, list):
        return value in spec
    return value == spec


def _raw_constraint(draw: Any, domain: AttributeDomain) -> Any:
    """A constraint in one of the file forms, allowing at least one value of ``domain``."""
    universe = domain_values(domain)
    if isinstance(domain, BoolDomain):
        value = draw(st.booleans())
        return value if draw(st.booleans()) else {"eq": value}
    subset = _subset(draw, universe, 1)
    if draw(st.booleans()):
        subset.reverse()  # a file may list values in any order
    form = draw(st.integers(0, 3 if isinstance(domain, EnumDomain) else 6))
    if form == 0:
        return subset[0]
    if form == 1:
        return subset
    if form == 2:
        return {"in": subset}
    if form == 3:
        rest = [v for v in universe if v not in subset]
        return {"not_in": subset} if rest else {"in": subset}
    assert isinstance(domain, IntDomain)
    # bounds may lie just outside the domain: the part of the range inside it counts
    lo, hi = domain.min - 1, domain.max + 1
    a, b = sorted((draw(st.integers(lo, hi)), draw(st.integers(lo, hi))))
    options = [{"gte": a}, {"lte": b}, {"gt": a}, {"lt": b}, {"between": [a, b]}]
    options.append({"gte": a, "lte": b})
    spec = _pick(draw, options)
    if any(raw_allows(spec, v) for v in universe):
        return spec
    return {"between": [a, b]} if a <= domain.max and b >= domain.min else subset


def _raw_condition(draw: Any, matter: Matter) -> dict[str, Any]:
    raw = {}
    for name, domain in matter.attributes.items():
        if draw(st.integers(0, 2)) == 0:
            raw[name] = _raw_constraint(draw, domain)
    return raw


def _standard(code: str) -> CaseStandard:
    """Case standard ``code``, written alike by every row naming it."""
    return CaseStandard(code=code, filing=f"立案条件{code}")


@st.composite
def specs(draw: Any) -> Spec:
    areas = _areas(draw)
    units = _units(draw, areas)
    matters = _matters(draw)
    groups = {m.parent for m in matters.values()}
    pool = [c for c in matters if c not in groups]  # a row on a group is refused at import
    rows: list[Row] = []
    contents: set[tuple[str, str]] = set()
    count: Counter[str] = Counter()
    for _ in range(draw(st.integers(0, 10))):
        matter = matters[_pick(draw, pool)]
        # a territorial reference in one row of five (it names a unit of each street)
        named = [*sorted(units), OWNER_UNIT]
        unit = _pick(draw, REFERENCES) if draw(st.integers(0, 4)) == 0 else _pick(draw, named)
        role = _pick(draw, ROLES)
        area = _pick(draw, sorted(areas))
        raw = _raw_condition(draw, matter)
        conditions, problems = normalize(raw, matter.attributes, matter.code)
        assert not problems, (raw, problems)
        others = [u for u in units if u != unit]
        refer_to = None
        if role is Role.not_responsible and others and draw(st.integers(0, 2)) == 0:
            refer_to = _pick(draw, others)
        # a case standard (立案标准) in one row of five
        code = _pick(draw, (None,) * 8 + ("1", "2"))
        code = code if matter.code != "G" else None
        duty = Duty(
            matter=matter.code,
            unit=unit,
            role=role,
            area=area,
            conditions=conditions,
            priority=draw(st.integers(0, 3)),
            refer_to=refer_to,
            standard=None if code is None else _standard(code),
        )
        list_id = _pick(draw, sorted(LISTS))
        key = (list_id, repr(duty.content()))
        if key in contents:  # the registry refuses a row written twice in one version
            continue
        contents.add(key)
        count[list_id] += 1
        explicit = (
            unit.startswith("@") or area != units[unit].jurisdiction or draw(st.integers(0, 1)) == 0
        )
        rows.append(Row(list_id, count[list_id], duty, raw, explicit))
    return Spec(areas, units, matters, tuple(rows), with_catalogue=draw(st.integers(0, 4)) > 0)


def snapshot_of(spec: Spec, extra: Iterable[DutyInForce] = ()) -> Snapshot:
    duties = [DutyInForce(r.list_id, 1, r.seq, r.duty) for r in spec.rows]
    return Snapshot(
        as_of=START,
        hash="oracle",
        areas=spec.areas,
        units=spec.units,
        catalogue=catalogue_in_force(START) if spec.with_catalogue else None,
        matters=spec.matters,
        lists=(),
        duties=(*duties, *extra),
    )


# --- the oracle --------------------------------------------------------------------------------


def allows(condition: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any]) -> bool:
    """Does a canonical condition allow these concrete attribute values?"""
    for name, constraint in condition.items():
        value = values[name]
        if "in" in constraint:
            ok = value in constraint["in"]
        elif "range" in constraint:
            ok = constraint["range"][0] <= value <= constraint["range"][1]
        else:
            ok = value is constraint["eq"]
        if not ok:
            return False
    return True


@dataclass
class Oracle:
    cells: int = 0
    leaf_areas: int = 0
    matters: int = 0
    overlap: set[Cell] = field(default_factory=set)
    gap: set[Cell] = field(default_factory=set)
    masked: set[tuple[Cell, Key]] = field(default_factory=set)
    contenders: dict[Cell, frozenset[str]] = field(default_factory=dict)
    """overlap cell → the units that contend for its lead."""
    standards_differ: set[tuple[str, str]] = field(default_factory=set)
    """(matter, leaf area) where the matter's standards are led by different units."""

    @property
    def masked_cells(self) -> set[Cell]:
        return {cell for cell, _ in self.masked}


def _chain(nodes: Mapping[str, Area] | Mapping[str, Matter], code: str) -> list[str]:
    """``code`` and its parents (areas or matters), up to the first unknown or repeated one."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current in nodes and current not in chain:
        chain.append(current)
        current = nodes[current].parent
    return chain


def combinations(matter: Matter) -> list[tuple[tuple[str, Any], ...]]:
    names = sorted(matter.attributes)
    domains = [domain_values(matter.attributes[n]) for n in names]
    return [tuple(zip(names, combo, strict=True)) for combo in itertools.product(*domains)]


def standard_codes(snapshot: Snapshot, matter: str) -> list[str]:
    """The case standards the rows of ``matter`` name (an event is filed under one of them)."""
    codes = {
        e.duty.standard.code for e in snapshot.duties if e.duty.matter == matter and e.duty.standard
    }
    return sorted(codes, key=lambda c: (not c.isdigit(), int(c) if c.isdigit() else 0, c))


def street_unit(snapshot: Snapshot, leaf: str, reference: str) -> str:
    """The unit a territorial reference names for an event in ``leaf``: the street office
    (a block unit at street level serving the street) or the unit of the function serving the
    street, the first by code; "" when the leaf is in no street or the street has none."""
    street = next(
        (a for a in _chain(snapshot.areas, leaf) if snapshot.areas[a].level is Level.street), None
    )
    function = reference.partition(":")[2]
    for code in sorted(snapshot.units):
        unit = snapshot.units[code]
        if unit.jurisdiction != street:
            continue
        if function and unit.function == function:
            return code
        if not function and unit.kind is UnitKind.block and unit.level is Level.street:
            return code
    return ""


def actual_unit(snapshot: Snapshot, leaf: str, unit: str) -> str:
    """Who a row's unit is for an event in ``leaf`` ("" for a reference naming nobody)."""
    return street_unit(snapshot, leaf, unit) if unit in REFERENCES else unit


def oracle(snapshot: Snapshot, area: str | None = None, matter: str | None = None) -> Oracle:
    """Every cell of ``snapshot`` (under ``area``, of the leaf matters under ``matter``), one by
    one: which duties cover it, and what that makes it."""
    areas, matters = snapshot.areas, snapshot.matters
    parents = {a.parent for a in areas.values()}
    leaves = [c for c in sorted(areas) if c not in parents]
    if area is not None:
        leaves = [c for c in leaves if area in _chain(areas, c)]
    matter_parents = {m.parent for m in matters.values()}
    leaf_matters = [c for c in sorted(matters) if c not in matter_parents]
    if matter is not None:
        leaf_matters = [c for c in leaf_matters if matter in _chain(matters, c)]
    result = Oracle(leaf_areas=len(leaves), matters=len(leaf_matters))
    for code in leaf_matters:
        info = matters[code]
        policy = info.hit_policy
        standards = standard_codes(snapshot, code)
        combos = [
            ((STANDARD_AXIS, standard), *combo) if standard is not None else combo
            for standard in (standards or [None])
            for combo in combinations(info)
        ]
        rows = [e for e in snapshot.duties if e.duty.matter == code]
        for leaf in leaves:
            chain = set(_chain(areas, leaf))
            here = [e for e in rows if e.duty.area in chain]
            # who each row is here: a territorial reference is the unit of the leaf's street
            who = {id(e): actual_unit(snapshot, leaf, e.duty.unit) for e in here}
            for combo in combos:
                cell: Cell = (code, leaf, combo)
                result.cells += 1
                values = dict(combo)
                standard = values.pop(STANDARD_AXIS, None)
                covering = [
                    e
                    for e in here
                    if allows(e.duty.conditions, values)
                    and (e.duty.standard is None or e.duty.standard.code == standard)
                ]
                # a unit's not-responsible row takes back its own leads on the cell
                refusing = {
                    who[id(e)]
                    for e in covering
                    if e.duty.role is Role.not_responsible and who[id(e)]
                }
                leads = [
                    e
                    for e in covering
                    if e.duty.role is Role.lead and not (who[id(e)] and who[id(e)] in refusing)
                ]
                if not leads:
                    # no lead: a gap, unless a not-responsible row says where it goes
                    if not any(
                        e.duty.role is Role.not_responsible and e.duty.refer_to for e in covering
                    ):
                        result.gap.add(cell)
                    continue
                # a reference naming nobody in the street covers the cell but leads nobody
                leads = [e for e in leads if who[id(e)]]
                if not leads or policy in (HitPolicy.collect, HitPolicy.joint):
                    continue  # never an overlap
                top = max(e.duty.priority for e in leads)
                if policy is HitPolicy.priority:
                    # masked: another unit leads the cell at a higher priority (a unit's own
                    # higher row does not mask its lower one; docs/check.md)
                    for e in leads:
                        if any(
                            o.duty.priority > e.duty.priority and who[id(o)] != who[id(e)]
                            for o in leads
                        ):
                            result.masked.add((cell, (e.list_id, e.version, e.seq)))
                    leads = [e for e in leads if e.duty.priority == top]
                units = frozenset(who[id(e)] for e in leads)
                if len(units) > 1:
                    result.overlap.add(cell)
                    result.contenders[cell] = units
            # standards that different units lead here (the rows' conditions aside)
            acting = [e for e in here if e.duty.role is Role.lead and who[id(e)]]
            by_standard = {
                frozenset(
                    who[id(e)]
                    for e in acting
                    if e.duty.standard is None or e.duty.standard.code == standard
                )
                for standard in standards
            } - {frozenset()}
            if len(by_standard) > 1 and any(e.duty.standard for e in acting):
                result.standards_differ.add((code, leaf))
    return result


# --- the report, back to cells -----------------------------------------------------------------


def expand(finding: Finding, snapshot: Snapshot) -> list[Cell]:
    """The cells of a finding: its areas × the union of its region's boxes (with repeats, if a
    finding were to name a cell twice)."""
    assert finding.matter is not None and finding.region is not None, finding
    matter = snapshot.matters[finding.matter]
    universes = {name: domain_values(d) for name, d in matter.attributes.items()}
    standards = standard_codes(snapshot, finding.matter)
    if standards:
        universes[STANDARD_AXIS] = standards
    names = sorted(universes)
    cells: list[Cell] = []
    for box in finding.region:
        assert set(box) <= set(names), (finding.kind, box, names)
        axes = []
        for name in names:
            universe = universes[name]
            values = box.get(name, universe)
            assert values and all(v in universe for v in values), (name, values, universe)
            assert all(type(v) is type(universe[0]) for v in values), (name, values)
            axes.append(values)
        for area in finding.areas:
            for combo in itertools.product(*axes):
                cells.append((finding.matter, area, tuple(zip(names, combo, strict=True))))
    return cells


def _cells_of(
    report: CheckReport, snapshot: Snapshot, kind: FindingKind, disjoint: bool
) -> set[Cell]:
    found: set[Cell] = set()
    for f in report.findings:
        if f.kind is not kind:
            continue
        cells = expand(f, snapshot)
        assert f.cells == len(cells), (kind, f.cells, len(cells), f.areas, f.region)
        assert len(set(cells)) == len(cells), ("a finding names a cell twice", f)
        assert f.areas == sorted(set(f.areas)), f.areas
        if disjoint:
            twice = found & set(cells)
            assert not twice, (f"cells in two {kind} findings", sorted(twice)[:5])
        found |= set(cells)
    return found


def compare(
    report: CheckReport,
    snapshot: Snapshot,
    expected: Oracle,
    *,
    masked_rows: bool = True,
) -> None:
    """``report``'s cell findings must be exactly what the oracle found."""
    parents = {a.parent for a in snapshot.areas.values()}
    for f in report.findings:
        if f.region is not None:
            assert all(a in snapshot.areas and a not in parents for a in f.areas), f.areas
    overlap = _cells_of(report, snapshot, FindingKind.overlap, disjoint=True)
    gap = _cells_of(report, snapshot, FindingKind.gap, disjoint=True)
    # masked findings are per masked row: a cell two rows are masked on may be in two of them
    masked = _cells_of(report, snapshot, FindingKind.masked, disjoint=False)
    _diff("overlap", overlap, expected.overlap)
    _diff("gap", gap, expected.gap)
    _diff("masked", masked, expected.masked_cells)
    assert report.checked["cells"] == expected.cells
    assert report.checked["leaf_areas"] == expected.leaf_areas
    assert report.checked["matters"] == expected.matters

    pairs: Counter[tuple[str, str, str]] = Counter()
    for f in report.findings:
        if f.kind is FindingKind.overlap:
            for cell in expand(f, snapshot):
                # every unit contending for a cell of the finding is named by it (a reference
                # names the unit of the cell's street)
                named = {actual_unit(snapshot, cell[1], u) for u in f.units}
                assert expected.contenders[cell] <= named, (cell, f.units)
            for pair in f.details["pairs"]:
                a, b = pair["units"]
                pairs[(f.matter or "", a, b)] += pair["cells"]
        elif f.kind is FindingKind.masked and masked_rows:
            rows = {(d["list_id"], d["version"], d["row"]) for d in f.details["masked"]}
            for cell in expand(f, snapshot):
                assert any((cell, key) in expected.masked for key in rows), (cell, rows)
            # the other rows named are the leads that mask them: of a higher priority
            lowest = min(d["priority"] for d in f.details["masked"])
            masked_units = {d["unit"] for d in f.details["masked"]}
            for ref in f.duties:
                if (ref.list_id, ref.version, ref.row) not in rows:
                    assert ref.role == "lead" and ref.priority > lowest, (ref, f.details)
                    assert len(masked_units - {ref.unit}) > 0, (ref, f.details)
    expected_pairs: Counter[tuple[str, str, str]] = Counter()
    for cell, units in expected.contenders.items():
        for a, b in itertools.combinations(sorted(units), 2):
            expected_pairs[(cell[0], a, b)] += 1
    assert pairs == expected_pairs
    differ = {
        (f.matter, area)
        for f in report.findings
        if f.kind is FindingKind.standards_differ
        for area in f.areas
    }
    assert differ == expected.standards_differ
    if masked_rows:
        # every (cell, row) the oracle finds masked is in a masked finding naming that row
        named: set[tuple[Cell, Key]] = set()
        for f in report.findings:
            if f.kind is FindingKind.masked:
                rows = {(d["list_id"], d["version"], d["row"]) for d in f.details["masked"]}
                named |= {(cell, key) for cell in expand(f, snapshot) for key in rows}
        missing = expected.masked - named
        assert not missing, ("masked rows not reported", sorted(missing)[:5])


def _diff(kind: str, got: set[Cell], want: set[Cell]) -> None:
    if got != want:
        extra, missing = sorted(got - want, key=repr), sorted(want - got, key=repr)
        raise AssertionError(
            f"{kind}: {len(extra)} cells reported but not found by the oracle {extra[:5]}; "
            f"{len(missing)} cells found but not reported {missing[:5]}"
        )


# --- task 1 and 2: random snapshots -------------------------------------------------------------


@st.composite
def filtered_specs(draw: Any) -> tuple[Spec, str | None, str | None]:
    spec = draw(specs())
    which = draw(st.integers(0, 5))
    area = _pick(draw, sorted(spec.areas)) if which == 4 else None
    matter = _pick(draw, sorted(spec.matters)) if which == 5 else None
    return spec, area, matter


def test_check_matches_the_oracle_on_random_snapshots() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=ORACLE_EXAMPLES, **DETERMINISTIC)
    @given(case=filtered_specs())
    def run(case: tuple[Spec, str | None, str | None]) -> None:
        spec, area, matter = case
        # the canonical form means what the raw form says
        for row in spec.rows:
            info = spec.matters[row.duty.matter]
            for combo in combinations(info):
                values = dict(combo)
                by_raw = all(raw_allows(s, values[n]) for n, s in row.raw.items())
                assert allows(row.duty.conditions, values) == by_raw, (row.raw, combo)
        snapshot = snapshot_of(spec)
        report = run_check(snapshot, area=area, matter=matter)
        expected = oracle(snapshot, area=area, matter=matter)
        compare(report, snapshot, expected)
        seen["examples"] += 1
        seen["filtered"] += area is not None or matter is not None
        seen["cells"] += expected.cells
        for kind, cells in (
            ("overlap", expected.overlap),
            ("gap", expected.gap),
            ("masked", expected.masked_cells),
        ):
            seen[f"with {kind}"] += bool(cells)
            seen[f"{kind} cells"] += len(cells)
        seen["with standards_differ"] += bool(expected.standards_differ)
        seen["with standards"] += any(r.duty.standard for r in spec.rows)
        references = [r.duty for r in spec.rows if r.duty.unit in REFERENCES]
        seen["with references"] += bool(references)
        # a reference naming, in some leaf area, a unit another row of the matter names
        seen["with a reference met"] += any(
            actual_unit(snapshot, leaf, d.unit)
            in {r.duty.unit for r in spec.rows if r.duty.matter == d.matter}
            for d in references
            for leaf in spec.areas
        )

    run()
    print(f"oracle examples: {dict(seen)}")
    assert seen["examples"] == ORACLE_EXAMPLES
    # the generator does reach every kind, often
    for kind in ("overlap", "gap", "masked"):
        assert seen[f"with {kind}"] >= ORACLE_EXAMPLES // 20, seen
    # … and territorial references that meet a unit's own row, and standards that differ
    for what in ("standards", "references", "a reference met", "standards_differ"):
        assert seen[f"with {what}"] >= ORACLE_EXAMPLES // 100, seen


# --- task 3: filling the gaps closes them and makes no overlap ----------------------------------


def _box_condition(box: Mapping[str, list[Any]], matter: Matter) -> dict[str, Any]:
    """The box as a file-form condition, in canonical form. (A bool attribute does not take
    ``{in: [...]}``; a box names one value of it, as its other value makes it whole.)"""
    raw: dict[str, Any] = {}
    for name, values in box.items():
        if isinstance(matter.attributes[name], BoolDomain):
            assert len(values) == 1, (name, values)
            raw[name] = values[0]
        else:
            raw[name] = {"in": values}
    condition, problems = normalize(raw, matter.attributes, matter.code)
    assert not problems, (raw, problems)
    return condition


def test_filling_the_gaps_closes_them_without_overlap() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=FILL_EXAMPLES, **DETERMINISTIC)
    @given(spec=specs(), data=st.data())
    def run(spec: Spec, data: st.DataObject) -> None:
        snapshot = snapshot_of(spec)
        before = run_check(snapshot)
        expected = oracle(snapshot)
        gaps = [f for f in before.findings if f.kind is FindingKind.gap]
        if not gaps:
            return
        fill: list[DutyInForce] = []
        filled: set[Cell] = set()
        for f in gaps:
            assert f.matter is not None and f.region is not None
            matter = spec.matters[f.matter]
            # a unit that says it is not responsible for the matter somewhere would not lead
            # there: fill with the others
            refusing = {
                actual_unit(snapshot, leaf, e.duty.unit)
                for e in snapshot.duties
                if e.duty.matter == f.matter and e.duty.role is Role.not_responsible
                for leaf in snapshot.areas
            }
            fillers = sorted(set(spec.units) - refusing)
            if not fillers:
                return
            for area in f.areas:
                for box in f.region:
                    # a box naming case standards: a row for each of them
                    codes = box.get(STANDARD_AXIS, [None])
                    attributes = {k: v for k, v in box.items() if k != STANDARD_AXIS}
                    for code in codes:
                        duty = Duty(
                            matter=f.matter,
                            unit=data.draw(st.sampled_from(fillers)),
                            role=Role.lead,
                            area=area,
                            conditions=_box_condition(attributes, matter),
                            priority=data.draw(st.integers(0, 3)),
                            standard=None if code is None else _standard(code),
                        )
                        fill.append(DutyInForce("FILL", 1, len(fill) + 1, duty))
            filled |= set(expand(f, snapshot))
        assert filled == expected.gap
        after_snapshot = snapshot_of(spec, fill)
        after = run_check(after_snapshot)
        after_expected = oracle(after_snapshot)
        compare(after, after_snapshot, after_expected)
        gap = _cells_of(after, after_snapshot, FindingKind.gap, disjoint=True)
        overlap = _cells_of(after, after_snapshot, FindingKind.overlap, disjoint=True)
        assert not gap & filled, sorted(gap & filled)[:5]
        assert not overlap & filled, sorted(overlap & filled)[:5]
        assert not gap  # every gap was filled
        assert overlap == _cells_of(before, snapshot, FindingKind.overlap, disjoint=True)
        assert _cells_of(after, after_snapshot, FindingKind.masked, disjoint=False) == (
            _cells_of(before, snapshot, FindingKind.masked, disjoint=False)
        )
        seen["filled"] += 1
        seen["rows added"] += len(fill)
        seen["cells filled"] += len(filled)

    run()
    print(f"gap filling: {dict(seen)}")
    assert seen["filled"] >= FILL_EXAMPLES // 4, seen


# --- task 4: through YAML files and an SQLite registry ------------------------------------------


def _labelled(raw: Mapping[str, Any], matter: Matter, use_labels: bool) -> dict[str, Any]:
    """The raw condition as a file writes it; with ``use_labels``, attributes and enum values by
    their labels where they have them."""
    if not use_labels:
        return dict(raw)
    out: dict[str, Any] = {}
    for name, spec in raw.items():
        domain = matter.attributes[name]
        if isinstance(domain, EnumDomain) and domain.labels:

            def label(value: Any, domain: EnumDomain = domain) -> Any:
                return domain.labels.get(value, value)

            if isinstance(spec, Mapping):
                spec = {op: [label(v) for v in values] for op, values in spec.items()}
            elif isinstance(spec, list):
                spec = [label(v) for v in spec]
            else:
                spec = label(spec)
        out[domain.label or name] = spec
    return out


def write_registry(spec: Spec, root: Path, use_labels: bool) -> None:
    write_areas_and_units(root, spec.areas.values(), spec.units.values())
    version = {"version": 1, "status": "published", "effective_from": START}
    dump_yaml(
        root,
        "catalogue.yaml",
        {
            "file": "catalogue",
            "id": "CAT",
            "name": "事项目录",
            "versions": [version | {"matters": [m.content() for m in spec.matters.values()]}],
        },
    )
    for list_id, kind in LISTS.items():
        duties = []
        for row in (r for r in spec.rows if r.list_id == list_id):
            d = row.duty
            data: dict[str, Any] = {"matter": d.matter, "unit": d.unit, "role": d.role.value}
            if d.refer_to:
                data["refer_to"] = d.refer_to
            if row.explicit_area:
                data["area"] = d.area
            if row.raw:
                data["when"] = _labelled(row.raw, spec.matters[d.matter], use_labels)
            if d.priority:
                data["priority"] = d.priority
            if d.standard is not None:
                data["standard"] = {"code": d.standard.code, "filing": d.standard.filing}
            duties.append(data)
        if duties:
            dump_yaml(
                root,
                f"{list_id}.yaml",
                {
                    "file": "list",
                    "id": list_id,
                    "name": f"清单{list_id}",
                    "kind": kind,
                    "versions": [version | {"duties": duties}],
                },
            )


def test_check_matches_the_oracle_through_a_registry() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=REGISTRY_EXAMPLES, **DETERMINISTIC)
    @given(spec=specs(), use_labels=st.booleans())
    def run(spec: Spec, use_labels: bool) -> None:
        spec = Spec(spec.areas, spec.units, spec.matters, spec.rows)  # a registry has a catalogue
        with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
            root = Path(tmp)
            (root / "files").mkdir()
            write_registry(spec, root / "files", use_labels)
            registry = Registry.create(f"sqlite:///{root / 'r.db'}")
            try:
                registry.import_files([root / "files"], by="test")
                stored = registry.snapshot(START + dt.timedelta(days=1))
            finally:
                registry.close()
        # the rows come back as written, conditions in the same canonical form
        assert sorted(
            (e.list_id, e.version, e.seq, repr(e.duty.content())) for e in stored.duties
        ) == (sorted((r.list_id, 1, r.seq, repr(r.duty.content())) for r in spec.rows))
        report = run_check(stored)
        expected = oracle(stored)
        compare(report, stored, expected)
        in_memory = oracle(snapshot_of(spec))
        assert (expected.overlap, expected.gap, expected.masked) == (
            in_memory.overlap,
            in_memory.gap,
            in_memory.masked,
        )
        seen["examples"] += 1
        seen["rows"] += len(stored.duties)
        seen["findings"] += sum(f.region is not None for f in report.findings)

    run()
    print(f"registry examples: {dict(seen)}")
    assert seen["examples"] == REGISTRY_EXAMPLES


# --- fixed cases ---------------------------------------------------------------------------------


def _fixed(rows: Sequence[Duty], matter: Matter) -> Snapshot:
    areas = {
        "C": Area("C", "市", Level.city, None),
        "D": Area("D", "区", Level.district, "C"),
        "S1": Area("S1", "街道1", Level.street, "D"),
        "S2": Area("S2", "街道2", Level.street, "D"),
    }
    units = {
        "X": Unit("X", "单位X", UnitKind.line, Level.district, "D"),
        "Y": Unit("Y", "单位Y", UnitKind.block, Level.street, "S1"),
        "Z": Unit("Z", "单位Z", UnitKind.block, Level.street, "S2"),
    }
    spec = Spec(
        areas,
        units,
        {matter.code: matter},
        tuple(Row("L1", i, d, {}, True) for i, d in enumerate(rows, 1)),
    )
    return snapshot_of(spec)


@pytest.mark.parametrize("policy", list(HitPolicy))
def test_fixed_case_every_kind(policy: HitPolicy) -> None:
    """A hand-made case with an overlap, a masked lead and a gap, for each hit policy."""
    matter = Matter(
        "M",
        "事项",
        MatterKind.event,
        attributes={
            "place": EnumDomain(values=["road", "park", "river"]),
            "severity": IntDomain(min=1, max=4),
            "night": BoolDomain(),
        },
        hit_policy=policy,
    )
    rows = [
        Duty("M", "X", Role.lead, "D", {"place": {"in": ["road", "park"]}}),
        Duty("M", "Y", Role.lead, "S1", {"severity": {"range": [3, 4]}}, priority=2),
        Duty("M", "Z", Role.not_responsible, "S2", {"night": {"eq": True}}, refer_to="X"),
        Duty("M", "Z", Role.supervise, "S2", {}),
    ]
    snapshot = _fixed(rows, matter)
    report = run_check(snapshot)
    expected = oracle(snapshot)
    compare(report, snapshot, expected)
    # gaps: S1 river × severity 1–2 × night (4 cells); S2 river × severity 1–4 by day (4 cells)
    # (at night S2's river cells are referred to X: no gap)
    assert len(expected.gap) == 2 * 2 + 4
    without_referral = [*rows[:2], replace(rows[2], refer_to=None), rows[3]]
    relieved = _fixed(without_referral, matter)
    compare(run_check(relieved), relieved, oracle(relieved))
    # a refusal naming nobody leaves its cells to the centre: S2's river nights are gaps too
    assert len(oracle(relieved).gap) == 2 * 2 + 4 + 4
    if policy is HitPolicy.unique:
        assert len(expected.overlap) == 2 * 2 * 2  # S1: road/park × severity 3–4 × night
    else:
        assert not expected.overlap
    assert len(expected.masked_cells) == (8 if policy is HitPolicy.priority else 0)


def test_masked_findings_are_per_masked_row() -> None:
    """Masked findings may share cells: each groups the rows masked on the same region, and a
    cell where two rows are masked (by different leads) is in both findings."""
    matter = Matter(
        "M",
        "事项",
        MatterKind.event,
        attributes={"severity": IntDomain(min=1, max=3)},
        hit_policy=HitPolicy.priority,
    )
    rows = [
        Duty("M", "X", Role.lead, "D", {}, priority=0),
        Duty("M", "Y", Role.lead, "D", {"severity": {"range": [1, 1]}}, priority=1),
        Duty("M", "Z", Role.lead, "D", {"severity": {"range": [1, 2]}}, priority=2),
    ]
    snapshot = _fixed(rows, matter)
    report = run_check(snapshot)
    compare(report, snapshot, oracle(snapshot))
    masked = {
        tuple(d["row"] for d in f.details["masked"]): f.region
        for f in report.findings
        if f.kind is FindingKind.masked
    }
    assert masked == {(1,): [{"severity": [1, 2]}], (2,): [{"severity": [1]}]}


def test_gap_names_only_units_that_act_on_its_cells() -> None:
    """A gap finding's units are given as the units that "only supervise or assist" its cells
    (``finding.gap_supervised``), so each must have a supervise or assist row on some cell of
    the gap.

    Fails at present: ``_analyse_group`` (remit/checks/coverage.py) adds *every* supervise row
    of the group of leaf areas to the gap, whatever its condition, and no assist row. Here Y
    supervises only ``place = road`` yet is named on the ``place = park`` gap, and Z, which
    assists on exactly the gap, is not named."""
    matter = Matter(
        "M", "事项", MatterKind.event, attributes={"place": EnumDomain(values=["road", "park"])}
    )
    rows = [
        Duty("M", "X", Role.lead, "D", {"place": {"in": ["road"]}}),
        Duty("M", "Y", Role.supervise, "D", {"place": {"in": ["road"]}}),
        Duty("M", "Z", Role.assist, "D", {"place": {"in": ["park"]}}),
    ]
    snapshot = _fixed(rows, matter)
    report = run_check(snapshot)
    compare(report, snapshot, oracle(snapshot))
    (gap,) = [f for f in report.findings if f.kind is FindingKind.gap]
    assert gap.region == [{"place": ["park"]}]
    acting = set()
    for cell in expand(gap, snapshot):
        _, area, combo = cell
        chain = _chain(snapshot.areas, area)
        for e in snapshot.duties:
            d = e.duty
            if (
                d.role in {Role.supervise, Role.assist}
                and d.area in chain
                and allows(d.conditions, dict(combo))
            ):
                acting.add(d.unit)
    assert acting == {"Z"}
    assert set(gap.units) <= acting, (gap.units, gap.message)
