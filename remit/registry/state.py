"""What is in the registry as validation sees it, and the plan an import makes of changes to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from remit.deadlines import OfficialCalendar
from remit.registry.entities import (
    AREAS_KIND,
    CATALOGUE_KIND,
    UNITS_KIND,
    Area,
    ListInfo,
    ListVersion,
    Unit,
    VersionStatus,
)
from remit.registry.versions import in_force


@dataclass
class RegistryState:
    """What is in the registry at a revision, as far as validation needs it: its lists (the
    catalogue, the areas and the units among them) and their versions' metadata, with the rows
    of the reference versions (matters, areas, units). Planning an import returns the state the
    registry will be in once the plan is written; the state planned on is left as it was."""

    lists: dict[str, ListInfo] = field(default_factory=dict)
    versions: dict[str, list[ListVersion]] = field(default_factory=dict)
    """list id → its versions (metadata; reference versions carry their rows)."""
    revision: int = 0
    """The revision the state is the registry's at (0: nothing recorded yet)."""
    calendar: OfficialCalendar = field(default_factory=OfficialCalendar)
    """The calendar file's years (:mod:`remit.registry.calendar`) recorded up to ``revision``."""

    def copy(self) -> RegistryState:
        """A state to plan on: its own tables (the entities in them are immutable)."""
        return RegistryState(dict(self.lists), dict(self.versions), self.revision, self.calendar)

    def _id_of(self, kind: str) -> str | None:
        return next((i.id for i in self.lists.values() if i.kind == kind), None)

    @property
    def catalogue_id(self) -> str | None:
        return self._id_of(CATALOGUE_KIND)

    @property
    def areas_id(self) -> str | None:
        return self._id_of(AREAS_KIND)

    @property
    def units_id(self) -> str | None:
        return self._id_of(UNITS_KIND)

    def reference(self, kind: str, on: dt.date | None = None) -> ListVersion | None:
        """The version of the catalogue, the areas or the units in force on ``on``; without a
        date, the newest one not withdrawn (what drafts are checked against, and what names
        are shown by)."""
        list_id = self._id_of(kind)
        versions = self.versions.get(list_id or "", [])
        if on is not None:
            return in_force(versions, on)
        live = [v for v in versions if v.status is not VersionStatus.withdrawn]
        return live[-1] if live else None

    def areas_on(self, on: dt.date | None = None) -> dict[str, Area]:
        """The areas in force on ``on`` (without a date: the newest)."""
        version = self.reference(AREAS_KIND, on)
        return {a.code: a for a in version.areas} if version else {}

    def units_on(self, on: dt.date | None = None) -> dict[str, Unit]:
        """The units in force on ``on`` (without a date: the newest)."""
        version = self.reference(UNITS_KIND, on)
        return {u.code: u for u in version.units} if version else {}

    @property
    def areas(self) -> dict[str, Area]:
        """The newest areas: what names are shown by."""
        return self.areas_on()

    @property
    def units(self) -> dict[str, Unit]:
        """The newest units: what names are shown by."""
        return self.units_on()


VersionAction = Literal["create", "replace", "publish", "withdraw"]


@dataclass
class VersionChange:
    list_id: str
    action: VersionAction
    version: ListVersion
    content_changed: bool


@dataclass
class ImportPlan:
    files: list[str]
    areas: list[Area] = field(default_factory=list)
    """Areas added or changed (in the new versions of the areas)."""
    units: list[Unit] = field(default_factory=list)
    """Units added or changed (in the new versions of the units)."""
    lists: list[ListInfo] = field(default_factory=list)
    changes: list[VersionChange] = field(default_factory=list)
    unchanged: int = 0
    calendar: OfficialCalendar = field(default_factory=OfficialCalendar)
    """The calendar years added or changed (:mod:`remit.registry.calendar`)."""

    @property
    def empty(self) -> bool:
        return not (self.lists or self.changes or self.calendar)
