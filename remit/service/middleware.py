"""The service's ASGI middleware: the language of each request, and the bound on its body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from remit.i18n import Lang, current_lang, t
from remit.service.problems import HTTPProblem, problem_body, problem_response

LANG_COOKIE = "remit_lang"
"""The language a person chose on the pages (``/lang/en``): kept by the browser."""


def request_lang(scope: Scope, default: Lang) -> Lang:
    """``?lang=zh|en``, else the ``remit_lang`` cookie the pages' switch sets, else the first
    of ``Accept-Language`` remit speaks, else ``default``."""
    query = scope.get("query_string", b"").decode("latin-1")
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "lang" and value in ("zh", "en"):
            return "zh" if value == "zh" else "en"
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for item in value.decode("latin-1").split(";"):
                key, _, chosen = item.strip().partition("=")
                if key == LANG_COOKIE and chosen in ("zh", "en"):
                    return "zh" if chosen == "zh" else "en"
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            for item in value.decode("latin-1").split(","):
                tag = item.split(";")[0].strip().lower()
                if tag.startswith("zh"):
                    return "zh"
                if tag.startswith("en"):
                    return "en"
            break
    return default


class Language:
    """Every message of a request (problems, pages) in the language it asked for."""

    def __init__(self, app: ASGIApp, default: Lang):
        self.app, self.default = app, default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = current_lang.set(request_lang(scope, self.default))
        try:
            await self.app(scope, receive, send)
        finally:
            current_lang.reset(token)


class BodyLimit:
    """A request body larger than ``limit`` bytes is refused with 413: at once when its
    ``Content-Length`` says so, else as soon as that many bytes have arrived."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await self._refuse(receive, send)
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            body = message.get("body")  # a request's part (a disconnect has none)
            if body:
                seen += len(body)
                if seen > self.limit:
                    raise HTTPProblem(413, "http.too_large", limit=self.limit)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, receive: Receive, send: Send) -> None:
        body = problem_body(413, t("http.title.413"), t("http.too_large", limit=self.limit))
        response = problem_response(413, body, {"connection": "close"})
        await response({"type": "http"}, receive, send)
