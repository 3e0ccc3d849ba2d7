"""Tables as government offices keep them (CSV, XLSX) → duty rows, through a column mapping.

A mapping file (``file: mapping``; ``remit schema --kind mapping``) names the column of each
duty field — by header text, header pattern or position — and how its cells are read (fill-down,
defaults, rewrites, separators and protected words). Without one, the layout that ``remit
registry export --format csv|xlsx`` writes is assumed (:data:`EXPORT_COLUMNS`). Cells naming
several units become several duties; a blank matter cell takes the matter of the row above, and
an XLSX merged range fills every cell it covers; CSV may be UTF-8 (with or without BOM) or
GB18030/GBK. Every row is read and checked: :class:`TableRead` holds the rows and every problem
of their cells, :func:`problem_rows` the problems as a table to fix the source by.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from remit.conditions import ConditionTextError, Named, parse_condition_text
from remit.errors import Collector, InputError, Problem
from remit.files.tables import blank_row, column_label, read_rows
from remit.files.typed import load_typed, schema_problems
from remit.i18n import Lang, has, t
from remit.legal import split_legal_bases
from remit.registry.entities import MatterKind, Role
from remit.registry.formats import (
    DEFAULT_ROLE_VALUES,
    UNIT_FIELDS,
    ColumnSpec,
    DutySpec,
    MappingFile,
    joint_roles,
)
from remit.registry.spaces import SPACE_SPELLINGS, space_of, split_qualified

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
    "standard": "立案标准",
    "filing": "立案条件",
    "closing": "结案条件",
}
"""The columns ``export`` writes and a table import assumes when no mapping is given."""

ROLE_LABELS = {
    Role.lead: "主办",
    Role.assist: "协办",
    Role.supervise: "监管",
    Role.not_responsible: "不负责",
}

DEFAULT_MAPPING = MappingFile.model_validate({"file": "mapping", "columns": EXPORT_COLUMNS})

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


@dataclass
class TableRead:
    """What a table gave: its duty rows (each with a function that says where its fields are),
    the problems found reading it, and every data row accounted for."""

    specs: list[tuple[DutySpec, Locate]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: list[tuple[str, int]] = field(default_factory=list)
    """(source, row) of every data row read (not skipped)."""
    skipped: list[tuple[str, int]] = field(default_factory=list)
    """(source, row) of the rows a ``skip_rows`` pattern skipped."""
    cells: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)
    """(source, row) → column header → the cell as read (after fill-down)."""
    standards: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)
    """matter as written → (filing, closing) → the number given to a case standard that the
    table writes without a code (1, 2 … per matter, in the table's order)."""


@dataclass(frozen=True)
class TableSummary:
    """Every data row of a table accounted for: read = imported + refused; skipped apart."""

    read: int
    imported: int
    refused: int
    skipped: int
    problems: int = 0


def summarise(read: TableRead, problems: Sequence[Problem]) -> TableSummary:
    """The rows ``read`` gave, those ``problems`` refuse (nothing is imported when any is)."""
    sources = {source for source, _ in read.rows}
    refused = {(p.source, p.row) for p in problems if p.source in sources and p.row is not None}
    refused &= set(read.rows)
    imported = 0 if problems else len(read.rows)
    return TableSummary(len(read.rows), imported, len(refused), len(read.skipped), len(problems))


class TableImportError(InputError):
    """A table refused: its problems, and how many of its rows each way."""

    def __init__(self, problems: Sequence[Problem], summary: TableSummary, written: str | None):
        self.summary, self.written = summary, written
        super().__init__(problems)

    def footer(self, lang: Lang | None = None, limit: int = 50) -> str:
        """What follows the problems shown: the rows each way, and where all of them are."""
        lines = [summary_text(self.summary, lang)]
        if self.written is not None:
            lines.append(t("table.problems_written", lang, path=self.written))
        elif len(self.problems) > limit:
            lines.append(t("table.problems_hint", lang))
        return "\n".join(lines)


def summary_text(summary: TableSummary, lang: Lang | None = None) -> str:
    if summary.problems:
        return t(
            "table.summary_refused",
            lang,
            read=summary.read,
            refused=summary.refused,
            clean=summary.read - summary.refused,
            skipped=summary.skipped,
        )
    return t(
        "table.summary",
        lang,
        read=summary.read,
        imported=summary.imported,
        refused=summary.refused,
        skipped=summary.skipped,
    )


_FIELD_LABEL = re.compile(r"^(?P<header>.*) \((?P<field>[^()]*)\)$")


def problem_rows(
    problems: Sequence[Problem], read: TableRead | None, lang: Lang | None = None
) -> list[list[str]]:
    """The problems as a table an office fixes its table by: row, column header as in the
    table, field, value, problem, fix (header row first; texts in ``lang``)."""
    head = [t(f"table.col_{name}", lang) for name in _PROBLEM_COLUMNS]
    out = [head]
    for problem in problems:
        header, name = "", problem.field or ""
        if (match := _FIELD_LABEL.match(name)) is not None:
            header, name = match["header"], match["field"]
        where = problem.row
        source = problem.source or ""
        if where is not None and "!" in source:
            row_text = f"{source.rsplit('!', 1)[1]}!{where}"
        else:
            row_text = "" if where is None else str(where)
        value = ""
        if read is not None and where is not None:
            value = read.cells.get((source, where), {}).get(header, "")
        fix_key = f"fix.{problem.key}"
        fix = t(fix_key, lang, **problem.params) if has(fix_key) else ""
        out.append([row_text, header, name, value, t(problem.key, lang, **problem.params), fix])
    return out


_PROBLEM_COLUMNS = ("row", "column", "field", "value", "problem", "fix")


@dataclass
class _Column:
    index: int
    header: str
    spec: ColumnSpec


def read_table(
    path: Path,
    mapping_path: Path | None = None,
    known_names: Iterable[str] = (),
    space: MatterKind | None = None,
) -> TableRead:
    """The duty rows of a table and every problem of its rows (a problem of the table as a
    whole — no header, a missing column — is raised at once). ``known_names`` are the unit
    names and aliases splitting must not cut (``protect_known_names``). ``space`` is the code
    space of the matter cells where the mapping gives none (no ``space`` column or default, or
    a blank cell): each row's matter is then read as ``space:matter``."""
    mapping = load_mapping(mapping_path)
    out = TableRead()
    protected = [*mapping.protected, *(known_names if mapping.protect_known_names else ())]
    read = [(str(path), mapping.sheet, mapping)]
    if mapping.sheets and path.suffix.lower() in {".xlsx", ".xlsm"}:
        read = [(f"{path}!{s}", s, mapping.on_sheet(s)) for s in mapping.sheets]
    for source, sheet, on_sheet in read:
        _check_default_space(on_sheet, mapping_path)
        _read_sheet(path, source, sheet, on_sheet, mapping_path, protected, out, space)
    return out


def space_words() -> str:
    """The words a space cell may hold (as :data:`SPACE_SPELLINGS`)."""
    return ", ".join(SPACE_SPELLINGS)


def _check_default_space(mapping: MappingFile, mapping_path: Path | None) -> None:
    word = mapping.defaults.get("space")
    if word and space_of(word) is None:
        field = f"sheets.{mapping.sheet}.defaults.space" if mapping.sheet else "defaults.space"
        raise InputError.one(
            "table.unknown_space",
            source=str(mapping_path),
            field=field,
            space=word,
            known=space_words(),
        )


def _in_space(
    matter: str,
    word: str,
    default: MatterKind | None,
    locate: Callable[..., dict[str, object]],
    collector: Collector,
) -> str | None:
    """``matter`` as read in the space ``word`` names (``部件:0101``), else in ``default``;
    as it is when neither gives one, or when the cell names a space itself. A word that names
    no space is a problem, and None (the matter cannot be resolved: the row's cells are still
    read, its references not); a cell qualified by another space is a problem too."""
    if not matter:
        return matter
    kind = default
    if word:
        kind = space_of(word)
        if kind is None:
            collector.add("table.unknown_space", space=word, known=space_words(), **locate("space"))
            return None
    if kind is None:
        return matter
    given, _ = split_qualified(matter)
    if given is None:
        return f"{word or kind.value}:{matter}"
    if given is not kind:
        collector.add(
            "ref.space_mismatch", name=matter, space=word or kind.value, **locate("matter")
        )
    return matter


def _find_columns(
    mapping: MappingFile,
    mapping_path: Path | None,
    header: list[str],
    source: str,
    header_row: int,
    collector: Collector,
) -> dict[str, _Column]:
    columns: dict[str, _Column] = {}
    for name, spec in mapping.columns.items():
        index: int | None = None
        if spec.name is not None:
            if _clean(spec.name) in header:
                index = header.index(_clean(spec.name))
        elif spec.column is not None:
            index = spec.column - 1 if spec.column <= len(header) else None
        else:
            pattern = re.compile(spec.header or "")
            index = next((i for i, h in enumerate(header) if pattern.search(h)), None)
        if index is not None:
            columns[name] = _Column(index, header[index] or column_label(index), spec)
        elif mapping_path is not None:
            described = spec.name or spec.header or column_label((spec.column or 1) - 1)
            params: dict[str, object] = {
                "column": described,
                "field": name,
                "header": ", ".join(h for h in header if h) or "nothing",
            }
            collector.extend(
                [Problem("file.missing_column", params, source=source, row=header_row)]
            )
    return columns


def _header(rows: list[tuple[int, list[str]]], first: int, count: int) -> list[str]:
    """The header of ``count`` rows from row index ``first``: each column's texts joined by
    '/', a text repeated (a merged cell read in each row) once."""
    width = max((len(cells) for _, cells in rows[first : first + count]), default=0)
    header = []
    for i in range(width):
        parts: list[str] = []
        for _, cells in rows[first : first + count]:
            text = _clean(cells[i]) if i < len(cells) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        header.append("/".join(parts))
    return header


def _read_sheet(
    path: Path,
    source: str,
    sheet: str | None,
    mapping: MappingFile,
    mapping_path: Path | None,
    protected: list[str],
    out: TableRead,
    space: MatterKind | None = None,
) -> None:
    rows = list(read_rows(path, mapping.encoding, sheet))
    if not rows or all(blank_row(r) for _, r in rows):
        raise InputError.one("file.empty", source=source, expected="a header row and duty rows")
    header_index = mapping.header_row - 1
    last_header = header_index + mapping.header_rows - 1
    if last_header >= len(rows):
        raise InputError.one("file.no_rows", source=source)
    header_number = rows[header_index][0]
    header = _header(rows, header_index, mapping.header_rows)
    collector = Collector()
    columns = _find_columns(mapping, mapping_path, header, source, header_number, collector)
    _check_one_column_each(columns, mapping_path, header, source, header_number, collector)
    # without a mapping, the export layout is assumed, and only its key columns are needed
    if mapping_path is None:
        for options in (("matter", "matter_name"), ("unit",)):
            if not any(name in columns for name in options):
                collector.add(
                    "file.missing_export_column",
                    source=source,
                    row=header_number,
                    column=" / ".join(EXPORT_COLUMNS[name] for name in options),
                    layout="、".join(EXPORT_COLUMNS.values()),
                )
    collector.raise_if_any()
    roles = {**DEFAULT_ROLE_VALUES, **mapping.role_values}
    splitting = {name: _splitting(mapping, columns.get(name), protected) for name in UNIT_FIELDS}
    skip = [re.compile(p) for p in mapping.skip_rows]
    # a blank matter cell takes the matter (and the column it was read from) of the row above
    matter, matter_column = "", "matter" if "matter" in columns else "matter_name"
    above: dict[str, str] = {}
    data_rows = [(n, r) for n, r in rows[last_header + 1 :] if not blank_row(r)]
    if not data_rows:
        raise InputError.one("file.no_rows", source=source)
    for number, raw in data_rows:
        if any(p.search(c.strip()) for p in skip for c in raw if c.strip()):
            out.skipped.append((source, number))
            continue
        out.rows.append((source, number))
        values: dict[str, str] = {}
        for name, column in columns.items():
            value = raw[column.index].strip() if column.index < len(raw) else ""
            spec = column.spec
            if not value and spec.fill_down:
                value = above.get(name, "")
            above[name] = value
            if not value and spec.default is not None:
                value = spec.default
            if name not in UNIT_FIELDS:
                value = _rewrite(value, spec.rewrite)
            values[name] = value
        out.cells[source, number] = {columns[n].header: v for n, v in values.items()}

        def cell(name: str, values: dict[str, str] = values) -> str:
            return values.get(name, "") or mapping.defaults.get(name, "")

        def units(name: str) -> list[str]:
            column = columns.get(name)
            spec = column.spec if column is not None else None
            separators, words = splitting[name]
            parts = _split(cell(name), separators, words)
            if spec is not None and spec.rewrite:
                parts = [p for p in (_rewrite(part, spec.rewrite) for part in parts) if p]
            return parts

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
            column = columns.get(name)
            label = f"{column.header} ({duty_field})" if column else duty_field
            return {"source": source, "row": number, "field": label}

        in_space = _in_space(matter, cell("space"), space, locate, collector)
        base, problems = _base_fields(cell, in_space or matter, locate)
        collector.extend(problems)
        standard = _standard(cell, in_space or matter, out)
        if standard is not None:
            base["standard"] = standard
        assignments = _assignments(cell, units, columns, mapping, roles, locate, collector)
        refer_to = _refer_to_roles(cell("refer_to"), assignments)
        for unit, role, unit_column in assignments if in_space is not None else []:
            fields = {**base, "unit": unit, "role": role}
            if role in refer_to:
                fields["refer_to"] = cell("refer_to")
            row_locate = _with_unit_column(locate, unit_column)
            duty = _validated(fields, source, number, row_locate, collector)
            if duty is not None:
                out.specs.append((duty, row_locate))
    out.problems.extend(collector.problems)


def _validated(
    fields: dict[str, Any], source: str, number: int, locate: Locate, collector: Collector
) -> DutySpec | None:
    """The row as a DutySpec; a field that is wrong is reported and left out, so that the rest
    of the row is still checked (its references resolved) — the whole import is refused anyway.
    None when the matter or unit is wrong or missing."""
    for _ in range(len(fields) + 1):
        try:
            return DutySpec.model_validate(fields)
        except ValidationError as exc:
            wrong: set[str] = set()
            for problem in schema_problems(exc, source, "mapping", row=number):
                head = problem.field.split(".")[0] if problem.field else None
                # one bad cell of a row naming several units: the same problem, kept once
                collector.extend([Problem.at(locate(head), problem.key, **problem.params)])
                if head is not None:
                    wrong.add(head)
            if not wrong or wrong & {"matter", "unit"} or not wrong & set(fields):
                return None
            fields = {k: v for k, v in fields.items() if k not in wrong}
    return None


def _splitting(
    mapping: MappingFile, column: _Column | None, protected: list[str]
) -> tuple[list[str], list[str]]:
    """The separators of a unit column, and the protected words that hold one (the others
    cannot be cut, and are not looked for in every cell)."""
    separators = mapping.unit_separators
    words = protected
    if column is not None:
        if column.spec.separators is not None:
            separators = column.spec.separators
        words = [*column.spec.protected, *protected]
    cutting = [*separators, "\r", "\n"]
    return separators, sorted({w for w in words if any(s in w for s in cutting)})


def _rewrite(value: str, table: dict[str, str]) -> str:
    for pattern, replacement in table.items():
        value = re.sub(pattern, replacement, value)
    return value.strip()


def _check_one_column_each(
    columns: dict[str, _Column],
    mapping_path: Path | None,
    header: list[str],
    source: str,
    header_row: int,
    collector: Collector,
) -> None:
    """Each field is read from a column of its own, and the header holds each column that is
    read once: else the cells of one of them would be dropped, or read twice."""
    fields_of: dict[int, list[str]] = {}
    for name, column in columns.items():
        fields_of.setdefault(column.index, []).append(name)
    for index, names in fields_of.items():
        column = columns[names[0]]
        if len(names) > 1:
            collector.add(
                "mapping.same_column",
                column=column.header,
                fields=", ".join(names),
                source=str(mapping_path),
                field=f"columns.{names[1]}",
            )
        if column.spec.column is not None:
            continue  # a column given by position is that column, whatever its header
        positions = [i for i, heading in enumerate(header) if heading == header[index]]
        if len(positions) > 1:
            collector.add(
                "file.duplicate_column",
                column=header[index],
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


def _standard(cell: Callable[[str], str], matter: str, out: TableRead) -> dict[str, str] | None:
    """The row's case standard (立案标准): its code as the table gives it, or, for a table
    that writes only the filing (立案条件) and closing (结案条件) conditions, the next number of
    its matter (the same conditions twice are one standard); None when the row names none."""
    code, filing, closing = cell("standard"), cell("filing"), cell("closing")
    if not (code or filing or closing):
        return None
    if not code:
        numbered = out.standards.setdefault(matter, {})
        code = numbered.setdefault((filing, closing), str(len(numbered) + 1))
    standard = {"code": code}
    if filing:
        standard["filing"] = filing
    if closing:
        standard["closing"] = closing
    return standard


def _assignments(
    cell: Callable[[str], str],
    units: Callable[[str], list[str]],
    columns: dict[str, _Column],
    mapping: MappingFile,
    roles: dict[str, Role],
    locate: Callable[..., dict[str, object]],
    collector: Collector,
) -> list[tuple[str, Role, str]]:
    """(unit text, role, column it came from) for each unit named in the row. (With a role
    word that is not known, the units are still given, as leads, so that they are checked.)"""
    found: list[tuple[str, Role, str]] = []
    named: list[str] = []
    if "unit" in columns or "unit" in mapping.defaults:
        named = units("unit")
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
        found.extend(_joint(named, role or Role.lead, "unit", columns))
    for name, role_of_column in _ROLE_COLUMNS.items():
        if name in columns or name in mapping.defaults:
            found.extend(_joint(units(name), role_of_column, name, columns))
    if not found and not named:
        collector.add("schema.missing", **locate("unit"))
    return found


def _joint(
    named: list[str], role: Role, name: str, columns: dict[str, _Column]
) -> list[tuple[str, Role, str]]:
    """The units one cell of column ``name`` names, with their roles (the column's ``joint``)."""
    column = columns.get(name)
    mode = column.spec.joint if column is not None else None
    roles = joint_roles(role, len(named), mode) if mode else [role] * len(named)
    return [(unit, r, name) for unit, r in zip(named, roles, strict=True)]


def _split(text: str, separators: list[str], protected: Sequence[str] = ()) -> list[str]:
    """The units a cell names: ``text`` split at each of ``separators``, never inside one of
    the ``protected`` words (the longest first: 区住房和城乡建设局 stays whole when 和 splits)."""
    if not text:
        return []
    kept: list[str] = []
    for word in sorted({w for w in protected if w and w in text}, key=len, reverse=True):
        if any(sep in word for sep in separators):
            marker = f"\ue000{len(kept)}\ue001"
            text = text.replace(word, marker)
            kept.append(word)
    parts = [text]
    for sep in [*separators, "\r\n", "\r", "\n"]:  # a line break inside a cell always splits
        parts = [piece for part in parts for piece in part.split(sep)]
    out = []
    for part in parts:
        for n, word in enumerate(kept):
            part = part.replace(f"\ue000{n}\ue001", word)
        if part.strip():
            out.append(part.strip())
    return out


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()
