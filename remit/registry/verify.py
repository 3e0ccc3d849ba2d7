"""Verifying the registry's history from its tables: every version's content hash recomputed from
its rows, every parent link, the row counts, the audit log's hash chain, the revision numbers,
and that the log and the records tell the same story (:func:`verify`).

Nothing here trusts what the registry's reading code would make of the tables: the records are
read as they are stored, all of them, every revision's. A problem is a :class:`Mismatch` — a
message key and what it names (the list and version, the record and its revision, the table
rows, the log entry) — so that it can be shown in either language and as JSON.

What verifying cannot see: the log's hashes are not keyed, so someone who rewrites an entry and
recomputes every hash after it, or removes whole revisions from the end together with
everything they recorded, leaves a history that is consistent. Keep the head hash
(:attr:`VerifyReport.head`) somewhere else to see that too.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select

from remit.hashing import content_hash
from remit.registry import fields, store
from remit.registry.entities import AuditEntry, ListInfo, ListVersion, Revision
from remit.registry.models import admissions, audit, lists, revisions, versions
from remit.registry.reports import Mismatch, VerifyReport

MIGRATE = "migrate"
"""The action of the revision that carried a registry over from an earlier table layout, and of
the log entries it wrote about what it carried."""
UNRECORDED = "unrecorded"
"""The detail of a migration's log entry that names the contents the log carried over mentions
but the earlier layout did not keep (drafts replaced in place): ``list``, ``version``,
``content_hash``."""
RECORDS_ADMISSION = frozenset({"admission_submit", "admission_approve", "admission_reject"})
"""Log actions whose revision records the admission request their details name."""


# --- checks shared with the migration ----------------------------------------------------------


def content_problems(
    prefix: str, where: dict[str, Any], stored: ListVersion, rows: Sequence[Any]
) -> list[Mismatch]:
    """Do ``rows`` hash to the content hash ``stored`` says, and are there as many as it says?
    (``prefix``: of the messages, "verify." or "migrate.")"""
    return _content_problems(
        prefix, where, stored, len(rows), content_hash([fields.content(r) for r in rows])
    )


def _content_problems(
    prefix: str, where: dict[str, Any], stored: ListVersion, count: int, computed: str
) -> list[Mismatch]:
    found: list[Mismatch] = []
    if computed != stored.content_hash:
        params = {**where, "count": count, "computed": computed, "stored": stored.content_hash}
        found.append(Mismatch(f"{prefix}content_hash", params))
    if count != stored.row_count:
        params = {**where, "found": count, "expected": stored.row_count}
        found.append(Mismatch(f"{prefix}row_count", params))
    return found


def parent_problems(
    prefix: str, where: dict[str, Any], stored: ListVersion, previous: ListVersion | None
) -> list[Mismatch]:
    """Is ``stored``'s parent hash the content hash of ``previous`` (the version numbered one
    less, as recorded then; None for version 1)?"""
    if stored.version > 1 and previous is None:
        return [Mismatch(f"{prefix}version_missing", {**where, "previous": stored.version - 1})]
    expected = previous.content_hash if previous is not None else None
    if stored.parent_hash == expected:
        return []
    params = {
        **where,
        "previous": stored.version - 1,
        "found": stored.parent_hash or "-",
        "expected": expected or "-",
    }
    return [Mismatch(f"{prefix}parent_hash", params)]


# --- reading the tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    """A list_version record."""

    pk: int
    content_pk: int | None
    v: ListVersion

    @property
    def where(self) -> dict[str, Any]:
        v = self.v
        return {"list_id": v.list_id, "version": v.version, "pk": self.pk, "revision": v.revision}


@dataclass(frozen=True)
class _Rows:
    """The rows of one table that belong to one version record."""

    table: str
    version_pk: int
    count: int
    hash: str
    first: int
    last: int


class _Reader:
    """Reads the tables up to one revision, noting rows that cannot be read."""

    def __init__(self, c: Connection, head: int):
        self.c, self.head = c, head
        self.problems: list[Mismatch] = []

    def decode(self, table: Table, pk: int, entity: type, values: Sequence[Any]) -> Any | None:
        try:
            return fields.decode(entity, tuple(values))
        except (KeyError, ValueError, TypeError) as exc:  # a value remit never writes
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
            self.problems.append(
                Mismatch("verify.bad_row", {"table": table.name, "pk": pk, "detail": detail})
            )
            return None

    def entities(
        self, table: Table, entity: type, *before: Any
    ) -> Iterator[tuple[tuple[Any, ...], Any]]:
        """``(the columns before, the entity)`` of each readable record up to the head revision,
        by primary key (``before`` starts with it)."""
        upto = table.c.revision if "revision" in table.c else table.c.number
        query = store.entity_query(table, entity, *before)
        query = query.where(upto <= self.head).order_by(before[0])
        width = len(before)
        for row in self.c.execute(query):
            values = tuple(row)
            found = self.decode(table, values[0], entity, values[width:])
            if found is not None:
                yield values[:width], found

    def rows(self, table: Table, entity: type, last_record: int) -> Iterator[_Rows]:
        """The rows of ``table`` grouped by the version record they belong to, each group
        counted and hashed as planning hashes a version's rows."""
        query = (
            store.entity_query(table, entity, table.c.version_pk, table.c.pk)
            .where(table.c.version_pk <= last_record)
            .order_by(table.c.version_pk, table.c.pk)
        )
        for version_pk, group in itertools.groupby(self.c.execute(query), key=lambda r: r[0]):
            pks: list[int] = []
            content: list[dict[str, Any]] = []
            for row in group:
                values = tuple(row)
                pks.append(values[1])
                found = self.decode(table, values[1], entity, values[2:])
                if found is not None:
                    content.append(fields.content(found))
            yield _Rows(table.name, version_pk, len(pks), content_hash(content), pks[0], pks[-1])


# --- verifying ---------------------------------------------------------------------------------


def verify(engine: Engine) -> VerifyReport:
    """Check the registry's whole history as its tables hold it (see the module)."""
    with engine.connect() as c:
        if c.dialect.name == "postgresql":  # one snapshot of every table
            c = c.execution_options(isolation_level="REPEATABLE READ")
        return _Verify(c).run()


class _Verify:
    def __init__(self, c: Connection):
        self.c = c
        head = int(c.execute(select(func.max(revisions.c.number))).scalar_one() or 0)
        self.read = _Reader(c, head)
        self.problems = self.read.problems
        self.counts: dict[str, int] = {}
        self.list_records: list[tuple[int, int, str]] = []
        """(pk, revision, list id) of every record of a list."""

    def add(self, key: str, **params: Any) -> None:
        self.problems.append(Mismatch(f"verify.{key}", params))

    def run(self) -> VerifyReport:
        revs = self._revisions()
        kinds = self._lists(revs)
        records = self._versions(revs)
        self._contents(records, kinds)
        self._parents(records)
        entries = self._chain(revs)
        self._logged(revs, records, entries)
        head = entries[-1][1].entry_hash if entries else ""
        return VerifyReport(self.counts, tuple(self.problems), head)

    def _known(self, revs: dict[int, Revision], table: Table, pk: int, revision: int) -> None:
        if revision not in revs:
            self.add("unknown_revision", table=table.name, pk=pk, revision=revision)

    def _revisions(self) -> dict[int, Revision]:
        read = self.read
        found = {
            number: rev for (number,), rev in read.entities(revisions, Revision, revisions.c.number)
        }
        for missing in sorted(set(range(1, read.head + 1)) - set(found)):
            self.add("revision_gap", missing=missing, last=read.head)
        self.counts["revisions"] = len(found)
        return found

    def _lists(self, revs: dict[int, Revision]) -> dict[str, tuple[str, int]]:
        """list id → its kind and the first revision that recorded it."""
        kinds: dict[str, tuple[str, int]] = {}
        for (pk, revision), info in self.read.entities(
            lists, ListInfo, lists.c.pk, lists.c.revision
        ):
            self._known(revs, lists, pk, revision)
            first = min(revision, kinds[info.id][1]) if info.id in kinds else revision
            kinds[info.id] = (str(info.kind), first)
            self.list_records.append((pk, revision, info.id))
        self.counts["lists"] = len(kinds)
        self.counts["list_records"] = len(self.list_records)
        return kinds

    def _versions(self, revs: dict[int, Revision]) -> dict[int, _Record]:
        records: dict[int, _Record] = {}
        query = self.read.entities(versions, ListVersion, versions.c.pk, versions.c.content_pk)
        for (pk, content_pk), v in query:
            records[pk] = _Record(pk, content_pk, v)
            self._known(revs, versions, pk, v.revision)
        self.counts["versions"] = len({(r.v.list_id, r.v.version) for r in records.values()})
        self.counts["version_records"] = len(records)
        return records

    def _contents(self, records: dict[int, _Record], kinds: dict[str, tuple[str, int]]) -> None:
        """Each version record's rows: hashed and counted (or shared with an earlier record),
        and every row belonging to a record that takes rows."""
        last = max(records, default=0)
        groups: dict[tuple[str, int], _Rows] = {}
        for kind in ("department", "catalogue", "areas", "units"):
            table, entity = store.content_table(kind)
            count = 0
            for rows in self.read.rows(table, entity, last):
                groups[table.name, rows.version_pk] = rows
                count += rows.count
                self._stray(rows, records.get(rows.version_pk), kinds)
            self.counts[table.name] = count
        for r in records.values():
            where = r.where
            if r.v.list_id not in kinds or kinds[r.v.list_id][1] > r.v.revision:
                self.add("unknown_list", **where)
                continue
            if r.content_pk is not None:
                self._shared(r, records.get(r.content_pk))
                continue
            table, _ = store.content_table(kinds[r.v.list_id][0])
            held = groups.get((table.name, r.pk))
            count, computed = (held.count, held.hash) if held else (0, content_hash([]))
            self.problems.extend(_content_problems("verify.", where, r.v, count, computed))

    def _stray(
        self, rows: _Rows, record: _Record | None, kinds: dict[str, tuple[str, int]]
    ) -> None:
        span = {"count": rows.count, "table": rows.table, "first": rows.first, "last": rows.last}
        if record is None:
            self.add("orphan_rows", **span, pk=rows.version_pk)
        elif record.content_pk is not None:
            self.add("stray_rows", **span, **record.where, content_pk=record.content_pk)
        elif record.v.list_id in kinds:
            kind = kinds[record.v.list_id][0]
            if store.content_table(kind)[0].name != rows.table:
                self.add("wrong_table", **span, **record.where, kind=kind)

    def _shared(self, r: _Record, target: _Record | None) -> None:
        """A record that shares the rows of an earlier record of the same version."""
        where = {**r.where, "content_pk": r.content_pk}
        if target is None:
            self.add("content_missing", **where)
        elif (
            (target.v.list_id, target.v.version) != (r.v.list_id, r.v.version)
            or target.v.revision >= r.v.revision
            or target.content_pk is not None
        ):
            other = {"other_list": target.v.list_id, "other_version": target.v.version}
            self.add("content_other", **where, **other, other_revision=target.v.revision)
        elif (target.v.content_hash, target.v.row_count) != (r.v.content_hash, r.v.row_count):
            self.add(
                "content_differs",
                **where,
                stored=r.v.content_hash,
                rows=r.v.row_count,
                content_hash=target.v.content_hash,
                content_rows=target.v.row_count,
            )

    def _parents(self, records: dict[int, _Record]) -> None:
        """Each record's parent hash: the content hash of the version before it as recorded at
        the record's revision."""
        history = _histories(records.values())
        for r in records.values():
            previous = _as_of(history.get((r.v.list_id, r.v.version - 1), []), r.v.revision)
            self.problems.extend(
                parent_problems("verify.", r.where, r.v, previous.v if previous else None)
            )

    def _chain(self, revs: dict[int, Revision]) -> list[tuple[int, AuditEntry]]:
        """The log's entries in order, each chained to the one before it."""
        entries = [(pk, e) for (pk,), e in self.read.entities(audit, AuditEntry, audit.c.pk)]
        before: tuple[int, AuditEntry] | None = None
        disagreeing: set[int] = set()
        for pk, e in entries:
            said = _said(pk, e)
            self._known(revs, audit, pk, e.revision)
            expected = before[1].entry_hash if before else ""
            if e.previous_hash != expected and before is None:
                self.add("chain_start", **said, found=e.previous_hash)
            elif e.previous_hash != expected and before is not None:
                previous = {"previous_pk": before[0], "expected": expected}
                self.add("chain_link", **said, **previous, found=e.previous_hash or "-")
            computed = store.entry_hash(e, e.previous_hash)
            if computed != e.entry_hash:
                self.add("entry_hash", **said, computed=computed, stored=e.entry_hash or "-")
            if before is not None and e.revision < before[1].revision:
                self.add("entry_order", **said, previous=before[1].revision)
            self._same_revision(pk, e, revs.get(e.revision), disagreeing)
            before = (pk, e)
        self.counts["audit_entries"] = len(entries)
        return entries

    def _same_revision(
        self, pk: int, e: AuditEntry, rev: Revision | None, disagreeing: set[int]
    ) -> None:
        """An entry is written at its revision's time by its revision's author (but an entry a
        migration carried over keeps its own); one problem a revision."""
        if (
            rev is None
            or rev.number in disagreeing
            or (rev.action == MIGRATE and e.action != MIGRATE)
        ):
            return
        if (e.at, e.actor) != (rev.recorded_at, rev.author):
            disagreeing.add(rev.number)
            said = {**_said(pk, e), "actor": e.actor}
            self.add("entry_revision", **said, recorded_at=rev.recorded_at, author=rev.author)

    def _logged(
        self,
        revs: dict[int, Revision],
        records: dict[int, _Record],
        entries: list[tuple[int, AuditEntry]],
    ) -> None:
        """The log and the records agree: every revision is in the log, every record its
        revision made is named by an entry of that revision, and every entry that names a
        version or a request names a record of its revision (with the content hash it says)."""
        at: dict[int, list[AuditEntry]] = {}
        for _, e in entries:
            at.setdefault(e.revision, []).append(e)
        for number, rev in revs.items():
            if number not in at:
                self.add(
                    "revision_unlogged",
                    revision=number,
                    recorded_at=rev.recorded_at,
                    author=rev.author,
                    action=rev.action,
                )
        made = {(r.v.list_id, r.v.version, r.v.revision): r for r in records.values()}
        for r in records.values():
            naming = {(e.list_id, e.version) for e in at.get(r.v.revision, ())}
            if (r.v.list_id, r.v.version) not in naming:
                self.add("version_unlogged", **r.where)
        for pk, revision, list_id in self.list_records:
            if not any(e.list_id == list_id for e in at.get(revision, ())):
                self.add("list_unlogged", list_id=list_id, pk=pk, revision=revision)
        requested = self._admissions(revs, at)
        unrecorded = _unrecorded(revs, entries)
        for pk, e in entries:
            said = _said(pk, e)
            if e.action in RECORDS_ADMISSION and (e.details.get("request"), e.revision) not in (
                requested
            ):
                self.add("logged_admission_missing", **said, id=e.details.get("request"))
            if e.list_id is None or e.version is None:
                continue
            logged = e.details.get("content_hash")
            if (e.list_id, e.version, logged) in unrecorded.get(e.revision, set()):
                continue
            named = {"list_id": e.list_id, "version": e.version}
            record = made.get((e.list_id, e.version, e.revision))
            if record is None:
                self.add("logged_version_missing", **said, **named)
            elif isinstance(logged, str) and logged != record.v.content_hash:
                recorded = record.v.content_hash
                self.add("logged_hash", **said, **named, logged=logged, recorded=recorded)

    def _admissions(
        self, revs: dict[int, Revision], at: dict[int, list[AuditEntry]]
    ) -> set[tuple[str, int]]:
        """(request id, revision) of every admission record, each checked to be in the log."""
        query = (
            select(admissions.c.pk, admissions.c.revision, admissions.c.id)
            .where(admissions.c.revision <= self.read.head)
            .order_by(admissions.c.pk)
        )
        found: set[tuple[str, int]] = set()
        for pk, revision, request in self.c.execute(query):
            self._known(revs, admissions, pk, revision)
            found.add((request, revision))
            if not any(e.details.get("request") == request for e in at.get(revision, ())):
                self.add("admission_unlogged", id=request, pk=pk, revision=revision)
        self.counts["admissions"] = len(found)
        return found


def _said(pk: int, e: AuditEntry) -> dict[str, Any]:
    """How a problem names a log entry."""
    return {"entry": pk, "at": e.at, "action": e.action, "revision": e.revision}


def _histories(records: Iterable[_Record]) -> dict[tuple[str, int], list[_Record]]:
    """(list id, version) → its records by revision."""
    history: dict[tuple[str, int], list[_Record]] = {}
    for r in sorted(records, key=lambda r: r.v.revision):
        history.setdefault((r.v.list_id, r.v.version), []).append(r)
    return history


def _as_of(history: list[_Record], revision: int) -> _Record | None:
    """The last of a version's records made at or before ``revision``."""
    index = bisect_right([r.v.revision for r in history], revision)
    return history[index - 1] if index else None


def _unrecorded(
    revs: dict[int, Revision], entries: list[tuple[int, AuditEntry]]
) -> dict[int, set[tuple[str, int, Any]]]:
    """revision → (list, version, content hash) that a migration at that revision says the log
    it carried over names without the earlier layout having kept them."""
    found: dict[int, set[tuple[str, int, Any]]] = {}
    for _, e in entries:
        rev = revs.get(e.revision)
        if rev is None or rev.action != MIGRATE or e.action != MIGRATE or e.list_id is not None:
            continue
        for item in e.details.get(UNRECORDED) or ():
            key = (item.get("list"), item.get("version"), item.get("content_hash"))
            found.setdefault(e.revision, set()).add(key)
    return found
