"""What every entity's one field list gives: its content, its part of the snapshot hash, and how
its values are stored.

An entity (:mod:`remit.registry.entities`) is a frozen dataclass; its fields, their types and a
little metadata are all there is to say about it. From them:

- :func:`content` — the entity as plain JSON-able data, the form that is hashed and exported:
  empty values (None, ``""``, ``()``, ``{}``) are left out, and so is a field marked
  ``omit_default`` when it holds its default; a field may be written under another ``key``.
- :func:`hash_row` — the entity's part of a snapshot hash: its fields in order, sets (tuples)
  sorted.
- :func:`stored_fields` and :func:`storage` — the columns of its table and, per field, the kind
  of column and how a value is encoded into it and decoded out of it.

Metadata a field may carry (``dataclasses.field(metadata=...)``): ``key`` (its name in
content), ``omit_default`` (leave it out of content when it holds its default), ``stored=False``
(not a column: rows loaded apart, such as a version's duties).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from remit.errors import InputError
from remit.model import INT_MAX, INT_MIN, STORED
from remit.timelimit import TimeLimit, stored_time_limit

ColumnKind = Literal["text", "int", "bool", "date", "datetime", "json"]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | tuple | list | dict) and not value)


def plain(value: Any) -> Any:
    """A value as plain JSON-able data: enums by value, time limits as text, dates in ISO form,
    pydantic models without their empty (None) fields."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, TimeLimit):
        return value.text
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def content(entity: Any) -> dict[str, Any]:
    """The entity as plain data: what is hashed and exported (see the module's rules)."""
    data: dict[str, Any] = {}
    for f in dataclasses.fields(entity):
        if f.metadata.get("stored") is False:
            continue
        value = getattr(entity, f.name)
        if _empty(value) or (f.metadata.get("omit_default") and value == f.default):
            continue
        data[f.metadata.get("key", f.name)] = plain(value)
    return data


def hash_row(entity: Any) -> list[Any]:
    """The entity's fields in order, as plain data, sets (tuples) sorted: its part of a snapshot
    hash (None stays, so a value set later changes the hash). A field added since (metadata
    ``since``) counts only when it holds a value, by name at the end, so that the hashes of
    registries that never set it stay what they were."""
    row: list[Any] = []
    added: dict[str, Any] = {}
    for f in dataclasses.fields(entity):
        value = getattr(entity, f.name)
        value = sorted(plain(value)) if isinstance(value, tuple) else plain(value)
        if "since" not in f.metadata:
            row.append(value)
        elif not _empty(value):
            added[f.name] = value
    if added:
        row.append(added)
    return row


def stored_fields(cls: type) -> list[dataclasses.Field[Any]]:
    """The fields that are columns of the entity's table, in order."""
    return [f for f in dataclasses.fields(cls) if f.metadata.get("stored") is not False]


@dataclass(frozen=True)
class Storage:
    """How one field is stored: its column kind, whether it may be NULL, and its codecs."""

    name: str
    kind: ColumnKind
    nullable: bool
    encode: Callable[[Any], Any] | None
    """Value → column value (None: as it is)."""
    decode: Callable[[Any], Any] | None
    """Column value → value (None: as it is). JSON columns are read as text."""


def utc_naive(moment: dt.datetime) -> dt.datetime:
    """A time as stored: in UTC, without its zone (a naive time is taken to be UTC already).
    Stored so, it reads back the same from SQLite and PostgreSQL whatever their time zone."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as aware UTC (SQLite hands times back without their zone)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@lru_cache(maxsize=4096)
def _time_limit(text: str | None) -> TimeLimit | None:
    """A stored time limit, read as stored: one longer than :data:`remit.timelimit.LONGEST`,
    written before that bound, still loads (and routing refuses the events it would time)."""
    return stored_time_limit(text) if text else None


def _enum_codecs(
    enum_type: type[enum.Enum], also_text: bool
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    members = enum_type._value2member_map_
    decode: Callable[[Any], Any] = (
        (lambda v: members.get(v, v)) if also_text else members.__getitem__
    )
    return (lambda v: v.value if isinstance(v, enum.Enum) else v), decode


def _json_codecs(hint: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    adapter: TypeAdapter[Any] = TypeAdapter(hint)

    def encode(value: Any) -> Any:
        return adapter.dump_python(value, mode="json")

    @lru_cache(maxsize=65536)  # many rows share a value: each distinct text is decoded once
    def decode(text: str | None) -> Any:
        return None if text is None else adapter.validate_json(text, context=STORED)

    return encode, decode


def _storage(name: str, hint: Any) -> Storage:
    whole = hint  # JSON values are decoded as the whole type: a stored null is None
    args = typing.get_args(hint)
    nullable = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        nullable = True
        rest = [a for a in args if a is not type(None)]
        hint = rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007
        args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        # an enum or free text (a list's kind: a ListKind or "catalogue")
        enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
        if len(enums) == 1 and str in args and len(args) == 2:
            return Storage(name, "text", nullable, *_enum_codecs(enums[0], also_text=True))
        return Storage(name, "json", nullable, *_json_codecs(whole))
    if isinstance(hint, type):
        if issubclass(hint, enum.Enum):
            return Storage(name, "text", nullable, *_enum_codecs(hint, also_text=False))
        if issubclass(hint, TimeLimit):
            return Storage(name, "text", nullable, lambda v: v.text if v else None, _time_limit)
        if issubclass(hint, bool):
            return Storage(name, "bool", nullable, None, None)
        if issubclass(hint, int):
            return Storage(name, "int", nullable, None, None)
        if issubclass(hint, str):
            return Storage(name, "text", nullable, None, None)
        if issubclass(hint, dt.datetime):
            return Storage(name, "datetime", nullable, utc_naive, _as_utc)
        if issubclass(hint, dt.date):
            return Storage(name, "date", nullable, None, None)
    return Storage(name, "json", nullable, *_json_codecs(whole))


_STORAGE: dict[type, tuple[Storage, ...]] = {}


def storage(cls: type) -> tuple[Storage, ...]:
    """How each stored field of the entity ``cls`` is stored, in field order."""
    found = _STORAGE.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _STORAGE[cls] = tuple(_storage(f.name, hints[f.name]) for f in stored_fields(cls))
    return found


def encode(entity: Any) -> dict[str, Any]:
    """The entity as a table row (column → value). A whole number out of the range of an
    ``int`` column (SQL ``INTEGER``: :data:`remit.model.INT_MIN` … ``INT_MAX``) raises
    :class:`InputError`: files are held to it when read (:data:`remit.model.Int`), this is what
    is worked out from them (a unit's staff after an admission), refused alike on both
    databases rather than stored by one and refused by the other."""
    row: dict[str, Any] = {}
    for s in storage(type(entity)):
        value = getattr(entity, s.name)
        if s.kind == "int" and value is not None and not INT_MIN <= value <= INT_MAX:
            raise InputError.one(
                "db.int_range",
                what=type(entity).__name__,
                name=s.name,
                value=value,
                min=INT_MIN,
                max=INT_MAX,
            )
        row[s.name] = s.encode(value) if s.encode is not None and value is not None else value
    return row


_BUILDERS: dict[type, Callable[[tuple[Any, ...]], Any]] = {}


def _builder(cls: type) -> Callable[[tuple[Any, ...]], Any]:
    """Builds ``cls`` from the values of its stored fields, in order. Loading a city's duties
    is hot, so the builder is written out for the class once (as dataclasses writes its
    ``__init__``): one expression per field, its decoder called only when it has one."""
    plan = storage(cls)
    keyword = {f.name for f in dataclasses.fields(cls) if f.kw_only}
    init = [f.name for f in dataclasses.fields(cls) if f.init and not f.kw_only]
    stored = [s.name for s in plan if s.name not in keyword]
    if init[: len(stored)] != stored:  # a field that is not stored stands among stored ones
        raise TypeError(f"{cls.__name__}: the stored fields must come first in __init__")
    scope: dict[str, Any] = {"cls": cls}
    values = [f"v{i}" for i in range(len(plan))]
    positional, named = [], []
    defaults = {f.name: f.default for f in dataclasses.fields(cls) if "since" in f.metadata}
    for i, s in enumerate(plan):
        expression = values[i]
        if s.decode is not None:
            scope[f"d{i}"] = s.decode
            # a column added since holds NULL in the rows written before it: its default
            scope[f"m{i}"] = defaults.get(s.name)
            missing = f"m{i}" if defaults.get(s.name) is not None else "None"
            expression = f"{missing} if v{i} is None else d{i}(v{i})"
        if s.name in keyword:
            named.append(f"{s.name}={expression}")
        else:
            positional.append(expression)
    arguments = positional + named
    # the stored fields come first in __init__ (the others, such as a version's rows, last)
    source = (
        f"def build(values):\n    {', '.join(values)}, = values\n"
        f"    return cls({', '.join(arguments)})\n"
    )
    exec(source, scope)  # code made here, from the field list only
    build: Callable[[tuple[Any, ...]], Any] = scope["build"]
    return build


def decode(cls: type, values: tuple[Any, ...]) -> Any:
    """An entity ``cls`` from its stored fields' column values, in field order."""
    build = _BUILDERS.get(cls)
    if build is None:
        build = _BUILDERS[cls] = _builder(cls)
    return build(values)
