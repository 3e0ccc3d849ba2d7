"""Who may act in the service: the roles (:class:`Role`) and a user (:class:`User`) holding
them. docs/identity.md says what each role may do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A role a user holds. ``admin`` holds every role (:meth:`User.has`)."""

    dispatcher = "dispatcher"
    """Routes, records and dispatches cases; supervises them."""
    unit = "unit"
    """Acts on its own unit's cases only (a user of this role names its unit)."""
    policy_officer = "policy_officer"
    """Writes the registry (import, publish, withdraw); submits admission requests."""
    approver = "approver"
    """Approves or rejects admission requests (not the ones they submitted: four eyes)."""
    admin = "admin"
    """Manages users; may do everything."""


@dataclass(frozen=True)
class User:
    """A person or a machine client (a platform) that acts in the service."""

    login: str
    """A simple id: ``[a-z0-9._-]{2,64}``."""
    name: str
    roles: frozenset[Role]
    unit: str | None
    """The unit's code, for a user of the ``unit`` role (required for it); None otherwise."""
    disabled: bool
    created_at: dt.datetime
    created_by: str

    def has(self, *roles: Role) -> bool:
        """Does the user hold one of ``roles``? An admin holds every role; a disabled user
        none."""
        if self.disabled:
            return False
        return Role.admin in self.roles or any(role in self.roles for role in roles)


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never the token itself (only its hash is kept)."""

    id: str
    login: str
    note: str | None
    created: dt.datetime
    created_by: str
    expires: dt.datetime | None
    revoked: dt.datetime | None

    def active(self, now: dt.datetime) -> bool:
        return self.revoked is None and (self.expires is None or self.expires > now)


class AuthenticationFailed(Exception):
    """A login, a password, a token or a session was not accepted. One message for every
    reason (no such login, wrong password, disabled), so logins cannot be probed."""

    def __init__(self) -> None:
        super().__init__("authentication failed")
