"""Reading and writing the registry's tables: domain objects in, domain objects out.

Every write is one transaction; a failure rolls it back and leaves the registry as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Engine, Text, cast, delete, insert, select, update
from sqlmodel import Session

from remit.conditions import AttributeDomain
from remit.legal import LegalBasis
from remit.registry.entities import (
    CATALOGUE_KIND,
    Area,
    AuditEntry,
    Duty,
    Estimate,
    HitPolicy,
    Level,
    ListInfo,
    ListKind,
    ListVersion,
    Matter,
    MatterKind,
    Provenance,
    Role,
    Unit,
    UnitKind,
    VersionStatus,
    as_utc,
    utcnow,
)
from remit.registry.models import (
    AreaRecord,
    AuditRecord,
    DutyRecord,
    ListRecord,
    ListVersionRecord,
    MatterRecord,
    UnitRecord,
)
from remit.registry.state import ImportPlan, RegistryState
from remit.timelimit import TimeLimit, parse_time_limit

_ATTRIBUTES = TypeAdapter(dict[str, AttributeDomain])


# ---------------------------------------------------------------------------------------------
# rows → domain objects


@lru_cache(maxsize=4096)
def _time_limit(text: str | None) -> TimeLimit | None:
    return parse_time_limit(text) if text else None


@lru_cache(maxsize=4096)
def _legal_basis(kind: str, title: str, article: str | None) -> LegalBasis:
    return LegalBasis.model_validate({"kind": kind, "title": title, "article": article})


def _area(r: AreaRecord) -> Area:
    return Area(r.code, r.name, Level(r.level), r.parent, tuple(r.aliases))


def _unit(r: UnitRecord) -> Unit:
    return Unit(
        code=r.code,
        name=r.name,
        kind=UnitKind(r.kind),
        level=Level(r.level),
        jurisdiction=r.jurisdiction,
        parent=r.parent,
        capacity=r.capacity,
        aliases=tuple(r.aliases),
        powers=tuple(r.powers),
    )


def _list_info(r: ListRecord) -> ListInfo:
    kind: ListKind | str = r.kind if r.kind == CATALOGUE_KIND else ListKind(r.kind)
    return ListInfo(r.id, r.name, kind, r.issuer, r.scope)


def _version(r: ListVersionRecord) -> ListVersion:
    return ListVersion(
        list_id=r.list_id,
        version=r.version,
        status=VersionStatus(r.status),
        effective_from=r.effective_from,
        effective_to=r.effective_to,
        author=r.author,
        note=r.note,
        content_hash=r.content_hash,
        parent_hash=r.parent_hash,
        row_count=r.row_count,
        created_at=as_utc(r.created_at),  # type: ignore[arg-type]
        published_at=as_utc(r.published_at),
        published_by=r.published_by,
        withdrawn_at=as_utc(r.withdrawn_at),
        withdrawn_by=r.withdrawn_by,
    )


def _matter(r: MatterRecord) -> Matter:
    return Matter(
        code=r.code,
        name=r.name,
        kind=MatterKind(r.kind),
        parent=r.parent,
        attributes=_ATTRIBUTES.validate_python(r.attributes),
        hit_policy=HitPolicy(r.hit_policy),
        default_time_limit=_time_limit(r.default_time_limit),
        aliases=tuple(r.aliases),
        description=r.description,
        estimate=Estimate.model_validate(r.estimate) if r.estimate else None,
        requires_powers=tuple(r.requires_powers or ()),
    )


# Many duties share their conditions, legal bases and provenance: the JSON columns are read as
# text and each distinct text is decoded once. The decoded objects are shared between duties.


@lru_cache(maxsize=65536)
def _conditions(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


@lru_cache(maxsize=65536)
def _legal_bases(text: str | None) -> tuple[LegalBasis, ...]:
    return tuple(
        _legal_basis(b["kind"], b["title"], b.get("article")) for b in json.loads(text or "[]")
    )


@lru_cache(maxsize=65536)
def _provenance(text: str | None) -> Provenance | None:
    data = json.loads(text) if text else None
    return Provenance.model_validate(data) if data else None


_ROLES = {role.value: role for role in Role}


def _duty_query(table: Any) -> Any:
    """The duty columns, JSON ones as text (``CAST … AS TEXT`` on SQLite and PostgreSQL)."""
    return select(
        table.c.version_pk,
        table.c.seq,
        table.c.matter,
        table.c.unit,
        table.c.role,
        table.c.area,
        cast(table.c.conditions, Text).label("conditions"),
        table.c.time_limit,
        cast(table.c.legal_basis, Text).label("legal_basis"),
        table.c.priority,
        table.c.review_by,
        cast(table.c.provenance, Text).label("provenance"),
        table.c.note,
        table.c.refer_to,
    )


def _duty(row: Any) -> Duty:
    """A :class:`Duty` from a row of :func:`_duty_query` (read by position: it is hot)."""
    (
        _,
        _,
        matter,
        unit,
        role,
        area,
        conditions,
        time_limit,
        legal,
        priority,
        review,
        prov,
        note,
        refer_to,
    ) = row
    return Duty(
        matter,
        unit,
        _ROLES[role],
        area,
        _conditions(conditions),
        _time_limit(time_limit),
        _legal_bases(legal),
        priority,
        review,
        _provenance(prov),
        note,
        refer_to,
    )


# ---------------------------------------------------------------------------------------------
# domain objects → rows


def _duty_row(version_pk: int, seq: int, d: Duty) -> dict[str, Any]:
    return {
        "version_pk": version_pk,
        "seq": seq,
        "matter": d.matter,
        "unit": d.unit,
        "role": d.role.value,
        "area": d.area,
        "conditions": d.conditions,
        "time_limit": d.time_limit.text if d.time_limit else None,
        "legal_basis": [b.model_dump(mode="json") for b in d.legal_basis],
        "priority": d.priority,
        "review_by": d.review_by,
        "provenance": d.provenance.model_dump(mode="json") if d.provenance else None,
        "note": d.note,
        "refer_to": d.refer_to,
    }


def _matter_row(version_pk: int, m: Matter) -> dict[str, Any]:
    return {
        "version_pk": version_pk,
        "code": m.code,
        "name": m.name,
        "kind": m.kind.value,
        "parent": m.parent,
        "hit_policy": m.hit_policy.value,
        "default_time_limit": m.default_time_limit.text if m.default_time_limit else None,
        "description": m.description,
        "aliases": list(m.aliases),
        "attributes": {k: v.model_dump(mode="json") for k, v in m.attributes.items()},
        "estimate": m.estimate.model_dump(mode="json") if m.estimate else None,
        "requires_powers": list(m.requires_powers),
    }


def _version_fields(v: ListVersion) -> dict[str, Any]:
    return {
        "status": v.status.value,
        "effective_from": v.effective_from,
        "effective_to": v.effective_to,
        "author": v.author,
        "note": v.note,
        "content_hash": v.content_hash,
        "parent_hash": v.parent_hash,
        "row_count": v.row_count,
    }


# ---------------------------------------------------------------------------------------------
# reading


def load_state(engine: Engine, with_matters: bool = True) -> RegistryState:
    """Areas, units, lists and version metadata; catalogue versions with their matters."""
    with Session(engine) as s:
        state = RegistryState(
            areas={r.code: _area(r) for r in s.exec(select(AreaRecord)).scalars()},
            units={r.code: _unit(r) for r in s.exec(select(UnitRecord)).scalars()},
            lists={r.id: _list_info(r) for r in s.exec(select(ListRecord)).scalars()},
        )
        records = s.exec(
            select(ListVersionRecord).order_by(ListVersionRecord.list_id, ListVersionRecord.version)
        )
        for r in records.scalars():
            version = _version(r)
            if with_matters and state.lists[r.list_id].is_catalogue:
                version = _with_rows(s, r.pk, version)  # type: ignore[arg-type]
            state.versions.setdefault(r.list_id, []).append(version)
    return state


def _with_rows(s: Session, version_pk: int, version: ListVersion) -> ListVersion:
    if version.list_id and s.get(ListRecord, version.list_id).kind == CATALOGUE_KIND:  # type: ignore[union-attr]
        rows = s.exec(
            select(MatterRecord)
            .where(MatterRecord.version_pk == version_pk)
            .order_by(MatterRecord.pk)
        )
        return replace(version, matters=tuple(_matter(r) for r in rows.scalars()))
    table = DutyRecord.__table__  # type: ignore[attr-defined]
    rows = s.execute(
        _duty_query(table).where(table.c.version_pk == version_pk).order_by(table.c.seq)
    )
    return replace(version, duties=tuple(_duty(r) for r in rows))


def version_with_rows(engine: Engine, list_id: str, number: int) -> ListVersion | None:
    with Session(engine) as s:
        record = s.exec(
            select(ListVersionRecord).where(
                ListVersionRecord.list_id == list_id, ListVersionRecord.version == number
            )
        ).scalar_one_or_none()
        if record is None:
            return None
        return _with_rows(s, record.pk, _version(record))  # type: ignore[arg-type]


def duties_of_versions(
    engine: Engine, keys: Sequence[tuple[str, int]]
) -> list[tuple[str, int, int, Duty]]:
    """``(list id, version, seq, duty)`` for every duty of the given versions, in one query."""
    wanted = set(keys)
    if not wanted:
        return []
    table = DutyRecord.__table__  # type: ignore[attr-defined]
    with Session(engine) as s:
        found = s.execute(
            select(
                ListVersionRecord.pk, ListVersionRecord.list_id, ListVersionRecord.version
            ).where(
                ListVersionRecord.list_id.in_({k[0] for k in wanted})  # type: ignore[attr-defined]
            )
        ).all()
        pks = {
            pk: (list_id, number) for pk, list_id, number in found if (list_id, number) in wanted
        }
        rows = s.execute(
            _duty_query(table)
            .where(table.c.version_pk.in_(list(pks)))
            .order_by(table.c.version_pk, table.c.seq)
        )
        return [(*pks[r[0]], r[1], _duty(r)) for r in rows]


def audit_entries(engine: Engine, list_id: str | None = None) -> list[AuditEntry]:
    with Session(engine) as s:
        query = select(AuditRecord).order_by(AuditRecord.at, AuditRecord.pk)
        if list_id is not None:
            query = query.where(AuditRecord.list_id == list_id)
        return [
            AuditEntry(
                as_utc(r.at),
                r.actor,
                r.action,
                r.list_id,
                r.version,
                r.note,
                r.snapshot_hash,
                r.details,
            )
            for r in s.exec(query).scalars()
        ]


# ---------------------------------------------------------------------------------------------
# writing


def write_plan(
    engine: Engine,
    plan: ImportPlan,
    actor: str,
    snapshot_hash: str | None,
    also: Callable[[Session], None] | None = None,
) -> None:
    """Write a validated plan in one transaction, with its audit entries; ``also`` writes
    more in the same transaction (an admission's decision with the versions it enacts)."""
    now = utcnow()
    with Session(engine) as s, s.begin():
        _write_plan(s, plan, actor, snapshot_hash, now)
        if also is not None:
            also(s)


def _write_plan(
    s: Session, plan: ImportPlan, actor: str, snapshot_hash: str | None, now: dt.datetime
) -> None:
    for area in plan.areas:
        s.merge(
            AreaRecord(
                code=area.code,
                name=area.name,
                level=area.level.value,
                parent=area.parent,
                aliases=list(area.aliases),
            )
        )
    for unit in plan.units:
        s.merge(
            UnitRecord(
                code=unit.code,
                name=unit.name,
                kind=unit.kind.value,
                level=unit.level.value,
                jurisdiction=unit.jurisdiction,
                parent=unit.parent,
                capacity=unit.capacity,
                aliases=list(unit.aliases),
                powers=list(unit.powers),
            )
        )
    for info in plan.lists:
        s.merge(
            ListRecord(
                id=info.id,
                name=info.name,
                kind=info.kind if isinstance(info.kind, str) else info.kind.value,
                issuer=info.issuer,
                scope=info.scope,
            )
        )
    s.flush()
    if plan.areas or plan.units:
        _audit(
            s,
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
        )
    for change in plan.changes:
        v = change.version
        if change.action == "create":
            pk = s.execute(
                insert(ListVersionRecord)
                .values(
                    list_id=change.list_id,
                    version=v.version,
                    created_at=now,
                    **_published_fields(v, actor, now),
                    **_version_fields(v),
                )
                .returning(ListVersionRecord.pk)
            ).scalar_one()
            _insert_rows(s, pk, v)
        else:
            pk = s.execute(
                select(ListVersionRecord.pk).where(
                    ListVersionRecord.list_id == change.list_id,
                    ListVersionRecord.version == v.version,
                )
            ).scalar_one()
            values = _version_fields(v)
            if change.action == "publish":
                values.update(_published_fields(v, actor, now))
            elif change.action == "withdraw":
                values.update(withdrawn_at=now, withdrawn_by=actor)
            s.execute(update(ListVersionRecord).where(ListVersionRecord.pk == pk).values(**values))
            if change.content_changed:
                s.execute(delete(DutyRecord).where(DutyRecord.version_pk == pk))
                s.execute(delete(MatterRecord).where(MatterRecord.version_pk == pk))
                _insert_rows(s, pk, v)
        _audit(
            s,
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
        )


def _published_fields(v: ListVersion, actor: str, now: dt.datetime) -> dict[str, Any]:
    if v.status is VersionStatus.published:
        return {"published_at": now, "published_by": actor}
    if v.status is VersionStatus.withdrawn:
        return {"withdrawn_at": now, "withdrawn_by": actor}
    return {}


def _insert_rows(s: Session, pk: int, v: ListVersion) -> None:
    if v.matters:
        s.execute(insert(MatterRecord), [_matter_row(pk, m) for m in v.matters])
    if v.duties:
        s.execute(insert(DutyRecord), [_duty_row(pk, i, d) for i, d in enumerate(v.duties, 1)])


def _audit(
    s: Session,
    at: dt.datetime,
    actor: str,
    action: str,
    list_id: str | None,
    version: int | None,
    note: str | None,
    snapshot_hash: str | None,
    details: dict[str, Any],
) -> None:
    s.add(
        AuditRecord(
            at=at,
            actor=actor,
            action=action,
            list_id=list_id,
            version=version,
            note=note,
            snapshot_hash=snapshot_hash,
            details=details,
        )
    )


def set_status(
    engine: Engine,
    list_id: str,
    number: int,
    values: dict[str, Any],
    audit: tuple[str, str, str | None, str | None, dict[str, Any]],
) -> None:
    """Update one version's lifecycle fields and log it, in one transaction."""
    action, actor, note, snapshot_hash, details = audit
    with Session(engine) as s, s.begin():
        s.execute(
            update(ListVersionRecord)
            .where(ListVersionRecord.list_id == list_id, ListVersionRecord.version == number)
            .values(**values)
        )
        _audit(s, utcnow(), actor, action, list_id, number, note, snapshot_hash, details)
