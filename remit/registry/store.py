"""Reading and writing the registry's tables: entities in, entities out.

Rows map to entities by their field lists (:mod:`remit.registry.fields`), never by hand. Rows
are only ever added. Every write is one transaction that records a new revision: it checks the
registry is still at the revision it was planned on (else it is refused: someone else wrote
first), then adds its rows and its audit entries, each chained to the one before it. A failure
rolls it back and leaves the registry as it was.

Reading at revision R takes the rows recorded up to R; of the records of one list or one
version, the last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, Text, cast, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from remit.deadlines import OfficialCalendar, local_time
from remit.errors import InputError
from remit.files.text import refuse
from remit.hashing import canonical_json
from remit.registry import fields
from remit.registry.calendar import CALENDAR_KIND
from remit.registry.entities import (
    AREAS_KIND,
    CATALOGUE_KIND,
    UNITS_KIND,
    AdmissionRecord,
    Area,
    AuditEntry,
    Duty,
    ListInfo,
    ListVersion,
    Matter,
    Revision,
    Unit,
    VersionStatus,
    utcnow,
)
from remit.registry.models import (
    admissions,
    areas,
    audit,
    duties,
    lists,
    matters,
    revisions,
    units,
    versions,
)
from remit.registry.state import ImportPlan, RegistryState, VersionChange

_CONTENT: dict[str, tuple[Table, type, str]] = {
    CATALOGUE_KIND: (matters, Matter, "matters"),
    AREAS_KIND: (areas, Area, "areas"),
    UNITS_KIND: (units, Unit, "units"),
}
"""The rows of a reference version: their table, their entity, the version's field."""


def content_table(kind: str) -> tuple[Table, type]:
    """The table of the rows of a version of a list of ``kind``, and their entity."""
    if kind in _CONTENT:
        table, entity, _ = _CONTENT[kind]
        return table, entity
    return duties, Duty


def _columns(table: Table, entity: type) -> list[Any]:
    """The columns of ``entity``'s stored fields, in field order; JSON ones read as text (each
    distinct text is decoded once: many rows share their conditions, legal bases …)."""
    return [
        cast(table.c[s.name], Text).label(s.name) if s.kind == "json" else table.c[s.name]
        for s in fields.storage(entity)
    ]


def entity_query(table: Table, entity: type, *before: Any) -> Select[Any]:
    """The columns ``before``, then those of ``entity``'s stored fields (see :func:`fields.decode`)."""
    return select(*before, *_columns(table, entity))


def _all(connection: Connection, query: Select[Any], entity: type, skip: int = 0) -> list[Any]:
    """The entities of ``query``'s rows (its first ``skip`` columns are not the entity's)."""
    return [fields.decode(entity, tuple(row)[skip:]) for row in connection.execute(query)]


def _upto(table: Table, known_at: int | None) -> Any:
    return table.c.revision <= known_at if known_at is not None else table.c.revision >= 0


# ---------------------------------------------------------------------------------------------
# revisions


def latest_revision(engine: Engine) -> int:
    """The number of the last revision (0 for a registry nothing was written to)."""
    with engine.connect() as c:
        return int(c.execute(select(func.max(revisions.c.number))).scalar_one() or 0)


def revision_at(engine: Engine, moment: dt.datetime) -> int:
    """The last revision recorded at or before ``moment`` (0: none)."""
    instant = fields.utc_naive(moment)
    with engine.connect() as c:
        found = c.execute(
            select(func.max(revisions.c.number)).where(revisions.c.recorded_at <= instant)
        ).scalar_one()
    return int(found or 0)


def all_revisions(engine: Engine) -> list[Revision]:
    with engine.connect() as c:
        return _all(c, entity_query(revisions, Revision).order_by(revisions.c.number), Revision)


# ---------------------------------------------------------------------------------------------
# reading


def _latest(records: Sequence[tuple[Any, ...]], key_width: int) -> list[tuple[Any, ...]]:
    """Of records sorted by key then revision, the last of each key (its first columns)."""
    latest: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for record in records:
        latest[tuple(record[:key_width])] = record
    return list(latest.values())


def load_state(engine: Engine, known_at: int | None = None) -> RegistryState:
    """The lists and version metadata as the registry stood at revision ``known_at`` (default:
    the last); reference versions with their rows."""
    with engine.connect() as c:
        latest = select(func.max(revisions.c.number))
        if known_at is not None:
            latest = latest.where(revisions.c.number <= known_at)
        revision = int(c.execute(latest).scalar_one() or 0)
        info_rows = c.execute(
            entity_query(lists, ListInfo, lists.c.id, lists.c.revision)
            .where(_upto(lists, revision))
            .order_by(lists.c.id, lists.c.revision)
        ).all()
        state = RegistryState(revision=revision)
        for row in _latest(info_rows, 1):
            info: ListInfo = fields.decode(ListInfo, tuple(row)[2:])
            state.lists[info.id] = info
        version_rows = c.execute(
            entity_query(
                versions,
                ListVersion,
                versions.c.list_id,
                versions.c.version,
                versions.c.pk,
                versions.c.content_pk,
            )
            .where(_upto(versions, revision))
            .order_by(versions.c.list_id, versions.c.version, versions.c.revision)
        ).all()
        records = [
            (row[2] if row[3] is None else row[3], fields.decode(ListVersion, tuple(row)[4:]))
            for row in _latest(version_rows, 2)
        ]
        for kind, (table, entity, name) in _CONTENT.items():
            wanted = [
                pk
                for pk, v in records
                if v.list_id in state.lists and state.lists[v.list_id].kind == kind
            ]
            rows = _rows_of(c, table, entity, wanted)
            records = [
                (pk, replace(v, **{name: rows.get(pk, ())}) if pk in rows else v)
                for pk, v in records
            ]
        for _, version in records:
            state.versions.setdefault(version.list_id, []).append(version)
        calendar = c.execute(
            select(audit.c.details)
            .where(audit.c.action == CALENDAR_KIND, audit.c.revision <= revision)
            .order_by(audit.c.pk)
        ).all()
        for (details,) in calendar:
            state.calendar = state.calendar.merged(
                OfficialCalendar.from_content(details.get("years", {}))
            )
    return state


def _rows_of(
    c: Connection, table: Table, entity: type, version_pks: Sequence[int]
) -> dict[int, tuple[Any, ...]]:
    """The rows of ``table`` (matters, areas, units) of each of the versions ``version_pks``."""
    if not version_pks:
        return {}
    query = (
        entity_query(table, entity, table.c.version_pk)
        .where(table.c.version_pk.in_(list(version_pks)))
        .order_by(table.c.pk)
    )
    found: dict[int, list[Any]] = {}
    for row in c.execute(query):
        found.setdefault(row[0], []).append(fields.decode(entity, tuple(row)[1:]))
    return {pk: tuple(items) for pk, items in found.items()}


def _content_pks(
    c: Connection, keys: Sequence[tuple[str, int]], known_at: int | None
) -> dict[int, tuple[str, int]]:
    """content record → (list id, version) of each of the given versions at ``known_at``."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = c.execute(
        select(
            versions.c.list_id,
            versions.c.version,
            versions.c.revision,
            versions.c.pk,
            versions.c.content_pk,
        )
        .where(versions.c.list_id.in_({k[0] for k in wanted}), _upto(versions, known_at))
        .order_by(versions.c.list_id, versions.c.version, versions.c.revision)
    ).all()
    return {
        (pk if content is None else content): (list_id, number)
        for list_id, number, _, pk, content in _latest(rows, 2)
        if (list_id, number) in wanted
    }


def _duties_query(version_pks: Sequence[int]) -> Select[Any]:
    return (
        entity_query(duties, Duty, duties.c.version_pk, duties.c.seq)
        .where(duties.c.version_pk.in_(list(version_pks)))
        .order_by(duties.c.version_pk, duties.c.seq)
    )


def duties_of_versions(
    engine: Engine, keys: Sequence[tuple[str, int]], known_at: int | None = None
) -> list[tuple[str, int, int, Duty]]:
    """``(list id, version, seq, duty)`` for every duty of the given versions as they stood at
    ``known_at`` (default: the last revision)."""
    with engine.connect() as c:
        pks = _content_pks(c, keys, known_at)
        if not pks:
            return []
        build = fields.decode
        return [
            (*pks[row[0]], row[1], build(Duty, tuple(row)[2:]))
            for row in c.execute(_duties_query(list(pks)))
        ]


def version_with_rows(
    engine: Engine, version: ListVersion, kind: str, known_at: int | None = None
) -> ListVersion:
    """``version`` with its rows (duties, or the rows of a reference version)."""
    if kind in _CONTENT:
        return version  # the state carries the rows of reference versions
    rows = duties_of_versions(engine, [(version.list_id, version.version)], known_at)
    return replace(version, duties=tuple(d for _, _, _, d in rows))


def audit_entries(engine: Engine, list_id: str | None = None) -> list[AuditEntry]:
    query = entity_query(audit, AuditEntry).order_by(audit.c.pk)
    if list_id is not None:
        query = query.where(audit.c.list_id == list_id)
    with engine.connect() as c:
        return _all(c, query, AuditEntry)


def admission_records(
    engine: Engine, status: str | None = None, record_id: str | None = None
) -> list[AdmissionRecord[dict[str, Any], dict[str, Any]]]:
    """Admission records as they stand (each request's last record), oldest first; of one
    status, or the one with ``record_id``."""
    query = entity_query(admissions, AdmissionRecord, admissions.c.id, admissions.c.seq).order_by(
        admissions.c.id, admissions.c.seq
    )
    if record_id is not None:
        query = query.where(admissions.c.id == record_id)
    with engine.connect() as c:
        latest = [
            fields.decode(AdmissionRecord, tuple(row)[2:])
            for row in _latest(c.execute(query).all(), 1)
        ]
    if status is not None:
        latest = [r for r in latest if r.status == status]
    return sorted(latest, key=lambda r: (r.submitted_at, r.id))


# ---------------------------------------------------------------------------------------------
# writing


def entry_hash(entry: AuditEntry, previous: str) -> str:
    """The hash that chains ``entry`` to the entry before it (whose hash is ``previous``)."""
    content = {
        "previous": previous,
        "at": fields.plain(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "list": entry.list_id,
        "version": entry.version,
        "note": entry.note,
        "snapshot": entry.snapshot_hash,
        "details": entry.details,
        "revision": entry.revision,
    }
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


class Writer:
    """The rows one write adds, all at its revision (use :func:`transaction`)."""

    def __init__(self, c: Connection, revision: Revision):
        self.c, self.revision = c, revision
        self.now = revision.recorded_at

    def list_info(self, info: ListInfo) -> None:
        self.c.execute(lists.insert().values(revision=self.revision.number, **fields.encode(info)))

    def version(self, change: VersionChange, kind: str, actor: str) -> tuple[str, int]:
        """Record the version of ``change`` as it is now (made, replaced, published, withdrawn);
        the content hash and row count of the rows it holds.

        The version's last record is read again here, under the write lock: only a draft may
        be replaced or published, and a version published or withdrawn shares exactly the rows
        it was planned with; else nothing is written (the registry changed since the plan)."""
        v = change.version
        previous = self.c.execute(
            select(
                versions.c.pk,
                versions.c.content_pk,
                versions.c.status,
                versions.c.content_hash,
                versions.c.row_count,
            )
            .where(versions.c.list_id == change.list_id, versions.c.version == v.version)
            .order_by(versions.c.revision.desc())
            .limit(1)
        ).first()
        stamped = replace(v, **_lifecycle(change, actor, self.now))
        if previous is None or change.content_changed:
            if previous is not None and previous[2] != VersionStatus.draft.value:
                raise _not_as_planned(change, str(previous[2]), str(previous[3]))
            self._record(stamped, kind, None)
            return v.content_hash, v.row_count
        shared = previous[0] if previous[1] is None else previous[1]
        wanted = VersionStatus.draft.value if change.action == "publish" else None
        if previous[3] != v.content_hash or (wanted and previous[2] != wanted):
            raise _not_as_planned(change, str(previous[2]), str(previous[3]))
        self._record(stamped, kind, shared)
        return str(previous[3]), int(previous[4])

    def carry_version(self, v: ListVersion, kind: str) -> None:
        """Record ``v`` as it is — its times and authors kept — with its rows: a version
        carried over from an earlier table layout."""
        self._record(v, kind, None)

    def _record(self, v: ListVersion, kind: str, content: int | None) -> None:
        """A record of ``v`` at this revision: with its rows, or (``content``) sharing those of
        an earlier record."""
        pk = self.c.execute(
            versions.insert()
            .values(content_pk=content, **fields.encode(replace(v, revision=self.revision.number)))
            .returning(versions.c.pk)
        ).scalar_one()
        if content is None:
            self._rows(pk, v, kind)

    def _rows(self, pk: int, v: ListVersion, kind: str) -> None:
        if kind in _CONTENT:
            table, _, name = _CONTENT[kind]
            rows = getattr(v, name)
            if rows:
                self.c.execute(
                    table.insert(), [{"version_pk": pk, **fields.encode(r)} for r in rows]
                )
        elif v.duties:
            self.c.execute(
                duties.insert(),
                [
                    {"version_pk": pk, "seq": i, **fields.encode(d)}
                    for i, d in enumerate(v.duties, 1)
                ],
            )

    def audit(self, entry: AuditEntry, *, keep_time: bool = False) -> None:
        """Add ``entry`` to the log, chained to the last entry, at this revision's time (with
        ``keep_time``, at its own: an entry carried over from an earlier table layout)."""
        previous = self.c.execute(
            select(audit.c.entry_hash).order_by(audit.c.pk.desc()).limit(1)
        ).scalar_one_or_none()
        at = entry.at if keep_time else self.now
        # hashed as it will be read back: the details as JSON stores them (a date as text …)
        details = fields.encode(entry)["details"]
        entry = replace(entry, at=at, revision=self.revision.number, details=details)
        chained = replace(entry, previous_hash=previous or "")
        chained = replace(chained, entry_hash=entry_hash(chained, chained.previous_hash))
        self.c.execute(audit.insert().values(**fields.encode(chained)))

    def admission(self, record: AdmissionRecord[Any, Any]) -> None:
        """Record a new admission request (a second with the same id is refused)."""
        self.c.execute(
            admissions.insert().values(
                revision=self.revision.number, seq=1, **fields.encode(record)
            )
        )

    def decide_admission(self, record: AdmissionRecord[Any, Any]) -> None:
        """Record the decision ``record`` on a request still submitted. If it was not (someone
        else decided first), record nothing: :class:`InputError` says who decided, and when."""
        last = self.c.execute(
            select(
                admissions.c.seq,
                admissions.c.status,
                admissions.c.decided_by,
                admissions.c.decided_at,
            )
            .where(admissions.c.id == record.id)
            .order_by(admissions.c.seq.desc())
            .limit(1)
        ).first()
        if last is None or last[1] != "submitted":
            status, by, at = ("?", None, None) if last is None else last[1:]
            raise decided(record.id, str(status), by, at)
        self.c.execute(
            admissions.insert().values(
                revision=self.revision.number, seq=last[0] + 1, **fields.encode(record)
            )
        )

    def plan(
        self, plan: ImportPlan, state: RegistryState, actor: str, snapshot: str | None
    ) -> None:
        """The lists and versions of an import plan, with their audit entries (``state``: the
        registry after the plan, for the kinds of the lists)."""
        changed = {change.list_id for change in plan.changes}
        if plan.calendar:
            years: dict[str, Any] = {"files": plan.files, "years": plan.calendar.content()}
            self.audit(
                AuditEntry(self.now, actor, CALENDAR_KIND, None, None, None, snapshot, years)
            )
        for info in plan.lists:
            self.list_info(info)
            if info.id not in changed:  # its name, issuer or scope alone: logged on its own
                about: dict[str, Any] = {
                    "files": plan.files,
                    "name": info.name,
                    "kind": str(info.kind),
                }
                about |= {"issuer": info.issuer, "scope": info.scope}
                self.audit(
                    AuditEntry(self.now, actor, "import_list", info.id, None, None, snapshot, about)
                )
        for change in plan.changes:
            v = change.version
            kind = str(state.lists[change.list_id].kind)
            self.version(change, kind, actor)
            action = (
                change.action
                if change.action in {"publish", "withdraw"}
                else f"import_{change.action}"
            )
            details: dict[str, Any] = {
                "files": plan.files,
                "status": v.status.value,
                "effective_from": v.effective_from.isoformat() if v.effective_from else None,
                "content_hash": v.content_hash,
                "rows": v.row_count,
            }
            if kind == AREAS_KIND:
                details["areas"] = [a.code for a in plan.areas]
            elif kind == UNITS_KIND:
                details["units"] = [u.code for u in plan.units]
            self.audit(
                AuditEntry(
                    self.now, actor, action, change.list_id, v.version, v.note, snapshot, details
                )
            )


def _not_as_planned(change: VersionChange, status: str, content: str) -> InputError:
    return InputError.one(
        "version.changed",
        list_id=change.list_id,
        version=change.version.version,
        status=status,
        content=content[:12],
    )


def decided(request_id: str, status: str, by: str | None, at: dt.datetime | None) -> InputError:
    """The refusal to decide a request someone else decided: who, and when."""
    when = local_time(at, seconds=False) if at is not None else "?"
    return InputError.one("admission.decided", id=request_id, status=status, by=by or "?", at=when)


def _lifecycle(change: VersionChange, actor: str, now: dt.datetime) -> dict[str, Any]:
    """Who published or withdrew a version, and when, as this change records it."""
    v = change.version
    if change.action == "withdraw":
        return {"withdrawn_at": now, "withdrawn_by": actor}
    if change.action == "create":
        created = {"created_at": now}
        if v.status is VersionStatus.published:
            return {**created, "published_at": now, "published_by": actor}
        if v.status is VersionStatus.withdrawn:
            return {**created, "withdrawn_at": now, "withdrawn_by": actor}
        return created
    if change.action == "publish":
        return {"published_at": now, "published_by": actor}
    return {}


def _changed(c: Connection, planned: int) -> InputError:
    """The refusal of a write planned on revision ``planned``: which revision came first, when
    and by whom (read in the writer's transaction, so it is the one that won)."""
    first = c.execute(
        select(revisions.c.number, revisions.c.recorded_at, revisions.c.author)
        .where(revisions.c.number > planned)
        .order_by(revisions.c.number)
        .limit(1)
    ).first()
    head = int(c.execute(select(func.max(revisions.c.number))).scalar_one() or 0)
    if first is None:  # the revision that took this one's number is not visible yet
        return InputError.one("db.changed_unseen", planned=planned, now=head)
    number, at, author = first
    return InputError.one(
        "db.changed",
        planned=planned,
        revision=number,
        at=local_time(at, seconds=False),
        author=author,
        now=head,
    )


def _begin_writing(c: Connection) -> None:
    """Take the registry's write lock at once, before anything is read: the head revision
    checked, the records re-read and the rows added are then one atomic step, and a second
    writer waits for this one to finish (SQLite: up to the engine's busy timeout).

    PostgreSQL: a lock on the revision table that only one holder at a time may have (readers
    are not blocked). SQLite: ``BEGIN IMMEDIATE`` (its driver would begin only at the first
    INSERT, after the head was read without the lock)."""
    if c.dialect.name == "postgresql":
        c.exec_driver_sql("LOCK TABLE revision IN SHARE ROW EXCLUSIVE MODE")
    elif c.dialect.name == "sqlite":
        driver = c.connection.driver_connection
        if driver is None or not driver.in_transaction:  # (db.one_transaction began already)
            try:
                c.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError as exc:  # the other writer held the lock past the timeout
                raise InputError.one("db.busy", detail=str(exc.orig)) from None


@contextmanager
def transaction(
    engine: Engine, base: int | None, author: str, action: str, note: str | None
) -> Iterator[Writer]:
    """One write: a new revision after ``base`` (the revision it was planned on; None: any).

    The write lock is taken first (one writer at a time, on both databases). If the registry
    has moved on since ``base`` — another writer came first — nothing is written and
    :class:`InputError` says which revision came first, when and by whom; it also refuses an
    author or a note that holds a character they may not (:mod:`remit.files.text`)."""
    refuse(author, "by")
    refuse(note, "note", lines=True)
    with engine.begin() as c:
        _begin_writing(c)
        head = int(c.execute(select(func.max(revisions.c.number))).scalar_one() or 0)
        if base is not None and head != base:
            raise _changed(c, base)
        revision = Revision(head + 1, utcnow(), author, action, note)
        try:
            c.execute(revisions.insert().values(**fields.encode(revision)))
        except IntegrityError:  # someone took this revision's number: refused, nothing written
            raise InputError.one("db.changed_unseen", planned=head, now=head + 1) from None
        yield Writer(c, revision)
