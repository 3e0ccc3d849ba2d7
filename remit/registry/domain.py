"""The registry's domain objects as the Python API hands them out: frozen and plain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from remit.conditions import AttributeDomain, Condition
from remit.legal import LegalBasis
from remit.registry.files import (
    Estimate,
    HitPolicy,
    Level,
    ListKind,
    MatterKind,
    Provenance,
    Role,
    UnitKind,
    VersionStatus,
)
from remit.registry.hashing import canonical_json
from remit.timelimit import TimeLimit

CATALOGUE_KIND = "catalogue"
OWNER_UNIT = "@owner"
"""The unit of a duty row that says "the owner (权属单位) named on the event"."""
OWNER_SPELLINGS = frozenset({OWNER_UNIT, "权属单位"})


def utcnow() -> dt.datetime:
    """Now, in UTC, to the second (the registry stores aware UTC times)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as aware UTC (SQLite hands times back without their zone)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    level: Level
    parent: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    kind: UnitKind
    level: Level
    jurisdiction: str
    parent: str | None = None
    capacity: int | None = None
    aliases: tuple[str, ...] = ()
    powers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Matter:
    code: str
    name: str
    kind: MatterKind
    parent: str | None = None
    attributes: dict[str, AttributeDomain] = field(default_factory=dict, hash=False)
    hit_policy: HitPolicy = HitPolicy.unique
    default_time_limit: TimeLimit | None = None
    aliases: tuple[str, ...] = ()
    description: str | None = None
    estimate: Estimate | None = None
    requires_powers: tuple[str, ...] = ()

    def content(self) -> dict[str, Any]:
        """The matter as plain JSON-able data, the form that is hashed and exported."""
        data: dict[str, Any] = {"code": self.code, "name": self.name, "kind": self.kind.value}
        if self.aliases:
            data["aliases"] = list(self.aliases)
        if self.parent:
            data["parent"] = self.parent
        if self.attributes:
            data["attributes"] = {
                name: domain.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
                for name, domain in self.attributes.items()
            }
        data["hit_policy"] = self.hit_policy.value
        if self.default_time_limit is not None:
            data["default_time_limit"] = self.default_time_limit.text
        if self.requires_powers:
            data["requires_powers"] = list(self.requires_powers)
        if self.estimate is not None:
            data["estimate"] = self.estimate.model_dump(mode="json", exclude_none=True)
        if self.description:
            data["description"] = self.description
        return data


@dataclass(frozen=True, slots=True)
class Duty:
    """One row of a list version. ``area`` scopes it to that area and all its descendants."""

    matter: str
    unit: str
    role: Role
    area: str
    conditions: Condition = field(default_factory=dict, hash=False)
    time_limit: TimeLimit | None = None
    legal_basis: tuple[LegalBasis, ...] = ()
    priority: int = 0
    review_by: dt.date | None = None
    provenance: Provenance | None = None
    note: str | None = None
    refer_to: str | None = None
    """On a ``not_responsible`` row: the code of the unit the matter is handed on to."""

    def content(self) -> dict[str, Any]:
        """The duty as plain JSON-able data, the form that is hashed and exported."""
        data: dict[str, Any] = {
            "matter": self.matter,
            "unit": self.unit,
            "role": self.role.value,
        }
        if self.refer_to is not None:
            data["refer_to"] = self.refer_to
        data["area"] = self.area
        if self.conditions:
            data["when"] = self.conditions
        if self.time_limit is not None:
            data["time_limit"] = self.time_limit.text
        if self.legal_basis:
            data["legal_basis"] = [
                b.model_dump(mode="json", exclude_none=True) for b in self.legal_basis
            ]
        if self.priority:
            data["priority"] = self.priority
        if self.review_by is not None:
            data["review_by"] = self.review_by.isoformat()
        if self.provenance is not None:
            data["provenance"] = self.provenance.model_dump(mode="json", exclude_none=True)
        if self.note:
            data["note"] = self.note
        return data

    def key(self) -> tuple[str, str, str, str]:
        """What identifies 'the same duty' across versions: matter, unit, area, conditions."""
        return (self.matter, self.unit, self.area, canonical_json(self.conditions))


@dataclass(frozen=True, slots=True)
class ListInfo:
    id: str
    name: str
    kind: ListKind | str  # a ListKind, or "catalogue"
    issuer: str | None = None
    scope: str | None = None

    @property
    def is_catalogue(self) -> bool:
        return self.kind == CATALOGUE_KIND


@dataclass(frozen=True, slots=True)
class ListVersion:
    """A version of a list (or of the catalogue): its metadata and, when loaded, its rows."""

    list_id: str
    version: int
    status: VersionStatus
    effective_from: dt.date | None
    effective_to: dt.date | None
    author: str | None
    note: str | None
    content_hash: str
    parent_hash: str | None
    row_count: int
    created_at: dt.datetime
    published_at: dt.datetime | None = None
    published_by: str | None = None
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None
    duties: tuple[Duty, ...] = ()
    matters: tuple[Matter, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    list_id: str | None
    version: int | None
    note: str | None
    snapshot_hash: str | None
    details: dict[str, Any] = field(default_factory=dict, hash=False)
