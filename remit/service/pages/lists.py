"""The list pages: every list and the version in force, a version's rows, two versions side by
side, the audit log (everyone signed in); a table uploaded as a list's new draft, a draft
published, a version withdrawn (policy officers) — the calls ``remit registry lists/show/diff/
log/import/publish/withdraw`` make, each write under the signed-in login.

A change that reaches into the past (a date before today, a version that has been in force) is
refused by the registry unless it says it is retroactive, with a note: the page then shows what
it would change and asks to confirm, as the command line asks for ``--retroactive --note``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from remit.errors import InputError, Problem
from remit.files.tables import TABLE_SUFFIXES
from remit.i18n import t
from remit.identity import Role, User
from remit.present.pages_lists import (
    day,
    diff_view,
    duty_views,
    list_view,
    log_rows,
    problem_views,
    reference_rows,
    refused_marks,
    refused_table,
    version_view,
)
from remit.present.text import term
from remit.registry import Registry
from remit.registry.entities import ListInfo, ListVersion, Matter, VersionStatus
from remit.registry.state import RegistryState
from remit.registry.table_import import TableImportError, TableRead, read_table, summary_text
from remit.registry.versions import effective_until, in_force
from remit.service.pages.common import (
    NAVIGATION,
    PAGE_ROUTERS,
    PageEntry,
    page,
    page_for,
    refused_page,
    title,
    viewer,
)
from remit.service.state import Services, services
from remit.service.uploads import Uploads, uploads

router = APIRouter(include_in_schema=False)
PAGE_ROUTERS.append(router)
NAVIGATION.append(PageEntry("/ui/lists", "page.lists.title"))
NAVIGATION.append(PageEntry("/ui/audit", "page.lists.audit_title"))

Reader = Annotated[User, Depends(viewer)]
Officer = Annotated[User, Depends(page_for(Role.policy_officer))]
Found = Annotated[Services, Depends(services)]
ListQuery = Annotated[str, Query(alias="list", max_length=200)]

LOG_PAGE = 50
"""Audit log entries a page."""

DONE = {
    "imported": "page.lists.done_imported",
    "published": "page.lists.done_published",
    "withdrawn": "page.lists.done_withdrawn",
}
"""The notice after a write (``?done=…`` on the page it goes to)."""

RETROACTIVE = {"version.retroactive", "version.retroactive_note"}
"""The registry's refusals of a change into the past that is not confirmed (with a note)."""


# --- names ---------------------------------------------------------------------------------------


def _matters(state: RegistryState) -> dict[str, Matter]:
    """Every matter of every version of the catalogue, by code (the newest version last)."""
    return {m.code: m for v in state.versions.get(state.catalogue_id or "", []) for m in v.matters}


def _units(state: RegistryState) -> dict[str, str]:
    return {code: unit.name for code, unit in state.units.items()}


def _areas(state: RegistryState) -> dict[str, str]:
    return {code: area.name for code, area in state.areas.items()}


def _can_write(user: User) -> bool:
    return user.has(Role.policy_officer)


def _missing(request: Request, user: User, message: str) -> Response:
    """The page for a list or version the registry does not have (404)."""
    return refused_page(request, 404, message, user)


class Missing(Exception):
    def __init__(self, message: str):
        self.message = message


def _info(state: RegistryState, list_id: str) -> ListInfo:
    info = state.lists.get(list_id)
    if info is None:
        raise Missing(t("page.lists.unknown_list", list_id=list_id))
    return info


def _version(registry: Registry, state: RegistryState, list_id: str, number: int) -> ListVersion:
    if not any(v.version == number for v in state.versions.get(list_id, [])):
        raise Missing(t("page.lists.unknown_version", list_id=list_id, version=number))
    return registry.version(list_id, number, known_at=state.revision)


def _chosen(
    request: Request,
    user: User,
    registry: Registry,
    state: RegistryState,
    list_id: str,
    number: int,
) -> ListVersion | Response:
    """Version ``number`` of the list ``list_id``, or the page saying it does not exist."""
    try:
        _info(state, list_id)
        return _version(registry, state, list_id, number)
    except Missing as exc:
        return _missing(request, user, exc.message)


# --- reading -------------------------------------------------------------------------------------


@router.get("/ui/lists")
def lists_page(request: Request, user: Reader, found: Found) -> Response:
    """Every list: its kind, owner unit, versions, the one in force today and its dates."""
    registry = found.registry
    today = dt.date.today()
    state = registry.state()
    units, areas = _units(state), _areas(state)
    views = [list_view(s, units, areas) for s in registry.lists(today, state.revision)]
    return page(
        request,
        "lists.html.j2",
        title("page.lists.title"),
        user,
        lists=[v for v in views if not v.reference],
        references=[v for v in views if v.reference],
        today=day(today),
        can_write=_can_write(user),
    )


@router.get("/ui/lists/import")
def import_page(request: Request, user: Officer, found: Found, list_id: ListQuery = "") -> Response:
    """The form to upload an office's table as a list's new draft."""
    return _import_form(request, user, found.registry.state(), list_id=list_id)


@router.get("/ui/lists/{list_id}")
def list_page(request: Request, list_id: str, user: Reader, found: Found) -> Response:
    """A list: its versions, and the rows of the version in force (else the newest)."""
    registry = found.registry
    state = registry.state()
    try:
        _info(state, list_id)
        if not state.versions.get(list_id):
            raise Missing(t("page.lists.no_versions", list_id=list_id))
    except Missing as exc:
        return _missing(request, user, exc.message)
    chosen = registry.version(list_id, known_at=state.revision)
    return _version_page(request, user, registry, state, list_id, chosen, whole_list=True)


@router.get("/ui/lists/{list_id}/versions/{number}")
def version_page(
    request: Request,
    list_id: str,
    number: int,
    user: Reader,
    found: Found,
    done: str = "",
    changes: int | None = None,
) -> Response:
    """One version's rows, its status, who published it when."""
    registry = found.registry
    state = registry.state()
    chosen = _chosen(request, user, registry, state, list_id, number)
    if isinstance(chosen, Response):
        return chosen
    notice = ""
    if done in DONE:
        notice = t(DONE[done], list_id=list_id, version=number)
        if changes is not None:
            notice += " " + t("page.lists.done_changes", count=changes)
    return _version_page(request, user, registry, state, list_id, chosen, notice=notice)


def _version_page(
    request: Request,
    user: User,
    registry: Registry,
    state: RegistryState,
    list_id: str,
    chosen: ListVersion,
    *,
    whole_list: bool = False,
    notice: str = "",
    problems: list[str] | None = None,
    status: int = 200,
    publish_form: Mapping[str, str] | None = None,
) -> Response:
    info = state.lists[list_id]
    today = dt.date.today()
    versions = state.versions.get(list_id, [])
    current = in_force(versions, today)
    units, areas = _units(state), _areas(state)
    shown = [
        version_view(v, effective_until(versions, v), current is not None and v is current)
        for v in versions
    ]
    this = next(v for v in shown if v.number == chosen.version)
    duties = (
        duty_views(chosen.duties, _matters(state), units, areas) if not info.is_reference else []
    )
    others = reference_rows(chosen) if info.is_reference else []
    earlier = [v.version for v in versions if v.version < chosen.version]
    heading = (
        title("page.lists.list_title", list_id=list_id, name=info.name)
        if whole_list
        else title(
            "page.lists.version_title", list_id=list_id, name=info.name, version=chosen.version
        )
    )
    return page(
        request,
        "lists_version.html.j2",
        heading,
        user,
        status=status,
        info=info,
        kind_text=_kind_text(info),
        owner=units.get(info.issuer, info.issuer) if info.issuer else "",
        scope=areas.get(info.scope, info.scope) if info.scope else "",
        versions=shown[::-1],
        version=this,
        duties=duties,
        others=others,
        previous=earlier[-1] if earlier else None,
        whole_list=whole_list,
        notice=notice,
        problems=problems or [],
        can_write=_can_write(user),
        today=day(today),
        form=publish_form or {"effective_from": "", "effective_to": "", "note": ""},
    )


def _kind_text(info: ListInfo) -> str:
    return term("kind", str(info.kind))


@router.get("/ui/lists/{list_id}/diff")
def diff_page(
    request: Request,
    list_id: str,
    user: Reader,
    found: Found,
    a: int | None = None,
    b: int | None = None,
) -> Response:
    """Two versions side by side: rows removed, added and changed (the changed fields marked)."""
    registry = found.registry
    state = registry.state()
    try:
        info = _info(state, list_id)
        if not state.versions.get(list_id):
            raise Missing(t("page.lists.no_versions", list_id=list_id))
        for number in (a, b):
            if number is not None:
                _version(registry, state, list_id, number)
    except Missing as exc:
        return _missing(request, user, exc.message)
    versions = [v.version for v in state.versions.get(list_id, [])]
    if b is None:
        current = in_force(state.versions.get(list_id, []), dt.date.today())
        b = current.version if current else versions[-1]
    if a is None:
        before = [n for n in versions if n < b]
        a = before[-1] if before else b
    diff = registry.diff(list_id, a, b)
    matters = _matters(state)
    names = {code: m.name for code, m in matters.items()} | _units(state) | _areas(state)
    attributes = {code: m.attributes for code, m in matters.items()}
    labels, rows = diff_view(diff, names, attributes)
    return page(
        request,
        "lists_diff.html.j2",
        title("page.lists.diff_title", list_id=list_id, a=a, b=b),
        user,
        info=info,
        versions=[
            (v.version, t(f"status.{v.status.value}"))
            for v in state.versions.get(list_id, [])[::-1]
        ],
        a=a,
        b=b,
        labels=labels,
        rows=rows,
        counts={
            "added": len(diff.added),
            "removed": len(diff.removed),
            "changed": len(diff.changed),
            "unchanged": diff.unchanged,
        },
    )


@router.get("/ui/audit")
def audit_page(
    request: Request,
    user: Reader,
    found: Found,
    asked: Annotated[str, Query(alias="page", max_length=12)] = "1",
    only: ListQuery = "",
) -> Response:
    """The audit log, newest first, :data:`LOG_PAGE` entries a page."""
    registry = found.registry
    state = registry.state()
    list_id = only or None
    page_number = int(asked) if asked.isdigit() else 1
    if list_id is not None and list_id not in state.lists:
        return _missing(request, user, t("page.lists.unknown_list", list_id=list_id))
    entries = registry.log(list_id)[::-1]
    pages = max(1, -(-len(entries) // LOG_PAGE))
    number = min(max(1, page_number), pages)
    shown = entries[(number - 1) * LOG_PAGE : number * LOG_PAGE]

    def link(n: int) -> str:
        query = {"page": n, **({"list": list_id} if list_id else {})}
        return "/ui/audit?" + urlencode(query)

    return page(
        request,
        "lists_audit.html.j2",
        title("page.lists.audit_title"),
        user,
        rows=log_rows(shown),
        total=len(entries),
        number=number,
        pages=pages,
        newer=link(number - 1) if number > 1 else "",
        older=link(number + 1) if number < pages else "",
        list_id=list_id or "",
        lists=sorted(state.lists),
    )


# --- writing -------------------------------------------------------------------------------------


def _import_form(
    request: Request,
    user: User,
    state: RegistryState,
    *,
    list_id: str = "",
    note: str = "",
    problems: list[Problem] | None = None,
    summary: str = "",
    read: TableRead | None = None,
    status: int = 200,
) -> Response:
    choices = sorted((info.id, info.name) for info in state.lists.values() if not info.is_reference)
    found = problems or []
    return page(
        request,
        "lists_import.html.j2",
        title("page.lists.import_title"),
        user,
        status=status,
        choices=choices,
        list_id=list_id,
        note=note,
        problems=problem_views(found, read),
        refused_rows=refused_marks(found),
        table=refused_table(found, read),
        summary=summary,
        accept=",".join(sorted(TABLE_SUFFIXES)),
    )


@router.post("/ui/lists/import")
def import_table(
    request: Request,
    user: Officer,
    found: Found,
    table: Annotated[UploadFile, File()],
    mapping: Annotated[UploadFile | None, File()] = None,
    list_id: Annotated[str, Form(alias="list", max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """An office's table (CSV/XLSX) and its column mapping (YAML) as the list's new draft;
    every problem shown by row and field, nothing written while there is one."""
    registry = found.registry
    state = registry.state()
    name = table.filename or ""
    content = table.file.read()
    mapped = None
    if mapping is not None and mapping.filename:
        mapped = (mapping.filename, mapping.file.read())

    def refused(
        problems: list[Problem], summary: str = "", read: TableRead | None = None
    ) -> Response:
        return _import_form(
            request,
            user,
            state,
            list_id=list_id,
            note=note,
            problems=problems,
            summary=summary,
            read=read,
            status=400,
        )

    if not list_id:
        return refused([Problem("page.lists.need_list", field="list")])
    if _suffix(name) not in TABLE_SUFFIXES or not content:
        expected = ", ".join(sorted(TABLE_SUFFIXES))
        return refused([Problem("page.lists.need_table", {"expected": expected}, source=name)])
    if mapped is not None and _suffix(mapped[0]) not in {".yaml", ".yml"}:
        return refused([Problem("page.lists.need_mapping", source=mapped[0])])
    try:
        with uploads() as spool:
            path = spool.add(name, content)
            mapping_path = spool.add(mapped[0], mapped[1]) if mapped else None
            try:
                result = registry.import_table(
                    path, list_id, mapping_path, by=user.login, note=note or None
                )
            except TableImportError as exc:
                exc.problems[:] = [spool.relocated(p) for p in exc.problems]
                read = _read_again(path, mapping_path, spool)
                return refused(exc.problems, summary_text(exc.summary), read)
    except InputError as exc:
        return refused(exc.problems)
    change = next((c for c in result.plan.changes if c.list_id == list_id), None)
    if change is None:  # the table says what the draft says already: nothing to write
        return _to(f"/ui/lists/{list_id}")
    return _to(f"/ui/lists/{list_id}/versions/{change.version.version}", done="imported")


def _read_again(path: Path, mapping: Path | None, spool: Uploads) -> TableRead | None:
    """The refused table's cells (to show its refused rows as the office wrote them), under
    the names the file was uploaded as; None when the table cannot be read at all."""
    try:
        read = read_table(path, mapping)
    except InputError:
        return None
    return TableRead(cells={(spool.shown(s), r): c for (s, r), c in read.cells.items()})


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def _to(path: str, **query: Any) -> RedirectResponse:
    shown = {k: v for k, v in query.items() if v is not None}
    return RedirectResponse(path + (f"?{urlencode(shown)}" if shown else ""), status_code=303)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@router.post("/ui/lists/{list_id}/versions/{number}/publish")
def publish(
    request: Request,
    list_id: str,
    number: int,
    user: Officer,
    found: Found,
    effective_from: Annotated[str, Form(max_length=20)] = "",
    effective_to: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    retroactive: Annotated[bool, Form()] = False,
) -> Response:
    """Publish the draft from a day. A day before today changes what was in force: the page
    shows what it replaces and asks to confirm it, with a note saying why."""
    registry = found.registry
    state = registry.state()
    chosen = _chosen(request, user, registry, state, list_id, number)
    if isinstance(chosen, Response):
        return chosen
    form = {"effective_from": effective_from, "effective_to": effective_to, "note": note}

    def again(message: str, status: int = 400) -> Response:
        return _version_page(
            request,
            user,
            registry,
            state,
            list_id,
            chosen,
            problems=[message],
            status=status,
            publish_form=form,
        )

    if chosen.status is not VersionStatus.draft:
        return again(t("page.lists.not_draft", status=t(f"status.{chosen.status.value}")), 409)
    start, end = _date(effective_from), _date(effective_to)
    if start is None:
        return again(t("page.lists.bad_date", field=t("page.lists.effective_from")))
    if effective_to.strip() and end is None:
        return again(t("page.lists.bad_date", field=t("page.lists.effective_to")))
    try:
        registry.publish(
            list_id,
            start,
            note=note or None,
            by=user.login,
            effective_to=end,
            retroactive=retroactive,
            version=number,
        )
    except InputError as exc:
        if any(p.key in RETROACTIVE for p in exc.problems):
            versions = state.versions.get(list_id, [])
            replaced = in_force(versions, start)
            return _confirm(
                request,
                user,
                "publish",
                list_id,
                number,
                version_view(chosen, None),
                (day(start), day(dt.date.today() - dt.timedelta(days=1))),
                replaced,
                form,
                retroactive,
            )
        if any(p.key == "version.no_draft" for p in exc.problems):
            return again(t("page.lists.not_draft", status=t("status.published")), 409)
        return again_problems(request, user, registry, state, list_id, chosen, exc, form)
    after = registry.state()
    changes = len(registry.changes(state, after)) if retroactive else None
    return _to(f"/ui/lists/{list_id}/versions/{number}", done="published", changes=changes)


def again_problems(
    request: Request,
    user: User,
    registry: Registry,
    state: RegistryState,
    list_id: str,
    chosen: ListVersion,
    exc: InputError,
    form: Mapping[str, str],
) -> Response:
    return _version_page(
        request,
        user,
        registry,
        state,
        list_id,
        chosen,
        problems=[p.render() for p in exc.problems],
        status=400,
        publish_form=form,
    )


@router.post("/ui/lists/{list_id}/versions/{number}/withdraw")
def withdraw(
    request: Request,
    list_id: str,
    number: int,
    user: Officer,
    found: Found,
    note: Annotated[str, Form(max_length=2000)] = "",
    retroactive: Annotated[bool, Form()] = False,
) -> Response:
    """Withdraw a version: never in force again. One that has been in force changes the
    past: the page shows the days it governed and what is in force on them instead, and asks
    to confirm it with a note."""
    registry = found.registry
    state = registry.state()
    chosen = _chosen(request, user, registry, state, list_id, number)
    if isinstance(chosen, Response):
        return chosen
    form = {"note": note}
    try:
        registry.withdraw(
            list_id, number, note=note or None, by=user.login, retroactive=retroactive
        )
    except InputError as exc:
        if any(p.key in RETROACTIVE for p in exc.problems):
            versions = state.versions.get(list_id, [])
            rest = [v for v in versions if v.version != number]
            start = chosen.effective_from or dt.date.min
            until = effective_until(versions, chosen)
            yesterday = dt.date.today() - dt.timedelta(days=1)
            replaced = in_force(rest, start) if chosen.effective_from else None
            return _confirm(
                request,
                user,
                "withdraw",
                list_id,
                number,
                version_view(chosen, until),
                (day(chosen.effective_from), day(min(until, yesterday) if until else yesterday)),
                replaced,
                form,
                retroactive,
            )
        return again_problems(request, user, registry, state, list_id, chosen, exc, {})
    changes = len(registry.changes(state, registry.state())) if retroactive else None
    return _to(f"/ui/lists/{list_id}/versions/{number}", done="withdrawn", changes=changes)


def _confirm(
    request: Request,
    user: User,
    what: str,
    list_id: str,
    number: int,
    version: Any,
    days: tuple[Any, Any],
    replaced: Any,
    form: dict[str, str],
    retroactive: bool,
) -> Response:
    """The page that asks to confirm a change of what was in force (``what``: publish or
    withdraw): the days it changes (``days``: first, last), what was in force on them."""
    return page(
        request,
        "lists_confirm.html.j2",
        title(f"page.lists.confirm_{what}_title", list_id=list_id, version=number),
        user,
        action=f"/ui/lists/{list_id}/versions/{number}/{what}",
        back=f"/ui/lists/{list_id}/versions/{number}",
        what=what,
        version=version,
        first=days[0],
        last=days[1],
        replaced=replaced.version if replaced else None,
        form=form,
        note_missing=retroactive,
        list_id=list_id,
    )
