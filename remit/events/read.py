"""City events — 12345 hotline work orders, grid inspectors' findings, sensor alarms — read from
files and resolved against a snapshot.

:func:`read_events` reads a batch (JSON, JSON Lines, CSV, XLSX) and yields each event with where
it stands in the file, as an :class:`EventIn` or as its problems, so a batch goes on past a bad
event. :class:`EventResolver` resolves an :class:`EventIn` against one snapshot into an
:class:`Event`: matter, areas and owner found by code, name or alias; attributes checked against
the domains the matter declares, given by name or label, and stored by name and value code.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ValidationError,
)

from remit.errors import Collector, InputError, Problem
from remit.events.model import EventIn
from remit.files import limits
from remit.files.limits import json_too_deep
from remit.files.names import normalize_name
from remit.files.tables import TABLE_SUFFIXES, blank_row, read_rows
from remit.files.typed import json_detail, load_json, schema_problems
from remit.files.yamlio import decode, read_text, wide_encoding

# ---------------------------------------------------------------------------------------------
# resolution


# ---------------------------------------------------------------------------------------------
# reading files

Located = tuple[dict[str, object], EventIn | list[Problem]]
"""Where an event stands in its file, and the event or its problems."""


class Refused(list[Problem]):
    """The problems of an event refused as it was read, with the id it gave (if it gave one
    that reads as an id), so that a reject still names the event."""

    event_id: str | None = None


def given_id(problems: list[Problem]) -> str | None:
    """The id the refused event gave, if any (see :class:`Refused`)."""
    return problems.event_id if isinstance(problems, Refused) else None


def _refused(problems: list[Problem], data: object) -> Refused:
    refused = Refused(problems)
    given = data.get("id") if isinstance(data, dict) else None
    if isinstance(given, str | int) and not isinstance(given, bool) and str(given).strip():
        refused.event_id = str(given).strip()[:200]
    return refused


JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
EVENT_SUFFIXES = (*JSON_SUFFIXES, *sorted(TABLE_SUFFIXES))

_CHINESE_COLUMNS = {
    "编号": "id",
    "事项": "matter",
    "编码空间": "space",
    "区域": "area",
    "涉及区域": "areas",
    "上报时间": "reported_at",
    "来源": "source",
    "属性": "attributes",
    "权属单位": "owner",
    "重复次数": "repeat_count",
    "立案标准": "standard",
    "紧急": "emergency",
}
_LOCATION_COLUMNS = {
    "lat": "lat",
    "latitude": "lat",
    "纬度": "lat",
    "long": "long",
    "lon": "long",
    "lng": "long",
    "longitude": "long",
    "经度": "long",
    "address": "address",
    "地址": "address",
}
"""A table's columns of an event's location (a point, an address): field of the location."""
_FIELDS = [name for name in EventIn.model_fields if name not in {"extra", "location"}]
_FIELD_COLUMNS = {**{name: name for name in _FIELDS}, **_CHINESE_COLUMNS}
_KNOWN_COLUMNS = ", ".join(f"{name} ({chinese})" for chinese, name in _CHINESE_COLUMNS.items())
_ATTRIBUTE_PREFIXES = {"attributes", "attr", "属性"}
_REQUIRED = [name for name, info in EventIn.model_fields.items() if info.is_required()]
_AREA_SEPARATORS = re.compile(r"\s*[、，,;；|/]\s*")

M = TypeVar("M", bound=BaseModel)


def read_events(path: Path) -> Iterator[Located]:
    """Each event of the file at ``path`` with its location and the parsed :class:`EventIn` or
    its problems.

    JSON (``.json``: one event or a list; located by ``row``, the item number), JSON Lines
    (``.jsonl``, ``.ndjson``; by ``line``; read as a stream), CSV or XLSX tables (by ``row``, as a
    spreadsheet numbers it). A problem with the whole file raises :class:`InputError`: a missing
    file, an unsupported suffix, an empty file, a bad encoding, an unreadable workbook, a bad
    header. The file and the header are checked at once, JSON Lines line by line as read.
    """
    source = str(path)
    if not path.is_file():
        raise InputError.one("file.not_found", source=source)
    suffix = path.suffix.lower()
    if suffix not in EVENT_SUFFIXES:
        raise InputError.one(
            "file.unsupported", source=source, suffix=suffix, expected=", ".join(EVENT_SUFFIXES)
        )
    if path.stat().st_size == 0:
        raise InputError.one("event.empty", source=source)
    with path.open("rb") as handle:
        wide = wide_encoding(handle.read(4096))
    if wide is not None:
        raise InputError.one("file.wide_encoding", source=source, encoding=wide)
    if suffix == ".json":
        return _json_events(path)
    if suffix in TABLE_SUFFIXES:
        return _table_events(path)
    return _jsonl_events(path)


def _parsed(
    data: object,
    source: str,
    model: type[M],
    kind: str,
    line: int | None = None,
    row: int | None = None,
) -> M | list[Problem]:
    """``data`` as a ``model`` (an :class:`EventIn`), or its schema problems at ``line`` or
    ``row``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = schema_problems(
            exc, source, kind, line_of=(lambda _: line) if line else None, row=row
        )
        return _refused(problems + _misspelt(data, model, source, line=line, row=row), data)


def parse_event(data: object, source: str) -> EventIn:
    """``data`` (a mapping a caller of the Python API hands in) as an event; if it is none,
    :class:`InputError` with each problem located in ``source`` and named by field, as a file's
    event would be refused."""
    found = _parsed(data, source, EventIn, "event")
    if isinstance(found, list):
        raise InputError(found)
    return found


def _misspelt(
    data: object,
    model: type[BaseModel],
    source: str,
    line: int | None = None,
    row: int | None = None,
) -> list[Problem]:
    """For an event refused: each of its keys that is no field but close to one (``aera``),
    named with the field it likely misspells — why a field is then missing."""
    if model is not EventIn or not isinstance(data, dict):
        return []
    fields = {n for n in EventIn.model_fields if n != "extra"}
    hints = ((key, likely_field(str(key))) for key in data if key not in fields)
    return [
        Problem(
            "event.likely_field",
            {"column": key, "likely": field},
            source=source,
            line=line,
            row=row,
        )
        for key, field in hints
        if field is not None
    ]


def _json_events(path: Path) -> Iterator[Located]:
    source = str(path)
    text = read_text(path)
    if not text.strip():
        raise InputError.one("event.empty", source=source)
    data = load_json(text, source, "event.bad_json", ("event.json_number", {}))
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        found = json.dumps(data, ensure_ascii=False)[:40]
        raise InputError.one("event.json_shape", source=source, found=found)
    return (
        ({"source": source, "row": row}, _parsed(item, source, EventIn, "event", row=row))
        for row, item in enumerate(data, 1)
    )


def _jsonl_events(path: Path) -> Iterator[Located]:
    source = str(path)
    seen = False
    with path.open("rb") as lines:
        for number, raw in limits.json_lines(lines):
            seen = True
            yield parse_json_line(raw, source, number)
    if not seen:
        raise InputError.one("event.empty", source=source)


def parse_json_line(line: str | bytes, source: str, number: int) -> Located:
    """Line ``number`` of a JSON Lines file as :func:`read_events` yields it, for a worker that
    parses lines read elsewhere. Pass bytes to have any encoding read (BOM, GB18030); an
    undecodable line raises :class:`InputError`, as a problem of the whole file."""
    where: dict[str, object] = {"source": source, "line": number}
    return where, parse_json_model(line, source, number, EventIn, "event")


def parse_json_model(
    line: str | bytes,
    source: str,
    number: int,
    model: type[M],
    kind: str,
) -> M | list[Problem]:
    """Line ``number`` of a JSON Lines file as a ``model`` (an :class:`EventIn`; a routing
    decision for ``remit replay``), or its problems; ``kind`` names what is expected in them.
    An undecodable line raises :class:`InputError`, as a problem of the whole file.

    UTF-8 JSON is parsed by pydantic at once (about twice as fast); any other line is decoded
    and parsed apart, to say what is wrong with it. A line nested deeper than
    :data:`~remit.files.limits.JSON_DEPTH` is refused before it is parsed."""
    if isinstance(line, limits.LongLine):
        limit = limits.JSON_LINE_BYTES.value()
        params = {"size": line.size, "limit": limit, "env": limits.JSON_LINE_BYTES.env}
        return [Problem("limit.json_line", params, source=source, line=number)]
    limit = limits.JSON_DEPTH.value()
    if json_too_deep(line, limit):
        params = {"limit": limit, "env": limits.JSON_DEPTH.env}
        return [Problem("limit.json_depth", params, source=source, line=number)]
    try:
        return model.model_validate_json(line)
    except ValidationError as exc:
        if exc.errors()[0]["type"] != "json_invalid":
            problems = schema_problems(exc, source, kind, line_of=lambda _: number)
            if model is not EventIn:
                return problems
            try:
                data = json.loads(line)
            except ValueError:  # not UTF-8: said when parsed apart below
                data = None
            # the id it gave, if any, for the reject to name (as the slower path below does)
            return _refused(problems + _misspelt(data, model, source, line=number), data)
    try:
        text = (decode(line, source) if isinstance(line, bytes) else line).rstrip()
    except InputError as exc:
        raise InputError(dataclasses.replace(p, line=number) for p in exc.problems) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        params = {"detail": json_detail(exc), "column": exc.colno}
        return [Problem("event.bad_json", params, source=source, line=number)]
    except ValueError:  # an integer of more than 4,300 digits
        return [Problem("event.json_number", source=source, line=number)]
    return _parsed(data, source, model, kind, line=number)


@dataclass(frozen=True, slots=True)
class _Column:
    index: int
    header: str
    field: str
    """The :class:`EventIn` field (``extra`` for a column that names none)."""
    attribute: str | None = None
    """For ``attr.<name>`` columns: the attribute's name or label; for a column kept in
    ``extra``: its key (the header)."""


def likely_field(key: str) -> str | None:
    """The field of an event a key or column not known is likely a misspelling of (``aera``
    → ``area``, ``上报时问`` → ``上报时间``), as written in files; None when none is close."""
    spellings = {normalize_name(name): name for name in (*_FIELDS, *_CHINESE_COLUMNS)}
    close = difflib.get_close_matches(normalize_name(key), list(spellings), n=1, cutoff=0.75)
    return spellings[close[0]] if close else None


def _table_events(path: Path) -> Iterator[Located]:
    source = str(path)
    rows = read_rows(path)
    header = next(((n, cells) for n, cells in rows if not blank_row(cells)), None)
    if header is None:
        raise InputError.one("event.empty", source=source)
    columns = _columns(source, *header)
    return (
        ({"source": source, "row": number}, _table_event(source, number, cells, columns))
        for number, cells in rows
        if not blank_row(cells)
    )


def _column(index: int, header: str) -> _Column | None:
    """The column a header names: a field (in English or Chinese), ``attributes`` (JSON) or an
    attribute (``attributes.<name>``, ``attr.<name>``, ``属性.<name>``); any other column is
    kept in ``extra`` under its header. None for an attribute column that names no attribute
    (``attr.``)."""
    head, dot, attribute = header.partition(".")
    if dot and normalize_name(head) in _ATTRIBUTE_PREFIXES:
        return (
            _Column(index, header, "attributes", attribute.strip()) if attribute.strip() else None
        )
    part = _LOCATION_COLUMNS.get(normalize_name(header))
    if part is not None:
        return _Column(index, header, "location", part)
    name = _FIELD_COLUMNS.get(normalize_name(header))
    return _Column(index, header, name) if name else _Column(index, header, "extra", header)


def _columns(source: str, number: int, cells: Iterable[str]) -> list[_Column]:
    """The columns of the header row, checked: known, each field once, the required present."""
    collector = Collector()
    where: dict[str, object] = {"source": source, "row": number}
    columns: dict[tuple[str, str | None], _Column] = {}
    headers = [cell.strip() for cell in cells]
    for index, header in enumerate(headers):
        if not header:
            continue
        column = _column(index, header)
        if column is None:
            collector.add("event.unknown_column", column=header, known=_KNOWN_COLUMNS, **where)
            continue
        key = (column.field, column.attribute)
        if key in columns:
            collector.add(
                "event.duplicate_column",
                first=columns[key].header,
                second=header,
                target=".".join(filter(None, key)),
                **where,
            )
            continue
        columns[key] = column
    missing = [name for name in _REQUIRED if (name, None) not in columns]
    if ("area", None) not in columns and not any(f == "location" for f, _ in columns):
        missing.append("area | lat, long | address")  # an area, or where it happened
    if missing:
        collector.add(
            "event.missing_column",
            columns=", ".join(missing),
            header=", ".join(h for h in headers if h),
            **where,
        )
        for column in columns.values():
            field = likely_field(column.header) if column.field == "extra" else None
            if field is not None and _FIELD_COLUMNS[normalize_name(field)] in missing:
                collector.add("event.likely_field", column=column.header, likely=field, **where)
    if ("attributes", None) in columns and any(
        a is not None for f, a in columns if f == "attributes"
    ):
        collector.add("event.mixed_attribute_columns", **where)
    collector.raise_if_any()
    return list(columns.values())


def _table_event(
    source: str, number: int, cells: list[str], columns: list[_Column]
) -> EventIn | list[Problem]:
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    for column in columns:
        text = cells[column.index].strip() if column.index < len(cells) else ""
        if not text:
            continue
        if column.field == "extra":
            data.setdefault("extra", {})[column.attribute] = text
        elif column.field == "location":
            data.setdefault("location", {})[column.attribute] = text
        elif column.attribute is not None:
            data.setdefault("attributes", {})[column.attribute] = text
        elif column.field == "attributes":
            limit = limits.JSON_DEPTH.value()
            try:
                if json_too_deep(text, limit):
                    raise RecursionError
                data["attributes"] = json.loads(text)
            except RecursionError:
                params = {"limit": limit, "env": limits.JSON_DEPTH.env}
                problems.append(
                    Problem(
                        "limit.json_depth", params, source=source, row=number, field="attributes"
                    )
                )
            except json.JSONDecodeError as exc:
                params = {"detail": json_detail(exc), "column": exc.colno}
                problems.append(
                    Problem("event.bad_json", params, source=source, row=number, field="attributes")
                )
            except ValueError:  # an integer of more than 4,300 digits
                problems.append(
                    Problem("event.json_number", source=source, row=number, field="attributes")
                )
        elif column.field == "areas":
            data["areas"] = [a for a in _AREA_SEPARATORS.split(text) if a]
        else:
            data[column.field] = text
    parsed = _parsed(data, source, EventIn, "event", row=number)
    if not problems:
        return parsed
    return _refused([*problems, *(parsed if isinstance(parsed, list) else [])], data)
