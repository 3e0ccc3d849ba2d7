"""The check report as an Excel workbook, for policy staff to sort and filter.

Sheets: a summary first, then one sheet per finding kind that has findings (codes and names in
separate columns, nothing cut short), the load indexes, the conflict clusters and, with a
comparison, the changes. Every table has a bold header row, frozen panes under it and an
autofilter. The file is written atomically: a failure leaves the old file (or none), never half
a workbook.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from remit.checks.report import CheckReport
from remit.files.writing import write_with
from remit.findings import Finding
from remit.i18n import Lang, t
from remit.present.check_text import (
    Labels,
    by_kind,
    comparison_title,
    duty_ref,
    header_lines,
    introduced,
    kind_count,
    load_note,
    narrowed,
    report_lang,
    sorted_load,
    summary_header,
    summary_rows,
    summary_total,
)

# the columns of a finding sheet, in order (keys of check.col.*)
FINDING_COLUMNS = (
    "id",
    "severity",
    "matter_code",
    "matter_name",
    "area_codes",
    "area_names",
    "region",
    "cells",
    "unit_codes",
    "unit_names",
    "rows",
    "message",
)
LOAD_COLUMNS = (
    "unit_code",
    "unit",
    "level",
    "unit_kind",
    "staff",
    "capacity",
    "workload",
    "events",
    "load_index",
    "overloaded",
)
CLUSTER_COLUMNS = (
    "cluster",
    "unit_codes",
    "unit_names",
    "cells",
    "matter_codes",
    "matter_names",
    "pairs",
)

MAX_CELL = 32_767  # Excel keeps no more characters in a cell
MAX_TITLE = 31
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str, taken: Iterable[str] = ()) -> str:
    """A valid sheet title: no []:*?/\\, no quote at either end, at most 31 characters, and not
    one of ``taken`` (Excel compares titles without case)."""
    base = _BAD_TITLE.sub(" ", text).strip().strip("'").strip() or "Sheet"
    base = base[:MAX_TITLE]
    used = {s.lower() for s in taken}
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: MAX_TITLE - len(suffix)] + suffix, n + 1
    return title


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > MAX_CELL:
            value = value[: MAX_CELL - 1] + "…"
    return value


def _display_width(value: Any) -> int:
    text = str(value) if value is not None else ""
    return max(
        (sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in text.splitlines()),
        default=0,
    )


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    sheet.append([_clean(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text stays text: "=…" must not become a formula
            if "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def table_sheet(
    book: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    number_formats: dict[int, str] | None = None,
) -> Worksheet:
    """A sheet holding one table: bold header row, frozen below it, autofilter over it all."""
    sheet = book.create_sheet(sheet_title(title, book.sheetnames))
    append_row(sheet, headers)
    for row in rows:
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A1:{last}{sheet.max_row}"
    for index, fmt in (number_formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = fmt
    _fit_columns(sheet)
    return sheet


def _fit_columns(sheet: Worksheet, minimum: int = 8, maximum: int = 60) -> None:
    for column in sheet.columns:
        # the header needs room for the autofilter's drop-down button too
        width = max(_display_width(c.value) + (3 if c.row == 1 else 0) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(
            maximum, max(minimum, width + 2)
        )


def _names_sep(lang: Lang) -> str:
    return "、" if lang == "zh" else ", "


def finding_values(f: Finding, labels: Labels) -> list[Any]:
    sep = _names_sep(labels.lang)
    return [
        f.id,
        labels.severity(f.severity),
        f.matter or "",
        labels.matter_name(f.matter),
        ", ".join(f.areas),
        sep.join(labels.area(a) for a in f.areas),
        f.region_text or "",
        f.cells or None,  # a finding about duty rows (stale, overload) covers no cells
        ", ".join(f.units),
        sep.join(labels.unit(u) for u in f.units),
        "; ".join(dict.fromkeys(duty_ref(d) for d in f.duties)),
        f.message,
    ]


def _headers(keys: Iterable[str], lang: Lang) -> list[str]:
    return [t(f"check.col.{k}", lang) for k in keys]


def build_workbook(report: CheckReport, lang: Lang | None = None) -> Workbook:
    """The report as a workbook (not yet saved)."""
    lang = report_lang(report, lang)
    labels = Labels(report, lang)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = sheet_title(t("check.sheet.summary", lang))
    _summary_sheet(summary, report, lang)

    for kind, findings in by_kind(report).items():
        table_sheet(
            book,
            labels.kind(kind),
            _headers(FINDING_COLUMNS, lang),
            (finding_values(f, labels) for f in findings),
        )

    sep = _names_sep(lang)
    table_sheet(
        book,
        t("check.sheet.load", lang),
        _headers(LOAD_COLUMNS, lang),
        (
            [
                x.unit,
                labels.unit(x.unit),
                labels.level(x.level),
                labels.unit_kind(x.kind),
                x.staff,
                x.capacity_hours,
                x.workload_hours,
                x.events_per_year,
                x.load_index,
                t("check.yes", lang) if x.overloaded else "",
            ]
            for x in sorted_load(report.load)
        ),
        number_formats={5: "#,##0", 6: "#,##0", 7: "#,##0.0", 8: "0.00"},
    )
    table_sheet(
        book,
        t("check.sheet.clusters", lang),
        _headers(CLUSTER_COLUMNS, lang),
        (
            [
                n,
                ", ".join(c.units),
                sep.join(labels.unit(u) for u in c.units),
                c.cells,
                ", ".join(c.matters),
                sep.join(labels.matter_name(m) or m for m in c.matters),
                "\n".join(
                    t(
                        "check.pair",
                        lang,
                        a=labels.unit(p.units[0]),
                        b=labels.unit(p.units[1]),
                        cells=p.cells,
                        matters=", ".join(p.matters),
                    )
                    for p in c.pairs
                ),
            ]
            for n, c in enumerate(report.clusters, 1)
        ),
    )

    if report.comparison is not None:
        rows = (
            [
                [
                    t("check.change.introduced", lang),
                    labels.kind(f.kind),
                    *finding_values(f, labels),
                ]
                for f in introduced(report)
            ]
            + [
                [t("check.change.narrowed", lang), labels.kind(f.kind), *finding_values(f, labels)]
                for f in narrowed(report)
            ]
            + [
                [t("check.change.resolved", lang), labels.kind(f.kind), *finding_values(f, labels)]
                for f in report.comparison.resolved
            ]
        )
        table_sheet(
            book,
            t("check.sheet.changes", lang),
            _headers(("change", "kind", *FINDING_COLUMNS), lang),
            rows,
        )
    return book


def _summary_sheet(sheet: Worksheet, report: CheckReport, lang: Lang) -> None:
    """The title and header lines, then the table of kinds (kind, severity, count, cells)."""
    append_row(sheet, [t("check.report_title", lang)])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in header_lines(report, lang):
        append_row(sheet, [line])
    if report.load:
        append_row(sheet, [load_note(report, lang)])
    if report.comparison is not None:
        append_row(sheet, [comparison_title(report, lang)])
    append_row(sheet, [])
    append_row(sheet, summary_header(lang))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    groups = by_kind(report)
    for kind, _severity, row in summary_rows(report, lang):
        found = groups.get(kind, [])
        cells = sum(f.cells for f in found)
        append_row(sheet, [row[0], row[1], kind_count(report, kind, found), cells or None])
    total = summary_total(report, lang)
    append_row(
        sheet,
        [
            total[0],
            total[1],
            sum(kind_count(report, k, fs) for k, fs in groups.items()),
            sum(f.cells for f in report.findings) or None,
        ],
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{header_row + 1}"
    # the header lines are long; only the table sets the widths
    widths = [
        max(_display_width(c.value) for c in column[header_row - 1 :]) for column in sheet.columns
    ]
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))


def write_xlsx(report: CheckReport, lang: Lang | None, path: str | os.PathLike[str]) -> Path:
    """Write the report to ``path`` as XLSX and return the path (atomically: see
    :func:`save_workbook`)."""
    return save_workbook(build_workbook(report, lang), path)


def save_workbook(book: Workbook, path: str | os.PathLike[str]) -> Path:
    """Save ``book`` to ``path`` and return the path.

    The workbook goes to a temporary file in the same directory first and replaces ``path`` only
    when complete, so an error (a full disk, a bad value) leaves no half-written file behind.
    """
    return write_with(Path(path), book.save)
