"""The check report for the terminal: rich tables, in English or Chinese.

The helpers that turn a report's codes into names (:class:`Labels`) and a report's parts into
rows of plain strings (:func:`summary_rows`, :func:`finding_rows`, :func:`load_rows`, …) are
shared with the Markdown renderer, so both show the same content.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from remit.checks.report import CheckReport, ConflictCluster
from remit.findings import KIND_ORDER, Finding, FindingKind, LoadIndex, Severity
from remit.i18n import Lang, has, t
from remit.present.console import console
from remit.present.text import term
from remit.registry.refs import DutyRef

SEVERITY_STYLE = {Severity.error: "bold red", Severity.warning: "yellow", Severity.info: "cyan"}


def report_lang(report: CheckReport, lang: Lang | None) -> Lang:
    """``lang``, else the report's own language (its messages and regions are written in it)."""
    if lang is not None:
        return lang
    return "zh" if report.lang == "zh" else "en"


def clip(items: Sequence[str], limit: int | None, sep: str, lang: Lang) -> str:
    """``items`` joined by ``sep``; past ``limit`` items, the rest as "… +N"."""
    if limit is None or len(items) <= limit:
        return sep.join(items)
    more = t("check.more", lang, count=len(items) - limit)
    # items one to a line: the "… +N" on a line of its own
    return sep.join(items[:limit]) + ("\n" if sep == "\n" else " ") + more


def duty_ref(d: DutyRef) -> str:
    return f"{d.list_id} v{d.version} #{d.row}"


def number(value: float) -> str:
    """A figure as people read it: thousands grouped, no ".0" on whole numbers."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@dataclass(frozen=True)
class Labels:
    """Codes of a report as names, from the label maps the report carries."""

    report: CheckReport
    lang: Lang

    @property
    def sep(self) -> str:
        return "、" if self.lang == "zh" else ", "

    def kind(self, kind: FindingKind | str) -> str:
        return self._term("kind", str(kind))

    def severity(self, severity: Severity | str) -> str:
        return self._term("severity", str(severity))

    def level(self, level: str) -> str:
        for key in (f"level.{level}", f"check.level.{level}"):
            if has(key):
                return t(key, self.lang)
        return level

    def unit_kind(self, kind: str) -> str:
        return self._term("check.unit_kind", kind)

    def matter_name(self, code: str | None) -> str:
        label = self.report.matters.get(code) if code else None
        return label.name if label else ""

    def matter(self, code: str | None) -> str:
        """ "SJ0506 非机动车乱停放", or the code alone when the report has no label for it."""
        if not code:
            return ""
        return f"{code} {self.matter_name(code)}".strip()

    def area(self, code: str) -> str:
        label = self.report.areas.get(code)
        return label.name if label else code

    def unit(self, code: str) -> str:
        label = self.report.units.get(code)
        return label.name if label else code

    def areas(self, codes: Sequence[str], limit: int | None = None) -> str:
        return clip([self.area(c) for c in codes], limit, self.sep, self.lang)

    def units(self, codes: Sequence[str], limit: int | None = None, sep: str | None = None) -> str:
        return clip([self.unit(c) for c in codes], limit, sep or self.sep, self.lang)

    def matters(self, codes: Sequence[str], limit: int | None = None) -> str:
        return clip([self.matter(c) for c in codes], limit, self.sep, self.lang)

    def rows(self, duties: Sequence[DutyRef], limit: int | None = None, sep: str = ", ") -> str:
        refs = list(dict.fromkeys(duty_ref(d) for d in duties))
        return clip(refs, limit, sep, self.lang)

    def _term(self, prefix: str, value: str) -> str:
        key = f"{prefix}.{value}"
        return t(key, self.lang) if has(key) else value


@dataclass(frozen=True)
class Limits:
    """How many areas, units and duty rows a finding shows before "… +N" (None: all)."""

    areas: int | None = 3
    units: int | None = 6
    rows: int | None = 4
    stack: bool = True  # units and duty rows one to a line (a terminal table folds long text)


# --- the report's parts as rows of plain strings ------------------------------------------------


def header_lines(report: CheckReport, lang: Lang) -> list[str]:
    lines = [
        t(
            "check.header",
            lang,
            subject=report.subject,
            date=report.as_of.isoformat(),
            hash=report.snapshot_hash[:12],
        )
    ]
    if report.filters:
        lines.append(t("check.filters", lang, filters=_filters(report.filters, lang)))
    if report.checked:
        items = []
        for key, n in report.checked.items():
            message = f"check.checked.{key}"
            items.append(t(message, lang, n=f"{n:,}") if has(message) else f"{key} {n:,}")
        lines.append(t("check.checked", lang, items=("，" if lang == "zh" else ", ").join(items)))
    return lines


def _filters(filters: dict[str, str], lang: Lang) -> str:
    """``matter=SJ0601, list=HP-QZ-FGJ``: the filter's name in English, its term in Chinese."""
    if lang != "zh":
        return ", ".join(f"{k}={v}" for k, v in filters.items())
    return "，".join(f"{term('html.filter_name', k, lang)}={v}" for k, v in filters.items())


def by_kind(report: CheckReport) -> dict[FindingKind, list[Finding]]:
    """The findings per kind, in the kinds' order, most severe first within a kind."""
    groups: dict[FindingKind, list[Finding]] = {k: [] for k in KIND_ORDER}
    for f in report.findings:
        groups[f.kind].append(f)
    return {k: sorted(fs, key=lambda f: -f.severity.rank) for k, fs in groups.items() if fs}


def kind_count(report: CheckReport, kind: FindingKind, findings: list[Finding]) -> int:
    return report.counts.get(kind.value, len(findings))


def summary_header(lang: Lang) -> list[str]:
    return [t(f"check.col.{c}", lang) for c in ("kind", "severity", "count", "cells")]


def summary_rows(report: CheckReport, lang: Lang) -> list[tuple[FindingKind, Severity, list[str]]]:
    """Per kind (all of them, so "0" shows what was checked and found clean): the kind, its
    severity (the worst found, else the configured one) and the row's cells."""
    labels = Labels(report, lang)
    groups = by_kind(report)
    rows = []
    for kind in KIND_ORDER:
        found = groups.get(kind, [])
        severity = report.worst(found) if found else report.config.severity_of(kind)
        assert severity is not None
        cells = sum(f.cells for f in found)
        rows.append(
            (
                kind,
                severity,
                [
                    labels.kind(kind),
                    labels.severity(severity),
                    str(kind_count(report, kind, found)),
                    f"{cells:,}" if cells else "",
                ],
            )
        )
    return rows


def summary_total(report: CheckReport, lang: Lang) -> list[str]:
    labels = Labels(report, lang)
    total = sum(kind_count(report, k, fs) for k, fs in by_kind(report).items())
    by_severity = [
        f"{labels.severity(s)} {report.severities[s.value]}"
        for s in sorted(Severity, key=lambda s: -s.rank)
        if report.severities.get(s.value)
    ]
    cells = sum(f.cells for f in report.findings)
    return [
        t("check.total", lang),
        labels.sep.join(by_severity),
        str(total),
        f"{cells:,}" if cells else "",
    ]


# A finding table's columns: (key of the header, whether the column is a number).
FINDING_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("id", False),
    ("severity", False),
    ("matter", False),
    ("areas", False),
    ("region", False),
    ("cells", True),
    ("units", False),
    ("rows", False),
    ("message", False),
)
_ALWAYS = {"id", "severity"}


def finding_cells(f: Finding, labels: Labels, limits: Limits) -> dict[str, str]:
    sep = "\n" if limits.stack else None
    return {
        "id": f.id,
        "severity": labels.severity(f.severity),
        "matter": labels.matter(f.matter),
        "areas": labels.areas(f.areas, limits.areas),
        "region": f.region_text or "",
        "cells": f"{f.cells:,}" if f.cells else "",
        "units": labels.units(f.units, limits.units, sep),
        "rows": labels.rows(f.duties, limits.rows, sep or ", "),
        "message": f.message,
    }


def finding_rows(
    findings: Sequence[Finding], labels: Labels, limits: Limits
) -> tuple[list[tuple[str, bool]], list[list[str]]]:
    """The columns that say something for these findings (a column empty in every row is left
    out: a stale row has no region) and one row of strings per finding."""
    cells = [finding_cells(f, labels, limits) for f in findings]
    columns = [
        (key, numeric)
        for key, numeric in FINDING_COLUMNS
        if key in _ALWAYS or any(row[key] for row in cells)
    ]
    return columns, [[row[key] for key, _ in columns] for row in cells]


LOAD_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("unit", False),
    ("level", False),
    ("unit_kind", False),
    ("staff", True),
    ("capacity", True),
    ("workload", True),
    ("events", True),
    ("load_index", True),
    ("overloaded", False),
)


def sorted_load(load: Iterable[LoadIndex]) -> list[LoadIndex]:
    """Streets first (the small horses of 小马拉大车), then the rest; heaviest first in each."""
    return sorted(load, key=lambda x: (x.level != "street", -x.load_index, x.unit))


def load_note(report: CheckReport, lang: Lang) -> str:
    source = f"check.volume.{report.volume_source}"
    return t(
        "check.load_note",
        lang,
        source=t(source, lang) if has(source) else report.volume_source,
        hours=number(report.config.hours_per_staff_year),
        threshold=f"{report.config.overload_threshold:g}",
    )


def load_cells(x: LoadIndex, labels: Labels) -> list[str]:
    return [
        labels.unit(x.unit),
        labels.level(x.level),
        labels.unit_kind(x.kind),
        f"{x.staff:,}",
        number(x.capacity_hours),
        number(x.workload_hours),
        number(x.events_per_year),
        f"{x.load_index:.2f}",
        t("check.overloaded", labels.lang) if x.overloaded else "",
    ]


CLUSTER_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("cluster", True),
    ("units", False),
    ("cells", True),
    ("matters", False),
    ("pairs", True),
)
PAIR_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("cluster", True),
    ("unit_a", False),
    ("unit_b", False),
    ("cells", True),
    ("matters", False),
)


def cluster_cells(n: int, c: ConflictCluster, labels: Labels) -> list[str]:
    return [
        str(n),
        labels.units(c.units),
        f"{c.cells:,}",
        labels.matters(c.matters),
        str(len(c.pairs)),
    ]


def pair_rows(clusters: Sequence[ConflictCluster], labels: Labels) -> list[list[str]]:
    return [
        [
            str(n),
            labels.unit(p.units[0]),
            labels.unit(p.units[1]),
            f"{p.cells:,}",
            labels.matters(p.matters),
        ]
        for n, c in enumerate(clusters, 1)
        for p in c.pairs
    ]


BRIEF_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("kind", False),
    ("id", False),
    ("severity", False),
    ("matter", False),
    ("units", False),
    ("cells", True),
)


def introduced(report: CheckReport) -> list[Finding]:
    """The findings of this report that the baseline does not have, in the report's order."""
    if report.comparison is None:
        return []
    new = set(report.comparison.introduced)
    return [f for f in report.findings if f.id in new]


def narrowed(report: CheckReport) -> list[Finding]:
    """The findings of this report that the change made smaller, in the report's order."""
    if report.comparison is None:
        return []
    smaller = set(report.comparison.narrowed)
    return [f for f in report.findings if f.id in smaller]


def brief_rows(findings: Iterable[Finding], labels: Labels, limits: Limits) -> list[list[str]]:
    return [
        [
            labels.kind(f.kind),
            f.id,
            labels.severity(f.severity),
            labels.matter(f.matter),
            labels.units(f.units, limits.units),
            f"{f.cells:,}" if f.cells else "",
        ]
        for f in findings
    ]


def comparison_title(report: CheckReport, lang: Lang) -> str:
    c = report.comparison
    assert c is not None
    return t(
        "check.section.comparison",
        lang,
        baseline=c.baseline,
        hash=c.baseline_hash[:12],
        introduced=len(c.introduced),
        resolved=len(c.resolved),
    )


# --- rich ---------------------------------------------------------------------------------------


def _table(columns: Sequence[tuple[str, bool]], lang: Lang, *, lines: bool = False) -> Table:
    table = Table(show_lines=lines)
    for key, numeric in columns:
        table.add_column(
            Text(t(f"check.col.{key}", lang)),
            justify="right" if numeric else "left",
            overflow="fold",
            no_wrap=numeric,
        )
    return table


def _heading(text: str) -> Text:
    return Text(f"\n{text}", style="bold underline")


def render_text(
    report: CheckReport, lang: Lang | None = None, limits: Limits | None = None
) -> list[RenderableType]:
    """The report as rich renderables (text and tables), to print one after another.

    Text goes in as :class:`rich.text.Text`, never as markup: a region such as
    ``location_type ∈ [road, pavement]`` must print as written.
    """
    lang = report_lang(report, lang)
    limits = limits or Limits()
    labels = Labels(report, lang)
    out: list[RenderableType] = [Text(t("check.report_title", lang), style="bold")]
    out += [Text(line) for line in header_lines(report, lang)]

    out.append(_heading(t("check.section.summary", lang)))
    summary = Table()
    for i, header in enumerate(summary_header(lang)):
        summary.add_column(Text(header), justify="right" if i >= 2 else "left")
    for _kind, severity, row in summary_rows(report, lang):
        style = SEVERITY_STYLE[severity] if row[2] != "0" else "dim"
        summary.add_row(*(Text(c) for c in row), style=style)
    summary.add_section()
    summary.add_row(*(Text(c) for c in summary_total(report, lang)), style="bold")
    out.append(summary)

    groups = by_kind(report)
    out.append(_heading(t("check.section.findings", lang)))
    if not groups:
        out.append(Text(t("check.no_findings", lang)))
    for kind, findings in groups.items():
        title = t("check.section.kind", lang, kind=labels.kind(kind), count=len(findings))
        out.append(Text(f"\n{title}", style="bold"))
        columns, rows = finding_rows(findings, labels, limits)
        table = _table(columns, lang, lines=True)
        severity_at = [key for key, _ in columns].index("severity")
        for f, row in zip(findings, rows, strict=True):
            cells = [Text(c) for c in row]
            cells[severity_at].stylize(SEVERITY_STYLE[f.severity])
            table.add_row(*cells)
        out.append(table)

    if report.load:
        out.append(_heading(t("check.section.load", lang)))
        out.append(Text(load_note(report, lang), style="dim"))
        table = _table(LOAD_COLUMNS, lang)
        for x in sorted_load(report.load):
            table.add_row(
                *(Text(c) for c in load_cells(x, labels)),
                style="bold red" if x.overloaded else None,
            )
        out.append(table)

    if report.clusters:
        out.append(_heading(t("check.section.clusters", lang)))
        table = _table(CLUSTER_COLUMNS, lang, lines=True)
        for n, c in enumerate(report.clusters, 1):
            table.add_row(*(Text(v) for v in cluster_cells(n, c, labels)))
        out.append(table)
        pairs = pair_rows(report.clusters, labels)
        if pairs:
            out.append(Text(f"\n{t('check.section.pairs', lang)}", style="bold"))
            table = _table(PAIR_COLUMNS, lang)
            for row in pairs:
                table.add_row(*(Text(v) for v in row))
            out.append(table)

    if report.comparison is not None:
        out.append(_heading(comparison_title(report, lang)))
        for title, findings in (
            ("check.section.introduced", introduced(report)),
            ("check.section.narrowed", narrowed(report)),
            ("check.section.resolved", report.comparison.resolved),
        ):
            out.append(Text(f"\n{t(title, lang)}", style="bold"))
            rows = brief_rows(findings, labels, limits)
            if not rows:
                out.append(Text(t("label.none", lang), style="dim"))
                continue
            table = _table(BRIEF_COLUMNS, lang)
            for row in rows:
                table.add_row(*(Text(v) for v in row))
            out.append(table)
    return out


def print_text(report: CheckReport, lang: Lang | None = None, out: Console | None = None) -> None:
    """Print the report to ``out`` (default: :func:`remit.present.console.console`, standard
    output)."""
    out = out or console()
    for part in render_text(report, lang):
        out.print(part)


def text_of(report: CheckReport, lang: Lang | None = None, width: int = 200) -> str:
    """The text report as plain text (no colours), for a file."""
    buffer = io.StringIO()
    print_text(report, lang, Console(file=buffer, width=width, no_color=True))
    return buffer.getvalue()
