"""Pydantic models of every registry file format (YAML is canonical; see `remit schema`).

Each YAML file says what it is in its first key, ``file:`` — ``areas``, ``units``, ``catalogue``,
``list`` or ``mapping`` — so a directory tree can be laid out freely.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from remit.conditions import AttributeDomain
from remit.errors import MessageError
from remit.legal import LegalBasis
from remit.registry.entities import (
    Code,
    Estimate,
    HitPolicy,
    Level,
    ListKind,
    MatterKind,
    Provenance,
    Role,
    UnitKind,
    VersionStatus,
    _Strict,
)
from remit.timelimit import TimeLimit


class AreaSpec(_Strict):
    """An area: administrative division code (12 digits; grids longer), name, level, parent."""

    code: Code
    name: str = Field(min_length=1)
    level: Level
    parent: Code | None = Field(None, description="code of the parent area; none for the root")
    aliases: list[str] = Field(default_factory=list)


class AreasFile(_Strict):
    file: Literal["areas"]
    areas: list[AreaSpec] = Field(min_length=1)


class UnitSpec(_Strict):
    """A unit that can be accountable for events."""

    code: Code
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list, description="other spellings of the name")
    kind: UnitKind
    level: Level
    jurisdiction: str = Field(min_length=1, description="the area the unit serves (code or name)")
    parent: Code | None = Field(None, description="code of the unit above it")
    capacity: int | None = Field(None, ge=0, description="staff available for events")
    powers: list[str] = Field(
        default_factory=list,
        description="powers held, e.g. administrative_enforcement, administrative_licensing",
    )


class UnitsFile(_Strict):
    file: Literal["units"]
    units: list[UnitSpec] = Field(min_length=1)


class MatterSpec(_Strict):
    """A matter (事项) of the catalogue."""

    code: Code
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    parent: Code | None = None
    kind: MatterKind
    attributes: dict[str, AttributeDomain] = Field(
        default_factory=dict, description="the attributes an event of this matter may carry"
    )
    hit_policy: HitPolicy = HitPolicy.unique
    default_time_limit: TimeLimit | None = None
    estimate: Estimate | None = Field(None, description="expected yearly volume and effort")
    requires_powers: list[str] = Field(
        default_factory=list,
        description="powers a unit needs to lead it, e.g. administrative_enforcement",
    )
    description: str | None = None


class VersionMeta(_Strict):
    version: int = Field(ge=1)
    status: VersionStatus = VersionStatus.draft
    effective_from: dt.date | None = None
    effective_to: dt.date | None = Field(None, description="last day in force, if it ends")
    author: str | None = None
    note: str | None = None


class CatalogueVersionSpec(VersionMeta):
    matters: list[MatterSpec] = Field(min_length=1)


class CatalogueFile(_Strict):
    """The matter catalogue, versioned like a list: code systems differ between cities."""

    file: Literal["catalogue"]
    id: Code
    name: str = Field(min_length=1)
    versions: list[CatalogueVersionSpec] = Field(min_length=1)


class DutySpec(_Strict):
    """One row of a responsibility list."""

    matter: str = Field(min_length=1, description="matter code or name")
    unit: str = Field(min_length=1, description="unit code, name or alias")
    role: Role = Role.lead
    refer_to: str | None = Field(
        None,
        description="on a not_responsible row: the unit the matter is handed on to "
        "(code, name or alias)",
    )
    area: str | None = Field(
        None, description="area scope (code or name); default: the unit's jurisdiction"
    )
    when: dict[str, Any] | None = Field(None, description="conditions on event attributes")
    time_limit: TimeLimit | None = None
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    priority: int = 0
    review_by: dt.date | None = None
    provenance: Provenance | None = None
    note: str | None = None

    @field_validator("legal_basis", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | dict) else value


class ListVersionSpec(VersionMeta):
    duties: list[DutySpec] = Field(min_length=1)


class ListFile(_Strict):
    """A responsibility list with all its versions."""

    file: Literal["list"]
    id: Code
    name: str = Field(min_length=1)
    kind: ListKind
    issuer: str | None = Field(None, description="unit that issued the list")
    scope: str | None = Field(None, description="area the list covers")
    versions: list[ListVersionSpec] = Field(min_length=1)


TABLE_FIELDS = (
    "matter",
    "matter_name",
    "unit",
    "role",
    "lead",
    "assist",
    "supervise",
    "not_responsible",
    "area",
    "condition",
    "time_limit",
    "legal_basis",
    "priority",
    "review_by",
    "note",
    "refer_to",
)

DEFAULT_ROLE_VALUES: dict[str, Role] = {
    "lead": Role.lead,
    "主办": Role.lead,
    "牵头": Role.lead,
    "负责": Role.lead,
    "主责": Role.lead,
    "assist": Role.assist,
    "协办": Role.assist,
    "配合": Role.assist,
    "supervise": Role.supervise,
    "监管": Role.supervise,
    "监督": Role.supervise,
    "not_responsible": Role.not_responsible,
    "不负责": Role.not_responsible,
    "非本单位职责": Role.not_responsible,
}


class MappingFile(_Strict):
    """How the columns of a CSV or XLSX table map onto duty fields.

    Give ``matter`` (code) or ``matter_name``; give ``unit`` (with ``role`` or a default role)
    and/or the role columns ``lead`` / ``assist`` / ``supervise`` / ``not_responsible`` whose
    cells name units. A cell naming several units ("、", "，", "；", "/") makes several duties.
    """

    file: Literal["mapping"]
    sheet: str | None = Field(None, description="XLSX sheet name; default: the first sheet")
    header_row: int = Field(1, ge=1, description="row number of the header (1 = first row)")
    encoding: Literal["auto", "utf-8", "utf-8-sig", "gb18030", "gbk"] = "auto"
    columns: dict[str, str] = Field(description="duty field → column header")
    role_values: dict[str, Role] = Field(
        default_factory=dict,
        description="cell text → role, added to the built-in 主办/协办/… table",
    )
    defaults: dict[str, str] = Field(
        default_factory=dict, description="duty field → value when the column is absent or blank"
    )
    unit_separators: list[str] = Field(default_factory=lambda: ["、", "，", "；", "/", ",", ";"])

    @model_validator(mode="after")
    def _check_columns(self) -> MappingFile:
        unknown = sorted(set(self.columns) - set(TABLE_FIELDS))
        if unknown:
            raise MessageError(
                "mapping.unknown_columns", fields=unknown, expected=list(TABLE_FIELDS)
            )
        unknown = sorted(set(self.defaults) - set(TABLE_FIELDS))
        if unknown:
            raise MessageError(
                "mapping.unknown_defaults", fields=unknown, expected=list(TABLE_FIELDS)
            )
        if not ({"matter", "matter_name"} & set(self.columns)):
            raise MessageError("mapping.no_matter_column")
        unit_columns = {"unit", "lead", "assist", "supervise", "not_responsible"}
        if not (unit_columns & set(self.columns)):
            raise MessageError("mapping.no_unit_column")
        return self


FILE_MODELS: dict[str, type[BaseModel]] = {
    "areas": AreasFile,
    "units": UnitsFile,
    "catalogue": CatalogueFile,
    "list": ListFile,
    "mapping": MappingFile,
}
