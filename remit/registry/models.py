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

from remit.registry.entities import (
    AdmissionRecord,
    Area,
    AuditEntry,
    Duty,
    ListInfo,
    ListVersion,
    Matter,
    Unit,
)
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
areas = _table("area", Area, key="code", indexed=["parent"])
units = _table("unit", Unit, key="code")
lists = _table("responsibility_list", ListInfo, key="id")
versions = _table(
    "list_version",
    ListVersion,
    before=[Column("pk", Integer, primary_key=True, autoincrement=True)],
    indexed=["list_id"],
    references={"list_id": "responsibility_list.id"},
    extra=[UniqueConstraint("list_id", "version")],
)
matters = _table(
    "matter",
    Matter,
    before=[
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("version_pk", Integer, ForeignKey("list_version.pk"), nullable=False, index=True),
    ],
    extra=[UniqueConstraint("version_pk", "code")],
)
duties = _table(
    "duty",
    Duty,
    before=[
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("version_pk", Integer, ForeignKey("list_version.pk"), nullable=False),
        Column("seq", Integer, nullable=False),
    ],
    extra=[Index("ix_duty_version_seq", "version_pk", "seq")],
)
audit = _table(
    "audit_log",
    AuditEntry,
    before=[Column("pk", Integer, primary_key=True, autoincrement=True)],
    indexed=["at", "list_id"],
)
admissions = _table("admission", AdmissionRecord, key="id", indexed=["status"])
