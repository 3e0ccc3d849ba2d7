"""The registry's tables, derived from the entities' field lists. SQLite by default, PostgreSQL
by URL.

Each entity's table has a column per stored field (:func:`remit.registry.fields.storage` says
its kind), plus what only storage needs: a surrogate key, the version a row belongs to and its
position there, the revision that recorded it. Rows are only ever added: the registry as it
stood at revision R is made of the rows recorded up to R (for each list and version, the last
record). Rows are storage; the Python API hands out the entities instead.
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

SCHEMA_VERSION = "7"
"""2: duty.refer_to; 3: matter.estimate and requires_powers, admission; 4: revisions (nothing
is updated or deleted), areas and units versioned, the audit log a hash chain; 5:
unit.function (the kind of territorial unit `@territorial:<function>` rows name); 6: duty.standard (the case standard, 立案标准, a row applies to); 7: area.geometry and
area.addresses (an area's shape and address aliases, what an event's location is found by)."""

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


def _at_revision() -> Column[int]:
    """The revision that recorded a row (for entities whose fields do not hold it)."""
    return Column("revision", Integer, ForeignKey(revisions.c.number), nullable=False)


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
    references: dict[str, Any] | None = None,
    extra: Iterable[Any] = (),
) -> Table:
    """The table of ``entity``: ``before`` (storage-only columns), then a column per stored
    field; ``key`` names the field that is the primary key (else ``before`` holds one),
    ``references`` the fields that are foreign keys (field → the column, or ``table.column``)."""
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
revisions = _table("revision", entities.Revision, key="number")
lists = _table(
    "responsibility_list",
    entities.ListInfo,
    before=[_surrogate(), _at_revision()],
    indexed=["id"],
    extra=[UniqueConstraint("id", "revision")],
)
"""A list's name, kind, issuer and scope as recorded at each revision that changed them."""
versions = _table(
    "list_version",
    entities.ListVersion,
    before=[
        _surrogate(),
        Column("content_pk", Integer, ForeignKey("list_version.pk"), nullable=True),
    ],
    indexed=["list_id"],
    references={"revision": revisions.c.number},
    extra=[UniqueConstraint("list_id", "version", "revision")],
)
"""A version as recorded at each revision that changed it (made, replaced, published,
withdrawn); ``content_pk`` names the record whose rows (duties, matters, areas or units) are its
content: its own when it brought new rows, an earlier one's when only its status changed."""


def _coded_rows(name: str, entity: type) -> Table:
    """The rows of a version of a reference list (matters, areas, units): one per code."""
    return _table(
        name,
        entity,
        before=[_surrogate(), _of_version(indexed=True)],
        extra=[UniqueConstraint("version_pk", "code")],
    )


matters = _coded_rows("matter", entities.Matter)
duties = _table(
    "duty",
    entities.Duty,
    before=[_surrogate(), _of_version(indexed=False), Column("seq", Integer, nullable=False)],
    extra=[Index("ix_duty_version_seq", "version_pk", "seq")],
)
areas = _coded_rows("area", entities.Area)
units = _coded_rows("unit", entities.Unit)
audit = _table(
    "audit_log",
    entities.AuditEntry,
    before=[_surrogate()],
    indexed=["at", "list_id"],
    references={"revision": revisions.c.number},
)
admissions = _table(
    "admission",
    entities.AdmissionRecord,
    before=[_surrogate(), _at_revision(), Column("seq", Integer, nullable=False)],
    indexed=["id", "status"],
    extra=[UniqueConstraint("id", "seq")],
)
"""An admission request as recorded at each step (submitted, then decided): ``seq`` counts
the records of one request, so of two deciders at once only one can write the second."""
