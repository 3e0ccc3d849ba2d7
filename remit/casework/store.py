"""The case book's tables, in the registry's database: ``cases`` (one row a case, changed in
place under a version number) and ``case_steps`` (one row a step, only ever added: the case's
history). They are SQLAlchemy Core tables of their own :data:`metadata`, apart from the
registry's (whose rows are never changed): :func:`ensure_tables` creates them where missing.

Times are stored as naive UTC (as the registry stores them) and read back aware.

Case numbers run per year (``C-2026-000001`` …) from ``case_numbers``: one row a year, its
last number. :func:`add_case` takes the next number and writes the case with its first steps
as one step — on PostgreSQL one statement (no lock is held across round trips, so platforms
recording at once wait on each other only inside the server), on SQLite one transaction under
the database's write lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

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
    bindparam,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import TextClause

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

case_numbers = Table(
    "case_numbers",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
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


def add_case(engine: Engine, case: dict[str, Any], steps: list[dict[str, Any]]) -> str | None:
    """Write ``case`` (the values of a ``cases`` row but its id and number) numbered next in
    its year, and its first ``steps`` (``case_steps`` rows but the case id and seq): the new
    case's id, or None when its source already has a case of its ``external_id`` (nothing is
    written then). Two writers of the same event at the same moment: one writes the case, the
    other gets None (on PostgreSQL that may leave a number unused)."""
    if engine.dialect.name == "postgresql":
        params = {**case, **_step_params(steps)}
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            found = c.execute(_pg_statement(len(steps)), params).scalar_one_or_none()
        return str(found) if found is not None else None
    with writing(engine) as c:
        if _recorded(c, case["source"], case["external_id"]):
            return None
        number = c.execute(_next_number_sql(), {"year": case["year"]}).scalar_one()
        case_id = case_name(case["year"], number)
        c.execute(cases.insert(), {**case, "id": case_id, "number": number})
        c.execute(
            case_steps.insert(),
            [{**s, "case_id": case_id, "seq": i + 1} for i, s in enumerate(steps)],
        )
    return case_id


def add_cases(
    engine: Engine, items: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> list[bool]:
    """Write many cases at once, as :func:`add_case` writes one: for each item (a case's
    values but its id and number, and its first steps), whether its case was created now
    (False: its source had a case of that event already, or the batch holds it twice). On
    PostgreSQL one transaction: the events recorded before looked up, the year's numbers
    reserved for the rest (the counter's row locked until the commit), the cases and their
    steps inserted in one statement each; elsewhere one by one."""
    if engine.dialect.name != "postgresql":
        return [add_case(engine, case, steps) is not None for case, steps in items]
    if not items:
        return []
    from sqlalchemy import tuple_
    from sqlalchemy.dialects.postgresql import insert

    keys = [(case["source"], case["external_id"]) for case, _ in items]
    with engine.begin() as c:
        known = {
            (row.source, row.external_id)
            for row in c.execute(
                select(cases.c.source, cases.c.external_id).where(
                    tuple_(cases.c.source, cases.c.external_id).in_(keys)
                )
            )
        }
        fresh: list[int] = []
        for index, key in enumerate(keys):
            if key not in known:
                known.add(key)  # the batch's second copy of an event is not new either
                fresh.append(index)
        if not fresh:
            return [False] * len(items)
        wanted: dict[int, int] = {}
        for index in fresh:
            year = items[index][0]["year"]
            wanted[year] = wanted.get(year, 0) + 1
        following: dict[int, int] = {}
        for year in sorted(wanted):
            last = c.execute(_reserve_sql(), {"year": year, "n": wanted[year]}).scalar_one()
            following[year] = int(last) - wanted[year] + 1
        rows, named = [], {}
        for index in fresh:
            case, _ = items[index]
            number = following[case["year"]]
            following[case["year"]] += 1
            case_id = case_name(case["year"], number)
            named[case_id] = index
            rows.append({**case, "id": case_id, "number": number})
        written = c.execute(
            insert(cases)
            .on_conflict_do_nothing(index_elements=["source", "external_id"])
            .returning(cases.c.id),
            rows,
        )
        made = {str(row.id) for row in written}
        steps = [
            {**step, "case_id": case_id, "seq": seq}
            for case_id in made
            for seq, step in enumerate(items[named[case_id]][1], 1)
        ]
        if steps:
            c.execute(case_steps.insert(), steps)
    created = {named[case_id] for case_id in made}
    return [index in created for index in range(len(items))]


@cache
def _reserve_sql() -> TextClause:
    """PostgreSQL: ``n`` numbers of the year reserved; the last of them returned."""
    return text(
        f"INSERT INTO case_numbers (year, last) SELECT :year, {_FIRST} + :n - 1 "
        "ON CONFLICT (year) DO UPDATE SET last = case_numbers.last + :n RETURNING last"
    )


def case_name(year: int, number: int) -> str:
    """A case's id: ``C-2026-000123``."""
    return f"C-{year}-{number:06d}"


def _recorded(c: Connection, source: str, external_id: str) -> bool:
    found = c.execute(
        select(cases.c.id).where(cases.c.source == source, cases.c.external_id == external_id)
    ).first()
    return found is not None


_CASE_COLUMNS = [col.name for col in cases.columns if col.name not in ("id", "number")]
_STEP_COLUMNS = [col.name for col in case_steps.columns if col.name not in ("case_id", "seq")]
_NEW = "NOT EXISTS (SELECT 1 FROM cases WHERE source = :source AND external_id = :external_id)"
_FIRST = "COALESCE((SELECT max(number) FROM cases WHERE year = :year), 0) + 1"


@cache
def _next_number_sql() -> TextClause:
    """The year's next number, the counter moved on (SQLite, under the write lock)."""
    return text(
        f"INSERT INTO case_numbers (year, last) SELECT :year, {_FIRST} "
        "ON CONFLICT (year) DO UPDATE SET last = case_numbers.last + 1 RETURNING last"
    )


def _step_params(steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"s{i}_{name}": step[name] for i, step in enumerate(steps) for name in _STEP_COLUMNS}


@cache
def _pg_statement(step_count: int) -> TextClause:
    """PostgreSQL: the number taken, the case and its ``step_count`` steps written, in one
    statement; the case id returned (no row: recorded before). The counter is moved only for
    an event not recorded, and its row is locked only while the statement runs."""
    number = f"""n AS (
        INSERT INTO case_numbers (year, last) SELECT :year, {_FIRST} WHERE {_NEW}
        ON CONFLICT (year) DO UPDATE SET last = case_numbers.last + 1
        RETURNING last)"""
    named = "'C-' || CAST(:year AS TEXT) || '-' || lpad(CAST(n.last AS TEXT), greatest(6, length(CAST(n.last AS TEXT))), '0')"
    columns = ", ".join(_CASE_COLUMNS)
    values = ", ".join(f":{name}" for name in _CASE_COLUMNS)
    case = f"""c AS (
        INSERT INTO cases (id, number, {columns}) SELECT {named}, n.last, {values} FROM n
        ON CONFLICT (source, external_id) DO NOTHING
        RETURNING id)"""
    step_columns = ", ".join(_STEP_COLUMNS)
    parts = [number, case]
    for i in range(step_count):
        step_values = ", ".join(f":s{i}_{name}" for name in _STEP_COLUMNS)
        parts.append(
            f"""s{i} AS (INSERT INTO case_steps (case_id, seq, {step_columns})
            SELECT c.id, {i + 1}, {step_values} FROM c)"""
        )
    binds = [bindparam(name, type_=cases.c[name].type) for name in _CASE_COLUMNS]
    binds += [
        bindparam(f"s{i}_{name}", type_=case_steps.c[name].type)
        for i in range(step_count)
        for name in _STEP_COLUMNS
    ]
    return text("WITH " + ",\n".join(parts) + "\nSELECT id FROM c").bindparams(*binds)


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
    "add_case",
    "add_cases",
    "case_name",
    "case_numbers",
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
