"""Routing over HTTP: one event, a batch streamed in and out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from remit.errors import InputError
from remit.events.model import EventIn
from remit.events.read import parse_json_line
from remit.i18n import t
from remit.identity import User
from remit.routing.decision import DecisionLine, RoutingDecision
from remit.routing.engine import EngineError
from remit.service.auth import current_user
from remit.service.problems import HTTPProblem
from remit.service.state import Services, services

router = APIRouter(tags=["routing"])

JSON = "application/json"
NDJSON = "application/x-ndjson"
BATCH_CHUNK = 200
"""Events routed per turn of the router's lock in a batch: other requests go in between."""


@router.post(
    "/route",
    response_model=RoutingDecision,
    summary="Route one event (decide only; POST /cases also records it)",
)
def route(
    event: EventIn,
    found: Services = Depends(services),
    _user: User = Depends(current_user),
) -> Response:
    """The accountable unit for ``event`` on the lists in force on the day it was reported,
    with the rows, legal bases and deadline behind it: the same decision ``remit route``
    makes. Nothing is recorded."""
    with found.routing() as routing:
        decision = routing.route(event, {"source": t("http.part.body")})
    return Response(decision.model_dump_json(), media_type=JSON)


@router.post(
    "/route/batch",
    summary="Route many events: a JSON array or JSON Lines in, JSON Lines out",
    response_class=StreamingResponse,
    responses={200: {"content": {NDJSON: {}}, "description": "one line per event, in order"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JSON: {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/EventIn"}}
                },
                NDJSON: {"schema": {"type": "string", "description": "one event (JSON) a line"}},
            },
        }
    },
)
async def route_batch(
    request: Request,
    found: Services = Depends(services),
    _user: User = Depends(current_user),
) -> StreamingResponse:
    """Each event decided as ``remit route-batch`` decides it, one JSON line out per event in
    input order: a decision, or a refusal ``{"where", "event_id", "reasons"}`` (the shape of
    route-batch's rejects file). A JSON Lines body (``Content-Type: application/x-ndjson``) is
    read as it arrives; a JSON array is read whole. Nothing is recorded."""
    kind = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
    source = t("http.part.body")
    if kind in (NDJSON, "application/jsonl", "application/json-lines", "text/plain"):
        lines = _lines(request)
        return _LinesOut(_decided_lines(found, lines, source), media_type=NDJSON)
    body = await request.body()
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputError.one("http.json", source=source, detail=str(exc)) from None
    if not isinstance(items, list):
        raise HTTPProblem(400, "http.batch_not_array")
    encoded = [(number, orjson.dumps(item)) for number, item in enumerate(items, 1)]
    return StreamingResponse(_decided(found, iter(encoded), source), media_type=NDJSON)


class _LinesOut(StreamingResponse):
    """JSON Lines out while the request's lines are still coming in. Starlette's streaming
    response would listen for a disconnect by reading the request, taking the body's chunks
    from the reader of the lines: here only the lines' reader reads it (a client that goes
    away is seen when writing to it fails)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.stream_response(send)
        except OSError:
            raise ClientDisconnect() from None


async def _lines(request: Request) -> AsyncIterator[tuple[int, bytes]]:
    """The body's lines as they arrive, numbered from 1; blank lines skipped."""
    pending = b""
    number = 0
    try:
        async for chunk in request.stream():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                number += 1
                if line.strip():
                    yield number, line
    except HTTPProblem as exc:  # the body bound, met after the first lines were answered
        yield number + 1, _TooLarge(t(exc.key, **exc.params))
        return
    if pending.strip():
        yield number + 1, pending


class _TooLarge(bytes):
    """The place of the lines a streamed batch was cut off at, and why."""

    def __new__(cls, reason: str) -> _TooLarge:
        made = super().__new__(cls)
        made.reason = reason
        return made

    reason: str


async def _decided_lines(
    found: Services, lines: AsyncIterator[tuple[int, bytes]], source: str
) -> AsyncIterator[bytes]:
    from starlette.concurrency import run_in_threadpool

    chunk: list[tuple[int, bytes]] = []
    async for item in lines:
        chunk.append(item)
        if len(chunk) >= BATCH_CHUNK:
            yield await run_in_threadpool(_route_chunk, found, chunk, source)
            chunk = []
    if chunk:
        yield await run_in_threadpool(_route_chunk, found, chunk, source)


def _decided(found: Services, items: Iterator[tuple[int, bytes]], source: str) -> Iterator[bytes]:
    chunk: list[tuple[int, bytes]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= BATCH_CHUNK:
            yield _route_chunk(found, chunk, source)
            chunk = []
    if chunk:
        yield _route_chunk(found, chunk, source)


def _route_chunk(found: Services, chunk: list[tuple[int, bytes]], source: str) -> bytes:
    out: list[bytes | None] = []
    events: list[tuple[EventIn, dict[str, object] | None]] = []
    places: list[int] = []
    for number, raw in chunk:
        if isinstance(raw, _TooLarge):
            out.append(_reject({"source": source, "line": number}, None, None, raw.reason))
            continue
        try:
            where, event = parse_json_line(raw, source, number)
        except InputError as exc:
            out.append(_reject({"source": source, "line": number}, exc, None))
            continue
        if isinstance(event, list):
            out.append(_reject(where, InputError(event), None))
            continue
        places.append(len(out))
        out.append(None)
        events.append((event, where))
    with found.routing() as routing:  # the events together: the engine takes many at once
        results = routing.route_many(events, plain=True)
    for index, (event, given), result in zip(places, events, results, strict=True):
        if isinstance(result, InputError):
            out[index] = _reject(given or {}, result, event.id)
        elif isinstance(result, EngineError):
            out[index] = _reject(given or {}, None, event.id, str(result))
        elif isinstance(result, DecisionLine):  # written without the model
            out[index] = result.line.encode()
        else:
            out[index] = result.model_dump_json().encode()
    return b"\n".join(line for line in out if line is not None) + b"\n"


def _reject(
    where: dict[str, object], exc: InputError | None, event_id: str | None, reason: str = ""
) -> bytes:
    reasons = [p.render() for p in exc.problems] if exc is not None else [reason]
    return orjson.dumps({"where": where, "event_id": event_id, "reasons": reasons})
