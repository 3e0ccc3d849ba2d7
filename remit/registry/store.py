"""Reading and writing the registry's tables: entities in, entities out.

Rows map to entities by their field lists (:mod:`remit.registry.fields`), never by hand. Every
write is one transaction; a failure rolls it back and leaves the registry as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, Text, cast, func, select

from remit.registry import fields
from remit.registry.entities import (
    CATALOGUE_KIND,
    AdmissionRecord,
    Area,
    AuditEntry,
    Duty,
    ListInfo,
    ListVersion,
    Matter,
    Unit,
    VersionStatus,
    utcnow,
)
from remit.registry.models import admissions, areas, audit, duties, lists, matters, units, versions
from remit.registry.state import ImportPlan, RegistryState


def _columns(table: Table, entity: type) -> list[Any]:
    """The columns of ``entity``'s stored fields, in field order; JSON ones read as text (each
    distinct text is decoded once: many rows share their conditions, legal bases …)."""
    return [
        cast(table.c[s.name], Text).label(s.name) if s.kind == "json" else table.c[s.name]
        for s in fields.storage(entity)
    ]


def _query(table: Table, entity: type, *before: Any) -> Select[Any]:
    return select(*before, *_columns(table, entity))


def _all(connection: Connection, query: Select[Any], entity: type, skip: int = 0) -> list[Any]:
    """The entities of ``query``'s rows (its first ``skip`` columns are not the entity's)."""
    return [fields.decode(entity, tuple(row)[skip:]) for row in connection.execute(query)]


# ---------------------------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class Revision:
    """How far the registry has been written: the audit log's length and last entry. Every
    write adds an audit entry, so an unchanged revision means an unchanged registry."""

    entries: int
    last: int | None


def revision(engine: Engine) -> Revision:
    with engine.connect() as c:
        count, last = c.execute(select(func.count(), func.max(audit.c.pk))).one()
    return Revision(int(count), last)


def load_state(engine: Engine) -> RegistryState:
    """Areas, units, lists and version metadata; catalogue versions with their matters."""
    with engine.connect() as c:
        state = RegistryState(
            areas={a.code: a for a in _all(c, _query(areas, Area), Area)},
            units={u.code: u for u in _all(c, _query(units, Unit), Unit)},
            lists={i.id: i for i in _all(c, _query(lists, ListInfo), ListInfo)},
        )
        rows = c.execute(
            _query(versions, ListVersion, versions.c.pk).order_by(
                versions.c.list_id, versions.c.version
            )
        )
        records = [(row[0], fields.decode(ListVersion, tuple(row)[1:])) for row in rows]
        by_version = _matters_of(
            c, [pk for pk, v in records if state.lists[v.list_id].is_catalogue]
        )
        for pk, version in records:
            if pk in by_version:
                version = replace(version, matters=by_version[pk])
            state.versions.setdefault(version.list_id, []).append(version)
    return state


def _matters_of(c: Connection, version_pks: Sequence[int]) -> dict[int, tuple[Matter, ...]]:
    if not version_pks:
        return {}
    query = (
        _query(matters, Matter, matters.c.version_pk)
        .where(matters.c.version_pk.in_(list(version_pks)))
        .order_by(matters.c.pk)
    )
    found: dict[int, list[Matter]] = {}
    for row in c.execute(query):
        found.setdefault(row[0], []).append(fields.decode(Matter, tuple(row)[1:]))
    return {pk: tuple(items) for pk, items in found.items()}


def _duties_query(version_pks: Sequence[int]) -> Select[Any]:
    return (
        _query(duties, Duty, duties.c.version_pk, duties.c.seq)
        .where(duties.c.version_pk.in_(list(version_pks)))
        .order_by(duties.c.version_pk, duties.c.seq)
    )


def version_with_rows(engine: Engine, list_id: str, number: int) -> ListVersion | None:
    with engine.connect() as c:
        row = c.execute(
            _query(versions, ListVersion, versions.c.pk).where(
                versions.c.list_id == list_id, versions.c.version == number
            )
        ).one_or_none()
        if row is None:
            return None
        version: ListVersion = fields.decode(ListVersion, tuple(row)[1:])
        kind = c.execute(select(lists.c.kind).where(lists.c.id == list_id)).scalar_one()
        if kind == CATALOGUE_KIND:
            return replace(version, matters=_matters_of(c, [row[0]]).get(row[0], ()))
        rows = _all(c, _duties_query([row[0]]), Duty, skip=2)
        return replace(version, duties=tuple(rows))


def duties_of_versions(
    engine: Engine, keys: Sequence[tuple[str, int]]
) -> list[tuple[str, int, int, Duty]]:
    """``(list id, version, seq, duty)`` for every duty of the given versions, in one query."""
    wanted = set(keys)
    if not wanted:
        return []
    with engine.connect() as c:
        found = c.execute(
            select(versions.c.pk, versions.c.list_id, versions.c.version).where(
                versions.c.list_id.in_({k[0] for k in wanted})
            )
        ).all()
        pks = {
            pk: (list_id, number) for pk, list_id, number in found if (list_id, number) in wanted
        }
        build = fields.decode
        return [
            (*pks[row[0]], row[1], build(Duty, tuple(row)[2:]))
            for row in c.execute(_duties_query(list(pks)))
        ]


def audit_entries(engine: Engine, list_id: str | None = None) -> list[AuditEntry]:
    query = _query(audit, AuditEntry).order_by(audit.c.at, audit.c.pk)
    if list_id is not None:
        query = query.where(audit.c.list_id == list_id)
    with engine.connect() as c:
        return _all(c, query, AuditEntry)


def admission_records(
    engine: Engine, status: str | None = None, record_id: str | None = None
) -> list[AdmissionRecord[dict[str, Any], dict[str, Any]]]:
    """Admission records, oldest first; of one status, or the one with ``record_id``."""
    query = _query(admissions, AdmissionRecord).order_by(admissions.c.submitted_at, admissions.c.id)
    if status is not None:
        query = query.where(admissions.c.status == status)
    if record_id is not None:
        query = query.where(admissions.c.id == record_id)
    with engine.connect() as c:
        return _all(c, query, AdmissionRecord)


# ---------------------------------------------------------------------------------------------
# writing

Also = Callable[[Connection, dt.datetime], None]
"""More to write in the same transaction (given the connection and the time of the write)."""


def write_plan(
    engine: Engine,
    plan: ImportPlan,
    actor: str,
    snapshot_hash: str | None,
    also: Also | None = None,
) -> None:
    """Write a validated plan in one transaction, with its audit entries; ``also`` writes
    more in the same transaction (an admission's decision with the versions it enacts)."""
    now = utcnow()
    with engine.begin() as c:
        _write_plan(c, plan, actor, snapshot_hash, now)
        if also is not None:
            also(c, now)


def _upsert(c: Connection, table: Table, key: str, entity: Any) -> None:
    row = fields.encode(entity)
    exists = c.execute(select(table.c[key]).where(table.c[key] == row[key])).first()
    if exists is None:
        c.execute(table.insert().values(**row))
    else:
        c.execute(table.update().where(table.c[key] == row[key]).values(**row))


def _write_plan(
    c: Connection, plan: ImportPlan, actor: str, snapshot_hash: str | None, now: dt.datetime
) -> None:
    for area in plan.areas:
        _upsert(c, areas, "code", area)
    for unit in plan.units:
        _upsert(c, units, "code", unit)
    for info in plan.lists:
        _upsert(c, lists, "id", info)
    if plan.areas or plan.units:
        add_audit(
            c,
            AuditEntry(
                now,
                actor,
                "import_reference",
                None,
                None,
                None,
                snapshot_hash,
                {
                    "files": plan.files,
                    "areas": [a.code for a in plan.areas],
                    "units": [u.code for u in plan.units],
                },
            ),
        )
    for change in plan.changes:
        v = change.version
        if change.action == "create":
            stamped = replace(v, created_at=now, **_lifecycle(v, actor, now))
            pk = c.execute(
                versions.insert().values(**fields.encode(stamped)).returning(versions.c.pk)
            ).scalar_one()
            _insert_rows(c, pk, v)
        else:
            pk = c.execute(
                select(versions.c.pk).where(
                    versions.c.list_id == change.list_id, versions.c.version == v.version
                )
            ).scalar_one()
            row = fields.encode(v)
            values = {
                k: row[k]
                for k in (
                    "status",
                    "effective_from",
                    "effective_to",
                    "author",
                    "note",
                    "content_hash",
                    "parent_hash",
                    "row_count",
                )
            }
            if change.action == "publish":
                values.update(_lifecycle(v, actor, now))
            elif change.action == "withdraw":
                values.update(withdrawn_at=now, withdrawn_by=actor)
            c.execute(versions.update().where(versions.c.pk == pk).values(**values))
            if change.content_changed:
                c.execute(duties.delete().where(duties.c.version_pk == pk))
                c.execute(matters.delete().where(matters.c.version_pk == pk))
                _insert_rows(c, pk, v)
        add_audit(
            c,
            AuditEntry(
                now,
                actor,
                change.action
                if change.action in {"publish", "withdraw"}
                else f"import_{change.action}",
                change.list_id,
                v.version,
                v.note,
                snapshot_hash,
                {
                    "files": plan.files,
                    "status": v.status.value,
                    "effective_from": v.effective_from.isoformat() if v.effective_from else None,
                    "content_hash": v.content_hash,
                    "rows": v.row_count,
                },
            ),
        )


def _lifecycle(v: ListVersion, actor: str, now: dt.datetime) -> dict[str, Any]:
    """Who published or withdrew a version written with that status, and when."""
    if v.status is VersionStatus.published:
        return {"published_at": now, "published_by": actor}
    if v.status is VersionStatus.withdrawn:
        return {"withdrawn_at": now, "withdrawn_by": actor}
    return {}


def _insert_rows(c: Connection, pk: int, v: ListVersion) -> None:
    if v.matters:
        c.execute(matters.insert(), [{"version_pk": pk, **fields.encode(m)} for m in v.matters])
    if v.duties:
        c.execute(
            duties.insert(),
            [{"version_pk": pk, "seq": i, **fields.encode(d)} for i, d in enumerate(v.duties, 1)],
        )


def add_audit(c: Connection, entry: AuditEntry) -> None:
    c.execute(audit.insert().values(**fields.encode(entry)))


def set_status(
    engine: Engine, list_id: str, number: int, values: dict[str, Any], entry: AuditEntry
) -> None:
    """Update one version's lifecycle fields and log it, in one transaction."""
    with engine.begin() as c:
        c.execute(
            versions.update()
            .where(versions.c.list_id == list_id, versions.c.version == number)
            .values(**values)
        )
        add_audit(c, entry)


def add_admission(c: Connection, record: AdmissionRecord[Any, Any]) -> None:
    c.execute(admissions.insert().values(**fields.encode(record)))


def decide_admission(c: Connection, record: AdmissionRecord[Any, Any]) -> str | None:
    """Write the decision ``record`` on a request still submitted. If it was not (someone else
    decided it first), write nothing and return the status it has ("?" if there is none)."""
    row = fields.encode(record)
    result = c.execute(
        admissions.update()
        .where(admissions.c.id == record.id, admissions.c.status == "submitted")
        .values(**row)
    )
    if result.rowcount == 1:
        return None
    status = c.execute(select(admissions.c.status).where(admissions.c.id == record.id))
    return status.scalar_one_or_none() or "?"
