"""Typed files: a YAML file that says what it is (``file: <kind>``), validated by a pydantic model, with pydantic's errors turned into located problems."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from remit.errors import InputError, Problem
from remit.files import limits
from remit.files.yamlio import LineMap, dotted, load_yaml
from remit.i18n import Lang, t


def schema_problems(
    exc: ValidationError,
    source: str,
    kind: str,
    line_of: Callable[[Sequence[str | int]], int | None] | None = None,
    row: int | None = None,
    field_names: Callable[[Sequence[str | int]], str] = dotted,
) -> list[Problem]:
    """Pydantic's errors as located problems."""
    return error_problems(exc.errors(include_url=False), source, kind, line_of, row, field_names)


def error_problems(
    errors: Sequence[Any],
    source: str,
    kind: str,
    line_of: Callable[[Sequence[str | int]], int | None] | None = None,
    row: int | None = None,
    field_names: Callable[[Sequence[str | int]], str] = dotted,
) -> list[Problem]:
    """Pydantic's error dicts (a ``ValidationError``'s, or a web framework's that validated a
    request with pydantic) as located problems."""
    problems = []
    for error in errors:
        loc = tuple(
            p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        # a model's own check names the field it is about (``field`` of its error), if any
        named = getattr((error.get("ctx") or {}).get("error"), "field", None)
        field = field_names(loc) or (named if isinstance(named, str) else None)
        where: dict[str, Any] = {"source": source, "field": field, "row": row}
        if line_of is not None:
            where["line"] = line_of(loc)
        if error["type"] == "missing":
            problems.append(Problem.at(where, "schema.missing"))
        elif error["type"] == "extra_forbidden":
            problems.append(Problem.at(where, "schema.extra", kind=kind))
        elif (keyed := _keyed(error)) is not None:
            problems.append(Problem.at(where, keyed[0], **keyed[1]))
        else:
            problems.append(Problem.at(where, "schema.invalid", detail=_detail(error)))
    return problems


# pydantic's error types → remit's words for them: pydantic speaks English only
_PYDANTIC_KEYS = {
    "int_type": "schema.int",
    "int_parsing": "schema.int",
    "int_from_float": "schema.int",
    "float_type": "schema.number",
    "float_parsing": "schema.number",
    "finite_number": "schema.finite",
    "bool_type": "schema.bool",
    "bool_parsing": "schema.bool",
    "string_type": "schema.text",
    "date_type": "schema.date",
    "date_parsing": "schema.date",
    "date_from_datetime_parsing": "schema.date",
    "date_from_datetime_inexact": "schema.date",
    "datetime_type": "schema.datetime",
    "datetime_parsing": "schema.datetime",
    "datetime_from_date_parsing": "schema.datetime",
    "list_type": "schema.list",
    "dict_type": "schema.mapping",
    "model_type": "schema.mapping",
    "model_attributes_type": "schema.mapping",
    "literal_error": "schema.one_of",
    "enum": "schema.one_of",
    "greater_than": "schema.gt",
    "greater_than_equal": "schema.ge",
    "less_than": "schema.lt",
    "less_than_equal": "schema.le",
    "too_short": "schema.too_short",
    "too_long": "schema.too_long",
}


class SchemaDetail(str):
    """What pydantic found wrong with a value: pydantic's English as a ``str`` (and in English),
    remit's words for the same in Chinese (``in_lang``) when it knows the error type."""

    key: str | None
    params: dict[str, object]
    got: object

    def __new__(
        cls, english: str, key: str | None, params: dict[str, object], got: object = ...
    ) -> SchemaDetail:
        self = super().__new__(cls, english)
        self.key, self.params, self.got = key, params, got
        return self

    def in_lang(self, lang: Lang) -> str:
        if lang == "en" or self.key is None:
            return str(self)
        text = t(self.key, lang, **self.params)
        return text if self.got is ... else text + t("schema.got", lang, value=self.got)

    def __reduce__(self) -> tuple[Any, ...]:
        return (SchemaDetail, (str(self), self.key, self.params, self.got))


_JSON_ERRORS = {
    "Expecting value": "json.expecting_value",
    "Expecting property name": "json.expecting_name",
    "Expecting ',' delimiter": "json.expecting_comma",
    "Expecting ':' delimiter": "json.expecting_colon",
    "Extra data": "json.extra_data",
    "Unterminated string": "json.unterminated_string",
    "Invalid control character": "json.control_character",
    "Invalid \\": "json.bad_escape",
}
"""The json module's errors (English only) by how they start → remit's words for them."""


def json_detail(error: json.JSONDecodeError) -> SchemaDetail:
    """What the json module found wrong (its English), in Chinese too (``in_lang``)."""
    key = next((k for start, k in _JSON_ERRORS.items() if error.msg.startswith(start)), None)
    return SchemaDetail(error.msg, key or "json.invalid", {})


def load_json(
    text: str, source: str, bad_json: str, bad_number: tuple[str, dict[str, object]]
) -> Any:
    """``text`` as JSON, refused (exit 2) past the nesting bound (limits.JSON_DEPTH, checked
    before parsing), as JSON that is not (message ``bad_json``: line, column, detail), or with a
    number of more than 4,300 digits (message and parameters ``bad_number``)."""
    limit = limits.JSON_DEPTH.value()
    if limits.json_too_deep(text, limit):
        raise InputError.one(
            "limit.json_depth", source=source, limit=limit, env=limits.JSON_DEPTH.env
        )
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError.one(
            "limit.json_depth", source=source, limit=limit, env=limits.JSON_DEPTH.env
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError.one(
            bad_json, source=source, line=exc.lineno, column=exc.colno, detail=json_detail(exc)
        ) from None
    except ValueError:  # an integer of more than 4,300 digits
        key, params = bad_number
        raise InputError.one(key, source=source, **params) from None


class Abridged(str):
    """A value's ``repr`` cut to :data:`SHOWN` characters: what a message shows of a value
    (a list of 100,000 areas is not repeated in full). Its own ``repr`` is itself."""

    def __repr__(self) -> str:
        return str(self)


SHOWN = 200


def abridged(value: object) -> object:
    """``value`` itself if its ``repr`` is short, else the start of its ``repr``, with "…"."""
    text = repr(value)
    return value if len(text) <= SHOWN else Abridged(text[:SHOWN] + "…")


def _detail(error: Any) -> SchemaDetail:
    english = error["msg"].removeprefix("Value error, ")
    got: object = ...
    if error["type"] not in {"value_error", "assertion_error"}:
        got = abridged(error.get("input"))
        english += f" (got {got!r})"
    ctx = error.get("ctx") or {}
    params: dict[str, object] = {
        name: ctx[name]
        for name in ("gt", "ge", "lt", "le", "min_length", "max_length")
        if name in ctx
    }
    if "expected" in ctx:  # "'lead', 'assist' or 'supervise'"
        params["expected"] = str(ctx["expected"]).replace(" or ", ", ")
    return SchemaDetail(english, _PYDANTIC_KEYS.get(error["type"]), params, got)


def _keyed(error: Any) -> tuple[str, dict[str, object]] | None:
    """The message of a validator's error that names one (a ``ValueError`` with ``key`` and
    ``params``, e.g. a time limit that cannot be read), so it shows in the user's language."""
    cause = (error.get("ctx") or {}).get("error")
    key, params = getattr(cause, "key", None), getattr(cause, "params", None)
    if isinstance(cause, ValueError) and isinstance(key, str) and isinstance(params, dict):
        return key, dict(params)
    return None


M = TypeVar("M", bound=BaseModel)


def load_typed(path: Path, kind: str, model: type[M]) -> M:
    """A YAML file that must say ``file: <kind>``, validated as ``model``, with located problems."""
    return load_typed_lines(path, kind, model)[0]


def load_typed_lines(path: Path, kind: str, model: type[M]) -> tuple[M, LineMap]:
    """:func:`load_typed`, and the line of every key and item, for checks the model cannot make
    alone (across files, say)."""
    data, lines = load_yaml(path)
    if not isinstance(data, dict) or data.get("file") != kind:
        raise InputError.one(
            "file.unknown_kind",
            source=str(path),
            line=lines.line_of(("file",)),
            field="file",
            kind=data.get("file") if isinstance(data, dict) else None,
            expected=kind,
        )
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        raise InputError(schema_problems(exc, str(path), kind, lines.line_of)) from None
