"""The bounds on what remit reads, so that a hostile or broken file is refused quickly (exit 2,
the file and the limit named) instead of exhausting memory or time.

Each limit has a default and a reason, and can be changed by an environment variable
``REMIT_MAX_<NAME>`` (a whole number), read each time the limit is used. docs/registry.md
("Limits") has the table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from remit.errors import InputError


@dataclass(frozen=True)
class Limit:
    """One bound: its name (``REMIT_MAX_<name>``), default and why it is there."""

    name: str
    default: int
    reason: str

    @property
    def env(self) -> str:
        return f"REMIT_MAX_{self.name}"

    def value(self) -> int:
        """The bound in force: ``$REMIT_MAX_<name>`` when set, else the default."""
        text = os.environ.get(self.env, "").strip().replace("_", "")
        if not text:
            return self.default
        if not text.isdigit() or int(text) < 1:
            raise InputError.one("limit.bad_env", env=self.env, value=text, default=self.default)
        return int(text)


FILE_BYTES = Limit(
    "FILE_BYTES",
    100_000_000,
    "a YAML, JSON or CSV file is read whole into memory; the sample's largest is 35 KB",
)
YAML_NODES = Limit(
    "YAML_NODES",
    1_000_000,
    "YAML aliases can repeat a part many times over (a 500-byte 'billion laughs' expands to 10⁹ "
    "values); the sample district's largest file has 7,350",
)
YAML_DEPTH = Limit(
    "YAML_DEPTH",
    1000,
    "the YAML parser's own bound on nesting as written, which aliases can pass (each anchor "
    "one level more) and Python's stack cannot; the sample's files nest at most 10 levels",
)
JSON_DEPTH = Limit(
    "JSON_DEPTH",
    64,
    "an event nests at most 3 levels (attributes); deep nesting exhausts the parser's stack",
)
JSON_LINE_BYTES = Limit(
    "JSON_LINE_BYTES",
    10_000_000,
    "a line of JSON Lines is read into memory; an event is under 1 KB, a decision a few KB",
)
CSV_CELL_CHARS = Limit(
    "CSV_CELL_CHARS",
    1_000_000,
    "a cell holds a name, a condition or a legal basis: a few KB at most",
)
XLSX_BYTES = Limit(
    "XLSX_BYTES",
    300_000_000,
    "the uncompressed XML of a workbook is parsed in memory; 1,000,000 rows of 12 short cells "
    "is about 250 MB",
)
XLSX_RATIO = Limit(
    "XLSX_RATIO",
    100,
    "spreadsheet XML compresses 5 to 30 times; far more is a decompression bomb (checked for "
    "parts over 10 MB unpacked)",
)
XLSX_CELLS = Limit(
    "XLSX_CELLS",
    20_000_000,
    "a sheet's declared or read size, in cells; 100,000 rows of 20 columns are 2,000,000",
)


ALL = (
    FILE_BYTES,
    YAML_NODES,
    YAML_DEPTH,
    JSON_DEPTH,
    JSON_LINE_BYTES,
    CSV_CELL_CHARS,
    XLSX_BYTES,
    XLSX_RATIO,
    XLSX_CELLS,
)
"""Every limit, in the order docs/registry.md lists them."""


class LongLine(bytes):
    """A line longer than :data:`JSON_LINE_BYTES`, in place of its bytes (which are skipped,
    never held): ``size`` is its length."""

    size: int

    def __new__(cls, size: int) -> LongLine:
        line = super().__new__(cls, b"")
        line.size = size
        return line

    def __reduce__(self) -> tuple[object, ...]:  # handed to worker processes
        return (LongLine, (self.size,))


def json_lines(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """The lines of a JSON Lines file that are not blank, with their numbers (from 1); a line
    longer than :data:`JSON_LINE_BYTES` as a :class:`LongLine`, read past in pieces."""
    limit = JSON_LINE_BYTES.value()
    number = 0
    while line := handle.readline(limit + 1):
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line)
            while rest := handle.readline(1 << 20):
                size += len(rest)
                if rest.endswith(b"\n"):
                    break
            yield number, LongLine(size)
        elif line.strip():
            yield number, line


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_too_deep(data: str | bytes, limit: int) -> bool:
    """Does the JSON text ``data`` nest arrays and objects deeper than ``limit``? (Checked
    before parsing: Python's parser recurses, and fails on deep nesting with RecursionError.)"""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= limit:  # the usual case, at C speed
        return False
    depth = 0
    for found in _JSON_BRACKET.finditer(_JSON_STRING.sub(b"", raw)):
        depth += 1 if found.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False
