"""Open311 GeoReport v2 (docs/open311.md): the catalogue as services, cases as service requests.

- ``GET /open311/v2/services.{json|xml}`` — one service per matter of the catalogue in force
  today that is not a group (a group matter is the services' ``group``); public.
- ``GET /open311/v2/services/{service_code}.{json|xml}`` — its definition: the matter's
  attribute domains as attributes; public.
- ``POST /open311/v2/requests.{json|xml}`` — a form: the request routed on the lists in force
  and recorded in the case book; answers the case id as ``service_request_id`` at once, with
  the accountable unit and deadline as ``service_notice``. ``api_key``: a remit token whose
  user holds the dispatcher role (a platform).
- ``GET /open311/v2/requests.{json|xml}``, ``GET /open311/v2/requests/{id}.{json|xml}`` — cases
  as service requests; ``api_key`` (or ``Authorization: Bearer``): a dispatcher's token (every
  case) or a unit user's (its unit's cases), as ``GET /cases``.
- ``GET /open311/v2/tokens/{token}.{json|xml}`` — remit issues no tokens (it records at once):
  every token is 404.

Every refusal is the spec's error list (:func:`remit.service.open311.errors`) in the format the
suffix names, not problem details.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from remit.casework import CaseRecord, CaseStatus
from remit.casework.records import DONE
from remit.conditions import BoolDomain, EnumDomain, IntDomain
from remit.deadlines import CITY_ZONE, local_time
from remit.errors import InputError, Problem
from remit.events.model import EventIn
from remit.files.typed import schema_problems
from remit.i18n import has, t
from remit.identity import Role, User
from remit.registry import Area, Matter, Snapshot
from remit.registry.entities import Level
from remit.registry.spaces import split_qualified
from remit.routing.decision import Status
from remit.routing.missing import named_attributes
from remit.service.open311 import FORMATS, Format, Item, errors, render, w3c
from remit.service.state import Services, services

router = APIRouter(prefix="/open311/v2", tags=["open311"])
Found = Annotated[Services, Depends(services)]

SOURCE = "open311"
"""The source cases recorded through Open311 carry (their ids are unique within it)."""
MAX_REQUESTS = 1000
"""The most service requests one ``GET requests`` answers (the spec's default cap)."""
DEFAULT_DAYS = 90
"""The period ``GET requests`` covers when no dates are given (the spec's default)."""
EXTERNAL_ID = "remit_external_id"
"""remit's own, non-spec form field: the platform's id of the request, for idempotency."""

SPEC_FIELDS = (
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)
"""The form fields of the spec's POST requests (besides ``api_key`` and ``attribute[…]``)."""
PLACE = ("lat", "long", "address_string")
"""The form fields that make the event's ``location``."""
KEPT = tuple(f for f in SPEC_FIELDS if f not in ("jurisdiction_id", "service_code", *PLACE))
"""What the case keeps of the form in its event's ``extra.open311``: all but what routing
reads (the matter, the location)."""
_OUR_FIELDS = {"id": EXTERNAL_ID, "matter": "service_code", "area": "address_id"}
_LOCATION_FIELDS = {"lat": "lat", "long": "long", "address": "address_string"}


class Refusal(Exception):
    """A refusal in the spec's terms: the HTTP status (its ``code``) and the descriptions."""

    def __init__(self, status: int, *descriptions: str):
        self.status, self.descriptions = status, list(descriptions)
        super().__init__(status)


def _format(fmt: str) -> Format | None:
    return "json" if fmt == "json" else "xml" if fmt == "xml" else None


def _answer(fmt: str, work: Any, *args: Any) -> Response:
    """``work(chosen format, *args)``, its refusals as the spec's errors."""
    chosen = _format(fmt)
    if chosen is None:
        return errors("json", 404, [t("open311.unknown_format", fmt=fmt, known=", ".join(FORMATS))])
    try:
        response: Response = work(chosen, *args)
    except Refusal as exc:
        return errors(chosen, exc.status, exc.descriptions)
    except InputError as exc:
        return errors(chosen, 400, [_described(p) for p in exc.problems])
    return response


# --- the catalogue as services ----------------------------------------------------------------


@router.get("/services.{fmt}", summary="Open311: the services (matters of the catalogue in force)")
def service_list(
    fmt: str,
    found: Found,
    jurisdiction_id: str | None = Query(None, description="the district's code (optional)"),
) -> Response:
    """One service per matter of the catalogue in force today (a group matter is its services'
    ``group``). Public: no api_key."""

    def work(chosen: Format) -> Response:
        snapshot = _today(found)
        _check_jurisdiction(snapshot, jurisdiction_id)
        return render(chosen, "services", [_service(snapshot, m) for m in _services(snapshot)])

    return _answer(fmt, work)


@router.get(
    "/services/{service_code}.{fmt}",
    summary="Open311: a service definition (the matter's attributes)",
)
def service_definition(
    service_code: str,
    fmt: str,
    found: Found,
    jurisdiction_id: str | None = Query(None, description="the district's code (optional)"),
) -> Response:
    """The attributes an event of the matter may carry, from its attribute domains: an
    enumeration is a ``singlevaluelist`` (its values with their labels), a yes/no a
    ``singlevaluelist`` of ``true``/``false``, a bounded whole number a ``number``. ``required``:
    some row in force decides on it (without it the request may be refused, naming it)."""

    def work(chosen: Format) -> Response:
        snapshot = _today(found)
        _check_jurisdiction(snapshot, jurisdiction_id)
        matter = _matter(snapshot, service_code, 404)
        definition: dict[str, Any] = {
            "service_code": matter.code,
            "attributes": _attributes(snapshot, matter),
        }
        return render(chosen, "service_definition", [definition])

    return _answer(fmt, work)


def _today(found: Services) -> Snapshot:
    with found.routing() as routing:
        return routing.loaded(dt.datetime.now(CITY_ZONE).date()).snapshot


def _groups(snapshot: Snapshot) -> set[str]:
    """The matters that are others' parents: groups, not services."""
    return {m.parent for m in snapshot.matters.values() if m.parent}


def _services(snapshot: Snapshot) -> list[Matter]:
    groups = _groups(snapshot)
    return [m for m in snapshot.matters.values() if m.code not in groups]


def _service(snapshot: Snapshot, matter: Matter) -> Item:
    parent = snapshot.matters.get(matter.parent) if matter.parent else None
    keywords = [a for a in matter.aliases if split_qualified(a)[0] is None]
    return {
        "service_code": matter.code,
        "service_name": matter.name,
        "description": matter.description,
        "metadata": bool(matter.attributes),
        "type": "realtime",
        "keywords": ", ".join(keywords) or None,
        "group": parent.name if parent is not None else None,
    }


def _attributes(snapshot: Snapshot, matter: Matter) -> list[Item]:
    decided = named_attributes(e for e in snapshot.duties if e.duty.matter == matter.code)
    out: list[Item] = []
    for order, (code, domain) in enumerate(matter.attributes.items(), 1):
        item: dict[str, Any] = {"variable": True, "code": code}
        values: list[Item] | None = None
        if isinstance(domain, EnumDomain):
            item["datatype"] = "singlevaluelist"
            values = [{"key": v, "name": domain.labels.get(v, v)} for v in domain.values]
            description = None
        elif isinstance(domain, BoolDomain):
            item["datatype"] = "singlevaluelist"
            values = [
                {"key": "true", "name": t("open311.yes")},
                {"key": "false", "name": t("open311.no")},
            ]
            description = None
        else:
            assert isinstance(domain, IntDomain)
            item["datatype"] = "number"
            description = t("open311.whole_number", min=domain.min, max=domain.max)
        item["required"] = code in decided
        item["datatype_description"] = description
        item["order"] = order
        item["description"] = domain.label or code
        if values is not None:
            item["values"] = values
        out.append(item)
    return out


def _matter(snapshot: Snapshot, code: str, status: int) -> Matter:
    matter = snapshot.matters.get(code.strip())
    if matter is None or matter.code in _groups(snapshot):
        raise Refusal(status, t("open311.no_service", code=code))
    return matter


def _district(snapshot: Snapshot) -> Area | None:
    """The district the service answers for: the area of level district (the root area when
    there is not exactly one)."""
    districts = [a for a in snapshot.areas.values() if a.level is Level.district]
    if len(districts) == 1:
        return districts[0]
    roots = [a for a in snapshot.areas.values() if a.parent is None]
    return roots[0] if len(roots) == 1 else None


def _check_jurisdiction(snapshot: Snapshot, given: str | None) -> None:
    if given is None or not given.strip():
        return
    district = _district(snapshot)
    if district is None or given.strip() not in (district.code, *district.aliases):
        code = district.code if district is not None else "-"
        name = district.name if district is not None else "-"
        raise Refusal(404, t("open311.jurisdiction", given=given, code=code, name=name))


# --- service requests: POST -------------------------------------------------------------------


@router.post(
    "/requests.{fmt}",
    summary="Open311: create a service request (routed and recorded as a case)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["api_key", "service_code"],
                        "properties": {
                            "api_key": {"type": "string"},
                            **{f: {"type": "string"} for f in SPEC_FIELDS},
                            EXTERNAL_ID: {"type": "string"},
                        },
                        "additionalProperties": {
                            "type": "string",
                            "description": "attribute[CODE]=value (attribute[CODE][] repeated)",
                        },
                    }
                }
            },
        }
    },
)
async def create_request(fmt: str, request: Request, found: Found) -> Response:
    """The request becomes an event (matter = ``service_code``, reported now, source
    ``open311``), routed on the lists in force and recorded as a case. The same request sent
    again (the same ``remit_external_id``, or else the same fields by the same client on the
    same day) answers the same case."""
    chosen = _format(fmt)
    if chosen is None:
        return _answer(fmt, None)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return errors(chosen, 400, [t("open311.form", type=kind or "-")])
    if kind == "application/x-www-form-urlencoded":
        # read as UTF-8 (the spec's charset) whether the client percent-encoded its text or sent
        # it as is (curl -d '地址=…'): Starlette's parser takes bytes sent as is for Latin-1
        try:
            text = (await request.body()).decode("utf-8")
            pairs: list[tuple[str, str | UploadFile]] = [*parse_qsl(text, keep_blank_values=True)]
        except UnicodeDecodeError:
            return errors(chosen, 400, [t("open311.not_utf8")])
        form = FormData(pairs)
    else:
        form = await request.form()
    try:
        return await run_in_threadpool(_answer, fmt, _create, found, request, form)
    finally:
        await form.close()


def _create(fmt: Format, found: Services, request: Request, form: FormData) -> Response:
    user = _client(found, request, form.get("api_key"))
    if not user.has(Role.dispatcher):
        raise Refusal(403, t("open311.forbidden", login=user.login))
    fields = {k: str(v).strip() for k, v in form.multi_items() if isinstance(v, str)}
    code = fields.get("service_code", "")
    if not code:
        raise Refusal(400, t("open311.required", field="service_code"))
    snapshot = _today(found)
    _check_jurisdiction(snapshot, fields.get("jurisdiction_id"))
    matter = _matter(snapshot, code, 400)
    attributes = _form_attributes(form)
    now = dt.datetime.now(CITY_ZONE).replace(microsecond=0)
    event_id = fields.get(EXTERNAL_ID) or _content_id(form, user, now.date())
    book = found.book
    known = book.by_external(SOURCE, event_id)
    if known is not None:
        return _created(fmt, known)
    given = {k: fields[k] for k in KEPT if fields.get(k)}
    data: dict[str, Any] = {
        "id": event_id,
        "matter": matter.code,
        "reported_at": now.isoformat(),
        "source": SOURCE,
        "attributes": attributes,
        **_place(fields),
        "extra": {"open311": given} if given else {},
    }
    event = _event(data)
    with found.routing() as routing:
        decision = routing.route(event, {"source": SOURCE})
    if decision.status is Status.needs_info and decision.needs is not None:
        labels = decision.needs.labels
        raise Refusal(
            400,
            *(
                t("open311.needs_attribute", code=a, label=labels.get(a, a))
                for a in decision.needs.attributes
            ),
        )
    case, _created_now = book.record(event, decision, actor=user.login)
    return _created(fmt, case)


def _created(fmt: Format, case: CaseRecord) -> Response:
    item: Item = {
        "service_request_id": case.id,
        "service_notice": _notice(case),
        "account_id": None,
    }
    return render(fmt, "service_requests", [item])


def _notice(case: CaseRecord) -> str:
    unit = case.unit_name or case.unit
    if case.deadline is None:
        return t("open311.notice_open", unit=unit)
    return t("open311.notice", unit=unit, deadline=local_time(case.deadline, seconds=False))


def _client(found: Services, request: Request, api_key: object) -> User:
    """The user of the request's ``api_key`` (or ``Authorization: Bearer``), or 403."""
    key = api_key.strip() if isinstance(api_key, str) else ""
    if not key:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        key = credentials.strip() if scheme.lower() == "bearer" else ""
    user = found.directory.user_for_token(key) if key else None
    if user is None:
        raise Refusal(403, t("open311.api_key"))
    return user


def _form_attributes(form: FormData) -> dict[str, Any]:
    """``attribute[CODE]=v`` as {CODE: v}; ``attribute[CODE][]=v`` (repeated) as {CODE: [v …]}."""
    out: dict[str, Any] = {}
    for name, value in form.multi_items():
        if not (name.startswith("attribute[") and isinstance(value, str)):
            continue
        inner = name[len("attribute[") :]
        code, closed, rest = inner.partition("]")
        if not closed or not code:
            raise Refusal(400, t("open311.bad_attribute", field=name))
        if rest == "[]":
            listed = out.setdefault(code, [])
            if isinstance(listed, list):
                listed.append(value.strip())
        elif rest == "":
            out[code] = value.strip()
        else:
            raise Refusal(400, t("open311.bad_attribute", field=name))
    return out


def _content_id(form: FormData, user: User, day: dt.date) -> str:
    """The event id of a request that names none: the hash of what it says (every field but
    the api_key, in order), who sends it and the day (Beijing) — a retry is the same request."""
    items = sorted((k, v) for k, v in form.multi_items() if isinstance(v, str) and k != "api_key")
    digest = hashlib.sha256(orjson.dumps([user.login, day.isoformat(), items])).hexdigest()
    return f"O311-{digest[:20].upper()}"


def _place(fields: Mapping[str, str]) -> dict[str, Any]:
    """Where the request happened, as the event says it: ``address_id`` names an area (code,
    name or alias: it wins); ``lat``/``long`` and ``address_string`` are its ``location``,
    placed in an area by the areas' shapes and address aliases (:mod:`remit.events.locate`)."""
    place: dict[str, Any] = {}
    if fields.get("address_id"):
        place["area"] = fields["address_id"]
    location = {ours: fields[spec] for ours, spec in _LOCATION_FIELDS.items() if fields.get(spec)}
    if location:
        place["location"] = location
    if not place:
        raise Refusal(400, t("open311.no_location"))
    return place


def _event(data: dict[str, Any]) -> EventIn:
    try:
        return EventIn.model_validate(data)
    except ValidationError as exc:
        raise InputError(schema_problems(exc, SOURCE, "event")) from None


def _described(problem: Problem) -> str:
    """A problem as an Open311 error description: the request's field as the spec names it,
    then the message."""
    text = t(problem.key, **problem.params)
    name = problem.field or ""
    head, _, rest = name.partition(".")
    if head == "attributes" and rest:
        spec = f"attribute[{rest}]"
    elif head == "location":
        spec = _LOCATION_FIELDS.get(rest.split(".")[0], "lat/long, address_string")
    elif head == "extra" and rest.startswith("open311."):
        spec = rest.removeprefix("open311.")
    else:
        spec = _OUR_FIELDS.get(head, head)
    return f"{spec}: {text}" if spec else text


# --- service requests: GET --------------------------------------------------------------------


@router.get("/requests.{fmt}", summary="Open311: service requests (cases)")
def request_list(
    fmt: str,
    request: Request,
    found: Found,
    service_request_id: str | None = Query(None, description="ids, comma separated"),
    service_code: str | None = Query(None),
    start_date: str | None = Query(None, description="W3C date-time"),
    end_date: str | None = Query(None, description="W3C date-time"),
    status: str | None = Query(None, description="open, closed or both, comma separated"),
    jurisdiction_id: str | None = Query(None),
    api_key: str | None = Query(None, description="a remit token (or Authorization: Bearer)"),
) -> Response:
    """Cases as service requests, newest first: by ids (the other filters then ignored), or
    of a service, a status (open: not yet resolved; closed: resolved or closed) reported
    between the dates (default: the last 90 days); at most 1000."""

    def work(chosen: Format) -> Response:
        unit = _unit_seen(_reader(found, request, api_key))
        if jurisdiction_id:
            _check_jurisdiction(_today(found), jurisdiction_id)
        if service_request_id:
            ids = [i.strip() for i in service_request_id.split(",") if i.strip()]
            found_cases = found.book.find(ids=ids, unit=unit, limit=MAX_REQUESTS)
        else:
            end = _date("end_date", end_date) or dt.datetime.now(CITY_ZONE)
            start = _date("start_date", start_date) or end - dt.timedelta(days=DEFAULT_DAYS)
            if end < start:
                raise Refusal(400, t("open311.dates_order"))
            found_cases = found.book.find(
                matter=service_code.strip() if service_code else None,
                unit=unit,
                statuses=_statuses(status),
                reported_from=start,
                reported_to=end,
                limit=MAX_REQUESTS,
            )
        return render(chosen, "service_requests", [_request(c) for c in found_cases])

    return _answer(fmt, work)


@router.get("/requests/{service_request_id}.{fmt}", summary="Open311: one service request")
def request_one(
    service_request_id: str,
    fmt: str,
    request: Request,
    found: Found,
    jurisdiction_id: str | None = Query(None),
    api_key: str | None = Query(None, description="a remit token (or Authorization: Bearer)"),
) -> Response:
    """The case ``service_request_id`` as a service request (a list of one, as the spec has it)."""

    def work(chosen: Format) -> Response:
        user = _reader(found, request, api_key)
        if jurisdiction_id:
            _check_jurisdiction(_today(found), jurisdiction_id)
        case = found.book.get(service_request_id)
        if case is None or not _readable(case, user):
            raise Refusal(404, t("open311.no_request", id=service_request_id))
        return render(chosen, "service_requests", [_request(case)])

    return _answer(fmt, work)


@router.get("/tokens/{token}.{fmt}", summary="Open311: a token (remit issues none)")
def token(token: str, fmt: str) -> Response:
    """remit records every request as it is posted and answers its ``service_request_id`` at
    once: it issues no tokens, so none is found."""

    def work(chosen: Format) -> Response:
        raise Refusal(404, t("open311.no_token", token=token))

    return _answer(fmt, work)


def _reader(found: Services, request: Request, api_key: str | None) -> User:
    """Who reads: as ``GET /cases``, a dispatcher (every case) or a unit's user (its own)."""
    user = _client(found, request, api_key)
    if not user.has(Role.dispatcher, Role.unit):
        raise Refusal(403, t("open311.forbidden_read", login=user.login))
    return user


def _unit_seen(user: User) -> str | None:
    """The unit whose cases ``user`` sees (None: every case)."""
    if user.has(Role.dispatcher):
        return None
    if user.unit is None:
        raise Refusal(403, t("open311.forbidden_read", login=user.login))
    return user.unit


def _readable(case: CaseRecord, user: User) -> bool:
    """May ``user`` read ``case``: a unit's user, a case its unit holds or held (as /cases)."""
    if user.has(Role.dispatcher):
        return True
    held = {case.unit, *(step.unit for step in case.steps if step.unit)}
    return user.unit is not None and user.unit in held


def _date(name: str, text: str | None) -> dt.datetime | None:
    if text is None or not text.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise Refusal(400, t("open311.bad_date", field=name, value=text)) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CITY_ZONE)


def _statuses(text: str | None) -> list[CaseStatus] | None:
    if text is None or not text.strip():
        return None
    chosen: set[CaseStatus] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if part == "open":
            chosen |= set(CaseStatus) - DONE
        elif part == "closed":
            chosen |= DONE
        elif part:
            raise Refusal(400, t("open311.bad_status", value=part))
    return sorted(chosen)


def _request(case: CaseRecord) -> Item:
    kept = case.event.extra.get("open311")
    given: Mapping[str, Any] = kept if isinstance(kept, dict) else {}
    location = case.event.location
    return {
        "service_request_id": case.id,
        "status": "closed" if case.status in DONE else "open",
        "status_notes": _status_notes(case),
        "service_name": case.matter_name or None,
        "service_code": case.decision.matter,
        "description": _text(given.get("description")),
        "agency_responsible": case.unit_name or case.unit,
        "service_notice": _notice(case),
        "requested_datetime": w3c(case.decision.reported_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.deadline),
        "address": location.address if location is not None else None,
        "address_id": _text(given.get("address_id")),
        "zipcode": None,
        "lat": location.lat if location is not None else None,
        "long": location.long if location is not None else None,
        "media_url": _text(given.get("media_url")),
    }


def _status_notes(case: CaseRecord) -> str:
    status = f"case_status.{case.status.value}"
    said = t(status) if has(status) else case.status.value
    notes = [s.note for s in case.steps if s.note]
    return t("open311.status_notes", status=said, note=notes[-1]) if notes else said


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = ["router"]
