"""The ASGI app of ``remit serve``: FastAPI over the Python API.

Why FastAPI: remit's inputs and results are already pydantic v2 models (EventIn,
RoutingDecision, the reports, the admission request), and FastAPI validates requests with them,
publishes them as the OpenAPI description (``/openapi.json``, ``/docs``) and serves on any ASGI
server (uvicorn, with worker processes). The app only builds context and hands it to the Python
API — the same calls the command line makes — and turns refusals into problem details.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response

from remit.present.pages import STATIC
from remit.service import problems
from remit.service.api import API_ROUTERS
from remit.service.middleware import BodyLimit, Language
from remit.service.pages import PAGE_ROUTERS
from remit.service.pages.common import SignInFirst, to_sign_in
from remit.service.settings import ServiceSettings
from remit.service.state import GC_THRESHOLDS, THREADS, Services

DESCRIPTION = """
remit routes city events to the accountable unit on the responsibility lists in force
(权责清单、街镇履职事项清单), records each as a case with its lifecycle, keeps the lists as a
versioned registry, checks them for overlaps and gaps, gates devolved tasks (事项准入) and rules
on returned cases (退单). Open311 GeoReport v2 is served under `/open311/v2/`.

Authentication: `Authorization: Bearer <token>` (`remit users token`), or the session cookie
of `POST /session`. Every refusal is `application/problem+json` (RFC 9457) with the problems
located (source, line or row, field). Messages in Chinese by default; `?lang=en` or
`Accept-Language: en` for English.
"""


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The service on ``settings`` (default: from the environment)."""
    settings = settings or ServiceSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = THREADS
        gc.set_threshold(*GC_THRESHOLDS)
        app.state.services.start()
        yield
        app.state.services.close()

    app = FastAPI(
        title="remit",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = Services(settings)
    problems.install(app)
    for router in API_ROUTERS:
        app.include_router(router)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.add_exception_handler(SignInFirst, _to_sign_in)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept-Language"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body)
    app.add_middleware(Language, default=settings.lang)
    return app


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInFirst)
    return to_sign_in(exc)


def app_from_env() -> FastAPI:
    """The app as a uvicorn worker process makes it (``remit serve`` sets the environment)."""
    return create_app(ServiceSettings.from_env())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("remit")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree not installed
        return "0"
