"""The graph check's report as one self-contained HTML page (``remit check --format html``).

The page needs no network: CSS, script and drawings (SVG) are inline, fonts are the reader's own,
and a Content-Security-Policy forbids every fetch. It holds a summary, a matter × street heat map
of the findings, a drawing of the conflict clusters, the findings table (filtered by kind,
severity and text in the browser), the units' load and, for ``--against``, what the change
introduces and resolves. Every text comes from the report or from :func:`remit.i18n.t` and is
escaped here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

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


def render_html(report: CheckReport, lang: Lang) -> str:
    """The report as a complete HTML5 document in ``lang``."""
    page = _Page(report, lang)
    body = [
        _header(page),
        "<main>",
        _nav(page),
        _summary(page),
        _comparison(page),
        _heatmap(page),
        _clusters(page),
        _findings(page),
        _load(page),
        "</main>",
        _footer(page),
        f"<script>{_SCRIPT}</script>",
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
            _head(page),
            "<body>",
            *(part for part in body if part),
            "</body>",
            "</html>",
            "",
        ]
    )


# --------------------------------------------------------------------------- labels and markup


@dataclass(frozen=True)
class _Page(Labels):
    """The report's labels (as the text report names things), with what the page adds: row
    anchors, translated terms and numbers."""

    row_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for n, finding in enumerate(_sorted_findings(self.report.findings), start=1):
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
        label = self.report.areas.get(code)
        return label.street if label and label.street else code

    def join(self, items: Iterable[str]) -> str:
        return self.sep.join(items)

    def number(self, value: float, digits: int = 0) -> str:
        return f"{value:,.{digits}f}"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _attrs(**attrs: object) -> str:
    """` name="value"` pairs, escaped; ``class_`` is ``class``, ``data_x`` is ``data-x``; None
    and False leave the attribute out, True writes it bare."""
    out = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{_e(value)}"')
    return "".join(out)


def _marked(page: _Page, key: str, markup: dict[str, str], **params: object) -> str:
    """A message, escaped, with the ``markup`` parameters put in as HTML."""
    tokens = {name: f"\x00{name}\x00" for name in markup}
    text = _e(page.t(key, **tokens, **params))
    for name, html in markup.items():
        text = text.replace(_e(tokens[name]), html)
    return text


def _truncated(page: _Page, names: Sequence[str], limit: int) -> str:
    """Up to ``limit`` names, then "+N more"; the full list (to a point) in the tooltip."""
    if not names:
        return ""
    shown = _e(page.join(names[:limit]))
    rest = len(names) - limit
    if rest <= 0:
        return shown
    tooltip = page.join(names[:TITLE_NAMES_MAX])
    if len(names) > TITLE_NAMES_MAX:
        tooltip += " …"
    more = page.t("html.more", count=rest)
    return f'{shown} <span class="more"{_attrs(title=tooltip)}>{_e(more)}</span>'


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(section_id: str, title: str, content: str) -> str:
    return f'<section id="{section_id}">\n<h2>{_e(title)}</h2>\n{content}\n</section>'


def _sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    kind_rank = {kind: n for n, kind in enumerate(KIND_ORDER)}
    return sorted(
        findings,
        key=lambda f: (-f.severity.rank, kind_rank[f.kind], f.matter or "", f.id),
    )


# --------------------------------------------------------------------------- head, header, nav


def _head(page: _Page) -> str:
    report = page.report
    title = f"{page.t('html.title')} · {report.as_of.isoformat()}"
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return "\n".join(
        [
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy"{_attrs(content=csp)}>',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="remit">',
            f"<title>{_e(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
        ]
    )


def _header(page: _Page) -> str:
    report = page.report
    facts = [
        (page.t("html.as_of"), _e(report.as_of.isoformat())),
        (
            page.t("html.snapshot"),
            f"<code{_attrs(title=report.snapshot_hash)}>{_e(report.snapshot_hash[:12])}</code>",
        ),
        (page.t("html.subject"), _e(report.subject)),
    ]
    if report.filters:
        chips = "".join(
            f'<span class="chip">{_e(page.term(name, "html.filter_name"))}: '
            f"{_e(_filter_value(page, name, value))}</span>"
            for name, value in report.filters.items()
        )
        facts.append((page.t("html.filters"), chips))
    items = "".join(f"<div><dt>{_e(label)}</dt><dd>{value}</dd></div>" for label, value in facts)
    return (
        f'<header>\n<h1>{_e(page.t("html.title"))}</h1>\n<dl class="facts">{items}</dl>\n</header>'
    )


def _filter_value(page: _Page, name: str, value: str) -> str:
    """A filter's value, named when it is an area or matter code of the report."""
    label = {"area": page.area, "matter": page.matter}.get(name, str)(value)
    return value if label == value else f"{label} ({value})"


def _nav(page: _Page) -> str:
    links = [("summary", "html.summary")]
    if page.report.comparison is not None:
        links.append(("comparison", "html.comparison.short"))
    links += [
        ("heatmap", "html.heatmap"),
        ("clusters", "html.clusters"),
        ("findings", "html.findings"),
        ("load", "html.load"),
    ]
    items = "".join(f'<a href="#{target}">{_e(page.t(key))}</a>' for target, key in links)
    return f"<nav>{items}</nav>"


def _footer(page: _Page) -> str:
    text = page.t("html.footer", version=page.report.schema_version)
    return f"<footer>{_e(text)}</footer>"


# --------------------------------------------------------------------------- summary


def _summary(page: _Page) -> str:
    report = page.report
    by_kind = Counter(f.kind.value for f in report.findings)
    by_severity = Counter(f.severity.value for f in report.findings)
    kind_counts = {k.value: report.counts.get(k.value, by_kind[k.value]) for k in KIND_ORDER}
    severity_counts = {
        s.value: report.severities.get(s.value, by_severity[s.value]) for s in SEVERITY_ORDER
    }
    total = sum(kind_counts.values())

    severity_cards = "".join(
        _card(
            page.severity(s),
            n,
            class_=f"card sev-{s}" + ("" if n else " zero"),
            data_filter_severity=s,
        )
        for s, n in severity_counts.items()
    )
    kind_cards = "".join(
        _card(
            page.kind(k),
            n,
            class_="card kind" + ("" if n else " zero"),
            data_filter_kind=k,
        )
        for k, n in kind_counts.items()
    )
    checked = "".join(
        f"<div><dt>{_e(page.term(name, 'html.checked'))}</dt><dd>{_e(page.number(n))}</dd></div>"
        for name, n in report.checked.items()
    )
    checked += (
        f"<div><dt>{_e(page.t('html.clusters_count'))}</dt>"
        f"<dd>{_e(page.number(len(report.clusters)))}</dd></div>"
    )
    content = "\n".join(
        [
            '<div class="cards">',
            _card(page.t("html.total"), total, class_="card total", data_filter_kind=""),
            severity_cards,
            "</div>",
            f"<h3>{_e(page.t('html.by_kind'))}</h3>",
            f'<div class="cards">{kind_cards}</div>',
            f"<h3>{_e(page.t('html.checked'))}</h3>",
            f'<dl class="facts checked">{checked}</dl>',
        ]
    )
    return _section("summary", page.t("html.summary"), content)


def _card(label: str, count: int, **attrs: object) -> str:
    return (
        f'<button type="button"{_attrs(**attrs)}>'
        f'<span class="n">{count:,}</span><span class="label">{_e(label)}</span></button>'
    )


# --------------------------------------------------------------------------- comparison


def _comparison(page: _Page) -> str:
    comparison = page.report.comparison
    if comparison is None:
        return ""
    by_id = {f.id: f for f in page.report.findings}
    facts = (
        f'<dl class="facts"><div><dt>{_e(page.t("html.comparison.baseline"))}</dt>'
        f"<dd>{_e(comparison.baseline)}</dd></div>"
        f"<div><dt>{_e(page.t('html.comparison.baseline_hash'))}</dt>"
        f"<dd><code{_attrs(title=comparison.baseline_hash)}>"
        f"{_e(comparison.baseline_hash[:12])}</code></dd></div></dl>"
    )
    introduced = [by_id[i] for i in comparison.introduced if i in by_id]
    parts = [
        facts,
        f'<h3 class="introduced-title">'
        f"{_e(page.t('html.comparison.introduced', count=len(introduced)))}</h3>",
    ]
    if introduced:
        items = "".join(
            f"<li>{_finding_line(page, f, page.row_ids[f.id])}</li>"
            for f in _sorted_findings(introduced)
        )
        parts.append(f'<ul class="introduced-list">{items}</ul>')
    else:
        parts.append(f"<p>{_e(page.t('html.comparison.none_introduced'))}</p>")
    smaller = [by_id[i] for i in comparison.narrowed if i in by_id]
    if smaller:
        parts.append(
            f'<h3 class="narrowed-title">'
            f"{_e(page.t('html.comparison.narrowed', count=len(smaller)))}</h3>"
        )
        items = "".join(
            f"<li>{_finding_line(page, f, page.row_ids[f.id])}</li>"
            for f in _sorted_findings(smaller)
        )
        parts.append(f'<ul class="narrowed-list">{items}</ul>')
    resolved = _sorted_findings(comparison.resolved)
    parts.append(
        f'<h3 class="resolved-title">'
        f"{_e(page.t('html.comparison.resolved', count=len(resolved)))}</h3>"
    )
    if resolved:
        items = "".join(f"<li>{_finding_line(page, f)}</li>" for f in resolved)
        parts.append(f'<ul class="resolved-list">{items}</ul>')
    else:
        parts.append(f"<p>{_e(page.t('html.comparison.none_resolved'))}</p>")
    title = page.t("html.comparison", baseline=comparison.baseline)
    return _section("comparison", title, "\n".join(parts))


def _finding_line(page: _Page, finding: Finding, target: str | None = None) -> str:
    """One finding in a line: severity, kind and matter (a link to ``target`` when given),
    then areas, cells and message."""
    title = _e(page.kind(finding.kind.value))
    if finding.matter is not None:
        title += f" <strong>{_e(page.matter(finding.matter))}</strong>"
    if target is not None:
        title = f'<a href="#{target}">{title}</a>'
    details = [_truncated(page, [page.area(a) for a in finding.areas], AREAS_SHOWN)]
    if finding.cells:
        details.append(_e(page.t("html.cells_n", count=finding.cells)))
    details.append(_e(finding.message))
    badge = (
        f'<span class="badge sev-{finding.severity.value}">'
        f"{_e(page.severity(finding.severity.value))}</span>"
    )
    rest = " · ".join(d for d in details if d)
    return f"{badge} {title}" + (f' <span class="detail">— {rest}</span>' if rest else "")


# --------------------------------------------------------------------------- heat map


@dataclass
class _HeatCell:
    findings: int = 0
    cells: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)


def _heat_grid(page: _Page) -> tuple[dict[tuple[str, str], _HeatCell], int]:
    """(matter, column) → what falls there; and how many findings have no place on the grid."""
    grid: dict[tuple[str, str], _HeatCell] = defaultdict(_HeatCell)
    unplaced = 0
    for finding in page.report.findings:
        areas = finding.areas or sorted({d.area for d in finding.duties})
        if finding.matter is None or not areas:
            unplaced += 1
            continue
        per_column = Counter(page.street_of(a) for a in areas)
        for column, n_areas in per_column.items():
            cell = grid[(finding.matter, column)]
            cell.findings += 1
            if finding.areas:
                cell.cells += finding.cells * n_areas / len(finding.areas)
            cell.kinds[finding.kind.value] += 1
    return grid, unplaced


def _busiest(totals: Counter[str], limit: int) -> list[str]:
    ranked = sorted(totals, key=lambda key: (-totals[key], key))
    return sorted(ranked[:limit])


def _heatmap(page: _Page) -> str:
    grid, unplaced = _heat_grid(page)
    notes = [f'<p class="note">{_e(page.t("html.heatmap.note"))}</p>']
    if unplaced:
        notes.append(f'<p class="note">{_e(page.t("html.heatmap.unplaced", count=unplaced))}</p>')
    if not grid:
        notes.append(f'<p class="empty">{_e(page.t("html.heatmap.none"))}</p>')
        return _section("heatmap", page.t("html.heatmap"), "\n".join(notes))

    row_totals: Counter[str] = Counter()
    column_totals: Counter[str] = Counter()
    for (matter, column), cell in grid.items():
        row_totals[matter] += cell.findings
        column_totals[column] += cell.findings
    rows = _busiest(row_totals, HEATMAP_MAX_ROWS)
    columns = _busiest(column_totals, HEATMAP_MAX_COLUMNS)
    if len(rows) < len(row_totals) or len(columns) < len(column_totals):
        notes.append(
            '<p class="note capped">'
            + _e(
                page.t(
                    "html.heatmap.capped",
                    rows=len(rows),
                    total_rows=len(row_totals),
                    cols=len(columns),
                    total_cols=len(column_totals),
                )
            )
            + "</p>"
        )
    top = max(grid[(m, c)].findings for m in rows for c in columns if (m, c) in grid)

    head = "".join(
        f'<th scope="col"{_attrs(title=f"{page.area(c)} ({c})")}>'
        f'<span class="vertical">{_e(_short(page.area(c), 12))}</span></th>'
        for c in columns
    )
    body = []
    for matter in rows:
        name = page.matter(matter)
        cells = "".join(
            _heat_td(page, matter, column, grid.get((matter, column)), top) for column in columns
        )
        body.append(
            f'<tr><th scope="row"{_attrs(title=f"{name} ({matter})")}>'
            f'<span class="code">{_e(matter)}</span> {_e(name)}</th>{cells}</tr>'
        )
    legend = _heat_legend(page, top)
    table = (
        f'<div class="scroll"><table class="heat">'
        f'<thead><tr><th class="corner">{_e(page.t("html.col.matter"))}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    return _section("heatmap", page.t("html.heatmap"), "\n".join([*notes, table, legend]))


def _heat_td(page: _Page, matter: str, column: str, cell: _HeatCell | None, top: int) -> str:
    if cell is None:
        return '<td class="nil"></td>'
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
    style = f"background:{background};color:{colour}"
    return f"<td{_attrs(style=style, title=tooltip, data_value=cell.findings)}>{cell.findings}</td>"


_HEAT_STOPS = ((255, 237, 204), (253, 141, 60), (150, 30, 20))


def _heat_colour(value: int, top: int) -> tuple[str, str]:
    """Background and text colour of a heat-map cell holding ``value`` of at most ``top``."""
    x = 0.2 + 0.8 * (value / top if top else 1.0)
    low, high, span = (0, 1, x / 0.5) if x <= 0.5 else (1, 2, (x - 0.5) / 0.5)
    a, b = _HEAT_STOPS[low], _HEAT_STOPS[high]
    rgb = (round(a[i] + (b[i] - a[i]) * span) for i in range(3))
    return "#{:02x}{:02x}{:02x}".format(*rgb), "#fff" if x > 0.6 else "#222"


def _heat_legend(page: _Page, top: int) -> str:
    steps = sorted({1, max(1, top // 2), top})
    swatches = "".join(
        f'<span class="swatch"{_attrs(style=f"background:{_heat_colour(v, top)[0]}")}></span>'
        f'<span class="swatch-label">{v}</span>'
        for v in steps
    )
    return f'<p class="legend">{_e(page.t("html.heatmap.legend"))} {swatches}</p>'


# --------------------------------------------------------------------------- conflict clusters


def _clusters(page: _Page) -> str:
    clusters = sorted(page.report.clusters, key=lambda c: (-c.cells, -len(c.units), c.units))
    if not clusters:
        return _section(
            "clusters",
            page.t("html.clusters"),
            f'<p class="empty">{_e(page.t("html.clusters.none"))}</p>',
        )
    parts = [f'<p class="note">{_e(page.t("html.clusters.note"))}</p>']
    if len(clusters) > CLUSTERS_MAX:
        parts.append(
            f'<p class="note capped">'
            f"{_e(page.t('html.clusters.capped', shown=CLUSTERS_MAX, total=len(clusters)))}</p>"
        )
    parts += [_cluster(page, n, c) for n, c in enumerate(clusters[:CLUSTERS_MAX], start=1)]
    return _section("clusters", page.t("html.clusters"), "\n".join(parts))


def _cluster(page: _Page, n: int, cluster: ConflictCluster) -> str:
    title = page.t("html.cluster.title", n=n, units=len(cluster.units), cells=cluster.cells)
    matters = page.join(f"{page.matter(m)} ({m})" for m in cluster.matters)
    notes = [f'<p class="note">{_e(page.t("html.cluster.matters", matters=matters))}</p>']
    units = _cluster_units(cluster)
    if len(units) < len(cluster.units):
        notes.append(
            f'<p class="note capped">'
            f"{_e(page.t('html.cluster.capped', shown=len(units), total=len(cluster.units)))}</p>"
        )
    svg = _cluster_svg(page, n, cluster, units)
    caption = f"<figcaption>{_e(title)}</figcaption>"
    return f'<figure class="cluster">{caption}{"".join(notes)}{svg}</figure>'


def _unit_cells(cluster: ConflictCluster) -> Counter[str]:
    cells: Counter[str] = Counter({u: 0 for u in cluster.units})
    for pair in cluster.pairs:
        for unit in pair.units:
            cells[unit] += pair.cells
    return cells


def _cluster_units(cluster: ConflictCluster) -> list[str]:
    """The units to draw, in their order round the circle: the most involved first (so the
    units many others contend with sit together and their links fan out), at most
    ``CLUSTER_MAX_NODES``."""
    cells = _unit_cells(cluster)
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


def _cluster_svg(page: _Page, n: int, cluster: ConflictCluster, units: list[str]) -> str:
    radius = max(60.0, min(230.0, 18.0 * len(units)))
    margin_x, margin_y = 150.0, 40.0
    width, height = 2 * (radius + margin_x), 2 * (radius + margin_y)
    cx, cy = width / 2, height / 2
    at = _circle_layout(units, radius, cx, cy)
    pairs = [p for p in cluster.pairs if p.units[0] in at and p.units[1] in at]
    top = max((p.cells for p in pairs), default=1) or 1
    edges = "".join(_cluster_edge(page, pair, at, top) for pair in pairs)
    cells = _unit_cells(cluster)
    unit_top = max((cells[u] for u in units), default=1) or 1
    nodes = "".join(_cluster_node(page, u, at[u], (cx, cy), cells[u], unit_top) for u in units)
    label = page.t("html.cluster.title", n=n, units=len(cluster.units), cells=cluster.cells)
    box = _attrs(viewBox=f"0 0 {width:.0f} {height:.0f}", width=f"{width:.0f}", aria_label=label)
    return (
        f'<svg class="graph" role="img"{box}>'
        f'<g class="edges">{edges}</g><g class="nodes">{nodes}</g></svg>'
    )


def _cluster_edge(
    page: _Page, pair: ClusterPair, at: dict[str, tuple[float, float]], top: int
) -> str:
    """A link of two units, as thick as their shared cells, the number nearer the less
    involved unit (``at`` lists the most involved first), away from the crowd at the hubs."""
    order = list(at)
    near, far = sorted(pair.units, key=order.index)
    (x1, y1), (x2, y2) = at[near], at[far]
    width = 1.0 + 6.0 * pair.cells / top
    tooltip = page.t(
        "html.cluster.edge",
        a=page.unit(pair.units[0]),
        b=page.unit(pair.units[1]),
        cells=pair.cells,
        matters=page.join(page.matter(m) for m in pair.matters),
    )
    mx, my = x1 + 0.68 * (x2 - x1), y1 + 0.68 * (y2 - y1)
    return (
        f"<g><title>{_e(tooltip)}</title>"
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
        f' stroke-width="{width:.1f}"></line>'
        f'<text class="edge-label" x="{mx:.1f}" y="{my:.1f}">{pair.cells}</text></g>'
    )


def _cluster_node(
    page: _Page,
    unit: str,
    xy: tuple[float, float],
    centre: tuple[float, float],
    cells: int,
    top: int,
) -> str:
    """A unit: a dot sized by its overlapping cells, its name outside the circle."""
    (x, y), (cx, cy) = xy, centre
    label = page.report.units.get(unit)
    kind = label.kind if label and label.kind in _UNIT_KIND_CLASS else "other"
    name = page.unit(unit)
    short = _short(name, 14)
    anchor = "start" if x > cx + 1 else "end" if x < cx - 1 else "middle"
    r = 6.0 + 8.0 * cells / top
    dx = (r + 6) if anchor == "start" else -(r + 6) if anchor == "end" else 0
    dy = 0.0 if anchor != "middle" else -(r + 9) if y < cy else r + 9
    tooltip = page.t("html.cluster.node", name=name, code=unit, cells=cells)
    return (
        f'<g class="node kind-{kind}"><title>{_e(tooltip)}</title>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"></circle>'
        f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}">{_e(short)}</text></g>'
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


def _findings(page: _Page) -> str:
    findings = _sorted_findings(page.report.findings)
    if not findings:
        return _section(
            "findings",
            page.t("html.findings"),
            f'<p class="empty">{_e(page.t("html.no_findings"))}</p>',
        )
    introduced = set(page.report.comparison.introduced) if page.report.comparison else set()
    head = "".join(f'<th scope="col">{_e(page.t(f"html.col.{c}"))}</th>' for c in _FINDING_COLUMNS)
    rows = "\n".join(_finding_row(page, f, f.id in introduced) for f in findings)
    content = "\n".join(
        [
            _filters(page, findings, bool(introduced)),
            '<div class="scroll">',
            f'<table id="findings-table" class="findings"><thead><tr>{head}</tr></thead>',
            f"<tbody>\n{rows}\n</tbody></table>",
            "</div>",
            f'<p id="no-match" class="empty" hidden>{_e(page.t("html.no_match"))}</p>',
        ]
    )
    return _section("findings", page.t("html.findings"), content)


def _filters(page: _Page, findings: list[Finding], with_introduced: bool) -> str:
    kinds = Counter(f.kind for f in findings)
    severities = Counter(f.severity for f in findings)
    all_label = _e(page.t("html.filter.all"))
    kind_options = "".join(
        f'<option value="{k.value}">{_e(page.kind(k.value))} ({kinds[k]})</option>'
        for k in KIND_ORDER
        if kinds[k]
    )
    severity_options = "".join(
        f'<option value="{s.value}">{_e(page.severity(s.value))} ({severities[s]})</option>'
        for s in SEVERITY_ORDER
        if severities[s]
    )
    controls = [
        f'<label>{_e(page.t("html.filter.kind"))} <select id="filter-kind">'
        f'<option value="">{all_label}</option>{kind_options}</select></label>',
        f'<label>{_e(page.t("html.filter.severity"))} <select id="filter-severity">'
        f'<option value="">{all_label}</option>{severity_options}</select></label>',
        f'<label>{_e(page.t("html.filter.search"))} <input id="filter-text" type="search"'
        f'{_attrs(placeholder=page.t("html.filter.search_hint"))} autocomplete="off"></label>',
    ]
    if with_introduced:
        controls.append(
            '<label><input id="filter-new" type="checkbox"> '
            f"{_e(page.t('html.filter.introduced'))}</label>"
        )
    controls.append(
        f'<button type="button" id="filter-reset">{_e(page.t("html.filter.reset"))}</button>'
    )
    count = _marked(
        page,
        "html.shown",
        {"shown": f'<span id="shown-count">{len(findings)}</span>'},
        total=len(findings),
    )
    return f'<div class="filters">{"".join(controls)}<span class="count">{count}</span></div>'


def _finding_row(page: _Page, finding: Finding, introduced: bool) -> str:
    severity, kind = finding.severity.value, finding.kind.value
    matter = ""
    if finding.matter is not None:
        matter = f'<span class="code">{_e(finding.matter)}</span> {_e(page.matter(finding.matter))}'
    new_badge = f' <span class="badge new">{_e(page.t("html.new"))}</span>' if introduced else ""
    cells = [
        f'<span class="badge sev-{severity}">{_e(page.severity(severity))}</span>{new_badge}',
        _e(page.kind(kind)),
        matter,
        _truncated(page, [page.area(a) for a in finding.areas], AREAS_SHOWN),
        _e(finding.region_text or ""),
        _e(page.number(finding.cells)) if finding.cells else "",
        _truncated(page, [page.unit(u) for u in finding.units], UNITS_SHOWN),
        _duties(page, finding),
        _e(finding.message),
    ]
    tds = "".join(
        f'<td class="col-{c}">{v}</td>' for c, v in zip(_FINDING_COLUMNS, cells, strict=True)
    )
    attrs = _attrs(
        id=page.row_ids[finding.id],
        class_="introduced" if introduced else None,
        data_kind=kind,
        data_severity=severity,
        data_id=finding.id,
    )
    return f"<tr{attrs}>{tds}</tr>"


def _duties(page: _Page, finding: Finding) -> str:
    refs = []
    for duty in finding.duties[:DUTIES_SHOWN]:
        tooltip = (
            f"{page.unit(duty.unit)} · {page.term(duty.role, 'role')} · {page.area(duty.area)}"
        )
        refs.append(
            f"<span{_attrs(class_='duty', title=tooltip)}>"
            f"{_e(duty.list_id)} v{duty.version} #{duty.row}</span>"
        )
    rest = len(finding.duties) - DUTIES_SHOWN
    if rest > 0:
        refs.append(f'<span class="more">{_e(page.t("html.more", count=rest))}</span>')
    return " ".join(refs)


# --------------------------------------------------------------------------- load


_LOAD_COLUMNS = ("unit", "level", "staff", "capacity", "workload", "events", "index")


def _load(page: _Page) -> str:
    report = page.report
    source = page.term(report.volume_source, "html.volume")
    notes = [
        f'<p class="note">{_e(page.t("html.load.source", source=source))}</p>',
        '<p class="note">'
        + _e(
            page.t(
                "html.load.note",
                hours=page.number(report.config.hours_per_staff_year),
                threshold=f"{report.config.overload_threshold:g}",
            )
        )
        + "</p>",
    ]
    if not report.load:
        notes.append(f'<p class="empty">{_e(page.t("html.load.none"))}</p>')
        return _section("load", page.t("html.load"), "\n".join(notes))
    rows = sorted(report.load, key=lambda r: (-r.load_index, r.unit))
    top = max(max(r.load_index for r in rows), report.config.overload_threshold)
    head = "".join(
        f'<th scope="col">{_e(page.t(f"html.load.col.{c}"))}</th>' for c in _LOAD_COLUMNS
    )
    body = "".join(_load_row(page, r, top) for r in rows)
    table = (
        f'<div class="scroll"><table id="load-table" class="load"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
    return _section("load", page.t("html.load"), "\n".join([*notes, table]))


def _load_row(page: _Page, row: LoadIndex, top: float) -> str:
    width = 100.0 * min(row.load_index, top) / top if top > 0 else 0.0
    threshold = 100.0 * page.report.config.overload_threshold / top if top > 0 else 0.0
    flag = (
        f' <span class="badge over">{_e(page.t("html.overloaded"))}</span>'
        if row.overloaded
        else ""
    )
    bar = (
        f'<span class="bar"><span class="fill" style="width:{width:.1f}%"></span>'
        f'<span class="limit" style="left:{threshold:.1f}%"></span></span>'
    )
    cells = [
        f'{_e(page.unit(row.unit))} <span class="code">{_e(row.unit)}</span>',
        _e(page.term(row.level, "level", "check.level")),
        _e(page.number(row.staff)),
        _e(page.number(row.capacity_hours)),
        _e(page.number(row.workload_hours)),
        _e(page.number(row.events_per_year)),
        f'<span class="index">{row.load_index:.2f}</span>{bar}{flag}',
    ]
    tds = "".join(
        f'<td class="col-{c}">{v}</td>' for c, v in zip(_LOAD_COLUMNS, cells, strict=True)
    )
    attrs = _attrs(class_="overloaded" if row.overloaded else None, data_unit=row.unit)
    return f"<tr{attrs}>{tds}</tr>"


# --------------------------------------------------------------------------- style and script


_CSS = """
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;
--error:#cf222e;--warning:#bf8700;--info:#0969da;--new:#8250df;--accent:#0969da}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;color:var(--fg);background:var(--bg);line-height:1.5;font-size:14px;
font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei",
"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif}
header{padding:20px 28px 12px;border-bottom:1px solid var(--line);background:var(--panel)}
h1{margin:0 0 8px;font-size:24px}
h2{margin:0 0 12px;font-size:19px;border-bottom:1px solid var(--line);padding-bottom:6px}
h3{margin:16px 0 8px;font-size:15px}
main{padding:0 28px 28px}
nav{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);
padding:8px 0;display:flex;flex-wrap:wrap;gap:16px}
nav a{color:var(--accent);text-decoration:none}
nav a:hover{text-decoration:underline}
section{margin-top:24px;scroll-margin-top:44px}
tr{scroll-margin-top:44px}
footer{padding:16px 28px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}
code,.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.code{color:var(--muted)}
dl.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0}
dl.facts div{display:flex;gap:6px;align-items:baseline}
dl.facts dt{color:var(--muted)}
dl.facts dt::after{content:":"}
dl.facts dd{margin:0}
.chip{display:inline-block;background:#fff;border:1px solid var(--line);border-radius:10px;
padding:0 8px;margin-right:4px;font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{font:inherit;text-align:left;cursor:pointer;min-width:120px;padding:10px 14px;border-radius:8px;
border:1px solid var(--line);border-left:4px solid var(--muted);background:#fff}
.card:hover{background:var(--panel)}
.card .n{display:block;font-size:24px;font-weight:600}
.card .label{display:block;color:var(--muted)}
.card .label::first-letter{text-transform:uppercase}
.card.zero{opacity:.55}
.card.sev-error{border-left-color:var(--error)}
.card.sev-warning{border-left-color:var(--warning)}
.card.sev-info{border-left-color:var(--info)}
.card.total{border-left-color:var(--fg)}
.note{color:var(--muted);margin:4px 0}
.capped{color:var(--warning)}
.empty{font-style:italic;color:var(--muted)}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse}
th,td{border:1px solid var(--line);padding:4px 8px;vertical-align:top;text-align:left}
thead th{background:var(--panel);white-space:nowrap}
table.heat td{text-align:center;min-width:30px;font-variant-numeric:tabular-nums}
table.heat td.nil{background:#fafafa}
table.heat th[scope=row]{white-space:nowrap;font-weight:normal}
table.heat thead th{vertical-align:bottom}
.vertical{writing-mode:vertical-rl;white-space:nowrap}
.legend{display:flex;align-items:center;gap:6px;color:var(--muted)}
.swatch{display:inline-block;width:18px;height:14px;border:1px solid var(--line)}
figure.cluster{margin:12px 0 20px;padding:10px;border:1px solid var(--line);border-radius:8px}
figcaption{font-weight:600}
svg.graph{max-width:100%;height:auto;display:block;margin:0 auto}
svg.graph line{stroke:#8c959f;stroke-opacity:.75}
svg.graph g:hover>line{stroke:var(--error);stroke-opacity:1}
svg.graph .edge-label{font-size:12px;font-weight:600;fill:#424a53;text-anchor:middle;dominant-baseline:central;
paint-order:stroke;stroke:#fff;stroke-width:3px}
svg.graph .node circle{stroke:#fff;stroke-width:1.5}
svg.graph .node text{font-size:12px;fill:var(--fg);dominant-baseline:central}
svg.graph .kind-line circle{fill:#0969da}
svg.graph .kind-block circle{fill:#1a7f37}
svg.graph .kind-platform circle{fill:#8250df}
svg.graph .kind-owner circle{fill:#bc4c00}
svg.graph .kind-community circle{fill:#1b7c83}
svg.graph .kind-other circle{fill:#6e7781}
.filters{display:flex;flex-wrap:wrap;align-items:center;gap:10px 16px;margin-bottom:10px}
.filters select,.filters input,.filters button{font:inherit;padding:3px 6px}
.filters input[type=search]{min-width:16em}
.filters .count{color:var(--muted);margin-left:auto}
table.findings td.col-cells{text-align:right;font-variant-numeric:tabular-nums}
table.findings td.col-message{min-width:16em}
table.findings td.col-areas,table.findings td.col-units{min-width:9em}
table.findings td.col-matter{min-width:8em}
table.findings td.col-kind{min-width:5.5em}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff;white-space:nowrap}
.badge.sev-error{background:var(--error)}
.badge.sev-warning{background:var(--warning)}
.badge.sev-info{background:var(--info)}
.badge.new{background:var(--new)}
.badge.over{background:var(--error)}
tr.introduced td{background:#fbefff}
tr:target td{outline:2px solid var(--new);outline-offset:-2px}
.more{color:var(--muted);white-space:nowrap;cursor:help}
.duty{display:inline-block;white-space:nowrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
ul.introduced-list li::marker{color:var(--new)}
li .detail{color:var(--muted)}
li a{color:inherit}
ul.resolved-list{color:var(--muted)}
.kind-name{font-weight:600}
table.load td{font-variant-numeric:tabular-nums}
table.load td.col-staff,table.load td.col-capacity,table.load td.col-workload,
table.load td.col-events{text-align:right}
tr.overloaded td{background:#ffebe9}
.index{display:inline-block;min-width:3.2em}
.bar{display:inline-block;position:relative;width:120px;height:10px;background:var(--panel);
border:1px solid var(--line);vertical-align:middle;margin:0 6px}
.bar .fill{position:absolute;left:0;top:0;bottom:0;background:var(--accent)}
tr.overloaded .bar .fill{background:var(--error)}
.bar .limit{position:absolute;top:-3px;bottom:-3px;width:2px;background:var(--fg)}
@media print{nav,.filters{display:none}thead th{position:static}}
"""

_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
  var kind = document.getElementById("filter-kind");
  var severity = document.getElementById("filter-severity");
  var search = document.getElementById("filter-text");
  var onlyNew = document.getElementById("filter-new");
  var shown = document.getElementById("shown-count");
  var noMatch = document.getElementById("no-match");

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  function apply() {
    var k = kind.value, s = severity.value;
    var terms = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var newOnly = onlyNew ? onlyNew.checked : false;
    var count = 0;
    rows.forEach(function (row, i) {
      var ok = (!k || row.getAttribute("data-kind") === k) &&
        (!s || row.getAttribute("data-severity") === s) &&
        (!newOnly || row.classList.contains("introduced")) &&
        terms.every(function (term) { return texts[i].indexOf(term) !== -1; });
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = String(count);
    noMatch.hidden = count > 0;
  }

  function show(kindValue, severityValue) {
    kind.value = hasOption(kind, kindValue) ? kindValue : "";
    severity.value = hasOption(severity, severityValue) ? severityValue : "";
    apply();
    document.getElementById("findings").scrollIntoView();
  }

  [kind, severity].forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  if (onlyNew) { onlyNew.addEventListener("change", apply); }
  document.getElementById("filter-reset").addEventListener("click", function () {
    kind.value = ""; severity.value = ""; search.value = "";
    if (onlyNew) { onlyNew.checked = false; }
    apply();
  });
  function cards(attribute, choose) {
    var found = document.querySelectorAll("[" + attribute + "]");
    Array.prototype.forEach.call(found, function (card) {
      card.addEventListener("click", function () { choose(card.getAttribute(attribute)); });
    });
  }
  cards("data-filter-kind", function (value) { show(value, ""); });
  cards("data-filter-severity", function (value) { show("", value); });
  apply();
})();
"""
