"""Snapshots: what is in force on a date, immutable, indexed and content-hashed.

Everything that decides (routing, checks, admission) reads one snapshot and stamps its output
with the snapshot's hash and date, so a decision can be reproduced later. The hash covers the
areas, the units, the catalogue version and every list version in force (by content hash); it
does not depend on the order in which anything was inserted, and two dates on which the same
versions are in force share it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from remit.deadlines import OfficialCalendar
from remit.hashing import canonical_json
from remit.registry.entities import (
    Area,
    CaseStandard,
    Duty,
    ListInfo,
    ListVersion,
    Matter,
    Role,
    Unit,
)
from remit.registry.fields import hash_row
from remit.registry.state import RegistryState
from remit.registry.versions import in_force


@dataclass(frozen=True, slots=True)
class DutyInForce:
    """A duty of a snapshot, with the list version it comes from."""

    list_id: str
    version: int
    seq: int
    duty: Duty


@dataclass(frozen=True, slots=True)
class StandardInForce:
    """A case standard (立案标准) of a matter in a snapshot: as the first row naming it writes
    it (a list's rows agree, :mod:`remit.registry.plan` checks), with every row in force that
    names it, in list and row order."""

    matter: str
    standard: CaseStandard
    duties: tuple[DutyInForce, ...]

    @property
    def code(self) -> str:
        return self.standard.code

    def units(self, role: Role = Role.lead) -> frozenset[str]:
        """The units (or role references) its rows name in ``role``."""
        return frozenset(e.duty.unit for e in self.duties if e.duty.role is role)


def standard_order(code: str) -> tuple[int, int, str]:
    """Standards in their natural order: 1, 2 … 10 before codes that are no number."""
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


@dataclass(frozen=True, slots=True)
class ListInForce:
    info: ListInfo
    version: ListVersion


def in_force_versions(
    state: RegistryState, as_of: dt.date
) -> tuple[ListInForce | None, list[ListInForce]]:
    """The catalogue version and the responsibility list versions in force on ``as_of`` (the
    areas and the units in force are :meth:`RegistryState.areas_on` and ``units_on``)."""
    catalogue: ListInForce | None = None
    lists: list[ListInForce] = []
    for list_id, versions in sorted(state.versions.items()):
        current = in_force(versions, as_of)
        if current is None:
            continue
        entry = ListInForce(state.lists[list_id], current)
        if entry.info.is_catalogue:
            catalogue = entry
        elif not entry.info.is_reference:
            lists.append(entry)
    return catalogue, lists


def snapshot_hash(
    areas: Mapping[str, Area],
    units: Mapping[str, Unit],
    catalogue: ListInForce | None,
    lists: list[ListInForce],
    calendar: OfficialCalendar | None = None,
) -> str:
    """SHA-256 over the canonical content of what is in force: the areas and the units in force
    row by row, the catalogue and the lists by their versions' content hashes, and the calendar
    file's years (by their hash; only when there are any, so that the hash of a registry
    without a calendar file is what it was)."""
    content: dict[str, object] = {
        "areas": sorted(hash_row(a) for a in areas.values()),
        "units": sorted(hash_row(u) for u in units.values()),
        "catalogue": [catalogue.info.id, catalogue.version.version, catalogue.version.content_hash]
        if catalogue
        else None,
        "lists": sorted(
            [e.info.id, str(e.info.kind), e.version.version, e.version.content_hash] for e in lists
        ),
    }
    if calendar:
        content["calendar"] = calendar.hash
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def state_hash(state: RegistryState, as_of: dt.date) -> str:
    """The hash of the snapshot on ``as_of`` without loading any duty."""
    catalogue, lists = in_force_versions(state, as_of)
    return snapshot_hash(
        state.areas_on(as_of), state.units_on(as_of), catalogue, lists, state.calendar
    )


@dataclass(frozen=True)
class Snapshot:
    """What is in force on ``as_of``. Build one with :meth:`remit.Registry.snapshot`."""

    as_of: dt.date
    hash: str
    areas: Mapping[str, Area]
    units: Mapping[str, Unit]
    catalogue: ListInForce | None
    matters: Mapping[str, Matter]
    lists: tuple[ListInForce, ...]
    duties: tuple[DutyInForce, ...]
    dangling: tuple[DutyInForce, ...] = ()
    """Duties whose matter is not in the catalogue version in force (left out of ``duties``)."""
    revision: int = 0
    """The registry revision the snapshot was known at: (as_of, revision) is what it is of."""
    calendar: OfficialCalendar = field(default_factory=OfficialCalendar)
    """The calendar file's years recorded at ``revision`` (counted in ``hash``): deadlines in
    the years the calendar package lacks are counted on them."""
    # built from the fields above; not copied by dataclasses.replace (a changed copy of a
    # snapshot builds its own, and never adds to the original's)
    _by_matter_area: dict[tuple[str, str], list[DutyInForce]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _ancestors: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _standards: dict[str, tuple[StandardInForce, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for entry in self.duties:
            self._by_matter_area.setdefault((entry.duty.matter, entry.duty.area), []).append(entry)
        for code in self.areas:
            self._ancestors[code] = self._chain(code)
        named: dict[str, dict[str, list[DutyInForce]]] = {}
        for entry in sorted(self.duties, key=lambda e: (e.list_id, e.seq)):
            if entry.duty.standard is not None:
                of_matter = named.setdefault(entry.duty.matter, {})
                of_matter.setdefault(entry.duty.standard.code, []).append(entry)
        for matter, by_code in named.items():
            self._standards[matter] = tuple(
                StandardInForce(matter, rows[0].duty.standard, tuple(rows))  # type: ignore[arg-type]
                for _, rows in sorted(by_code.items(), key=lambda item: standard_order(item[0]))
            )

    def _chain(self, code: str) -> tuple[str, ...]:
        chain = []
        current: str | None = code
        while current is not None and current in self.areas and current not in chain:
            chain.append(current)
            current = self.areas[current].parent
        return tuple(chain)

    def ancestors(self, area: str) -> tuple[str, ...]:
        """``area`` and the areas above it, nearest first."""
        return self._ancestors.get(area, (area,))

    def duties_for(self, matter: str, area: str) -> list[DutyInForce]:
        """Duties of ``matter`` whose scope covers ``area`` (the area itself or an ancestor)."""
        found: list[DutyInForce] = []
        for code in self.ancestors(area):
            found.extend(self._by_matter_area.get((matter, code), ()))
        return found

    def anchor(self, matter: str, area: str) -> str | None:
        """The nearest of ``area`` and the areas above it on which a duty of ``matter`` hangs
        (None: none covers it): ``duties_for(matter, area)`` is ``duties_for(matter,
        anchor)``, so what depends only on those duties can be kept per anchor, a bounded
        number, rather than per area."""
        for code in self.ancestors(area):
            if (matter, code) in self._by_matter_area:
                return code
        return None

    def standards(self, matter: str) -> tuple[StandardInForce, ...]:
        """The case standards (立案标准) of ``matter`` that rows in force name, in their
        natural order (none: the matter's rows apply to every event of it)."""
        return self._standards.get(matter, ())

    def summary(self) -> dict[str, Any]:
        """The snapshot as plain data: date, hash, what is in force and counts (and the
        calendar file's years and hash, once there is a calendar file)."""
        found = {
            "as_of": self.as_of.isoformat(),
            "hash": self.hash,
            "revision": self.revision,
            "catalogue": _entry(self.catalogue) if self.catalogue else None,
            "lists": [_entry(e) for e in self.lists],
            "counts": {
                "areas": len(self.areas),
                "units": len(self.units),
                "matters": len(self.matters),
                "lists": len(self.lists),
                "duties": len(self.duties),
                "dangling_duties": len(self.dangling),
            },
        }
        if self.calendar:
            found["calendar"] = {
                "years": [number for number, _ in self.calendar.years],
                "hash": self.calendar.hash,
            }
        return found


def _entry(e: ListInForce) -> dict[str, Any]:
    return {
        "id": e.info.id,
        "name": e.info.name,
        "kind": str(e.info.kind),
        "version": e.version.version,
        "effective_from": e.version.effective_from.isoformat()
        if e.version.effective_from
        else None,
        "content_hash": e.version.content_hash,
        "rows": e.version.row_count,
    }


@dataclass(frozen=True)
class SnapshotChange:
    """Dates whose snapshot a change alters: from ``first`` to ``last`` (None: onwards), the
    hash before and after."""

    first: dt.date
    last: dt.date | None
    before: str
    after: str
