"""The users of the service and their tokens, as text (a table) and as JSON data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from rich.table import Table

from remit.deadlines import local_time
from remit.i18n import Lang, t
from remit.identity.roles import Role, TokenInfo, User


def role_label(role: Role, lang: Lang | None = None) -> str:
    return t(f"user_role.{role.value}", lang)


def roles_text(user: User, lang: Lang | None = None) -> str:
    ordered = [r for r in Role if r in user.roles]  # in the order of the enum
    return t("list.separator", lang).join(role_label(r, lang) for r in ordered)


def users_table(users: Iterable[User], lang: Lang | None = None) -> Table:
    """One user a row: login, name, roles, unit, state, created (Beijing time, by whom)."""
    table = Table()
    for key in ("col.login", "col.user_name", "col.roles", "col.user_unit", "col.user_state"):
        table.add_column(t(key, lang))
    table.add_column(t("col.created", lang))
    for user in users:
        table.add_row(
            user.login,
            user.name,
            roles_text(user, lang),
            user.unit or "",
            t("user.state_disabled" if user.disabled else "user.state_active", lang),
            f"{local_time(user.created_at, seconds=False)} {user.created_by}",
        )
    return table


def user_data(user: User) -> dict[str, Any]:
    """A user as JSON data (roles by value, in the order of the enum; times in UTC)."""
    return {
        "login": user.login,
        "name": user.name,
        "roles": [r.value for r in Role if r in user.roles],
        "unit": user.unit,
        "disabled": user.disabled,
        "created_at": user.created_at.isoformat(),
        "created_by": user.created_by,
    }


def token_state(token: TokenInfo, now: dt.datetime, lang: Lang | None = None) -> str:
    if token.revoked is not None:
        return t("token.state_revoked", lang, at=local_time(token.revoked, seconds=False))
    if token.expires is not None and token.expires <= now:
        return t("token.state_expired", lang)
    return t("token.state_active", lang)


def tokens_table(tokens: Iterable[TokenInfo], now: dt.datetime, lang: Lang | None = None) -> Table:
    """A user's tokens, one a row: id, note, created, expires, state — never the token."""
    table = Table()
    for key in ("col.token_id", "col.note", "col.created", "col.expires", "col.token_state"):
        table.add_column(t(key, lang))
    for token in tokens:
        table.add_row(
            token.id,
            token.note or "",
            f"{local_time(token.created, seconds=False)} {token.created_by}",
            local_time(token.expires, seconds=False) if token.expires else "",
            token_state(token, now, lang),
        )
    return table
