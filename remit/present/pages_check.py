"""What the check pages show (``/ui/check``, ``/ui/check/streets/{area}``), as plain dataclasses.

The names for codes, the heat-map tally and the summary come from the self-contained HTML
report (:mod:`remit.present.check_html`): the pages only arrange them differently — streets ×
matter groups coloured by the worst severity, each cell a link that filters the findings;
findings with short ids ("F-012", by the report's order) whose areas are rolled up to their
streets and whose cited rows link to the list pages; conflict clusters drawn as two columns
(departments, streets); figures rounded as people read them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from remit.checks.report import CheckReport, ConflictCluster
from remit.conditions import Condition
from remit.findings import KIND_ORDER, Finding, Severity
from remit.i18n import Lang
from remit.present.check_html import (
    SEVERITY_ORDER,
    Card,
    HeatTally,
    LoadRow,
    ReportPage,
    finding_streets,
    heat_grid,
    sorted_findings,
    street_of,
    summary_cards,
    unit_cells,
)
from remit.present.text import condition_text
from remit.registry.entities import Matter, Unit
from remit.registry.refs import DutyRef
from remit.registry.snapshot import Snapshot

CHECK = "/ui/check"
UNITS_SHOWN = 4
STREETS_SHOWN = 3
STREET_LEVELS = ("street", "town", "township")


# --------------------------------------------------------------------------- numbers and ids


def whole(value: float, lang: Lang) -> str:
    """A count or an amount as people read it: whole, thousands grouped (11,837); in Chinese,
    from 十万 upward in 万 (12.3万)."""
    n = round(value)
    if lang == "zh" and abs(n) >= 100_000:
        return f"{n / 10_000:,.1f}".removesuffix(".0") + "万"
    return f"{n:,}"


def ratio(value: float) -> str:
    """A load index: two decimals (1.26)."""
    return f"{value:.2f}"


def short_ids(report: CheckReport) -> dict[str, str]:
    """Finding id → "F-001", "F-002" … in the report's order (severity, kind, matter, id): the
    same for the same report, whatever filter is applied."""
    width = max(3, len(str(len(report.findings))))
    return {
        f.id: f"F-{n:0{width}d}" for n, f in enumerate(sorted_findings(report.findings), start=1)
    }


def list_row_href(list_id: str, version: int, row: int) -> str:
    return f"/ui/lists/{list_id}/versions/{version}#row-{row}"


def street_href(code: str) -> str:
    return f"{CHECK}/streets/{code}"


def check_href(**params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{CHECK}?{query}#findings" if query else f"{CHECK}#findings"


# --------------------------------------------------------------------------- matter groups


@dataclass(frozen=True)
class MatterGroups:
    """Each matter's group (its topmost parent in the catalogue) and the groups' names."""

    of: Mapping[str, str]
    names: Mapping[str, str]

    @classmethod
    def of_catalogue(cls, matters: Mapping[str, Matter]) -> MatterGroups:
        of: dict[str, str] = {}
        for code in matters:
            top, seen = code, {code}
            while (parent := matters[top].parent) and parent in matters and parent not in seen:
                top = parent
                seen.add(top)
            of[code] = top
        return cls(of, {code: m.name for code, m in matters.items()})

    def group(self, matter: str) -> str:
        return self.of.get(matter, matter)

    def name(self, group: str) -> str:
        return self.names.get(group, group)


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class CheckFilters:
    """The findings filter of the page (a GET form): kind, severity, street, group, text."""

    kind: str = ""
    severity: str = ""
    street: str = ""
    group: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return any((self.kind, self.severity, self.street, self.group, self.q))


# --------------------------------------------------------------------------- what the pages show


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    title: str = ""


@dataclass(frozen=True)
class StreetPart:
    """A street a finding lies in, with the areas below it it names (the detail)."""

    code: str
    name: str
    href: str | None
    detail: str


@dataclass(frozen=True)
class FindingView:
    short_id: str
    anchor: str
    finding_id: str
    severity: str
    severity_label: str
    kind: str
    kind_label: str
    matter: str
    matter_name: str
    group_name: str
    streets: list[StreetPart]
    streets_summary: str  # "全区全部 10 个街道", "4 个街道" when there are many; else ""
    region: str
    cells: str
    units: str
    cited: list[Link]
    message: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class HeatCellView:
    """A cell of the heat map (``count`` 0: nothing there): the worst severity, the count and
    the link to its findings."""

    count: int
    severity: str
    href: str
    label: str
    current: bool = False


@dataclass(frozen=True)
class HeatRowView:
    code: str
    name: str
    href: str | None
    cells: list[HeatCellView]


@dataclass(frozen=True)
class HeatView:
    columns: list[Link]
    rows: list[HeatRowView]
    unplaced: int
    severities: list[Option]


@dataclass(frozen=True)
class Edge:
    """A link between a department and a street (or two of one column: a curve ``path``)."""

    path: str
    width: float
    colour: str
    title: str


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    r: float
    label_x: float
    anchor: str
    label: str
    title: str


@dataclass(frozen=True)
class ClusterDrawing:
    """A conflict cluster as two columns: departments left, streets right."""

    title: str
    matters: str
    width: float
    height: float
    left_heading: str
    right_heading: str
    left_x: float
    right_x: float
    edges: list[Edge]
    nodes: list[Node]
    legend: list[Option]  # value: the colour, label: the matter


@dataclass(frozen=True)
class Summary:
    total: Link
    severities: list[tuple[Card, str]]
    kinds: list[tuple[Card, str]]
    checked: list[tuple[str, str]]


@dataclass(frozen=True)
class CheckView:
    as_of: str
    snapshot: str
    summary: Summary
    heat: HeatView
    findings: list[FindingView]
    total: int
    filters: CheckFilters
    kinds: list[Option]
    severities: list[Option]
    streets: list[Option]
    groups: list[Option]
    clusters: list[ClusterDrawing]
    load: list[LoadRow]
    load_notes: list[str]
    map_legend: list[Option]
    load_legend: list[Option]


@dataclass(frozen=True)
class DutyRowView:
    link: Link
    matter: str
    unit: str
    role: str
    area: str
    when: str
    time_limit: str


@dataclass(frozen=True)
class StreetView:
    code: str
    name: str
    as_of: str
    summary: str
    duties: list[DutyRowView]
    load: list[LoadRow]
    findings: list[FindingView]


# --------------------------------------------------------------------------- building them


@dataclass(frozen=True)
class CheckPages:
    """A report, its language and its matter groups: builds the check pages' views."""

    report: CheckReport
    lang: Lang
    groups: MatterGroups
    page: ReportPage = field(init=False)
    ids: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "page", ReportPage(self.report, self.lang))
        object.__setattr__(self, "ids", short_ids(self.report))

    # ---- streets

    def is_street(self, code: str) -> bool:
        label = self.report.areas.get(code)
        return label is not None and label.street == code

    def street_name(self, code: str) -> str:
        return self.page.area(code)

    def streets(self) -> list[str]:
        """The streets of the report's areas, in code order."""
        return sorted({a.street for a in self.report.areas.values() if a.street})

    # ---- the main page

    def check_view(self, filters: CheckFilters) -> CheckView:
        findings = self.filtered(filters)
        kinds = Counter(f.kind.value for f in self.report.findings)
        severities = Counter(f.severity.value for f in self.report.findings)
        placed = {s for f in self.report.findings for s in finding_streets(self.page, f)}
        groups = sorted({self.groups.group(f.matter) for f in self.report.findings if f.matter})
        return CheckView(
            as_of=self.report.as_of.isoformat(),
            snapshot=self.report.snapshot_hash[:12],
            summary=self.summary(),
            heat=self.heat(filters),
            findings=[self.finding(f) for f in findings],
            total=len(self.report.findings),
            filters=filters,
            kinds=[
                Option(k.value, f"{self.page.kind(k.value)} ({kinds[k.value]})", k == filters.kind)
                for k in KIND_ORDER
                if kinds[k.value]
            ],
            severities=[
                Option(
                    s.value,
                    f"{self.page.severity(s.value)} ({severities[s.value]})",
                    s == filters.severity,
                )
                for s in SEVERITY_ORDER
                if severities[s.value]
            ],
            streets=[
                Option(s, self.street_name(s), s == filters.street)
                for s in sorted(placed | set(self.streets()))
            ],
            groups=[Option(g, f"{self.groups.name(g)} ({g})", g == filters.group) for g in groups],
            clusters=self.clusters(),
            load=self.load(),
            load_notes=self.load_notes(),
            map_legend=self.map_legend(),
            load_legend=self.load_legend(),
        )

    def summary(self) -> Summary:
        cards = summary_cards(self.page)
        total = cards.cards[0]
        return Summary(
            total=Link(CHECK + "#findings", total.count, total.label),
            severities=[(c, check_href(severity=c.filter_severity or "")) for c in cards.cards[1:]],
            kinds=[(c, check_href(kind=c.filter_kind or "")) for c in cards.kind_cards],
            checked=[(term.label, term.value) for term in cards.checked],
        )

    def filtered(self, filters: CheckFilters) -> list[Finding]:
        needle = filters.q.strip().casefold()
        shown = []
        for finding in sorted_findings(self.report.findings):
            if filters.kind and finding.kind.value != filters.kind:
                continue
            if filters.severity and finding.severity.value != filters.severity:
                continue
            if filters.group and (
                finding.matter is None or self.groups.group(finding.matter) != filters.group
            ):
                continue
            if filters.street and filters.street not in finding_streets(self.page, finding):
                continue
            if needle and needle not in self.search_text(finding):
                continue
            shown.append(finding)
        return shown

    def search_text(self, finding: Finding) -> str:
        page = self.page
        parts = [
            self.ids[finding.id],
            finding.id,
            finding.kind.value,
            page.kind(finding.kind.value),
            finding.matter or "",
            page.matter(finding.matter),
            finding.region_text or "",
            finding.message,
            *(page.area(a) for a in finding.areas),
            *(self.street_name(s) for s in finding_streets(page, finding)),
            *(page.unit(u) for u in finding.units),
            *finding.units,
        ]
        return "\n".join(parts).casefold()

    def finding(self, finding: Finding, street: str | None = None) -> FindingView:
        """A finding's row; on a street's page (``street``) its rows there cited first."""
        page = self.page
        short = self.ids[finding.id]
        matter = finding.matter or ""
        streets = self.finding_streets(finding)
        return FindingView(
            short_id=short,
            anchor=short.lower(),
            finding_id=finding.id,
            severity=finding.severity.value,
            severity_label=page.severity(finding.severity.value),
            kind=finding.kind.value,
            kind_label=page.kind(finding.kind.value),
            matter=matter,
            matter_name=page.matter(matter) if matter else "",
            group_name=self.groups.name(self.groups.group(matter)) if matter else "",
            streets=streets,
            streets_summary=self.streets_summary(streets),
            region=finding.region_text or "",
            cells=whole(finding.cells, self.lang) if finding.cells else "",
            units=page.units(finding.units, UNITS_SHOWN),
            cited=[
                Link(
                    list_row_href(d.list_id, d.version, d.row),
                    f"{d.list_id} v{d.version} #{d.row}",
                    f"{page.unit(d.unit)} · {page.term(d.role, 'role')} · {page.area(d.area)}",
                )
                for d in sorted(
                    _distinct_rows(finding),
                    key=lambda d: street is not None and street_of(self.report, d.area) != street,
                )
            ],
            message=finding.message,
        )

    def streets_summary(self, streets: Sequence[StreetPart]) -> str:
        if len(streets) <= STREETS_SHOWN:
            return ""
        everywhere = set(self.streets())
        if everywhere and everywhere <= {s.code for s in streets}:
            return self.page.t("page.check.streets.all", count=len(everywhere))
        return self.page.t("page.check.streets.some", count=len(streets))

    def finding_streets(self, finding: Finding) -> list[StreetPart]:
        """The finding's areas rolled up to their streets; the areas below a street (grids,
        communities) only as its detail."""
        below: dict[str, list[str]] = {}
        areas = finding.areas or sorted({d.area for d in finding.duties})
        for area in areas:
            street = street_of(self.report, area)
            names = below.setdefault(street, [])
            if area != street:
                names.append(self.page.area(area))
        return [
            StreetPart(
                code=street,
                name=self.street_name(street),
                href=street_href(street) if self.is_street(street) else None,
                detail=self.page.join(names),
            )
            for street, names in sorted(below.items())
        ]

    def heat(self, filters: CheckFilters) -> HeatView:
        grid, unplaced = heat_grid(self.page, self.groups.group)
        groups = sorted({g for g, _ in grid})
        streets = sorted({s for _, s in grid})
        columns = [Link(g, self.groups.name(g), f"{self.groups.name(g)} ({g})") for g in groups]
        rows = [
            HeatRowView(
                code=street,
                name=self.street_name(street),
                href=street_href(street) if self.is_street(street) else None,
                cells=[self.heat_cell(street, g, grid.get((g, street)), filters) for g in groups],
            )
            for street in streets
        ]
        return HeatView(
            columns=columns,
            rows=rows,
            unplaced=unplaced,
            severities=[Option(s.value, self.page.severity(s.value)) for s in SEVERITY_ORDER],
        )

    def heat_cell(
        self, street: str, group: str, tally: HeatTally | None, filters: CheckFilters
    ) -> HeatCellView:
        href = check_href(street=street, group=group)
        current = filters.street == street and filters.group == group
        if tally is None or tally.worst is None:
            return HeatCellView(0, "none", href, "", current)
        kinds = self.page.join(f"{self.page.kind(k)} {n}" for k, n in sorted(tally.kinds.items()))
        label = self.page.t(
            "page.check.heat.cell",
            street=self.street_name(street),
            group=self.groups.name(group),
            count=tally.findings,
            worst=self.page.severity(tally.worst.value),
            kinds=kinds,
        )
        return HeatCellView(tally.findings, tally.worst.value, href, label, current)

    # ---- load

    def load(self, units: Iterable[str] | None = None) -> list[LoadRow]:
        wanted = set(units) if units is not None else None
        rows = sorted(self.report.load, key=lambda r: (-r.load_index, r.unit))
        top = max((r.load_index for r in rows), default=0.0)
        threshold = self.report.config.overload_threshold
        return [
            LoadRow(
                unit=r.unit,
                unit_name=self.page.unit(r.unit),
                level=self.page.term(r.level, "level", "check.level"),
                staff=whole(r.staff, self.lang),
                capacity=whole(r.capacity_hours, self.lang),
                workload=whole(r.workload_hours, self.lang),
                events=whole(r.events_per_year, self.lang),
                index=ratio(r.load_index),
                overloaded=r.overloaded,
                width=100.0 * r.load_index / top if top > 0 else 0.0,
                threshold=100.0 * threshold / top if top > 0 else 0.0,
                overloaded_label=self.page.t("html.overloaded"),
            )
            for r in rows
            if wanted is None or r.unit in wanted
        ]

    def load_notes(self) -> list[str]:
        report = self.report
        return [
            self.page.t(
                "html.load.source", source=self.page.term(report.volume_source, "html.volume")
            ),
            self.page.t(
                "html.load.note",
                hours=whole(report.config.hours_per_staff_year, self.lang),
                threshold=f"{report.config.overload_threshold:g}",
            ),
        ]

    # ---- clusters

    def is_street_unit(self, unit: str) -> bool:
        label = self.report.units.get(unit)
        return label is not None and label.level in STREET_LEVELS

    def clusters(self) -> list[ClusterDrawing]:
        ranked = sorted(self.report.clusters, key=lambda c: (-c.cells, -len(c.units), c.units))
        return [self.cluster(n, c) for n, c in enumerate(ranked, start=1)]

    def cluster(self, n: int, cluster: ConflictCluster) -> ClusterDrawing:
        page = self.page
        cells = unit_cells(cluster)
        degree: Counter[str] = Counter()
        for pair in cluster.pairs:
            degree.update(pair.units)
        left = sorted(
            (u for u in cluster.units if not self.is_street_unit(u)),
            key=lambda u: (-degree[u], -cells[u], u),
        )
        right = [u for u in cluster.units if self.is_street_unit(u)]
        if not left or not right:  # one kind only: split them in two halves
            everyone = sorted(cluster.units, key=lambda u: (-degree[u], -cells[u], u))
            half = math.ceil(len(everyone) / 2)
            left, right = everyone[:half], everyone[half:]
        index = {u: i for i, u in enumerate(left)}

        def centre(unit: str) -> float:
            linked = [
                index[other]
                for pair in cluster.pairs
                if unit in pair.units
                for other in pair.units
                if other in index
            ]
            return sum(linked) / len(linked) if linked else len(left)

        right.sort(key=lambda u: (centre(u), page.unit(u)))
        step, top_margin, width = 34.0, 56.0, 820.0
        rows = max(len(left), len(right))
        height = top_margin + step * rows + 24.0
        left_x, right_x = 250.0, width - 250.0
        at: dict[str, tuple[float, float]] = {}
        for column, x in ((left, left_x), (right, right_x)):
            # the shorter column spread over the height of the longer one
            gap = step * rows / len(column) if column else step
            for i, unit in enumerate(column):
                at[unit] = (x, top_margin + gap * (i + 0.5))
        matters = sorted({m for p in cluster.pairs for m in p.matters[:1]})
        colours = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(matters)}
        most = max((p.cells for p in cluster.pairs), default=1) or 1
        edges = []
        for pair in cluster.pairs:
            a, b = pair.units
            if a not in at or b not in at:
                continue
            (x1, y1), (x2, y2) = at[a], at[b]
            if x1 == x2:  # both in one column: a curve out to the side
                bulge = -90.0 if x1 == left_x else 90.0
                path = f"M{x1:.1f},{y1:.1f} C{x1 + bulge:.1f},{y1:.1f} {x2 + bulge:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
            else:
                if x1 > x2:
                    (x1, y1), (x2, y2) = (x2, y2), (x1, y1)
                mid = (x1 + x2) / 2
                path = (
                    f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
                )
            edges.append(
                Edge(
                    path=path,
                    width=1.5 + 5.0 * pair.cells / most,
                    colour=colours.get(pair.matters[0], PALETTE[0]) if pair.matters else PALETTE[0],
                    title=page.t(
                        "html.cluster.edge",
                        a=page.unit(a),
                        b=page.unit(b),
                        cells=pair.cells,
                        matters=page.join(page.matter_name(m) or m for m in pair.matters),
                    ),
                )
            )
        top_cells = max(cells.values(), default=1) or 1
        nodes = []
        for unit, (x, y) in at.items():
            r = 5.0 + 5.0 * cells[unit] / top_cells
            on_left = x == left_x
            nodes.append(
                Node(
                    x=x,
                    y=y,
                    r=r,
                    label_x=x - r - 8 if on_left else x + r + 8,
                    anchor="end" if on_left else "start",
                    label=page.t(
                        "page.check.cluster.node", name=page.unit(unit), cells=cells[unit]
                    ),
                    title=page.t(
                        "html.cluster.node", name=page.unit(unit), code=unit, cells=cells[unit]
                    ),
                )
            )
        return ClusterDrawing(
            title=page.t("html.cluster.title", n=n, units=len(cluster.units), cells=cluster.cells),
            matters=page.t(
                "html.cluster.matters",
                matters=page.join(f"{page.matter(m)} ({m})" for m in cluster.matters),
            ),
            width=width,
            height=height,
            left_heading=page.t("page.check.cluster.left"),
            right_heading=page.t("page.check.cluster.right"),
            left_x=left_x,
            right_x=right_x,
            edges=edges,
            nodes=nodes,
            legend=[Option(colours[m], f"{page.matter(m)} ({m})") for m in matters],
        )

    # ---- the map

    def street_tallies(self) -> dict[str, tuple[int, Severity | None]]:
        """Street → how many findings lie there and the worst of them."""
        tallies: dict[str, tuple[int, Severity | None]] = {}
        for finding in self.report.findings:
            for street in finding_streets(self.page, finding):
                count, worst = tallies.get(street, (0, None))
                if worst is None or finding.severity.rank > worst.rank:
                    worst = finding.severity
                tallies[street] = (count + 1, worst)
        return tallies

    def street_load(self, snapshot: Snapshot) -> dict[str, float]:
        """Street → the highest load index of the units serving it."""
        index = {r.unit: r.load_index for r in self.report.load}
        loads: dict[str, float] = {}
        for unit in snapshot.units.values():
            if unit.code in index and self.is_street(unit.jurisdiction):
                street = unit.jurisdiction
                loads[street] = max(loads.get(street, 0.0), index[unit.code])
        return loads

    def map_geojson(self, snapshot: Snapshot) -> dict[str, Any]:
        """The streets with a shape as GeoJSON features: name, findings, load index, a colour
        by findings count and one by load (:data:`MAP_STEPS`, :data:`LOAD_STEPS`), the
        label to read and the link to the street's page."""
        tallies = self.street_tallies()
        loads = self.street_load(snapshot)
        threshold = self.report.config.overload_threshold
        features = []
        for code in self.streets():
            area = snapshot.areas.get(code)
            if area is None or area.geometry is None:
                continue
            count, worst = tallies.get(code, (0, None))
            load = loads.get(code)
            name = self.street_name(code)
            features.append(
                {
                    "type": "Feature",
                    "geometry": area.geometry.model_dump(mode="json"),
                    "properties": {
                        "code": code,
                        "name": name,
                        "short": name.removesuffix("街道") or name,
                        "findings": count,
                        "load": ratio(load) if load is not None else "",
                        "colour_findings": step_colour(MAP_STEPS, count),
                        "colour_load": step_colour(LOAD_STEPS, (load or 0.0) / threshold),
                        "href": street_href(code),
                        "label": self.page.t(
                            "page.check.map.tip",
                            name=name,
                            count=count,
                            worst=self.page.severity(worst.value) if worst else "—",
                            load=ratio(load) if load is not None else "—",
                        ),
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def map_legend(self) -> list[Option]:
        """The map's colours by findings: value the colour, label the counts it stands for."""
        legend = []
        for (low, colour), following in zip(MAP_STEPS, [*MAP_STEPS[1:], None], strict=True):
            if following is None:
                label = f"≥ {low:g}"
            elif following[0] - 1 == low:
                label = f"{low:g}"
            else:
                label = f"{low:g}–{following[0] - 1:g}"
            legend.append(Option(colour, self.page.t("page.check.map.count", count=label)))
        return legend

    def load_legend(self) -> list[Option]:
        """The map's colours by load: value the colour, label the load indexes."""
        threshold = self.report.config.overload_threshold
        legend = []
        for (low, colour), following in zip(LOAD_STEPS, [*LOAD_STEPS[1:], None], strict=True):
            if following is None:
                label = f"≥ {low * threshold:.2f}"
            else:
                label = f"{low * threshold:.2f}–{following[0] * threshold:.2f}"
            legend.append(Option(colour, self.page.t("page.check.map.load", load=label)))
        return legend

    # ---- a street's page

    def street_view(self, code: str, snapshot: Snapshot) -> StreetView:
        page = self.page
        duties = [
            entry
            for entry in snapshot.duties
            if entry.duty.area == code or code in snapshot.ancestors(entry.duty.area)
        ]
        duties.sort(key=lambda e: (e.duty.matter, e.list_id, e.seq))
        units = [
            u.code
            for u in snapshot.units.values()
            if u.jurisdiction == code or code in snapshot.ancestors(u.jurisdiction)
        ]
        findings = self.filtered(CheckFilters(street=code))
        worst = self.report.worst(findings)
        load = self.street_load(snapshot).get(code)
        return StreetView(
            code=code,
            name=self.street_name(code),
            as_of=self.report.as_of.isoformat(),
            summary=page.t(
                "page.check.street.summary",
                findings=len(findings),
                worst=page.severity(worst.value) if worst else "—",
                load=ratio(load) if load is not None else "—",
                duties=whole(len(duties), self.lang),
            ),
            duties=[
                DutyRowView(
                    link=Link(
                        list_row_href(e.list_id, e.version, e.seq),
                        f"{e.list_id} v{e.version} #{e.seq}",
                    ),
                    matter=page.matter(e.duty.matter)
                    if e.duty.matter in self.report.matters
                    else _matter_text(snapshot.matters, e.duty.matter),
                    unit=_unit_text(snapshot.units, e.duty.unit),
                    role=page.term(e.duty.role.value, "role"),
                    area=_area_text(snapshot, e.duty.area),
                    when=_when(snapshot, e.duty.matter, e.duty.conditions, self.lang),
                    time_limit=e.duty.time_limit.text if e.duty.time_limit else "",
                )
                for e in duties
            ],
            load=self.load(units),
            findings=[self.finding(f, code) for f in findings],
        )


MAP_STEPS: tuple[tuple[float, str], ...] = (
    (0, "#eef1f4"),
    (1, "#fde0b0"),
    (4, "#f5a55a"),
    (8, "#d9531e"),
    (12, "#8f1d10"),
)
"""Findings in a street (at least) → its colour on the map."""

LOAD_STEPS: tuple[tuple[float, str], ...] = (
    (0.0, "#e3eef8"),
    (0.5, "#9cc3e6"),
    (0.8, "#f5a55a"),
    (1.0, "#8f1d10"),
)
"""A street's load index as a share of the overload threshold (at least) → its colour."""


def step_colour(steps: Sequence[tuple[float, str]], value: float) -> str:
    colour = steps[0][1]
    for low, step in steps:
        if value >= low:
            colour = step
    return colour


PALETTE = ("#0b5cad", "#b3261e", "#1f6b36", "#7a3ea1", "#a35200", "#00687a", "#5b5b00")
"""Edge colours by matter: dark enough for white around them, told apart by hue."""


def _distinct_rows(finding: Finding) -> list[DutyRef]:
    """The rows a finding cites, each once, in its order."""
    seen: set[tuple[str, int, int]] = set()
    rows = []
    for duty in finding.duties:
        key = (duty.list_id, duty.version, duty.row)
        if key not in seen:
            seen.add(key)
            rows.append(duty)
    return rows


def _matter_text(matters: Mapping[str, Matter], code: str) -> str:
    matter = matters.get(code)
    return f"{code} {matter.name}" if matter else code


def _unit_text(units: Mapping[str, Unit], code: str) -> str:
    unit = units.get(code)
    return unit.name if unit else code


def _area_text(snapshot: Snapshot, code: str) -> str:
    area = snapshot.areas.get(code)
    return area.name if area else code


def _when(snapshot: Snapshot, matter: str, condition: Condition, lang: Lang) -> str:
    if not condition:
        return ""
    known = snapshot.matters.get(matter)
    return condition_text(condition, known.attributes if known else None, lang)


__all__: Sequence[str] = (
    "CheckFilters",
    "CheckPages",
    "CheckView",
    "MatterGroups",
    "StreetView",
    "list_row_href",
    "ratio",
    "short_ids",
    "whole",
)
