"""The registry's tables, derived from the entities' field lists. SQLite by default, PostgreSQL
by URL.

Each entity's table has a column per stored field (:func:`remit.registry.fields.storage` says
its kind), plus what only storage needs: a surrogate key, the version a row belongs to and its
position there. Rows are storage; the Python API hands out the entities instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from remit.registry import entities
from remit.registry.fields import storage

SCHEMA_VERSION = "3"  # 2: duty.refer_to; 3: matter.estimate and requires_powers, admission

_TYPES: dict[str, Any] = {
    "text": String,
    "int": Integer,
    "bool": Boolean,
    "date": Date,
    "datetime": DateTime,
    "json": JSON,
}

metadata = MetaData()


def _surrogate() -> Column[int]:
    return Column("pk", Integer, primary_key=True, autoincrement=True)


def _of_version(*, indexed: bool) -> Column[int]:
    """The version a row belongs to."""
    return Column(
        "version_pk", Integer, ForeignKey("list_version.pk"), nullable=False, index=indexed
    )


def _table(
    name: str,
    entity: type,
    *,
    key: str | None = None,
    before: Iterable[Column[Any]] = (),
    indexed: Iterable[str] = (),
    references: dict[str, str] | None = None,
    extra: Iterable[Any] = (),
) -> Table:
    """The table of ``entity``: ``before`` (storage-only columns), then a column per stored
    field; ``key`` names the field that is the primary key (else ``before`` holds one),
    ``references`` the fields that are foreign keys (field → ``table.column``)."""
    wanted, references = set(indexed), references or {}
    columns = [
        Column(
            s.name,
            _TYPES[s.kind],
            *([ForeignKey(references[s.name])] if s.name in references else []),
            primary_key=s.name == key,
            nullable=s.nullable,
            index=s.name in wanted,
        )
        for s in storage(entity)
    ]
    return Table(name, metadata, *before, *columns, *extra)


meta = Table(
    "remit_meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
)
areas = _table("area", entities.Area, key="code", indexed=["parent"])
units = _table("unit", entities.Unit, key="code")
lists = _table("responsibility_list", entities.ListInfo, key="id")
versions = _table(
    "list_version",
    entities.ListVersion,
    before=[_surrogate()],
    indexed=["list_id"],
    references={"list_id": "responsibility_list.id"},
    extra=[UniqueConstraint("list_id", "version")],
)
matters = _table(
    "matter",
    entities.Matter,
    before=[_surrogate(), _of_version(indexed=True)],
    extra=[UniqueConstraint("version_pk", "code")],
)
duties = _table(
    "duty",
    entities.Duty,
    before=[_surrogate(), _of_version(indexed=False), Column("seq", Integer, nullable=False)],
    extra=[Index("ix_duty_version_seq", "version_pk", "seq")],
)
audit = _table("audit_log", entities.AuditEntry, before=[_surrogate()], indexed=["at", "list_id"])
admissions = _table("admission", entities.AdmissionRecord, key="id", indexed=["status"])
