"""Reading the registry's YAML files: collected from directories, parsed with line numbers, schema-checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from remit.deadlines import OfficialCalendar
from remit.errors import Collector, InputError, Problem
from remit.files.typed import schema_problems
from remit.files.yamlio import LineMap, dotted, load_yaml
from remit.registry.calendar import CALENDAR_KIND, read_calendar
from remit.registry.formats import (
    IMPORTABLE_MODELS,
    CatalogueFile,
    ImportableFile,
    ListFile,
)

IMPORTABLE = ("areas", "units", "catalogue", "list")
"""The kinds of the files that become list versions (a calendar file is read apart)."""
KINDS = (*IMPORTABLE, CALENDAR_KIND)


@dataclass
class ParsedFile:
    path: str
    model: ImportableFile
    lines: LineMap

    def locate(self, *loc: str | int) -> dict[str, object]:
        return {"source": self.path, "line": self.lines.line_of(loc), "field": dotted(loc) or None}

    def versioned(self) -> CatalogueFile | ListFile:
        """The file's model, which has an id and versions (the catalogue, a list)."""
        assert isinstance(self.model, CatalogueFile | ListFile)
        return self.model


def collect_yaml(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file()
            )
            if not found:
                problems.append(Problem("file.no_yaml", source=str(path)))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem("file.not_found", source=str(path)))
    if problems:
        raise InputError(problems)
    return files


def parse_files(
    paths: Sequence[Path], calendars: list[OfficialCalendar] | None = None
) -> list[ParsedFile]:
    """Parse and schema-check every file; all problems of all files are reported together.
    Calendar files (``file: calendar``) go to ``calendars``, in the order given."""
    collector = Collector()
    parsed: list[ParsedFile] = []
    for path in paths:
        try:
            data, lines = load_yaml(path)
        except InputError as exc:
            collector.extend(exc.problems)
            continue
        kind = data.get("file") if isinstance(data, dict) else None
        if not isinstance(data, dict):
            collector.add(
                "schema.not_mapping",
                source=str(path),
                line=lines.line_of(()),
                expected=" | ".join(KINDS),
                found=type(data).__name__,
            )
            continue
        if kind == "mapping":
            collector.add(
                "schema.mapping_file", source=str(path), line=lines.line_of(("file",)), field="file"
            )
            continue
        if kind is None:
            collector.add(
                "file.no_kind",
                source=str(path),
                line=lines.line_of(()),
                field="file",
                expected=" | ".join(KINDS),
            )
            continue
        if kind == CALENDAR_KIND and calendars is not None:
            read = read_calendar(str(path), data, lines)
            if isinstance(read, OfficialCalendar):
                calendars.append(read)
            else:
                collector.extend(read.problems)
            continue
        if kind not in IMPORTABLE:
            collector.add(
                "file.unknown_kind",
                source=str(path),
                line=lines.line_of(("file",)),
                field="file",
                kind=kind,
                expected=", ".join(KINDS),
            )
            continue
        try:
            model = IMPORTABLE_MODELS[kind].model_validate(data)
        except ValidationError as exc:
            collector.extend(schema_problems(exc, str(path), kind, lines.line_of))
            continue
        parsed.append(ParsedFile(str(path), model, lines))
    collector.raise_if_any()
    return parsed
