"""The case book's tables, in the registry's database: ``cases`` (one row a case, changed in
place under a version number) and ``case_steps`` (one row a step, only ever added: the case's
history). They are SQLAlchemy Core tables of their own :data:`metadata`, apart from the
registry's (whose rows are never changed): :func:`ensure_tables` creates them where missing.

Times are stored as naive UTC (as the registry stores them) and read back aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.exc import OperationalError

from remit.errors import InputError

metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("source", String(200), nullable=False),
    Column("external_id", String(500), nullable=False),
    Column("status", String(20), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("unit_name", Text, nullable=False),
    Column("street", String(200)),
    Column("street_name", Text),
    Column("matter", String(200), nullable=False),
    Column("matter_name", Text),
    Column("reported_at", DateTime, nullable=False),
    Column("dispatched_at", DateTime, nullable=False),
    Column("time_limit", String(100)),
    Column("deadline", DateTime),
    Column("supervised_by", Text),
    Column("supervised_at", DateTime),
    Column("supervised_note", Text),
    Column("event", JSON, nullable=False),
    Column("decision", JSON, nullable=False),
    Column("decision_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("source", "external_id", name="uq_cases_source_external"),
    UniqueConstraint("year", "number", name="uq_cases_year_number"),
    Index("ix_cases_unit_status", "unit", "status"),
    Index("ix_cases_deadline", "deadline"),
    Index("ix_cases_street", "street"),
    Index("ix_cases_decision", "decision_id"),
)

case_steps = Table(
    "case_steps",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(20), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("unit", String(200)),
    Column("note", Text, nullable=False),
    Column("details", JSON, nullable=False),
)

LOCK_KEY = 0x72656D6974_0C
"""The PostgreSQL advisory lock the case book's table creation and case numbering take (one
holder at a time; released at the end of the transaction)."""


def utc_naive(moment: dt.datetime) -> dt.datetime:
    """An aware time as stored: naive UTC."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def utc_aware(moment: dt.datetime) -> dt.datetime:
    """A stored time as read: aware UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction that holds the case book's lock from its start: on PostgreSQL
    the advisory lock, on SQLite the database's write lock (``BEGIN IMMEDIATE``), so that a
    check and the write after it are one step. Committed at the end, rolled back on error."""
    with engine.connect() as c:
        if c.dialect.name == "sqlite":
            driver = c.connection.driver_connection
            if driver is None or not driver.in_transaction:
                try:
                    c.exec_driver_sql("BEGIN IMMEDIATE")
                except OperationalError as exc:  # another writer held the lock past the timeout
                    raise InputError.one("db.busy", detail=str(exc.orig)) from None
        elif c.dialect.name == "postgresql":
            c.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
        try:
            yield c
        except BaseException:
            c.rollback()
            raise
        c.commit()


@contextmanager
def changing(engine: Engine) -> Iterator[Connection]:
    """One write transaction without the lock: a change guarded by the case's version."""
    with engine.begin() as c:
        yield c


def ensure_tables(engine: Engine) -> bool:
    """Create the case book's tables where they are missing (True: it created them). Safe when
    two processes start at once: the creation holds the lock of :func:`writing`."""
    if _present(engine):
        return False
    with writing(engine) as c:
        if _present_on(c):
            return False
        metadata.create_all(c)
    return True


def drop_tables(engine: Engine) -> None:
    """Drop the case book's tables (``remit init --force``: a registry started anew)."""
    with writing(engine) as c:
        metadata.drop_all(c)


def _present(engine: Engine) -> bool:
    with engine.connect() as c:
        return _present_on(c)


def _present_on(c: Connection) -> bool:
    names = set(inspect(c).get_table_names())
    return all(table.name in names for table in metadata.sorted_tables)


__all__ = [
    "case_steps",
    "cases",
    "changing",
    "drop_tables",
    "ensure_tables",
    "metadata",
    "utc_aware",
    "utc_naive",
    "writing",
]
