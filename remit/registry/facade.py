"""The registry's Python API: :class:`Registry`.

>>> from remit import Registry
>>> registry = Registry.create("sqlite:///remit.db")          # doctest: +SKIP
>>> registry.import_files(["data/responsibility_lists"])       # doctest: +SKIP
>>> snapshot = registry.snapshot(datetime.date(2026, 1, 1))    # doctest: +SKIP

Two times. Every change is a new *revision* (a number, when it was recorded, by whom, why) and
nothing recorded is ever changed: :meth:`Registry.snapshot` answers "what was in force on date
D" (effective time) "as the registry stood at revision R" (recorded time, ``known_at``; by
default the last). A decision stamps both, so it can be decided again on exactly what was known.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from remit.deadlines import OfficialCalendar
from remit.errors import InputError, Problem
from remit.files.tables import TABLE_SUFFIXES
from remit.files.writing import check_writable, write_text
from remit.i18n import Lang, t
from remit.registry import db, export, store
from remit.registry import migrate as migration
from remit.registry import verify as verification
from remit.registry.catalogue_import import FORMATS as CATALOGUE_FORMATS
from remit.registry.catalogue_import import catalogue_file, read_12345, read_open311
from remit.registry.diff import VersionDiff, diff_versions
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
    MatterKind,
    Revision,
    Unit,
    VersionStatus,
)
from remit.registry.formats import ListFile
from remit.registry.parse import collect_yaml, parse_files
from remit.registry.plan import (
    duty_context,
    plan_import,
    plan_version,
    plan_versions,
    recheck,
)
from remit.registry.reports import MigrationResult, VerifyReport
from remit.registry.snapshot import (
    DutyInForce,
    ListInForce,
    Snapshot,
    SnapshotChange,
    in_force_versions,
    snapshot_hash,
    state_hash,
)
from remit.registry.spaces import SPACE_SPELLINGS, space_of
from remit.registry.state import ImportPlan, RegistryState, VersionChange
from remit.registry.table_import import (
    TableImportError,
    TableRead,
    TableSummary,
    problem_rows,
    read_table,
    summarise,
)
from remit.registry.versions import ListSummary, check_sequence, in_force

StoredAdmission = AdmissionRecord[dict[str, Any], dict[str, Any]]
"""An admission record as the registry keeps it: the request and the report as plain data."""

KnownAt = int | dt.datetime | None
"""A registry revision: its number, or the time (the last revision recorded by then); None:
the last revision."""


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
    revision: int = 0
    """The revision the import recorded (0: it changed nothing)."""
    table: TableSummary | None = None
    """A table import: its rows read, imported, refused and skipped."""

    @property
    def changed(self) -> bool:
        return not self.plan.empty


decided = store.decided
"""The refusal to decide an admission request that someone else decided: who, and when."""


class Registry:
    """A registry of areas, units, the matter catalogue and responsibility lists.

    ``url`` is an SQLAlchemy URL (``sqlite:///remit.db``, ``postgresql+psycopg://…``); by
    default ``$REMIT_DB``, else ``sqlite:///remit.db``.
    """

    def __init__(self, url: str | None = None):
        self.url = db.resolve_url(url)
        self.engine = db.make_engine(self.url)
        self._state: RegistryState | None = None
        self._past: dict[int, RegistryState] = {}
        self._ready = False
        """The registry was found, of this layout: not asked again (a service asks per
        request; the table layout changes only by :meth:`migrate`, which asks again)."""

    @classmethod
    def create(cls, url: str | None = None, force: bool = False) -> Registry:
        """Create an empty registry (with ``force``, drop an existing one first)."""
        registry = cls(url)
        db.create(registry.engine, registry.url, force=force)
        return registry

    resolve_url = staticmethod(db.resolve_url)
    not_a_database = staticmethod(db.not_a_database)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _require(self) -> None:
        if self._ready:
            return
        if not db.exists(self.engine, self.url):
            raise InputError.one("db.missing", url=self.url)
        db.check_schema(self.engine, self.url)
        self._ready = True

    # --- revisions ----------------------------------------------------------------------------

    def revision(self, known_at: KnownAt = None) -> int:
        """The number of the revision ``known_at`` names (default: the last). A number after the
        last is refused; a time before the first revision is revision 0 (nothing)."""
        self._require()
        latest = store.latest_revision(self.engine)
        if known_at is None:
            return latest
        if isinstance(known_at, dt.datetime):
            return store.revision_at(self.engine, known_at)
        if not 0 <= known_at <= latest:
            raise InputError.one("revision.unknown", revision=known_at, latest=latest)
        return known_at

    def revisions(self) -> list[Revision]:
        """Every revision, oldest first: the registry's history of changes."""
        self._require()
        return store.all_revisions(self.engine)

    def verify(self) -> VerifyReport:
        """Check the whole recorded history against itself: every version's content hash from
        its rows, its row count and its parent hash, the audit log's hash chain, the revision
        numbers, and that the log names every record each revision made (and the records
        every entry names). Changes nothing; what does not match is in the report."""
        self._require()
        return verification.verify(self.engine)

    def migrate(self, by: str | None = None) -> MigrationResult:
        """Bring a registry of table layout 3 to this remit's in place, with no re-import: a
        SQLite file is copied first; then, in one transaction, everything it knew becomes
        revision 1 (recorded now, by ``by``). A registry of this layout is left as it is."""
        if not db.exists(self.engine, self.url):
            raise InputError.one("db.missing", url=self.url)
        self.engine.dispose()  # no connection of ours stays open on the tables it renames
        self._ready = False
        result = migration.migrate(self.url, default_actor(by))
        self._state, self._past = None, {}
        return result

    def state(self, known_at: KnownAt = None) -> RegistryState:
        """Lists and version metadata (reference versions with their rows) as the registry stood
        at ``known_at`` (default: the last revision).

        The last state is loaded once and kept while no one writes (every write adds a
        revision, so a write by another process too is seen at the next call); past states are
        kept as they are, since they never change. The state handed out is shared: plan on a
        :meth:`RegistryState.copy`."""
        if isinstance(known_at, int) and not isinstance(known_at, bool):
            # a revision read before is as it was (nothing recorded changes): no need to ask
            # the database how far it has got
            if self._state is not None and self._state.revision == known_at:
                return self._state
            if known_at in self._past:
                return self._past[known_at]
        self._require()
        latest = store.latest_revision(self.engine)
        wanted = latest if known_at is None else self.revision(known_at)
        if wanted == latest:
            if self._state is None or self._state.revision != latest:
                self._state = store.load_state(self.engine, latest)
            return self._state
        found = self._past.get(wanted)
        if found is None:
            found = self._past[wanted] = store.load_state(self.engine, wanted)
        return found

    def _write(
        self,
        plan: ImportPlan,
        after: RegistryState,
        base: RegistryState,
        by: str | None,
        note: str | None = None,
    ) -> ImportResult:
        """Write ``plan`` (planned on ``base``; ``after`` is the state it leads to: its hash of
        today is logged) as one revision."""
        today_hash = state_hash(after, dt.date.today())
        if plan.empty:
            return ImportResult(plan, today_hash)
        actor = default_actor(by)
        with store.transaction(self.engine, base.revision, actor, "import", note) as w:
            w.plan(plan, after, actor, today_hash)
            number = w.revision.number
        return ImportResult(plan, today_hash, number)

    # --- imports ------------------------------------------------------------------------------

    def import_files(
        self,
        paths: Sequence[str | Path],
        by: str | None = None,
        *,
        effective_from: dt.date | None = None,
        retroactive: bool = False,
        note: str | None = None,
        replace_draft: bool = False,
    ) -> ImportResult:
        """Import YAML files or directory trees (areas, units, catalogue, lists) atomically.

        Areas and units are versioned: files without versions add to or change the ones in
        force, which takes a date — ``effective_from`` — once there are any (a past date is a
        retroactive change: ``retroactive`` and a ``note`` say so). A draft made from a table
        is not replaced by a file that gives it fewer rows unless ``replace_draft``."""
        calendars: list[OfficialCalendar] = []
        found = collect_yaml([Path(p) for p in paths])
        files = parse_files(found, calendars)
        state = self.state()
        plan, after = plan_import(files, state, effective_from=effective_from)
        for calendar in calendars:  # the years that change (a file given again changes none)
            years = tuple((n, y) for n, y in calendar.years if state.calendar.year(n) != y)
            plan.calendar = plan.calendar.merged(OfficialCalendar(years))
        if plan.calendar:
            after.calendar = after.calendar.merged(plan.calendar)
            plan.files = [str(p) for p in found]
        if effective_from is not None and plan.changes:
            self._allow_past(effective_from, retroactive, note, "reference")
        if not replace_draft:
            lists = {f.model.id: f.path for f in files if isinstance(f.model, ListFile)}
            self._keep_table_drafts(plan, state, lists)
        return self._write(plan, after, state, by, note)

    @staticmethod
    def _write_problems(
        path: Path, problems: Sequence[Problem], read: TableRead | None, lang: Lang | None
    ) -> None:
        """``problems`` as a table to fix the source by: XLSX by the suffix, else CSV."""
        fmt = "xlsx" if path.suffix.lower() in {".xlsx", ".xlsm"} else "csv"
        rows = problem_rows(problems, read, lang)
        export.write_table(rows, path, fmt, t("table.problems_title", lang))

    def _keep_table_drafts(
        self, plan: ImportPlan, state: RegistryState, file_of: Mapping[str, str]
    ) -> None:
        """Refuse a change that puts fewer rows in place of a draft made from a table (a YAML
        tree imported again over the draft an office's table made), naming both."""
        problems = []
        for change in plan.changes:
            if change.action not in {"replace", "publish"} or not change.content_changed:
                continue
            old = next(
                (
                    v
                    for v in state.versions.get(change.list_id, [])
                    if v.version == change.version.version
                ),
                None,
            )
            if old is None or old.status is not VersionStatus.draft:
                continue
            if old.row_count <= change.version.row_count:
                continue
            source = self._draft_source(change.list_id, old.version)
            if source is None or Path(source).suffix.lower() not in TABLE_SUFFIXES:
                continue
            problems.append(
                Problem(
                    "version.table_draft_kept",
                    {
                        "label": old.label,
                        "rows": old.row_count,
                        "table": source,
                        "given": change.version.row_count,
                    },
                    source=file_of.get(change.list_id),
                )
            )
        if problems:
            raise InputError(problems)

    def _draft_source(self, list_id: str, version: int) -> str | None:
        """The file the draft ``version`` of ``list_id`` was last imported from (its log)."""
        for entry in reversed(store.audit_entries(self.engine, list_id)):
            if entry.version == version and entry.action.startswith("import_"):
                files = entry.details.get("files") or []
                return str(files[0]) if files else None
        return None

    def import_table(
        self,
        path: str | Path,
        list_id: str,
        mapping: str | Path | None = None,
        by: str | None = None,
        note: str | None = None,
        *,
        problems: str | Path | None = None,
        lang: Lang | None = None,
        create: ListInfo | None = None,
        space: MatterKind | str | None = None,
    ) -> ImportResult:
        """Import a CSV or XLSX table as the new draft version of ``list_id``.

        Every row is read and checked in one pass — its cells, then its references — and every
        problem reported at once (:class:`TableImportError`, with the rows read, imported,
        refused and skipped). ``problems`` names a CSV (UTF-8 with BOM) or XLSX file (by its
        suffix) to write the full list to, in ``lang``: written whether or not there are any.
        ``create`` (its id ``list_id``; issuer and scope as written) creates the list, with the
        table as its first draft. ``space`` (部件/component, 事件/event, 热线/hotline …) is the
        code space of the matter cells where the mapping gives none (its ``space`` column or
        default)."""
        self._require()
        kind = _space(space) if space is not None else None
        problems_path = Path(problems) if problems is not None else None
        if problems_path is not None:
            check_writable(problems_path)
        state = self.state()
        info = state.lists.get(list_id)
        if create is not None:
            if info is not None:
                raise InputError.one("ref.list_exists", list_id=list_id, kind=str(info.kind))
            create = replace(create, id=list_id)
        elif info is None or info.is_reference:
            known = ", ".join(sorted(i for i, v in state.lists.items() if not v.is_reference))
            raise InputError.one("ref.unknown_list_create", list_id=list_id, known=known or "none")
        known_names = [
            name for u in state.units_on().values() for name in (u.code, u.name, *u.aliases)
        ]
        try:
            read = read_table(Path(path), Path(mapping) if mapping else None, known_names, kind)
        except InputError as exc:  # the table as a whole (its header, the mapping): listed too
            if problems_path is None:
                raise
            self._write_problems(problems_path, exc.problems, None, lang)
            none_read = TableSummary(0, 0, 0, 0, len(exc.problems))
            raise TableImportError(exc.problems, none_read, str(problems_path)) from None
        actor = default_actor(by)
        found = list(read.problems)
        refused = {(p.source, p.row) for p in found}
        plan: ImportPlan | None = None
        try:
            plan, after = plan_version(
                list_id, read.specs, state, str(path), actor, note, new_list=create
            )
        except InputError as exc:
            # a row refused for a cell was checked without it: its duplicates are not real
            found.extend(
                p
                for p in exc.problems
                if not (p.key == "ref.duplicate" and (p.source, p.row) in refused)
            )
        found = list({repr(p): p for p in found}.values())  # as InputError keeps them
        order = {key: i for i, key in enumerate(read.rows)}
        found.sort(key=lambda p: order.get((p.source or "", p.row or 0), -1))
        summary = summarise(read, found)
        if problems_path is not None:
            self._write_problems(problems_path, found, read, lang)
        if found or plan is None:
            written = str(problems_path) if problems_path is not None else None
            raise TableImportError(found, summary, written)
        result = self._write(plan, after, state, actor)
        return replace(result, table=summary)

    def import_catalogue(
        self,
        path: str | Path,
        fmt: str,
        space: MatterKind | str = MatterKind.hotline,
        by: str | None = None,
        note: str | None = None,
        list_id: str | None = None,
    ) -> ImportResult:
        """Import a catalogue as published — a 12345 category tree (``fmt`` ``12345``: CSV or
        XLSX) or an Open311 GeoReport v2 service list (``open311``: JSON or XML) — as the next
        draft of the catalogue, its matters in the code ``space`` (:mod:`remit.registry.spaces`;
        ``list_id`` names the catalogue when the registry has none yet)."""
        self._require()
        kind = _space(space)
        if fmt not in CATALOGUE_FORMATS:
            expected = ", ".join(CATALOGUE_FORMATS)
            raise InputError.one("arg.unknown_catalogue_format", format=fmt, expected=expected)
        file = Path(path)
        entries = read_12345(file, kind) if fmt == "12345" else read_open311(file, kind)
        actor = default_actor(by)
        state = self.state()
        parsed = catalogue_file(entries, state, kind, str(path), actor, note, list_id)
        plan, after = plan_import([parsed], state)
        return self._write(plan, after, state, actor, note)

    # --- reading ------------------------------------------------------------------------------

    def lists(self, on: dt.date | None = None, known_at: KnownAt = None) -> list[ListSummary]:
        """Every list (the catalogue first) with its versions and the one in force on ``on``."""
        state = self.state(known_at)
        on = on or dt.date.today()
        out = [
            ListSummary(
                info,
                tuple(state.versions.get(list_id, [])),
                in_force(state.versions.get(list_id, []), on),
            )
            for list_id, info in state.lists.items()
        ]
        # the reference data first (the catalogue, the areas, the units), then the lists
        order = {CATALOGUE_KIND: 0, AREAS_KIND: 1, UNITS_KIND: 2}
        return sorted(out, key=lambda s: (order.get(str(s.info.kind), 3), s.info.id))

    def _info(self, state: RegistryState, list_id: str) -> ListInfo:
        if list_id not in state.lists:
            known = ", ".join(sorted(state.lists)) or "none"
            raise InputError.one("ref.unknown_list", list_id=list_id, known=known)
        return state.lists[list_id]

    def version(
        self,
        list_id: str,
        version: int | None = None,
        as_of: dt.date | None = None,
        known_at: KnownAt = None,
    ) -> ListVersion:
        """One version with its rows: number ``version``, else the one in force on ``as_of``,
        else the one in force today, else the newest (as the registry stood at ``known_at``)."""
        state = self.state(known_at)
        info = self._info(state, list_id)
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
        return store.version_with_rows(self.engine, chosen, str(info.kind), state.revision)

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
        self,
        as_of: dt.date | None = None,
        versions: Mapping[str, int] | None = None,
        known_at: KnownAt = None,
    ) -> Snapshot:
        """What was in force on ``as_of`` (default today) as the registry stood at ``known_at``
        (default: the last revision): immutable, indexed, hashed.

        ``versions`` (list id → version number) makes a hypothetical snapshot: each named
        version — a draft too — stands in for whatever version of its list is in force, as if
        it were published and in force on ``as_of``. Its hash differs from any real one."""
        as_of = as_of or dt.date.today()
        state = self.state(known_at)
        catalogue, lists = in_force_versions(state, as_of)
        areas, units = state.areas_on(as_of), state.units_on(as_of)
        for list_id, number in (versions or {}).items():
            chosen = self._chosen(state, list_id, number)
            if chosen.info.kind == AREAS_KIND:
                areas = {a.code: a for a in chosen.version.areas}
            elif chosen.info.kind == UNITS_KIND:
                units = {u.code: u for u in chosen.version.units}
            elif chosen.info.is_catalogue:
                catalogue = chosen
            else:
                lists = sorted(
                    [e for e in lists if e.info.id != list_id] + [chosen], key=lambda e: e.info.id
                )
        matters = {m.code: m for m in (catalogue.version.matters if catalogue else ())}
        in_force_duties: list[DutyInForce] = []
        dangling: list[DutyInForce] = []
        rows = store.duties_of_versions(
            self.engine, [(e.info.id, e.version.version) for e in lists], state.revision
        )
        successors = _successors(areas.values()), _successors(units.values())
        for list_id, number, seq, duty in rows:
            for moved in _moved(duty, areas, units, *successors):
                entry = DutyInForce(list_id, number, seq, moved)
                (in_force_duties if duty.matter in matters else dangling).append(entry)
        if catalogue is not None:
            catalogue = replace(catalogue, version=replace(catalogue.version, matters=()))
        return Snapshot(
            as_of=as_of,
            hash=snapshot_hash(areas, units, catalogue, lists, state.calendar),
            areas=areas,
            units=units,
            catalogue=catalogue,
            matters=matters,
            lists=tuple(lists),
            duties=tuple(in_force_duties),
            dangling=tuple(dangling),
            revision=state.revision,
            calendar=state.calendar,
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
        check_writable(path)
        if fmt == "yaml":
            versions = [
                store.version_with_rows(self.engine, v, str(info.kind), state.revision)
                for v in state.versions.get(list_id, [])
            ]
            document = export.list_document(info, versions)
            write_text(path, export.dump_yaml(document))
            return sum(v.row_count for v in versions)
        if info.is_reference:
            raise InputError.one("arg.catalogue_table", list_id=list_id)
        chosen = self.version(list_id, version)
        catalogue = duty_context(state).catalogue_for(chosen.effective_from)
        matters = {m.code: m for m in catalogue.matters} if catalogue else {}
        rows = export.table_rows(chosen, matters, state.units_on(chosen.effective_from))
        export.write_table(rows, path, fmt, f"{list_id} v{chosen.version}")
        return len(rows) - 1

    # --- lifecycle ----------------------------------------------------------------------------

    def _allow_past(
        self, effective_from: dt.date, retroactive: bool, note: str | None, what: str
    ) -> None:
        """A change that takes effect before today rewrites what was in force: refused unless
        it says it is retroactive, with a note saying why."""
        today = dt.date.today()
        if effective_from < today and not retroactive:
            raise InputError.one("version.retroactive", what=what, date=effective_from, today=today)
        if retroactive and not (note or "").strip():
            raise InputError.one("version.retroactive_note", field="--note")

    def changes(self, before: RegistryState, after: RegistryState) -> list[SnapshotChange]:
        """The dates whose snapshot differs between two states of the registry, as runs of
        days with the hash before and after (a state hash needs no duty loaded)."""
        bounds: set[dt.date] = set()
        for state in (before, after):
            for versions in state.versions.values():
                for v in versions:
                    if v.effective_from is not None:
                        bounds.add(v.effective_from)
                    if v.effective_to is not None:
                        bounds.add(v.effective_to + dt.timedelta(days=1))
        starts = sorted(bounds)
        out: list[SnapshotChange] = []
        for i, day in enumerate(starts):
            old, new = state_hash(before, day), state_hash(after, day)
            if old == new:
                continue
            last = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else None
            previous = out[-1] if out else None
            if (
                previous is not None
                and previous.last is not None
                and previous.last + dt.timedelta(days=1) == day
                and (previous.before, previous.after) == (old, new)
            ):
                out[-1] = replace(previous, last=last)
                continue
            out.append(SnapshotChange(day, last, old, new))
        return out

    def publish(
        self,
        list_id: str,
        effective_from: dt.date,
        note: str | None = None,
        by: str | None = None,
        effective_to: dt.date | None = None,
        *,
        retroactive: bool = False,
        version: int | None = None,
    ) -> ListVersion:
        """Publish the draft of ``list_id`` (``version``: only if the draft is that version —
        a caller that looked at version N never publishes N+1 imported since): it takes effect
        on ``effective_from`` and is
        immutable from now on. Its rows are checked again against the catalogue in force then.
        A date before today changes what was in force: ``retroactive`` and a ``note`` must
        say so."""
        state = self.state()
        info = self._info(state, list_id)
        versions = state.versions.get(list_id, [])
        draft = versions[-1] if versions and versions[-1].status is VersionStatus.draft else None
        if draft is None or (version is not None and draft.version != version):
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
        problems = check_sequence(
            history,
            lambda n: {**where, "field": f"version {n}"},
            open_start=info.kind in (AREAS_KIND, UNITS_KIND),
        )
        if problems:
            raise InputError(problems)
        if not info.is_reference:
            loaded = store.version_with_rows(self.engine, draft, str(info.kind), state.revision)
            recheck(state, f"{list_id} v{draft.version}", loaded.duties, effective_from)
        self._allow_past(effective_from, retroactive, note, list_id)
        actor = default_actor(by)
        self._status_change(
            state,
            VersionChange(list_id, "publish", published, False),
            actor,
            note,
            published.note,
            effective_from,
            {
                "effective_from": effective_from.isoformat(),
                "effective_to": effective_to.isoformat() if effective_to else None,
                "content_hash": draft.content_hash,
                "rows": draft.row_count,
                **({"retroactive": True} if retroactive else {}),
            },
        )
        return replace(published, published_by=actor)

    def withdraw(
        self,
        list_id: str,
        version: int,
        note: str | None = None,
        by: str | None = None,
        *,
        retroactive: bool = False,
    ) -> ListVersion:
        """Withdraw a published or draft version: it is never in force again. A version that
        has been in force changes what was in force then: ``retroactive`` and a ``note`` must
        say so."""
        state = self.state()
        self._info(state, list_id)  # refuses an unknown list
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
        if chosen.status is VersionStatus.published:
            self._allow_past(chosen.effective_from or dt.date.min, retroactive, note, list_id)
        actor = default_actor(by)
        withdrawn = replace(chosen, status=VersionStatus.withdrawn, withdrawn_by=actor)
        self._status_change(
            state,
            VersionChange(list_id, "withdraw", withdrawn, False),
            actor,
            note,
            note,
            dt.date.today(),
            {
                "previous_status": chosen.status.value,
                **({"retroactive": True} if retroactive else {}),
            },
        )
        return withdrawn

    def _status_change(
        self,
        state: RegistryState,
        change: VersionChange,
        actor: str,
        note: str | None,
        entry_note: str | None,
        on: dt.date,
        details: dict[str, Any],
    ) -> None:
        """A version published or withdrawn, as one revision: its record and its log entry
        (with the hash of the snapshot of ``on`` after the change)."""
        v = change.version
        after = state.copy()
        after.versions[change.list_id] = [
            v if old.version == v.version else old for old in state.versions[change.list_id]
        ]
        kind = str(state.lists[change.list_id].kind)
        with store.transaction(self.engine, state.revision, actor, change.action, note) as w:
            # the rows the version holds, read under the write lock: what the entry logs
            content, rows = w.version(change, kind, actor)
            if "content_hash" in details:
                details = {**details, "content_hash": content, "rows": rows}
            w.audit(
                AuditEntry(
                    w.now,
                    actor,
                    change.action,
                    change.list_id,
                    v.version,
                    entry_note,
                    state_hash(after, on),
                    details,
                )
            )

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
            with store.transaction(self.engine, None, entry.actor, entry.action, entry.note) as w:
                w.admission(record)
                w.audit(entry)
        except IntegrityError:
            raise InputError.one("admission.duplicate", field="id", id=record.id) from None

    def decide_admission(self, record: StoredAdmission, entry: AuditEntry) -> None:
        """Record a decision that changes no list (a rejection) with its audit entry. Only a
        request still submitted can be decided: of two deciders at once, one wins."""
        self._require()
        with store.transaction(self.engine, None, entry.actor, entry.action, entry.note) as w:
            w.decide_admission(replace(record, decided_at=w.now))
            w.audit(entry)

    def _not_decided(self, record_id: str) -> None:
        """Refuse to decide a request that is no longer submitted, saying who decided it."""
        found = self.admission_record(record_id)
        if found is not None and found.status != "submitted":
            raise store.decided(record_id, found.status, found.decided_by, found.decided_at)

    def add_to_log(self, entry: AuditEntry) -> None:
        """Add an entry to the audit log on its own (an act that writes nothing else, such as
        an approval the gates refused)."""
        self._require()
        with store.transaction(self.engine, None, entry.actor, entry.action, entry.note) as w:
            w.audit(entry)

    def enact(
        self,
        record: StoredAdmission,
        versions: Sequence[tuple[str, Sequence[Duty]]],
        effective_from: dt.date,
        entry: AuditEntry,
        note: str,
        units: Sequence[Unit] = (),
    ) -> None:
        """Approve an admission request: write the new published versions of the lists it
        changes (``versions``: list id → all rows of its new version, checked again against the
        registry as it is; ``note``: the versions' note), the units it gives staff and money to
        (``units``: a new version of the units from the same day), the decision (``record``) and
        its audit entry, in one transaction."""
        source = f"admission {record.id}"
        state = self.state()
        # read after the state: a decision recorded since the approver read the request is
        # seen here, or else it came after the state and the write below is refused
        self._not_decided(record.id)
        plan, after = plan_versions(
            versions, state, source, entry.actor, note, effective_from, units=units
        )
        today_hash = state_hash(after, dt.date.today())
        try:
            with store.transaction(self.engine, state.revision, entry.actor, "enact", note) as w:
                w.plan(plan, after, entry.actor, entry.snapshot_hash)
                w.decide_admission(replace(record, decided_at=w.now))
                w.audit(replace(entry, details={**entry.details, "today_hash": today_hash}))
        except InputError as refused:
            if any(p.key.startswith("db.changed") for p in refused.problems):
                self._not_decided(record.id)  # another approver came first: say so
            raise


def _successors(entities: Sequence[Area] | Any) -> dict[str, list[str]]:
    """old code → the codes of the areas (units) in force that replace it."""
    found: dict[str, list[str]] = {}
    for entity in entities:
        for old in entity.replaces:
            found.setdefault(old, []).append(entity.code)
    return found


def _moved(
    duty: Duty,
    areas: Mapping[str, Area],
    units: Mapping[str, Unit],
    area_successors: dict[str, list[str]],
    unit_successors: dict[str, list[str]],
) -> list[Duty]:
    """``duty`` as it applies among the areas and units in force: a row scoped to an area that
    was merged or split applies to what replaced it; a row of a merged unit, to the unit that
    replaced it. Other rows are as they are."""
    if duty.area not in areas and duty.area in area_successors:
        moved = [replace(duty, area=code) for code in area_successors[duty.area]]
    else:
        moved = [duty]
    if duty.unit not in units and len(unit_successors.get(duty.unit, ())) == 1:
        moved = [replace(d, unit=unit_successors[duty.unit][0]) for d in moved]
    return moved


def _space(space: MatterKind | str) -> MatterKind:
    """The code space ``space`` spells; :class:`InputError` naming the accepted words if none."""
    kind = space if isinstance(space, MatterKind) else space_of(space)
    if kind is None:
        known = ", ".join(SPACE_SPELLINGS)
        raise InputError.one("arg.unknown_space", space=str(space), known=known)
    return kind
