"""Migrating a registry of table layout 3 in place to layout 4 (`remit registry migrate`).

Layout 3 kept one row per thing and changed it in place; layout 4 only adds rows, each at a
revision. Everything layout 3 knew becomes revision 1, recorded now by whoever migrates:

- a SQLite file is first copied beside itself (``<file>.schema3-backup-<UTC time>``, by SQLite's
  backup, so the copy is consistent); PostgreSQL gets no copy (``pg_dump`` makes one);
- then, in one transaction (all of it, or nothing): the old tables are set aside (renamed
  ``schema3_…``, their indexes dropped, their constraints and sequences renamed), the tables of
  layout 4 are made, and everything is copied into them;
- the lists as they are; the areas and the units become version 1 of the lists ``AREAS`` and
  ``UNITS`` (published without a date: in force from the beginning);
- every list version with its rows, its content hash and parent hash as they were — each
  recomputed first: if a stored hash or row count does not match its rows, or a parent hash the
  version before it, nothing is migrated and the mismatch is named;
- the audit log in its order (by time, then as written), each entry with its own time, chained;
  then one entry per version saying it was carried over, and one for the migration (the backup,
  what was copied, and the contents the old log names that layout 3 did not keep: a draft
  replaced in place lost its rows, and the log entry of its first import names a content hash
  that no version has any more — ``remit registry verify`` accepts exactly those);
- each admission request as one record (``seq`` 1) as it stands: layout 3 overwrote a request's
  record with its decision, so the request as submitted (its first report and snapshot hash) is
  not known any more, and making up a "submitted" record before the decision would record what
  was never seen;
- the layout number becomes 4 and the old tables are dropped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    MetaData,
    RowMapping,
    Table,
    Text,
    cast,
    inspect,
    select,
    text,
)

from remit.errors import InputError, Problem
from remit.hashing import content_hash
from remit.i18n import t
from remit.registry import db, entities, fields, store
from remit.registry.entities import (
    AREAS_KIND,
    CATALOGUE_KIND,
    DEFAULT_IDS,
    UNITS_KIND,
    AuditEntry,
    ListInfo,
    ListVersion,
    utcnow,
)
from remit.registry.models import SCHEMA_VERSION, meta, metadata, revisions
from remit.registry.plan import REFERENCE_NAMES
from remit.registry.reports import MigrationResult, Mismatch
from remit.registry.snapshot import state_hash
from remit.registry.state import RegistryState
from remit.registry.verify import MIGRATE, UNRECORDED, content_problems, parent_problems

OLD_TABLES = (
    "duty",
    "matter",
    "list_version",
    "audit_log",
    "admission",
    "area",
    "unit",
    "responsibility_list",
)
"""The tables of layout 3 besides ``remit_meta`` (which layout 4 keeps as it is)."""
ASIDE = "schema3_"
"""What the old tables are renamed with while their rows are copied."""
_ROWS: dict[bool, tuple[str, type, str]] = {
    True: ("matter", entities.Matter, "matters"),
    False: ("duty", entities.Duty, "duties"),
}
"""Of the catalogue (True) or a list: the old table of a version's rows, their entity, the
version's field that holds them."""


def migrate(url: str, actor: str) -> MigrationResult:
    """Migrate the registry at ``url`` from layout 3 (see the module); ``actor`` records it."""
    engine = db.one_transaction(url)
    try:
        with engine.connect() as c:
            found = db.schema_version(c)
        if found == SCHEMA_VERSION:
            return MigrationResult(found, SCHEMA_VERSION, False)
        if found in db.UPGRADES_FROM:
            return _add_columns(engine, found)
        if found != db.MIGRATES_FROM:
            layouts = {"found": found, "source": db.MIGRATES_FROM, "expected": SCHEMA_VERSION}
            raise InputError.one("migrate.unsupported", url=url, **layouts)
        path = db.sqlite_path(url)
        backup = _backup(path) if path is not None else None
        with engine.begin() as c:
            if c.dialect.name == "postgresql":  # no one else reads or writes meanwhile
                c.exec_driver_sql("LOCK TABLE remit_meta IN ACCESS EXCLUSIVE MODE")
            if db.schema_version(c) == SCHEMA_VERSION:  # someone else migrated first
                return MigrationResult(SCHEMA_VERSION, SCHEMA_VERSION, False)
            return _Migration(c, actor, backup).run()
    finally:
        engine.dispose()


def _add_columns(engine: Any, found: str) -> MigrationResult:
    """Layout 4 or later to :data:`SCHEMA_VERSION`: the columns added since, in one
    transaction (nullable: every row keeps what it holds, and no hash changes)."""
    with engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.exec_driver_sql("LOCK TABLE remit_meta IN ACCESS EXCLUSIVE MODE")
        at = db.schema_version(c)
        if at == SCHEMA_VERSION:  # someone else migrated first
            return MigrationResult(SCHEMA_VERSION, SCHEMA_VERSION, False)
        added = 0
        for layout in sorted(db.ADDED_COLUMNS, key=int):
            if int(layout) <= int(at):
                continue
            for table, column in db.ADDED_COLUMNS[layout]:
                kind = metadata.tables[table].c[column].type.compile(dialect=c.dialect)
                preparer = c.dialect.identifier_preparer
                c.exec_driver_sql(
                    f"ALTER TABLE {preparer.quote(table)} ADD COLUMN {preparer.quote(column)} {kind}"
                )
                added += 1
        c.execute(meta.update().where(meta.c.key == "schema_version").values(value=SCHEMA_VERSION))
    return MigrationResult(found, SCHEMA_VERSION, True, counts={"columns": added})


def _backup(path: Path) -> Path:
    """A consistent copy of the SQLite file ``path`` beside it (a second one in the same second,
    after a migration that failed, gets a number too)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{path.name}.schema{db.MIGRATES_FROM}-backup-{stamp}"
    target = path.with_name(name)
    for number in itertools.count(2):
        if not target.exists():
            break
        target = path.with_name(f"{name}-{number}")
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


def set_aside(c: Connection) -> None:
    """Rename the old tables ``schema3_…``, so that the new ones can take their names: their
    indexes are dropped, and on PostgreSQL the names of their constraints' indexes and of their
    sequences, which share the tables' name space, are renamed too."""
    inspector = inspect(c)
    quote = c.dialect.identifier_preparer.quote
    postgres = c.dialect.name == "postgresql"
    for name in OLD_TABLES:
        for index in inspector.get_indexes(name):
            if index["name"] and "duplicates_constraint" not in index:
                c.exec_driver_sql(f"DROP INDEX {quote(index['name'])}")
        if postgres:
            constraints = [inspector.get_pk_constraint(name)["name"]]
            constraints += [u["name"] for u in inspector.get_unique_constraints(name)]
            for constraint in filter(None, constraints):
                c.exec_driver_sql(
                    f"ALTER TABLE {quote(name)} RENAME CONSTRAINT {quote(constraint)} "
                    f"TO {quote(ASIDE + constraint)}"
                )
            for column in inspector.get_columns(name):
                sequence = c.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"),
                    {"t": quote(name), "c": column["name"]},
                ).scalar_one_or_none()
                if sequence:
                    own = sequence.rsplit(".", 1)[-1].strip('"')
                    c.exec_driver_sql(f"ALTER SEQUENCE {sequence} RENAME TO {quote(ASIDE + own)}")
        c.exec_driver_sql(f"ALTER TABLE {quote(name)} RENAME TO {quote(ASIDE + name)}")


class _Migration:
    """One migration, inside its transaction."""

    def __init__(self, c: Connection, actor: str, backup: Path | None):
        self.c, self.actor, self.backup = c, actor, backup
        self.problems: list[Mismatch] = []
        self.now = utcnow()
        self.note = t("migrate.note", found=db.MIGRATES_FROM)
        self.old: Mapping[str, Table] = {}
        """The old tables, set aside, by name."""

    def run(self) -> MigrationResult:
        c = self.c
        set_aside(c)
        old = MetaData()
        old.reflect(c, only=[ASIDE + name for name in OLD_TABLES])
        self.old = old.tables
        metadata.create_all(c)  # remit_meta is there already, and kept
        revision = entities.Revision(1, self.now, self.actor, MIGRATE, self.note)
        c.execute(revisions.insert().values(**fields.encode(revision)))
        w = store.Writer(c, revision)
        state = RegistryState(revision=1)
        for _, info in self._read("responsibility_list", ListInfo, "id"):
            state.lists[info.id] = info
        carried = self._reference(state)
        for info in state.lists.values():
            w.list_info(info)
        for v in carried:
            w.carry_version(v, str(state.lists[v.list_id].kind))
        carried += self._versions(state, w)
        self._refuse_if_any()
        entries, unrecorded = self._log(w, state)
        today = state_hash(state, dt.date.today())
        for v in carried:
            details = {
                "status": v.status.value,
                "effective_from": v.effective_from.isoformat() if v.effective_from else None,
                "content_hash": v.content_hash,
                "rows": v.row_count,
            }
            w.audit(
                AuditEntry(
                    self.now, self.actor, MIGRATE, v.list_id, v.version, None, today, details
                )
            )
        requests = 0
        for _, record in self._read("admission", entities.AdmissionRecord, "submitted_at", "id"):
            w.admission(record)
            requests += 1
        self._refuse_if_any()
        counts = {
            "lists": len(state.lists),
            "versions": len(carried),
            "rows": sum(v.row_count for v in carried),
            "entries": entries,
            "admissions": requests,
            UNRECORDED: len(unrecorded),
        }
        summary = {
            "from_schema": db.MIGRATES_FROM,
            "to_schema": SCHEMA_VERSION,
            **counts,
            "backup": str(self.backup) if self.backup else None,
            UNRECORDED: unrecorded,
        }
        w.audit(AuditEntry(self.now, self.actor, MIGRATE, None, None, self.note, today, summary))
        c.execute(meta.update().where(meta.c.key == "schema_version").values(value=SCHEMA_VERSION))
        drop_old(c, old)
        return MigrationResult(db.MIGRATES_FROM, SCHEMA_VERSION, True, self.backup, 1, counts)

    def _refuse_if_any(self) -> None:
        """Stop on the problems found so far: the transaction is rolled back."""
        if self.problems:
            raise InputError([Problem(m.key, m.params) for m in self.problems])

    def _read(
        self, name: str, entity: type, *order: str, version_pk: int | None = None
    ) -> Iterator[tuple[RowMapping, Any]]:
        """The rows of the old table ``name`` (of one version: ``version_pk``) as entities (a
        field the old table has no column for takes its default), each with its row; a row that
        cannot be read is a problem."""
        table = self.old[ASIDE + name]
        present = [s for s in fields.storage(entity) if s.name in table.c]
        columns = [
            cast(table.c[s.name], Text).label(s.name) if s.kind == "json" else table.c[s.name]
            for s in present
        ]
        keys = [table.c[k] for k in ("pk", "version_pk") if k in table.c]
        query = select(*keys, *columns).order_by(*(table.c[o] for o in order))
        if version_pk is not None:
            query = query.where(table.c.version_pk == version_pk)
        for row in self.c.execute(query):
            values = row._mapping
            try:
                found = entity(
                    **{
                        s.name: values[s.name]
                        if s.decode is None or values[s.name] is None
                        else s.decode(values[s.name])
                        for s in present
                    }
                )
            except (KeyError, ValueError, TypeError) as exc:
                pk = values.get("pk", values.get(present[0].name))
                detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
                self.problems.append(
                    Mismatch("migrate.bad_row", {"table": name, "pk": pk, "detail": detail})
                )
                continue
            yield values, found

    def _reference(self, state: RegistryState) -> list[ListVersion]:
        """The areas and the units as version 1 of their lists."""
        made: list[ListVersion] = []
        for kind, name, entity in (
            (AREAS_KIND, "area", entities.Area),
            (UNITS_KIND, "unit", entities.Unit),
        ):
            rows = tuple(found for _, found in self._read(name, entity, "code"))
            if not rows:
                continue
            list_id = DEFAULT_IDS[kind]
            if list_id in state.lists:
                self.problems.append(
                    Mismatch("migrate.id_taken", {"list_id": list_id, "what": name})
                )
                continue
            state.lists[list_id] = ListInfo(list_id, REFERENCE_NAMES[kind], kind)
            v = ListVersion(
                list_id=list_id,
                version=1,
                status=entities.VersionStatus.published,
                effective_from=None,
                effective_to=None,
                author=self.actor,
                note=self.note,
                content_hash="",
                parent_hash=None,
                row_count=len(rows),
                created_at=self.now,
                published_at=self.now,
                published_by=self.actor,
            )
            its_rows: dict[str, Any] = {kind: rows}  # the areas, or the units
            v = replace(v, content_hash=_hash(rows), **its_rows)
            state.versions[list_id] = [v]
            made.append(v)
        return made

    def _versions(self, state: RegistryState, w: store.Writer) -> list[ListVersion]:
        """Every list version with its rows, each checked against its hashes first."""
        carried: list[ListVersion] = []
        previous: ListVersion | None = None
        for values, v in self._read("list_version", ListVersion, "list_id", "version"):
            info = state.lists.get(v.list_id)
            kind = str(info.kind) if info is not None else ""
            name, entity, held = _ROWS[kind == CATALOGUE_KIND]
            rows = tuple(
                found for _, found in self._read(name, entity, "pk", version_pk=values["pk"])
            )
            where = {"list_id": v.list_id, "version": v.version, "pk": values["pk"]}
            before = previous if previous is not None and previous.list_id == v.list_id else None
            self.problems += content_problems("migrate.", where, v, rows)
            self.problems += parent_problems(
                "migrate.", where, v, before if before and before.version == v.version - 1 else None
            )
            previous = v
            v = replace(v, revision=1)
            if not self.problems:
                w.carry_version(replace(v, **{held: rows}), kind)
            state.versions.setdefault(v.list_id, []).append(v)
            carried.append(v)
        return carried

    def _log(self, w: store.Writer, state: RegistryState) -> tuple[int, list[dict[str, Any]]]:
        """The old log in its order, chained; and what it names that no version has."""
        hashes = {
            (v.list_id, v.version): v.content_hash for vs in state.versions.values() for v in vs
        }
        unrecorded: list[dict[str, Any]] = []
        count = 0
        for _, entry in self._read("audit_log", AuditEntry, "at", "pk"):
            w.audit(entry, keep_time=True)
            count += 1
            if entry.list_id is None or entry.version is None:
                continue
            logged = entry.details.get("content_hash")
            key = (entry.list_id, entry.version)
            if key not in hashes or (isinstance(logged, str) and logged != hashes[key]):
                item = {"list": entry.list_id, "version": entry.version, "content_hash": logged}
                if item not in unrecorded:
                    unrecorded.append(item)
        return count, unrecorded


def _hash(rows: tuple[Any, ...]) -> str:
    return content_hash([fields.content(r) for r in rows])


def drop_old(c: Connection, old: MetaData) -> None:
    """Drop the old tables, set aside by :func:`set_aside`."""
    old.drop_all(c)
