"""Identities and roles: users, passwords (argon2), tokens and sessions (docs/identity.md)."""

from remit.identity.directory import Directory
from remit.identity.roles import AuthenticationFailed, Role, TokenInfo, User
from remit.identity.store import ensure_tables

__all__ = ["AuthenticationFailed", "Directory", "Role", "TokenInfo", "User", "ensure_tables"]
