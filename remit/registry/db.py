"""Where the registry lives: resolving its URL, opening it, creating it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from remit.errors import InputError
from remit.registry.models import SCHEMA_VERSION, meta, metadata

DEFAULT_URL = "sqlite:///remit.db"


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``$REMIT_DB``, else ``sqlite:///remit.db``. A bare path means SQLite."""
    url = url or os.environ.get("REMIT_DB") or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    try:
        make_url(url)
    except ArgumentError as exc:
        raise InputError.one("db.bad_url", url=url, detail=str(exc)) from None
    return url


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


POOL_SIZE = 16
"""Connections an engine keeps open to a database server (and as many again for a burst):
more than a service worker's threads use at once (remit.service.state.THREADS), so that busy
requests reuse connections instead of opening and closing one each."""


class WrittenJSON(str):
    """Text that is JSON already, for a JSON column: written as it is (a value pydantic wrote
    once, as a routing decision is, need not be made into data and written again)."""

    __slots__ = ()


def json_text(value: Any) -> str:
    """A JSON column's value as written: :class:`WrittenJSON` as it is, anything else as
    SQLAlchemy writes it by default (``json.dumps``)."""
    return str.__str__(value) if isinstance(value, WrittenJSON) else json.dumps(value)


POOL_RECYCLE = 1800
"""Seconds after which a pooled connection to a database server is replaced rather than used
(a firewall or proxy between may drop connections idle that long)."""


def make_engine(url: str) -> Engine:
    """An engine on ``url``. A database server's connections are pooled and used without a
    ping first: a ping is a round trip on every checkout (measured on ``bench/serve.py``,
    PostgreSQL, 10,000 cases three times each way: 781–818 cases/s with it, 815–865 without).
    A connection the server dropped (a restart) fails the statement it is used for with
    ``OperationalError`` — the service answers 503 with ``Retry-After`` — and the pool then
    replaces every connection it held from before."""
    try:
        if make_url(url).get_backend_name() == "sqlite":
            return create_engine(url, connect_args={"timeout": 30}, json_serializer=json_text)
        return create_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=POOL_SIZE,
            pool_recycle=POOL_RECYCLE,
            json_serializer=json_text,
        )
    except (ArgumentError, ImportError) as exc:
        raise InputError.one("db.bad_url", url=url, detail=str(exc)) from None


def exists(engine: Engine, url: str) -> bool:
    """Is there an initialised registry at ``url``? Never creates a SQLite file."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return False
    try:
        return inspect(engine).has_table(meta.name)
    except OperationalError as exc:
        raise InputError.one("db.unreachable", url=url, detail=str(exc.orig)) from None
    except DatabaseError as exc:
        if not_a_database(exc):
            raise InputError.one("db.not_a_registry", url=url, detail=str(exc.orig)) from None
        raise


def not_a_database(exc: DatabaseError) -> bool:
    """Is ``exc`` SQLite saying the file is no database, or a damaged one ("file is not a
    database", "database disk image is malformed")? (Its other errors are subclasses.)"""
    import sqlite3

    return type(exc.orig) is sqlite3.DatabaseError


def create(engine: Engine, url: str, force: bool = False) -> None:
    """Create the registry's tables; with ``force``, drop an existing registry first."""
    if exists(engine, url):
        if not force:
            raise InputError.one("db.exists", url=url)
        metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(meta.insert().values(key="schema_version", value=SCHEMA_VERSION))


MIGRATES_FROM = "3"
"""The table layout `remit registry migrate` rewrites to :data:`SCHEMA_VERSION`."""
ADDED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "5": (("unit", "function"),),
    "6": (("duty", "standard"),),
    "7": (("area", "geometry"), ("area", "addresses")),
}
"""Per layout after 4, the (table, column) it added: `remit registry migrate` brings an older
layout from 4 on to :data:`SCHEMA_VERSION` by adding them (nullable, nothing else changes)."""
UPGRADES_FROM = frozenset({"4", *(str(int(v) - 1) for v in ADDED_COLUMNS)}) - {SCHEMA_VERSION}
"""The layouts `remit registry migrate` brings to :data:`SCHEMA_VERSION` by adding columns."""


def schema_version(connection: Connection) -> str:
    """The table layout the registry says it has ("?": it does not say)."""
    found = connection.execute(
        select(meta.c.value).where(meta.c.key == "schema_version")
    ).scalar_one_or_none()
    return str(found) if found is not None else "?"


def check_schema(engine: Engine, url: str) -> None:
    """Refuse a registry written by a remit with another table layout, with what to do."""
    with engine.connect() as connection:
        version = schema_version(connection)
    if version == MIGRATES_FROM or version in UPGRADES_FROM:
        raise InputError.one("db.schema_migrate", url=url, found=version, expected=SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise InputError.one("db.schema", url=url, found=version, expected=SCHEMA_VERSION)


def one_transaction(url: str) -> Engine:
    """An engine whose transactions hold everything, table changes too. (SQLite's Python driver
    runs CREATE, ALTER and DROP outside the transaction it opens before INSERT: here every
    transaction begins with BEGIN IMMEDIATE, which also takes the write lock at once.)"""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(connection: Any, _record: Any) -> None:
            connection.isolation_level = None  # the driver opens no transaction by itself

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
