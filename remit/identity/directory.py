"""The directory of users: who they are, their roles, passwords (argon2), tokens for machine
clients and sessions for people — kept in the registry's database (:mod:`remit.identity.store`),
every change written to the registry's audit log with who made it.

Secrets are never stored nor logged: a password as its argon2 hash, a token and a session id
as their SHA-256. ``REMIT_ARGON2_FAST=1`` hashes passwords with a cheap argon2 profile, for
tests only (docs/identity.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from remit.errors import InputError
from remit.files.names import Unresolved, index_of
from remit.files.text import refuse
from remit.identity.roles import AuthenticationFailed, Role, TokenInfo, User
from remit.identity.store import ensure_tables, user_sessions, user_tokens, users
from remit.registry import AuditEntry, Registry
from remit.registry.entities import utcnow

LOGIN = re.compile(r"[a-z0-9._-]{2,64}")
"""What a login may be: 2 to 64 of lower-case letters, digits, dot, underscore and hyphen."""
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_NAME = 200
TOKEN_PREFIX = "remit_"
FAST_ENV = "REMIT_ARGON2_FAST"
_CITY = ZoneInfo("Asia/Shanghai")


def password_hasher() -> PasswordHasher:
    """argon2id with the library's defaults; with ``REMIT_ARGON2_FAST=1`` a cheap profile
    (1 pass, 8 MiB) that keeps tests fast — never in production."""
    if os.environ.get(FAST_ENV) == "1":
        return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    return PasswordHasher()


def digest(secret: str) -> str:
    """What is kept of a token or a session id: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Directory:
    """The users of the registry at hand, with their passwords, tokens and sessions.

    Its tables are created on first use (:func:`remit.identity.store.ensure_tables`)."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.engine = registry.engine
        self.hasher = password_hasher()
        self._ready = False
        self._dummy: str | None = None

    # --- set-up -------------------------------------------------------------------------------

    def _ensure(self) -> None:
        if not self._ready:
            self.registry.revision()  # refuses a database that holds no registry
            ensure_tables(self.engine)
            self._ready = True

    def _log(self, by: str, action: str, details: dict[str, Any]) -> None:
        self.registry.add_to_log(
            AuditEntry(
                at=utcnow(),
                actor=by,
                action=action,
                list_id=None,
                version=None,
                note=None,
                snapshot_hash=None,
                details=details,
            )
        )

    # --- users --------------------------------------------------------------------------------

    def add(
        self,
        login: str,
        name: str,
        roles: Iterable[Role | str],
        *,
        unit: str | None = None,
        password: str | None = None,
        by: str,
    ) -> User:
        """Add a user. ``unit`` (a code, name or alias of a unit in force today) is required
        for the ``unit`` role and refused for any other; a second user of one login is
        refused (of two added at once, one is)."""
        _actor(by)
        _login(login)
        name = name.strip()
        if not name:
            raise InputError.one("user.no_name", field="name")
        if len(name) > MAX_NAME:
            raise InputError.one("user.long_name", field="name", max=MAX_NAME)
        refuse(name, "name")
        held = _roles(roles)
        if password is not None:
            _password_ok(password)
        self._ensure()
        code = self._unit(unit, held)
        if self.get(login) is not None:
            raise InputError.one("user.exists", field="login", login=login)
        now = utcnow()
        row = {
            "login": login,
            "name": name,
            "roles": ",".join(sorted(held)),
            "unit": code,
            "password_hash": self.hasher.hash(password) if password is not None else None,
            "disabled": False,
            "created_at": now,
            "created_by": by,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(users).values(**row))
        except IntegrityError:  # added meanwhile by someone else
            raise InputError.one("user.exists", field="login", login=login) from None
        details = {
            "login": login,
            "name": name,
            "roles": sorted(held),
            "unit": code,
            "password": password is not None,
        }
        try:
            self._log(by, "user_add", details)
        except BaseException:  # no user the log does not name
            with self.engine.begin() as connection:
                connection.execute(delete(users).where(users.c.login == login))
            raise
        found = self.get(login)
        assert found is not None
        return found

    def _unit(self, unit: str | None, held: frozenset[Role]) -> str | None:
        if Role.unit not in held:
            if unit is not None:
                raise InputError.one("user.unit_without_role", field="unit", unit=unit)
            return None
        if unit is None or not unit.strip():
            raise InputError.one("user.unit_required", field="unit")
        today = dt.datetime.now(_CITY).date()
        units = self.registry.state().units_on(today)
        try:
            return index_of(units, "unit").resolve(unit, "ref.unknown_unit")
        except Unresolved as exc:
            raise InputError.one(exc.key, field="unit", **exc.params) from None

    def get(self, login: str) -> User | None:
        self._ensure()
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.login == login)).first()
        return _user(row) if row is not None else None

    def users(self) -> list[User]:
        """Every user, by login."""
        self._ensure()
        with self.engine.connect() as connection:
            rows = connection.execute(select(users).order_by(users.c.login)).all()
        return [_user(row) for row in rows]

    def _known(self, login: str) -> User:
        found = self.get(login)
        if found is None:
            raise InputError.one("user.unknown", field="login", login=login)
        return found

    def disable(self, login: str, *, by: str) -> User:
        """Disable a user: they can no longer log in; their tokens and sessions stop working."""
        _actor(by)
        if self._known(login).disabled:
            raise InputError.one("user.already_disabled", field="login", login=login)
        with self.engine.begin() as connection:
            done = connection.execute(
                update(users)
                .where(users.c.login == login, users.c.disabled.is_(False))
                .values(disabled=True, disabled_at=utcnow(), disabled_by=by)
            )
            if done.rowcount != 1:  # disabled meanwhile by someone else
                raise InputError.one("user.already_disabled", field="login", login=login)
            connection.execute(delete(user_sessions).where(user_sessions.c.login == login))
        self._log(by, "user_disable", {"login": login})
        return self._known(login)

    def set_password(self, login: str, password: str, *, by: str) -> None:
        """Set a user's password (at least :data:`MIN_PASSWORD` characters)."""
        _actor(by)
        _password_ok(password)
        self._known(login)
        with self.engine.begin() as connection:
            connection.execute(
                update(users)
                .where(users.c.login == login)
                .values(password_hash=self.hasher.hash(password))
            )
        self._log(by, "user_password", {"login": login})

    def authenticate(self, login: str, password: str) -> User:
        """The user whose login and password these are; :class:`AuthenticationFailed` for an
        unknown login, a wrong password and a disabled user alike. A hash made with other
        parameters than the current ones is made again."""
        if len(password) > MAX_PASSWORD:  # no password is that long: not hashed at all
            raise AuthenticationFailed()
        self._ensure()
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.login == login)).first()
        stored = row.password_hash if row is not None else None
        if stored is None:
            self._verify(self._dummy_hash(), password)  # as long as a real check
            raise AuthenticationFailed()
        if not self._verify(stored, password) or row is None or row.disabled:
            raise AuthenticationFailed()
        if self.hasher.check_needs_rehash(stored):
            with self.engine.begin() as connection:
                connection.execute(
                    update(users)
                    .where(users.c.login == login, users.c.password_hash == stored)
                    .values(password_hash=self.hasher.hash(password))
                )
        return _user(row)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy

    # --- tokens (machine clients) -------------------------------------------------------------

    def issue_token(
        self,
        login: str,
        *,
        by: str,
        note: str | None = None,
        expires: dt.datetime | None = None,
    ) -> str:
        """A new token for ``login`` (``remit_…``): returned once, only its SHA-256 kept."""
        _actor(by)
        refuse(note, "note")
        now = dt.datetime.now(dt.UTC)  # to the microsecond: a user's tokens listed in order
        if expires is not None:
            if expires.tzinfo is None:
                raise InputError.one("token.naive_expiry", field="expires")
            if expires <= now:
                raise InputError.one("token.expired_already", field="expires")
        if self._known(login).disabled:
            raise InputError.one("user.is_disabled", field="login", login=login)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = secrets.token_hex(6)
        with self.engine.begin() as connection:
            connection.execute(
                insert(user_tokens).values(
                    id=token_id,
                    login=login,
                    token_hash=digest(token),
                    note=note,
                    created_at=now,
                    created_by=by,
                    expires_at=expires,
                )
            )
        details = {
            "login": login,
            "token": token_id,
            "note": note,
            "expires": expires.isoformat() if expires else None,
        }
        self._log(by, "token_issue", details)
        return token

    def revoke_token(self, token_id: str, *, by: str) -> None:
        """Revoke a token by its id (as :meth:`tokens` lists it)."""
        _actor(by)
        self._ensure()
        with self.engine.begin() as connection:
            row = connection.execute(
                select(user_tokens).where(user_tokens.c.id == token_id)
            ).first()
            if row is None:
                raise InputError.one("token.unknown", field="token", id=token_id)
            done = connection.execute(
                update(user_tokens)
                .where(user_tokens.c.id == token_id, user_tokens.c.revoked_at.is_(None))
                .values(revoked_at=utcnow(), revoked_by=by)
            )
            if done.rowcount != 1:
                raise InputError.one("token.already_revoked", field="token", id=token_id)
        self._log(by, "token_revoke", {"login": row.login, "token": token_id})

    def tokens(self, login: str) -> list[TokenInfo]:
        """A user's tokens, oldest first (revoked and expired ones too)."""
        self._known(login)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(user_tokens)
                .where(user_tokens.c.login == login)
                .order_by(user_tokens.c.created_at, user_tokens.c.id)
            ).all()
        return [_token(row) for row in rows]

    def user_for_token(self, token: str, now: dt.datetime | None = None) -> User | None:
        """The user a token was issued to; None when it is unknown, revoked, expired or its
        user disabled. Looked up by its hash: no comparison of secrets to time."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        self._ensure()
        now = now or utcnow()
        with self.engine.connect() as connection:
            row = connection.execute(
                select(user_tokens).where(user_tokens.c.token_hash == digest(token))
            ).first()
        if row is None or not _token(row).active(now):
            return None
        user = self.get(row.login)
        return user if user is not None and not user.disabled else None

    # --- sessions (people) --------------------------------------------------------------------

    def open_session(self, user: User, ttl: dt.timedelta = dt.timedelta(hours=8)) -> str:
        """A new session for ``user`` (authenticated by the caller), valid for ``ttl``: its id,
        returned once, only its SHA-256 kept. Sessions past their time are removed."""
        if ttl <= dt.timedelta(0):
            raise ValueError("a session lasts a while")
        self._ensure()
        session_id = secrets.token_urlsafe(32)
        now = utcnow()
        with self.engine.begin() as connection:
            connection.execute(delete(user_sessions).where(user_sessions.c.expires_at <= now))
            connection.execute(
                insert(user_sessions).values(
                    session_hash=digest(session_id),
                    login=user.login,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
        return session_id

    def session_user(self, session_id: str, now: dt.datetime | None = None) -> User | None:
        """The user of an open session; None when it is unknown, closed, expired (at ``now``,
        default now) or its user disabled."""
        self._ensure()
        now = now or utcnow()
        with self.engine.connect() as connection:
            row = connection.execute(
                select(user_sessions).where(user_sessions.c.session_hash == digest(session_id))
            ).first()
        if row is None or row.expires_at <= now:
            return None
        user = self.get(row.login)
        return user if user is not None and not user.disabled else None

    def close_session(self, session_id: str) -> None:
        """End a session (logging out); an unknown one is no error."""
        self._ensure()
        with self.engine.begin() as connection:
            connection.execute(
                delete(user_sessions).where(user_sessions.c.session_hash == digest(session_id))
            )


def _actor(by: str) -> None:
    if not by or not by.strip():
        raise InputError.one("user.no_actor", field="by")
    refuse(by, "by")


def _login(login: str) -> None:
    if not LOGIN.fullmatch(login):
        raise InputError.one("user.bad_login", field="login", login=login)


def _roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    held: set[Role] = set()
    for role in roles:
        try:
            held.add(Role(role))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InputError.one(
                "user.unknown_role", field="role", role=role, known=known
            ) from None
    if not held:
        raise InputError.one("user.no_role", field="role")
    return frozenset(held)


def _password_ok(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError.one("user.short_password", field="password", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise InputError.one("user.long_password", field="password", max=MAX_PASSWORD)


def _user(row: Row[Any]) -> User:
    return User(
        login=row.login,
        name=row.name,
        roles=frozenset(Role(r) for r in row.roles.split(",") if r),
        unit=row.unit,
        disabled=bool(row.disabled),
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _token(row: Row[Any]) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        login=row.login,
        note=row.note,
        created=row.created_at,
        created_by=row.created_by,
        expires=row.expires_at,
        revoked=row.revoked_at,
    )


__all__ = ["Directory", "digest", "password_hasher"]
