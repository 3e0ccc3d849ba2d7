"""Who is asking: a machine client's token, a person's session, or the city's SSO proxy.

Every request but the public reads (the Open311 service list, the API's description) names an
identity (:class:`remit.identity.User`): the write it makes is recorded under that login, and
what it may do is what its roles allow (docs/identity.md). In order:

1. ``Authorization: Bearer remit_…`` — a token issued with ``remit users token`` (platforms);
2. the ``remit_session`` cookie — a session opened by ``POST /session`` with login and
   password; it expires (``--session-hours``);
3. with ``--trusted-header H``, the header ``H`` naming a login, believed only when the
   request comes from one of ``--trusted-proxy`` (the SSO proxy in front of the service).

An unknown, expired or disabled identity is 401; a known one without the role is 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from remit.identity import Role, User
from remit.service.problems import HTTPProblem
from remit.service.state import Services, services

SESSION_COOKIE = "remit_session"
BEARER = {"WWW-Authenticate": 'Bearer realm="remit"'}


def identify(request: Request, found: Services) -> User | None:
    """The identity a request carries (None: none, or none that is valid)."""
    token = _bearer(request)
    if token:
        return found.user_for_token(token)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return found.directory.session_user(session)
    settings = found.settings
    if settings.trusted_header:
        login = request.headers.get(settings.trusted_header)
        client = request.client.host if request.client else None
        if login and client in settings.trusted_proxies:
            user = found.directory.get(login.strip())
            return user if user is not None and not user.disabled else None
    return None


def _bearer(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>`` ("" when there is none)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


async def current_user(request: Request, found: Services = Depends(services)) -> User:
    """The identity of the request, or 401 (a token's user known from the last few seconds is
    not asked of the database again, nor handed to a thread)."""
    user = found.known_user(_bearer(request))
    if user is None:
        user = await run_in_threadpool(identify, request, found)
    if user is None:
        raise HTTPProblem(401, "http.unauthenticated", headers=BEARER)
    request.state.user = user
    return user


def require(
    *roles: Role, who: Callable[..., Awaitable[User]] = current_user
) -> Callable[..., Awaitable[User]]:
    """A dependency: the request's identity (as ``who`` finds it: the API's, or a page's
    viewer), which must hold one of ``roles`` (admin holds every role); none given: any."""

    async def allowed(user: User = Depends(who)) -> User:
        if roles and not user.has(*roles):
            raise HTTPProblem(
                403,
                "http.forbidden_role",
                login=user.login,
                roles=", ".join(r.value for r in roles),
            )
        return user

    return allowed


def set_session_cookie(
    response: Response, request: Request, session: str, ttl: dt.timedelta
) -> None:
    """The session cookie of a person signed in: HttpOnly, SameSite=Strict (a form posted from
    another site carries none), Secure over HTTPS, kept for the session's ``ttl``."""
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
