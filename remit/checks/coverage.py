"""The cell analysis: overlaps, masked leads, gaps, assists without a lead, referral cycles.

A cell is a leaf matter × a leaf area × one combination of the matter's attribute values. The
duties covering a leaf area are those scoped to it or to an area above it, so every leaf area
below the same *anchor* — the nearest area above it (or itself) that has duties of the matter
of its own — sees exactly the same duties. The analysis therefore runs once per matter and
anchor (at most once per distinct duty area), not once per cell, and counts the leaf areas each
anchor stands for; it only walks the area tree to list those leaf areas when there is a
finding to report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from remit.conditions.regions import AttributeSpace
from remit.findings import FindingKind
from remit.registry.entities import HitPolicy, Level, Role
from remit.registry.snapshot import DutyInForce, Snapshot


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
        self.streets_under: dict[str, float] = dict.fromkeys(snapshot.areas, 0.0)
        for leaf in self.leaves:
            street = street_of[leaf]
            weight = 1.0 / per_street[street] if street is not None else 1.0
            for code in snapshot.ancestors(leaf):
                self.streets_under[code] += weight

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
    anchors: list[str | None] = field(default_factory=list)
    duties: dict[tuple[str, int, int], DutyInForce] = field(default_factory=dict)
    roles: dict[str, set[tuple[str, int, int]]] = field(default_factory=dict)
    """kind-specific parts (``masked`` / ``by``, ``cycle``) → duty keys."""
    cycle: tuple[str, ...] = ()
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)
    """overlap: unit pair → cells both lead (the edges of the overlap graph)."""

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
    for matter in matters:
        _analyse_matter(snapshot, tree, matter, by_matter.get(matter, {}), result)
    result.matters = len(matters)
    return result


def _analyse_matter(
    snapshot: Snapshot,
    tree: AreaTree,
    matter: str,
    by_area: dict[str, list[DutyInForce]],
    result: Coverage,
) -> None:
    info = snapshot.matters[matter]
    anchors = {a for a in by_area if tree.leaves_under.get(a)}
    result.anchors[matter] = frozenset(anchors)
    space = AttributeSpace(
        info.attributes, (e.duty.conditions for rows in by_area.values() for e in rows)
    )
    result.spaces[matter] = space
    masks = {_key(e): space.mask(e.duty.conditions) for rows in by_area.values() for e in rows}
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
        leads = _analyse_group(
            matter, info.hit_policy, space, group, count, duties, masks, found, result
        )
        if leads and group is not None:
            result.lead_share.append((matter, max(streets[group], 0.0), leads))
    result.findings.extend(found.values())


def _raw(
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
    kind: FindingKind,
    matter: str,
    mask: int,
    anchor: str | None,
    count: int,
    cycle: tuple[str, ...] = (),
) -> RawFinding:
    key = (kind, mask, cycle)
    raw = found.get(key)
    if raw is None:
        raw = found[key] = RawFinding(kind, matter, mask, cycle=cycle)
    raw.anchors.append(anchor)
    return raw


def _analyse_group(
    matter: str,
    policy: HitPolicy,
    space: AttributeSpace,
    anchor: str | None,
    count: int,
    duties: list[DutyInForce],
    masks: dict[tuple[str, int, int], int],
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
    result: Coverage,
) -> list[tuple[str, float]]:
    """Analyse one group of leaf areas; returns each leading unit and the share of the attribute
    space it leads (where it acts: under priority, not where it is masked)."""
    leads = [e for e in duties if e.duty.role is Role.lead]
    refusals = [e for e in duties if e.duty.role is Role.not_responsible]
    assists = [e for e in duties if e.duty.role is Role.assist]
    lead_union = 0
    for e in leads:
        lead_union |= masks[_key(e)]
    total = space.cells(space.full)
    acting = {_key(e): masks[_key(e)] for e in leads}  # under priority: where not masked

    # overlap: two or more units lead a cell (under priority: at the top priority of the cell)
    if policy is HitPolicy.unique:
        _overlap(matter, space, anchor, count, leads, masks, found)
    elif policy is HitPolicy.priority:
        by_priority: dict[int, list[DutyInForce]] = {}
        for e in leads:
            by_priority.setdefault(e.duty.priority, []).append(e)
        above = 0
        for priority in sorted(by_priority, reverse=True):
            level = by_priority[priority]
            _overlap(matter, space, anchor, count, level, masks, found, outside=above)
            for e in level:
                # a unit's own higher row does not mask its lower one: it still leads there
                others = 0
                for o in leads:
                    if o.duty.priority > priority and o.duty.unit != e.duty.unit:
                        others |= masks[_key(o)]
                hidden = masks[_key(e)] & others
                acting[_key(e)] = masks[_key(e)] & ~above
                if hidden:
                    raw = _raw(found, FindingKind.masked, matter, hidden, anchor, count)
                    raw.add([e], "masked")
                    raw.add(
                        (
                            o
                            for o in leads
                            if o.duty.priority > priority
                            and o.duty.unit != e.duty.unit
                            and masks[_key(o)] & hidden
                        ),
                        "by",
                    )
            for e in level:
                above |= masks[_key(e)]

    # gap: no lead and no not-responsible row
    covered = lead_union
    for e in refusals:
        covered |= masks[_key(e)]
    gap = space.full & ~covered
    if gap:
        raw = _raw(found, FindingKind.gap, matter, gap, anchor, count)
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
        raw = _raw(found, FindingKind.assist_without_lead, matter, helpless, anchor, count)
        raw.add(e for e in assists if masks[_key(e)] & helpless)

    if refusals:
        _cycles(matter, space, anchor, count, leads, refusals, masks, found)
    by_unit: dict[str, int] = {}
    for e in leads:
        by_unit[e.duty.unit] = by_unit.get(e.duty.unit, 0) | acting[_key(e)]
    return [(unit, space.cells(mask) / total) for unit, mask in sorted(by_unit.items())]


def _overlap(
    matter: str,
    space: AttributeSpace,
    anchor: str | None,
    count: int,
    leads: list[DutyInForce],
    masks: dict[tuple[str, int, int], int],
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
    outside: int = 0,
) -> None:
    by_unit: dict[str, int] = {}
    for e in leads:
        by_unit[e.duty.unit] = by_unit.get(e.duty.unit, 0) | masks[_key(e)]
    once = twice = 0
    for mask in by_unit.values():
        twice |= once & mask
        once |= mask
    twice &= ~outside
    if not twice:
        return
    raw = _raw(found, FindingKind.overlap, matter, twice, anchor, count)
    raw.add(e for e in leads if masks[_key(e)] & twice)
    units = sorted(by_unit)
    for i, a in enumerate(units):
        for b in units[i + 1 :]:
            both = by_unit[a] & by_unit[b] & twice
            if both:
                raw.pairs[(a, b)] = raw.pairs.get((a, b), 0) + space.cells(both) * count


def _cycles(
    matter: str,
    space: AttributeSpace,
    anchor: str | None,
    count: int,
    leads: list[DutyInForce],
    refusals: list[DutyInForce],
    masks: dict[tuple[str, int, int], int],
    found: dict[tuple[FindingKind, int, tuple[str, ...]], RawFinding],
) -> None:
    """Refusal rows hand a cell on: to the unit they ``refer_to``, else to the cell's leads. A
    cycle of units each refusing the same cells and handing them to the next is a finding."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    refusing: dict[str, int] = {}
    rows: dict[str, list[DutyInForce]] = {}
    for e in refusals:
        unit, mask = e.duty.unit, masks[_key(e)]
        refusing[unit] = refusing.get(unit, 0) | mask
        rows.setdefault(unit, []).append(e)
        targets = (
            [(e.duty.refer_to, mask)]
            if e.duty.refer_to
            else [(o.duty.unit, mask & masks[_key(o)]) for o in leads]
        )
        for target, region in targets:
            if region:
                old = graph.get_edge_data(unit, target, {"mask": 0})["mask"]
                graph.add_edge(unit, target, mask=old | region)
    for cycle in nx.simple_cycles(graph):
        region = space.full
        for i, unit in enumerate(cycle):
            nxt = cycle[(i + 1) % len(cycle)]
            region &= graph[unit][nxt]["mask"] & refusing.get(nxt, 0)
        if region:
            start = cycle.index(min(cycle))
            ordered = tuple(cycle[start:] + cycle[:start])
            raw = _raw(found, FindingKind.referral_cycle, matter, region, anchor, count, ordered)
            raw.add(e for unit in ordered for e in rows.get(unit, ()) if masks[_key(e)] & region)
