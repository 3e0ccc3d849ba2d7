"""From parsed files to a validated import plan.

Everything is checked before anything is written: schemas, references (units, areas, matters
by code, name or alias), conditions against the matter's attribute domains, version histories
(numbering, dates, immutability of published versions). The result is an :class:`ImportPlan`
that :mod:`remit.registry.store` writes in one transaction, or an :class:`InputError` with
every problem found, each located by file, line or row, and field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Protocol

from remit.conditions import Condition, normalize
from remit.errors import Collector, InputError
from remit.files.names import NameIndex, Unresolved, index_of, normalize_name
from remit.hashing import canonical_json, content_hash
from remit.registry import fields
from remit.registry.entities import (
    AREAS_KIND,
    CATALOGUE_KIND,
    DEFAULT_IDS,
    OWNER_UNIT,
    UNITS_KIND,
    Area,
    CaseStandard,
    Duty,
    ListInfo,
    ListVersion,
    Matter,
    MatterKind,
    Role,
    Unit,
    VersionStatus,
    role_reference,
    utcnow,
)
from remit.registry.formats import (
    AreasFile,
    CatalogueFile,
    CatalogueVersionSpec,
    DutySpec,
    ListFile,
    ListVersionSpec,
    UnitsFile,
    VersionMeta,
)
from remit.registry.groups import group_leaves, leaves_listing, matter_children
from remit.registry.parse import IMPORTABLE, ParsedFile
from remit.registry.spaces import MatterIndex, assign_keys
from remit.registry.state import ImportPlan, RegistryState, VersionAction, VersionChange
from remit.registry.versions import check_sequence

Locate = Callable[[str | None], dict[str, object]]
"""Where a field of the thing being validated is: ``locate("unit")`` → source, line/row, field."""


# ---------------------------------------------------------------------------------------------
# parsing


# ---------------------------------------------------------------------------------------------
# planning


def plan_import(
    files: Sequence[ParsedFile],
    state: RegistryState,
    effective_from: dt.date | None = None,
) -> tuple[ImportPlan, RegistryState]:
    """Validate parsed files against each other and the registry (``state``, left as it is);
    return what to write and the state the registry will be in once it is written.

    ``effective_from`` dates a change that area or unit files without versions make to the ones
    in force (see :class:`remit.registry.formats.AreasFile`)."""
    state = state.copy()
    collector = Collector()
    plan = ImportPlan(files=[f.path for f in files])
    by_kind: dict[str, list[ParsedFile]] = {k: [] for k in IMPORTABLE}
    for f in files:
        by_kind[f.model.file].append(f)

    _plan_reference(by_kind["areas"], AREAS_KIND, state, plan, collector, effective_from)
    collector.raise_if_any()
    _plan_reference(by_kind["units"], UNITS_KIND, state, plan, collector, effective_from)
    collector.raise_if_any()
    _plan_catalogue(by_kind["catalogue"], state, plan, collector)
    collector.raise_if_any()
    context = DutyContext(state)
    for f in by_kind["list"]:
        _plan_list(f, state, context, plan, collector)
    _check_unique_ids(by_kind["list"] + by_kind["catalogue"], collector)
    collector.raise_if_any()
    state.lists.update({info.id: info for info in plan.lists})
    return plan, state


def _check_unique_ids(files: list[ParsedFile], collector: Collector) -> None:
    seen: dict[str, ParsedFile] = {}
    for f in files:
        list_id = f.versioned().id
        if list_id in seen:
            collector.add(
                "ref.duplicate",
                what="list",
                key=list_id,
                other=seen[list_id].path,
                **f.locate("id"),
            )
        seen[list_id] = f


def _unique_codes(
    f: ParsedFile,
    prefix: tuple[str | int, ...],
    specs: Sequence[Any],
    what: str,
    where: dict[str, Where],
    collector: Collector,
) -> Iterator[Any]:
    """Each entry of ``specs`` (at ``prefix`` in ``f``) whose code was not seen before (a
    repeated code is reported); ``where[code]`` records how to locate the entry's fields."""
    for i, spec in enumerate(specs):
        if spec.code in where:
            collector.add(
                "ref.duplicate",
                what=what.rstrip("s"),
                key=spec.code,
                other=_at(where[spec.code]("code")),
                **f.locate(*prefix, i, "code"),
            )
            continue
        where[spec.code] = partial(f.locate, *prefix, i)
        yield spec


Entity = Area | Unit
Where = Callable[..., dict[str, object]]
"""How to locate the fields of one entry: ``where("parent")``."""

REFERENCE_NAMES = {AREAS_KIND: "区划", UNITS_KIND: "单位"}
"""The names of the versioned lists of the areas and the units when their files name none."""


def _plan_reference(
    files: list[ParsedFile],
    kind: str,
    state: RegistryState,
    plan: ImportPlan,
    collector: Collector,
    effective_from: dt.date | None,
) -> None:
    """The areas or the units of ``files``: versions as written, or entries that add to or
    change the ones in force (the first version; else a new one from ``effective_from``)."""
    if not files:
        return
    list_id = state._id_of(kind)
    name: str | None = None
    for f in files:
        model = f.model
        assert isinstance(model, AreasFile | UnitsFile)
        given = model.id
        if given is not None and list_id is not None and given != list_id:
            collector.add("ref.second_catalogue", existing=list_id, given=given, **f.locate("id"))
            return
        list_id = given or list_id
        name = model.name or name
    list_id = list_id or DEFAULT_IDS[kind]
    existing = state.lists.get(list_id)
    info = ListInfo(list_id, name or (existing.name if existing else REFERENCE_NAMES[kind]), kind)
    if existing is not None and existing.kind != kind:
        collector.add(
            "ref.kind_mismatch",
            list_id=list_id,
            existing=existing.kind,
            given=kind,
            **files[0].locate("file"),
        )
        return
    if existing != info:
        plan.lists.append(info)
        state.lists[info.id] = info
    history = list(state.versions.get(list_id, []))
    incoming: list[ListVersion] = []
    invalid: set[int] = set()
    locators: dict[int, VersionLocate] = {}
    entries: dict[str, Entity] = {}
    where: dict[str, Where] = {}
    for f in files:
        model = f.model
        assert isinstance(model, AreasFile | UnitsFile)
        if model.versions is None:
            for spec in _unique_codes(
                f, (kind,), getattr(model, kind) or [], kind, where, collector
            ):
                entries[spec.code] = spec
            continue
        if _duplicate_versions(f, collector):
            continue
        locate = _file_versions_locator(f)
        for i, version_spec in enumerate(model.versions):
            found: dict[str, Entity] = {}
            at: dict[str, Where] = {}
            rows = getattr(version_spec, kind)
            for spec in _unique_codes(f, ("versions", i, kind), rows, kind, at, collector):
                found[spec.code] = spec
            before = len(collector.problems)
            checked = _reference_rows(
                kind, found, at, state, version_spec.effective_from, collector
            )
            if len(collector.problems) > before:
                invalid.add(version_spec.version)
            meta = _version_meta(
                list_id, version_spec, (fields.content(e) for e in checked), len(checked)
            )
            incoming.append(_with_rows(meta, kind, checked))
            locators[version_spec.version] = locate
    if entries:
        version = _merged_version(
            list_id, kind, entries, where, history, state, plan, collector, effective_from
        )
        if version is not None:
            incoming.append(version)
            locators[version.version] = lambda _n, name=None, f=files[0]: {
                "source": f.path,
                "field": name,
            }
    incoming = [_aliased(v, kind, history + incoming) for v in incoming]
    _note_changed(kind, incoming, history, plan)

    def locate_any(number: int, name: str | None = None, /) -> dict[str, object]:
        if number in locators:
            return locators[number](number, name)
        return {"source": files[0].path, "field": f"versions (version {number} in the registry)"}

    _merge_versions(locate_any, info, incoming, state, plan, collector, frozenset(invalid))


def _merged_version(
    list_id: str,
    kind: str,
    entries: dict[str, Entity],
    where: dict[str, Where],
    history: list[ListVersion],
    state: RegistryState,
    plan: ImportPlan,
    collector: Collector,
    effective_from: dt.date | None,
) -> ListVersion | None:
    """Entries of files without versions as a version: the first one (in force from
    ``effective_from``, else from the beginning); else the newest one with the entries added or
    changed — and those they replace gone — from ``effective_from`` (None if that changes
    nothing)."""
    latest = state.reference(kind)
    current: dict[str, Entity] = {e.code: e for e in getattr(latest, kind)} if latest else {}
    merged = {**current, **entries}
    # what an entry replaces (a merger, a split) leaves, unless the files give it again
    replaced = {old for e in entries.values() for old in e.replaces} - set(entries)
    merged = {code: e for code, e in merged.items() if code not in replaced}
    number = max((v.version for v in history), default=0) + 1
    if latest is not None:
        before = len(collector.problems)
        checked = _reference_rows(kind, merged, where, state, effective_from, collector)
        if {e.code: e for e in checked} == current or len(collector.problems) > before:
            return None
        if effective_from is None:
            changed = sorted(c for c, e in merged.items() if current.get(c) != e)
            collector.add(
                "reference.needs_date",
                what=kind,
                count=len(changed),
                codes=", ".join(changed[:5]) + (" …" if len(changed) > 5 else ""),
                source=plan.files[0] if plan.files else None,
            )
            return None
    else:
        checked = _reference_rows(kind, merged, where, state, effective_from, collector)
    spec = VersionMeta(
        version=number, status=VersionStatus.published, effective_from=effective_from
    )
    meta = _version_meta(list_id, spec, (fields.content(e) for e in checked), len(checked))
    return _with_rows(meta, kind, checked)


def _reference_rows(
    kind: str,
    entries: dict[str, Entity],
    where: dict[str, Where],
    state: RegistryState,
    on: dt.date | None,
    collector: Collector,
) -> list[Entity]:
    """One version's areas (parents known, no cycles) or units (jurisdictions resolved against
    the areas in force on ``on``, parents known, no cycles); of either, no name or alias that
    is another's code, name or alias."""

    def at(code: str, *field: str | int) -> dict[str, object]:
        return where[code](*field) if code in where else {"field": f"{kind}[{code}]"}

    if kind == AREAS_KIND:
        areas = dict(entries)
        for code in areas:
            if code not in where:  # already checked when it was recorded
                continue
            _check_parent(collector, code, areas, at(code, "parent"), _AREA_TREE)
        _check_spellings(kind, areas, where, at, collector)
        return list(areas.values())
    area_index = index_of(state.areas_on(on) if on else state.areas_on(None), "area")
    units: dict[str, Entity] = {}
    for code, spec in entries.items():
        assert isinstance(spec, Unit)
        try:
            jurisdiction = area_index.resolve(spec.jurisdiction, "ref.unknown_area")
        except Unresolved as exc:
            collector.add(exc.key, **exc.params, **at(code, "jurisdiction"))
            continue
        units[code] = replace(spec, jurisdiction=jurisdiction)
    for code in units:
        if code in where:  # else already checked when it was recorded
            _check_parent(collector, code, units, at(code, "parent"), _UNIT_TREE)
    _check_spellings(kind, units, where, at, collector)
    return list(units.values())


def _check_spellings(
    kind: str,
    entries: dict[str, Entity],
    where: dict[str, Where],
    at: Callable[..., dict[str, object]],
    collector: Collector,
) -> None:
    """No name or alias of an entry given here (in ``where``) is, as the name index compares
    them (:func:`normalize_name`), the code, name or alias of another entry of the version:
    else a reference by it would be ambiguous. Entries already recorded were checked then, but
    count as the others of those given now, whichever came first. A clash is reported once: at
    the alias when an alias meets a name or a code, else at the entry given later."""
    order = {code: i for i, code in enumerate(where)}
    spelled: dict[str, list[tuple[str, str]]] = {}
    for code, entry in entries.items():
        for what, spelling in [("code", code), ("name", entry.name)] + [
            ("alias", a) for a in entry.aliases
        ]:
            spelled.setdefault(normalize_name(spelling), []).append((code, what))

    def blamed(code: str, what: str, other: str, other_what: str) -> bool:
        """Is the clash of ``code``'s ``what`` with ``other``'s ``other_what`` reported here?"""
        if other not in order or other_what == "code":
            return True
        if (what == "alias") != (other_what == "alias"):
            return what == "alias"
        return order[other] < order[code]

    for code, entry in entries.items():
        if code not in where:
            continue
        given = [("name", entry.name, at(code, "name"))]
        given += [("alias", a, at(code, "aliases", k)) for k, a in enumerate(entry.aliases)]
        for what, spelling, located in given:
            others = {
                other
                for other, other_what in spelled[normalize_name(spelling)]
                if other != code and blamed(code, what, other, other_what)
            }
            if others:
                collector.add(
                    "ref.spelling_clash",
                    what=what,
                    spelling=spelling,
                    kind=kind.rstrip("s"),
                    code=code,
                    other=", ".join(sorted(others)),
                    **located,
                )


def _aliased(version: ListVersion, kind: str, versions: list[ListVersion]) -> ListVersion:
    """``version`` with the names its entries had before kept as aliases: the name an area or
    unit had in the version before it, and the names and codes of those it replaces."""
    earlier = [v for v in versions if v.version < version.version and getattr(v, kind)]
    if not earlier:
        return version
    before = {e.code: e for e in getattr(max(earlier, key=lambda v: v.version), kind)}
    rows = []
    for entry in getattr(version, kind):
        kept = list(entry.aliases)
        names = [before[entry.code].name] if entry.code in before else []
        for old in entry.replaces:
            names += [old] + ([before[old].name] if old in before else [])
        for name in names:
            if name != entry.name and name not in kept:
                kept.append(name)
        rows.append(
            replace(entry, aliases=tuple(kept)) if len(kept) > len(entry.aliases) else entry
        )
    if rows == list(getattr(version, kind)):
        return version
    content = content_hash([fields.content(e) for e in rows])
    return replace(_with_rows(version, kind, rows), content_hash=content)


def _note_changed(
    kind: str, incoming: list[ListVersion], history: list[ListVersion], plan: ImportPlan
) -> None:
    """Record in ``plan`` the areas or units the new versions add or change (for people)."""
    known = {v.version: v for v in history}
    for version in incoming:
        if known.get(version.version) is not None and (
            known[version.version].content_hash == version.content_hash
        ):
            continue
        earlier = [v for v in history if v.version < version.version]
        before = {e.code: e for e in getattr(earlier[-1], kind)} if earlier else {}
        changed = [e for e in getattr(version, kind) if before.get(e.code) != e]
        plan.areas.extend(e for e in changed if isinstance(e, Area))
        plan.units.extend(e for e in changed if isinstance(e, Unit))


_AREA_TREE = ("ref.unknown_parent_area", "ref.area_cycle")
_UNIT_TREE = ("ref.unknown_parent_unit", "ref.unit_cycle")
"""The problems of a tree of areas or units: a parent unknown, a code its own ancestor."""


def _check_parent(
    collector: Collector,
    code: str,
    tree: dict[str, Entity],
    where: dict[str, object],
    problems: tuple[str, str],
) -> None:
    """``code``'s parent is in ``tree``, and ``code`` is not its own ancestor."""
    parent = tree[code].parent
    if parent is not None and parent not in tree:
        collector.add(problems[0], code=parent, **where)
    elif _has_cycle(code, lambda c: tree[c].parent if c in tree else None):
        collector.add(problems[1], code=code, **where)


def _has_cycle(start: str, parent_of: Callable[[str], str | None]) -> bool:
    """Is ``start`` its own ancestor? (Merely reaching a cycle above it does not count.)"""
    seen = {start}
    current = parent_of(start)
    while current is not None and current not in seen:
        seen.add(current)
        current = parent_of(current)
    return current == start


def _at(where: dict[str, object]) -> str:
    """Where something else stands, for "defined twice (also at …)": file:line, or file row N."""
    if where.get("line") is not None:
        return f"{where.get('source')}:{where.get('line')}"
    if where.get("row") is not None:
        return f"{where.get('source')} row {where.get('row')}"
    return str(where.get("source"))


# --- versions (shared by the catalogue and lists) --------------------------------------------


def _with_rows(version: ListVersion, kind: str, rows: Sequence[Area | Unit]) -> ListVersion:
    """``version`` holding ``rows``: its areas or its units."""
    if kind == AREAS_KIND:
        return replace(version, areas=tuple(r for r in rows if isinstance(r, Area)))
    return replace(version, units=tuple(r for r in rows if isinstance(r, Unit)))


def _version_meta(
    list_id: str,
    spec: VersionMeta,
    rows: Iterable[dict[str, Any]],
    count: int,
) -> ListVersion:
    now = utcnow()
    return ListVersion(
        list_id=list_id,
        version=spec.version,
        status=spec.status,
        effective_from=spec.effective_from,
        effective_to=spec.effective_to,
        author=spec.author,
        note=spec.note,
        content_hash=content_hash(list(rows)),
        parent_hash=None,
        row_count=count,
        created_at=now,
        published_at=now if spec.status is VersionStatus.published else None,
    )


class VersionLocate(Protocol):
    """Where version ``number`` (or its field ``name``) is."""

    def __call__(self, number: int, name: str | None = None, /) -> dict[str, object]: ...


def _version_specs(f: ParsedFile) -> list[VersionMeta]:
    """The versions a file writes: a list's or the catalogue's, or the areas' or the units'
    when written by version."""
    versions: list[VersionMeta] | None = getattr(f.model, "versions", None)
    return list(versions or [])


def _file_versions_locator(f: ParsedFile) -> VersionLocate:
    index_of_version = {v.version: i for i, v in enumerate(_version_specs(f))}

    def locate(number: int, name: str | None = None, /) -> dict[str, object]:
        if number in index_of_version:
            return f.locate("versions", index_of_version[number], *([name] if name else []))
        return {"source": f.path, "field": f"versions (version {number} in the registry)"}

    return locate


def _duplicate_versions(f: ParsedFile, collector: Collector) -> bool:
    """Report version numbers given twice in one file; whether there were any."""
    first: dict[int, int] = {}
    versions = _version_specs(f)
    for i, spec in enumerate(versions):
        if spec.version in first:
            collector.add(
                "ref.duplicate",
                what="version",
                key=spec.version,
                other=_at(f.locate("versions", first[spec.version], "version")),
                **f.locate("versions", i, "version"),
            )
        first.setdefault(spec.version, i)
    return len(first) < len(versions)


def _merge_versions(
    locate: VersionLocate,
    info: ListInfo,
    incoming: list[ListVersion],
    state: RegistryState,
    plan: ImportPlan,
    collector: Collector,
    invalid: frozenset[int] = frozenset(),
) -> list[ListVersion]:
    """Merge incoming versions into the registry's; record the changes in ``plan``.

    ``invalid`` are versions whose rows had problems (already reported): their content is
    incomplete, so it is not compared with the registry's.
    """
    existing = {v.version: v for v in state.versions.get(info.id, [])}
    merged = dict(existing)
    changes: list[VersionChange] = []
    for new in incoming:
        old = existing.get(new.version)
        where = locate(new.version)
        if old is None:
            merged[new.version] = new
            changes.append(VersionChange(info.id, "create", new, True))
            continue
        same_content = old.content_hash == new.content_hash
        same_dates = (old.effective_from, old.effective_to) == (
            new.effective_from,
            new.effective_to,
        )
        if old.status is VersionStatus.draft:
            if new.status is VersionStatus.draft:
                if not same_content or (old.note, old.author) != (new.note, new.author):
                    merged[new.version] = replace(new, created_at=old.created_at)
                    changes.append(
                        VersionChange(info.id, "replace", merged[new.version], not same_content)
                    )
                else:
                    plan.unchanged += 1
            else:
                merged[new.version] = replace(new, created_at=old.created_at)
                action: VersionAction = (
                    "publish" if new.status is VersionStatus.published else "withdraw"
                )
                changes.append(
                    VersionChange(info.id, action, merged[new.version], not same_content)
                )
            continue
        if (not same_content and new.version not in invalid) or not same_dates:
            collector.add(
                "version.immutable",
                version=new.version,
                list_id=info.id,
                status=old.status.value,
                old=old.content_hash[:12],
                next=max(merged) + 1,
                **where,
            )
            continue
        if old.status is new.status:
            plan.unchanged += 1
        elif old.status is VersionStatus.published and new.status is VersionStatus.withdrawn:
            merged[new.version] = replace(
                old, status=VersionStatus.withdrawn, note=new.note or old.note
            )
            changes.append(VersionChange(info.id, "withdraw", merged[new.version], False))
        else:
            collector.add(
                "version.status_regress",
                version=new.version,
                list_id=info.id,
                existing=old.status.value,
                given=new.status.value,
                **{**where, "field": "status"},
            )
    history = [merged[n] for n in sorted(merged)]
    open_start = info.kind in (AREAS_KIND, UNITS_KIND)
    collector.extend(check_sequence(history, locate, locate, open_start=open_start))
    # parent hashes chain each version to the one before it
    chained: dict[int, ListVersion] = {}
    for i, version in enumerate(history):
        parent = history[i - 1].content_hash if i else None
        chained[version.version] = replace(version, parent_hash=parent)
    for change in changes:
        change.version = replace(
            chained[change.version.version],
            duties=change.version.duties,
            matters=change.version.matters,
            areas=change.version.areas,
            units=change.version.units,
        )
    plan.changes.extend(changes)
    state.versions[info.id] = [replace(v, duties=()) for v in (chained[n] for n in sorted(chained))]
    return state.versions[info.id]


# --- catalogue --------------------------------------------------------------------------------


def _plan_catalogue(
    files: list[ParsedFile], state: RegistryState, plan: ImportPlan, collector: Collector
) -> None:
    catalogue_id = state.catalogue_id
    for f in files:
        model = f.model
        assert isinstance(model, CatalogueFile)
        if catalogue_id is not None and model.id != catalogue_id:
            collector.add(
                "ref.second_catalogue", existing=catalogue_id, given=model.id, **f.locate("id")
            )
            continue
        catalogue_id = model.id
        info = ListInfo(model.id, model.name, CATALOGUE_KIND)
        if state.lists.get(info.id) != info:
            plan.lists.append(info)
        state.lists[info.id] = info
        if _duplicate_versions(f, collector):
            continue
        versions = []
        invalid: set[int] = set()
        stored = state.versions.get(info.id, [])
        previous = [m for v in stored for m in v.matters]
        for i, spec in enumerate(model.versions):
            before = len(collector.problems)
            matters = _catalogue_matters(f, i, spec, collector, previous)
            if len(collector.problems) > before:
                invalid.add(spec.version)
            rows = [m.content() for m in matters]
            meta = _version_meta(model.id, spec, rows, len(matters))
            versions.append(replace(meta, matters=tuple(matters)))
        _merge_versions(
            _file_versions_locator(f), info, versions, state, plan, collector, frozenset(invalid)
        )


def _catalogue_matters(
    f: ParsedFile,
    index: int,
    spec: CatalogueVersionSpec,
    collector: Collector,
    previous: Sequence[Matter] = (),
) -> list[Matter]:
    """A version's matters, codes unique within a space (:mod:`remit.registry.spaces`): a code
    two spaces share is stored under a key qualified by space, parents found in their space."""
    matters: dict[tuple[MatterKind, str], Matter] = {}
    lines: dict[tuple[MatterKind, str], Callable[..., dict[str, object]]] = {}
    for j, m in enumerate(spec.matters):
        loc = f.locate("versions", index, "matters", j, "code")
        if (m.kind, m.code) in matters:
            first = lines[m.kind, m.code]("code")
            collector.add("ref.duplicate", what="matter", key=m.code, other=_at(first), **loc)
            continue
        lines[m.kind, m.code] = partial(f.locate, "versions", index, "matters", j)
        matters[m.kind, m.code] = m
    written = list(matters)
    keyed = dict(zip(written, assign_keys(list(matters.values()), previous), strict=True))
    by_key = {m.code: m for m in keyed.values()}
    for (kind, code), matter in keyed.items():
        where = lines[kind, code]
        if matter.code in by_key and by_key[matter.code] is not matter:
            collector.add(
                "ref.duplicate",
                what="matter",
                key=matter.code,
                other=_at(where("code")),
                **where("code"),
            )
        elif matter.parent is not None and matter.parent not in by_key:
            collector.add("ref.unknown_parent_matter", code=matter.parent, **where("parent"))
        elif _has_cycle(matter.code, lambda c: by_key[c].parent if c in by_key else None):
            collector.add("ref.matter_cycle", code=code, **where("parent"))
    return list(keyed.values())


# --- lists and duties -------------------------------------------------------------------------


@dataclass
class _Reference:
    """What a version's rows are checked against: the catalogue, areas and units in force on
    its date, with their name indexes."""

    catalogue: ListVersion
    matters: dict[str, Matter]
    matter_index: NameIndex
    areas: dict[str, Area]
    area_index: NameIndex
    units: dict[str, Unit]
    unit_index: NameIndex


class DutyContext:
    """Resolves and validates duty rows against the areas, units and catalogue in force."""

    def __init__(self, state: RegistryState):
        self.state = state
        self.catalogue_id = state.catalogue_id or ""
        self.catalogue_versions = state.versions.get(self.catalogue_id, [])
        self._indexes: dict[tuple[str, int], Any] = {}
        self._children: dict[tuple[str, int], dict[str, list[str]]] = {}
        areas, units = state.areas_on(None), state.units_on(None)
        self.areas, self.units = areas, units
        self.area_index, self.unit_index = index_of(areas, "area"), index_of(units, "unit")

    def catalogue_for(self, effective_from: dt.date | None) -> ListVersion | None:
        """The catalogue version a list version is checked against: the one in force on its
        effective date, or for a draft the newest one not withdrawn."""
        return self.state.reference(CATALOGUE_KIND, effective_from)

    def _indexed(self, version: ListVersion | None, kind: str) -> tuple[dict[str, Any], NameIndex]:
        if version is None:
            return {}, index_of({}, kind.rstrip("s"))
        key = (version.list_id, version.version)
        if key not in self._indexes:
            rows = {e.code: e for e in getattr(version, kind)}
            index = MatterIndex(rows.values()) if kind == "matters" else index_of(rows, kind[:-1])
            self._indexes[key] = (rows, index)
        found: tuple[dict[str, Any], NameIndex] = self._indexes[key]
        return found

    def reference(self, catalogue: ListVersion, on: dt.date | None) -> _Reference:
        matters, matter_index = self._indexed(catalogue, "matters")
        areas, area_index = self._indexed(self.state.reference(AREAS_KIND, on), "areas")
        units, unit_index = self._indexed(self.state.reference(UNITS_KIND, on), "units")
        return _Reference(catalogue, matters, matter_index, areas, area_index, units, unit_index)

    def duty(
        self, spec: DutySpec, ref: _Reference, locate: Locate, collector: Collector
    ) -> list[Duty]:
        """The validated :class:`Duty` of a row — one per leaf matter for a row that covers a
        whole group explicitly (``whole_group``) — or none, with the problems added to
        ``collector``."""
        try:
            matter: Matter | None = ref.matters[
                ref.matter_index.resolve(
                    spec.matter, "ref.unknown_matter", catalogue=ref.catalogue.label
                )
            ]
        except Unresolved as exc:
            collector.add(exc.key, **exc.params, **locate("matter"))
            matter = None
        if matter is None:
            self._one(spec, None, ref, locate, collector)  # the row's other problems too
            return []
        leaves = self._leaves(matter, ref)
        if spec.whole_group:
            if not leaves:
                collector.add(
                    "duty.whole_group_not_group",
                    matter=matter.code,
                    name=matter.name,
                    **locate("whole_group"),
                )
                return []
            found = [self._one(spec, ref.matters[leaf], ref, locate, collector) for leaf in leaves]
            return [d for d in found if d is not None] if all(found) else []
        if leaves:
            collector.add(
                "duty.group_matter",
                matter=matter.code,
                name=matter.name,
                leaves=leaves_listing(matter.code, self._children_of(ref), ref.matters),
                **locate("matter"),
            )
            self._one(spec, None, ref, locate, collector)
            return []
        one = self._one(spec, matter, ref, locate, collector)
        return [one] if one is not None else []

    def _one(
        self,
        spec: DutySpec,
        matter: Matter | None,
        ref: _Reference,
        locate: Locate,
        collector: Collector,
    ) -> Duty | None:
        """The row on ``matter`` (a leaf), or ``None`` with its problems added (``matter``
        None: only the problems of the row's other fields)."""
        before = len(collector.problems)
        unit_code: str | None = None
        area: str | None = None
        reference = role_reference(spec.unit)
        if reference is not None:
            unit_code = reference  # resolved per event: the owner, the street's unit
            if spec.area is None:
                if reference == OWNER_UNIT:
                    collector.add("ref.owner_needs_area", **locate("area"))
                else:
                    collector.add("ref.reference_needs_area", reference=reference, **locate("area"))
        else:
            try:
                unit = ref.units[ref.unit_index.resolve(spec.unit, "ref.unknown_unit")]
                unit_code, area = unit.code, unit.jurisdiction
            except Unresolved as exc:
                collector.add(exc.key, **exc.params, **locate("unit"))
        refer_to = self._refer_to(spec, ref, unit_code, locate, collector)
        if spec.area is not None:
            try:
                area = ref.area_index.resolve(spec.area, "ref.unknown_area")
            except Unresolved as exc:
                area = None
                collector.add(exc.key, **exc.params, **locate("area"))
        conditions: Condition = {}
        if matter is not None:
            conditions, problems = normalize(spec.when, matter.attributes, matter.code)
            for p in problems:
                collector.add(p.key, **p.params, **locate(p.field))
        if len(collector.problems) > before or matter is None or unit_code is None or area is None:
            return None
        return Duty(
            matter=matter.code,
            unit=unit_code,
            role=spec.role,
            area=area,
            conditions=conditions,
            time_limit=spec.time_limit,
            legal_basis=tuple(spec.legal_basis),
            priority=spec.priority,
            review_by=spec.review_by,
            provenance=spec.provenance,
            note=spec.note,
            refer_to=refer_to,
            standard=spec.standard,
        )

    def _children_of(self, ref: _Reference) -> dict[str, list[str]]:
        key = (ref.catalogue.list_id, ref.catalogue.version)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = matter_children(ref.matters.values())
        return children

    def _leaves(self, matter: Matter, ref: _Reference) -> list[str]:
        """The leaf matters of ``matter`` if it is a group of the catalogue, else none: the
        check and the router see the leaf matters only, so a row on a group is refused unless
        it says it covers the whole group (then it is a row on each leaf)."""
        children = self._children_of(ref)
        return group_leaves(matter.code, children) if matter.code in children else []

    def _refer_to(
        self,
        spec: DutySpec,
        ref: _Reference,
        unit_code: str | None,
        locate: Locate,
        collector: Collector,
    ) -> str | None:
        """The code of the unit a ``not_responsible`` row hands the matter on to, if any."""
        if spec.refer_to is None:
            return None
        where = locate("refer_to")
        if spec.role is not Role.not_responsible:
            collector.add("duty.refer_to_role", role=spec.role.value, **where)
            return None
        if role_reference(spec.refer_to) is not None:
            collector.add("duty.refer_to_owner", name=spec.refer_to.strip(), **where)
            return None
        try:
            code = ref.unit_index.resolve(spec.refer_to, "ref.unknown_unit")
        except Unresolved as exc:
            collector.add(exc.key, **exc.params, **where)
            return None
        if code == unit_code:
            collector.add("duty.refer_to_self", unit=code, **where)
            return None
        return code

    def duties(
        self,
        specs: Sequence[tuple[DutySpec, Locate]],
        effective_from: dt.date | None,
        collector: Collector,
        where: dict[str, object],
    ) -> list[Duty]:
        """Validate a version's rows; duplicates (same content twice) are problems too."""
        catalogue = self.catalogue_for(effective_from)
        if catalogue is None:
            if not self.catalogue_versions:
                collector.add("ref.no_catalogue", **where)
            else:
                collector.add(
                    "ref.catalogue_not_in_force",
                    catalogue=self.catalogue_id,
                    date=effective_from,
                    **where,
                )
            return []
        ref = self.reference(catalogue, effective_from)
        duties: list[Duty] = []
        seen: dict[str, dict[str, object]] = {}
        standards: dict[tuple[str, str], tuple[CaseStandard, dict[str, object]]] = {}
        for spec, locate in specs:
            for duty in self.duty(spec, ref, locate, collector):
                self._add(duty, locate, collector, duties, seen, standards)
        return duties

    def _add(
        self,
        duty: Duty,
        locate: Locate,
        collector: Collector,
        duties: list[Duty],
        seen: dict[str, dict[str, object]],
        standards: dict[tuple[str, str], tuple[CaseStandard, dict[str, object]]],
    ) -> None:
        """``duty`` added to ``duties`` unless its standard is written another way or it
        repeats a row (problems, then)."""
        if duty.standard is not None:  # one standard, one filing and closing condition
            first = standards.setdefault(
                (duty.matter, duty.standard.code), (duty.standard, locate("standard"))
            )
            if first[0] != duty.standard:
                collector.add(
                    "duty.standard_differs",
                    matter=duty.matter,
                    standard=duty.standard.code,
                    other=_at(first[1]),
                    **locate("standard"),
                )
                return
        key = canonical_json(duty.content())
        if key in seen:
            collector.add(
                "ref.duplicate",
                what="duty",
                key=f"{duty.matter}/{duty.unit}/{duty.role.value}",
                other=_at(seen[key]),
                **locate(None),
            )
            return
        seen[key] = locate(None)
        duties.append(duty)


def _plan_list(
    f: ParsedFile,
    state: RegistryState,
    context: DutyContext,
    plan: ImportPlan,
    collector: Collector,
) -> None:
    model = f.model
    assert isinstance(model, ListFile)
    existing = state.lists.get(model.id)
    if existing is not None and existing.kind != model.kind:
        collector.add(
            "ref.kind_mismatch",
            list_id=model.id,
            existing=existing.kind,
            given=model.kind.value,
            **f.locate("kind"),
        )
        return
    issuer = _resolve_or_report(
        context.unit_index, model.issuer, "ref.unknown_unit", f.locate("issuer"), collector
    )
    scope = _resolve_or_report(
        context.area_index, model.scope, "ref.unknown_area", f.locate("scope"), collector
    )
    info = ListInfo(model.id, model.name, model.kind, issuer, scope)
    if existing != info:
        plan.lists.append(info)
        state.lists[info.id] = info
    if _duplicate_versions(f, collector):
        return
    versions = []
    invalid: set[int] = set()
    for i, spec in enumerate(model.versions):
        before = len(collector.problems)
        specs = [
            (
                duty,
                lambda name, i=i, j=j: f.locate(
                    "versions", i, "duties", j, *(name.split(".") if name else [])
                ),
            )
            for j, duty in enumerate(spec.duties)
        ]
        duties = context.duties(specs, spec.effective_from, collector, f.locate("versions", i))
        if len(collector.problems) > before:
            invalid.add(spec.version)
        meta = _version_meta(model.id, spec, (d.content() for d in duties), len(duties))
        versions.append(replace(meta, duties=tuple(duties)))
    _merge_versions(
        _file_versions_locator(f), info, versions, state, plan, collector, frozenset(invalid)
    )


def _resolve_or_report(
    index: NameIndex, text: str | None, key: str, where: dict[str, object], collector: Collector
) -> str | None:
    if text is None:
        return None
    try:
        return index.resolve(text, key)
    except Unresolved as exc:
        collector.add(exc.key, **exc.params, **where)
        return None


def duty_context(state: RegistryState) -> DutyContext:
    return DutyContext(state)


def rows_as_written(duties: Sequence[Duty], source: str) -> list[tuple[DutySpec, Locate]]:
    """Resolved rows as rows written with codes, each located as ``row N`` of ``source``, to be
    checked again (a draft being published, the versions an admission enacts)."""

    def at(row: int) -> Locate:
        return lambda name: {"source": source, "row": row, "field": name}

    return [(DutySpec.of(duty), at(row)) for row, duty in enumerate(duties, 1)]


def recheck(state: RegistryState, source: str, duties: Sequence[Duty], on: dt.date | None) -> None:
    """Raise :class:`InputError` unless ``duties`` (resolved rows) still name what exists and
    meet the catalogue in force on ``on``."""
    collector = Collector()
    duty_context(state).duties(rows_as_written(duties, source), on, collector, {"source": source})
    collector.raise_if_any()


def plan_version(
    list_id: str,
    specs: Sequence[tuple[DutySpec, Locate]],
    state: RegistryState,
    source: str,
    author: str | None,
    note: str | None,
    effective_from: dt.date | None = None,
    new_list: ListInfo | None = None,
) -> tuple[ImportPlan, RegistryState]:
    """A new version of ``list_id`` made of ``specs``: a draft (replacing the current draft),
    or, given ``effective_from``, a version published from that day (rows checked against the
    catalogue in force then). ``new_list`` (its issuer and scope as written: code, name or
    alias) creates the list first. Returns the plan and the state after it; ``state`` is left
    as it is."""
    state = state.copy()
    plan = ImportPlan(files=[source])
    if new_list is not None:
        _plan_new_list(new_list, state, plan)
    _plan_version(list_id, specs, state, plan, source, author, note, effective_from)
    return plan, state


def _plan_new_list(new: ListInfo, state: RegistryState, plan: ImportPlan) -> None:
    """The list ``new`` added to ``state`` and ``plan`` (refused if there is one of its id)."""
    if new.id in state.lists:
        raise InputError.one("ref.list_exists", list_id=new.id, kind=str(state.lists[new.id].kind))
    collector = Collector()
    context = duty_context(state)
    issuer = _resolve_or_report(
        context.unit_index, new.issuer, "ref.unknown_unit", {"field": "--issuer"}, collector
    )
    scope = _resolve_or_report(
        context.area_index, new.scope, "ref.unknown_area", {"field": "--scope"}, collector
    )
    collector.raise_if_any()
    info = replace(new, issuer=issuer, scope=scope)
    plan.lists.append(info)
    state.lists[info.id] = info


def plan_versions(
    versions: Sequence[tuple[str, Sequence[Duty]]],
    state: RegistryState,
    source: str,
    author: str | None,
    note: str | None,
    effective_from: dt.date,
    units: Sequence[Unit] = (),
) -> tuple[ImportPlan, RegistryState]:
    """New versions of several lists, published from ``effective_from``, made of resolved rows
    (checked again against the registry as it is), and ``units`` changed from the same day (a
    new version of the units): what an admission enacts."""
    state = state.copy()
    plan = ImportPlan(files=[source])
    collector = Collector()
    for list_id, duties in versions:
        located = rows_as_written(duties, f"{list_id} ({source})")
        _plan_version(list_id, located, state, plan, source, author, note, effective_from)
    if units:
        units_id = state.units_id
        info = state.lists.get(units_id or "")
        if info is None:
            raise InputError.one("ref.no_units", source=source)
        history = list(state.versions.get(info.id, []))
        current = dict(state.units_on(effective_from))
        merged = {**current, **{u.code: u for u in units}}
        rows = list(merged.values())
        spec = VersionMeta(
            version=max((v.version for v in history), default=0) + 1,
            status=VersionStatus.published,
            effective_from=effective_from,
            author=author,
            note=note,
        )
        meta = _version_meta(info.id, spec, (fields.content(u) for u in rows), len(rows))
        version = replace(meta, units=tuple(rows))
        plan.units.extend(u for u in rows if current.get(u.code) != u)
        _merge_versions(
            lambda _n, name=None: {"source": source, "field": name},
            info,
            [version],
            state,
            plan,
            collector,
        )
        collector.raise_if_any()
    return plan, state


def _plan_version(
    list_id: str,
    specs: Sequence[tuple[DutySpec, Locate]],
    state: RegistryState,
    plan: ImportPlan,
    source: str,
    author: str | None,
    note: str | None,
    effective_from: dt.date | None,
) -> None:
    collector = Collector()
    info = state.lists.get(list_id)
    if info is None or info.is_reference:
        known = ", ".join(sorted(i for i, v in state.lists.items() if not v.is_reference)) or "none"
        raise InputError.one("ref.unknown_list", list_id=list_id, known=known)
    duties = duty_context(state).duties(specs, effective_from, collector, {"source": source})
    collector.raise_if_any()
    history = state.versions.get(list_id, [])
    draft = effective_from is None
    number = (
        history[-1].version
        if draft and history and history[-1].status is VersionStatus.draft
        else len(history) + 1
    )
    spec = ListVersionSpec.model_construct(
        version=number,
        status=VersionStatus.draft if draft else VersionStatus.published,
        effective_from=effective_from,
        effective_to=None,
        author=author,
        note=note,
        duties=[],
    )
    meta = _version_meta(list_id, spec, (d.content() for d in duties), len(duties))
    _merge_versions(
        lambda _number, name=None: {"source": source, "field": name},
        info,
        [replace(meta, duties=tuple(duties))],
        state,
        plan,
        collector,
    )
    collector.raise_if_any()
