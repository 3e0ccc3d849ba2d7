"""The registry's entities, each defined once, here: areas, units, matters, duties, lists, list
versions, audit entries and admission records, with the enums that type them.

An entity is a frozen dataclass. Everything else about it is derived from its field list by
:mod:`remit.registry.fields`: its content (what is hashed and exported), its part of the
snapshot hash, its table (:mod:`remit.registry.models`) and how rows map to it
(:mod:`remit.registry.store`). Areas, units and matters are also the schema of their files:
pydantic validates a file's entry straight into the dataclass, so their constraints and
descriptions are in the annotations.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import Field

from remit.conditions import AttributeDomain, Condition
from remit.files.text import ONE_LINE, Line, Text
from remit.hashing import canonical_json
from remit.legal import LegalBasis
from remit.model import CONFIG, Int, Model, NonNegative, Positive
from remit.registry import fields as entity_fields
from remit.registry.geometry import Geometry
from remit.timelimit import TimeLimit

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$")]


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
    joint = "joint"  # joint handling: the first lead leads (牵头), the other leads assist (协办)


class Estimate(Model):
    """What a matter costs a street in a year: the graph check's and the admission gate's
    workload figures come from here unless an event history is given."""

    yearly_volume: NonNegative = Field(description="expected events a year in one street (街道)")
    hours_per_case: Positive | None = Field(
        None, description="working hours one case takes; default: the check's setting"
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


class Provenance(Model):
    kind: ProvenanceKind = ProvenanceKind.original
    source: Line | None = Field(None, description="where it came from, e.g. a department list id")
    record: Line | None = Field(None, description="id of the admission record, if any")


class ListKind(StrEnum):
    department = "department"  # 部门权责清单
    street_basic = "street_basic"  # 街镇基本履职事项
    street_assist = "street_assist"  # 街镇配合履职事项
    street_reclaimed = "street_reclaimed"  # 上级部门收回事项
    refusal = "refusal"  # 不予受理 / 不负责清单


CATALOGUE_KIND = "catalogue"
AREAS_KIND = "areas"
UNITS_KIND = "units"
REFERENCE_KINDS = frozenset({CATALOGUE_KIND, AREAS_KIND, UNITS_KIND})
"""The kinds of the registry's versioned reference data: one list of each in a registry."""
DEFAULT_IDS = {AREAS_KIND: "AREAS", UNITS_KIND: "UNITS"}
"""The list ids of the areas and the units when their files name none."""
SINCE = "since"
"""Field metadata: a field added after schema 3 that counts in a snapshot hash only when it
holds a value, so that the hashes of registries that never set it stay what they were."""
OWNER_UNIT = "@owner"
"""The unit of a duty row that says "the owner (权属单位) named on the event"."""
TERRITORIAL_UNIT = "@territorial"
"""The unit of a duty row that says "the street office (街道办事处 / 镇政府) of the event's
street"; ``@territorial:<function>`` says "the unit of that function in the event's street"
(a unit declares its function in :attr:`Unit.function`)."""
ENFORCEMENT = "enforcement"
"""The function of a street's law-enforcement team (执法中队)."""
HOUSING = "housing"
"""The function of a street's housing office (房管办)."""
ROLE_SPELLINGS: dict[str, str] = {
    OWNER_UNIT: OWNER_UNIT,
    "权属单位": OWNER_UNIT,
    "各产权单位": OWNER_UNIT,
    "产权单位": OWNER_UNIT,
    TERRITORIAL_UNIT: TERRITORIAL_UNIT,
    "属地街道": TERRITORIAL_UNIT,
    "所属街办": TERRITORIAL_UNIT,
    "各街道办事处": TERRITORIAL_UNIT,
    "属地街镇": TERRITORIAL_UNIT,
    "属地执法中队": f"{TERRITORIAL_UNIT}:{ENFORCEMENT}",
    "属地行政执法部门": f"{TERRITORIAL_UNIT}:{ENFORCEMENT}",
    "属地执法部门": f"{TERRITORIAL_UNIT}:{ENFORCEMENT}",
    "属地房管办": f"{TERRITORIAL_UNIT}:{HOUSING}",
}
"""The one definition of how a table or a file may write a role reference (a placeholder
resolved per event, not a unit): spelling → the reference. ``@territorial:<function>`` is
also read as written, for any function."""
OWNER_SPELLINGS = frozenset(s for s, ref in ROLE_SPELLINGS.items() if ref == OWNER_UNIT)
_FUNCTION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


def role_reference(text: str) -> str | None:
    """The role reference ``text`` spells (``@owner``, ``@territorial``,
    ``@territorial:<function>``), or None when it names no role (a unit, presumably)."""
    text = text.strip()
    found = ROLE_SPELLINGS.get(text)
    if found is not None:
        return found
    head, sep, function = text.partition(":")
    if head == TERRITORIAL_UNIT and sep and _FUNCTION.match(function):
        return text
    return None


def reference_label(reference: str) -> str:
    """How tables write a role reference: its first spelling in :data:`ROLE_SPELLINGS` that is
    not the reference itself (权属单位, 属地街道, 属地执法中队), else the reference."""
    return next((s for s, r in ROLE_SPELLINGS.items() if r == reference and s != r), reference)


def is_reference(unit: str) -> bool:
    """Whether a duty's ``unit`` is a role reference rather than a unit's code."""
    return unit.startswith("@")


def territorial_function(unit: str) -> str | None:
    """For a territorial reference, the function it asks for ("" for the street office
    itself); None for anything else."""
    if unit == TERRITORIAL_UNIT:
        return ""
    head, sep, function = unit.partition(":")
    return function if head == TERRITORIAL_UNIT and sep else None


def utcnow() -> dt.datetime:
    """Now, in UTC, to the second (the registry stores aware UTC times)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


Name = Annotated[str, Field(min_length=1), ONE_LINE]
Aliases = Annotated[tuple[Line, ...], Field(description="other spellings of the name")]
Codes = tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Area:
    """An area: administrative division code (12 digits; grids longer), name, level, parent."""

    __pydantic_config__ = CONFIG  # as every model's

    code: Code
    name: Name
    level: Level
    parent: Annotated[
        Code | None, Field(description="code of the parent area; none for the root")
    ] = None
    aliases: Aliases = ()
    replaces: Annotated[
        Codes,
        Field(
            description="codes of the areas this one takes the place of from its version's date "
            "(a merger: several codes; a split: the same code in each part)"
        ),
    ] = field(default=(), metadata={SINCE: 4})
    geometry: Annotated[
        Geometry | None,
        Field(
            description="the area's shape: a GeoJSON Polygon or MultiPolygon, positions "
            "[longitude, latitude] in WGS 84 (what `remit route --at` and an event's location "
            "are found in)"
        ),
    ] = field(default=None, metadata={SINCE: 7})
    addresses: Annotated[
        tuple[Line, ...],
        Field(
            description="address aliases: roads, compounds (小区) and places in the area, e.g. "
            "瑞金二路, 某某小区 (what an event's address is found by)"
        ),
    ] = field(default=(), metadata={SINCE: 7})


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit that can be accountable for events."""

    __pydantic_config__ = CONFIG  # as every model's

    code: Code
    name: Name
    kind: UnitKind
    level: Level
    jurisdiction: Annotated[
        str,
        Field(
            min_length=1,
            description="the area the unit serves (code; in a file, a code or name)",
        ),
        ONE_LINE,
    ]
    parent: Annotated[Code | None, Field(description="code of the unit above it")] = None
    capacity: Annotated[Int | None, Field(ge=0, description="staff available for events")] = None
    aliases: Aliases = ()
    powers: Annotated[
        Codes,
        Field(description="powers held, e.g. administrative_enforcement, administrative_licensing"),
    ] = ()
    budget: Annotated[float | None, Field(ge=0, description="yuan a year available for events")] = (
        field(default=None, metadata={SINCE: 4})
    )
    replaces: Annotated[
        Codes,
        Field(description="codes of the units this one takes the place of (a merger)"),
    ] = field(default=(), metadata={SINCE: 4})
    function: Annotated[
        Code | None,
        Field(
            description="for a unit serving one street: what kind of territorial unit it is, "
            "which `@territorial:<function>` rows name, e.g. enforcement (执法中队), housing "
            "(房管办)"
        ),
    ] = field(default=None, metadata={SINCE: 5})


@dataclass(frozen=True, slots=True)
class Matter:
    """A matter (事项) of the catalogue."""

    __pydantic_config__ = CONFIG  # as every model's

    code: Code
    name: Name
    kind: MatterKind
    aliases: Aliases = ()
    parent: Code | None = None
    attributes: Annotated[
        dict[str, AttributeDomain],
        Field(description="the attributes an event of this matter may carry"),
    ] = field(default_factory=dict, hash=False)
    hit_policy: HitPolicy = HitPolicy.unique
    default_time_limit: TimeLimit | None = None
    requires_powers: Annotated[
        Codes,
        Field(description="powers a unit needs to lead it, e.g. administrative_enforcement"),
    ] = ()
    estimate: Annotated[Estimate | None, Field(description="expected yearly volume and effort")] = (
        None
    )
    description: Text | None = None

    def content(self) -> dict[str, Any]:
        """The matter as plain JSON-able data, the form that is hashed and exported."""
        return entity_fields.content(self)


class CaseStandard(Model):
    """A case standard (立案标准) of a matter: one of the filing conditions a city's
    立案/处置/结案 standard lists under a matter, each with its own time limit, closing condition
    and, in a 处置责任分解表, its own units. A duty row naming it applies to the events filed under
    it; its time limit is the row's. The standards of a matter in a snapshot are gathered from
    the rows that name them (:meth:`remit.registry.snapshot.Snapshot.standards`)."""

    code: Annotated[str, Field(min_length=1, max_length=64), ONE_LINE] = Field(
        description="the standard's code or number within its matter (1, 2 … or 010101-1)"
    )
    filing: Text | None = Field(
        None, description="the filing condition (立案条件) as written: free text, not a condition"
    )
    closing: Text | None = Field(None, description="the closing condition (结案条件) as written")


@dataclass(frozen=True, slots=True)
class Duty:
    """One row of a list version. ``area`` scopes it to that area and all its descendants."""

    matter: str
    unit: str
    role: Role
    refer_to: str | None = field(default=None, kw_only=True)
    """On a ``not_responsible`` row: the code of the unit the matter is handed on to."""
    area: str
    conditions: Condition = field(default_factory=dict, hash=False, metadata={"key": "when"})
    time_limit: TimeLimit | None = None
    legal_basis: tuple[LegalBasis, ...] = ()
    priority: int = field(default=0, metadata={"omit_default": True})
    review_by: dt.date | None = None
    provenance: Provenance | None = None
    note: str | None = None
    standard: CaseStandard | None = None
    """The case standard (立案标准) the row applies to; none: every event of the matter."""

    def content(self) -> dict[str, Any]:
        """The duty as plain JSON-able data, the form that is hashed and exported."""
        return entity_fields.content(self)

    def key(self) -> tuple[str, str, str, str]:
        """What identifies 'the same duty' across versions: matter, unit, area, conditions (and
        the case standard, for a row that names one)."""
        conditions = canonical_json(self.conditions)
        if self.standard is not None:
            conditions += f"#{self.standard.code}"
        return (self.matter, self.unit, self.area, conditions)


@dataclass(frozen=True, slots=True)
class ListInfo:
    """A responsibility list, or the matter catalogue (kind ``catalogue``)."""

    id: str
    name: str
    kind: ListKind | str  # a ListKind, or "catalogue"
    issuer: str | None = None
    scope: str | None = None

    @property
    def is_catalogue(self) -> bool:
        return self.kind == CATALOGUE_KIND

    @property
    def is_reference(self) -> bool:
        """The catalogue, the areas or the units (not a responsibility list)."""
        return self.kind in REFERENCE_KINDS


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
    revision: int = 0
    """The registry revision that recorded the version as it is here."""
    duties: tuple[Duty, ...] = field(default=(), metadata={"stored": False})
    matters: tuple[Matter, ...] = field(default=(), metadata={"stored": False})
    areas: tuple[Area, ...] = field(default=(), metadata={"stored": False})
    units: tuple[Unit, ...] = field(default=(), metadata={"stored": False})

    @property
    def label(self) -> str:
        """How people cite the version: ``HP-JZ-JB v2``."""
        return f"{self.list_id} v{self.version}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the audit log: who did what to which list version, when and why."""

    at: dt.datetime
    actor: str
    action: str
    list_id: str | None
    version: int | None
    note: str | None
    snapshot_hash: str | None
    details: dict[str, Any] = field(default_factory=dict, hash=False)
    revision: int = 0
    """The registry revision the entry was written in."""
    previous_hash: str = ""
    """The hash of the entry before it in the log ("" for the first): the log is a chain."""
    entry_hash: str = ""
    """The hash of this entry's fields and ``previous_hash``."""


Request = TypeVar("Request")
Report = TypeVar("Report")


@dataclass(frozen=True)  # no slots: a generic alias sets __orig_class__ on what it builds
class AdmissionRecord(Generic[Request, Report]):
    """A request to devolve a matter to streets (事项准入), the gates' report on it, and its
    decision. The registry keeps the request and the report as plain data
    (``AdmissionRecord[dict, dict]``); the admission package reads them back as its own types
    (``AdmissionRecord[AdmissionRequest, AdmissionReport]``)."""

    id: str
    matter: str
    department: str
    status: str
    """submitted | approved | rejected"""
    request: Request = field(hash=False)
    report: Report = field(hash=False)
    snapshot_hash: str
    submitted_by: str
    submitted_at: dt.datetime
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_note: str | None = None
    enacted: list[Any] = field(default_factory=list, hash=False)


@dataclass(frozen=True, slots=True)
class Revision:
    """One change of the registry: the number revisions count by, when it was recorded, who
    made it and why. Nothing recorded is changed later; the registry as it stood at a revision
    is what had been recorded up to it."""

    number: int
    recorded_at: dt.datetime
    author: str
    action: str
    note: str | None = None
