"""The cell analysis: overlaps, masked leads, gaps, assists without a lead, referral cycles.

A cell is a leaf matter × a leaf area × one combination of the matter's attribute values. The
duties covering a leaf area are those scoped to it or to an area above it, so every leaf area
below the same *anchor* — the nearest area above it (or itself) that has duties of the matter
of its own — sees exactly the same duties. The analysis therefore runs once per matter and
anchor (at most once per distinct duty area), not once per cell, and counts the leaf areas each
anchor stands for; it only walks the area tree to list those leaf areas when there is a
finding to report.

Territorial references (``@territorial``, ``@territorial:<function>``) name a different unit in
each street. Where an anchor's rows hold one, its leaf areas are split by street and each
reference resolved to the street's unit; streets where the references come to the same thing
(each names a unit no other row of the anchor names, or the same unit as another row does) are
analysed together, so the analysis runs once per anchor and such *resolution*, not per street.
A reference that resolves to a unit another row names is that unit (no overlap with it); one
that resolves to no unit in a street covers its cells (the ``reference_gap`` finding reports it)
but contends with nobody there.

A matter whose rows name case standards (立案标准) gets one more axis in its attribute space,
:data:`STANDARD`: an event is filed under one standard, a row naming a standard covers only
that standard's cells and a row naming none covers them all. Overlaps, masked leads and gaps
are thereby per standard; :data:`FindingKind.standards_differ` says where the standards of a
matter name different leads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from remit.conditions import AttributeDomain, Condition, EnumDomain
from remit.conditions.regions import AttributeSpace
from remit.findings import FindingKind
from remit.registry.entities import (
    TERRITORIAL_UNIT,
    HitPolicy,
    Level,
    Role,
    is_reference,
    territorial_function,
)
from remit.registry.roles import TerritorialUnits
from remit.registry.snapshot import DutyInForce, Snapshot, StandardInForce

STANDARD = "@standard"
"""The attribute of a matter's cells that is its case standard (立案标准), for a matter whose
rows name standards: its values are the standards' codes. No event attribute is spelt so."""

UNRESOLVED = ""
"""What a territorial reference resolves to in a street that has no such unit."""

_Lead = tuple[DutyInForce, str]
"""A lead row and the unit it is in a group of leaf areas."""

Part = tuple[str | None, frozenset[str | None] | None]
"""Leaf areas a finding holds in: those of an anchor's group (None: of no anchor), all of them
or only those in the given streets (None in the set: the leaf areas in no street)."""


class AreaTree:
    """The area hierarchy of a snapshot, limited to the leaf areas under ``within``."""

    def __init__(self, snapshot: Snapshot, within: str | None = None):
        self.snapshot = snapshot
        self.children: dict[str, list[str]] = {code: [] for code in snapshot.areas}
        for code, area in sorted(snapshot.areas.items()):
            if area.parent in self.children:
                self.children[area.parent].append(code)
        self.roots = sorted(
            code for code, area in snapshot.areas.items() if area.parent not in self.children
        )
        all_leaves = [code for code, kids in self.children.items() if not kids]
        self.leaves = sorted(
            c for c in all_leaves if within is None or within in snapshot.ancestors(c)
        )
        self.leaf_set = frozenset(self.leaves)
        self.leaves_under: dict[str, int] = dict.fromkeys(snapshot.areas, 0)
        for leaf in self.leaves:
            for code in snapshot.ancestors(leaf):
                self.leaves_under[code] += 1
        # each area's share of streets, for workload: a leaf area counts 1 / (leaf areas of its
        # street), an area the sum of its leaf areas; a leaf area in no street counts as one
        street_of = {
            leaf: next(
                (a for a in snapshot.ancestors(leaf) if snapshot.areas[a].level is Level.street),
                None,
            )
            for leaf in all_leaves
        }
        per_street = Counter(street_of.values())
        self.street_of: dict[str, str | None] = street_of
        """leaf area → its street (None: in no street)"""
        self.street_weight: dict[str | None, float] = {
            street: 1.0 / n if street is not None else 1.0 for street, n in per_street.items()
        }
        """a leaf area's share of its street"""
        self.streets_below: dict[str, list[str]] = {}
        """area → the streets at or below it that have leaf areas here, in code order"""
        for named in sorted({s for leaf in self.leaves if (s := street_of[leaf]) is not None}):
            for code in snapshot.ancestors(named):
                self.streets_below.setdefault(code, []).append(named)
        self._street_at: dict[str, str | None] = {}
        self.streets_under: dict[str, float] = dict.fromkeys(snapshot.areas, 0.0)
        for leaf in self.leaves:
            street = street_of[leaf]
            weight = 1.0 / per_street[street] if street is not None else 1.0
            for code in snapshot.ancestors(leaf):
                self.streets_under[code] += weight

    def street_at(self, area: str) -> str | None:
        """The street ``area`` lies in (itself, when a street); None above street level."""
        found = self._street_at.get(area, "")
        if found == "":
            found = next(
                (
                    a
                    for a in self.snapshot.ancestors(area)
                    if self.snapshot.areas[a].level is Level.street
                ),
                None,
            )
            self._street_at[area] = found
        return found

    def leaves_below(self, top: str | None, stop: frozenset[str]) -> list[str]:
        """The leaf areas under ``top`` (None: everywhere) that are not under an area of
        ``stop`` (other than ``top`` itself)."""
        found: list[str] = []
        pending = [top] if top is not None else list(self.roots)
        while pending:
            code = pending.pop()
            if code != top and code in stop:
                continue
            if code in self.leaf_set:
                found.append(code)
            pending.extend(c for c in self.children[code] if self.leaves_under[c])
        return sorted(found)


@dataclass
class RawFinding:
    """A finding of one matter before it is given ids, names and words: the groups of leaf
    areas it holds in, the region (a mask of the matter's space) and the rows involved."""

    kind: FindingKind
    matter: str
    mask: int
    anchors: list[Part] = field(default_factory=list)
    duties: dict[tuple[str, int, int], DutyInForce] = field(default_factory=dict)
    roles: dict[str, set[tuple[str, int, int]]] = field(default_factory=dict)
    """kind-specific parts (``masked`` / ``by``, ``cycle``) → duty keys."""
    cycle: tuple[str, ...] = ()
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)
    """overlap: unit pair → cells both lead (the edges of the overlap graph); a territorial
    reference is counted as the unit of each street it names."""
    leads: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """standards_differ: standard code → the units leading its events."""

    def add(self, entries: Iterable[DutyInForce], part: str = "rows") -> None:
        keys = self.roles.setdefault(part, set())
        for entry in entries:
            key = (entry.list_id, entry.version, entry.seq)
            self.duties[key] = entry
            keys.add(key)


@dataclass
class Coverage:
    """What the cell analysis found, plus the totals it checked."""

    findings: list[RawFinding]
    spaces: dict[str, AttributeSpace]
    anchors: dict[str, frozenset[str]]
    attributes: dict[str, dict[str, AttributeDomain]] = field(default_factory=dict)
    """matter → its attributes, with :data:`STANDARD` for a matter whose rows name standards."""
    standards: dict[str, tuple[StandardInForce, ...]] = field(default_factory=dict)
    """matter → its case standards (only matters that have some)."""
    """matter → the areas that have duties of it (and leaf areas under them)."""
    matters: int = 0
    leaf_areas: int = 0
    cells: int = 0
    lead_share: list[tuple[str, float, list[tuple[str, float]]]] = field(default_factory=list)
    """Per matter and anchor: the matter, the streets the anchor's leaf areas amount to, and
    each leading unit with the share of the attribute space it leads (for workload)."""


def _key(entry: DutyInForce) -> tuple[str, int, int]:
    return (entry.list_id, entry.version, entry.seq)


def leaf_matters(snapshot: Snapshot, within: str | None = None) -> list[str]:
    """The leaf matters of the catalogue (matters that are no one's parent), optionally only
    ``within`` and its descendants."""
    parents = {m.parent for m in snapshot.matters.values() if m.parent}
    codes = sorted(code for code in snapshot.matters if code not in parents)
    if within is None:
        return codes

    def under(code: str) -> bool:
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            if current == within:
                return True
            seen.add(current)
            current = snapshot.matters[current].parent if current in snapshot.matters else None
        return False

    return [code for code in codes if under(code)]


def analyse(snapshot: Snapshot, tree: AreaTree, matters: list[str]) -> Coverage:
    """Run the cell analysis over ``matters`` and the leaf areas of ``tree``."""
    by_matter: dict[str, dict[str, list[DutyInForce]]] = {}
    for entry in snapshot.duties:
        by_matter.setdefault(entry.duty.matter, {}).setdefault(entry.duty.area, []).append(entry)
    result = Coverage(findings=[], spaces={}, anchors={}, leaf_areas=len(tree.leaves))
    roles = TerritorialUnits(snapshot)
    for matter in matters:
        _analyse_matter(snapshot, tree, roles, matter, by_matter.get(matter, {}), result)
    result.matters = len(matters)
    return result


def standard_domain(standards: Iterable[StandardInForce], label: str | None = None) -> EnumDomain:
    """The :data:`STANDARD` axis of a matter's cells: one value per standard, in their order."""
    return EnumDomain(values=[s.code for s in standards], label=label)


def _condition(entry: DutyInForce, standards: bool) -> Condition:
    """A row's condition, with its standard as a condition on :data:`STANDARD`."""
    duty = entry.duty
    if not standards or duty.standard is None:
        return duty.conditions
    return {**duty.conditions, STANDARD: {"in": [duty.standard.code]}}


@dataclass
class _Group:
    """One analysis of a group of leaf areas: which leaf areas, what its references name."""

    part: Part
    count: int
    units: dict[str, str]
    """territorial reference → what it is here: a unit's code (it names a unit another row
    names), the reference itself (it names a unit of its own in each street) or UNRESOLVED"""
    pieces: list[tuple[str | None, int]]
    """(street, leaf areas in it) — None: the leaf areas in no street"""


def _analyse_matter(
    snapshot: Snapshot,
    tree: AreaTree,
    roles: TerritorialUnits,
    matter: str,
    by_area: dict[str, list[DutyInForce]],
    result: Coverage,
) -> None:
    info = snapshot.matters[matter]
    anchors = {a for a in by_area if tree.leaves_under.get(a)}
    result.anchors[matter] = frozenset(anchors)
    standards = snapshot.standards(matter)
    attributes: dict[str, AttributeDomain] = dict(info.attributes)
    if standards:
        attributes[STANDARD] = standard_domain(standards)
        result.standards[matter] = standards
    result.attributes[matter] = attributes
    conditions = {
        _key(e): _condition(e, bool(standards)) for rows in by_area.values() for e in rows
    }
    space = AttributeSpace(attributes, conditions.values())
    result.spaces[matter] = space
    masks = {key: space.mask(condition) for key, condition in conditions.items()}
    codes = [s.code for s in standards]
    territorial = any(
        territorial_function(e.duty.unit) is not None for rows in by_area.values() for e in rows
    )
    # the nearest anchor above each anchor, and the leaf areas each one stands for
    parent_anchor: dict[str, str | None] = {}
    for anchor in anchors:
        parent_anchor[anchor] = next(
            (a for a in snapshot.ancestors(anchor)[1:] if a in anchors), None
        )
    own = {a: tree.leaves_under[a] for a in anchors}
    streets = {a: tree.streets_under[a] for a in anchors}
    own_root = len(tree.leaves)
    for anchor, parent in parent_anchor.items():
        if parent is None:
            own_root -= tree.leaves_under[anchor]
        else:
            own[parent] -= tree.leaves_under[anchor]
            streets[parent] -= tree.streets_under[anchor]
    groups: list[tuple[str | None, int]] = [(a, own[a]) for a in sorted(anchors) if own[a] > 0]
    if own_root > 0:
        groups.insert(0, (None, own_root))
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding] = {}
    for group, count in groups:
        duties: list[DutyInForce] = []
        if group is not None:
            for code in snapshot.ancestors(group):
                duties.extend(by_area.get(code, ()))
        result.cells += space.cells(space.full) * count
        resolutions = (
            _resolutions(tree, roles, group, count, duties, anchors, parent_anchor)
            if territorial and group is not None
            else [_Group((group, None), count, {}, [(None, count)])]
        )
        for part in resolutions:
            leads = _analyse_group(
                matter, info.hit_policy, space, part, duties, masks, codes, roles, found
            )
            if leads and group is not None:
                if len(resolutions) == 1:
                    share = streets[group]
                else:
                    share = sum(n * tree.street_weight[s] for s, n in part.pieces)
                result.lead_share.append((matter, max(share, 0.0), leads))
    result.findings.extend(found.values())


def _resolutions(
    tree: AreaTree,
    roles: TerritorialUnits,
    group: str | None,
    count: int,
    duties: list[DutyInForce],
    anchors: set[str],
    parent_anchor: dict[str, str | None],
) -> list[_Group]:
    """The group's leaf areas, split by what its territorial references name there: one
    :class:`_Group` per distinct resolution (just one when the rows name no reference)."""
    references = sorted(
        {
            unit
            for e in duties
            if (unit := e.duty.unit).startswith(TERRITORIAL_UNIT)
            and territorial_function(unit) is not None
        }
    )
    if not references or group is None:
        return [_Group((group, None), count, {}, [(None, count)])]
    street = tree.street_at(group)
    pieces: list[tuple[str | None, int]]
    if street is not None:
        pieces = [(street, count)]
    else:
        # the streets below the group whose leaf areas are (partly) the group's own
        inside: Counter[str] = Counter()
        for anchor, parent in parent_anchor.items():
            if parent == group:
                below = tree.street_at(anchor)
                if below is not None:
                    inside[below] += tree.leaves_under[anchor]
        pieces = []
        for below in tree.streets_below.get(group, ()):
            nearest = next((a for a in tree.snapshot.ancestors(below) if a in anchors), None)
            if nearest == group:
                n = tree.leaves_under[below] - inside[below]
                if n > 0:
                    pieces.append((below, n))
        rest = count - sum(n for _, n in pieces)
        if rest > 0:
            pieces.append((None, rest))
    names: set[str] | None = None
    by_resolution: dict[tuple[tuple[str, str], ...], list[tuple[str | None, int]]] = {}
    for code, n in pieces:
        actual = [
            roles.unit(code, territorial_function(r) or "") if code else UNRESOLVED
            for r in references
        ]
        if any(actual) and names is None:
            names = {e.duty.unit for e in duties if not is_reference(e.duty.unit)}
        units = tuple(
            (r, u if not u or u in (names or ()) or actual.count(u) > 1 else r)
            for r, u in zip(references, actual, strict=True)
        )
        by_resolution.setdefault(units, []).append((code, n))
    whole = len(by_resolution) == 1
    return [
        _Group(
            (group, None if whole else frozenset(c for c, _ in part)),
            sum(n for _, n in part),
            dict(units),
            part,
        )
        for units, part in by_resolution.items()
    ]


def _raw(
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
    kind: FindingKind,
    matter: str,
    mask: int,
    part: Part,
    cycle: tuple[str, ...] = (),
) -> RawFinding:
    key = (kind, mask, cycle)
    raw = found.get(key)
    if raw is None:
        raw = found[key] = RawFinding(kind, matter, mask, cycle=cycle)
    raw.anchors.append(part)
    return raw


def _analyse_group(
    matter: str,
    policy: HitPolicy,
    space: AttributeSpace,
    group: _Group,
    duties: list[DutyInForce],
    masks: dict[tuple[str, int, int], int],
    standards: list[str],
    roles: TerritorialUnits,
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
) -> list[tuple[str, float]]:
    """Analyse one group of leaf areas; returns each leading unit and the share of the attribute
    space it leads (where it acts: under priority, not where it is masked)."""
    resolved = group.units
    part = group.part
    leads = [e for e in duties if e.duty.role is Role.lead]
    # each lead with the unit it is here; a reference naming no unit here covers its cells
    # (reference_gap says so) but leads nobody
    acting_leads: list[_Lead]
    if resolved:
        named = [(e, resolved.get(e.duty.unit, e.duty.unit)) for e in leads]
        acting_leads = [(e, u) for e, u in named if u != UNRESOLVED]
    else:
        acting_leads = [(e, e.duty.unit) for e in leads]
    refusals = [e for e in duties if e.duty.role is Role.not_responsible]
    assists = [e for e in duties if e.duty.role is Role.assist]
    # a unit's not-responsible row takes back its own lead rows on the same cells (as routing's
    # refusal-removes-candidate does): it leads nowhere it says it is not responsible
    refused: dict[str, int] = {}
    for e in refusals:
        unit = resolved.get(e.duty.unit, e.duty.unit) if resolved else e.duty.unit
        if unit != UNRESOLVED:  # a reference naming nobody here refuses nobody
            refused[unit] = refused.get(unit, 0) | masks[_key(e)]
    if refused:
        masks = dict(masks)
        for e in leads:
            unit = resolved.get(e.duty.unit, e.duty.unit) if resolved else e.duty.unit
            if unit in refused:
                masks[_key(e)] &= ~refused[unit]
    lead_union = 0
    for e in leads:
        lead_union |= masks[_key(e)]
    total = space.cells(space.full)
    acting = {_key(e): masks[_key(e)] for e, _ in acting_leads}  # under priority: not masked

    # overlap: two or more units lead a cell (under priority: at the top priority of the cell)
    if policy is HitPolicy.unique:
        _overlap(matter, space, group, acting_leads, masks, roles, found)
    elif policy is HitPolicy.priority:
        by_priority: dict[int, list[_Lead]] = {}
        for lead in acting_leads:
            by_priority.setdefault(lead[0].duty.priority, []).append(lead)
        above = 0
        for priority in sorted(by_priority, reverse=True):
            level = by_priority[priority]
            _overlap(matter, space, group, level, masks, roles, found, outside=above)
            higher = [(o, u, masks[_key(o)]) for o, u in acting_leads if o.duty.priority > priority]
            for e, unit in level:
                # a unit's own higher row does not mask its lower one: it still leads there
                others = 0
                for _, u, mask in higher:
                    if u != unit:
                        others |= mask
                own = masks[_key(e)]
                hidden = own & others
                acting[_key(e)] = own & ~above
                if hidden:
                    raw = _raw(found, FindingKind.masked, matter, hidden, part)
                    raw.add([e], "masked")
                    raw.add((o for o, u, mask in higher if u != unit and mask & hidden), "by")
            for e, _ in level:
                above |= masks[_key(e)]

    # gap: no lead, and no not-responsible row that says where the matter goes (refer_to): a
    # refusal naming nobody leaves the cell to the centre, as routing does (no 兜底 by the unit
    # it relieves)
    covered = lead_union
    for e in refusals:
        if e.duty.refer_to:
            covered |= masks[_key(e)]
    gap = space.full & ~covered
    if gap:
        raw = _raw(found, FindingKind.gap, matter, gap, part)
        raw.add(  # who supervises or assists on these cells (and could take them on)
            e
            for e in duties
            if e.duty.role in (Role.supervise, Role.assist) and masks[_key(e)] & gap
        )

    # assist without lead
    helpless = 0
    for e in assists:
        helpless |= masks[_key(e)]
    helpless &= ~lead_union
    if helpless:
        raw = _raw(found, FindingKind.assist_without_lead, matter, helpless, part)
        raw.add(e for e in assists if masks[_key(e)] & helpless)

    if refusals:
        _cycles(matter, space, part, leads, refusals, resolved, masks, found)
    if len(standards) > 1:
        _standards_differ(matter, space, part, acting_leads, standards, found)
    by_unit: dict[str, int] = {}
    for e, unit in acting_leads:
        by_unit[unit] = by_unit.get(unit, 0) | acting[_key(e)]
    return [(u, space.cells(mask) / total) for u, mask in sorted(by_unit.items())]


def _overlap(
    matter: str,
    space: AttributeSpace,
    group: _Group,
    leads: list[_Lead],
    masks: dict[tuple[str, int, int], int],
    roles: TerritorialUnits,
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
    outside: int = 0,
) -> None:
    by_unit: dict[str, int] = {}
    for e, unit in leads:
        by_unit[unit] = by_unit.get(unit, 0) | masks[_key(e)]
    if len(by_unit) < 2:
        return
    once = twice = 0
    for mask in by_unit.values():
        twice |= once & mask
        once |= mask
    twice &= ~outside
    if not twice:
        return
    raw = _raw(found, FindingKind.overlap, matter, twice, group.part)
    raw.add(e for e, _ in leads if masks[_key(e)] & twice)
    units = sorted(by_unit)
    for i, a in enumerate(units):
        for b in units[i + 1 :]:
            both = by_unit[a] & by_unit[b] & twice
            if not both:
                continue
            cells = space.cells(both)
            fa, fb = territorial_function(a), territorial_function(b)
            if fa is None and fb is None:
                raw.pairs[(a, b)] = raw.pairs.get((a, b), 0) + cells * group.count
                continue
            # a reference standing for a unit of its own in each street: that unit
            for street, n in group.pieces:
                ua = a if fa is None or street is None else roles.unit(street, fa)
                ub = b if fb is None or street is None else roles.unit(street, fb)
                pair = (ua, ub) if ua < ub else (ub, ua)
                raw.pairs[pair] = raw.pairs.get(pair, 0) + cells * n


def _standards_differ(
    matter: str,
    space: AttributeSpace,
    part: Part,
    leads: list[_Lead],
    standards: list[str],
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
) -> None:
    """Standards of the matter whose events different units lead here (each standard's rows
    and the rows naming no standard, territorial references resolved)."""
    if not any(e.duty.standard is not None for e, _ in leads):
        return
    by_standard: dict[str, tuple[str, ...]] = {}
    for code in standards:
        units = {u for e, u in leads if e.duty.standard is None or e.duty.standard.code == code}
        if units:
            by_standard[code] = tuple(sorted(units))
    if len(set(by_standard.values())) < 2:
        return
    key = tuple(f"{code}={','.join(units)}" for code, units in by_standard.items())
    raw = _raw(found, FindingKind.standards_differ, matter, space.full, part, key)
    raw.leads = by_standard
    raw.add(e for e, _ in leads)


def _cycles(
    matter: str,
    space: AttributeSpace,
    part: Part,
    leads: list[DutyInForce],
    refusals: list[DutyInForce],
    resolved: dict[str, str],
    masks: dict[tuple[str, int, int], int],
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
) -> None:
    """Refusal rows hand a cell on: to the unit they ``refer_to``, else to the cell's leads. A
    cycle of units each refusing the same cells and handing them to the next is a finding."""

    def name(e: DutyInForce) -> str:  # a reference that names nobody here stays as written
        return resolved.get(e.duty.unit) or e.duty.unit

    graph: nx.DiGraph[str] = nx.DiGraph()
    refusing: dict[str, int] = {}
    rows: dict[str, list[DutyInForce]] = {}
    for e in refusals:
        who, mask = name(e), masks[_key(e)]
        refusing[who] = refusing.get(who, 0) | mask
        rows.setdefault(who, []).append(e)
        targets = (
            [(e.duty.refer_to, mask)]
            if e.duty.refer_to
            else [(name(o), mask & masks[_key(o)]) for o in leads if name(o) != who]
        )
        for target, region in targets:
            if region:
                old = graph.get_edge_data(who, target, {"mask": 0})["mask"]
                graph.add_edge(who, target, mask=old | region)
    for cycle in nx.simple_cycles(graph):
        region = space.full
        for i, who in enumerate(cycle):
            nxt = cycle[(i + 1) % len(cycle)]
            region &= graph[who][nxt]["mask"] & refusing.get(nxt, 0)
        if region:
            start = cycle.index(min(cycle))
            ordered = tuple(cycle[start:] + cycle[:start])
            raw = _raw(found, FindingKind.referral_cycle, matter, region, part, ordered)
            raw.add(e for who in ordered for e in rows.get(who, ()) if masks[_key(e)] & region)
