"""The list pages' display data (``/ui/lists``, a version's rows, a diff, the audit log, a
refused table): plain rows for the templates, built from the registry's results in the current
language — the same words ``remit registry lists/show/diff/log`` print."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from remit.deadlines import local_time
from remit.errors import Problem
from remit.i18n import current_lang, has, t
from remit.present.registry import _admission_details, _details, _value, basis_text
from remit.present.text import condition_text, term
from remit.registry.diff import VersionDiff
from remit.registry.entities import AuditEntry, Duty, ListVersion, Matter
from remit.registry.table_import import _FIELD_LABEL, TableRead, problem_rows
from remit.registry.versions import ListSummary

Names = Mapping[str, str]


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def when(value: dt.datetime | None) -> str:
    """A stored time in Beijing time (Asia/Shanghai), to the minute."""
    return local_time(value, seconds=False) if value else ""


@dataclass(frozen=True)
class VersionView:
    """A version as the pages list it."""

    number: int
    status: str
    status_text: str
    effective_from: str
    until: str
    rows: int
    in_force: bool
    author: str
    note: str
    created: str
    published_by: str
    published_at: str
    withdrawn_by: str
    withdrawn_at: str
    content_hash: str

    @property
    def draft(self) -> bool:
        return self.status == "draft"


def version_view(v: ListVersion, until: dt.date | None, in_force: bool = False) -> VersionView:
    return VersionView(
        number=v.version,
        status=v.status.value,
        status_text=t(f"status.{v.status.value}"),
        effective_from=day(v.effective_from),
        until=day(until),
        rows=v.row_count,
        in_force=in_force,
        author=v.author or "",
        note=v.note or "",
        created=when(v.created_at),
        published_by=v.published_by or "",
        published_at=when(v.published_at),
        withdrawn_by=v.withdrawn_by or "",
        withdrawn_at=when(v.withdrawn_at),
        content_hash=v.content_hash[:12],
    )


@dataclass(frozen=True)
class ListView:
    """A list (or the catalogue, the areas, the units) on the lists page."""

    id: str
    name: str
    kind: str
    kind_text: str
    owner: str
    owner_code: str
    scope: str
    versions: list[VersionView]
    in_force: VersionView | None
    drafts: int
    reference: bool


def list_view(summary: ListSummary, units: Names, areas: Names) -> ListView:
    """A list with its versions (newest first), the one in force and its owner unit's name."""
    info = summary.info
    current = summary.in_force.version if summary.in_force else None
    versions = [version_view(v, summary.until(v), v.version == current) for v in summary.versions]
    in_force = next((v for v in versions if v.in_force), None)
    return ListView(
        id=info.id,
        name=info.name,
        kind=str(info.kind),
        kind_text=term("kind", str(info.kind)),
        owner=units.get(info.issuer, info.issuer) if info.issuer else "",
        owner_code=info.issuer or "",
        scope=areas.get(info.scope, info.scope) if info.scope else "",
        versions=versions[::-1],
        in_force=in_force,
        drafts=sum(v.draft for v in versions),
        reference=info.is_reference,
    )


# --- a version's rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyView:
    """One duty row of a version, as people read it; ``row`` is its 1-based number."""

    row: int
    matter: str
    matter_name: str
    unit: str
    unit_code: str
    role: str
    refer_to: str
    priority: int
    area: str
    area_code: str
    conditions: str
    time_limit: str
    legal_basis: list[str]
    note: str


def duty_views(
    duties: Iterable[Duty], matters: Mapping[str, Matter], units: Names, areas: Names
) -> list[DutyView]:
    out = []
    for row, d in enumerate(duties, 1):
        matter = matters.get(d.matter)
        out.append(
            DutyView(
                row=row,
                matter=d.matter,
                matter_name=matter.name if matter else "",
                unit=units.get(d.unit, d.unit),
                unit_code=d.unit,
                role=t(f"role.{d.role.value}"),
                refer_to=units.get(d.refer_to, d.refer_to) if d.refer_to else "",
                priority=d.priority,
                area=areas.get(d.area, d.area),
                area_code=d.area,
                conditions=condition_text(d.conditions, matter.attributes if matter else None),
                time_limit=d.time_limit.text if d.time_limit else "",
                legal_basis=[basis_text(b.model_dump(mode="json")) for b in d.legal_basis],
                note=d.note or "",
            )
        )
    return out


@dataclass(frozen=True)
class PlainRow:
    """A row of the catalogue, the areas or the units: code, name and what else it says."""

    row: int
    code: str
    name: str
    more: str


def reference_rows(version: ListVersion) -> list[PlainRow]:
    if version.matters:
        return [
            PlainRow(
                i,
                m.code,
                m.name,
                " · ".join(
                    x
                    for x in (
                        t(f"matter_kind.{m.kind.value}"),
                        m.default_time_limit.text if m.default_time_limit else "",
                    )
                    if x
                ),
            )
            for i, m in enumerate(version.matters, 1)
        ]
    if version.areas:
        return [PlainRow(i, a.code, a.name, a.parent or "") for i, a in enumerate(version.areas, 1)]
    return [PlainRow(i, u.code, u.name, u.jurisdiction) for i, u in enumerate(version.units, 1)]


# --- a diff --------------------------------------------------------------------------------------

DIFF_FIELDS = ("matter", "unit", "role", "area", "when", "time_limit", "legal_basis")
"""The fields of a duty row a diff shows side by side (the others are listed when changed)."""
CATALOGUE_FIELDS = ("code", "name", "kind", "parent", "default_time_limit")


@dataclass(frozen=True)
class Cell:
    name: str
    label: str
    before: str
    after: str
    changed: bool


@dataclass(frozen=True)
class DiffRow:
    kind: str  # added | removed | changed
    cells: list[Cell]
    other: list[Cell] = field(default_factory=list)
    """Changed fields beyond the shown ones (priority, note, provenance …)."""


def _shown(
    name: str, row: Mapping[str, Any] | None, names: Names, attributes: Mapping[str, Any]
) -> str:
    if row is None:
        return ""
    value = row.get(name)
    if name in {"unit", "refer_to", "area"} and isinstance(value, str):
        return names.get(value, value)
    if name == "matter" and isinstance(value, str):
        return f"{value} {names.get(value, '')}".strip()
    if name == "role" and row.get("refer_to"):
        refer = str(row["refer_to"])
        return f"{_value(name, value)} → {names.get(refer, refer)}"
    domains = attributes.get(str(row.get("matter", "")))
    return _value(name, value, domains)


def diff_view(
    diff: VersionDiff, names: Names, attributes: Mapping[str, Any]
) -> tuple[list[str], list[DiffRow]]:
    """The column labels and every row added, removed or changed, the changed fields marked."""
    sample = [*diff.added, *diff.removed, *(c.after for c in diff.changed)]
    shown = CATALOGUE_FIELDS if sample and "unit" not in sample[0] else DIFF_FIELDS
    labels = [term("field", name) for name in shown]

    def cells(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[Cell]:
        out = []
        for name in shown:
            old = _shown(name, before, names, attributes)
            new = _shown(name, after, names, attributes)
            changed = before is not None and after is not None and old != new
            out.append(Cell(name, term("field", name), old, new, changed))
        return out

    rows = [DiffRow("removed", cells(r, None)) for r in diff.removed]
    rows += [DiffRow("added", cells(None, r)) for r in diff.added]
    for change in diff.changed:
        extra = [
            Cell(
                name,
                term("field", name),
                _shown(name, change.before, names, attributes),
                _shown(name, change.after, names, attributes),
                True,
            )
            for name in change.fields
            if name not in shown
        ]
        rows.append(DiffRow("changed", cells(change.before, change.after), extra))
    return labels, rows


# --- the audit log -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    at: str
    actor: str
    action: str
    list_id: str
    version: int | None
    note: str
    details: str
    revision: int


def _action(action: str) -> str:
    """An action of the log by its name: the registry's and admission's as the command line
    says them, the directory's (users and tokens) as the page does."""
    if has(f"log.action.{action}"):
        return term("log.action", action)
    return term("page.lists.action", action)


def log_rows(entries: Iterable[AuditEntry]) -> list[LogRow]:
    return [
        LogRow(
            at=local_time(e.at),
            actor=e.actor,
            action=_action(e.action),
            list_id=e.list_id or "",
            version=e.version,
            note=e.note or "",
            details=_admission_details(e) if e.action.startswith("admission_") else _details(e),
            revision=e.revision,
        )
        for e in entries
    ]


# --- a refused table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemRow:
    """One problem of an uploaded table: its row (as the office's table numbers it, with its
    sheet), column header, field, the cell's value, the problem and how to fix it; ``anchor``
    names the row on the page (the first problem of a row carries it as its id)."""

    row: str
    column: str
    field: str
    value: str
    message: str
    fix: str
    source: str
    anchor: str
    first: bool


def row_label(source: str | None, row: int | None) -> str:
    """A table row as the office finds it: ``3``, or ``部件!3`` on a sheet of an XLSX file."""
    if row is None:
        return ""
    sheet = (source or "").rsplit("!", 1)[1] if "!" in (source or "") else ""
    return f"{sheet}!{row}" if sheet else str(row)


def row_anchor(source: str | None, row: int | None) -> str:
    """The id of a table row on the page (after ``problem-row-``): ``3``, ``部件-3``."""
    return row_label(source, row).replace("!", "-")


def problem_views(problems: Sequence[Problem], read: TableRead | None = None) -> list[ProblemRow]:
    """The problems, ordered by row (the table's own problems first), in the current
    language, with the cell's value when ``read`` has it — the table
    ``remit registry import --problems`` writes."""
    ordered = sorted(problems, key=lambda p: (p.row is not None, p.source or "", p.row or 0))
    lines = problem_rows(ordered, read, current_lang.get())[1:]
    seen: set[str] = set()
    out = []
    for line, p in zip(lines, ordered, strict=True):
        anchor = row_anchor(p.source, p.row)
        out.append(
            ProblemRow(
                row=line[0],
                column=line[1],
                field=line[2],
                value=line[3],
                message=line[4],
                fix=line[5],
                source=p.source or "",
                anchor=anchor,
                first=bool(anchor) and anchor not in seen,
            )
        )
        seen.add(anchor)
    return out


def refused_marks(problems: Iterable[Problem]) -> list[tuple[str, str]]:
    """The table rows refused, each once in order: (as the table says it, its anchor)."""
    rows = sorted(
        {(p.source or "", p.row) for p in problems if p.row is not None},
        key=lambda r: (r[0], r[1]),
    )
    return [(row_label(s, r), row_anchor(s, r)) for s, r in rows]


@dataclass(frozen=True)
class TableCell:
    header: str
    value: str
    marked: bool


@dataclass(frozen=True)
class RefusedRow:
    """A row of the uploaded table that a problem refuses, as the table has it, the cells
    with a problem marked."""

    source: str
    row: int
    cells: list[TableCell]

    @property
    def anchor(self) -> str:
        return row_anchor(self.source, self.row)

    @property
    def label(self) -> str:
        return row_label(self.source, self.row)


def refused_table(
    problems: Iterable[Problem], read: TableRead | None
) -> tuple[list[str], list[RefusedRow]]:
    """The headers and the refused rows of the uploaded table (nothing without ``read``)."""
    if read is None:
        return [], []
    marked: dict[tuple[str, int], set[str]] = {}
    for p in problems:
        if p.row is not None:
            match = _FIELD_LABEL.match(p.field or "")
            header = match["header"] if match else (p.field or "")
            marked.setdefault((p.source or "", p.row), set()).add(header)
    headers: list[str] = []
    for cells in read.cells.values():
        headers += [h for h in cells if h not in headers]
    rows = []
    for (source, row), names in sorted(marked.items()):
        found = read.cells.get((source, row))
        if found is None:
            continue
        rows.append(
            RefusedRow(source, row, [TableCell(h, found.get(h, ""), h in names) for h in headers])
        )
    return headers, rows
