"""Every refusal as RFC 9457 problem details (``application/problem+json``).

A request the API refuses gets a 4xx whose body says what was wrong in the same words as the
command line: each problem with its message (in the request's language), its key, and where it
is — ``source`` (a file of the request, or the request body), ``line``/``row``, ``field`` — and
the values the message names. Only a bug in remit is a 500, and its body carries no traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from remit.errors import InputError, Problem
from remit.files.typed import error_problems
from remit.i18n import has, t

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("remit.service")


class HTTPProblem(Exception):
    """A refusal with its HTTP status and a message key (401, 403, 404, 409, 413 …)."""

    def __init__(
        self,
        status: int,
        key: str,
        /,
        headers: Mapping[str, str] | None = None,
        **params: object,
    ):
        self.status, self.key, self.params = status, key, params
        self.headers = dict(headers or {})
        super().__init__(key)


def problem_body(
    status: int, title: str, detail: str, problems: Iterable[Problem] = (), **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    listed = [problem_item(p) for p in problems]
    if listed:
        body["problems"] = listed
    body.update(extra)
    return body


def problem_item(problem: Problem) -> dict[str, Any]:
    """One located problem as the API says it: the message, then where, then its key and
    values (what a client program matches on)."""
    item: dict[str, Any] = {"message": problem.render()}
    for name in ("source", "line", "row", "field"):
        value = getattr(problem, name)
        if value is not None:
            item[name] = value
    item["key"] = problem.key
    if problem.params:
        item["params"] = {k: _plain(v) for k, v in problem.params.items()}
    return item


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def problem_response(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def refusal(exc: InputError, status: int = 400) -> Response:
    """An input error with its problems listed: 400, or the status :data:`STATUS_OF` gives."""
    detail = t("http.input_error", count=len(exc.problems))
    return problem_response(status, problem_body(status, _title(status), detail, exc.problems))


def _is_page(request: Request) -> bool:
    from remit.service.pages.common import is_page

    return is_page(request)


async def _page(
    request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A page's refusal as a page, with the header of whoever is signed in (the pages import
    this module: they are imported when needed)."""
    from starlette.concurrency import run_in_threadpool

    from remit.service.auth import identify
    from remit.service.pages.common import refused_page

    user = getattr(request.state, "user", None)
    if user is None:  # refused before any dependency asked who it is (no such page)
        user = await run_in_threadpool(identify, request, request.app.state.services)
    response = refused_page(request, status, detail, user)
    for name, value in (headers or {}).items():
        response.headers.setdefault(name, value)
    return response


def install(app: FastAPI) -> None:
    """The handlers that turn every refusal into problem details."""

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        if _is_page(request):
            return await _page(request, input_status(exc), exc.render())
        return refusal(exc, input_status(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = request_problems(exc.errors())
        return refusal(InputError(problems))

    @app.exception_handler(HTTPProblem)
    async def _problem(request: Request, exc: HTTPProblem) -> Response:
        detail = t(exc.key, **exc.params)
        if _is_page(request):
            return await _page(request, exc.status, detail, exc.headers)
        body = problem_body(exc.status, _title(exc.status), detail, key=exc.key)
        return problem_response(exc.status, body, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, HTTPProblem):  # the body bound, met while FastAPI read it
            return await _problem(request, exc.__cause__)
        title = _title(exc.status_code)
        given = str(exc.detail) if exc.detail else ""
        detail = given if given and given != _english(exc.status_code) else title
        if _is_page(request):
            return await _page(request, exc.status_code, detail, exc.headers)
        body = problem_body(exc.status_code, title, detail)
        return problem_response(exc.status_code, body, exc.headers)

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> Response:
        log.error("database unreachable: %s", exc.orig)
        body = problem_body(503, _title(503), t("http.database", detail=str(exc.orig)))
        # a dropped connection (the database restarted) fails one request, then is replaced
        return problem_response(503, body, {"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        detail = t("http.internal", error=type(exc).__name__)
        return problem_response(500, problem_body(500, _title(500), detail))


def request_problems(errors: Iterable[Any]) -> list[Problem]:
    """FastAPI's validation errors (located ``body``/``query``/``path``/``header`` …) as
    remit's located problems: the source says which part of the request."""
    found: list[Problem] = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        part = str(loc[0]) if loc else "body"
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error", error.get("msg", ""))
            found.append(Problem.at({"source": t("http.part.body")}, "http.json", detail=detail))
            continue
        source = t(f"http.part.{part}") if part in _PARTS else part
        found.extend(error_problems([{**error, "loc": loc[1:]}], source, "request"))
    return found


_PARTS = ("body", "query", "path", "header", "cookie")


STATUS_OF = {
    # a lost race (someone else changed it first), or an act the thing's state does not allow
    "db.changed": 409,
    "db.changed_unseen": 409,
    "db.busy": 409,
    "case.changed": 409,
    "case.illegal": 409,
    "admission.decided": 409,
    # the caller may not act on it
    "admission.four_eyes": 403,
    "admission.approved_already": 403,
    "case.not_holder": 403,
    "case.not_centre": 403,
    # well formed, but not something a case can be made of (yet)
    "case.needs_info": 422,
    "case.not_recorded": 422,
    "case.no_holder": 422,
    "case.unknown": 404,
}
"""Refusals that are not plain bad input (400), by their problem's key (or its prefix up to
a dot-separated part)."""


def input_status(exc: InputError) -> int:
    """The HTTP status of an input error: the first of its problems :data:`STATUS_OF` names,
    else 400."""
    for problem in exc.problems:
        key = problem.key
        while key:
            if key in STATUS_OF:
                return STATUS_OF[key]
            key = key.rpartition(".")[0] if "." in key.partition(".")[2] else ""
    return 400


def _title(status: int) -> str:
    key = f"http.title.{status}"
    return t(key) if has(key) else _english(status)


def _english(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)
