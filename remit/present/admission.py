"""The admission report for people: terminal tables (aligned Chinese) and Markdown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from remit.admission.report import (
    AdmissionEntry,
    AdmissionReport,
    Approval,
    GateStatus,
    Outcome,
)
from remit.deadlines import local_time
from remit.i18n import Lang, t

_STYLE = {
    GateStatus.passed: "green",
    GateStatus.failed: "bold red",
    GateStatus.needs_info: "yellow",
}
_OUTCOME_STYLE = {
    Outcome.admit: "bold green",
    Outcome.reject: "bold red",
    Outcome.needs_info: "bold yellow",
}


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def header(report: AdmissionReport, lang: Lang) -> list[str]:
    return [
        t(
            "admit.title",
            lang,
            id=report.request_id,
            matter=f"{report.matter or '?'} {report.matter_name or ''}".strip(),
            department=report.department_name or report.department or "?",
        ),
        t("admit.outcome", lang, outcome=t(f"outcome.{report.outcome.value}", lang)),
        t(
            "admit.stamp",
            lang,
            date=report.effective_from.isoformat(),
            hash=report.snapshot_hash[:12],
            source=t(f"admit.volume.{report.volume_source}", lang),
        ),
    ]


def gate_rows(report: AdmissionReport, lang: Lang) -> list[list[str]]:
    rows = []
    for n, g in enumerate(report.gates, 1):
        rows.append(
            [
                str(n),
                t(f"gate.{g.gate.value}", lang),
                t(f"gate_status.{g.status.value}", lang),
                t(f"mode.{g.mode.value}", lang),
                "\n".join([g.message, *(f"· {e}" for e in g.evidence)]),
                g.rule,
            ]
        )
    return rows


def effect_rows(report: AdmissionReport) -> list[list[str]]:
    return [
        [
            e.name,
            _number(e.events_per_year, 0),
            "-" if e.staff_before is None else str(e.staff_before),
            _number(e.staff_after, 1),
            _number(e.load_before),
            _number(e.load_after),
        ]
        for e in report.effect
    ]


GATE_HEADERS = (
    "admit.col.n",
    "admit.col.gate",
    "admit.col.status",
    "admit.col.mode",
    "admit.col.verdict",
    "admit.col.rule",
)
EFFECT_HEADERS = (
    "admit.col.street",
    "admit.col.events",
    "admit.col.staff_before",
    "admit.col.staff_after",
    "admit.col.load_before",
    "admit.col.load_after",
)


def render_text(report: AdmissionReport, lang: Lang) -> list[RenderableType]:
    out: list[RenderableType] = []
    lines = header(report, lang)
    out.append(Text(lines[0], style="bold"))
    out.append(Text(lines[1], style=_OUTCOME_STYLE[report.outcome]))
    out.append(Text(lines[2], style="dim"))
    table = Table(show_lines=True)
    for key in GATE_HEADERS:
        table.add_column(Text(t(key, lang)), overflow="fold")
    for g, row in zip(report.gates, gate_rows(report, lang), strict=True):
        cells = [Text(c) for c in row]
        cells[2].stylize(_STYLE[g.status])
        table.add_row(*cells)
    out.append(table)
    if report.effect:
        out.append(
            Text(t("admit.effect", lang, events=_number(report.events_moved, 0)), style="bold")
        )
        effect = Table()
        for i, key in enumerate(EFFECT_HEADERS):
            effect.add_column(Text(t(key, lang)), justify="left" if i == 0 else "right")
        for row in effect_rows(report):
            effect.add_row(*(Text(c) for c in row))
        out.append(effect)
    if report.enactment:
        out.append(Text(t("admit.enactment", lang), style="bold"))
        for v in report.enactment:
            out.append(Text("  " + t("admit.version", lang, **v)))
    return out


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render_markdown(report: AdmissionReport, lang: Lang) -> str:
    lines = header(report, lang)
    parts = [f"# {_md(lines[0])}", f"**{_md(lines[1])}**", _md(lines[2]), ""]
    parts.append("| " + " | ".join(t(k, lang) for k in GATE_HEADERS) + " |")
    parts.append("|" + "---|" * len(GATE_HEADERS))
    parts += ["| " + " | ".join(_md(c) for c in row) + " |" for row in gate_rows(report, lang)]
    if report.effect:
        parts += [
            "",
            f"## {_md(t('admit.effect', lang, events=_number(report.events_moved, 0)))}",
            "",
        ]
        parts.append("| " + " | ".join(t(k, lang) for k in EFFECT_HEADERS) + " |")
        parts.append("|---|" + "---:|" * (len(EFFECT_HEADERS) - 1))
        parts += ["| " + " | ".join(_md(c) for c in row) + " |" for row in effect_rows(report)]
    if report.enactment:
        parts += ["", f"## {t('admit.enactment', lang)}", ""]
        parts += [f"- {_md(t('admit.version', lang, **v))}" for v in report.enactment]
    return "\n".join(parts) + "\n"


def _state(entry: AdmissionEntry, overdue: bool) -> str:
    return t(f"status.{entry.status}") + (f" ({t('admit.overdue')})" if overdue else "")


def requests_table(
    entries: Iterable[AdmissionEntry], overdue: Callable[[AdmissionEntry], bool]
) -> Table:
    """The recorded requests, one a row; ``overdue`` says which wait past their deadline."""
    table = Table()
    for key in (
        "col.id",
        "col.matter",
        "col.department",
        "col.status",
        "col.outcome",
        "col.submitted",
        "col.decided",
    ):
        table.add_column(t(key))
    for e in entries:
        table.add_row(
            e.id,
            f"{e.matter} {e.report.matter_name or ''}".strip(),
            e.report.department_name or e.department,
            _state(e, overdue(e)),
            t(f"outcome.{e.report.outcome.value}"),
            f"{local_time(e.submitted_at, seconds=False)} {e.submitted_by}",
            f"{local_time(e.decided_at, seconds=False)} {e.decided_by}" if e.decided_at else "",
        )
    return table


def entry_json(
    entry: AdmissionEntry,
    overdue: bool,
    approvals: Sequence[Approval] = (),
    required: int = 1,
) -> dict[str, Any]:
    """A recorded request as data: as ``remit admit show --format json`` prints it and the
    service answers it; ``approvals``: those given that did not decide it yet, of the
    ``required`` the settings ask for."""
    return {
        "id": entry.id,
        "status": entry.status,
        "overdue": overdue,
        "submitted_by": entry.submitted_by,
        "submitted_at": entry.submitted_at,
        "decided_by": entry.decided_by,
        "decided_at": entry.decided_at,
        "decision_note": entry.decision_note,
        "approvals_required": required,
        "approvals": [{"by": a.by, "at": a.at, "note": a.note} for a in approvals],
        "enacted": entry.enacted,
        "request": entry.request.model_dump(mode="json"),
        "report": entry.report.model_dump(mode="json"),
    }


def entry_lines(entry: AdmissionEntry, overdue: bool) -> list[str]:
    """A recorded request's status, submission and decision, above its report."""
    submitted = local_time(entry.submitted_at, seconds=False)
    lines = [
        f"{entry.id}: {_state(entry, overdue)}",
        f"{t('col.submitted')}: {submitted} {entry.submitted_by}",
    ]
    if entry.decided_at:
        lines.append(
            f"{t('col.decided')}: {local_time(entry.decided_at, seconds=False)} {entry.decided_by}"
            + (f" — {entry.decision_note}" if entry.decision_note else "")
        )
    return lines
