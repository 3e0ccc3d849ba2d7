"""The case pages (``/ui/cases``, ``/ui/inbox``, ``/ui/cases/{id}``) as plain data for their
templates: a case as a list row with its countdown, one case with its event, its decision
explained, the list rows it rests on, its history and its returns with their rulings.

Times are shown in Beijing time (Asia/Shanghai). The countdown counts working time ("还剩 2 个
工作日 3 小时") for a time limit in working days or hours, clock time otherwise; time past the
deadline is clock time ("已超期 1 天 3 小时"), marked in words, not by colour alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from remit.casework.records import DONE, CaseAction, CaseRecord, CaseStep
from remit.deadlines import CITY_ZONE, WorkCalendar, local_time
from remit.events.cases import Reason, Round
from remit.i18n import Lang, t
from remit.present.check_html import Term
from remit.present.decision import decision_lines
from remit.present.text import term
from remit.registry.refs import DutyRef
from remit.timelimit import TimeLimitSyntaxError, TimeUnit, parse_time_limit

WORK_UNITS = frozenset({TimeUnit.work_days, TimeUnit.work_hours})
"""Time limits counted in working time: their countdown is working time too."""


def shown_time(at: dt.datetime | None) -> str:
    """A stored time in Beijing time, to the minute (``—`` for none)."""
    return local_time(at, seconds=False) if at is not None else "—"


# --- the countdown -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """What is left until a deadline, said: ``还剩 2 个工作日 3 小时`` or ``已超期 5 小时``."""

    text: str
    overdue: bool


def working_time(calendar: WorkCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """The working time (working hours on working days) from ``start`` to ``end``."""
    zone = calendar.zone
    begin, finish = start.astimezone(zone), end.astimezone(zone)
    total = dt.timedelta()
    day = begin.date()
    for _ in range(20_000):  # a bound never reached: a case's deadline is within years
        if day > finish.date():
            break
        if calendar.is_workday(day):
            for open_at, close_at in calendar.hours.periods:
                lo = max(dt.datetime.combine(day, open_at, zone), begin)
                hi = min(dt.datetime.combine(day, close_at, zone), finish)
                if hi > lo:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return total


def _span(amount: dt.timedelta, day: dt.timedelta, work: bool, lang: Lang) -> str:
    """``2 个工作日 3 小时``, ``1 天 4 小时``, ``35 分钟``: days of ``day`` length, hours,
    minutes (minutes only under a day)."""
    days, rest = divmod(amount, day)
    hours, rest = divmod(rest, dt.timedelta(hours=1))
    minutes = rest // dt.timedelta(minutes=1)
    parts = []
    if days:
        kind = "work_day" if work else "day"
        parts.append(t(f"page.cases.span.{kind}{'' if days == 1 else 's'}", lang, n=days))
    if hours:
        parts.append(t("page.cases.span.hours", lang, n=hours))
    if not days and minutes:
        parts.append(t("page.cases.span.minutes", lang, n=minutes))
    return " ".join(parts) if parts else t("page.cases.span.moment", lang)


def countdown(
    record: CaseRecord, now: dt.datetime, calendar: WorkCalendar, lang: Lang
) -> Countdown | None:
    """Until the case's deadline at ``now``; None without a deadline or once done."""
    left = record.time_left(now)
    if left is None:
        return None
    if left <= dt.timedelta():
        past = _span(-left, dt.timedelta(days=1), False, lang)
        return Countdown(t("page.cases.overdue_by", lang, span=past), True)
    if _in_work_time(record.time_limit) and record.deadline is not None:
        work = working_time(calendar, now, record.deadline)
        if work >= dt.timedelta(minutes=1):
            span = _span(work, calendar.hours.day, True, lang)
            return Countdown(t("page.cases.left", lang, span=span), False)
    return Countdown(
        t("page.cases.left", lang, span=_span(left, dt.timedelta(days=1), False, lang)), False
    )


def _in_work_time(limit: str | None) -> bool:
    if not limit:
        return False
    try:
        return parse_time_limit(limit).unit in WORK_UNITS
    except TimeLimitSyntaxError:
        return False


# --- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """A case as a row of the list."""

    id: str
    href: str
    matter: str
    street: str
    unit: str
    status: str
    status_code: str
    deadline: str
    countdown: Countdown | None
    supervised: bool


def matter_text(record: CaseRecord) -> str:
    """The matter's name in the catalogue (else as the event gave it), then its code."""
    code = record.decision.matter
    name = record.matter_name or (record.event.matter if record.event.matter != code else "")
    return f"{name}（{code}）" if name else code


def case_row(record: CaseRecord, now: dt.datetime, calendar: WorkCalendar, lang: Lang) -> CaseRow:
    return CaseRow(
        id=record.id,
        href=f"/ui/cases/{record.id}",
        matter=matter_text(record),
        street=record.street_name or record.street or "—",
        unit=record.unit_name or record.unit,
        status=term("case_status", record.status.value, lang),
        status_code=record.status.value,
        deadline=shown_time(record.deadline),
        countdown=countdown(record, now, calendar, lang),
        supervised=record.supervised is not None,
    )


@dataclass(frozen=True)
class Paging:
    """Which page of the list: links to the previous and next, keeping the filters."""

    page: int
    pages: int
    total: int
    first: int
    last: int
    previous: str | None
    next: str | None


def paging(path: str, filters: Mapping[str, str], page: int, size: int, total: int) -> Paging:
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    kept = {k: v for k, v in filters.items() if v}

    def link(number: int) -> str:
        query = urlencode({**kept, "page": str(number)})
        return f"{path}?{query}"

    return Paging(
        page=page,
        pages=pages,
        total=total,
        first=(page - 1) * size + 1 if total else 0,
        last=min(page * size, total),
        previous=link(page - 1) if page > 1 else None,
        next=link(page + 1) if page < pages else None,
    )


@dataclass(frozen=True)
class Choice:
    """An option of a filter's select."""

    value: str
    label: str
    selected: bool = False


def choices(options: Sequence[tuple[str, str]], chosen: str) -> list[Choice]:
    return [Choice(value, label, value == chosen) for value, label in options]


# --- one case ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowLink:
    """A list row a decision or a ruling rests on, with the link to it."""

    href: str
    label: str
    unit: str
    role: str
    legal_basis: str


def row_link(duty: DutyRef, units: Mapping[str, str], lang: Lang) -> RowLink:
    basis = ("、" if lang == "zh" else "; ").join(duty.legal_basis)
    return RowLink(
        href=f"/ui/lists/{duty.list_id}/versions/{duty.version}#row-{duty.row}",
        label=t("page.case.row", lang, list=duty.list_id, version=duty.version, row=duty.row),
        unit=units.get(duty.unit, duty.unit),
        role=term("role", duty.role.value, lang),
        legal_basis=basis or "—",
    )


@dataclass(frozen=True)
class RulingView:
    """A return and the ruling on it."""

    number: int
    at: str
    unit: str
    reason: str
    evidence: str
    verdict: str | None = None
    verdict_code: str | None = None
    principle: str = ""
    holder: str = ""
    due: str = ""
    rows: list[RowLink] = field(default_factory=list)
    defect: str = ""
    escalated: str = ""


def ruling_view(number: int, round_: Round, units: Mapping[str, str], lang: Lang) -> RulingView:
    ruling = round_.ruling
    reason = term("dispute.reason", round_.reason.value, lang)
    unit = ruling.returned_by.name if ruling is not None else units.get(round_.unit, round_.unit)
    base = dict(
        number=number,
        at=shown_time(round_.at),
        unit=unit,
        reason=reason,
        evidence=round_.evidence or "",
    )
    if ruling is None:
        return RulingView(**base)  # type: ignore[arg-type]
    verdict = ruling.verdict.value
    due = ""
    if ruling.deadline is not None:
        key = "dispute.due.arbitrate" if verdict == "arbitrate" else f"dispute.due.{ruling.clock}"
        due = t(key, lang, deadline=shown_time(ruling.deadline), limit=ruling.time_limit).strip()
    return RulingView(
        **base,  # type: ignore[arg-type]
        verdict=term("dispute.verdict", verdict, lang),
        verdict_code=verdict,
        principle=ruling.principle.get(lang, ""),
        holder=t(f"dispute.holder.{verdict}", lang, unit=ruling.unit.name).strip(),
        due=due,
        rows=[row_link(d, units, lang) for d in ruling.duties],
        defect=term("dispute.defect", ruling.defect.value, lang) if ruling.defect else "",
        escalated=ruling.escalated_to.name if ruling.escalated_to is not None else "",
    )


@dataclass(frozen=True)
class StepView:
    """A step of the case's history."""

    at: str
    actor: str
    action: str
    action_code: str
    status: str
    unit: str
    note: str
    details: list[str]


def step_view(step: CaseStep, units: Mapping[str, str], lang: Lang) -> StepView:
    moved = (
        f"{term('case_status', step.from_status.value, lang)} → "
        if step.from_status is not None and step.from_status is not step.to_status
        else ""
    )
    details: list[str] = []
    data = step.details
    if step.action is CaseAction.return_ and isinstance(data.get("round"), dict):
        round_ = Round.model_validate(data["round"])
        details.append(
            t(
                "page.case.detail.reason",
                lang,
                reason=term("dispute.reason", round_.reason.value, lang),
            )
        )
        if round_.evidence:
            details.append(t("page.case.detail.evidence", lang, text=round_.evidence))
    ruling = data.get("ruling")
    if step.action is CaseAction.rule and isinstance(ruling, dict):
        verdict = str(ruling.get("verdict", ""))
        principle = ruling.get("principle")
        said = principle.get(lang, "") if isinstance(principle, dict) else ""
        details.append(
            t(
                "page.case.detail.ruling",
                lang,
                verdict=term("dispute.verdict", verdict, lang),
                principle=said or "—",
            )
        )
    if step.action is CaseAction.receive and isinstance(data.get("status"), str):
        details.append(
            t(
                "page.case.detail.routed",
                lang,
                status=term("route_status", str(data["status"]), lang),
            )
        )
    deadline = data.get("deadline")
    if isinstance(deadline, str):
        limit = data.get("time_limit") or "—"
        at = shown_time(dt.datetime.fromisoformat(deadline))
        details.append(t("page.case.detail.deadline", lang, deadline=at, limit=limit))
    if step.action is CaseAction.reassign and isinstance(data.get("by"), str):
        by = str(data["by"])
        details.append(t("page.case.detail.by", lang, unit=units.get(by, by)))
    return StepView(
        at=shown_time(step.at),
        actor=step.actor,
        action=term("case_action", step.action.value, lang),
        action_code=step.action.value,
        status=moved + term("case_status", step.to_status.value, lang),
        unit=units.get(step.unit, step.unit) if step.unit else "—",
        note=step.note,
        details=details,
    )


@dataclass(frozen=True)
class CaseView:
    """One case, as its page shows it."""

    id: str
    version: int
    status: str
    status_code: str
    holder: str
    holder_code: str
    deadline: str
    time_limit: str
    countdown: Countdown | None
    supervised: str
    event: list[Term]
    decision_status: str
    decision_lines: list[str]
    decision_facts: list[Term]
    rows: list[RowLink]
    steps: list[StepView]
    rulings: list[RulingView]
    done: bool


def case_view(
    record: CaseRecord,
    now: dt.datetime,
    calendar: WorkCalendar,
    units: Mapping[str, str],
    lang: Lang,
) -> CaseView:
    d = record.decision
    event = record.event
    facts = [
        Term(t("page.case.event.id", lang), event.id),
        Term(t("page.case.event.source", lang), record.source or "—"),
        Term(t("page.case.event.matter", lang), matter_text(record)),
        Term(t("page.case.event.street", lang), record.street_name or record.street or "—"),
        Term(t("page.case.event.area", lang), event.area or d.area),
        Term(t("page.case.event.reported", lang), shown_time(d.reported_at)),
    ]
    facts += [Term(str(k), _plain(v)) for k, v in event.attributes.items()]
    facts += [Term(str(k), _plain(v)) for k, v in d.extra.items()]
    decision_facts = [
        Term(t("page.case.decision.id", lang), d.decision_id),
        Term(
            t("page.case.decision.lists", lang),
            t(
                "page.case.decision.snapshot",
                lang,
                date=d.snapshot_date.isoformat(),
                hash=d.snapshot_hash[:12],
            ),
        ),
        Term(t("page.case.decision.dispatched", lang), shown_time(record.dispatched_at)),
    ]
    supervised = ""
    if record.supervised is not None:
        s = record.supervised
        supervised = t(
            "page.case.supervised_by", lang, by=s.by, at=shown_time(s.at), note=s.note or "—"
        )
    rounds = record.rounds
    return CaseView(
        id=record.id,
        version=record.version,
        status=term("case_status", record.status.value, lang),
        status_code=record.status.value,
        holder=record.unit_name or record.unit,
        holder_code=record.unit,
        deadline=shown_time(record.deadline),
        time_limit=record.time_limit or "—",
        countdown=countdown(record, now, calendar, lang),
        supervised=supervised,
        event=facts,
        decision_status=term("route_status", d.status.value, lang),
        decision_lines=_explained(record),
        decision_facts=decision_facts,
        rows=[row_link(duty, units, lang) for duty in d.duties],
        steps=[step_view(step, units, lang) for step in record.steps],
        rulings=[ruling_view(n, r, units, lang) for n, r in enumerate(rounds, 1)],
        done=record.status in DONE,
    )


def _explained(record: CaseRecord) -> list[str]:
    """The decision explained (remit route's words), without its title and the rows it
    cites (the page lists those with their links)."""
    d = record.decision
    lines = decision_lines(d)
    tail = len(d.duties) + len(d.resolved) + len(d.lost) + (1 if d.rules_fired else 0) + 1
    head = lines[1 : len(lines) - tail]
    rest = lines[len(lines) - tail + len(d.duties) :]
    return [line.strip() for line in head + rest]


def _plain(value: object) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def reason_choices(lang: Lang) -> list[Choice]:
    """The reasons a unit may give for a return (退单理由): codes with their Chinese labels
    (in English, the English words first)."""
    if lang == "zh":
        return [Choice(r.value, r.label) for r in Reason]
    return [Choice(r.value, f"{term('dispute.reason', r.value, lang)} ({r.label})") for r in Reason]


def local_now(now: dt.datetime) -> str:
    """``now`` in Beijing time, as the page says when it was read."""
    return now.astimezone(CITY_ZONE).strftime("%Y-%m-%d %H:%M")


__all__ = [
    "CaseRow",
    "CaseView",
    "Choice",
    "Countdown",
    "Paging",
    "RowLink",
    "RulingView",
    "StepView",
    "Term",
    "case_row",
    "case_view",
    "choices",
    "countdown",
    "local_now",
    "matter_text",
    "paging",
    "reason_choices",
    "shown_time",
    "working_time",
]
