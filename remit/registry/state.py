"""What is in the registry as validation sees it, and the plan an import makes of changes to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from remit.registry.entities import Area, ListInfo, ListVersion, Unit


@dataclass
class RegistryState:
    """What is in the registry, as far as validation needs it: areas, units, lists and version
    metadata (catalogue versions with their matters). Planning an import returns the state the
    registry will be in once the plan is written; the state planned on is left as it was."""

    areas: dict[str, Area] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    lists: dict[str, ListInfo] = field(default_factory=dict)
    versions: dict[str, list[ListVersion]] = field(default_factory=dict)
    """list id → its versions (metadata; catalogue versions carry their matters)."""

    def copy(self) -> RegistryState:
        """A state to plan on: its own tables (the entities in them are immutable)."""
        return RegistryState(
            dict(self.areas), dict(self.units), dict(self.lists), dict(self.versions)
        )

    @property
    def catalogue_id(self) -> str | None:
        return next((i.id for i in self.lists.values() if i.is_catalogue), None)


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
    units: list[Unit] = field(default_factory=list)
    lists: list[ListInfo] = field(default_factory=list)
    changes: list[VersionChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.areas or self.units or self.lists or self.changes)
