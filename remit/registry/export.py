"""Writing a list out: YAML (canonical, all versions, re-importable) or one version as a
CSV (UTF-8 with BOM, as Excel expects) or XLSX table in the layout a table import reads."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from remit.conditions import render_condition
from remit.files.tables import csv_cell
from remit.files.writing import output_file, write_with
from remit.registry import fields as entity_fields
from remit.registry.entities import AREAS_KIND, UNITS_KIND, ListInfo, ListVersion, Matter, Unit
from remit.registry.table_import import EXPORT_COLUMNS, ROLE_LABELS


def list_document(info: ListInfo, versions: list[ListVersion]) -> dict[str, Any]:
    """The YAML document of a list (or of the catalogue, the areas or the units) with all its
    versions and rows, in the form its file is imported from."""
    reference = info.kind in (AREAS_KIND, UNITS_KIND)
    doc: dict[str, Any] = {
        "file": str(info.kind) if reference else "catalogue" if info.is_catalogue else "list",
        "id": info.id,
        "name": info.name,
    }
    if not info.is_catalogue and not reference:
        doc["kind"] = str(info.kind)
        if info.issuer:
            doc["issuer"] = info.issuer
        if info.scope:
            doc["scope"] = info.scope
    doc["versions"] = [version_document(v) for v in versions]
    return doc


def version_document(v: ListVersion) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": v.version, "status": v.status.value}
    for key in ("effective_from", "effective_to", "author", "note"):
        value = getattr(v, key)
        if value is not None:
            entry[key] = value
    if v.matters:
        entry["matters"] = [m.content() for m in v.matters]
    elif v.areas:
        entry["areas"] = [entity_fields.content(a) for a in v.areas]
    elif v.units:
        entry["units"] = [entity_fields.content(u) for u in v.units]
    else:
        entry["duties"] = [d.content() for d in v.duties]
    return entry


def dump_yaml(document: Any) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def table_rows(
    version: ListVersion, matters: dict[str, Matter], units: dict[str, Unit]
) -> list[list[str]]:
    """Header and rows of a version in the :data:`EXPORT_COLUMNS` layout (the columns of case
    standards only when a row names one)."""
    standards = any(d.standard is not None for d in version.duties)
    width = len(EXPORT_COLUMNS) - (0 if standards else 3)
    rows = [list(EXPORT_COLUMNS.values())[:width]]
    for d in version.duties:
        standard = d.standard
        matter = matters.get(d.matter)
        unit = units.get(d.unit)
        refer_to = units.get(d.refer_to) if d.refer_to else None
        rows.append(
            [
                d.matter,
                matter.name if matter else "",
                unit.name if unit else d.unit,
                ROLE_LABELS[d.role],
                d.area,
                render_condition(d.conditions),
                d.time_limit.text if d.time_limit else "",
                "；".join(b.text for b in d.legal_basis),
                str(d.priority) if d.priority else "",
                d.review_by.isoformat() if d.review_by else "",
                d.note or "",
                refer_to.name if refer_to else d.refer_to or "",
                standard.code if standard else "",
                standard.filing or "" if standard else "",
                standard.closing or "" if standard else "",
            ][:width]
        )
    return rows


def write_table(rows: list[list[str]], path: Path, fmt: str, title: str) -> None:
    if fmt == "csv":  # a cell a spreadsheet would read as a formula is quoted (csv_cell)
        with output_file(path, encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([csv_cell(value) for value in row] for row in rows)
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown table format {fmt!r}; expected csv or xlsx")
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for r, row in enumerate(rows, start=1):  # cell by cell: sheet[n] measures the whole sheet
        for c, value in enumerate(row, start=1):
            # control characters (which a CSV may carry) are not allowed in XLSX cells
            cell = sheet.cell(row=r, column=c, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"  # every value is text: "=…" must not become a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width + 2))
    write_with(path, book.save)
