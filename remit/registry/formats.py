"""Pydantic models of every registry file format (YAML is canonical; see `remit schema`).

Areas, units and matters are written in files as the entities are defined
(:mod:`remit.registry.entities`); a list's rows (:class:`DutySpec`) are written as people write
them — names for codes, a text for a legal basis, conditions before they are checked — and
become :class:`~remit.registry.entities.Duty` entities once resolved.

Each YAML file says what it is in its first key, ``file:`` — ``areas``, ``units``, ``catalogue``,
``list`` or ``mapping`` (or ``calendar``, read by :mod:`remit.registry.calendar`) — so a
directory tree can be laid out freely.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from remit.errors import MessageError
from remit.files.text import Line, Text
from remit.legal import LegalBasis, one_or_many
from remit.model import Int, Model
from remit.registry.entities import (
    Area,
    CaseStandard,
    Code,
    Duty,
    ListKind,
    Matter,
    Provenance,
    Role,
    Unit,
    VersionStatus,
)
from remit.timelimit import TimeLimit


class VersionMeta(Model):
    version: Annotated[Int, Field(ge=1)]
    status: VersionStatus = VersionStatus.draft
    effective_from: dt.date | None = None
    effective_to: dt.date | None = Field(None, description="last day in force, if it ends")
    author: Line | None = None
    note: Text | None = None


class AreasVersionSpec(VersionMeta):
    areas: list[Area] = Field(min_length=1)


class UnitsVersionSpec(VersionMeta):
    units: list[Unit] = Field(min_length=1)


class _ReferenceFile(Model):
    """Areas or units: either the entries themselves (``areas:``/``units:``, the form of a
    registry's first import: they add to or change the ones in force, on a date once there are
    any — ``import --effective-from``), or versions, each the whole set from its date, like a
    list's (``versions:``; the first version may have no date: in force from the beginning)."""

    id: Code | None = Field(None, description="the list id (default AREAS, UNITS)")
    name: Line | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> _ReferenceFile:
        entries, versions = getattr(self, self._entries), getattr(self, "versions")  # noqa: B009
        if (entries is None) == (versions is None):
            raise MessageError("schema.reference_form", entries=self._entries)
        return self

    _entries: ClassVar[str]


class AreasFile(_ReferenceFile):
    _entries: ClassVar[str] = "areas"
    file: Literal["areas"]
    areas: list[Area] | None = Field(None, min_length=1)
    versions: list[AreasVersionSpec] | None = Field(None, min_length=1)


class UnitsFile(_ReferenceFile):
    _entries: ClassVar[str] = "units"
    file: Literal["units"]
    units: list[Unit] | None = Field(None, min_length=1)
    versions: list[UnitsVersionSpec] | None = Field(None, min_length=1)


class CatalogueVersionSpec(VersionMeta):
    matters: list[Matter] = Field(min_length=1)


class CatalogueFile(Model):
    """The matter catalogue, versioned like a list: code systems differ between cities."""

    file: Literal["catalogue"]
    id: Code
    name: Line = Field(min_length=1)
    versions: list[CatalogueVersionSpec] = Field(min_length=1)


class DutySpec(Model):
    """One row of a responsibility list."""

    matter: Line = Field(min_length=1, description="matter code or name")
    whole_group: bool = Field(
        False,
        description="the matter is a group and the row covers all of it, explicitly: it "
        "applies to each leaf matter of the group (stored as one row per leaf, so routing and "
        "the check see it alike); a row on a group without it is refused",
    )
    unit: Line = Field(min_length=1, description="unit code, name or alias")
    role: Role = Role.lead
    refer_to: Line | None = Field(
        None,
        description="on a not_responsible row: the unit the matter is handed on to "
        "(code, name or alias)",
    )
    area: Line | None = Field(
        None, description="area scope (code or name); default: the unit's jurisdiction"
    )
    when: dict[str, Any] | None = Field(None, description="conditions on event attributes")
    time_limit: TimeLimit | None = None
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    priority: Int = 0
    review_by: dt.date | None = None
    provenance: Provenance | None = None
    note: Text | None = None
    standard: CaseStandard | None = Field(
        None,
        description="the case standard (立案标准) the row applies to: {code, filing, closing}, "
        "or its code alone",
    )

    @field_validator("standard", mode="before")
    @classmethod
    def _code_alone(cls, value: Any) -> Any:
        if isinstance(value, str | int) and not isinstance(value, bool):
            return {"code": str(value)}
        return value

    @field_validator("legal_basis", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return one_or_many(value)

    @classmethod
    def of(cls, duty: Duty) -> DutySpec:
        """A resolved duty as a row written with codes, to be resolved and checked again (its
        fields are the duty's, by the names its content gives them)."""
        written = {
            f.metadata.get("key", f.name): getattr(duty, f.name) for f in dataclasses.fields(duty)
        }
        return cls.model_construct(**{**written, "when": dict(duty.conditions) or None})


class ListVersionSpec(VersionMeta):
    duties: list[DutySpec] = Field(min_length=1)


class ListFile(Model):
    """A responsibility list with all its versions."""

    file: Literal["list"]
    id: Code
    name: Line = Field(min_length=1)
    kind: ListKind
    issuer: Line | None = Field(None, description="unit that issued the list")
    scope: Line | None = Field(None, description="area the list covers")
    versions: list[ListVersionSpec] = Field(min_length=1)


TABLE_FIELDS = (
    "matter",
    "matter_name",
    "space",
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
    "standard",
    "filing",
    "closing",
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


UNIT_FIELDS = ("unit", "lead", "assist", "supervise", "not_responsible", "refer_to")
"""The fields whose cells name units: split at separators, protected words kept whole."""

DEFAULT_SEPARATORS = ["、", "，", "；", "/", ",", ";", "\n"]
"""Where a cell naming units is split by default: 、，,；; / and line breaks inside the cell."""


def _check_patterns(patterns: list[str] | dict[str, str], what: str) -> None:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise MessageError(
                "mapping.bad_pattern", pattern=pattern, what=what, detail=str(exc)
            ) from None


JointMode = Literal["lead_assist", "all_lead"]
"""How a cell naming several units (``A、B``) becomes rows: ``lead_assist`` — the first named
leads (牵头), the others assist (协办), under any hit policy; ``all_lead`` — every unit a lead
row, in the cell's order, for a matter whose hit policy is ``joint`` (the first row leads, the
others assist when routed, and nothing is an overlap)."""


class ColumnSpec(Model):
    """Where a field's column is and how its cells are read."""

    name: str | None = Field(
        None, description="the column's header text, exactly (what a plain text column gives)"
    )
    header: str | None = Field(
        None,
        description="a regular expression searched for in the header (NFKC-normalised, "
        "multi-row headers joined by '/'); the first column it matches",
    )
    column: Annotated[Int, Field(ge=1, le=16384)] | None = Field(
        None, description="the column's position (1 = A)"
    )
    fill_down: bool = Field(
        False, description="a blank cell takes the value of the row above (merged cells in CSV)"
    )
    separators: list[str] | None = Field(
        None,
        description="unit columns: where a cell naming several units is split (default: "
        "unit_separators); e.g. add 及 or 和",
    )
    protected: list[str] = Field(
        default_factory=list, description="unit columns: words never split (added to protected)"
    )
    rewrite: dict[str, str] = Field(
        default_factory=dict,
        description="regular expression → replacement (\\1 for groups), applied in order before "
        "the cell is read; in unit columns to each unit named, else to the whole cell",
    )
    default: str | None = Field(None, description="the value of a blank cell")
    joint: JointMode | None = Field(
        None,
        description="unit columns: a cell naming several units is joint handling — lead_assist: "
        "the first named leads (牵头), the others assist (协办); all_lead: every one leads (for a "
        "matter whose hit policy is joint); not given: every unit named takes the column's role",
    )

    @model_validator(mode="after")
    def _one_place(self) -> ColumnSpec:
        if sum(x is not None for x in (self.name, self.header, self.column)) != 1:
            raise MessageError("mapping.column_place")
        _check_patterns([self.header] if self.header else [], "header")
        _check_patterns(self.rewrite, "rewrite")
        return self


def _header_texts(value: Any) -> Any:
    """A column given as its header text is that exact text."""
    if isinstance(value, dict):
        return {k: {"name": v} if isinstance(v, str) else v for k, v in value.items()}
    return value


def _names_or_sheets(schema: dict[str, Any]) -> None:
    """In the schema, ``sheets`` is a list of names or a mapping of name → SheetMapping."""
    given = dict(schema)
    schema.clear()
    schema.update(
        {
            "anyOf": [{"type": "array", "items": {"type": "string"}}, given],
            "description": given.pop("description", ""),
        }
    )


class SheetMapping(Model):
    """What differs on one sheet of a workbook: the rest is the mapping's."""

    header_row: Annotated[Int, Field(ge=1)] | None = None
    header_rows: Annotated[Int, Field(ge=1, le=10)] | None = None
    columns: dict[str, ColumnSpec | None] = Field(
        default_factory=dict,
        description="columns added or given otherwise on this sheet (field → column; null: "
        "the sheet has no such column)",
        json_schema_extra=lambda schema: _text_or_column(schema),
    )
    defaults: dict[str, str] = Field(
        default_factory=dict, description="defaults added or given otherwise on this sheet"
    )
    skip_rows: list[str] | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _header_texts(cls, value: Any) -> Any:
        return _header_texts(value)

    @model_validator(mode="after")
    def _check(self) -> SheetMapping:
        _check_fields(self.columns, self.defaults)
        _check_patterns(self.skip_rows or [], "skip_rows")
        return self


def _check_fields(columns: dict[str, Any], defaults: dict[str, str]) -> None:
    unknown = sorted(set(columns) - set(TABLE_FIELDS))
    if unknown:
        raise MessageError("mapping.unknown_columns", fields=unknown, expected=list(TABLE_FIELDS))
    unknown = sorted(set(defaults) - set(TABLE_FIELDS))
    if unknown:
        raise MessageError("mapping.unknown_defaults", fields=unknown, expected=list(TABLE_FIELDS))


def _text_or_column(schema: dict[str, Any]) -> None:
    """In the schema, a column is its header text or a :class:`ColumnSpec` (the text is made
    one when read)."""
    schema["additionalProperties"] = {
        "anyOf": [{"type": "string"}, schema.get("additionalProperties", {})]
    }


class MappingFile(Model):
    """How the columns of a CSV or XLSX table map onto duty fields.

    Give ``matter`` (code) or ``matter_name``; give ``unit`` (with ``role`` or a default role)
    and/or the role columns ``lead`` / ``assist`` / ``supervise`` / ``not_responsible`` whose
    cells name units. A cell naming several units ("、", "，", "；", "/", line breaks) makes
    several duties. ``space`` (a column such as 类别, or a default) gives the code space each
    row's matter is read in (部件/事件/热线, component/event/hotline …). A column is its header
    text, or ``{header: REGEX}`` or ``{column: N}`` with options (``fill_down``, ``separators``,
    ``protected``, ``rewrite``, ``default``).
    """

    file: Literal["mapping"]
    sheet: str | None = Field(None, description="XLSX sheet name; default: the first sheet")
    sheets: dict[str, SheetMapping] | None = Field(
        None,
        min_length=1,
        description="XLSX: several sheets in one import (each row located as sheet!row), "
        "instead of sheet: a list of names, read alike, or name → what differs there",
        json_schema_extra=_names_or_sheets,
    )
    header_row: Annotated[
        Int, Field(ge=1, description="row number of the header (1 = first row)")
    ] = 1
    header_rows: Annotated[
        Int, Field(ge=1, le=10, description="rows the header takes; their texts joined by '/'")
    ] = 1
    encoding: Literal["auto", "utf-8", "utf-8-sig", "gb18030", "gbk"] = "auto"
    columns: dict[str, ColumnSpec] = Field(
        description="duty field → column header, or {header: REGEX} / {column: N} with options",
        json_schema_extra=_text_or_column,
    )
    role_values: dict[str, Role] = Field(
        default_factory=dict,
        description="cell text → role, added to the built-in 主办/协办/… table",
    )
    defaults: dict[str, str] = Field(
        default_factory=dict, description="duty field → value when the column is absent or blank"
    )
    unit_separators: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SEPARATORS),
        description="where a cell naming several units is split (a column's separators replace it)",
    )
    protected: list[str] = Field(
        default_factory=list,
        description="words never split in unit cells (e.g. names holding 和 when 和 separates)",
    )
    protect_known_names: bool = Field(
        True,
        description="protect every name and alias of the units in force, so splitting never "
        "cuts a known name",
    )
    skip_rows: list[str] = Field(
        default_factory=list,
        description="regular expressions: a row with a cell matching one (re.search) is "
        "skipped and counted as skipped (e.g. ^合计$, ^说明)",
    )

    @field_validator("columns", mode="before")
    @classmethod
    def _header_texts(cls, value: Any) -> Any:
        return _header_texts(value)

    @field_validator("sheets", mode="before")
    @classmethod
    def _sheet_names(cls, value: Any) -> Any:
        """A list of sheet names: each read as the mapping says."""
        if isinstance(value, list):
            return {str(name): {} for name in value}
        if isinstance(value, dict):
            return {k: {} if v is None else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _check_columns(self) -> MappingFile:
        _check_fields(self.columns, self.defaults)
        if not ({"matter", "matter_name"} & set(self.columns)):
            raise MessageError("mapping.no_matter_column")
        unit_columns = {"unit", "lead", "assist", "supervise", "not_responsible"}
        if not (unit_columns & set(self.columns)):
            raise MessageError("mapping.no_unit_column")
        if self.sheet is not None and self.sheets is not None:
            raise MessageError("mapping.sheet_and_sheets")
        _check_patterns(self.skip_rows, "skip_rows")
        return self

    def on_sheet(self, sheet: str) -> MappingFile:
        """The mapping as it reads ``sheet``: its own header rows, columns, defaults, skipped
        rows where ``sheets`` gives them."""
        given = (self.sheets or {}).get(sheet)
        if given is None:
            return self
        update: dict[str, Any] = {
            "sheet": sheet,
            "sheets": None,
            "columns": {
                name: spec
                for name, spec in {**self.columns, **given.columns}.items()
                if spec is not None
            },
            "defaults": {**self.defaults, **given.defaults},
        }
        for name in ("header_row", "header_rows", "skip_rows"):
            if getattr(given, name) is not None:
                update[name] = getattr(given, name)
        return self.model_copy(update=update)


ImportableFile = AreasFile | UnitsFile | CatalogueFile | ListFile
"""A file that an import reads (a mapping file goes with a table import instead)."""

IMPORTABLE_MODELS: dict[
    str, type[AreasFile] | type[UnitsFile] | type[CatalogueFile] | type[ListFile]
] = {"areas": AreasFile, "units": UnitsFile, "catalogue": CatalogueFile, "list": ListFile}

FILE_MODELS: dict[str, type[BaseModel]] = {
    "areas": AreasFile,
    "units": UnitsFile,
    "catalogue": CatalogueFile,
    "list": ListFile,
    "mapping": MappingFile,
}


def joint_roles(role: Role, count: int, mode: JointMode = "lead_assist") -> list[Role]:
    """The roles of ``count`` units one cell names in the role ``role``, in the cell's order:
    with ``lead_assist`` the first named leads (牵头) and the others assist (协办); with
    ``all_lead`` every one leads (a ``joint`` matter's policy then picks the 牵头). A role other
    than ``lead`` is kept for every unit."""
    if mode == "lead_assist" and role is Role.lead:
        return [Role.lead] + [Role.assist] * (count - 1) if count else []
    return [role] * count


def joint_specs(
    spec: DutySpec, units: list[str], mode: JointMode = "lead_assist"
) -> list[DutySpec]:
    """The rows one table row with several units in its unit cell stands for: ``spec`` once
    per unit (a name, alias, code or role reference such as 属地街道), in the cell's order, the
    roles as :func:`joint_roles` gives them. The rows keep everything else — matter, area,
    conditions, time limit, legal basis — so they are one matter's joint handling, and they
    must be written consecutively (the row order is the order of the names)."""
    roles = joint_roles(spec.role, len(units), mode)
    return [
        spec.model_copy(update={"unit": unit, "role": role})
        for unit, role in zip(units, roles, strict=True)
    ]
