"""Cases over HTTP: an event routed and recorded, the case list, a case, and the acts on it
(accept, return, resolve; reassign, close, supervise), each recorded with its actor."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from pydantic import Field

from remit.casework import CaseRecord, CaseStatus, record_json, record_json_text
from remit.events.cases import Reason
from remit.events.model import EventIn
from remit.files.text import Text
from remit.i18n import t
from remit.identity import Role, User
from remit.model import Model
from remit.routing.decision import RoutingDecision
from remit.service.auth import require
from remit.service.problems import HTTPProblem
from remit.service.state import Services, services

router = APIRouter(tags=["cases"])

MAX_PAGE = 1000


class CaseAct(Model):
    """What an act on a case carries: a note for the record; a return's reason (a code of
    docs/disputes.md) and evidence; a reassignment's target unit."""

    note: Text = Field("", description="said in the case's history")
    reason: Reason | None = Field(None, description="a return's reason code (退单理由)")
    evidence: Text = Field("", description="a return's evidence: a reference, a link")
    to: Text | None = Field(None, description="reassign: the unit (code, name or alias)")


def _version(if_match: str | None) -> int | None:
    """``If-Match: "3"`` (or 3): act only if the case is still at version 3 (else 409)."""
    if if_match is None or if_match.strip() in ("", "*"):
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise HTTPProblem(400, "http.if_match", given=if_match)
    return int(text)


def _case_response(record: CaseRecord, status: int = 200) -> Response:
    return Response(
        record_json_text(record),
        status_code=status,
        media_type="application/json",
        headers={"ETag": f'"{record.version}"', "Location": f"/cases/{record.id}"},
    )


def _readable(record: CaseRecord | None, user: User, case_id: str) -> CaseRecord:
    """The case, if ``user`` may read it: a unit only its own unit's (held now or before)."""
    if record is None:
        raise HTTPProblem(404, "http.not_found", what=t("http.what.case"), id=case_id)
    if user.has(Role.dispatcher):
        return record
    held = {record.unit, *(step.unit for step in record.steps if step.unit)}
    if user.unit is None or user.unit not in held:
        raise HTTPProblem(403, "http.not_your_case", login=user.login, case=record.id)
    return record


def _unit_of(user: User) -> str:
    if user.unit is None:  # an admin acting as a unit must say which: not over this API
        raise HTTPProblem(403, "http.no_unit", login=user.login)
    return user.unit


@router.post(
    "/cases",
    status_code=201,
    summary="Route an event and record it as a case (idempotent by source and event id)",
    responses={
        200: {"description": "recorded before: the same case"},
        201: {"description": "recorded now"},
    },
)
def record_case(
    event: EventIn,
    found: Services = Depends(services),
    user: User = Depends(require(Role.dispatcher)),
) -> Response:
    """The event routed as ``POST /route`` routes it, then kept as a case dispatched to the
    unit that holds it (docs/cases.md). The same event (source and id) sent again gives the
    case it became (200), never a second case. An event that needs information (the router
    asks for an attribute) or that nobody can hold is refused (422), naming what is missing."""
    with found.routing() as routing:
        decision = routing.route(event, {"source": t("http.part.body")})
    record, created = found.book.record(event, decision, user.login)
    return _case_response(record, 201 if created else 200)


@router.get("/cases", summary="Cases: by unit, status, street, overdue, 督办")
def list_cases(
    unit: Annotated[
        str | None, Query(description="held by this unit (code, name or alias)")
    ] = None,
    status: Annotated[CaseStatus | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="past the deadline and not done")] = None,
    street: Annotated[str | None, Query(description="on this street (code, name or alias)")] = None,
    supervised: Annotated[bool | None, Query(description="under 督办")] = None,
    limit: Annotated[int, Query(ge=0, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    found: Services = Depends(services),
    user: User = Depends(require(Role.dispatcher, Role.unit)),
) -> dict[str, Any]:
    """A dispatcher sees every case; a unit user sees its unit's (asking for another unit's is
    403). Oldest first; ``total`` counts every case the filters match."""
    if not user.has(Role.dispatcher):
        own = _unit_of(user)
        if unit is not None and _code(found, unit) != own:
            raise HTTPProblem(403, "http.not_your_unit", login=user.login, unit=unit)
        unit = own
    filters: dict[str, Any] = {
        "unit": unit,
        "status": status,
        "overdue": overdue,
        "street": street,
        "supervised": supervised,
    }
    records = found.book.list(**filters, limit=limit, offset=offset)
    return {
        "total": found.book.count(**filters),
        "limit": limit,
        "offset": offset,
        "cases": [record_json(r) for r in records],
    }


def _code(found: Services, unit: str) -> str:
    """A unit named in a query (code, name or alias) as its code; as given when unknown."""
    for known in found.registry.state().units_on(dt.date.today()).values():
        if unit.strip() in (known.code, known.name, *known.aliases):
            return known.code
    return unit


@router.get("/cases/{case_id}", summary="One case: its decision, status, deadline and history")
def get_case(
    case_id: str,
    found: Services = Depends(services),
    user: User = Depends(require(Role.dispatcher, Role.unit)),
) -> Response:
    return _case_response(_readable(found.book.get(case_id), user, case_id))


@router.get(
    "/decisions/{decision_id}",
    response_model=RoutingDecision,
    summary="A recorded decision by its id",
)
def get_decision(
    decision_id: str,
    found: Services = Depends(services),
    user: User = Depends(require(Role.dispatcher, Role.unit)),
) -> Response:
    """The decision a case was recorded with (decisions routed without recording —
    ``POST /route``, batches — are not kept: they are reproduced by routing again)."""
    record = found.book.by_decision(decision_id)
    if record is None:
        raise HTTPProblem(404, "http.not_found", what=t("http.what.decision"), id=decision_id)
    _readable(record, user, record.id)
    return Response(record.decision.model_dump_json(), media_type="application/json")


UnitUser = Depends(require(Role.unit))
Dispatcher = Depends(require(Role.dispatcher))


@router.post("/cases/{case_id}/accept", summary="The unit accepts the case (受理)")
def accept(
    case_id: str,
    act: CaseAct | None = None,
    if_match: Annotated[str | None, Header()] = None,
    found: Services = Depends(services),
    user: User = UnitUser,
) -> Response:
    record = found.book.accept(case_id, user.login, _unit_of(user), version=_version(if_match))
    return _case_response(record)


@router.post("/cases/{case_id}/return", summary="The unit returns the case (退单): ruled at once")
def return_case(
    case_id: str,
    act: CaseAct,
    if_match: Annotated[str | None, Header()] = None,
    found: Services = Depends(services),
    user: User = UnitUser,
) -> Response:
    """The return is ruled on the lists (docs/disputes.md): upheld → reassigned to the unit
    the lists name; overruled → back with the unit; arbitrate → with the centre (``ruled``)."""
    if act.reason is None:
        raise HTTPProblem(400, "http.reason_missing")
    record = found.book.return_(
        case_id,
        user.login,
        _unit_of(user),
        act.reason,
        act.note,
        act.evidence,
        version=_version(if_match),
    )
    return _case_response(record)


@router.post("/cases/{case_id}/resolve", summary="The unit reports the case handled (办结)")
def resolve(
    case_id: str,
    act: CaseAct | None = None,
    if_match: Annotated[str | None, Header()] = None,
    found: Services = Depends(services),
    user: User = UnitUser,
) -> Response:
    note = act.note if act else ""
    record = found.book.resolve(
        case_id, user.login, _unit_of(user), note, version=_version(if_match)
    )
    return _case_response(record)


@router.post("/cases/{case_id}/reassign", summary="The centre holding the case sends it on")
def reassign(
    case_id: str,
    act: CaseAct,
    if_match: Annotated[str | None, Header()] = None,
    found: Services = Depends(services),
    user: User = Dispatcher,
) -> Response:
    if not act.to:
        raise HTTPProblem(400, "http.to_missing")
    current = _readable(found.book.get(case_id), user, case_id)
    record = found.book.reassign(
        case_id, user.login, current.unit, act.to, act.note, version=_version(if_match)
    )
    return _case_response(record)


@router.post("/cases/{case_id}/close", summary="The centre closes a resolved case (结案)")
def close(
    case_id: str,
    act: CaseAct | None = None,
    if_match: Annotated[str | None, Header()] = None,
    found: Services = Depends(services),
    user: User = Dispatcher,
) -> Response:
    note = act.note if act else ""
    record = found.book.close(case_id, user.login, note, version=_version(if_match))
    return _case_response(record)


@router.post("/cases/{case_id}/supervise", summary="Put the case under 督办 (supervision)")
def supervise(
    case_id: str,
    act: CaseAct | None = None,
    if_match: Annotated[str | None, Header()] = None,
    found: Services = Depends(services),
    user: User = Dispatcher,
) -> Response:
    note = act.note if act else ""
    record = found.book.supervise(case_id, user.login, note, version=_version(if_match))
    return _case_response(record)
