"""The registry over HTTP: the lists, their versions, the snapshot in force, the audit log and
the file schemas (any signed-in user); import, publish and withdraw (policy officers), each
recorded under the caller's login — the calls ``remit registry …`` and ``remit schema`` make."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import Field

from remit.errors import InputError
from remit.files.tables import TABLE_SUFFIXES
from remit.files.text import Text
from remit.i18n import t
from remit.identity import Role, User
from remit.model import Model
from remit.present.registry import version_json
from remit.present.schemas import SCHEMAS
from remit.registry import Registry
from remit.registry.entities import ListInfo, ListVersion, VersionStatus
from remit.registry.facade import ImportResult
from remit.registry.state import ImportPlan
from remit.registry.table_import import TableImportError, TableSummary
from remit.registry.versions import effective_until
from remit.service.api.common import json_response, known_at_value, plain
from remit.service.auth import current_user, require
from remit.service.problems import HTTPProblem, problem_body, problem_item, problem_response
from remit.service.state import Services, services
from remit.service.uploads import uploads

router = APIRouter(tags=["registry"])

Reader = Annotated[User, Depends(current_user)]
Officer = Annotated[User, Depends(require(Role.policy_officer))]
Found = Annotated[Services, Depends(services)]
OnDate = Annotated[
    dt.date | None, Query(description="the day in force (default today, Asia/Shanghai)")
]
KnownAtQuery = Annotated[
    str | None,
    Query(description="the registry as it stood at this revision (a number, a time, latest)"),
]


@router.get("/lists", summary="Every list with its versions and the one in force")
def lists(
    found: Found, _user: Reader, on: OnDate = None, known_at: KnownAtQuery = None
) -> Response:
    """The catalogue, the areas, the units and the lists: their versions (status, dates in
    force, row counts) and the version in force on ``on``, as the registry stood at
    ``known_at`` — ``remit registry lists``."""
    day = on or dt.date.today()
    summaries = found.registry.lists(day, known_at_value(known_at))
    return json_response(
        [
            {
                "id": s.info.id,
                "name": s.info.name,
                "kind": str(s.info.kind),
                "in_force": s.in_force.version if s.in_force else None,
                "versions": [version_json(v, s.until(v)) for v in s.versions],
            }
            for s in summaries
        ]
    )


@router.get("/lists/{list_id}", summary="One list: its versions with their dates in force")
def list_versions(
    list_id: str, found: Found, _user: Reader, on: OnDate = None, known_at: KnownAtQuery = None
) -> Response:
    """One list (or the catalogue, the areas, the units) and its versions; 404 for a list the
    registry does not have."""
    registry = found.registry
    state = registry.state(known_at_value(known_at))
    info = _known_list(list_id, state.lists)
    versions = state.versions.get(list_id, [])
    day = on or dt.date.today()
    summary = next(s for s in registry.lists(day, state.revision) if s.info.id == list_id)
    return json_response(
        {
            "id": info.id,
            "name": info.name,
            "kind": str(info.kind),
            "issuer": info.issuer,
            "scope": info.scope,
            "in_force": summary.in_force.version if summary.in_force else None,
            "versions": [version_json(v, effective_until(versions, v)) for v in versions],
        }
    )


def _known_list(list_id: str, known: Mapping[str, ListInfo]) -> ListInfo:
    """The list ``list_id`` among ``known`` (a state's lists), else 404 naming them."""
    if list_id not in known:
        raise HTTPProblem(
            404, "http.unknown_list", list_id=list_id, known=", ".join(sorted(known)) or "-"
        )
    return known[list_id]


@router.get("/lists/{list_id}/versions/{number}", summary="One version of a list, with its rows")
def show_version(
    list_id: str, number: int, found: Found, _user: Reader, known_at: KnownAtQuery = None
) -> Response:
    """The version's metadata and rows (duties, or the catalogue's matters, the areas, the
    units) — ``remit registry show LIST-ID --version N --format json``."""
    registry = found.registry
    at = known_at_value(known_at)
    state = registry.state(at)
    info = _known_list(list_id, state.lists)
    version = _known_version(registry, list_id, number, at)
    data = version_json(version, effective_until(state.versions[list_id], version))
    data["list"] = {"id": info.id, "name": info.name, "kind": str(info.kind)}
    rows: list[Any] = [m.content() for m in version.matters] or [
        d.content() for d in version.duties
    ]
    rows = rows or [plain(a) for a in version.areas] or [plain(u) for u in version.units]
    data["rows"] = rows
    return json_response(data)


def _known_version(
    registry: Registry, list_id: str, number: int, known_at: int | dt.datetime | None = None
) -> ListVersion:
    try:
        return registry.version(list_id, number, known_at=known_at)
    except InputError as exc:
        if any(p.key == "ref.unknown_version" for p in exc.problems):
            raise HTTPProblem(
                404,
                "http.unknown_version",
                list_id=list_id,
                version=number,
                known=exc.problems[0].params.get("known", "-"),
            ) from None
        raise


@router.get("/lists/{list_id}/diff", summary="Rows added, removed and changed from a to b")
def diff(
    list_id: str,
    found: Found,
    _user: Reader,
    a: Annotated[int, Query(description="the version compared from")],
    b: Annotated[int, Query(description="the version compared to")],
) -> Response:
    """``remit registry diff LIST-ID A B --format json``."""
    registry = found.registry
    _known_list(list_id, registry.state().lists)
    _known_version(registry, list_id, a)
    _known_version(registry, list_id, b)
    return json_response(registry.diff(list_id, a, b).to_dict())


@router.get("/snapshot", summary="What is in force on a day, and its content hash")
def snapshot(
    found: Found, _user: Reader, on: OnDate = None, known_at: KnownAtQuery = None
) -> Response:
    """The date, the snapshot's hash, the registry revision, the lists in force and the
    counts — ``remit registry snapshot --format json``."""
    snap = found.registry.snapshot(on, known_at=known_at_value(known_at))
    return json_response(snap.summary())


@router.get("/log", summary="The audit log: who imported, published or withdrew what")
def log(
    found: Found,
    _user: Reader,
    list_id: Annotated[str | None, Query(alias="list", description="only this list")] = None,
) -> Response:
    """Every entry (oldest first) with its actor (the login that made it), time, action, list
    version, note and hashes — ``remit registry log --format json``."""
    registry = found.registry
    if list_id is not None:
        _known_list(list_id, registry.state().lists)
    return json_response([asdict(e) for e in registry.log(list_id)])


@router.get("/schema/{kind}", summary="The JSON Schema of a file format")
def schema(kind: str, _user: Reader) -> Response:
    """The JSON Schema ``remit schema --kind KIND`` gives (registry files, mappings, events,
    decisions, rules, reports, admission requests …)."""
    model = SCHEMAS.get(kind)
    if model is None:
        raise HTTPProblem(404, "http.unknown_schema", kind=kind, known=", ".join(SCHEMAS))
    return json_response(model.model_json_schema())


# --- writes --------------------------------------------------------------------------------------


def _plan(plan: ImportPlan) -> dict[str, Any]:
    return {
        "files": plan.files,
        "areas": len(plan.areas),
        "units": len(plan.units),
        "lists": [info.id for info in plan.lists],
        "changes": [
            {
                "action": change.action,
                "list_id": change.list_id,
                "version": change.version.version,
                "status": change.version.status.value,
                "rows": change.version.row_count,
            }
            for change in plan.changes
        ],
        "unchanged": plan.unchanged,
        "calendar_years": [number for number, _ in plan.calendar.years],
    }


def _imported(result: ImportResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "revision": result.revision,
        "snapshot_hash": result.snapshot_hash,
        "plan": _plan(result.plan),
    }
    if result.table is not None:
        data["table"] = asdict(result.table)
    return data


def _summary(summary: TableSummary) -> dict[str, int]:
    return asdict(summary)


@router.post(
    "/registry/import",
    summary="Import YAML files (a tree), or a CSV/XLSX table as a list's new draft",
    status_code=200,
)
async def import_(
    found: Found,
    user: Officer,
    files: Annotated[
        list[UploadFile],
        File(description="YAML files (their names, folders too, as given), or one table"),
    ],
    mapping: Annotated[
        UploadFile | None, File(description="a table's column mapping (YAML)")
    ] = None,
    list_id: Annotated[
        str | None, Form(alias="list", description="the list a table is a new draft of")
    ] = None,
    note: Annotated[str | None, Form(description="why: kept in the audit log")] = None,
    effective_from: Annotated[
        dt.date | None,
        Form(description="YAML areas or units files without versions: the day they change"),
    ] = None,
    retroactive: Annotated[
        bool, Form(description="confirm a change before today (with a note)")
    ] = False,
    replace_draft: Annotated[
        bool, Form(description="YAML: replace a draft made from a table by fewer rows")
    ] = False,
) -> Response:
    """``remit registry import`` with the files uploaded (``multipart/form-data``). One or
    more YAML files are imported as one transaction (``import_files``); one CSV/XLSX table with
    ``mapping`` and ``list`` becomes that list's new draft (``import_table``), every row checked
    at once. The import is recorded under the caller's login. Problems name the uploaded
    files as given, with their line or row and field; a refused table says its rows read,
    imported, refused and skipped (``table``)."""
    given = [(upload.filename or "upload", await upload.read()) for upload in files]
    mapped = (mapping.filename or "column-mapping.yaml", await mapping.read()) if mapping else None
    registry = found.registry
    tables = [name for name, _ in given if _suffix(name) in TABLE_SUFFIXES]
    with uploads() as spool:
        paths = [spool.add(name, content) for name, content in given]
        for path, (name, _) in zip(paths, given, strict=True):
            if _suffix(name) not in {*TABLE_SUFFIXES, ".yaml", ".yml"}:
                expected = ", ".join(sorted({*TABLE_SUFFIXES, ".yaml", ".yml"}))
                raise InputError.one(
                    "file.unsupported", source=name, suffix=path.suffix, expected=expected
                )
        if tables:
            if list_id is None:
                raise InputError.one("http.table_needs_list", source=tables[0], field="list")
            if len(given) != 1:
                raise InputError.one("http.one_table", files=", ".join(n for n, _ in given))
            mapping_path = spool.add(mapped[0], mapped[1]) if mapped else None
            try:
                result = registry.import_table(
                    paths[0], list_id, mapping_path, by=user.login, note=note
                )
            except TableImportError as exc:
                exc.problems[:] = [spool.relocated(p) for p in exc.problems]
                return _refused_table(exc)
        else:
            if mapped is not None or list_id is not None:
                raise InputError.one("http.not_a_table", files=", ".join(n for n, _ in given))
            result = registry.import_files(
                [spool.root],
                by=user.login,
                effective_from=effective_from,
                retroactive=retroactive,
                note=note,
                replace_draft=replace_draft,
            )
            result.plan.files[:] = [spool.shown(f) for f in result.plan.files]
    return json_response(_imported(result))


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def _refused_table(exc: TableImportError) -> Response:
    detail = t("http.input_error", count=len(exc.problems))
    body = problem_body(400, t("http.title.400"), detail, table=_summary(exc.summary))
    body["problems"] = [problem_item(p) for p in exc.problems]
    return problem_response(400, body)


class PublishRequest(Model):
    """What ``remit registry publish`` takes besides the list (the actor is the caller)."""

    effective_from: dt.date = Field(description="the first day the version is in force")
    effective_to: dt.date | None = Field(None, description="the last day, if it ends")
    note: Text | None = Field(None, description="why this version (kept in the log)")
    retroactive: bool = Field(
        False, description="confirm a date before today: it changes what was in force (a note too)"
    )


class WithdrawRequest(Model):
    note: Text | None = Field(None, description="why (kept in the log)")
    retroactive: bool = Field(
        False, description="confirm withdrawing a version that has been in force (a note too)"
    )


@router.post(
    "/lists/{list_id}/versions/{number}/publish",
    summary="Publish a list's draft version from a day",
)
def publish(
    list_id: str, number: int, body: PublishRequest, found: Found, user: Officer
) -> Response:
    """The draft ``number`` of the list takes effect on ``effective_from`` and is immutable
    from then on (``remit registry publish``), recorded under the caller's login. Refused:
    an unknown list or version (404), a version that is not the list's draft (409), a date
    before today without ``retroactive`` and a ``note`` (400)."""
    registry = found.registry
    state = registry.state()
    _known_list(list_id, state.lists)
    version = _known_version(registry, list_id, number)
    if version.status is not VersionStatus.draft:
        raise HTTPProblem(
            409, "http.not_draft", list_id=list_id, version=number, status=version.status.value
        )
    try:
        published = registry.publish(
            list_id,
            body.effective_from,
            note=body.note,
            by=user.login,
            effective_to=body.effective_to,
            retroactive=body.retroactive,
            version=number,
        )
    except InputError as exc:
        if not any(p.key == "version.no_draft" for p in exc.problems):
            raise
        # published (or withdrawn) by another request since it was looked at: the same 409
        now = _known_version(registry, list_id, number)
        raise HTTPProblem(
            409, "http.not_draft", list_id=list_id, version=number, status=now.status.value
        ) from None
    data = version_json(published)
    data["revision"] = registry.revision()
    return json_response(data)


@router.post(
    "/lists/{list_id}/versions/{number}/withdraw",
    summary="Withdraw a version: it is never in force again",
)
def withdraw(
    list_id: str,
    number: int,
    found: Found,
    user: Officer,
    body: WithdrawRequest | None = None,
) -> Response:
    """``remit registry withdraw``, recorded under the caller's login. A version that has been
    in force needs ``retroactive`` and a ``note``."""
    registry = found.registry
    _known_list(list_id, registry.state().lists)
    _known_version(registry, list_id, number)
    given = body or WithdrawRequest()
    withdrawn = registry.withdraw(
        list_id, number, note=given.note, by=user.login, retroactive=given.retroactive
    )
    data = version_json(withdrawn)
    data["revision"] = registry.revision()
    return json_response(data)
