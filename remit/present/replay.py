"""The replay report (``remit replay``): text for the terminal, Markdown, XLSX; JSON is the
model's own dump.

Every format shows the same parts, built here once as rows of plain strings: what was decided
on, the totals, the statuses before → after, the units that gain and lose cases, the changed
decisions and the lines that could not be replayed. The XLSX gives codes and names in columns of
their own and numbers as numbers.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from remit.i18n import Lang, t
from remit.present.check_markdown import escape_text, table
from remit.present.check_xlsx import append_row, save_workbook, sheet_title, table_sheet
from remit.present.console import console
from remit.present.text import term
from remit.registry.refs import UnitRef
from remit.routing.replay_report import ChangedDecision, ReplayMode, ReplayReport

# the columns of each table: (key of replay.col.*, numeric)
STATUS_COLUMNS = (("old_status", False), ("new_status", False), ("decisions", True))
UNIT_COLUMNS = (("unit", False), ("gained", True), ("lost", True), ("net", True))
CHANGE_COLUMNS = (
    ("line", True),
    ("event", False),
    ("date", False),
    ("matter", False),
    ("area", False),
    ("old_status", False),
    ("new_status", False),
    ("old_units", False),
    ("new_units", False),
    ("fields", False),
)
BAD_COLUMNS = (("line", True), ("problem", False))
UNBROKEN = frozenset({"event", "date", "old_status", "new_status", "rules"})
"""Columns of short values that a narrow terminal must not break (the others fold)."""
OTHER_COLUMNS = (("rules", False), ("decisions", True), ("first_line", True))
CHANGE_SHEET_COLUMNS = (
    "line",
    "event",
    "decision",
    "date",
    "matter_code",
    "matter",
    "area_code",
    "area",
    "old_revision",
    "new_revision",
    "old_status",
    "new_status",
    "old_unit_codes",
    "old_units",
    "new_unit_codes",
    "new_units",
    "fields",
    "reason",
)


def _sep(lang: Lang) -> str:
    return "、" if lang == "zh" else ", "


def status_name(status: str, lang: Lang) -> str:
    return term("route_status", status, lang)


def _units(units: Sequence[UnitRef], lang: Lang) -> str:
    return _sep(lang).join(u.name for u in units) or "—"


def _named(name: str, code: str) -> str:
    return f"{code} {name}".strip()


def fields_text(change: ChangedDecision, lang: Lang) -> str:
    """What differs, in words; for a refused event, why."""
    text = _sep(lang).join(term("replay.field", name, lang) for name in change.fields)
    if change.reason:
        text = f"{text}{t('replay.refused', lang, reason=change.reason)}"
    return text


# --- the report's parts as plain strings -------------------------------------------------------


def header_lines(report: ReplayReport, lang: Lang) -> list[str]:
    lines = [t("replay.source", lang, source=report.source)]
    if report.mode is ReplayMode.recorded:
        lines.append(t("replay.on_recorded", lang))
    else:
        versions = _sep(lang).join(f"{k}@{v}" for k, v in report.versions.items())
        lines.append(
            t(
                "replay.on_revision",
                lang,
                revision=report.revision,
                latest=report.latest_revision,
                versions=t("replay.with_versions", lang, versions=versions) if versions else "",
            )
        )
    lines.append(t("replay.rules", lang, digest=report.rules_digest[:12]))
    counts = _counts(report)
    lines.append(t("replay.totals", lang, **counts))
    for key, count, shown in (
        ("replay.not_compared", "not_compared", True),
        ("replay.rebased", "rebased", True),
        ("replay.proposed", "other_rules", report.rules_proposed),
        ("replay.bad_count", "bad", True),
    ):
        if shown and counts[count] != "0":
            lines.append(t(key, lang, count=counts[count]))
    return lines


def _counts(report: ReplayReport) -> dict[str, str]:
    """The report's counts as shown (thousands grouped), by the placeholders that show them."""
    counts = {
        "lines": report.lines,
        "decisions": report.decisions,
        "identical": report.identical,
        "changed": report.changed,
        "not_compared": report.not_compared,
        "rebased": report.rebased,
        "other_rules": sum(o.count for o in report.other_rules),
        "bad": len(report.bad_lines),
    }
    return {name: f"{value:,}" for name, value in counts.items()}


def verdict(report: ReplayReport, lang: Lang) -> str:
    """The last line: all decided the same, or how many are not."""
    if report.clean:
        key = "clean" if report.mode is ReplayMode.recorded else "unchanged"
        return t(f"replay.verdict_{key}", lang, count=_counts(report)["decisions"])
    return t("replay.verdict_changed", lang, **_counts(report))


def status_rows(report: ReplayReport, lang: Lang) -> list[list[str]]:
    return [
        [status_name(s.old, lang), status_name(s.new, lang), f"{s.count:,}"]
        for s in report.by_status
    ]


def unit_rows(report: ReplayReport) -> list[list[str]]:
    return [
        [_named(u.unit.name, u.unit.code), f"{u.gained:,}", f"{u.lost:,}", f"{u.net:+,}"]
        for u in report.units
    ]


def change_rows(report: ReplayReport, lang: Lang) -> list[list[str]]:
    return [
        [
            str(c.line),
            c.event_id,
            c.snapshot_date.isoformat(),
            _named(c.matter_name, c.matter),
            c.area_name or c.area,
            status_name(c.old_status, lang),
            status_name(c.new_status, lang),
            _units(c.old_units, lang),
            _units(c.new_units, lang),
            fields_text(c, lang),
        ]
        for c in report.changes
    ]


def bad_rows(report: ReplayReport) -> list[list[str]]:
    return [[str(b.line), "\n".join(b.problems)] for b in report.bad_lines]


def other_rows(report: ReplayReport) -> list[list[str]]:
    return [[o.rules_digest[:12], f"{o.count:,}", str(o.first_line)] for o in report.other_rules]


def sections(report: ReplayReport, lang: Lang) -> list[tuple[str, Sequence[Any], list[list[str]]]]:
    """(title, columns, rows) of each table that has rows, in order."""
    parts = [
        ("replay.section.status", STATUS_COLUMNS, status_rows(report, lang)),
        ("replay.section.units", UNIT_COLUMNS, unit_rows(report)),
        ("replay.section.changes", CHANGE_COLUMNS, change_rows(report, lang)),
        ("replay.section.other_rules", OTHER_COLUMNS, other_rows(report)),
        ("replay.section.bad_lines", BAD_COLUMNS, bad_rows(report)),
    ]
    return [(t(title, lang), columns, rows) for title, columns, rows in parts if rows]


def _headers(columns: Sequence[tuple[str, bool]] | Sequence[str], lang: Lang) -> list[str]:
    keys = [c if isinstance(c, str) else c[0] for c in columns]
    return [t(f"replay.col.{key}", lang) for key in keys]


# --- text --------------------------------------------------------------------------------------


def render_text(report: ReplayReport, lang: Lang) -> list[RenderableType]:
    """The report as rich renderables; text goes in as :class:`Text`, never as markup."""
    out: list[RenderableType] = [Text(t("replay.title", lang), style="bold")]
    out += [Text(line) for line in header_lines(report, lang)]
    for title, columns, rows in sections(report, lang):
        out.append(Text(f"\n{title}", style="bold underline"))
        grid = Table(show_lines=len(columns) > 4)
        for header, (key, numeric) in zip(_headers(columns, lang), columns, strict=True):
            grid.add_column(
                Text(header),
                justify="right" if numeric else "left",
                overflow="fold",
                no_wrap=numeric or key in UNBROKEN,
            )
        for row in rows:
            grid.add_row(*(Text(cell) for cell in row))
        out.append(grid)
    out.append(Text(f"\n{verdict(report, lang)}", style="bold" if report.clean else "bold red"))
    return out


def print_text(report: ReplayReport, lang: Lang, out: Console | None = None) -> None:
    out = out or console()
    for part in render_text(report, lang):
        out.print(part)


def text_of(report: ReplayReport, lang: Lang, width: int = 200) -> str:
    """The text report as plain text (no colours), for a file."""
    buffer = io.StringIO()
    print_text(report, lang, Console(file=buffer, width=width, no_color=True))
    return buffer.getvalue()


# --- Markdown ----------------------------------------------------------------------------------


def render_markdown(report: ReplayReport, lang: Lang) -> str:
    """The report as one GitHub-flavoured Markdown document, ending in a newline."""
    parts = [f"# {t('replay.title', lang)}"]
    parts.append("\n".join(escape_text(line) + "  " for line in header_lines(report, lang)))
    for title, columns, rows in sections(report, lang):
        parts.append(f"## {escape_text(title)}")
        parts.append(table(_headers(columns, lang), rows, [n for _, n in columns]))
    parts.append(f"**{escape_text(verdict(report, lang))}**")
    return "\n\n".join(parts) + "\n"


# --- XLSX --------------------------------------------------------------------------------------


def build_workbook(report: ReplayReport, lang: Lang) -> Workbook:
    """Sheets: the summary (what was decided on, the totals, statuses before → after), the
    units, the changed decisions (codes and names apart), other rules, bad lines."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = sheet_title(t("replay.sheet.summary", lang))
    append_row(summary, [t("replay.title", lang)])
    summary["A1"].font = Font(bold=True, size=14)
    for line in [*header_lines(report, lang), verdict(report, lang)]:
        append_row(summary, [line])
    summary.column_dimensions["A"].width = 100
    table_sheet(
        book,
        t("replay.section.status", lang),
        _headers(STATUS_COLUMNS, lang),
        ([status_name(s.old, lang), status_name(s.new, lang), s.count] for s in report.by_status),
    )
    table_sheet(
        book,
        t("replay.section.units", lang),
        _headers(("unit_code", "unit", "gained", "lost", "net"), lang),
        ([u.unit.code, u.unit.name, u.gained, u.lost, u.net] for u in report.units),
    )
    sep = _sep(lang)
    table_sheet(
        book,
        t("replay.section.changes", lang),
        _headers(CHANGE_SHEET_COLUMNS, lang),
        (
            [
                c.line,
                c.event_id,
                c.decision_id,
                c.snapshot_date.isoformat(),
                c.matter,
                c.matter_name,
                c.area,
                c.area_name,
                c.old_revision,
                c.new_revision,
                status_name(c.old_status, lang),
                status_name(c.new_status, lang),
                ", ".join(u.code for u in c.old_units),
                sep.join(u.name for u in c.old_units),
                ", ".join(u.code for u in c.new_units),
                sep.join(u.name for u in c.new_units),
                sep.join(term("replay.field", name, lang) for name in c.fields),
                c.reason or "",
            ]
            for c in report.changes
        ),
    )
    if report.other_rules:
        table_sheet(
            book,
            t("replay.section.other_rules", lang),
            _headers(OTHER_COLUMNS, lang),
            ([o.rules_digest, o.count, o.first_line] for o in report.other_rules),
        )
    if report.bad_lines:
        table_sheet(
            book,
            t("replay.section.bad_lines", lang),
            _headers(BAD_COLUMNS, lang),
            ([b.line, "\n".join(b.problems)] for b in report.bad_lines),
        )
    return book


def write_xlsx(report: ReplayReport, lang: Lang, path: str | os.PathLike[str]) -> Path:
    """Write the report to ``path`` as XLSX (atomically) and return the path."""
    return save_workbook(build_workbook(report, lang), path)
