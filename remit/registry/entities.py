"""The registry's domain objects as the Python API hands them out: frozen and plain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from remit.conditions import AttributeDomain, Condition
from remit.hashing import canonical_json
from remit.legal import LegalBasis
from remit.timelimit import TimeLimit

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Level(StrEnum):
    """Administrative level of an area or a unit."""

    city = "city"
    district = "district"
    street = "street"  # 街道 / 镇
    community = "community"  # 居委 / 村委
    grid = "grid"  # 网格


class UnitKind(StrEnum):
    """条 / 块 and the others who handle events."""

    line = "line"  # 条: functional department
    block = "block"  # 块: territorial government (district, street office, town)
    platform = "platform"  # 城运中心 / dispatching platform
    owner = "owner"  # 权属单位: utility company, property manager
    community = "community"  # 居委 / 村委


class MatterKind(StrEnum):
    component = "component"  # 部件
    event = "event"  # 事件
    hotline = "hotline"  # 12345 热线分类


class HitPolicy(StrEnum):
    """What several matching lead duties mean (as in DMN decision tables)."""

    unique = "unique"  # two leads are a conflict
    priority = "priority"  # the higher priority wins; the other is masked
    collect = "collect"  # all match


class Estimate(_Strict):
    """What a matter costs a street in a year: the graph check's and the admission gate's
    workload figures come from here unless an event history is given."""

    yearly_volume: float = Field(ge=0, description="expected events a year in one street (街道)")
    hours_per_case: float | None = Field(
        None, gt=0, description="working hours one case takes; default: the check's setting"
    )


class VersionStatus(StrEnum):
    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


class Role(StrEnum):
    lead = "lead"  # 主办
    assist = "assist"  # 协办
    supervise = "supervise"  # 监管
    not_responsible = "not_responsible"  # 不负责


class ProvenanceKind(StrEnum):
    original = "original"  # written in the list
    devolved = "devolved"  # pushed down from a department
    admission = "admission"  # enacted by an admission record
    imported = "imported"  # read from a table


class Provenance(_Strict):
    kind: ProvenanceKind = ProvenanceKind.original
    source: str | None = Field(None, description="where it came from, e.g. a department list id")
    record: str | None = Field(None, description="id of the admission record, if any")


class ListKind(StrEnum):
    department = "department"  # 部门权责清单
    street_basic = "street_basic"  # 街镇基本履职事项
    street_assist = "street_assist"  # 街镇配合履职事项
    street_reclaimed = "street_reclaimed"  # 上级部门收回事项
    refusal = "refusal"  # 不予受理 / 不负责清单


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
