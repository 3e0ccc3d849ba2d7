"""What approving a request would write: new versions of the lists it touches.

The receiving units get lead (or assist) rows in the street list, carrying the request's id as
provenance; the department's own lead rows for the matter are narrowed so that, in the
receiving streets, it supervises (or keeps leading, or drops out), and elsewhere leads as
before. The same plan gives the hypothetical snapshot the gates check — enactment on a copy —
and, on approval, the versions written to the registry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from remit.admission.request import AdmissionRequest, DepartmentAfter
from remit.conditions import Condition
from remit.conditions.regions import AttributeSpace, box_condition
from remit.i18n import Lang, t
from remit.registry.entities import (
    Duty,
    ListKind,
    ListVersion,
    Provenance,
    ProvenanceKind,
    Role,
    Unit,
    VersionStatus,
)
from remit.registry.snapshot import DutyInForce, Snapshot
from remit.registry.state import RegistryState
from remit.timelimit import TimeLimit


@dataclass(frozen=True)
class Resolved:
    """The request with codes instead of names and a canonical condition."""

    matter: str
    department: str
    units: tuple[str, ...]
    conditions: Condition
    time_limit: TimeLimit | None


@dataclass(frozen=True)
class PlannedVersion:
    """A new version of one list: all its rows, effective from the request's date."""

    list_id: str
    number: int
    based_on: int
    duties: tuple[Duty, ...]
    added: int
    changed: int


@dataclass
class Enactment:
    versions: list[PlannedVersion] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    """The receiving units with the staff, money and powers the request gives them (权随责走、
    费随事转): a new version of the units from the request's date."""
    problems: list[str] = field(default_factory=list)

    def summary(self) -> list[dict[str, object]]:
        return [
            {
                "list": v.list_id,
                "version": v.number,
                "based_on": v.based_on,
                "rows": len(v.duties),
                "added": v.added,
                "changed": v.changed,
            }
            for v in self.versions
        ]

    def snapshot(self, base: Snapshot) -> Snapshot:
        """``base`` with the planned versions in force instead of the ones they replace."""
        replaced = {v.list_id for v in self.versions}
        duties = [e for e in base.duties if e.list_id not in replaced]
        for v in self.versions:
            duties.extend(DutyInForce(v.list_id, v.number, i, d) for i, d in enumerate(v.duties, 1))
        digest = hashlib.sha256(
            repr(
                [base.hash, [(v.list_id, v.number, len(v.duties)) for v in self.versions]]
            ).encode()
        ).hexdigest()
        units = {**base.units, **{u.code: u for u in self.units}}
        return replace(
            base,
            hash=digest,
            units=units,
            duties=tuple(d for d in duties if d.duty.matter in base.matters),
        )


RowsOf = Callable[[str, int], Sequence[Duty]]
"""(list id, version) → the version's rows, in order."""


def plan(
    request: AdmissionRequest,
    resolved: Resolved,
    snapshot: Snapshot,
    state: RegistryState,
    rows_of: RowsOf,
    lang: Lang,
) -> Enactment:
    """The versions approval would write, or the problems that stop it."""
    result = Enactment()
    in_force = {e.info.id: e.version for e in snapshot.lists}
    target = _target_list(request, resolved, snapshot, lang, result)
    matter = snapshot.matters[resolved.matter]
    rows_of_matter = [e for e in snapshot.duties if e.duty.matter == resolved.matter]
    space = AttributeSpace(
        matter.attributes, [resolved.conditions, *(e.duty.conditions for e in rows_of_matter)]
    )
    wanted = space.mask(resolved.conditions)

    def covers(entry: DutyInForce, unit: str) -> bool:
        """Does the row lead the requested cells (some of them) in the unit's street?"""
        return (
            entry.duty.role is Role.lead
            and entry.duty.area in snapshot.ancestors(snapshot.units[unit].jurisdiction)
            and bool(space.mask(entry.duty.conditions) & wanted)
        )

    department_rows = [
        e
        for e in rows_of_matter
        if e.duty.unit == resolved.department and any(covers(e, u) for u in resolved.units)
    ]
    for unit in resolved.units:
        if not any(covers(e, unit) for e in department_rows):
            result.problems.append(
                t(
                    "admission.not_departments",
                    lang,
                    department=snapshot.units[resolved.department].name,
                    unit=snapshot.units[unit].name,
                )
            )
        if any(e.duty.unit == unit and covers(e, unit) for e in rows_of_matter):
            result.problems.append(
                t("admission.already_leads", lang, unit=snapshot.units[unit].name)
            )
    source = department_rows[0].list_id if department_rows else resolved.department
    new_rows = [
        Duty(
            matter=resolved.matter,
            unit=unit,
            role=Role(request.role),
            area=snapshot.units[unit].jurisdiction,
            conditions=resolved.conditions,
            time_limit=resolved.time_limit,
            legal_basis=tuple(request.legal_basis),
            provenance=Provenance(kind=ProvenanceKind.admission, source=source, record=request.id),
            note=t("admission.row_note", lang, id=request.id),
        )
        for unit in resolved.units
    ]
    touched: dict[str, tuple[list[Duty], int, int]] = {}
    if target is not None and _can_version(
        target, in_force, state, request.effective_from, lang, result
    ):
        base = list(rows_of(target, in_force[target].version))
        touched[target] = (base + new_rows, len(new_rows), 0)
    if request.department_after is not DepartmentAfter.keep:
        receiving_areas = {snapshot.units[u].jurisdiction for u in resolved.units}
        by_list: dict[str, list[DutyInForce]] = {}
        for entry in department_rows:
            by_list.setdefault(entry.list_id, []).append(entry)
        for list_id, entries in sorted(by_list.items()):
            if list_id not in touched:
                if not _can_version(list_id, in_force, state, request.effective_from, lang, result):
                    continue
                touched[list_id] = (list(rows_of(list_id, in_force[list_id].version)), 0, 0)
            rows, added, changed = touched[list_id]
            for entry in sorted(entries, key=lambda e: -e.seq):
                split = _split(
                    entry.duty, receiving_areas, snapshot, request.department_after, space, wanted
                )
                rows[entry.seq - 1 : entry.seq] = split
                changed += 1
            touched[list_id] = (rows, added, changed)
    for list_id, (rows, added, changed) in touched.items():
        result.versions.append(
            PlannedVersion(
                list_id=list_id,
                number=len(state.versions.get(list_id, [])) + 1,
                based_on=in_force[list_id].version,
                duties=tuple(rows),
                added=added,
                changed=changed,
            )
        )
    result.units = _resourced(request, resolved, snapshot, state, lang, result)
    return result


def _resourced(
    request: AdmissionRequest,
    resolved: Resolved,
    snapshot: Snapshot,
    state: RegistryState,
    lang: Lang,
    result: Enactment,
) -> list[Unit]:
    """The receiving units with what the request transfers to each: staff (whole members of
    staff, counted in capacity), money (budget a year) and powers. None when it transfers
    nothing, or when the units cannot take a new version on the request's date."""
    resources = request.resources
    staff = int(resources.staff or 0)
    money = resources.yearly_budget or 0.0
    if not (staff or money or resources.powers):
        return []
    history = state.versions.get(state.units_id or "", [])
    later = [
        v
        for v in history
        if v.status is VersionStatus.published
        and v.effective_from is not None
        and v.effective_from > request.effective_from
    ]
    if later:
        result.problems.append(
            t(
                "admission.later_version",
                lang,
                list=later[0].list_id,
                version=later[0].version,
                date=later[0].effective_from,
            )
        )
        return []
    units = []
    for code in resolved.units:
        unit = snapshot.units[code]
        units.append(
            replace(
                unit,
                capacity=(unit.capacity or 0) + staff,
                budget=(unit.budget or 0.0) + money if money else unit.budget,
                powers=tuple(sorted({*unit.powers, *resources.powers})),
            )
        )
    return units


def _target_list(
    request: AdmissionRequest,
    resolved: Resolved,
    snapshot: Snapshot,
    lang: Lang,
    result: Enactment,
) -> str | None:
    """The street list that gets the new rows: the one named, else the street basic list in
    force that already has rows of the receiving units (or covers their areas)."""
    lists = {e.info.id: e for e in snapshot.lists}
    if request.target_list is not None:
        if request.target_list not in lists:
            result.problems.append(
                t(
                    "admission.no_target",
                    lang,
                    list=request.target_list,
                    date=request.effective_from,
                )
            )
            return None
        return request.target_list
    basic = [e for e in snapshot.lists if e.info.kind == ListKind.street_basic]
    with_rows = sorted(
        {e.list_id for e in snapshot.duties if e.duty.unit in resolved.units}
        & {e.info.id for e in basic}
    )
    if len(with_rows) == 1:
        return with_rows[0]
    if len(basic) == 1 and not with_rows:
        return basic[0].info.id
    result.problems.append(
        t(
            "admission.pick_target",
            lang,
            candidates=", ".join(with_rows or [e.info.id for e in basic]) or "-",
        )
    )
    return None


def _can_version(
    list_id: str,
    in_force: dict[str, ListVersion],
    state: RegistryState,
    effective_from: dt.date,
    lang: Lang,
    result: Enactment,
) -> bool:
    """A new published version can follow only the last version, and only after it starts."""
    history = state.versions.get(list_id, [])
    if list_id not in in_force:
        result.problems.append(t("admission.not_in_force", lang, list=list_id, date=effective_from))
        return False
    last = history[-1]
    if last.status is VersionStatus.draft:
        result.problems.append(
            t("admission.pending_draft", lang, list=list_id, version=last.version)
        )
        return False
    later = [
        v
        for v in history
        if v.status is VersionStatus.published
        and v.effective_from
        and v.effective_from >= effective_from
    ]
    if later:
        result.problems.append(
            t(
                "admission.later_version",
                lang,
                list=list_id,
                version=later[0].version,
                date=later[0].effective_from,
            )
        )
        return False
    return True


def _split(
    duty: Duty,
    receiving: set[str],
    snapshot: Snapshot,
    after: DepartmentAfter,
    space: AttributeSpace,
    wanted: int,
) -> list[Duty]:
    """The department's row: as before outside the receiving areas; inside them, leading the
    cells the request leaves it and supervising (or gone from) the cells it hands over."""
    inside = sorted(a for a in receiving if duty.area in snapshot.ancestors(a))
    rows = [replace(duty, area=a) for a in cover_minus(snapshot, duty.area, set(inside))]
    mask = space.mask(duty.conditions)
    attributes = snapshot.matters[duty.matter].attributes
    kept = [box_condition(box, attributes) for box in space.boxes(mask & ~wanted)]
    handed = [box_condition(box, attributes) for box in space.boxes(mask & wanted)]
    for area in inside:
        rows.extend(replace(duty, area=area, conditions=c) for c in kept)
        if after is DepartmentAfter.supervise:
            rows.extend(
                replace(duty, role=Role.supervise, area=area, conditions=c, priority=0)
                for c in handed
            )
    return rows


def cover_minus(snapshot: Snapshot, top: str, removed: set[str]) -> list[str]:
    """The fewest areas that cover ``top`` and its descendants except the ``removed`` areas
    and theirs."""
    if top in removed:
        return []
    if not any(top in snapshot.ancestors(r) for r in removed):
        return [top]
    children = sorted(code for code, area in snapshot.areas.items() if area.parent == top)
    out: list[str] = []
    for child in children:
        out.extend(cover_minus(snapshot, child, removed))
    return out
