"""The graph check's report as one self-contained HTML page (``remit check --format html``).

The page needs no network: CSS, script and drawings (SVG) are inline, fonts are the reader's own,
and a Content-Security-Policy forbids every fetch. It holds a summary, a matter × street heat map
of the findings, a drawing of the conflict clusters, the findings table (filtered by kind,
severity and text in the browser), the units' load and, for ``--against``, what the change
introduces and resolves.

The markup is in Jinja2 templates (``templates/check_report.html.j2`` and the section templates
it includes), the style and the script are package files (``static/check_report.css``,
``static/check_report.js``) put into the page as they are. This module only prepares what the
templates show: names for codes, numbers, the heat-map grid, the clusters' geometry, the
findings in order, as plain dataclasses. Every text comes from the report or from
:func:`remit.i18n.t`; the templates escape all of it (autoescape, and every ``{{ … }}`` is
escaped as :func:`html.escape` does, quotes included); the only markup not escaped is the
package's own style and script.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from html import escape
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from remit.checks.report import CheckReport, ClusterPair, ConflictCluster
from remit.findings import KIND_ORDER, Finding, LoadIndex, Severity
from remit.i18n import Lang, has, t
from remit.present.check_text import Labels

HEATMAP_MAX_ROWS = 40
HEATMAP_MAX_COLUMNS = 40
CLUSTERS_MAX = 30
CLUSTER_MAX_NODES = 40
AREAS_SHOWN = 5
UNITS_SHOWN = 6
DUTIES_SHOWN = 5
TITLE_NAMES_MAX = 100

SEVERITY_ORDER: tuple[Severity, ...] = (Severity.error, Severity.warning, Severity.info)

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def render_html(report: CheckReport, lang: Lang) -> str:
    """The report as a complete HTML5 document in ``lang``."""
    view = _report_view(ReportPage(report, lang))
    return environment().get_template("check_report.html.j2").render(page=view)


# --------------------------------------------------------------------------- templates and files


def _escaped(value: object) -> object:
    """Every ``{{ … }}`` of the templates: escaped as :func:`html.escape` does (``&#x27;``,
    ``&quot;``), unless it is markup already (a macro's output, the package's style and
    script)."""
    if hasattr(value, "__html__"):
        return value
    return Markup(escape(str(value), quote=True))


@cache
def environment() -> Environment:
    """The Jinja2 environment of every page remit renders (the check report, the 推诿 report):
    the package's templates, everything escaped, an undefined name an error."""
    return Environment(
        loader=PackageLoader("remit.present", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_escaped,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _static(name: str, closing: str) -> Markup:
    """A file of ``static/``, to be put into the page as it is: inside ``<style>`` or
    ``<script>``, where nothing is unescaped, so it must not hold its element's end tag."""
    text = files("remit.present").joinpath("static", name).read_text(encoding="utf-8")
    if closing in text.lower():
        raise ValueError(f"static/{name} must not contain {closing!r}")
    return Markup(text)


# --------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class ReportPage(Labels):
    """The report's labels (as the text report names things), with what the page adds: row
    anchors, translated terms and numbers."""

    row_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for n, finding in enumerate(sorted_findings(self.report.findings), start=1):
            self.row_ids.setdefault(finding.id, f"finding-{n}")

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    def term(self, value: str, *prefixes: str) -> str:
        """``prefix.value`` translated for the first prefix that has such a message, else the
        value itself."""
        for prefix in prefixes:
            key = f"{prefix}.{value}"
            if has(key):
                return self.t(key)
        return value.replace("_", " ")

    def matter(self, code: str | None) -> str:
        """The matter's name alone (the page shows its code beside it)."""
        return self.matter_name(code) or (code or "")

    def street_of(self, code: str) -> str:
        return street_of(self.report, code)

    def join(self, items: Iterable[str]) -> str:
        return self.sep.join(items)

    def number(self, value: float, digits: int = 0) -> str:
        return f"{value:,.{digits}f}"

    def around(self, key: str, slot: str, **params: object) -> tuple[str, str]:
        """The message ``key`` cut where the parameter ``slot`` goes: the text before and after
        it (the template puts markup of its own there)."""
        marker = "\x00"
        before, _, after = self.t(key, **{slot: marker}, **params).partition(marker)
        return before, after


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    kind_rank = {kind: n for n, kind in enumerate(KIND_ORDER)}
    return sorted(
        findings,
        key=lambda f: (-f.severity.rank, kind_rank[f.kind], f.matter or "", f.id),
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- what the page shows


@dataclass(frozen=True)
class Names:
    """Names cut short: the first few, then "+N more" with the full list (to a point) as its
    tooltip."""

    shown: str
    more: str | None = None
    tooltip: str = ""


@dataclass(frozen=True)
class Term:
    """A label and its value (``<dt>``/``<dd>``)."""

    label: str
    value: str


@dataclass(frozen=True)
class Column:
    """A table's column: its name (the cells' class ``col-<name>``) and heading."""

    name: str
    heading: str


@dataclass(frozen=True)
class Link:
    target: str
    label: str


@dataclass(frozen=True)
class Header:
    title: str
    as_of_label: str
    as_of: str
    snapshot_label: str
    snapshot_hash: str
    snapshot_short: str
    subject_label: str
    subject: str
    filters_label: str
    filters: list[str]


@dataclass(frozen=True)
class Card:
    """A summary card; clicking it filters the findings table by kind or severity."""

    label: str
    count: str
    classes: str
    filter_kind: str | None = None
    filter_severity: str | None = None


@dataclass(frozen=True)
class Summary:
    title: str
    cards: list[Card]
    by_kind_title: str
    kind_cards: list[Card]
    checked_title: str
    checked: list[Term]


@dataclass(frozen=True)
class FindingLine:
    """A finding in one line: severity, kind and matter (a link to its row when it has one),
    then areas, cells and message."""

    severity: str
    severity_label: str
    kind_label: str
    matter: str | None
    target: str | None
    areas: Names | None
    details: list[str]


@dataclass(frozen=True)
class FindingList:
    title: str
    kind: str  # "introduced", "narrowed", "resolved": the classes of the heading and the list
    lines: list[FindingLine]
    none: str | None  # what to say when there are no lines (None: leave the list out)


@dataclass(frozen=True)
class ComparisonView:
    title: str
    baseline_label: str
    baseline: str
    baseline_hash_label: str
    baseline_hash: str
    baseline_hash_short: str
    lists: list[FindingList]


@dataclass(frozen=True)
class HeatColumn:
    title: str
    label: str


@dataclass(frozen=True)
class HeatCell:
    """A cell of the heat map; ``count`` None is an empty cell."""

    count: int | None = None
    style: str = ""
    title: str = ""


@dataclass(frozen=True)
class HeatRow:
    code: str
    name: str
    title: str
    cells: list[HeatCell]


@dataclass(frozen=True)
class Swatch:
    style: str
    value: int


@dataclass(frozen=True)
class Heatmap:
    """The heat map; with ``empty`` (nothing to place) only the title and notes."""

    title: str
    notes: list[str]
    empty: str | None = None
    capped: str | None = None
    corner: str = ""
    columns: list[HeatColumn] = field(default_factory=list)
    rows: list[HeatRow] = field(default_factory=list)
    legend: str = ""
    swatches: list[Swatch] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    """A link of two units in a drawing (SVG user units): the line, its width, and where the
    number of their shared cells goes."""

    title: str
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    label_x: float
    label_y: float
    cells: int


@dataclass(frozen=True)
class Node:
    """A unit in a drawing: a dot of radius ``r`` at ``x``, ``y``, its (shortened) name at
    ``label_x``, ``label_y``, anchored so it reads away from the circle."""

    kind: str
    title: str
    x: float
    y: float
    r: float
    label_x: float
    label_y: float
    anchor: str
    label: str


@dataclass(frozen=True)
class Cluster:
    """A conflict cluster: its caption, notes and drawing (``width`` × ``height``)."""

    title: str
    matters: str
    capped: str | None
    width: float
    height: float
    edges: list[Edge]
    nodes: list[Node]


@dataclass(frozen=True)
class Clusters:
    """The clusters' drawings; with ``empty`` (no cluster) only the title."""

    title: str
    empty: str | None = None
    note: str = ""
    capped: str | None = None
    clusters: list[Cluster] = field(default_factory=list)


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Duty:
    text: str
    title: str


@dataclass(frozen=True)
class FindingRow:
    """A row of the findings table; ``id`` is the row's anchor, ``finding_id`` the finding's."""

    id: str
    introduced: bool
    kind: str
    severity: str
    finding_id: str
    severity_label: str
    new_label: str
    kind_label: str
    matter: str | None
    matter_name: str
    areas: Names | None
    region: str
    cells: str
    units: Names | None
    duties: list[Duty]
    duties_more: str | None
    message: str


@dataclass(frozen=True)
class Findings:
    """The findings table with its filters; with ``empty`` (no findings) only the title."""

    title: str
    empty: str | None
    kind_label: str
    severity_label: str
    all_label: str
    kinds: list[Option]
    severities: list[Option]
    search_label: str
    search_hint: str
    introduced_label: str | None  # the "only introduced" box, when the report is a comparison
    reset_label: str
    shown_before: str
    shown: int
    shown_after: str
    columns: list[Column]
    rows: list[FindingRow]
    no_match: str


@dataclass(frozen=True)
class LoadRow:
    overloaded: bool
    unit: str
    unit_name: str
    level: str
    staff: str
    capacity: str
    workload: str
    events: str
    index: str
    width: float
    threshold: float
    overloaded_label: str


@dataclass(frozen=True)
class Load:
    """The load table; with ``empty`` (no load figures) only the title and notes."""

    title: str
    notes: list[str]
    empty: str | None = None
    columns: list[Column] = field(default_factory=list)
    rows: list[LoadRow] = field(default_factory=list)


@dataclass(frozen=True)
class ReportView:
    """Everything the page template shows."""

    lang: str
    title: str
    csp: str
    css: Markup
    script: Markup
    header: Header
    nav: list[Link]
    summary: Summary
    comparison: ComparisonView | None
    heatmap: Heatmap
    clusters: Clusters
    findings: Findings
    load: Load
    footer: str


def _report_view(page: ReportPage) -> ReportView:
    return ReportView(
        lang="zh-CN" if page.lang == "zh" else "en",
        title=f"{page.t('html.title')} · {page.report.as_of.isoformat()}",
        csp=_CSP,
        css=_static("check_report.css", "</style"),
        script=_static("check_report.js", "</script"),
        header=_header(page),
        nav=_nav(page),
        summary=summary_cards(page),
        comparison=_comparison(page),
        heatmap=_heatmap(page),
        clusters=_clusters(page),
        findings=_findings(page),
        load=_load(page),
        footer=page.t("html.footer", version=page.report.schema_version),
    )


def short_names(page: ReportPage, names: Sequence[str], limit: int) -> Names | None:
    """Up to ``limit`` names, then "+N more"; the full list (to a point) in the tooltip."""
    if not names:
        return None
    shown = page.join(names[:limit])
    rest = len(names) - limit
    if rest <= 0:
        return Names(shown)
    tooltip = page.join(names[:TITLE_NAMES_MAX])
    if len(names) > TITLE_NAMES_MAX:
        tooltip += " …"
    return Names(shown, page.t("html.more", count=rest), tooltip)


# --------------------------------------------------------------------------- header, nav


def _header(page: ReportPage) -> Header:
    report = page.report
    return Header(
        title=page.t("html.title"),
        as_of_label=page.t("html.as_of"),
        as_of=report.as_of.isoformat(),
        snapshot_label=page.t("html.snapshot"),
        snapshot_hash=report.snapshot_hash,
        snapshot_short=report.snapshot_hash[:12],
        subject_label=page.t("html.subject"),
        subject=report.subject,
        filters_label=page.t("html.filters"),
        filters=[
            f"{page.term(name, 'html.filter_name')}: {_filter_value(page, name, value)}"
            for name, value in report.filters.items()
        ],
    )


def _filter_value(page: ReportPage, name: str, value: str) -> str:
    """A filter's value, named when it is an area or matter code of the report."""
    label = {"area": page.area, "matter": page.matter}.get(name, str)(value)
    return value if label == value else f"{label} ({value})"


def _nav(page: ReportPage) -> list[Link]:
    links = [("summary", "html.summary")]
    if page.report.comparison is not None:
        links.append(("comparison", "html.comparison.short"))
    links += [
        ("heatmap", "html.heatmap"),
        ("clusters", "html.clusters"),
        ("findings", "html.findings"),
        ("load", "html.load"),
    ]
    return [Link(target, page.t(key)) for target, key in links]


# --------------------------------------------------------------------------- summary


def summary_cards(page: ReportPage) -> Summary:
    report = page.report
    by_kind = Counter(f.kind.value for f in report.findings)
    by_severity = Counter(f.severity.value for f in report.findings)
    kind_counts = {k.value: report.counts.get(k.value, by_kind[k.value]) for k in KIND_ORDER}
    severity_counts = {
        s.value: report.severities.get(s.value, by_severity[s.value]) for s in SEVERITY_ORDER
    }
    total = sum(kind_counts.values())
    cards = [Card(page.t("html.total"), f"{total:,}", "card total", filter_kind="")]
    cards += [
        Card(
            page.severity(s),
            f"{n:,}",
            f"card sev-{s}" + ("" if n else " zero"),
            filter_severity=s,
        )
        for s, n in severity_counts.items()
    ]
    kind_cards = [
        Card(page.kind(k), f"{n:,}", "card kind" + ("" if n else " zero"), filter_kind=k)
        for k, n in kind_counts.items()
    ]
    checked = [
        Term(page.term(name, "html.checked"), page.number(n)) for name, n in report.checked.items()
    ]
    checked.append(Term(page.t("html.clusters_count"), page.number(len(report.clusters))))
    return Summary(
        title=page.t("html.summary"),
        cards=cards,
        by_kind_title=page.t("html.by_kind"),
        kind_cards=kind_cards,
        checked_title=page.t("html.checked"),
        checked=checked,
    )


# --------------------------------------------------------------------------- comparison


def _comparison(page: ReportPage) -> ComparisonView | None:
    comparison = page.report.comparison
    if comparison is None:
        return None
    by_id = {f.id: f for f in page.report.findings}
    introduced = [by_id[i] for i in comparison.introduced if i in by_id]
    smaller = [by_id[i] for i in comparison.narrowed if i in by_id]
    resolved = sorted_findings(comparison.resolved)
    lists = [
        FindingList(
            page.t("html.comparison.introduced", count=len(introduced)),
            "introduced",
            [_finding_line(page, f, page.row_ids[f.id]) for f in sorted_findings(introduced)],
            page.t("html.comparison.none_introduced"),
        )
    ]
    if smaller:
        lists.append(
            FindingList(
                page.t("html.comparison.narrowed", count=len(smaller)),
                "narrowed",
                [_finding_line(page, f, page.row_ids[f.id]) for f in sorted_findings(smaller)],
                None,
            )
        )
    lists.append(
        FindingList(
            page.t("html.comparison.resolved", count=len(resolved)),
            "resolved",
            [_finding_line(page, f) for f in resolved],
            page.t("html.comparison.none_resolved"),
        )
    )
    return ComparisonView(
        title=page.t("html.comparison", baseline=comparison.baseline),
        baseline_label=page.t("html.comparison.baseline"),
        baseline=comparison.baseline,
        baseline_hash_label=page.t("html.comparison.baseline_hash"),
        baseline_hash=comparison.baseline_hash,
        baseline_hash_short=comparison.baseline_hash[:12],
        lists=lists,
    )


def _finding_line(page: ReportPage, finding: Finding, target: str | None = None) -> FindingLine:
    details = []
    if finding.cells:
        details.append(page.t("html.cells_n", count=finding.cells))
    if finding.message:
        details.append(finding.message)
    return FindingLine(
        severity=finding.severity.value,
        severity_label=page.severity(finding.severity.value),
        kind_label=page.kind(finding.kind.value),
        matter=page.matter(finding.matter) if finding.matter is not None else None,
        target=target,
        areas=short_names(page, [page.area(a) for a in finding.areas], AREAS_SHOWN),
        details=details,
    )


# --------------------------------------------------------------------------- heat map


@dataclass
class HeatTally:
    """What falls in a cell of the heat map: findings, cells, kinds, the worst severity and the
    findings' ids."""

    findings: int = 0
    cells: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)
    worst: Severity | None = None
    ids: list[str] = field(default_factory=list)


def finding_streets(page: Labels, finding: Finding) -> Counter[str]:
    """The streets a finding lies in (its areas' streets, else its duties'), each with how many
    of the finding's areas lie there."""
    areas = finding.areas or sorted({d.area for d in finding.duties})
    return Counter(street_of(page.report, a) for a in areas)


def street_of(report: CheckReport, code: str) -> str:
    """The street (街道) an area of the report lies in; the area itself when it is in none."""
    label = report.areas.get(code)
    return label.street if label and label.street else code


def heat_grid(
    page: Labels, row_of: Callable[[str], str] | None = None
) -> tuple[dict[tuple[str, str], HeatTally], int]:
    """(row, street) → what falls there, the row a matter (or what ``row_of`` makes of the
    matter: its group); and how many findings have no place on the grid."""
    grid: dict[tuple[str, str], HeatTally] = defaultdict(HeatTally)
    unplaced = 0
    for finding in page.report.findings:
        per_column = finding_streets(page, finding)
        if finding.matter is None or not per_column:
            unplaced += 1
            continue
        row = row_of(finding.matter) if row_of else finding.matter
        for column, n_areas in per_column.items():
            cell = grid[(row, column)]
            cell.findings += 1
            if finding.areas:
                cell.cells += finding.cells * n_areas / len(finding.areas)
            cell.kinds[finding.kind.value] += 1
            cell.ids.append(finding.id)
            if cell.worst is None or finding.severity.rank > cell.worst.rank:
                cell.worst = finding.severity
    return grid, unplaced


def _busiest(totals: Counter[str], limit: int) -> list[str]:
    ranked = sorted(totals, key=lambda key: (-totals[key], key))
    return sorted(ranked[:limit])


def _heatmap(page: ReportPage) -> Heatmap:
    grid, unplaced = heat_grid(page)
    notes = [page.t("html.heatmap.note")]
    if unplaced:
        notes.append(page.t("html.heatmap.unplaced", count=unplaced))
    title = page.t("html.heatmap")
    if not grid:
        return Heatmap(title, notes, empty=page.t("html.heatmap.none"))

    row_totals: Counter[str] = Counter()
    column_totals: Counter[str] = Counter()
    for (matter, column), cell in grid.items():
        row_totals[matter] += cell.findings
        column_totals[column] += cell.findings
    rows = _busiest(row_totals, HEATMAP_MAX_ROWS)
    columns = _busiest(column_totals, HEATMAP_MAX_COLUMNS)
    capped = None
    if len(rows) < len(row_totals) or len(columns) < len(column_totals):
        capped = page.t(
            "html.heatmap.capped",
            rows=len(rows),
            total_rows=len(row_totals),
            cols=len(columns),
            total_cols=len(column_totals),
        )
    top = max(grid[(m, c)].findings for m in rows for c in columns if (m, c) in grid)
    return Heatmap(
        title=title,
        notes=notes,
        capped=capped,
        corner=page.t("html.col.matter"),
        columns=[HeatColumn(f"{page.area(c)} ({c})", _short(page.area(c), 12)) for c in columns],
        rows=[
            HeatRow(
                code=matter,
                name=page.matter(matter),
                title=f"{page.matter(matter)} ({matter})",
                cells=[
                    _heat_cell(page, matter, column, grid.get((matter, column)), top)
                    for column in columns
                ],
            )
            for matter in rows
        ],
        legend=page.t("html.heatmap.legend"),
        swatches=[
            Swatch(f"background:{_heat_colour(v, top)[0]}", v)
            for v in sorted({1, max(1, top // 2), top})
        ],
    )


def _heat_cell(
    page: ReportPage, matter: str, column: str, cell: HeatTally | None, top: int
) -> HeatCell:
    if cell is None:
        return HeatCell()
    background, colour = _heat_colour(cell.findings, top)
    kinds = page.join(f"{page.kind(k)} {n}" for k, n in sorted(cell.kinds.items()))
    tooltip = page.t(
        "html.heatmap.cell",
        matter=page.matter(matter),
        area=page.area(column),
        count=cell.findings,
        cells=round(cell.cells),
        kinds=kinds,
    )
    return HeatCell(cell.findings, f"background:{background};color:{colour}", tooltip)


_HEAT_STOPS = ((255, 237, 204), (253, 141, 60), (150, 30, 20))


def _heat_colour(value: int, top: int) -> tuple[str, str]:
    """Background and text colour of a heat-map cell holding ``value`` of at most ``top``."""
    x = 0.2 + 0.8 * (value / top if top else 1.0)
    low, high, span = (0, 1, x / 0.5) if x <= 0.5 else (1, 2, (x - 0.5) / 0.5)
    a, b = _HEAT_STOPS[low], _HEAT_STOPS[high]
    rgb = (round(a[i] + (b[i] - a[i]) * span) for i in range(3))
    return "#{:02x}{:02x}{:02x}".format(*rgb), "#fff" if x > 0.6 else "#222"


# --------------------------------------------------------------------------- conflict clusters


def _clusters(page: ReportPage) -> Clusters:
    clusters = sorted(page.report.clusters, key=lambda c: (-c.cells, -len(c.units), c.units))
    title = page.t("html.clusters")
    if not clusters:
        return Clusters(title, empty=page.t("html.clusters.none"))
    capped = None
    if len(clusters) > CLUSTERS_MAX:
        capped = page.t("html.clusters.capped", shown=CLUSTERS_MAX, total=len(clusters))
    return Clusters(
        title=title,
        note=page.t("html.clusters.note"),
        capped=capped,
        clusters=[_cluster(page, n, c) for n, c in enumerate(clusters[:CLUSTERS_MAX], start=1)],
    )


def unit_cells(cluster: ConflictCluster) -> Counter[str]:
    cells: Counter[str] = Counter({u: 0 for u in cluster.units})
    for pair in cluster.pairs:
        for unit in pair.units:
            cells[unit] += pair.cells
    return cells


def _cluster_units(cluster: ConflictCluster) -> list[str]:
    """The units to draw, in their order round the circle: the most involved first (so the
    units many others contend with sit together and their links fan out), at most
    ``CLUSTER_MAX_NODES``."""
    cells = unit_cells(cluster)
    degree: Counter[str] = Counter()
    for pair in cluster.pairs:
        degree.update(pair.units)
    ranked = sorted(cluster.units, key=lambda u: (-degree[u], -cells[u], u))
    return ranked[:CLUSTER_MAX_NODES]


def _circle_layout(
    units: Sequence[str], radius: float, cx: float, cy: float
) -> dict[str, tuple[float, float]]:
    """Units evenly on a circle, the first at the top, going clockwise."""
    n = len(units)
    return {
        unit: (
            cx + radius * math.cos(2 * math.pi * i / n - math.pi / 2),
            cy + radius * math.sin(2 * math.pi * i / n - math.pi / 2),
        )
        for i, unit in enumerate(units)
    }


_UNIT_KIND_CLASS = {"line", "block", "platform", "owner", "community"}


def _cluster(page: ReportPage, n: int, cluster: ConflictCluster) -> Cluster:
    """A cluster drawn as its units on a circle, linked where they share cells."""
    matters = page.join(f"{page.matter(m)} ({m})" for m in cluster.matters)
    units = _cluster_units(cluster)
    capped = None
    if len(units) < len(cluster.units):
        capped = page.t("html.cluster.capped", shown=len(units), total=len(cluster.units))
    radius = max(60.0, min(230.0, 18.0 * len(units)))
    margin_x, margin_y = 150.0, 40.0
    width, height = 2 * (radius + margin_x), 2 * (radius + margin_y)
    cx, cy = width / 2, height / 2
    at = _circle_layout(units, radius, cx, cy)
    pairs = [p for p in cluster.pairs if p.units[0] in at and p.units[1] in at]
    top = max((p.cells for p in pairs), default=1) or 1
    cells = unit_cells(cluster)
    unit_top = max((cells[u] for u in units), default=1) or 1
    return Cluster(
        title=page.t("html.cluster.title", n=n, units=len(cluster.units), cells=cluster.cells),
        matters=page.t("html.cluster.matters", matters=matters),
        capped=capped,
        width=width,
        height=height,
        edges=[_cluster_edge(page, pair, at, top) for pair in pairs],
        nodes=[_cluster_node(page, u, at[u], (cx, cy), cells[u], unit_top) for u in units],
    )


def _cluster_edge(
    page: ReportPage, pair: ClusterPair, at: dict[str, tuple[float, float]], top: int
) -> Edge:
    """A link of two units, as thick as their shared cells, the number nearer the less
    involved unit (``at`` lists the most involved first), away from the crowd at the hubs."""
    order = list(at)
    near, far = sorted(pair.units, key=order.index)
    (x1, y1), (x2, y2) = at[near], at[far]
    tooltip = page.t(
        "html.cluster.edge",
        a=page.unit(pair.units[0]),
        b=page.unit(pair.units[1]),
        cells=pair.cells,
        matters=page.join(page.matter(m) for m in pair.matters),
    )
    return Edge(
        title=tooltip,
        x1=x1,
        y1=y1,
        x2=x2,
        y2=y2,
        width=1.0 + 6.0 * pair.cells / top,
        label_x=x1 + 0.68 * (x2 - x1),
        label_y=y1 + 0.68 * (y2 - y1),
        cells=pair.cells,
    )


def _cluster_node(
    page: ReportPage,
    unit: str,
    xy: tuple[float, float],
    centre: tuple[float, float],
    cells: int,
    top: int,
) -> Node:
    """A unit: a dot sized by its overlapping cells, its name outside the circle."""
    (x, y), (cx, cy) = xy, centre
    label = page.report.units.get(unit)
    kind = label.kind if label and label.kind in _UNIT_KIND_CLASS else "other"
    name = page.unit(unit)
    anchor = "start" if x > cx + 1 else "end" if x < cx - 1 else "middle"
    r = 6.0 + 8.0 * cells / top
    dx = (r + 6) if anchor == "start" else -(r + 6) if anchor == "end" else 0
    dy = 0.0 if anchor != "middle" else -(r + 9) if y < cy else r + 9
    return Node(
        kind=kind,
        title=page.t("html.cluster.node", name=name, code=unit, cells=cells),
        x=x,
        y=y,
        r=r,
        label_x=x + dx,
        label_y=y + dy,
        anchor=anchor,
        label=_short(name, 14),
    )


# --------------------------------------------------------------------------- findings table


_FINDING_COLUMNS = (
    "severity",
    "kind",
    "matter",
    "areas",
    "region",
    "cells",
    "units",
    "duties",
    "message",
)


def _findings(page: ReportPage) -> Findings:
    findings = sorted_findings(page.report.findings)
    comparison = page.report.comparison
    introduced = set(comparison.introduced) if comparison else set()
    kinds = Counter(f.kind for f in findings)
    severities = Counter(f.severity for f in findings)
    before, after = page.around("html.shown", "shown", total=len(findings))
    return Findings(
        title=page.t("html.findings"),
        empty=None if findings else page.t("html.no_findings"),
        kind_label=page.t("html.filter.kind"),
        severity_label=page.t("html.filter.severity"),
        all_label=page.t("html.filter.all"),
        kinds=[
            Option(k.value, f"{page.kind(k.value)} ({kinds[k]})") for k in KIND_ORDER if kinds[k]
        ],
        severities=[
            Option(s.value, f"{page.severity(s.value)} ({severities[s]})")
            for s in SEVERITY_ORDER
            if severities[s]
        ],
        search_label=page.t("html.filter.search"),
        search_hint=page.t("html.filter.search_hint"),
        introduced_label=page.t("html.filter.introduced") if introduced else None,
        reset_label=page.t("html.filter.reset"),
        shown_before=before,
        shown=len(findings),
        shown_after=after,
        columns=[Column(c, page.t(f"html.col.{c}")) for c in _FINDING_COLUMNS],
        rows=[_finding_row(page, f, f.id in introduced) for f in findings],
        no_match=page.t("html.no_match"),
    )


def _finding_row(page: ReportPage, finding: Finding, introduced: bool) -> FindingRow:
    severity, kind = finding.severity.value, finding.kind.value
    rest = len(finding.duties) - DUTIES_SHOWN
    return FindingRow(
        id=page.row_ids[finding.id],
        introduced=introduced,
        kind=kind,
        severity=severity,
        finding_id=finding.id,
        severity_label=page.severity(severity),
        new_label=page.t("html.new"),
        kind_label=page.kind(kind),
        matter=finding.matter,
        matter_name=page.matter(finding.matter),
        areas=short_names(page, [page.area(a) for a in finding.areas], AREAS_SHOWN),
        region=finding.region_text or "",
        cells=page.number(finding.cells) if finding.cells else "",
        units=short_names(page, [page.unit(u) for u in finding.units], UNITS_SHOWN),
        duties=[
            Duty(
                f"{duty.list_id} v{duty.version} #{duty.row}",
                f"{page.unit(duty.unit)} · {page.term(duty.role, 'role')} · {page.area(duty.area)}",
            )
            for duty in finding.duties[:DUTIES_SHOWN]
        ],
        duties_more=page.t("html.more", count=rest) if rest > 0 else None,
        message=finding.message,
    )


# --------------------------------------------------------------------------- load


_LOAD_COLUMNS = ("unit", "level", "staff", "capacity", "workload", "events", "index")


def _load(page: ReportPage) -> Load:
    report = page.report
    source = page.term(report.volume_source, "html.volume")
    notes = [
        page.t("html.load.source", source=source),
        page.t(
            "html.load.note",
            hours=page.number(report.config.hours_per_staff_year),
            threshold=f"{report.config.overload_threshold:g}",
        ),
    ]
    title = page.t("html.load")
    if not report.load:
        return Load(title, notes, empty=page.t("html.load.none"))
    rows = sorted(report.load, key=lambda r: (-r.load_index, r.unit))
    top = max(max(r.load_index for r in rows), report.config.overload_threshold)
    return Load(
        title=title,
        notes=notes,
        columns=[Column(c, page.t(f"html.load.col.{c}")) for c in _LOAD_COLUMNS],
        rows=[_load_row(page, r, top) for r in rows],
    )


def _load_row(page: ReportPage, row: LoadIndex, top: float) -> LoadRow:
    return LoadRow(
        overloaded=row.overloaded,
        unit=row.unit,
        unit_name=page.unit(row.unit),
        level=page.term(row.level, "level", "check.level"),
        staff=page.number(row.staff),
        capacity=page.number(row.capacity_hours),
        workload=page.number(row.workload_hours),
        events=page.number(row.events_per_year),
        index=f"{row.load_index:.2f}",
        width=100.0 * min(row.load_index, top) / top if top > 0 else 0.0,
        threshold=100.0 * page.report.config.overload_threshold / top if top > 0 else 0.0,
        overloaded_label=page.t("html.overloaded"),
    )
