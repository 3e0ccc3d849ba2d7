"""What every page needs: the signed-in viewer (or a trip to ``/login``), the navigation by
role, the page as a response with its security headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from remit.i18n import current_lang, t
from remit.identity import Role, User
from remit.present.pages import CSP, NavLink, Viewer, render_page
from remit.service.auth import identify, require
from remit.service.state import Services, services

PAGE_ROUTERS: list[APIRouter] = []
"""Every page module's router, in navigation order (each module appends its own)."""


@dataclass(frozen=True)
class PageEntry:
    """A page in the navigation: its path, its title's message key (``<key>_about`` says what
    it is for on the home page) and the roles that may open it (none: everyone signed in)."""

    path: str
    key: str
    roles: tuple[Role, ...] = ()


NAVIGATION: list[PageEntry] = []
"""The pages in the navigation, in order (each page module appends its entries)."""


class SignInFirst(Exception):
    """A page opened without a valid session: answered with a redirect to ``/login``."""

    def __init__(self, path: str):
        self.path = path


async def viewer(request: Request, found: Services = Depends(services)) -> User:
    """A page's dependency: the signed-in user (else to ``/login`` and back)."""
    user = await run_in_threadpool(identify, request, found)
    if user is None:
        raise SignInFirst(_here(request))
    request.state.user = user
    return user


def page_for(*roles: Role) -> Callable[..., Any]:
    """A page's dependency: the signed-in user, who must hold one of ``roles`` (else 403)."""
    return require(*roles, who=viewer)


def navigation(user: User, path: str) -> list[NavLink]:
    """The pages ``user`` may open, the one at ``path`` marked current."""
    return [
        NavLink(e.path, e.key, current=path == e.path or path.startswith(e.path + "/"))
        for e in NAVIGATION
        if not e.roles or user.has(*e.roles)
    ]


def as_viewer(user: User) -> Viewer:
    return Viewer(user.login, user.name, tuple(sorted(r.value for r in user.roles)), user.unit)


def page(
    request: Request,
    template: str,
    title: str,
    user: User | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template`` as the response, in the request's language, with the navigation of
    ``user`` (None: the sign-in page) and the pages' security headers."""
    path = _here(request)
    html = render_page(
        template,
        current_lang.get(),
        title=title,
        viewer=as_viewer(user) if user else None,
        nav=navigation(user, request.url.path) if user else (),
        path=path,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def to_sign_in(exc: SignInFirst) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(exc.path, safe='/')}", status_code=303)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def title(key: str, **params: object) -> str:
    """A page's title in the request's language."""
    return t(key, **params)


def refused_page(
    request: Request, status: int, message: str, user: User | None = None
) -> HTMLResponse:
    """A page that says why it cannot be shown (403, 404, a bad request …): for a page's
    refusal, in place of the API's problem details. ``user``: who asked (default: whoever the
    request was found to be; None on the sign-in page)."""
    if user is None:
        user = getattr(request.state, "user", None)
    key = {403: "page.refused.403", 404: "page.refused.404"}.get(status, "page.refused.other")
    return page(request, "refused.html.j2", title(key), user, status=status, message=message)


def is_page(request: Request) -> bool:
    """Whether ``request`` asked for a page (under ``/ui/``): its refusals are pages too."""
    return request.url.path.startswith("/ui/")
