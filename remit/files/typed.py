"""Typed files: a YAML file that says what it is (``file: <kind>``), validated by a pydantic model, with pydantic's errors turned into located problems."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from remit.errors import InputError, Problem
from remit.files.yamlio import dotted, load_yaml


def schema_problems(
    exc: ValidationError,
    source: str,
    kind: str,
    line_of: Callable[[Sequence[str | int]], int | None] | None = None,
    row: int | None = None,
    field_names: Callable[[Sequence[str | int]], str] = dotted,
) -> list[Problem]:
    """Pydantic's errors as located problems."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(
            p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        where: dict[str, Any] = {"source": source, "field": field_names(loc) or None, "row": row}
        if line_of is not None:
            where["line"] = line_of(loc)
        if error["type"] == "missing":
            problems.append(Problem.at(where, "schema.missing"))
        elif error["type"] == "extra_forbidden":
            problems.append(Problem.at(where, "schema.extra", kind=kind))
        else:
            detail = error["msg"].removeprefix("Value error, ")
            if error["type"] not in {"value_error", "assertion_error"}:
                detail += f" (got {error.get('input')!r})"
            problems.append(Problem.at(where, "schema.invalid", detail=detail))
    return problems


M = TypeVar("M", bound=BaseModel)


def load_typed(path: Path, kind: str, model: type[M]) -> M:
    """A YAML file that must say ``file: <kind>``, validated as ``model``, with located problems."""
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
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(schema_problems(exc, str(path), kind, lines.line_of)) from None
