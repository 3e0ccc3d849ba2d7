"""Reading tables as offices keep them: CSV (UTF-8, BOM, GB18030/GBK) and XLSX, row by row as
text cells, numbered as a spreadsheet shows them.

A CSV file is opened in a spreadsheet, which reads a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``: CSV
injection). remit writes such a cell with a single quote before it, as OWASP advises
(:func:`csv_cell`), and reads a quote before one back off (:func:`read_rows`), so an exported
table imports as it was. (XLSX cells are written as text, which needs no quote.)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from remit.errors import InputError
from remit.files import limits
from remit.files.yamlio import decode, os_detail, read_bytes

TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx", ".xlsm"}


def blank_row(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


FORMULA_STARTS = frozenset("=+-@\t\r")
"""What a spreadsheet reads a cell that starts with as a formula."""


def _quoted_formula(text: str) -> bool:
    """Does ``text`` start with quotes (any) and then a formula's first character?"""
    rest = text.lstrip("'")
    return rest[:1] in FORMULA_STARTS and rest != ""


def csv_cell(text: str) -> str:
    """``text`` as a CSV cell: one quote more before a cell a spreadsheet would read as a
    formula, or that starts with quotes and then such a character (so that reading takes
    exactly one off, and any text comes back as it was)."""
    return "'" + text if _quoted_formula(text) else text


def _csv_text(cell: str) -> str:
    """A CSV cell as the text written (:func:`csv_cell` undone)."""
    return cell[1:] if cell.startswith("'") and _quoted_formula(cell) else cell


def column_label(index: int) -> str:
    """Column ``index`` (0 = the first) as a spreadsheet names it, with its number: ``C (3)``."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters} ({index + 1})"


def read_rows(
    path: Path, encoding: str = "auto", sheet: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV/TSV (decoded by ``encoding``) or XLSX table (its ``sheet``, else the
    first), each with its number as a spreadsheet shows it."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError.one("file.not_found", source=str(path))
    if suffix in {".csv", ".tsv"}:
        yield from _csv_rows(path, encoding, "\t" if suffix == ".tsv" else ",")
        return
    if suffix in {".xlsx", ".xlsm"}:
        yield from _xlsx_rows(path, sheet)
        return
    raise InputError.one(
        "file.unsupported",
        source=str(path),
        suffix=suffix,
        expected=", ".join(sorted(TABLE_SUFFIXES)),
    )


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV file, a cell at most :data:`~remit.files.limits.CSV_CELL_CHARS` long."""
    source = str(path)
    data = read_bytes(path)
    if not data.strip():
        raise InputError.one("file.empty", source=source, expected="a header row and duty rows")
    text = decode(data, source, encoding)
    limit = limits.CSV_CELL_CHARS.value()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    previous = csv.field_size_limit(limit)  # the module's default is 131,072 characters
    try:  # numbered as a spreadsheet shows them: line breaks inside a cell do not count
        for number, cells in enumerate(reader, 1):
            yield number, [_csv_text(cell) for cell in cells]
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise InputError.one(
                "limit.csv_cell",
                source=source,
                row=number + 1,
                limit=limit,
                env=limits.CSV_CELL_CHARS.env,
            ) from None
        raise InputError.one(
            "file.csv_row", source=source, row=number + 1, detail=str(exc)
        ) from None
    finally:
        csv.field_size_limit(previous)


def _check_xlsx(path: Path) -> None:
    """Refuse a workbook whose parts unpack beyond :data:`~remit.files.limits.XLSX_BYTES` in
    all, or one of which unpacks beyond :data:`~remit.files.limits.XLSX_RATIO` times its packed
    size (a decompression bomb), before any of it is parsed. (The sizes are the archive's
    own, and the archive reader never unpacks more than they say.)"""
    source = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise _bad_xlsx(path, exc) from None
    except OSError as exc:
        raise InputError.one("file.unreadable", source=source, detail=os_detail(exc)) from None
    max_bytes, max_ratio = limits.XLSX_BYTES.value(), limits.XLSX_RATIO.value()
    total = 0
    for part in parts:
        total += part.file_size
        if total > max_bytes:
            raise InputError.one(
                "limit.xlsx_bytes",
                source=source,
                part=part.filename,
                size=total,
                limit=max_bytes,
                env=limits.XLSX_BYTES.env,
            )
        ratio = part.file_size // max(part.compress_size, 1)
        if part.file_size > 10_000_000 and ratio > max_ratio:
            raise InputError.one(
                "limit.xlsx_ratio",
                source=source,
                part=part.filename,
                ratio=ratio,
                limit=max_ratio,
                env=limits.XLSX_RATIO.env,
            )


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_xlsx(path)
    # a damaged workbook fails when opened (not a zip, no [Content_Types].xml) or only when its
    # sheet is read (malformed XML raises ParseError, a SyntaxError; corrupt data, zlib.error)
    damaged = (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        SyntaxError,
        zlib.error,
        ValueError,
        TypeError,
    )
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except damaged as exc:
        raise _bad_xlsx(path, exc) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError.one(
                "file.no_sheet", source=str(path), sheet=sheet, sheets=", ".join(book.sheetnames)
            )
        if not book.worksheets:
            raise _bad_xlsx(path, ValueError("no worksheet"))
        worksheet = book[sheet] if sheet else book.worksheets[0]
        max_cells = limits.XLSX_CELLS.value()
        declared = (worksheet.max_row or 0) * (worksheet.max_column or 0)
        if declared > max_cells:
            raise _too_many_cells(path, worksheet.title, declared, max_cells)
        # read-only mode trusts the used range the file declares, which some producers get
        # wrong (e.g. "A1"): forget it and read every row and cell there is
        worksheet.reset_dimensions()
        merges = _merged_ranges(book, worksheet)
        active: list[tuple[int, int, int, int, str]] = []
        cells = 0
        for number, values in enumerate(worksheet.iter_rows(values_only=True), 1):
            texts = [_cell_text(v) for v in values]
            while merges and merges[-1][1] <= number:  # ranges starting here (or passed over)
                min_col, min_row, max_col, max_row = merges.pop()
                first = texts[min_col - 1] if min_row == number and min_col <= len(texts) else ""
                active.append((min_col, min_row, max_col, max_row, first))
            active = [m for m in active if m[3] >= number]
            for min_col, _, max_col, _, value in active:
                # a merged range shows its first cell's value in each of its cells
                texts.extend([""] * (max_col - len(texts)))
                texts[min_col - 1 : max_col] = [value] * (max_col - min_col + 1)
            cells += len(texts) + len(active)  # a merged range filled is work done too
            if cells > max_cells:
                raise _too_many_cells(path, worksheet.title, cells, max_cells)
            yield number, texts
    except damaged as exc:
        raise _bad_xlsx(path, exc) from None
    finally:
        book.close()


def _merged_ranges(book: Any, worksheet: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a read-only sheet (which openpyxl does not give in read-only mode),
    as (min_col, min_row, max_col, max_row), the first to start last (to be popped in order)."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import range_boundaries

    archive, part = getattr(book, "_archive", None), getattr(worksheet, "_worksheet_path", None)
    if archive is None or part is None:
        return []
    found: list[tuple[int, int, int, int]] = []
    with archive.open(part) as handle:
        for _, element in iterparse(handle):
            if element.tag.endswith("}mergeCell") or element.tag == "mergeCell":
                bounds = range_boundaries(element.get("ref", ""))
                if None not in bounds:
                    found.append(cast(tuple[int, int, int, int], bounds))
            element.clear()
    return sorted(found, key=lambda b: (b[1], b[0]), reverse=True)


def _too_many_cells(path: Path, sheet: str, size: int, limit: int) -> InputError:
    return InputError.one(
        "limit.xlsx_cells",
        source=str(path),
        sheet=sheet,
        size=size,
        limit=limit,
        env=limits.XLSX_CELLS.env,
    )


def _bad_xlsx(path: Path, exc: Exception) -> InputError:
    return InputError.one("file.bad_xlsx", source=str(path), detail=str(exc) or type(exc).__name__)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
