"""Disputes (退单) for people: a ruled case explained (``remit dispute``), and the 推诿 report
(``remit dispute report``) as text, Markdown, a self-contained HTML page (Jinja2 template
``templates/dispute_report.html.j2``, style inlined) and XLSX; JSON is the model's own dump.

Every format shows the same parts, built here once as rows of plain strings (numbers as numbers
in the XLSX): the period and totals, the units, the rows that cause most disputes, the defects.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from markupsafe import Markup
from openpyxl import Workbook

from remit.deadlines import local_time
from remit.events.cases import Case, Round
from remit.i18n import Lang, t
from remit.present.check_html import environment
from remit.present.check_markdown import escape_text, table
from remit.present.check_xlsx import save_workbook, table_sheet
from remit.present.console import console
from remit.present.text import term
from remit.registry.entities import reference_label
from remit.registry.refs import DutyRef
from remit.routing.disputes.report import DisputeReport, RowDisputes, UnitDisputes

UNIT_COLUMNS = (
    ("unit", False),
    ("returns", True),
    ("cases", True),
    ("upheld_share", True),
    ("overruled_share", True),
    ("arbitrate_share", True),
    ("escalated", True),
    ("hours", True),
)
ROW_COLUMNS = (
    ("row", False),
    ("matter", False),
    ("row_unit", False),
    ("role", False),
    ("rulings", True),
    ("upheld", True),
    ("overruled", True),
    ("arbitrate", True),
    ("legal_basis", False),
)
DEFECT_COLUMNS = (("defect", False), ("count", True))


def _sep(lang: Lang) -> str:
    return "、" if lang == "zh" else ", "


def _time(at: Any) -> str:
    return local_time(at, seconds=False)


def row_text(duty: DutyRef, lang: Lang, with_basis: bool = True) -> str:
    """``HP-QSDW v1 row 1 (lead; 《…》第…条)``."""
    basis = _sep(lang).join(duty.legal_basis) if with_basis else ""
    return t(
        "dispute.row",
        lang,
        list=duty.list_id,
        version=duty.version,
        row=duty.row,
        role=term("role", duty.role.value, lang),
        basis=t("dispute.basis", lang, basis=basis) if basis else "",
    )


# --- a ruled case ------------------------------------------------------------------------------


def case_lines(case: Case, lang: Lang) -> list[str]:
    """A ruled case explained, round by round."""
    first = next((r.ruling for r in case.rounds if r.ruling is not None), None)
    lines = []
    if first is not None:
        lines.append(
            t(
                "dispute.case",
                lang,
                case=case.case_id,
                event=case.event.id,
                matter=first.matter,
                matter_name=first.matter_name,
                date=first.snapshot_date.isoformat(),
                hash=first.snapshot_hash[:12],
                status=term("route_status", first.decision_status, lang),
            )
        )
    if case.dispatch.unit:
        lines.append(
            t("dispute.dispatched", lang, unit=case.dispatch.unit, at=_time(case.dispatched_at()))
        )
    for number, round_ in enumerate(case.rounds, 1):
        lines += _round_lines(number, round_, lang)
    return lines


def _round_lines(number: int, round_: Round, lang: Lang) -> list[str]:
    ruling = round_.ruling
    unit = ruling.returned_by.name if ruling is not None else round_.unit
    reason = term("dispute.reason", round_.reason.value, lang)
    lines = [t("dispute.round", lang, n=number, at=_time(round_.at), unit=unit, reason=reason)]
    if round_.evidence:
        lines.append(t("dispute.evidence", lang, text=round_.evidence))
    if ruling is None:
        return lines
    verdict = ruling.verdict.value
    lines.append(
        t(
            "dispute.ruled",
            lang,
            verdict=term("dispute.verdict", verdict, lang),
            principle=ruling.principle.get(lang, ""),
        )
    )
    lines.append(t(f"dispute.holder.{verdict}", lang, unit=ruling.unit.name))
    if ruling.deadline is not None:
        key = "dispute.due.arbitrate" if verdict == "arbitrate" else f"dispute.due.{ruling.clock}"
        lines.append(t(key, lang, deadline=_time(ruling.deadline), limit=ruling.time_limit))
    if ruling.area is not None:
        lines.append(t("dispute.area", lang, area=ruling.area, unit=ruling.returned_by.name))
    if ruling.duties:
        rows = _sep(lang).join(row_text(d, lang) for d in ruling.duties)
        lines.append(t("dispute.rows", lang, rows=rows))
    if ruling.defect is not None:
        lines.append(
            t("dispute.defect", lang, defect=term("dispute.defect", ruling.defect.value, lang))
        )
    if ruling.escalated_to is not None:
        lines.append(t("dispute.escalated", lang, unit=ruling.escalated_to.name))
    return lines


def cases_text(cases: Sequence[Case], lang: Lang) -> str:
    """Ruled cases explained, then the count of rulings."""
    blocks = ["\n".join(case_lines(case, lang)) for case in cases]
    rulings = [r.ruling for case in cases for r in case.rounds if r.ruling is not None]
    counts = {v: sum(1 for r in rulings if r.verdict.value == v) for v in ("upheld", "overruled")}
    summary = t(
        "dispute.summary",
        lang,
        cases=len(cases),
        returns=len(rulings),
        upheld=counts["upheld"],
        overruled=counts["overruled"],
        arbitrate=sum(1 for r in rulings if r.verdict.value == "arbitrate"),
        escalated=sum(1 for r in rulings if r.escalated_to is not None),
    )
    return "\n\n".join([*blocks, summary]) + "\n"


def print_cases(cases: Sequence[Case], lang: Lang) -> None:
    console().print(cases_text(cases, lang), markup=False, soft_wrap=True, end="")


# --- the report's parts as plain strings -------------------------------------------------------


def _share(value: float) -> str:
    return f"{value:.0%}"


def header_lines(report: DisputeReport, lang: Lang) -> list[str]:
    start = report.date_from.isoformat() if report.date_from else t("dispute.report.open", lang)
    end = report.date_to.isoformat() if report.date_to else t("dispute.report.open", lang)
    lines = [t("dispute.report.period", lang, start=start, end=end)]
    if report.sources:
        lines.append(t("dispute.report.sources", lang, sources=_sep(lang).join(report.sources)))
    lines.append(
        t(
            "dispute.report.totals",
            lang,
            cases=report.cases,
            returns=report.returns,
            upheld=report.upheld,
            overruled=report.overruled,
            arbitrate=report.arbitrate,
            escalated=report.escalated,
        )
    )
    lines.append(
        t("dispute.report.air", lang, rounds=report.rounds_per_case, hours=report.hours_per_case)
    )
    return lines


def unit_cells(unit: UnitDisputes) -> list[str]:
    return [
        unit.unit.name,
        str(unit.returns),
        str(unit.cases),
        _share(unit.share("upheld")),
        _share(unit.share("overruled")),
        _share(unit.share("arbitrate")),
        str(unit.escalated),
        f"{unit.hours_in_air:g}",
    ]


def row_cells(row: RowDisputes, lang: Lang) -> list[str]:
    duty = row.duty
    return [
        row_text(duty, lang, with_basis=False),
        f"{row.matter} {row.matter_name}".strip(),
        reference_label(duty.unit) if duty.unit.startswith("@") else duty.unit,
        term("role", duty.role.value, lang),
        str(row.rulings),
        str(row.upheld),
        str(row.overruled),
        str(row.arbitrate),
        _sep(lang).join(duty.legal_basis) or "—",
    ]


def defect_cells(report: DisputeReport, lang: Lang) -> list[list[str]]:
    return [[term("dispute.defect", k, lang), str(v)] for k, v in report.defects.items()]


def _headers(columns: Sequence[tuple[str, bool]], lang: Lang) -> list[str]:
    return [t(f"dispute.col.{key}", lang) for key, _ in columns]


def sections(
    report: DisputeReport, lang: Lang
) -> list[tuple[str, list[str], list[list[str]], list[bool]]]:
    """(title, headers, rows, numeric columns) of each table the report shows."""
    sections = [
        (
            t("dispute.report.units", lang),
            _headers(UNIT_COLUMNS, lang),
            [unit_cells(u) for u in report.units],
            [n for _, n in UNIT_COLUMNS],
        ),
        (
            t("dispute.report.rows", lang),
            _headers(ROW_COLUMNS, lang),
            [row_cells(r, lang) for r in report.rows],
            [n for _, n in ROW_COLUMNS],
        ),
    ]
    if report.defects:
        sections.append(
            (
                t("dispute.report.defects", lang),
                _headers(DEFECT_COLUMNS, lang),
                defect_cells(report, lang),
                [n for _, n in DEFECT_COLUMNS],
            )
        )
    return sections


# --- text, Markdown ----------------------------------------------------------------------------


def text_of(report: DisputeReport, lang: Lang) -> str:
    lines = [t("dispute.report.title", lang), *header_lines(report, lang)]
    if not report.returns:
        lines.append(t("dispute.report.none", lang))
        return "\n".join(lines) + "\n"
    for title, headers, rows, numeric in sections(report, lang):
        if not rows:
            continue
        lines += ["", title]
        widths = [max(_width(c) for c in column) for column in zip(headers, *rows, strict=True)]
        for cells in [headers, *rows]:
            parts = [
                _pad(cell, width, right)
                for cell, width, right in zip(cells, widths, numeric, strict=True)
            ]
            lines.append("  " + "  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def print_text(report: DisputeReport, lang: Lang) -> None:
    console().print(text_of(report, lang), markup=False, soft_wrap=True, end="")


def render_markdown(report: DisputeReport, lang: Lang) -> str:
    parts = [f"# {escape_text(t('dispute.report.title', lang))}", ""]
    parts += [f"- {escape_text(line)}" for line in header_lines(report, lang)]
    for title, headers, rows, numeric in sections(report, lang):
        if rows:
            parts += ["", f"## {escape_text(title)}", "", table(headers, rows, numeric)]
    return "\n".join(parts) + "\n"


# --- HTML ----------------------------------------------------------------------------------------


def render_html(report: DisputeReport, lang: Lang) -> str:
    """The report as one self-contained HTML5 page (no fetch: the style is inline)."""
    style = files("remit.present").joinpath("static/dispute_report.css").read_text("utf-8")
    return (
        environment()
        .get_template("dispute_report.html.j2")
        .render(
            lang="zh-CN" if lang == "zh" else "en",
            title=t("dispute.report.title", lang),
            header=header_lines(report, lang),
            sections=sections(report, lang),
            none=t("dispute.report.none", lang) if not report.returns else "",
            style=Markup(style),
        )
    )


# --- XLSX ----------------------------------------------------------------------------------------


def write_xlsx(report: DisputeReport, lang: Lang, path: str | os.PathLike[str]) -> Path:
    book = Workbook()
    summary = book.active
    assert summary is not None
    book.remove(summary)
    measures = [
        ("dispute.col.cases", report.cases),
        ("dispute.col.returns", report.returns),
        ("dispute.col.upheld", report.upheld),
        ("dispute.col.overruled", report.overruled),
        ("dispute.col.arbitrate", report.arbitrate),
        ("dispute.col.escalated", report.escalated),
        ("dispute.col.hours", report.hours_in_air),
    ]
    table_sheet(
        book,
        t("dispute.sheet.summary", lang),
        [t("dispute.col.measure", lang), t("dispute.col.value", lang)],
        [[t(key, lang), value] for key, value in measures]
        + [[line, ""] for line in header_lines(report, lang)],
    )
    table_sheet(
        book,
        t("dispute.report.units", lang),
        [t("dispute.col.unit_code", lang), *_headers(UNIT_COLUMNS, lang)],
        [
            [
                u.unit.code,
                u.unit.name,
                u.returns,
                u.cases,
                u.share("upheld"),
                u.share("overruled"),
                u.share("arbitrate"),
                u.escalated,
                u.hours_in_air,
            ]
            for u in report.units
        ],
        {4: "0%", 5: "0%", 6: "0%"},
    )
    table_sheet(
        book,
        t("dispute.report.rows", lang),
        [
            t("dispute.col.list", lang),
            t("dispute.col.version", lang),
            t("dispute.col.seq", lang),
            *_headers(ROW_COLUMNS[1:], lang),
        ],
        [
            [
                r.duty.list_id,
                r.duty.version,
                r.duty.row,
                f"{r.matter} {r.matter_name}".strip(),
                reference_label(r.duty.unit) if r.duty.unit.startswith("@") else r.duty.unit,
                term("role", r.duty.role.value, lang),
                r.rulings,
                r.upheld,
                r.overruled,
                r.arbitrate,
                _sep(lang).join(r.duty.legal_basis),
            ]
            for r in report.rows
        ],
    )
    if report.defects:
        table_sheet(
            book,
            t("dispute.report.defects", lang),
            _headers(DEFECT_COLUMNS, lang),
            [[term("dispute.defect", k, lang), v] for k, v in report.defects.items()],
        )
    return save_workbook(book, path)
