"""The dispatch desk (``/ui/desk``, dispatchers): an event entered by hand, routed as
``POST /route`` routes it (the same router), its decision explained; the attributes the router
asks for filled in and routed again; a decided event recorded as a case (``POST /cases``'s
recording), then on to the case's page. Small JSON endpoints for the page's script: the matters
a typed text suggests, the area a map point falls in, the areas' shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from remit.deadlines import CITY_ZONE
from remit.errors import InputError
from remit.events.locate import locator_for
from remit.events.model import EventIn
from remit.files.typed import schema_problems
from remit.i18n import t
from remit.identity import Role, User
from remit.present.pages_desk import (
    area_groups,
    area_tree,
    attribute_fields,
    decision_view,
    matter_label,
    matter_text,
    now_local,
    suggest,
)
from remit.present.pages_desk import shapes as area_shapes
from remit.registry import Snapshot
from remit.routing.decision import RoutingDecision
from remit.routing.engine import EngineError
from remit.service.pages.common import (
    NAVIGATION,
    PAGE_HEADERS,
    PAGE_ROUTERS,
    PageEntry,
    page,
    page_for,
    title,
)
from remit.service.state import Services, services

router = APIRouter(include_in_schema=False)
Dispatcher = Depends(page_for(Role.dispatcher))

SOURCE = "desk"
"""The source the desk's events carry (their ids are unique within it)."""
FIELD_MAX = 2000
"""The longest text a desk field keeps."""


def _snapshot(found: Services) -> Snapshot:
    """What is in force today (the desk's catalogue and areas)."""
    with found.routing() as routing:
        return routing.loaded(dt.datetime.now(CITY_ZONE).date()).snapshot


class Entered:
    """The desk's form as posted: the fields as typed (to show again) and the attributes."""

    def __init__(self, form: Mapping[str, Any], user: User):
        def text(name: str) -> str:
            value = form.get(name, "")
            return value.strip()[:FIELD_MAX] if isinstance(value, str) else ""

        self.event_id = text("event_id")
        if not self.event_id.startswith(f"desk-{user.login}-") or len(self.event_id) > 120:
            stamp = dt.datetime.now(CITY_ZONE).strftime("%Y%m%d%H%M%S%f")
            self.event_id = f"desk-{user.login}-{stamp}"
        self.matter = text("matter")
        self.area = text("area")
        self.lat = text("lat")
        self.long = text("long")
        self.reported_at = text("reported_at") or now_local()
        self.emergency = text("emergency") in ("1", "on", "true")
        self.description = text("description")
        self.attributes = {
            key.removeprefix("attr."): value.strip()[:FIELD_MAX]
            for key, value in form.items()
            if key.startswith("attr.") and isinstance(value, str) and value.strip()
        }

    def event(self, snapshot: Snapshot) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.event_id,
            "matter": matter_text(snapshot.matters, self.matter),
            "reported_at": self.reported_at,
            "source": SOURCE,
            "emergency": self.emergency,
            "attributes": dict(self.attributes),
        }
        if self.area:
            data["area"] = self.area
        if self.lat or self.long:
            data["location"] = {"lat": _number(self.lat), "long": _number(self.long)}
        if self.description:
            data["extra"] = {"description": self.description}
        return data


def _number(text: str) -> float | str | None:
    """A coordinate as typed: a number when it reads as one (else as typed, for the model to
    refuse, naming it)."""
    try:
        return float(text) if text else None
    except ValueError:
        return text


def _route(found: Services, entered: Entered) -> tuple[Snapshot, EventIn | None, Any]:
    """The event routed: (snapshot, event, decision) or (snapshot, None, the problems)."""
    snapshot = _snapshot(found)
    where = {"source": t("page.desk.form")}
    if not entered.matter:
        return snapshot, None, [t("page.desk.matter_missing")]
    if not entered.area and not (entered.lat and entered.long):
        return snapshot, None, [t("page.desk.area_missing")]
    try:
        event = EventIn.model_validate(entered.event(snapshot))
    except ValidationError as exc:
        return snapshot, None, [p.render() for p in schema_problems(exc, where["source"], "event")]
    try:
        with found.routing() as routing:
            decision = routing.route(event, dict(where))
    except InputError as exc:
        return snapshot, None, [p.render() for p in exc.problems]
    except EngineError as exc:
        return snapshot, None, [str(exc)]
    return snapshot, event, decision


def _form_page(
    request: Request,
    user: User,
    snapshot: Snapshot,
    entered: Entered | None,
    *,
    decision: RoutingDecision | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    matter = snapshot.matters.get(decision.matter) if decision is not None else None
    if matter is None and entered is not None:
        matter = snapshot.matters.get(matter_text(snapshot.matters, entered.matter))
    missing = decision.needs.attributes if decision and decision.needs else []
    units = {code: unit.name for code, unit in snapshot.units.items()}
    view = decision_view(decision, units) if decision is not None else None
    shaped = any(a.geometry is not None for a in snapshot.areas.values())
    return page(
        request,
        "desk.html.j2",
        title("page.desk.title"),
        user,
        status=status,
        form=entered,
        matter_shown=(
            matter_label(snapshot.matters, decision.matter)
            if decision is not None
            else (entered.matter if entered else "")
        ),
        area_chosen=_area_chosen(entered, decision),
        reported_at=entered.reported_at if entered else now_local(),
        groups=area_groups(snapshot.areas),
        tree=area_tree(snapshot.areas),
        attributes=attribute_fields(matter, entered.attributes if entered else {}, missing),
        focus_attribute=missing[0] if missing else "",
        view=view,
        problems=problems or [],
        shaped=shaped,
    )


def _area_chosen(entered: Entered | None, decision: RoutingDecision | None) -> str:
    """The area the picker shows: as chosen, else the one a map point was found in."""
    if entered is None:
        return ""
    if not entered.area and decision is not None:
        return decision.area
    return entered.area


@router.get("/ui/desk")
def desk(
    request: Request, user: User = Dispatcher, found: Services = Depends(services)
) -> Response:
    return _form_page(request, user, _snapshot(found), None)


@router.post("/ui/desk")
async def desk_route(
    request: Request, user: User = Dispatcher, found: Services = Depends(services)
) -> Response:
    """The event routed; the form again with the decision (or what is wrong, or missing)."""
    entered = Entered(await request.form(), user)
    snapshot, _event, outcome = await run_in_threadpool(_route, found, entered)
    if isinstance(outcome, list):
        return _form_page(request, user, snapshot, entered, problems=outcome, status=422)
    return _form_page(request, user, snapshot, entered, decision=outcome)


@router.post("/ui/desk/record")
async def desk_record(
    request: Request, user: User = Dispatcher, found: Services = Depends(services)
) -> Response:
    """A decided event recorded as a case (routed again, as ``POST /cases`` does), then on to
    the case's page."""
    entered = Entered(await request.form(), user)

    def work() -> tuple[Snapshot, Any, Any]:
        snapshot, event, outcome = _route(found, entered)
        if event is None:
            return snapshot, outcome, None
        try:
            record, _created = found.book.record(event, outcome, user.login)
        except InputError as exc:
            return snapshot, [p.render() for p in exc.problems], outcome
        return snapshot, record.id, None

    snapshot, done, decision = await run_in_threadpool(work)
    if isinstance(done, str):
        return RedirectResponse(f"/ui/cases/{done}", status_code=303)
    return _form_page(
        request, user, snapshot, entered, decision=decision, problems=done, status=422
    )


@router.get("/ui/desk/matters")
def desk_matters(
    q: Annotated[str, Query(max_length=200)] = "",
    _user: User = Dispatcher,
    found: Services = Depends(services),
) -> Response:
    """The matters ``q`` names (code, name, alias, a word of the description), best first."""
    found_matters = suggest(_snapshot(found).matters, q)
    return JSONResponse([s.json() for s in found_matters], headers=PAGE_HEADERS)


@router.get("/ui/desk/locate")
def desk_locate(
    lat: Annotated[float, Query(ge=-90, le=90)],
    long: Annotated[float, Query(ge=-180, le=180)],
    _user: User = Dispatcher,
    found: Services = Depends(services),
) -> Response:
    """The smallest area whose shape holds the point (``{"area": null}`` when none does)."""
    snapshot = _snapshot(found)
    area = locator_for(snapshot).at(lat, long)
    if area is None:
        return JSONResponse({"area": None}, headers=PAGE_HEADERS)
    chain = [snapshot.areas[c].name for c in reversed(snapshot.ancestors(area.code))]
    body = {"area": area.code, "name": area.name, "level": area.level.value, "path": chain}
    return JSONResponse(body, headers=PAGE_HEADERS)


@router.get("/ui/desk/shapes")
def desk_shapes(_user: User = Dispatcher, found: Services = Depends(services)) -> Response:
    """The areas' shapes as GeoJSON, for the map."""
    return JSONResponse(area_shapes(_snapshot(found).areas), headers=PAGE_HEADERS)


PAGE_ROUTERS.append(router)
NAVIGATION.append(PageEntry("/ui/desk", "page.desk.title", (Role.dispatcher,)))
