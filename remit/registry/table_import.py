"""Tables as government offices keep them (CSV, XLSX) → duty rows, through a column mapping.

A mapping file (``file: mapping``; ``remit schema --kind mapping``) names the column of each
duty field. Without one, the layout that ``remit registry export --format csv|xlsx`` writes is
assumed (:data:`EXPORT_COLUMNS`). Cells naming several units become several duties; a blank
matter cell takes the matter of the row above (as merged cells in Excel read); CSV may be UTF-8
(with or without BOM) or GB18030/GBK.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from remit.conditions import ConditionTextError, Named, parse_condition_text
from remit.errors import Collector, InputError, Problem
from remit.files.tables import blank_row, column_label, read_rows
from remit.files.typed import load_typed, schema_problems
from remit.legal import split_legal_bases
from remit.registry.entities import Role
from remit.registry.formats import DEFAULT_ROLE_VALUES, DutySpec, MappingFile

Locate = Callable[[str | None], dict[str, object]]

EXPORT_COLUMNS: dict[str, str] = {
    "matter": "事项编码",
    "matter_name": "事项名称",
    "unit": "责任单位",
    "role": "角色",
    "area": "区域",
    "condition": "条件",
    "time_limit": "时限",
    "legal_basis": "法律依据",
    "priority": "优先级",
    "review_by": "复核日期",
    "note": "备注",
    "refer_to": "转交单位",
}
"""The columns ``export`` writes and a table import assumes when no mapping is given."""

ROLE_LABELS = {
    Role.lead: "主办",
    Role.assist: "协办",
    Role.supervise: "监管",
    Role.not_responsible: "不负责",
}

DEFAULT_MAPPING = MappingFile(file="mapping", columns=EXPORT_COLUMNS)

_ROLE_COLUMNS = {
    "lead": Role.lead,
    "assist": Role.assist,
    "supervise": Role.supervise,
    "not_responsible": Role.not_responsible,
}
# duty field (as validation names it) → the mapping field whose column holds it
_FIELD_COLUMN = {"when": "condition"}


def load_mapping(path: Path | None) -> MappingFile:
    if path is None:
        return DEFAULT_MAPPING
    return load_typed(path, "mapping", MappingFile)


def read_table(path: Path, mapping_path: Path | None = None) -> list[tuple[DutySpec, Locate]]:
    """The duty rows of a table, each with a function that says where its fields are."""
    mapping = load_mapping(mapping_path)
    source = str(path)
    rows = list(read_rows(path, mapping.encoding, mapping.sheet))
    if not rows or all(blank_row(r) for _, r in rows):
        raise InputError.one("file.empty", source=source, expected="a header row and duty rows")
    header_index = mapping.header_row - 1
    if header_index >= len(rows):
        raise InputError.one("file.no_rows", source=source)
    header = [_clean(h) for h in rows[header_index][1]]
    columns: dict[str, int] = {}
    collector = Collector()
    _check_one_column_each(mapping, mapping_path, header, source, rows[header_index][0], collector)
    for name, column in mapping.columns.items():
        if _clean(column) in header:
            columns[name] = header.index(_clean(column))
        elif mapping_path is not None:
            params: dict[str, object] = {
                "column": column,
                "field": name,
                "header": ", ".join(h for h in header if h) or "nothing",
            }
            collector.extend(
                [Problem("file.missing_column", params, source=source, row=rows[header_index][0])]
            )
    # without a mapping, the export layout is assumed, and only its key columns are needed
    if mapping_path is None:
        for options in (("matter", "matter_name"), ("unit",)):
            if not any(name in columns for name in options):
                collector.add(
                    "file.missing_export_column",
                    source=source,
                    row=rows[header_index][0],
                    column=" / ".join(EXPORT_COLUMNS[name] for name in options),
                    layout="、".join(EXPORT_COLUMNS.values()),
                )
    collector.raise_if_any()
    roles = {**DEFAULT_ROLE_VALUES, **mapping.role_values}
    out: list[tuple[DutySpec, Locate]] = []
    # a blank matter cell takes the matter (and the column it was read from) of the row above
    matter, matter_column = "", "matter" if "matter" in columns else "matter_name"
    data_rows = [(n, r) for n, r in rows[header_index + 1 :] if not blank_row(r)]
    if not data_rows:
        raise InputError.one("file.no_rows", source=source)
    for number, cells in data_rows:

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            value = cells[index] if index is not None and index < len(cells) else ""
            return value.strip() or mapping.defaults.get(name, "")

        given = next((name for name in ("matter", "matter_name") if cell(name)), None)
        if given is not None:
            matter, matter_column = cell(given), given

        def locate(
            duty_field: str | None,
            number: int = number,
            unit_column: str = "unit",
            matter_column: str = matter_column,
        ) -> dict[str, object]:
            if duty_field is None:
                return {"source": source, "row": number}
            head = duty_field.split(".")[0]
            name = {"unit": unit_column, "matter": matter_column, **_FIELD_COLUMN}.get(head, head)
            column = mapping.columns.get(name)
            label = f"{column} ({duty_field})" if column else duty_field
            return {"source": source, "row": number, "field": label}

        base, problems = _base_fields(cell, matter, locate)
        collector.extend(problems)
        assignments = _assignments(cell, columns, mapping, roles, locate, collector)
        refer_to = _refer_to_roles(cell("refer_to"), assignments)
        for unit, role, unit_column in assignments:
            fields = {**base, "unit": unit, "role": role}
            if role in refer_to:
                fields["refer_to"] = cell("refer_to")
            row_locate = _with_unit_column(locate, unit_column)
            try:
                out.append((DutySpec.model_validate(fields), row_locate))
            except ValidationError as exc:
                for problem in schema_problems(exc, source, "mapping", row=number):
                    where = row_locate(problem.field.split(".")[0] if problem.field else None)
                    located = Problem.at(where, problem.key, **problem.params)
                    if located not in collector.problems:
                        collector.extend([located])
    collector.raise_if_any()
    return out


def _check_one_column_each(
    mapping: MappingFile,
    mapping_path: Path | None,
    header: list[str],
    source: str,
    header_row: int,
    collector: Collector,
) -> None:
    """Each field is read from a column of its own, and the header holds each column that is
    read once: else the cells of one of them would be dropped, or read twice."""
    fields_of: dict[str, list[str]] = {}
    for name, column in mapping.columns.items():
        fields_of.setdefault(_clean(column), []).append(name)
    for column, names in fields_of.items():
        if len(names) > 1:
            collector.add(
                "mapping.same_column",
                column=column,
                fields=", ".join(names),
                source=str(mapping_path),
                field=f"columns.{names[1]}",
            )
        positions = [i for i, heading in enumerate(header) if heading == column]
        if len(positions) > 1:
            collector.add(
                "file.duplicate_column",
                column=column,
                columns=", ".join(column_label(i) for i in positions),
                source=source,
                row=header_row,
            )


def _refer_to_roles(text: str, assignments: list[tuple[str, Role, str]]) -> set[Role]:
    """The roles of the row's duties that take its refer_to (转交单位) cell: the not_responsible
    ones when the row has any (a row may name a lead and the units that refuse), else all of
    them, so that validation reports the cell on a row that refuses nothing."""
    if not text:
        return set()
    if any(role is Role.not_responsible for _, role, _ in assignments):
        return {Role.not_responsible}
    return {role for _, role, _ in assignments}


def _with_unit_column(locate: Callable[..., dict[str, object]], unit_column: str) -> Locate:
    return lambda duty_field: locate(duty_field, unit_column=unit_column)


def _base_fields(
    cell: Callable[[str], str], matter: str, locate: Callable[..., dict[str, object]]
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    fields: dict[str, Any] = {"matter": matter or None}
    if cell("area"):
        fields["area"] = cell("area")
    text = cell("condition")
    if text:
        try:
            fields["when"] = parse_condition_text(text)
        except ValueError as exc:
            detail = exc.detail if isinstance(exc, ConditionTextError) else str(exc)
            problems.append(Problem.at(locate("when"), "cond.syntax", text=text, detail=detail))
    if cell("time_limit"):
        fields["time_limit"] = cell("time_limit")
    if cell("legal_basis"):
        try:
            fields["legal_basis"] = split_legal_bases(cell("legal_basis"))
        except (ValueError, ValidationError) as exc:
            problems.append(Problem.at(locate("legal_basis"), "schema.invalid", detail=str(exc)))
    for name in ("priority", "review_by", "note"):
        if cell(name):
            fields[name] = cell(name)
    return fields, problems


def _assignments(
    cell: Callable[[str], str],
    columns: dict[str, int],
    mapping: MappingFile,
    roles: dict[str, Role],
    locate: Callable[..., dict[str, object]],
    collector: Collector,
) -> list[tuple[str, Role, str]]:
    """(unit text, role, column it came from) for each unit named in the row."""
    found: list[tuple[str, Role, str]] = []
    named: list[str] = []
    if "unit" in columns or "unit" in mapping.defaults:
        named = _split(cell("unit"), mapping.unit_separators)
        role_text = cell("role")
        role: Role | None = Role.lead
        if role_text:
            role = roles.get(role_text) or roles.get(role_text.strip().lower())
            if role is None:
                words = sorted(roles)
                collector.add(
                    "schema.unknown_role",
                    role=role_text,
                    # in Chinese, the Chinese words only
                    expected=Named(
                        ", ".join(words), "、".join(w for w in words if not w.isascii())
                    ),
                    **locate("role"),
                )
        if role is not None:
            found.extend((u, role, "unit") for u in named)
    for name, role_of_column in _ROLE_COLUMNS.items():
        if name in columns or name in mapping.defaults:
            found.extend(
                (u, role_of_column, name) for u in _split(cell(name), mapping.unit_separators)
            )
    if not found and not named:
        collector.add("schema.missing", **locate("unit"))
    return found


def _split(text: str, separators: list[str]) -> list[str]:
    parts = [text]
    for sep in separators:
        parts = [piece for part in parts for piece in part.split(sep)]
    return [p.strip() for p in parts if p.strip()]


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()
