"""Reading case files (YAML: a list of cases or one case; JSON Lines: one case a line) into
:class:`~remit.events.cases.Case` objects with where each stands, every problem located by file,
line and field (exit 2 in the CLI)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from remit.errors import InputError, Problem
from remit.events.cases import Case
from remit.events.read import parse_json_model
from remit.files import limits
from remit.files.typed import schema_problems
from remit.files.yamlio import dotted, load_yaml


@dataclass(frozen=True)
class LocatedCase:
    """A case with where it stands in its file: ``where`` (source, line) and the line of each
    of its fields (``line_of(("rounds", 0, "unit"))``)."""

    where: dict[str, object]
    case: Case
    line_of: Callable[[Sequence[str | int]], int | None]

    def at(self, *field: str | int) -> dict[str, object]:
        """The location of one of the case's fields, for a problem found with it."""
        return {
            "source": self.where["source"],
            "line": self.line_of(field) or self.where.get("line"),
            "field": dotted(field),
        }


CASE_SUFFIXES = (".yaml", ".yml", ".jsonl", ".ndjson")


def read_cases(path: Path) -> list[LocatedCase]:
    """The cases of a file (YAML or JSON Lines), or :class:`InputError` naming every problem
    with its file, line and field."""
    source = str(path)
    if not path.is_file():
        raise InputError.one("file.not_found", source=source)
    suffix = path.suffix.lower()
    if suffix not in CASE_SUFFIXES:
        raise InputError.one(
            "file.unsupported", source=source, suffix=suffix, expected=", ".join(CASE_SUFFIXES)
        )
    found = _yaml_cases(path) if suffix in (".yaml", ".yml") else _jsonl_cases(path)
    problems: list[Problem] = []
    cases: list[LocatedCase] = []
    for item in found:
        if isinstance(item, LocatedCase):
            problems += _time_problems(item)
            cases.append(item)
        else:
            problems += item
    if problems:
        raise InputError(problems)
    if not cases:
        raise InputError.one("case.empty", source=source)
    return cases


def read_case_paths(paths: Iterable[Path]) -> list[LocatedCase]:
    """The cases of files and of directories' case files (by name), in that order."""
    cases: list[LocatedCase] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.suffix.lower() in CASE_SUFFIXES):
                cases += read_cases(child)
        else:
            cases += read_cases(path)
    return cases


def _yaml_cases(path: Path) -> Iterator[LocatedCase | list[Problem]]:
    source = str(path)
    data, lines = load_yaml(path)
    items, prefix = (data, True) if isinstance(data, list) else ([data], False)
    for index, item in enumerate(items):
        base: tuple[str | int, ...] = (index,) if prefix else ()
        where: dict[str, object] = {"source": source, "line": lines.line_of(base) or 1}

        def line_of(loc: Sequence[str | int], base: tuple[str | int, ...] = base) -> int | None:
            return lines.line_of((*base, *loc))

        if not isinstance(item, dict):
            yield [Problem.at(where, "case.not_mapping", found=type(item).__name__)]
            continue
        try:
            yield LocatedCase(where, Case.model_validate(item), line_of)
        except ValidationError as exc:
            yield schema_problems(exc, source, "case", line_of)


def _jsonl_cases(path: Path) -> Iterator[LocatedCase | list[Problem]]:
    source = str(path)
    with path.open("rb") as handle:
        for number, raw in limits.json_lines(handle):
            parsed = parse_json_model(raw, source, number, Case, "case")
            if isinstance(parsed, Case):

                def line_of(_: Sequence[str | int], number: int = number) -> int | None:
                    return number

                yield LocatedCase({"source": source, "line": number}, parsed, line_of)
            else:
                yield parsed


def _time_problems(located: LocatedCase) -> list[Problem]:
    """A dispatch before the event was reported, or a return before the case reached the unit
    (before the dispatch, or before the round before it)."""
    case = located.case
    problems = []
    if case.dispatch.at is not None and case.dispatch.at < case.event.reported_at:
        problems.append(
            Problem.at(
                located.at("dispatch", "at"),
                "case.time_order",
                at=case.dispatch.at.isoformat(),
                before=case.event.reported_at.isoformat(),
            )
        )
    previous = case.dispatched_at()
    for index, round_ in enumerate(case.rounds):
        if round_.at < previous:
            problems.append(
                Problem.at(
                    located.at("rounds", index, "at"),
                    "case.time_order",
                    at=round_.at.isoformat(),
                    before=previous.isoformat(),
                )
            )
        previous = max(previous, round_.at)
    return problems
