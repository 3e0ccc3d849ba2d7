"""Routing over HTTP: one event, a batch streamed in and out."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures.process import BrokenProcessPool

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from remit.errors import InputError
from remit.events.model import EventIn
from remit.i18n import current_lang, t
from remit.identity import User
from remit.routing.batch import Item, RoutingProcesses, route_items
from remit.routing.decision import RoutingDecision
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
        return _LinesOut(_decided(found, _lines(request), source), media_type=NDJSON)
    body = await request.body()
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputError.one("http.json", source=source, detail=str(exc)) from None
    if not isinstance(items, list):
        raise HTTPProblem(400, "http.batch_not_array")
    return StreamingResponse(_decided(found, _encoded(items), source), media_type=NDJSON)


async def _encoded(items: list[object]) -> AsyncIterator[tuple[int, bytes]]:
    """A JSON array's items as numbered lines, as a JSON Lines body's come."""
    for number, item in enumerate(items, 1):
        yield number, orjson.dumps(item)


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


async def _decided(
    found: Services, lines: AsyncIterator[tuple[int, bytes]], source: str
) -> AsyncIterator[bytes]:
    """The lines out, a chunk of :data:`BATCH_CHUNK` events at a time in input order: routed
    in the worker's batch processes when it has them (a few chunks at once, so a batch uses
    every process), else in its thread between other requests."""
    processes = found.batch_processes
    # the revision's router set-up (a look at the database, now and then): not on the loop
    job = await run_in_threadpool(found.batch_job) if processes is not None else None
    lang = current_lang.get()
    pending: deque[asyncio.Future[bytes]] = deque()
    chunk: list[Item] = []
    cut: _TooLarge | None = None

    def here(chunk: list[Item]) -> asyncio.Future[bytes]:
        return asyncio.ensure_future(run_in_threadpool(_route_chunk, found, chunk))

    async def routed(
        chunk: list[Item], there: RoutingProcesses, done: asyncio.Future[bytes]
    ) -> bytes:
        try:
            return await done
        except BrokenProcessPool:  # a process died (killed, out of memory): the chunk here
            found.batch_processes_lost(there)
            return await here(chunk)

    def send() -> asyncio.Future[bytes]:
        there = found.batch_processes  # new ones, if a process was lost meanwhile
        if there is None or job is None:
            return here(chunk)
        try:
            done = there.submit(job, chunk, lang)
        except BrokenProcessPool:
            found.batch_processes_lost(there)
            return here(chunk)
        return asyncio.ensure_future(routed(chunk, there, asyncio.wrap_future(done)))

    try:
        async for number, raw in lines:
            if isinstance(raw, _TooLarge):  # the last: the body was cut off here
                cut = raw
                break
            chunk.append(({"source": source, "line": number}, raw))
            if len(chunk) >= BATCH_CHUNK:
                pending.append(send())
                chunk = []
                while len(pending) > (2 * processes.processes if processes else 0):
                    yield await pending.popleft()
        if chunk:
            pending.append(send())
        while pending:
            yield await pending.popleft()
    finally:  # the client went away: the chunks not yet routed are dropped
        for left in pending:
            left.cancel()
    if cut is not None:
        where = {"source": source, "line": number}
        yield orjson.dumps({"where": where, "event_id": None, "reasons": [cut.reason]}) + b"\n"


def _route_chunk(found: Services, chunk: list[Item]) -> bytes:
    """``chunk``'s lines routed with the worker's router (the events together: the engine
    takes many at once)."""
    with found.routing() as routing:
        done = route_items(routing, chunk, plain=True)
    return "".join(item.line + "\n" for item in done).encode()
