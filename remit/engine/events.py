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
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from remit.conditions import (
    ConstraintError,
    EnumDomain,
    IntDomain,
    as_bool,
    as_int,
    enum_value,
    resolve_attribute,
)
from remit.errors import Collector, InputError, Problem
from remit.registry.domain import Matter
from remit.registry.resolve import NameIndex, Unresolved, index_of, normalize_name
from remit.registry.snapshot import Snapshot
from remit.registry.tabular import DEFAULT_MAPPING, TABLE_SUFFIXES, blank_row, read_rows
from remit.registry.validate import catalogue_label, schema_problems
from remit.registry.yamlio import decode, read_text

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
"""The zone of reported times: a time written without an offset is in it, others are converted."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")


def _no_bare_number(value: object) -> object:
    """A bare number is refused as a time: 20250301 would silently read as seconds after 1970."""
    if (isinstance(value, int | float) and not isinstance(value, bool)) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        raise ValueError(
            "a bare number is not a time; expected ISO 8601, e.g. 2025-03-01T09:30:00+08:00 "
            "or 2025-03-01 09:30"
        )
    return value


def _local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=LOCAL_ZONE)
    try:
        return value.astimezone(LOCAL_ZONE)
    except OverflowError:
        raise ValueError("the time is out of range") from None


ReportedAt = Annotated[dt.datetime, BeforeValidator(_no_bare_number), AfterValidator(_local)]
"""ISO 8601, as Asia/Shanghai time."""


class EventIn(BaseModel):
    """A city event as reported (`remit schema --kind event`). Names may be codes, names or
    aliases; attributes may be given by name or label."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    id: Text = Field(description="the event's id in its source, e.g. a 12345 work order number")
    matter: Text = Field(description="matter code, name or alias")
    area: Text = Field(
        description="area code, name or alias where it happened: a grid, community, street or district"
    )
    areas: list[Text] = Field(
        default_factory=list,
        description="further areas the event spans, e.g. a road across two streets",
    )
    reported_at: ReportedAt = Field(
        description="ISO 8601; a time without an offset is Asia/Shanghai time"
    )
    source: Text | None = Field(None, description="where it came from: 12345, grid, sensor …")
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="attribute → value, as the matter declares them (name or label; value code or label)",
    )
    owner: Text | None = Field(
        None, description="权属单位 named on the event: unit code, name or alias"
    )
    repeat_count: int = Field(0, ge=0, description="how often the event was reported again")


AttributeValue = str | int | bool


@dataclass(frozen=True, slots=True)
class Event:
    """An event resolved against a snapshot: codes instead of names, attributes by name with
    enum values as their value codes."""

    id: str
    matter: str
    area: str
    areas: tuple[str, ...]
    """``area`` first, then the further areas the event spans, each once."""
    reported_at: dt.datetime
    """Aware, in Asia/Shanghai."""
    source: str | None
    attributes: dict[str, AttributeValue] = field(hash=False)
    owner: str | None
    repeat_count: int

    def content(self) -> dict[str, Any]:
        """The event as :class:`EventIn` data (JSON-able); it resolves back to this event."""
        data: dict[str, Any] = {
            "id": self.id,
            "matter": self.matter,
            "area": self.area,
            "reported_at": self.reported_at.isoformat(),
        }
        if len(self.areas) > 1:
            data["areas"] = list(self.areas[1:])
        if self.source is not None:
            data["source"] = self.source
        if self.attributes:
            data["attributes"] = dict(self.attributes)
        if self.owner is not None:
            data["owner"] = self.owner
        if self.repeat_count:
            data["repeat_count"] = self.repeat_count
        return data


# ---------------------------------------------------------------------------------------------
# resolution


_MEMO_LIMIT = 100_000
"""Spellings and values a resolver remembers before it starts afresh (a batch repeats a few
hundred; the limit only bounds memory against a stream of distinct ones)."""
_MEMOABLE = frozenset({str, int, float, bool, type(None)})


def _remember(memo: dict[Any, Any], key: object, value: object) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value


class _Names:
    """A :class:`NameIndex` that remembers the spellings it resolved."""

    def __init__(self, index: NameIndex, **params: object):
        self.index, self.params = index, params
        self.unknown_key = f"ref.unknown_{index.what}"
        self.known: dict[str, str] = {}

    def code(
        self, text: str, field: str, where: Mapping[str, object], collector: Collector
    ) -> str | None:
        code = self.known.get(text)
        if code is not None:
            return code
        try:
            code = self.index.resolve(text, self.unknown_key, **self.params)
        except Unresolved as exc:
            collector.add(exc.key, **exc.params, **where, field=field)
            return None
        _remember(self.known, text, code)
        return code


class EventResolver:
    """Resolves events against one snapshot. Its name indexes are built once and remember what
    they resolved: make one resolver per snapshot and batch, not one per event."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        catalogue = snapshot.catalogue
        self._matters = (
            _Names(
                index_of(snapshot.matters, "matter"), catalogue=catalogue_label(catalogue.version)
            )
            if catalogue is not None
            else None
        )
        self._areas = _Names(index_of(snapshot.areas, "area"))
        self._units = _Names(index_of(snapshot.units, "unit"))
        self._attributes: dict[tuple[str, str, type, object], tuple[str, AttributeValue | None]]
        self._attributes = {}

    def resolve(self, raw: EventIn, where: Mapping[str, object]) -> Event:
        """The resolved event, or :class:`InputError` with every problem of it, located by
        ``where`` (``{"source": …, "line": n}`` or ``{"source": …, "row": n}``) and the field."""
        collector = Collector()
        matter = self._matter(raw.matter, where, collector)
        area = self._areas.code(raw.area, "area", where, collector)
        areas = [area] if area is not None else []
        for i, text in enumerate(raw.areas):
            code = self._areas.code(text, f"areas[{i}]", where, collector)
            if code is not None and code not in areas:
                areas.append(code)
        attributes = (
            self._attribute_values(matter, raw.attributes, where, collector)
            if matter is not None
            else {}
        )
        owner = (
            self._units.code(raw.owner, "owner", where, collector)
            if raw.owner is not None
            else None
        )
        if matter is None or area is None or collector.problems:  # None: a problem was reported
            raise InputError(collector.problems)
        return Event(
            id=raw.id,
            matter=matter.code,
            area=area,
            areas=tuple(areas),
            reported_at=raw.reported_at,
            source=raw.source,
            attributes=attributes,
            owner=owner,
            repeat_count=raw.repeat_count,
        )

    def _matter(
        self, text: str, where: Mapping[str, object], collector: Collector
    ) -> Matter | None:
        if self._matters is None:
            collector.add("event.no_catalogue", date=self.snapshot.as_of, **where, field="matter")
            return None
        code = self._matters.code(text, "matter", where, collector)
        return self.snapshot.matters[code] if code is not None else None

    def _attribute_values(
        self,
        matter: Matter,
        given: Mapping[str, Any],
        where: Mapping[str, object],
        collector: Collector,
    ) -> dict[str, AttributeValue]:
        """The attributes by name, values checked against their domains; null is no value."""
        out: dict[str, AttributeValue] = {}
        given_as: dict[str, str] = {}
        for given_name, value in given.items():
            kind = type(value)
            key = (matter.code, given_name, kind, value) if kind in _MEMOABLE else None
            found = self._attributes.get(key) if key is not None else None
            if found is None:
                try:
                    found = _attribute(matter, given_name, value)
                except ConstraintError as exc:
                    collector.add(exc.key, **exc.params, **where, field=f"attributes.{given_name}")
                    continue
                if key is not None:
                    _remember(self._attributes, key, found)
            name, resolved = found
            if name in given_as:
                collector.add(
                    "event.attribute_twice",
                    attr=name,
                    first=given_as[name],
                    second=given_name,
                    **where,
                    field=f"attributes.{given_name}",
                )
                continue
            given_as[name] = given_name
            if resolved is not None:
                out[name] = resolved
        return dict(sorted(out.items()))


def _attribute(matter: Matter, given_name: str, value: object) -> tuple[str, AttributeValue | None]:
    """The attribute's name and its value (None for null), read as conditions read theirs
    (names or labels; value codes or labels, 是/否, numbers as text)."""
    name = resolve_attribute(given_name, matter.attributes)
    if name is None:
        raise ConstraintError(
            "event.unknown_attribute",
            attr=given_name,
            matter=matter.code,
            declared=_declared(matter),
        )
    if value is None:
        return name, None
    domain = matter.attributes[name]
    if isinstance(value, Mapping | list | tuple):
        raise ConstraintError(
            "event.attribute_value", attr=name, value=value, expected=domain.describe()
        )
    if isinstance(domain, EnumDomain):
        return name, enum_value(name, value, domain)
    if isinstance(domain, IntDomain):
        return name, as_int(name, value, domain)
    return name, as_bool(name, value)


def _declared(matter: Matter) -> str:
    names = [
        f"{name} ({domain.label})" if domain.label else name
        for name, domain in matter.attributes.items()
    ]
    return ", ".join(names) or "—"


_RESOLVERS: dict[int, EventResolver] = {}
_KEEP = 4


def resolver_for(snapshot: Snapshot) -> EventResolver:
    """The resolver of ``snapshot``, built once and kept for the last few snapshots used. (A kept
    resolver holds its snapshot, so the snapshot's id is not reused while it is kept.)"""
    resolver = _RESOLVERS.pop(id(snapshot), None) or EventResolver(snapshot)
    _RESOLVERS[id(snapshot)] = resolver
    while len(_RESOLVERS) > _KEEP:
        del _RESOLVERS[next(iter(_RESOLVERS))]
    return resolver


def resolve_event(raw: EventIn, snapshot: Snapshot, where: Mapping[str, object]) -> Event:
    """``raw`` resolved against ``snapshot`` (see :meth:`EventResolver.resolve`)."""
    return resolver_for(snapshot).resolve(raw, where)


# ---------------------------------------------------------------------------------------------
# reading files

Located = tuple[dict[str, object], EventIn | list[Problem]]
"""Where an event stands in its file, and the event or its problems."""

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
EVENT_SUFFIXES = (*JSON_SUFFIXES, *sorted(TABLE_SUFFIXES))

_CHINESE_COLUMNS = {
    "编号": "id",
    "事项": "matter",
    "区域": "area",
    "涉及区域": "areas",
    "上报时间": "reported_at",
    "来源": "source",
    "属性": "attributes",
    "权属单位": "owner",
    "重复次数": "repeat_count",
}
_FIELD_COLUMNS = {**{name: name for name in EventIn.model_fields}, **_CHINESE_COLUMNS}
_KNOWN_COLUMNS = ", ".join(f"{name} ({chinese})" for chinese, name in _CHINESE_COLUMNS.items())
_ATTRIBUTE_PREFIXES = {"attributes", "attr", "属性"}
_REQUIRED = [name for name, info in EventIn.model_fields.items() if info.is_required()]
_AREA_SEPARATORS = re.compile(r"\s*[、，,;；|/]\s*")


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
    if suffix == ".json":
        return _json_events(path)
    if suffix in TABLE_SUFFIXES:
        return _table_events(path)
    return _jsonl_events(path)


def _parsed(
    data: object, source: str, line: int | None = None, row: int | None = None
) -> EventIn | list[Problem]:
    """``data`` as an :class:`EventIn`, or its schema problems at ``line`` or ``row``."""
    try:
        return EventIn.model_validate(data)
    except ValidationError as exc:
        return schema_problems(
            exc, source, "event", line_of=(lambda _: line) if line else None, row=row
        )


def _json_events(path: Path) -> Iterator[Located]:
    source = str(path)
    text = read_text(path)
    if not text.strip():
        raise InputError.one("event.empty", source=source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.one(
            "event.bad_json", source=source, line=exc.lineno, detail=exc.msg, column=exc.colno
        ) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        found = json.dumps(data, ensure_ascii=False)[:40]
        raise InputError.one("event.json_shape", source=source, found=found)
    return (
        ({"source": source, "row": row}, _parsed(item, source, row=row))
        for row, item in enumerate(data, 1)
    )


def _jsonl_events(path: Path) -> Iterator[Located]:
    source = str(path)
    seen = False
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if raw.strip():
                seen = True
                yield parse_json_line(raw, source, number)
    if not seen:
        raise InputError.one("event.empty", source=source)


def parse_json_line(line: str | bytes, source: str, number: int) -> Located:
    """Line ``number`` of a JSON Lines file as :func:`read_events` yields it, for a worker that
    parses lines read elsewhere. Pass bytes to have any encoding read (BOM, GB18030); an
    undecodable line raises :class:`InputError`, as a problem of the whole file.

    UTF-8 JSON is parsed by pydantic at once (about twice as fast); any other line is decoded
    and parsed apart, to say what is wrong with it."""
    where: dict[str, object] = {"source": source, "line": number}
    try:
        return where, EventIn.model_validate_json(line)
    except ValidationError as exc:
        if exc.errors()[0]["type"] != "json_invalid":
            return where, schema_problems(exc, source, "event", line_of=lambda _: number)
    try:
        text = (decode(line, source) if isinstance(line, bytes) else line).rstrip()
    except InputError as exc:
        raise InputError(dataclasses.replace(p, line=number) for p in exc.problems) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        params = {"detail": exc.msg, "column": exc.colno}
        return where, [Problem("event.bad_json", params, source=source, line=number)]
    return where, _parsed(data, source, line=number)


@dataclass(frozen=True, slots=True)
class _Column:
    index: int
    header: str
    field: str
    """The :class:`EventIn` field."""
    attribute: str | None = None
    """For ``attr.<name>`` columns: the attribute's name or label."""


def _table_events(path: Path) -> Iterator[Located]:
    source = str(path)
    rows = read_rows(path, DEFAULT_MAPPING)
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
    attribute (``attributes.<name>``, ``attr.<name>``, ``属性.<name>``); None if unknown."""
    head, dot, attribute = header.partition(".")
    if dot and normalize_name(head) in _ATTRIBUTE_PREFIXES and attribute.strip():
        return _Column(index, header, "attributes", attribute.strip())
    name = _FIELD_COLUMNS.get(normalize_name(header))
    return _Column(index, header, name) if name else None


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
    if missing:
        collector.add(
            "event.missing_column",
            columns=", ".join(missing),
            header=", ".join(h for h in headers if h),
            **where,
        )
    if ("attributes", None) in columns and any(a is not None for _, a in columns):
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
        if column.attribute is not None:
            data.setdefault("attributes", {})[column.attribute] = text
        elif column.field == "attributes":
            try:
                data["attributes"] = json.loads(text)
            except json.JSONDecodeError as exc:
                params = {"detail": exc.msg, "column": exc.colno}
                problems.append(
                    Problem("event.bad_json", params, source=source, row=number, field="attributes")
                )
        elif column.field == "areas":
            data["areas"] = [a for a in _AREA_SEPARATORS.split(text) if a]
        else:
            data[column.field] = text
    parsed = _parsed(data, source, row=number)
    if not problems:
        return parsed
    return [*problems, *(parsed if isinstance(parsed, list) else [])]
