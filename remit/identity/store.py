"""The tables of identities, in the registry's database but in their own ``MetaData``:
``users``, ``user_tokens`` (a token's SHA-256, never the token) and ``user_sessions`` (a
session id's SHA-256). :func:`ensure_tables` creates them when missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Engine


class UTCTime(TypeDecorator[dt.datetime]):
    """An aware UTC time, stored as UTC (SQLite keeps no offset: read back as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a stored time is aware")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("login", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("roles", Text, nullable=False),  # the role values, sorted, comma-separated
    Column("unit", String(64), nullable=True),
    Column("password_hash", Text, nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCTime, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("disabled_at", UTCTime, nullable=True),
    Column("disabled_by", Text, nullable=True),
)

user_tokens = Table(
    "user_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("login", String(64), ForeignKey(users.c.login), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("note", Text, nullable=True),
    Column("created_at", UTCTime, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("expires_at", UTCTime, nullable=True),
    Column("revoked_at", UTCTime, nullable=True),
    Column("revoked_by", Text, nullable=True),
    Index("ix_user_tokens_login", "login"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("login", String(64), ForeignKey(users.c.login), nullable=False),
    Column("created_at", UTCTime, nullable=False),
    Column("expires_at", UTCTime, nullable=False),
    Index("ix_user_sessions_login", "login"),
)

_LOCK = 0x72656D6974_5553  # "remit" "US": the advisory lock taken around creating the tables


def ensure_tables(engine: Engine) -> None:
    """Create the identity tables when missing. On PostgreSQL under a transaction-scoped
    advisory lock, so that two processes starting at once do not both create them."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        metadata.create_all(connection, checkfirst=True)


def drop_tables(engine: Engine) -> None:
    """Drop the identity tables (``remit init --force``: a registry started empty)."""
    metadata.drop_all(engine, checkfirst=True)
