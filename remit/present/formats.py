"""The output formats remit writes, with their file suffixes: the one list every command's
``--format`` choices come from, and the choice of the format to write from ``--format`` and the
name of the ``-o`` file.

The rules (:func:`output_format`):

- no ``--format`` and a file name ending in a format's suffix: that format;
- a suffix that names another format than ``--format``, or a format the command does not
  write (remit's own, or a well-known foreign one such as ``.pdf`` or ``.docx``): refused
  before anything is written;
- no suffix, or one that names no file type (``report``, ``check.2026-03-02``): ``--format``,
  else the command's default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from remit.errors import InputError


@dataclass(frozen=True)
class OutputFormat:
    """A format remit writes: its ``--format`` name and its file suffixes, the usual one first."""

    name: str
    suffixes: tuple[str, ...]

    def describe(self) -> str:
        """``html (.html, .htm)``."""
        return f"{self.name} ({', '.join(self.suffixes)})"


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("text", (".txt",)),
        OutputFormat("json", (".json",)),
        OutputFormat("jsonl", (".jsonl", ".ndjson")),
        OutputFormat("md", (".md",)),
        OutputFormat("html", (".html", ".htm")),
        OutputFormat("xlsx", (".xlsx",)),
        OutputFormat("csv", (".csv",)),
        OutputFormat("yaml", (".yaml", ".yml")),
    )
}
"""Every output format remit writes, by name."""

BY_SUFFIX: dict[str, OutputFormat] = {s: f for f in FORMATS.values() for s in f.suffixes}
"""The format a (lower-case) file suffix names."""

FOREIGN_SUFFIXES: frozenset[str] = frozenset(
    {
        *(".pdf", ".ps", ".doc", ".docx", ".odt", ".rtf", ".epub"),
        *(".xls", ".xlsm", ".xlsb", ".ods", ".tsv", ".xml", ".toml", ".ini", ".parquet"),
        *(".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ppt", ".pptx", ".odp"),
        *(".zip", ".gz", ".bz2", ".xz", ".7z", ".rar", ".tar"),
        *(".db", ".sqlite", ".py", ".sh", ".exe"),
    }
)
"""Suffixes of well-known file types remit does not write: a report written under such a name
would not open as what its name says, so it is refused rather than written as text."""


def formats(*names: str) -> tuple[str, ...]:
    """The names of formats a command writes, checked against :data:`FORMATS` (a command can
    only offer formats of this one list): ``click.Choice(formats("text", "json"))``."""
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ValueError(f"not an output format of remit: {', '.join(unknown)}")
    return names


def describe(names: Sequence[str]) -> str:
    """``text (.txt), json (.json), html (.html, .htm)``: formats with their suffixes."""
    return ", ".join(FORMATS[name].describe() for name in names)


def output_format(
    fmt: str | None, path: Path | None, writes: Sequence[str], default: str | None
) -> str:
    """The format to write to ``path`` (None: standard output): ``fmt`` (``--format``, or None)
    checked against the suffix of ``path``, else the format the suffix names, else ``default``.

    ``writes`` are the formats the command writes. Raises :class:`InputError` (exit 2) naming
    the file, its suffix and those formats when the suffix names a format the command does not
    write or another format than ``fmt``, or when neither ``fmt``, the suffix nor ``default``
    says which format to write."""
    formats(*writes, *([fmt] if fmt else []), *([default] if default else []))
    suffix = path.suffix.lower() if path is not None else ""
    named = BY_SUFFIX.get(suffix)
    source = str(path)
    if (named is not None and named.name not in writes) or suffix in FOREIGN_SUFFIXES:
        raise InputError.one(
            "output.not_written", source=source, suffix=suffix, formats=describe(writes)
        )
    if named is not None and fmt is not None and named.name != fmt:
        raise InputError.one(
            "output.mismatch",
            source=source,
            suffix=suffix,
            named=named.name,
            fmt=fmt,
            suffixes="/".join(FORMATS[fmt].suffixes),
        )
    chosen = fmt or (named.name if named is not None else default)
    if chosen is None:
        raise InputError.one("output.no_format", source=source, formats=describe(writes))
    return chosen
