"""Signing in and out: a session for a person at a browser or a script."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response

from remit.identity import AuthenticationFailed, User
from remit.service.auth import SESSION_COOKIE, current_user, set_session_cookie
from remit.service.problems import HTTPProblem
from remit.service.state import Services, services

router = APIRouter(tags=["session"])


def user_json(user: User) -> dict[str, Any]:
    return {
        "login": user.login,
        "name": user.name,
        "roles": sorted(r.value for r in user.roles),
        "unit": user.unit,
    }


@router.post("/session", summary="Sign in: a session cookie for login and password")
def sign_in(
    request: Request,
    response: Response,
    login: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Form-encoded ``login`` and ``password``. The session lasts ``--session-hours``; its
    cookie is HttpOnly and SameSite=Strict (Secure over HTTPS). A wrong login or password
    is one 401, whichever was wrong."""
    try:
        user = found.directory.authenticate(login, password)
    except AuthenticationFailed:
        raise HTTPProblem(401, "http.sign_in_failed") from None
    session = found.directory.open_session(user, found.settings.session_ttl)
    set_session_cookie(response, request, session, found.settings.session_ttl)
    return user_json(user)


@router.get("/session", summary="Who am I")
def whoami(user: User = Depends(current_user)) -> dict[str, Any]:
    return user_json(user)


@router.delete("/session", status_code=204, summary="Sign out")
def sign_out(request: Request, found: Services = Depends(services)) -> Response:
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        found.directory.close_session(session)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    if not session:
        raise HTTPProblem(401, "http.unauthenticated")
    return response
