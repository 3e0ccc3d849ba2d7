"""Cases (``remit cases``) for people: a table of cases (text, with Chinese aligned by the
width a terminal gives each character), one case with its steps and its rulings explained, and
JSON (the records' own dump, with whether each is overdue now and the hours left).

Times are shown in Beijing time; the deadline and "overdue" are read at ``now``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from rich.cells import cell_len

from remit.casework.records import CaseRecord, CaseStep, record_json
from remit.deadlines import local_time
from remit.i18n import Lang, t
from remit.present.dispute import case_lines as ruled_case_lines
from remit.present.text import term

COLUMNS = ("id", "status", "unit", "matter", "street", "deadline", "left", "supervised")


def _time(at: dt.datetime | None) -> str:
    return local_time(at, seconds=False) if at is not None else "—"


def status_text(record: CaseRecord, lang: Lang) -> str:
    return term("case_status", record.status.value, lang)


def left_text(record: CaseRecord, now: dt.datetime, lang: Lang) -> str:
    """``5.5 h left``, ``overdue 3 h``, or ``—`` (no deadline, or done)."""
    left = record.time_left(now)
    if left is None:
        return "—"
    hours = abs(left.total_seconds()) / 3600
    shown = f"{hours:.1f}".removesuffix(".0")
    return t("cases.overdue_by" if record.overdue(now) else "cases.left", lang, hours=shown)


def matter_text(record: CaseRecord) -> str:
    """``RX0204 电梯故障``: the code and the catalogue's name (else the name the event gave)."""
    code = record.decision.matter
    name = record.matter_name or (record.event.matter if record.event.matter != code else "")
    return f"{code} {name}".strip()


def case_cells(record: CaseRecord, now: dt.datetime, lang: Lang) -> list[str]:
    return [
        record.id,
        status_text(record, lang),
        record.unit_name or record.unit,
        matter_text(record),
        record.street_name or record.street or "—",
        _time(record.deadline),
        left_text(record, now, lang),
        t("cases.supervised_mark", lang) if record.supervised is not None else "",
    ]


def _width(text: str) -> int:
    return cell_len(text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table_text(records: Sequence[CaseRecord], now: dt.datetime, lang: Lang) -> str:
    """The cases as a text table, columns aligned for a terminal (a Chinese character takes
    two columns), then how many."""
    if not records:
        return t("cases.none", lang) + "\n"
    headers = [t(f"cases.col.{key}", lang) for key in COLUMNS]
    rows = [case_cells(r, now, lang) for r in records]
    widths = [max(_width(c) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "  ".join(_pad(cell, width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in [headers, *rows]
    ]
    lines.append(t("cases.count", lang, count=len(records)))
    return "\n".join(lines) + "\n"


def step_line(step: CaseStep, lang: Lang) -> str:
    """``2026-09-30 10:00+08:00  张三  accept  dispatched → accepted  HP-SCJ — note``."""
    moved = (
        f"{term('case_status', step.from_status.value, lang)} → "
        if step.from_status is not None and step.from_status is not step.to_status
        else ""
    )
    parts = [
        local_time(step.at, seconds=False),
        step.actor,
        term("case_action", step.action.value, lang),
        moved + term("case_status", step.to_status.value, lang),
    ]
    if step.unit:
        parts.append(step.unit)
    deadline = step.details.get("deadline")
    if isinstance(deadline, str):
        parts.append(
            t("cases.step_deadline", lang, deadline=_time(dt.datetime.fromisoformat(deadline)))
        )
    line = "  ".join(parts)
    return f"{line} — {step.note}" if step.note else line


def case_text(record: CaseRecord, now: dt.datetime, lang: Lang) -> str:
    """One case: who holds it, its status, deadline and 督办, every step, and its returns
    with their rulings explained."""
    decision = record.decision
    lines = [
        t("cases.title", lang, id=record.id, status=status_text(record, lang)),
        t(
            "cases.event",
            lang,
            event=record.external_id,
            source=record.source or "—",
            matter=matter_text(record),
            area=decision.area,
            reported=_time(decision.reported_at),
        ),
        t(
            "cases.decision",
            lang,
            status=term("route_status", decision.status.value, lang),
            decision=decision.decision_id,
            date=decision.snapshot_date.isoformat(),
            hash=decision.snapshot_hash[:12],
        ),
        t("cases.holder", lang, unit=record.unit_name or record.unit, code=record.unit),
        t(
            "cases.deadline",
            lang,
            deadline=_time(record.deadline),
            limit=record.time_limit or "—",
            dispatched=_time(record.dispatched_at),
            left=left_text(record, now, lang),
        ),
    ]
    if record.supervised is not None:
        s = record.supervised
        lines.append(t("cases.supervised", lang, by=s.by, at=_time(s.at), note=s.note or "—"))
    lines.append(t("cases.version", lang, version=record.version))
    lines.append(t("cases.steps", lang))
    lines += ["  " + step_line(step, lang) for step in record.steps]
    if record.rounds:
        lines.append(t("cases.returns", lang))
        lines += ["  " + line for line in ruled_case_lines(record.as_case(), lang)]
    return "\n".join(lines) + "\n"


def cases_json(records: Sequence[CaseRecord], now: dt.datetime) -> str:
    """The cases as a JSON array."""
    data = [record_json(r, now) for r in records]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def case_json(record: CaseRecord, now: dt.datetime) -> str:
    return json.dumps(record_json(record, now), ensure_ascii=False, indent=2) + "\n"


__all__ = ["case_json", "case_text", "cases_json", "step_line", "table_text"]
