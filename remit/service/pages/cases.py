"""The case pages: the dispatcher's list of every case (``/ui/cases``, filters by unit, status
and street), a unit's inbox (``/ui/inbox``: its own unit's cases), and one case
(``/ui/cases/{id}``: the event, the decision explained with the list rows it rests on, the
history, the returns with their rulings, and the acts the viewer may do now as forms).

Each act is a POST of a form carrying the version of the case the page showed; it is done
through :class:`~remit.casework.CaseBook` as the JSON API does it (the unit rule: a unit acts
on the cases it holds; the centre's acts are a dispatcher's), then 303 back to the case with a
notice. A refusal — the case changed since it was read, an act its status does not allow —
shows the case again with the reason, never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from remit.casework import CaseRecord, CaseStatus
from remit.casework.records import MOVES, CaseAction
from remit.deadlines import CITY_ZONE, WorkCalendar
from remit.errors import InputError
from remit.events.cases import Reason
from remit.i18n import current_lang, t
from remit.identity import Role, User
from remit.present.pages_cases import (
    case_row,
    case_view,
    choices,
    local_now,
    paging,
    reason_choices,
)
from remit.service.pages.common import (
    NAVIGATION,
    PAGE_ROUTERS,
    PageEntry,
    page,
    refused_page,
    title,
    viewer,
)
from remit.service.problems import input_status
from remit.service.state import Services, services

router = APIRouter(include_in_schema=False)
PAGE_ROUTERS.append(router)
NAVIGATION.append(PageEntry("/ui/cases", "page.cases.title", (Role.dispatcher,)))
NAVIGATION.append(PageEntry("/ui/inbox", "page.inbox.title", (Role.unit,)))

PAGE_SIZE = 25
YES_NO = {"yes": True, "no": False}
"""The overdue and 督办 filters' values (anything else: either)."""
UNIT_ACTS = ("accept", "return", "resolve")
CENTRE_ACTS = ("reassign", "close", "supervise")
NOTE_MAX = 2000
EVIDENCE_MAX = 4000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _calendar(found: Services) -> WorkCalendar:
    return found.book.calendar.using(found.registry.state().calendar)


def _unit_names(found: Services) -> dict[str, str]:
    state = found.registry.state()
    units = {**state.units, **state.units_on(dt.datetime.now(CITY_ZONE).date())}
    return {code: unit.name for code, unit in units.items()}


def refused(request: Request, user: User, status: int, message: str) -> Response:
    """A page that says why it cannot be shown (403, 404 …), with the navigation."""
    return refused_page(request, status, message, user)


# --- the lists ---------------------------------------------------------------------------------


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < len(text) < 7 else 1


def _listing(
    request: Request,
    found: Services,
    user: User,
    *,
    path: str,
    key: str,
    unit: str,
    status: str,
    street: str,
    flags: dict[str, str],
    page_text: str,
    own_unit: str | None,
) -> Response:
    lang = current_lang.get()
    problems: list[str] = []
    code = 200
    status = status.strip()
    if status and status not in {s.value for s in CaseStatus}:
        problems.append(t("page.cases.bad_status", status=status))
        status = ""
    filters: dict[str, Any] = {
        "unit": own_unit if own_unit is not None else (unit.strip() or None),
        "status": status or None,
        "street": street.strip() or None,
        **{name: YES_NO.get(value) for name, value in flags.items()},
    }
    try:
        total = found.book.count(**filters)
    except InputError as exc:
        problems += [p.render(lang) for p in exc.problems]
        filters.update(unit=own_unit, street=None)
        unit = street = ""
        total = found.book.count(**filters)
    if problems:
        code = 400
    shown = (
        {"status": status}
        if own_unit is not None
        else {
            "unit": unit.strip(),
            "status": status,
            "street": street.strip(),
        }
    )
    pages = paging(path, shown, _page_number(page_text), PAGE_SIZE, total)
    records = found.book.list(**filters, limit=PAGE_SIZE, offset=(pages.page - 1) * PAGE_SIZE)
    now = _now()
    calendar = _calendar(found)
    state = found.registry.state()
    today = dt.datetime.now(CITY_ZONE).date()
    units = sorted(state.units_on(today).values(), key=lambda u: u.code)
    streets = [a for a in state.areas_on(today).values() if a.level.value == "street"]
    statuses = [(s.value, t(f"case_status.{s.value}")) for s in CaseStatus]
    unit_name = ""
    if own_unit is not None:
        unit_name = _unit_names(found).get(own_unit, own_unit)
    return page(
        request,
        "cases_list.html.j2",
        title(key),
        user,
        status=code,
        action=path,
        dispatcher=own_unit is None,
        unit_name=unit_name,
        problems=problems,
        rows=[case_row(r, now, calendar, lang) for r in records],
        paging=pages,
        unit_choices=choices([(u.code, f"{u.name}（{u.code}）") for u in units], unit.strip()),
        status_choices=choices(statuses, status),
        street_choices=choices([(a.code, a.name) for a in streets], street.strip()),
        overdue_choices=choices(
            [("yes", t("page.cases.overdue_yes")), ("no", t("page.cases.overdue_no"))],
            flags["overdue"],
        ),
        supervised_choices=choices(
            [("yes", t("page.cases.supervised_yes")), ("no", t("page.cases.supervised_no"))],
            flags["supervised"],
        ),
        read_at=local_now(now),
    )


@router.get("/ui/cases")
def case_list(
    request: Request,
    unit: str = "",
    status: str = "",
    street: str = "",
    overdue: str = "",
    supervised: str = "",
    page_number: Annotated[str, Query(alias="page")] = "1",
    user: User = Depends(viewer),
    found: Services = Depends(services),
) -> Response:
    """Every case, for a dispatcher: by unit, status and street, a page at a time."""
    if not user.has(Role.dispatcher):
        return refused(
            request, user, 403, t("page.cases.refused.role", roles=t("page.role.dispatcher"))
        )
    return _listing(
        request,
        found,
        user,
        path="/ui/cases",
        key="page.cases.title",
        unit=unit,
        status=status,
        street=street,
        flags={"overdue": overdue, "supervised": supervised},
        page_text=page_number,
        own_unit=None,
    )


@router.get("/ui/inbox")
def inbox(
    request: Request,
    status: str = "",
    overdue: str = "",
    supervised: str = "",
    page_number: Annotated[str, Query(alias="page")] = "1",
    user: User = Depends(viewer),
    found: Services = Depends(services),
) -> Response:
    """The cases the user's unit holds (or held), by status, a page at a time."""
    if not user.has(Role.unit):
        return refused(request, user, 403, t("page.cases.refused.role", roles=t("page.role.unit")))
    if user.unit is None:
        return refused(request, user, 403, t("page.cases.refused.no_unit", login=user.login))
    return _listing(
        request,
        found,
        user,
        path="/ui/inbox",
        key="page.inbox.title",
        unit="",
        status=status,
        street="",
        flags={"overdue": overdue, "supervised": supervised},
        page_text=page_number,
        own_unit=user.unit,
    )


# --- one case ----------------------------------------------------------------------------------


def _read(request: Request, found: Services, user: User, case_id: str) -> CaseRecord | Response:
    """The case, if ``user`` may read it (as the JSON API: a dispatcher every case, a unit
    the cases it holds or held); else the page that says why not."""
    if not user.has(Role.dispatcher, Role.unit):
        roles = f"{t('page.role.dispatcher')}、{t('page.role.unit')}"
        return refused(request, user, 403, t("page.cases.refused.role", roles=roles))
    record = found.book.get(case_id) if len(case_id) <= 64 else None
    if record is None:
        return refused(request, user, 404, t("page.cases.refused.unknown", id=case_id[:64]))
    if user.has(Role.dispatcher):
        return record
    held = {record.unit, *(step.unit for step in record.steps if step.unit)}
    if user.unit is None or user.unit not in held:
        return refused(
            request, user, 403, t("page.cases.refused.not_yours", id=record.id, login=user.login)
        )
    return record


def _acts(record: CaseRecord, user: User) -> list[str]:
    """The acts ``user`` may do on the case now."""
    acts = []
    if user.has(Role.unit) and user.unit == record.unit:
        for act, action in (
            ("accept", CaseAction.accept),
            ("return", CaseAction.return_),
            ("resolve", CaseAction.resolve),
        ):
            if record.status in MOVES[action]:
                acts.append(act)
    if user.has(Role.dispatcher):
        if record.status in MOVES[CaseAction.reassign] and record.centre_holds():
            acts.append("reassign")
        if record.status in MOVES[CaseAction.close]:
            acts.append("close")
        if record.status in MOVES[CaseAction.supervise] and record.supervised is None:
            acts.append("supervise")
    return acts


def _case_page(
    request: Request,
    found: Services,
    user: User,
    record: CaseRecord,
    *,
    status: int = 200,
    done: str = "",
    problems: list[str] | None = None,
    changed: bool = False,
) -> Response:
    lang = current_lang.get()
    now = _now()
    names = _unit_names(found)
    view = case_view(record, now, _calendar(found), names, lang)
    acts = _acts(record, user)
    targets: list[tuple[str, str]] = []
    if "reassign" in acts:
        state = found.registry.state()
        today = dt.datetime.now(CITY_ZONE).date()
        targets = [
            (u.code, f"{u.name}（{u.code}）")
            for u in sorted(state.units_on(today).values(), key=lambda u: u.code)
            if u.code != record.unit
        ]
    notice = t(f"page.case.done.{done}") if done in (*UNIT_ACTS, *CENTRE_ACTS) else ""
    back = "/ui/cases" if user.has(Role.dispatcher) else "/ui/inbox"
    return page(
        request,
        "cases_one.html.j2",
        title("page.case.title", id=record.id),
        user,
        status=status,
        case=view,
        acts=acts,
        reasons=reason_choices(lang),
        targets=choices(targets, ""),
        notice=notice,
        returned=done == "return",
        problems=problems or [],
        changed=changed,
        back=back,
        note_max=NOTE_MAX,
        evidence_max=EVIDENCE_MAX,
        read_at=local_now(now),
    )


@router.get("/ui/cases/{case_id}")
def one_case(
    request: Request,
    case_id: str,
    done: str = "",
    user: User = Depends(viewer),
    found: Services = Depends(services),
) -> Response:
    """One case: its event, its decision explained, its history, the acts allowed now."""
    record = _read(request, found, user, case_id)
    if isinstance(record, Response):
        return record
    return _case_page(request, found, user, record, done=done)


@router.post("/ui/cases/{case_id}/{act}")
def act_on_case(
    request: Request,
    case_id: str,
    act: str,
    version: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
    reason: Annotated[str, Form(max_length=64)] = "",
    evidence: Annotated[str, Form(max_length=EVIDENCE_MAX)] = "",
    to: Annotated[str, Form(max_length=200)] = "",
    user: User = Depends(viewer),
    found: Services = Depends(services),
) -> Response:
    """An act on the case, checked against the version the page showed; 303 back to the case
    (a notice says what was done), or the case again with the refusal."""
    if act not in (*UNIT_ACTS, *CENTRE_ACTS):
        return refused(request, user, 404, t("page.cases.refused.no_act", act=act[:32]))
    record = _read(request, found, user, case_id)
    if isinstance(record, Response):
        return record
    lang = current_lang.get()
    if act in UNIT_ACTS and not user.has(Role.unit):
        return refused(request, user, 403, t("page.cases.refused.role", roles=t("page.role.unit")))
    if act in CENTRE_ACTS and not user.has(Role.dispatcher):
        roles = t("page.role.dispatcher")
        return refused(request, user, 403, t("page.cases.refused.role", roles=roles))
    read = int(version) if version.strip().isdigit() else None
    if read is None:
        problems = [t("page.case.no_version")]
        return _case_page(request, found, user, record, status=400, problems=problems)
    if act == "return" and reason not in {r.value for r in Reason}:
        problems = [t("page.case.no_reason")]
        return _case_page(request, found, user, record, status=400, problems=problems)
    if act == "reassign" and not to.strip():
        problems = [t("page.case.no_target")]
        return _case_page(request, found, user, record, status=400, problems=problems)
    book = found.book
    unit = user.unit or ""
    try:
        if act == "accept":
            book.accept(record.id, user.login, unit, version=read)
        elif act == "return":
            book.return_(record.id, user.login, unit, reason, note, evidence, version=read)
        elif act == "resolve":
            book.resolve(record.id, user.login, unit, note, version=read)
        elif act == "reassign":
            book.reassign(record.id, user.login, record.unit, to, note, version=read)
        elif act == "close":
            book.close(record.id, user.login, note, version=read)
        else:
            book.supervise(record.id, user.login, note, version=read)
    except InputError as exc:
        now = book.get(record.id) or record
        changed = any(p.key == "case.changed" for p in exc.problems)
        problems = [p.render(lang) for p in exc.problems]
        return _case_page(
            request, found, user, now, status=input_status(exc), problems=problems, changed=changed
        )
    return RedirectResponse(f"/ui/cases/{record.id}?done={act}#notice", status_code=303)
