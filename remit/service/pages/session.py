"""Signing in and out at a browser, the home page and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from remit.identity import AuthenticationFailed, User
from remit.service.auth import SESSION_COOKIE, identify, set_session_cookie
from remit.service.middleware import LANG_COOKIE
from remit.service.pages.common import page, safe_next, title, viewer
from remit.service.state import Services, services

router = APIRouter(include_in_schema=False)


@router.get("/login")
async def login_page(
    request: Request, next: str = "/", found: Services = Depends(services)
) -> Response:
    user = await run_in_threadpool(identify, request, found)
    if user is not None:  # signed in already: on to the page asked for
        return RedirectResponse(safe_next(next), status_code=303)
    return page(
        request,
        "login.html.j2",
        title("page.login.title"),
        None,
        next=safe_next(next),
        failed=False,
        login="",
    )


@router.post("/login")
def sign_in(
    request: Request,
    login: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    found: Services = Depends(services),
) -> Response:
    """A wrong login or password is one message, whichever was wrong (401)."""
    try:
        user = found.directory.authenticate(login, password)
    except AuthenticationFailed:
        return page(
            request,
            "login.html.j2",
            title("page.login.title"),
            None,
            status=401,
            next=safe_next(next),
            failed=True,
            login=login,
        )
    session = found.directory.open_session(user, found.settings.session_ttl)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, request, session, found.settings.session_ttl)
    return response


@router.post("/logout")
def sign_out(request: Request, found: Services = Depends(services)) -> Response:
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        found.directory.close_session(session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str = "/") -> Response:
    """Pages in ``zh`` or ``en`` from now on (a cookie), back to the page it was asked on."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, user: User = Depends(viewer), found: Services = Depends(services)
) -> Response:
    """What the signed-in user can open, by role."""
    unit_name = user.unit or ""
    if user.unit:
        unit = found.registry.state().units_on().get(user.unit)
        unit_name = unit.name if unit is not None else user.unit
    roles = "、".join(title(f"page.role.{r}") for r in sorted(r.value for r in user.roles))
    return page(
        request, "home.html.j2", title("page.home.title"), user, unit_name=unit_name, roles=roles
    )
