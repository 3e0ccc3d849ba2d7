"""The registry's Python API: :class:`Registry`.

>>> from remit import Registry
>>> registry = Registry.create("sqlite:///remit.db")          # doctest: +SKIP
>>> registry.import_files(["data/responsibility_lists"])       # doctest: +SKIP
>>> snapshot = registry.snapshot(datetime.date(2026, 1, 1))    # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from remit.errors import InputError
from remit.registry import db, export, store
from remit.registry.diff import VersionDiff, diff_versions
from remit.registry.entities import (
    AdmissionRecord,
    AuditEntry,
    Duty,
    ListInfo,
    ListVersion,
    VersionStatus,
    utcnow,
)
from remit.registry.parse import collect_yaml, parse_files
from remit.registry.plan import duty_context, plan_import, plan_version, plan_versions, recheck
from remit.registry.snapshot import (
    DutyInForce,
    ListInForce,
    Snapshot,
    in_force_versions,
    snapshot_hash,
    state_hash,
)
from remit.registry.state import ImportPlan, RegistryState
from remit.registry.table_import import read_table
from remit.registry.versions import ListSummary, check_sequence, in_force

StoredAdmission = AdmissionRecord[dict[str, Any], dict[str, Any]]
"""An admission record as the registry keeps it: the request and the report as plain data."""


def default_actor(by: str | None = None) -> str:
    """Who is acting: ``by``, else ``$REMIT_USER``, else the login name."""
    if by:
        return by
    try:
        return os.environ.get("REMIT_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class ImportResult:
    """What an import changed, and the hash of today's snapshot after it."""

    plan: ImportPlan
    snapshot_hash: str

    @property
    def changed(self) -> bool:
        return not self.plan.empty


class Registry:
    """A registry of areas, units, the matter catalogue and responsibility lists.

    ``url`` is an SQLAlchemy URL (``sqlite:///remit.db``, ``postgresql+psycopg://…``); by
    default ``$REMIT_DB``, else ``sqlite:///remit.db``.
    """

    def __init__(self, url: str | None = None):
        self.url = db.resolve_url(url)
        self.engine = db.make_engine(self.url)
        self._state: RegistryState | None = None
        self._revision: store.Revision | None = None

    @classmethod
    def create(cls, url: str | None = None, force: bool = False) -> Registry:
        """Create an empty registry (with ``force``, drop an existing one first)."""
        registry = cls(url)
        db.create(registry.engine, registry.url, force=force)
        return registry

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _require(self) -> None:
        if not db.exists(self.engine, self.url):
            raise InputError.one("db.missing", url=self.url)
        db.check_schema(self.engine, self.url)

    def state(self) -> RegistryState:
        """Areas, units, lists and version metadata (catalogue versions with their matters).

        Loaded once and kept while the registry is unchanged: every write adds to the audit
        log, so a write by anyone (another process too) is seen at the next call. Plan on a
        :meth:`RegistryState.copy`; the state handed out is shared."""
        self._require()
        revision = store.revision(self.engine)
        if self._state is None or revision != self._revision:
            self._state, self._revision = store.load_state(self.engine), revision
        return self._state

    # --- imports ------------------------------------------------------------------------------

    def import_files(self, paths: Sequence[str | Path], by: str | None = None) -> ImportResult:
        """Import YAML files or directory trees (areas, units, catalogue, lists) atomically."""
        files = parse_files(collect_yaml([Path(p) for p in paths]))
        plan, after = plan_import(files, self.state())
        return self._write(plan, after, by)

    def import_table(
        self,
        path: str | Path,
        list_id: str,
        mapping: str | Path | None = None,
        by: str | None = None,
        note: str | None = None,
    ) -> ImportResult:
        """Import a CSV or XLSX table as the new draft version of ``list_id``."""
        self._require()
        specs = read_table(Path(path), Path(mapping) if mapping else None)
        actor = default_actor(by)
        plan, after = plan_version(list_id, specs, self.state(), str(path), actor, note)
        return self._write(plan, after, actor)

    def _write(self, plan: ImportPlan, after: RegistryState, by: str | None) -> ImportResult:
        """Write ``plan``; ``after`` is the state it leads to (its hash of today is logged)."""
        today_hash = state_hash(after, dt.date.today())
        if not plan.empty:
            store.write_plan(self.engine, plan, default_actor(by), today_hash)
        return ImportResult(plan, today_hash)

    # --- reading ------------------------------------------------------------------------------

    def lists(self, on: dt.date | None = None) -> list[ListSummary]:
        """Every list (the catalogue first) with its versions and the one in force on ``on``."""
        state = self.state()
        on = on or dt.date.today()
        out = [
            ListSummary(
                info,
                tuple(state.versions.get(list_id, [])),
                in_force(state.versions.get(list_id, []), on),
            )
            for list_id, info in state.lists.items()
        ]
        return sorted(out, key=lambda s: (not s.info.is_catalogue, s.info.id))

    def _info(self, state: RegistryState, list_id: str) -> ListInfo:
        if list_id not in state.lists:
            known = ", ".join(sorted(state.lists)) or "none"
            raise InputError.one("ref.unknown_list", list_id=list_id, known=known)
        return state.lists[list_id]

    def version(
        self, list_id: str, version: int | None = None, as_of: dt.date | None = None
    ) -> ListVersion:
        """One version with its rows: number ``version``, else the one in force on ``as_of``,
        else the one in force today, else the newest."""
        state = self.state()
        self._info(state, list_id)
        versions = state.versions.get(list_id, [])
        chosen: ListVersion | None
        if version is not None:
            chosen = next((v for v in versions if v.version == version), None)
            if chosen is None:
                raise InputError.one(
                    "ref.unknown_version",
                    list_id=list_id,
                    version=version,
                    known=", ".join(str(v.version) for v in versions) or "none",
                )
        elif as_of is not None:
            chosen = in_force(versions, as_of)
            if chosen is None:
                raise InputError.one("ref.not_in_force", list_id=list_id, date=as_of)
        else:
            chosen = in_force(versions, dt.date.today()) or versions[-1]
        loaded = store.version_with_rows(self.engine, list_id, chosen.version)
        assert loaded is not None
        return loaded

    def log(self, list_id: str | None = None) -> list[AuditEntry]:
        """The audit log: who imported, published or withdrew what, when, with which note."""
        self._require()
        if list_id is not None:
            self._info(self.state(), list_id)
        return store.audit_entries(self.engine, list_id)

    def diff(self, list_id: str, a: int, b: int) -> VersionDiff:
        """Rows added, removed and changed from version ``a`` to version ``b``."""
        return diff_versions(self.version(list_id, a), self.version(list_id, b))

    def snapshot(
        self, as_of: dt.date | None = None, versions: Mapping[str, int] | None = None
    ) -> Snapshot:
        """What is in force on ``as_of`` (default today): immutable, indexed, hashed.

        ``versions`` (list id → version number) makes a hypothetical snapshot: each named
        version — a draft too — stands in for whatever version of its list is in force, as if
        it were published and in force on ``as_of``. Its hash differs from any real one."""
        as_of = as_of or dt.date.today()
        state = self.state()
        catalogue, lists = in_force_versions(state, as_of)
        for list_id, number in (versions or {}).items():
            chosen = self._chosen(state, list_id, number)
            if chosen.info.is_catalogue:
                catalogue = chosen
            else:
                lists = sorted(
                    [e for e in lists if e.info.id != list_id] + [chosen], key=lambda e: e.info.id
                )
        matters = {m.code: m for m in (catalogue.version.matters if catalogue else ())}
        in_force_duties: list[DutyInForce] = []
        dangling: list[DutyInForce] = []
        rows = store.duties_of_versions(
            self.engine, [(e.info.id, e.version.version) for e in lists]
        )
        for list_id, number, seq, duty in rows:
            entry = DutyInForce(list_id, number, seq, duty)
            (in_force_duties if duty.matter in matters else dangling).append(entry)
        if catalogue is not None:
            catalogue = replace(catalogue, version=replace(catalogue.version, matters=()))
        return Snapshot(
            as_of=as_of,
            hash=snapshot_hash(state.areas, state.units, catalogue, lists),
            areas=state.areas,
            units=state.units,
            catalogue=catalogue,
            matters=matters,
            lists=tuple(lists),
            duties=tuple(in_force_duties),
            dangling=tuple(dangling),
        )

    def _chosen(self, state: RegistryState, list_id: str, number: int) -> ListInForce:
        info = self._info(state, list_id)
        found = next((v for v in state.versions.get(list_id, ()) if v.version == number), None)
        if found is None:
            known = ", ".join(str(v.version) for v in state.versions.get(list_id, ())) or "none"
            raise InputError.one(
                "ref.unknown_version", list_id=list_id, version=number, known=known
            )
        return ListInForce(info, found)

    def export(self, list_id: str, fmt: str, path: str | Path, version: int | None = None) -> int:
        """Write ``list_id`` to ``path``: ``yaml`` (every version, re-importable) or one version
        (``version``, else the one in force today, else the newest) as ``csv`` or ``xlsx``.
        Returns the number of rows written."""
        state = self.state()
        info = self._info(state, list_id)
        path = Path(path)
        if not path.parent.is_dir():
            raise InputError.one("file.no_directory", source=str(path), directory=str(path.parent))
        if fmt == "yaml":
            versions = [
                store.version_with_rows(self.engine, list_id, v.version)
                for v in state.versions.get(list_id, [])
            ]
            document = export.list_document(info, [v for v in versions if v is not None])
            path.write_text(export.dump_yaml(document), encoding="utf-8")
            return sum(v.row_count for v in versions if v is not None)
        if info.is_catalogue:
            raise InputError.one("arg.catalogue_table", list_id=list_id)
        chosen = self.version(list_id, version)
        catalogue = duty_context(state).catalogue_for(chosen.effective_from)
        matters = {m.code: m for m in catalogue.matters} if catalogue else {}
        rows = export.table_rows(chosen, matters, state.units)
        export.write_table(rows, path, fmt, f"{list_id} v{chosen.version}")
        return len(rows) - 1

    # --- lifecycle ----------------------------------------------------------------------------

    def publish(
        self,
        list_id: str,
        effective_from: dt.date,
        note: str | None = None,
        by: str | None = None,
        effective_to: dt.date | None = None,
    ) -> ListVersion:
        """Publish the draft of ``list_id``: it takes effect on ``effective_from`` and is
        immutable from now on. Its rows are checked again against the catalogue in force then."""
        state = self.state()
        info = self._info(state, list_id)
        versions = state.versions.get(list_id, [])
        draft = versions[-1] if versions and versions[-1].status is VersionStatus.draft else None
        if draft is None:
            raise InputError.one("version.no_draft", list_id=list_id)
        published = replace(
            draft,
            status=VersionStatus.published,
            effective_from=effective_from,
            effective_to=effective_to,
            note=note or draft.note,
        )
        history = [*versions[:-1], published]
        where = {"source": list_id}
        problems = check_sequence(history, lambda n: {**where, "field": f"version {n}"})
        if problems:
            raise InputError(problems)
        if not info.is_catalogue:
            loaded = store.version_with_rows(self.engine, list_id, draft.version)
            assert loaded is not None
            recheck(state, f"{list_id} v{draft.version}", loaded.duties, effective_from)
        actor = default_actor(by)
        after = state.copy()
        after.versions[list_id] = history
        now = utcnow()
        store.set_status(
            self.engine,
            list_id,
            draft.version,
            {
                "status": VersionStatus.published.value,
                "effective_from": effective_from,
                "effective_to": effective_to,
                "note": published.note,
                "published_at": now,
                "published_by": actor,
            },
            AuditEntry(
                now,
                actor,
                "publish",
                list_id,
                draft.version,
                published.note,
                state_hash(after, effective_from),
                {
                    "effective_from": effective_from.isoformat(),
                    "effective_to": effective_to.isoformat() if effective_to else None,
                    "content_hash": draft.content_hash,
                    "rows": draft.row_count,
                },
            ),
        )
        return replace(published, published_by=actor)

    def withdraw(
        self, list_id: str, version: int, note: str | None = None, by: str | None = None
    ) -> ListVersion:
        """Withdraw a published or draft version: it is never in force again."""
        state = self.state()
        self._info(state, list_id)
        chosen = next((v for v in state.versions.get(list_id, []) if v.version == version), None)
        if chosen is None:
            raise InputError.one(
                "ref.unknown_version",
                list_id=list_id,
                version=version,
                known=", ".join(str(v.version) for v in state.versions.get(list_id, [])) or "none",
            )
        if chosen.status is VersionStatus.withdrawn:
            raise InputError.one(
                "version.not_published",
                list_id=list_id,
                version=version,
                status=chosen.status.value,
            )
        actor = default_actor(by)
        withdrawn = replace(chosen, status=VersionStatus.withdrawn, withdrawn_by=actor)
        after = state.copy()
        after.versions[list_id] = [
            withdrawn if v.version == version else v for v in state.versions[list_id]
        ]
        now = utcnow()
        store.set_status(
            self.engine,
            list_id,
            version,
            {
                "status": VersionStatus.withdrawn.value,
                "withdrawn_at": now,
                "withdrawn_by": actor,
            },
            AuditEntry(
                now,
                actor,
                "withdraw",
                list_id,
                version,
                note,
                state_hash(after, dt.date.today()),
                {"previous_status": chosen.status.value},
            ),
        )
        return withdrawn

    # --- admission records (事项准入) ------------------------------------------------------------

    def admission_records(self, status: str | None = None) -> list[StoredAdmission]:
        """The recorded admission requests, oldest first, optionally of one status."""
        self._require()
        return store.admission_records(self.engine, status)

    def admission_record(self, record_id: str) -> StoredAdmission | None:
        self._require()
        found = store.admission_records(self.engine, record_id=record_id)
        return found[0] if found else None

    def record_admission(self, record: StoredAdmission, entry: AuditEntry) -> None:
        """Record a new admission request with its audit entry, in one transaction. A second
        request with the same id is refused, also when two arrive at once."""
        self._require()
        try:
            with self.engine.begin() as c:
                store.add_admission(c, record)
                store.add_audit(c, entry)
        except IntegrityError:
            raise InputError.one("admission.duplicate", field="id", id=record.id) from None

    def decide_admission(self, record: StoredAdmission, entry: AuditEntry) -> None:
        """Record a decision that changes no list (a rejection) with its audit entry. Only a
        request still submitted can be decided: of two deciders at once, one wins."""
        self._require()
        with self.engine.begin() as c:
            self._decide(c, record)
            store.add_audit(c, entry)

    def _decide(self, c: Connection, record: StoredAdmission) -> None:
        status = store.decide_admission(c, record)
        if status is not None:
            raise InputError.one("admission.decided", id=record.id, status=status)

    def add_to_log(self, entry: AuditEntry) -> None:
        """Add an entry to the audit log on its own (an act that writes nothing else, such as
        an approval the gates refused)."""
        self._require()
        with self.engine.begin() as c:
            store.add_audit(c, entry)

    def enact(
        self,
        record: StoredAdmission,
        versions: Sequence[tuple[str, Sequence[Duty]]],
        effective_from: dt.date,
        entry: AuditEntry,
        note: str,
    ) -> None:
        """Approve an admission request: write the new published versions of the lists it
        changes (``versions``: list id → all rows of its new version, checked again against the
        registry as it is; ``note``: the versions' note), the decision (``record``) and its
        audit entry, in one transaction."""
        source = f"admission {record.id}"
        plan, _ = plan_versions(versions, self.state(), source, entry.actor, note, effective_from)

        def decide(c: Connection, now: dt.datetime) -> None:
            self._decide(c, replace(record, decided_at=now))
            store.add_audit(c, replace(entry, at=now))

        store.write_plan(self.engine, plan, entry.actor, entry.snapshot_hash, also=decide)
