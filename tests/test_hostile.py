"""The held corpus of hostile and careless input (issue 11): every case exits 2, names the file
(and its line, row or field where there is one) and what is wrong, never says "internal error",
and leaves the registry as it was. The bombs are made here, at test time, never committed, and
every case runs under a time guard, so that a regression fails instead of hanging.

Each case is a function of a scratch directory that makes its files and returns the command's
arguments, with the phrases its message must hold (``{tmp}`` is the scratch directory). Cases
where the database matters (an import that would write) run on SQLite and PostgreSQL; the rest
on a copy of the sample district in SQLite. The validation holes of issue 11 (two drafts,
clashing names, duplicate columns, non-finite and oversized numbers, control characters, four
eyes) are in tests/test_validation_holes.py and not repeated here.
"""

from __future__ import annotations

import json
import os
import signal
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from remit import InputError, Registry
from remit.files import limits
from tests.factories import ROOT, Cli, write

DATA = ROOT / "data"
EVENTS = DATA / "events" / "huangpu-2026.jsonl"
MAPPING = DATA / "tables" / "scj-mapping.yaml"
SCJ_TABLE = DATA / "tables" / "hp-qz-scj-2027.csv"
REQUEST = DATA / "admission_requests" / "admitted.yaml"
GATE_CONFIG = DATA / "admission_requests" / "config.yaml"
RULES = DATA / "rules"
GUARD_SECONDS = 10
"""Past this, a case is stopped (it fails): the bombs took a minute and gigabytes before."""

GOOD_EVENT = {
    "id": "HP-T-1",
    "matter": "SJ0106",
    "area": "310101018001",
    "reported_at": "2026-03-02T10:00:00",
}
ROUTE = ("route", "--matter", "无照经营游商", "--area", "南京东路街道", "--attr", "地点类型=道路")


# --- the bombs and other files, made at test time ---------------------------------------------


def yaml_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": each anchor a list of ``width`` aliases of the one before it."""
    lines = ["file: units", 'a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    lines.append(f"units: *a{levels}")
    return "\n".join(lines) + "\n"


def nested_json(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def an_event(**changes: Any) -> dict[str, Any]:
    return {**GOOD_EVENT, **changes}


def jsonl(*events: dict[str, Any] | str) -> str:
    return "".join(
        (e if isinstance(e, str) else json.dumps(e, ensure_ascii=False)) + "\n" for e in events
    )


def xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for values in rows:
        sheet.append(list(values))
    book.save(path)
    return path


EVENT_HEADER = ["id", "matter", "area", "reported_at"]
TABLE_HEADER = ["事项编码", "责任单位", "角色", "区域"]


def xlsx_bomb(path: Path, megabytes: int) -> Path:
    """A workbook whose one sheet unpacks to ``megabytes`` of the same row over and over
    (a decompression bomb: the file is a few hundred KB)."""
    template = xlsx(path.with_suffix(".template.xlsx"), [EVENT_HEADER])
    with zipfile.ZipFile(template) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    head, rest = sheet.split("<sheetData>")
    tail = rest.split("</sheetData>")[1]
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 50
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                out.writestr(name, data)
                continue
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with out.open(info, "w", force_zip64=True) as handle:
                handle.write(f"{head}<sheetData>".encode())
                written, number = 0, 1
                while written < megabytes * 1_000_000:
                    block = "".join(
                        f'<row r="{number + i}">{cells}</row>' for i in range(1000)
                    ).encode()
                    handle.write(block)
                    written += len(block)
                    number += 1000
                handle.write(f"</sheetData>{tail}".encode())
    return path


def xlsx_declaring(path: Path, dimension: str) -> Path:
    """A small workbook whose sheet declares the used range ``dimension``."""
    xlsx(path, [EVENT_HEADER, list(GOOD_EVENT.values())])
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index("<dimension ref=")
    end = sheet.index("/>", start) + 2
    parts["xl/worksheets/sheet1.xml"] = (
        sheet[:start] + f'<dimension ref="{dimension}"/>' + sheet[end:]
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def corrupt_sqlite(tmp: Path, how: str) -> str:
    """A copy of a registry damaged ``how``: truncated, or its header overwritten."""
    from remit import Registry as R

    path = tmp / f"{how}.db"
    R.create(f"sqlite:///{path}").close()
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:
        path.write_bytes(b"\x00garbage\xff" * 10 + data[100:])
    return f"sqlite:///{path}"


# --- the cases ---------------------------------------------------------------------------------

Make = Callable[[Path], Sequence[object]]


@dataclass(frozen=True)
class Case:
    make: Make
    expect: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    db_url: bool = False
    """The case names its own --db (made by ``make``): no registry is passed."""


def case(
    *expect: str, env: dict[str, str] | None = None, db_url: bool = False
) -> Callable[[Make], Case]:
    def wrap(make: Make) -> Case:
        return Case(make, expect, env or {}, db_url)

    return wrap


def put(tmp: Path, name: str, data: str | bytes) -> Path:
    return write(tmp / name, data)


# Each registry import that would write: on both databases (the mini tree's registry).
IMPORTS: dict[str, Case] = {}
# Everything else: on a copy of the sample district (SQLite).
CASES: dict[str, Case] = {}


def importing(name: str, *expect: str, env: dict[str, str] | None = None) -> Callable[[Make], Make]:
    def wrap(make: Make) -> Make:
        IMPORTS[name] = Case(make, expect, env or {})
        return make

    return wrap


def hostile(
    name: str, *expect: str, env: dict[str, str] | None = None, db_url: bool = False
) -> Callable[[Make], Make]:
    def wrap(make: Make) -> Make:
        assert name not in CASES, name
        CASES[name] = Case(make, expect, env or {}, db_url)
        return make

    return wrap


# --- YAML registry files (imported: the database matters) ---


@importing(
    "yaml-billion-laughs",
    "bomb.yaml, line",
    "expands to more than 1000000 values",
    "REMIT_MAX_YAML_NODES",
)
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "bomb.yaml", yaml_bomb()))


@importing("yaml-alias-bomb-wide", "wide.yaml", "expands to more than")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "wide.yaml", yaml_bomb(levels=4, width=60)))


@importing("yaml-merge-key-bomb", "merge.yaml", "expands to more than")
def _(tmp: Path) -> Sequence[object]:
    lines = ["file: units", "a0: &a0 {" + ", ".join(f"k{i}: v" for i in range(30)) + "}"]
    for level in range(1, 6):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 30) + "]")
    return ("registry", "import", put(tmp, "merge.yaml", "\n".join(lines) + "\nunits: *a5\n"))


@importing("yaml-alias-to-itself", "self.yaml, line 2", "cannot hold itself")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "self.yaml", "file: units\nunits: &a [*a]\n"))


@importing("yaml-mapping-holding-itself", "selfmap.yaml", "cannot hold itself")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "selfmap.yaml", "file: units\nunits:\n  - &u {code: A, name: a, parent: *u}\n"),
    )


@importing(
    "yaml-nested-100-deep-over-a-lowered-limit",
    "deep.yaml",
    "nests deeper than 64 levels",
    "REMIT_MAX_YAML_DEPTH",
    env={"REMIT_MAX_YAML_DEPTH": "64"},
)
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "deep.yaml", "file: units\nunits: " + nested_json(100) + "\n"),
    )


@importing("yaml-aliases-nested-3000-deep", "chain.yaml, line", "nests deeper than 1000 levels")
def _(tmp: Path) -> Sequence[object]:
    """Each anchor one level deeper than the one before: shallow as written (the parser's own
    bound does not see it), 3000 levels as read."""
    lines = ["file: units", "a0: &a0 [x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 3000)]
    text = "\n".join(lines) + "\nunits: *a2999\n"
    return ("registry", "import", put(tmp, "chain.yaml", text))


@importing("yaml-nested-100000-deep", "deeper.yaml, line 2", "YAML syntax error")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "deeper.yaml", "file: units\nunits: " + nested_json(100_000) + "\n"),
    )


@importing(
    "yaml-block-nested-80-deep",
    "block.yaml",
    "nests deeper than 64 levels",
    env={"REMIT_MAX_YAML_DEPTH": "64"},
)
def _(tmp: Path) -> Sequence[object]:
    text = "file: units\nunits:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(80))
    return ("registry", "import", put(tmp, "block.yaml", text + "  " * 81 + "x\n"))


@importing(
    "yaml-over-size-limit",
    "big.yaml",
    "more than remit reads (1000 bytes)",
    "REMIT_MAX_FILE_BYTES",
    env={"REMIT_MAX_FILE_BYTES": "1000"},
)
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "big.yaml", "file: units\n#" + "x" * 2000 + "\n"))


@importing(
    "yaml-utf16-le-no-bom",
    "u16.yaml",
    "looks UTF-16LE encoded",
    "save it as UTF-8 or GB18030",
)
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "u16.yaml", "file: units\nunits: []\n".encode("utf-16-le")),
    )


@importing("yaml-utf16-be-no-bom", "u16be.yaml", "looks UTF-16BE encoded")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "u16be.yaml", "file: units\nunits: []\n".encode("utf-16-be")),
    )


@importing("yaml-utf16-with-bom", "bom16.yaml", "looks UTF-16LE encoded")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "bom16.yaml", "file: units\nunits: []\n".encode("utf-16")),
    )


@importing("yaml-utf32", "u32.yaml", "looks UTF-32LE encoded")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "u32.yaml", "file: units\nunits: []\n".encode("utf-32-le")),
    )


@importing("yaml-chinese-utf16", "zh16.yaml", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    text = "file: units\nunits:\n  - {code: A, name: 南京东路街道办事处}\n"
    return ("registry", "import", put(tmp, "zh16.yaml", text.encode("utf-16-le")))


@importing("yaml-binary-garbage", "garbage.yaml", "cannot decode the file")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "garbage.yaml", bytes(range(128, 256)) * 4))


@importing("yaml-empty", "empty.yaml", "the file is empty")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "empty.yaml", b""))


@importing("yaml-nul-bytes-only", "nul.yaml", "looks UTF-")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "nul.yaml", b"\x00" * 64))


@importing("yaml-python-tag", "tag.yaml, line 2", "YAML syntax error")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "tag.yaml", "file: units\nunits: !!python/object/apply:os.system ['true']\n"),
    )


@importing("yaml-two-documents", "two.yaml", "YAML syntax error")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "two.yaml", "file: units\nunits: []\n---\nfile: units\n"),
    )


@importing("yaml-scalar-document", "scalar.yaml")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "scalar.yaml", "hello\n"))


@importing("yaml-list-document", "seq.yaml")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "seq.yaml", "- file: units\n"))


@importing("yaml-missing-file", "nowhere.yaml", "no such file or directory")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", tmp / "nowhere.yaml")


@importing("yaml-symlink-loop", "loop.yaml")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "loop.yaml").symlink_to(tmp / "loop2.yaml")
    (tmp / "loop2.yaml").symlink_to(tmp / "loop.yaml")
    return ("registry", "import", tmp / "loop.yaml")


@importing(
    "yaml-time-limit-99999999999-days",
    "list.yaml",
    "'99999999999天' is longer than ten years",
    "the longest is 3650天",
)
def _(tmp: Path) -> Sequence[object]:
    text = (
        "file: list\nid: QZ-X\nname: 测试清单\nkind: department\nversions:\n"
        "  - version: 1\n    status: draft\n    duties:\n"
        "      - {matter: SJ0501, unit: CGJ, time_limit: 99999999999天}\n"
    )
    return ("registry", "import", put(tmp, "list.yaml", text))


@importing("yaml-time-limit-typed-1e300-hours", "typed.yaml", "longer than ten years")
def _(tmp: Path) -> Sequence[object]:
    text = (
        "file: list\nid: QZ-X\nname: 测试清单\nkind: department\nversions:\n"
        "  - version: 1\n    status: draft\n    duties:\n"
        "      - {matter: SJ0501, unit: CGJ, time_limit: {value: 1.0e+300, unit: hours}}\n"
    )
    return ("registry", "import", put(tmp, "typed.yaml", text))


@importing("yaml-catalogue-volume-1e308", "catalogue.yaml", "less than or equal to 1000000000000")
def _(tmp: Path) -> Sequence[object]:
    text = (
        "file: catalogue\nversions:\n  - version: 9\n    status: draft\n    matters:\n"
        "      - {code: SJ9999, name: 测试事项, estimate: {yearly_volume: 1.0e+308}}\n"
    )
    return ("registry", "import", put(tmp, "catalogue.yaml", text))


@importing(
    "bad-limit-variable",
    "REMIT_MAX_YAML_NODES='lots' is not a whole number",
    env={"REMIT_MAX_YAML_NODES": "lots"},
)
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", put(tmp, "ok.yaml", "file: units\nunits: []\n"))


@importing("yaml-name-too-long", "File name too long")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "import", tmp / f"{'y' * 300}.yaml")


@importing("yaml-integer-of-5000-digits", "digits.yaml, line 2", "more than 4000 digits")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "import",
        put(tmp, "digits.yaml", "file: units\nunits: [" + "9" * 5000 + "]\n"),
    )


# --- tables (CSV, XLSX) imported as a list's draft (the database matters) ---


def table_import(path: Path, *more: object) -> Sequence[object]:
    return ("registry", "import", path, "--list", "QZ-CGJ", *more)


@importing(
    "csv-cell-over-the-field-limit",
    "long.csv, row 3",
    "more than 1000000 characters",
    "REMIT_MAX_CSV_CELL_CHARS",
)
def _(tmp: Path) -> Sequence[object]:
    text = '事项编码,责任单位\nSJ0501,CGJ\nSJ0502,"' + "x" * 1_100_000 + '"\n'
    return table_import(put(tmp, "long.csv", text))


@importing(
    "csv-quote-left-open",
    "open.csv, row 3",
    "more than 500 characters",
    env={"REMIT_MAX_CSV_CELL_CHARS": "500"},
)
def _(tmp: Path) -> Sequence[object]:
    text = '事项编码,责任单位\nSJ0501,CGJ\nSJ0502,"CGJ\n' + "SJ0503,CGJ\n" * 100
    return table_import(put(tmp, "open.csv", text))


@importing("csv-utf16", "u16.csv", "looks UTF-16LE")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "u16.csv", "事项编码,责任单位\nSJ0501,CGJ\n".encode("utf-16-le")))


@importing("csv-binary-garbage", "garbage.csv", "cannot decode the file")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "garbage.csv", bytes(range(128, 256)) * 8))


@importing("csv-empty", "empty.csv", "the file is empty")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "empty.csv", b""))


@importing("csv-nul-in-a-cell", "nul.csv, row 2", "U+0000")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "nul.csv", "事项编码,责任单位\nSJ0501,C\x00GJ\n"))


@importing("csv-time-limit-99999999999-days", "tl.csv, row 2", "longer than ten years")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "tl.csv", "事项编码,责任单位,时限\nSJ0501,CGJ,99999999999天\n"))


@importing("csv-time-limit-3000-working-days", "wd.csv, row 2", "the longest is 2500工作日")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "wd.csv", "事项编码,责任单位,时限\nSJ0501,CGJ,3000工作日\n"))


@importing(
    "csv-over-size-limit",
    "big.csv",
    "more than remit reads (100 bytes)",
    env={"REMIT_MAX_FILE_BYTES": "100"},
)
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "big.csv", "事项编码,责任单位\n" + "SJ0501,CGJ\n" * 20))


@importing("csv-is-a-directory", "dir.csv")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "dir.csv").mkdir()
    return table_import(tmp / "dir.csv")


@importing("tsv-utf32", "u32.tsv", "looks UTF-32")
def _(tmp: Path) -> Sequence[object]:
    return table_import(
        put(tmp, "u32.tsv", "事项编码\t责任单位\nSJ0501\tCGJ\n".encode("utf-32-be"))
    )


@importing(
    "xlsx-decompression-bomb",
    "bomb.xlsx",
    "xl/worksheets/sheet1.xml",
    "times its packed size",
    "REMIT_MAX_XLSX_RATIO",
)
def _(tmp: Path) -> Sequence[object]:
    return table_import(xlsx_bomb(tmp / "bomb.xlsx", 20))


@importing(
    "xlsx-unpacks-over-the-byte-limit",
    "big.xlsx",
    "unpacks to",
    "more than 2000000",
    env={"REMIT_MAX_XLSX_BYTES": "2000000"},
)
def _(tmp: Path) -> Sequence[object]:
    return table_import(xlsx_bomb(tmp / "big.xlsx", 3))


@importing(
    "xlsx-declares-a-whole-sheet",
    "whole.xlsx",
    "has 17179869184 cells, more than 20000000",
    "REMIT_MAX_XLSX_CELLS",
)
def _(tmp: Path) -> Sequence[object]:
    return table_import(xlsx_declaring(tmp / "whole.xlsx", "A1:XFD1048576"))


@importing(
    "xlsx-more-cells-than-the-limit",
    "cells.xlsx",
    "cells, more than 100",
    env={"REMIT_MAX_XLSX_CELLS": "100"},
)
def _(tmp: Path) -> Sequence[object]:
    return table_import(
        xlsx(tmp / "cells.xlsx", [TABLE_HEADER] + [["SJ0501", "CGJ", "主办", ""]] * 40)
    )


@importing("xlsx-text-file", "text.xlsx", "cannot read the workbook")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "text.xlsx", "事项编码,责任单位\n"))


@importing("xlsx-truncated", "cut.xlsx", "cannot read the workbook")
def _(tmp: Path) -> Sequence[object]:
    data = xlsx(tmp / "whole.xlsx", [TABLE_HEADER, ["SJ0501", "CGJ", "主办", ""]]).read_bytes()
    return table_import(put(tmp, "cut.xlsx", data[: len(data) // 2]))


@importing("xlsx-zip-without-a-workbook", "empty.xlsx", "cannot read the workbook")
def _(tmp: Path) -> Sequence[object]:
    with zipfile.ZipFile(tmp / "empty.xlsx", "w") as archive:
        archive.writestr("hello.txt", "hello")
    return table_import(tmp / "empty.xlsx")


@importing("xlsx-empty-file", "zero.xlsx", "cannot read the workbook")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "zero.xlsx", b""))


@importing("table-unsupported-suffix", "table.txt", "unsupported file type")
def _(tmp: Path) -> Sequence[object]:
    return table_import(put(tmp, "table.txt", "事项编码,责任单位\nSJ0501,CGJ\n"))


@importing("mapping-billion-laughs", "mapping.yaml", "expands to more than")
def _(tmp: Path) -> Sequence[object]:
    table = put(tmp, "t.csv", "事项编码,责任单位\nSJ0501,CGJ\n")
    return table_import(
        table, "--mapping", put(tmp, "mapping.yaml", yaml_bomb().replace("units", "mapping", 1))
    )


@importing("mapping-utf16", "m16.yaml", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    table = put(tmp, "t.csv", "事项编码,责任单位\nSJ0501,CGJ\n")
    return table_import(
        table, "--mapping", put(tmp, "m16.yaml", "file: mapping\n".encode("utf-16-le"))
    )


@importing("mapping-is-a-directory", "mapdir")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "mapdir").mkdir()
    return table_import(
        put(tmp, "t.csv", "事项编码,责任单位\nSJ0501,CGJ\n"), "--mapping", tmp / "mapdir"
    )


@importing("mapping-missing", "nomap.yaml", "no such file or directory")
def _(tmp: Path) -> Sequence[object]:
    return table_import(
        put(tmp, "t.csv", "事项编码,责任单位\nSJ0501,CGJ\n"), "--mapping", tmp / "nomap.yaml"
    )


# --- events: route, route-batch, check --history, admit --history ---


@hostile(
    "route-event-file-nested-200000-deep",
    "deep.json",
    "nested deeper than 64 levels",
    "REMIT_MAX_JSON_DEPTH",
)
def _(tmp: Path) -> Sequence[object]:
    data = json.dumps(an_event()).replace(
        "}", ', "attributes": {"a": ' + nested_json(200_000) + "}}"
    )
    return ("route", put(tmp, "deep.json", data))


@hostile("route-event-file-nested-70-deep", "deep70.json", "nested deeper than 64 levels")
def _(tmp: Path) -> Sequence[object]:
    return (
        "route",
        put(
            tmp, "deep70.json", json.dumps(an_event(attributes={"a": json.loads(nested_json(70))}))
        ),
    )


@hostile("route-event-file-utf16", "e16.json", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    return ("route", put(tmp, "e16.json", json.dumps(an_event()).encode("utf-16-le")))


@hostile("route-event-file-binary", "bin.json", "cannot decode the file")
def _(tmp: Path) -> Sequence[object]:
    return ("route", put(tmp, "bin.json", bytes(range(128, 256))))


@hostile("route-event-file-is-a-directory", "evdir.json")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "evdir.json").mkdir()
    return ("route", tmp / "evdir.json")


@hostile(
    "route-event-file-reported-in-9999",
    "late.json",
    "too far in the future",
    "before the year 9000",
)
def _(tmp: Path) -> Sequence[object]:
    return ("route", put(tmp, "late.json", json.dumps(an_event(reported_at="9999-12-31T23:00:00"))))


@hostile("route-event-file-reported-in-year-1", "early.json", "too far in the past")
def _(tmp: Path) -> Sequence[object]:
    return (
        "route",
        put(tmp, "early.json", json.dumps(an_event(reported_at="0001-01-01T00:00:00"))),
    )


@hostile(
    "route-event-file-repeat-2**70",
    "repeat.json",
    "repeat_count",
    "less than or equal to 2147483647",
)
def _(tmp: Path) -> Sequence[object]:
    return ("route", put(tmp, "repeat.json", json.dumps(an_event(repeat_count=2**70))))


@hostile("route-reported-at-9999-12-31", "'--reported-at'", "too far in the future")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--reported-at", "9999-12-31T23:00:00")


@hostile("route-reported-at-year-1", "'--reported-at'", "too far in the past")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--reported-at", "0001-01-01T00:00:00")


@hostile("route-reported-at-not-a-time", "'--reported-at'", "is not a time")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--reported-at", "yesterday")


@hostile("route-repeat-minus-1", "command line, field --repeat", "greater than or equal to 0")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--reported-at", "2026-03-02T10:00:00", "--repeat", "-1")


@hostile("route-repeat-huge", "field --repeat", "less than or equal to 2147483647")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--reported-at", "2026-03-02T10:00:00", "--repeat", "9" * 30)


@hostile("route-matter-with-terminal-escape", "field --matter", "U+001B")
def _(tmp: Path) -> Sequence[object]:
    return (
        "route",
        "--matter",
        "\x1b[2J",
        "--area",
        "南京东路街道",
        "--reported-at",
        "2026-03-02T10:00:00",
    )


@hostile("route-owner-with-bidi-control", "field --owner", "U+202E")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--reported-at", "2026-03-02T10:00:00", "--owner", "a\u202eb")


@hostile("route-known-at-huge-revision", "there is no revision")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--reported-at", "2026-03-02T10:00:00", "--known-at", "9" * 25)


@hostile("route-known-at-year-1", "'--known-at'", "too far in the past")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--known-at", "0001-01-01T00:00:00")


@hostile("route-working-hours-25-oclock", "'--working-hours'")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--working-hours", "25:00-26:00")


@hostile("route-working-hours-backwards", "'--working-hours'")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--working-hours", "17:00-09:00")


@hostile("route-working-hours-one-minute-a-day", "'--working-hours'", "at least 60")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--working-hours", "09:00-09:01")


@hostile("route-event-file-integer-of-5000-digits", "big.json", "more than 4300 digits")
def _(tmp: Path) -> Sequence[object]:
    return (
        "route",
        put(tmp, "big.json", json.dumps(an_event())[:-1] + ', "repeat_count": ' + "9" * 5000 + "}"),
    )


@hostile("batch-json-file-integer-of-5000-digits", "big.json", "more than 4300 digits")
def _(tmp: Path) -> Sequence[object]:
    return batch(put(tmp, "big.json", "[" + "9" * 5000 + "]"), tmp)


@hostile("route-event-file-not-an-object", "list.json")
def _(tmp: Path) -> Sequence[object]:
    return ("route", put(tmp, "list.json", "42"))


@hostile("route-attr-without-equals", "--attr", "expected NAME=VALUE")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--attr", "x")


@hostile("route-rules-billion-laughs", "rules.yaml", "expands to more than")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--rules", put(tmp, "rules.yaml", yaml_bomb().replace("units", "rules", 1)))


@hostile("route-rules-utf16", "r16.yaml", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--rules", put(tmp, "r16.yaml", "file: rules\nrules: []\n".encode("utf-16-le")))


def batch(events: Path, tmp: Path, *more: object) -> Sequence[object]:
    return ("route-batch", events, "-o", tmp / "out.jsonl", *more)


@hostile("batch-json-file-nested-200000-deep", "deep.json", "nested deeper than 64 levels")
def _(tmp: Path) -> Sequence[object]:
    return batch(
        put(tmp, "deep.json", "[" + json.dumps(an_event()) + "," + nested_json(200_000) + "]"), tmp
    )


@hostile("batch-jsonl-utf16", "e16.jsonl", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    return batch(
        put(tmp, "e16.jsonl", jsonl(an_event(), an_event(id="2")).encode("utf-16-le")), tmp
    )


@hostile("batch-csv-utf16", "e16.csv", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    text = ",".join(EVENT_HEADER) + "\n" + ",".join(GOOD_EVENT.values()) + "\n"
    return batch(put(tmp, "e16.csv", text.encode("utf-16-le")), tmp)


@hostile(
    "batch-csv-cell-over-the-field-limit",
    "long.csv, row 3",
    "more than 1000 characters",
    env={"REMIT_MAX_CSV_CELL_CHARS": "1000"},
)
def _(tmp: Path) -> Sequence[object]:
    text = (
        ",".join(EVENT_HEADER)
        + "\n"
        + ",".join(GOOD_EVENT.values())
        + '\n"'
        + "x" * 2000
        + '",a,b,c\n'
    )
    return batch(put(tmp, "long.csv", text), tmp)


@hostile("batch-xlsx-decompression-bomb", "bomb.xlsx", "times its packed size")
def _(tmp: Path) -> Sequence[object]:
    return batch(xlsx_bomb(tmp / "bomb.xlsx", 20), tmp)


@hostile("batch-xlsx-declares-a-whole-sheet", "whole.xlsx", "17179869184 cells")
def _(tmp: Path) -> Sequence[object]:
    return batch(xlsx_declaring(tmp / "whole.xlsx", "A1:XFD1048576"), tmp)


@hostile(
    "batch-xlsx-more-cells-than-the-limit",
    "cells.xlsx",
    "more than 50",
    env={"REMIT_MAX_XLSX_CELLS": "50"},
)
def _(tmp: Path) -> Sequence[object]:
    return batch(xlsx(tmp / "cells.xlsx", [EVENT_HEADER] + [list(GOOD_EVENT.values())] * 30), tmp)


@hostile("batch-xlsx-garbage", "junk.xlsx", "cannot read the workbook")
def _(tmp: Path) -> Sequence[object]:
    return batch(put(tmp, "junk.xlsx", bytes(range(256)) * 10), tmp)


@hostile("batch-empty-jsonl", "empty.jsonl")
def _(tmp: Path) -> Sequence[object]:
    return batch(put(tmp, "empty.jsonl", b""), tmp)


@hostile("batch-blank-jsonl", "blank.jsonl")
def _(tmp: Path) -> Sequence[object]:
    return batch(put(tmp, "blank.jsonl", "\n\n   \n"), tmp)


@hostile("batch-missing-events", "missing.jsonl", "no such file or directory")
def _(tmp: Path) -> Sequence[object]:
    return batch(tmp / "missing.jsonl", tmp)


@hostile("batch-events-a-directory", "evdir.jsonl")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "evdir.jsonl").mkdir()
    return batch(tmp / "evdir.jsonl", tmp)


@hostile("batch-events-symlink-loop", "loop.jsonl")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "loop.jsonl").symlink_to(tmp / "loop2.jsonl")
    (tmp / "loop2.jsonl").symlink_to(tmp / "loop.jsonl")
    return batch(tmp / "loop.jsonl", tmp)


@hostile("batch-output-a-directory", "outdir", "this is a directory")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "outdir").mkdir()
    return ("route-batch", EVENTS, "-o", tmp / "outdir")


@hostile("batch-rejects-a-directory", "rejdir", "this is a directory")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "rejdir").mkdir()
    return batch(EVENTS, tmp, "--rejects", tmp / "rejdir")


@hostile("batch-output-in-a-missing-directory", "no/such/out.jsonl", "does not exist")
def _(tmp: Path) -> Sequence[object]:
    return ("route-batch", EVENTS, "-o", tmp / "no" / "such" / "out.jsonl")


@hostile("batch-output-is-the-events-file", "ev.jsonl", "which the command reads or writes too")
def _(tmp: Path) -> Sequence[object]:
    events = put(tmp, "ev.jsonl", EVENTS.read_bytes())
    return ("route-batch", events, "-o", events)


@hostile("batch-rejects-is-the-output", "same.jsonl", "which the command reads or writes too")
def _(tmp: Path) -> Sequence[object]:
    return ("route-batch", EVENTS, "-o", tmp / "same.jsonl", "--rejects", tmp / "same.jsonl")


@hostile("batch-output-on-a-full-disk", "/dev/full", "No space left on device")
def _(tmp: Path) -> Sequence[object]:
    return ("route-batch", EVENTS, "-o", "/dev/full")


@hostile("batch-rejects-on-a-full-disk", "/dev/full", "No space left on device")
def _(tmp: Path) -> Sequence[object]:
    lines = jsonl(an_event(), "{not json")
    return batch(put(tmp, "two.jsonl", lines), tmp, "--rejects", "/dev/full")


@hostile("batch-output-wrong-suffix", "out.csv")
def _(tmp: Path) -> Sequence[object]:
    return ("route-batch", EVENTS, "-o", tmp / "out.csv")


@hostile("batch-workers-0", "'--workers'")
def _(tmp: Path) -> Sequence[object]:
    return batch(EVENTS, tmp, "--workers", "0")


@hostile("check-history-nested", "deep.json", "nested deeper than 64 levels")
def _(tmp: Path) -> Sequence[object]:
    return ("check", "--history", put(tmp, "deep.json", nested_json(100)))


@hostile("check-history-xlsx-bomb", "bomb.xlsx", "times its packed size")
def _(tmp: Path) -> Sequence[object]:
    return ("check", "--history", xlsx_bomb(tmp / "bomb.xlsx", 20))


@hostile("check-config-billion-laughs", "cfg.yaml", "expands to more than")
def _(tmp: Path) -> Sequence[object]:
    return (
        "check",
        "--config",
        put(tmp, "cfg.yaml", yaml_bomb().replace("units", "check-config", 1)),
    )


@hostile(
    "check-config-huge-hours",
    "cfg.yaml",
    "hours_per_staff_year",
    "less than or equal to 1000000000000",
)
def _(tmp: Path) -> Sequence[object]:
    return (
        "check",
        "--config",
        put(tmp, "cfg.yaml", "file: check-config\nhours_per_staff_year: 1.0e+308\n"),
    )


@hostile("check-output-a-directory", "repdir", "this is a directory")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "repdir").mkdir()
    return ("check", "--format", "md", "-o", tmp / "repdir")


for _fmt in ("md", "json", "html", "xlsx"):

    def _check_full(tmp: Path, fmt: str = _fmt) -> Sequence[object]:
        return ("check", "--format", fmt, "-o", "/dev/full")

    hostile(f"check-{_fmt}-on-a-full-disk", "/dev/full", "No space left on device")(_check_full)


for _fmt in ("csv", "xlsx", "yaml"):

    def _export_full(tmp: Path, fmt: str = _fmt) -> Sequence[object]:
        return ("registry", "export", "HP-JZ-JB", "--format", fmt, "-o", "/dev/full")

    def _export_dir(tmp: Path, fmt: str = _fmt) -> Sequence[object]:
        (tmp / f"out.{fmt}").mkdir()
        return ("registry", "export", "HP-JZ-JB", "-o", tmp / f"out.{fmt}")

    def _export_nowhere(tmp: Path, fmt: str = _fmt) -> Sequence[object]:
        return ("registry", "export", "HP-JZ-JB", "-o", tmp / "none" / f"out.{fmt}")

    hostile(f"export-{_fmt}-on-a-full-disk", "/dev/full", "No space left on device")(_export_full)
    hostile(f"export-{_fmt}-to-a-directory", f"out.{_fmt}", "this is a directory")(_export_dir)
    hostile(f"export-{_fmt}-to-a-missing-directory", f"out.{_fmt}", "does not exist")(
        _export_nowhere
    )


@hostile("export-version-huge", "HP-JZ-JB")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "export", "HP-JZ-JB", "-o", tmp / "x.csv", "--version", "9" * 25)


@hostile("replay-known-at-huge-revision", "there is no revision")
def _(tmp: Path) -> Sequence[object]:
    return ("replay", put(tmp, "dec.jsonl", nested_json(100) + "\n"), "--known-at", "9" * 25)


@hostile("replay-decisions-utf16", "d16.jsonl", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    return ("replay", put(tmp, "d16.jsonl", '{"a": 1}\n'.encode("utf-16-le")))


@hostile("replay-output-on-a-full-disk", "/dev/full", "No space left on device")
def _(tmp: Path) -> Sequence[object]:
    decisions = put(tmp, "d.jsonl", "{}\n")
    return ("replay", decisions, "--format", "md", "-o", "/dev/full")


LONG = "x" * 300  # a file name longer than the system takes (255 bytes)


@hostile("export-name-too-long", "File name too long")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "export", "HP-JZ-JB", "-o", tmp / f"{LONG}.csv")


@hostile("export-into-a-symlink-loop", "loop/list.csv")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "loop").symlink_to(tmp / "loop2")
    (tmp / "loop2").symlink_to(tmp / "loop")
    return ("registry", "export", "HP-JZ-JB", "-o", tmp / "loop" / "list.csv")


@hostile("batch-events-name-too-long", "File name too long")
def _(tmp: Path) -> Sequence[object]:
    return batch(tmp / f"{LONG}.jsonl", tmp)


@hostile("route-event-name-too-long", "File name too long")
def _(tmp: Path) -> Sequence[object]:
    return ("route", tmp / f"{LONG}.json")


@hostile("replay-decisions-name-too-long", "File name too long")
def _(tmp: Path) -> Sequence[object]:
    return ("replay", tmp / f"{LONG}.jsonl")


@hostile("check-config-name-too-long", "File name too long")
def _(tmp: Path) -> Sequence[object]:
    return ("check", "--config", tmp / f"{LONG}.yaml")


@hostile("check-output-name-too-long", "File name too long")
def _(tmp: Path) -> Sequence[object]:
    return ("check", "--format", "md", "-o", tmp / f"{LONG}.md")


# --- admission requests and the gate's settings ---


def request_with(tmp: Path, name: str, *replace: tuple[str, str]) -> Path:
    text = REQUEST.read_text(encoding="utf-8")
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    return put(tmp, name, text)


@hostile(
    "admit-volume-1e308",
    "vol.yaml, line",
    "expected_yearly_volume",
    "less than or equal to 1000000000000",
)
def _(tmp: Path) -> Sequence[object]:
    return (
        "admit",
        "check",
        request_with(
            tmp, "vol.yaml", ("expected_yearly_volume: 400", "expected_yearly_volume: 1.0e+308")
        ),
        "--config",
        GATE_CONFIG,
    )


@hostile("admit-budget-1e308", "budget.yaml, line", "yearly_budget")
def _(tmp: Path) -> Sequence[object]:
    return (
        "admit",
        "check",
        request_with(tmp, "budget.yaml", ("yearly_budget: 80000", "yearly_budget: 1.7e+308")),
        "--config",
        GATE_CONFIG,
    )


@hostile("admit-staff-1e308", "staff.yaml, line", "staff")
def _(tmp: Path) -> Sequence[object]:
    return (
        "admit",
        "check",
        request_with(tmp, "staff.yaml", ("staff: 1,", "staff: 1.0e+308,")),
        "--config",
        GATE_CONFIG,
    )


@hostile("admit-hours-per-case-1e308", "hours.yaml, line", "hours_per_case")
def _(tmp: Path) -> Sequence[object]:
    request = request_with(
        tmp,
        "hours.yaml",
        ("expected_yearly_volume: 400", "expected_yearly_volume: 400\nhours_per_case: 1.0e+308"),
    )
    return ("admit", "check", request, "--config", GATE_CONFIG)


@hostile("admit-time-limit-99999999999-days", "tl.yaml, line", "longer than ten years")
def _(tmp: Path) -> Sequence[object]:
    return (
        "admit",
        "check",
        request_with(tmp, "tl.yaml", ("time_limit: 2工作日", "time_limit: 99999999999天")),
        "--config",
        GATE_CONFIG,
    )


@hostile("admit-config-threshold-1e308", "gate.yaml, line", "capacity_threshold")
def _(tmp: Path) -> Sequence[object]:
    config = put(
        tmp,
        "gate.yaml",
        GATE_CONFIG.read_text(encoding="utf-8").replace(
            "capacity_threshold: 1.0", "capacity_threshold: 1.0e+308"
        ),
    )
    return ("admit", "check", REQUEST, "--config", config)


@hostile("admit-config-cost-1e308", "norms.yaml, line", "cost_per_case")
def _(tmp: Path) -> Sequence[object]:
    config = put(
        tmp,
        "norms.yaml",
        GATE_CONFIG.read_text(encoding="utf-8").replace(
            "cost_per_case: 150", "cost_per_case: 1.0e+308"
        ),
    )
    return ("admit", "check", REQUEST, "--config", config)


@hostile("admit-100000-receiving-units", "many.yaml, line", "receiving.units", "at most 1000 items")
def _(tmp: Path) -> Sequence[object]:
    units = "receiving:\n  units: [" + ", ".join(["南京东路街道办事处"] * 100_000) + "]\n"
    request = REQUEST.read_text(encoding="utf-8")
    start = request.index("receiving:")
    end = request.index("role:")
    many = put(tmp, "many.yaml", request[:start] + units + request[end:])
    return ("admit", "check", many, "--config", GATE_CONFIG)


@hostile("admit-request-billion-laughs", "req.yaml", "expands to more than")
def _(tmp: Path) -> Sequence[object]:
    return (
        "admit",
        "check",
        put(tmp, "req.yaml", yaml_bomb().replace("units", "admission", 1)),
        "--config",
        GATE_CONFIG,
    )


@hostile("admit-request-utf16", "r16.yaml", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    return (
        "admit",
        "check",
        put(tmp, "r16.yaml", REQUEST.read_text(encoding="utf-8").encode("utf-16-le")),
        "--config",
        GATE_CONFIG,
    )


@hostile("admit-request-a-directory", "reqdir")
def _(tmp: Path) -> Sequence[object]:
    (tmp / "reqdir").mkdir()
    return ("admit", "check", tmp / "reqdir", "--config", GATE_CONFIG)


@hostile("admit-history-xlsx-bomb", "bomb.xlsx", "times its packed size")
def _(tmp: Path) -> Sequence[object]:
    return (
        "admit",
        "check",
        REQUEST,
        "--config",
        GATE_CONFIG,
        "--history",
        xlsx_bomb(tmp / "bomb.xlsx", 20),
    )


@hostile("admit-submit-by-bell-character", "U+0007")
def _(tmp: Path) -> Sequence[object]:
    return ("admit", "submit", REQUEST, "--config", GATE_CONFIG, "--by", "a\x07b")


# --- the registry database itself ---


@hostile("db-a-text-file", "notes.txt", "is not a remit registry", db_url=True)
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "lists", "--db", "sqlite:///" + str(put(tmp, "notes.txt", "my notes\n")))


@hostile(
    "db-truncated-sqlite", "truncated.db", "is not a remit registry, or is damaged", db_url=True
)
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "lists", "--db", corrupt_sqlite(tmp, "truncated"))


@hostile("db-header-overwritten", "header.db", "is not a remit registry", db_url=True)
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "lists", "--db", corrupt_sqlite(tmp, "header"))


@hostile("db-route-on-a-text-file", "notes.txt", "is not a remit registry", db_url=True)
def _(tmp: Path) -> Sequence[object]:
    return (*ROUTE, "--db", str(put(tmp, "notes.txt", "my notes\n")))


@hostile("db-init-over-a-text-file", "notes.txt", "is not a remit registry", db_url=True)
def _(tmp: Path) -> Sequence[object]:
    return ("init", "--force", "--db", "sqlite:///" + str(put(tmp, "notes.txt", "my notes\n")))


@hostile("db-a-directory", "dbdir", "cannot open the registry", db_url=True)
def _(tmp: Path) -> Sequence[object]:
    (tmp / "dbdir").mkdir()
    return ("registry", "lists", "--db", f"sqlite:///{tmp / 'dbdir'}")


@hostile("db-in-a-missing-directory", "cannot open the registry", db_url=True)
def _(tmp: Path) -> Sequence[object]:
    return ("init", "--db", f"sqlite:///{tmp / 'no' / 'such' / 'r.db'}")


@hostile("db-unknown-scheme", "cannot use database URL", db_url=True)
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "lists", "--db", "nosuchdb://x/y")


# --- other options ---


@hostile("registry-diff-huge-version", "HP-JZ-JB")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "diff", "HP-JZ-JB", "1", "9" * 25)


@hostile("registry-show-huge-version", "HP-JZ-JB")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "show", "HP-JZ-JB", "--version", "9" * 25)


@hostile("registry-show-known-at-year-1", "too far in the past")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "show", "HP-JZ-JB", "--known-at", "0001-01-01T00:00:00")


@hostile("registry-snapshot-known-at-negative", "'--known-at'")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "snapshot", "--known-at", "-1")


@hostile("registry-withdraw-huge-version", "HP-JZ-JB")
def _(tmp: Path) -> Sequence[object]:
    return ("registry", "withdraw", "HP-JZ-JB", "--version", "9" * 25, "--note", "x")


@hostile("registry-publish-ends-before-it-starts", "effective_to 2029-01-01 is before")
def _(tmp: Path) -> Sequence[object]:
    return (
        "registry",
        "publish",
        "HP-QZ-FGJ",
        "--effective-from",
        "2030-01-01",
        "--effective-to",
        "2029-01-01",
    )


@hostile("registry-publish-decisions-utf16", "d16.jsonl", "looks UTF-16")
def _(tmp: Path) -> Sequence[object]:
    decisions = put(tmp, "d16.jsonl", '{"a": 1}\n'.encode("utf-16-le"))
    return (
        "registry",
        "publish",
        "HP-QZ-FGJ",
        "--effective-from",
        "2030-01-01",
        "--decisions",
        decisions,
    )


@hostile("check-against-huge-version", "HP-QZ-FGJ")
def _(tmp: Path) -> Sequence[object]:
    return ("check", "--against", "HP-QZ-FGJ@" + "9" * 25)


@hostile("check-against-garbage", "--against", "is neither a date")
def _(tmp: Path) -> Sequence[object]:
    return ("check", "--against", "@@@")


# --- running them ----------------------------------------------------------------------------


@pytest.fixture
def guard() -> Iterator[None]:
    """Stop a case that runs past :data:`GUARD_SECONDS` (it then fails, as an internal error)."""

    def stop(*_: object) -> None:
        raise TimeoutError(f"still running after {GUARD_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(GUARD_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def recorded(url: str) -> tuple[Any, ...]:
    """What a refused command must leave as it was: the revision and the log."""
    with Registry(url) as registry:
        return registry.revision(), [(e.action, e.list_id, e.version) for e in registry.log()]


def run_refused(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp: Path, url: str | None, case: Case
) -> str:
    """Run ``case``: exit 2, its phrases said, no "internal error", the registry unchanged."""
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    args = case.make(tmp)
    before = recorded(url) if url else None
    result = cli(*args, db=None if case.db_url else url)
    said = result.stdout + result.stderr
    assert result.exit_code == 2, said
    assert "internal error" not in said and "Traceback" not in said, said
    for phrase in case.expect:
        assert phrase.format(tmp=tmp) in said, f"{phrase!r} not in {said!r}"
    if url is not None:
        assert recorded(url) == before
    return said


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_an_import_of_hostile_input_is_refused(
    name: str,
    cli: Cli,
    mini_registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wide_messages: None,
    guard: None,
) -> None:
    run_refused(cli, monkeypatch, tmp_path, mini_registry.url, IMPORTS[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_is_refused(
    name: str,
    cli: Cli,
    sample_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wide_messages: None,
    guard: None,
) -> None:
    case = CASES[name]
    url = None if case.db_url else sample_url
    said = run_refused(cli, monkeypatch, tmp_path, url, case)
    if not case.db_url:
        assert "is not a remit registry" not in said


def test_the_corpus_is_broad() -> None:
    assert len(IMPORTS) + len(CASES) >= 100


# --- one bad event of a batch is refused alone ---------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param(
            an_event(id="deep", attributes={"a": json.loads(nested_json(70))}),
            "nested deeper than 64 levels",
            id="nested-70",
        ),
        pytest.param(
            json.dumps(an_event(id="deeper"))[:-1]
            + ', "attributes": '
            + nested_json(200_000)
            + "}",
            "nested deeper than 64 levels",
            id="nested-200000",
        ),
        pytest.param("[" * 200_000, "nested deeper than 64 levels", id="open-brackets-200000"),
        pytest.param(
            an_event(id="late", reported_at="9999-12-31T23:00:00"),
            "too far in the future",
            id="reported-in-9999",
        ),
        pytest.param(an_event(id="many", repeat_count=2**70), "2147483647", id="repeat-2**70"),
        pytest.param("\x00\x01\xff{", "", id="binary"),
        pytest.param(
            an_event(id="wide", areas=["310101018001"] * 100_000),
            "at most 100 items",
            id="100000-areas",
        ),
        pytest.param(
            an_event(id="attrs", attributes={f"k{i}": i for i in range(100_000)}),
            "at most 100 items",
            id="100000-attributes",
        ),
        pytest.param(
            json.dumps(an_event(id="big"))[:-1] + ', "repeat_count": ' + "9" * 5000 + "}",
            "more than 4300 digits",
            id="integer-of-5000-digits",
        ),
    ],
)
def test_one_bad_line_of_a_batch_is_rejected_and_the_batch_goes_on(
    bad: dict[str, Any] | str, reason: str, cli: Cli, sample_url: str, tmp_path: Path, guard: None
) -> None:
    events = put(tmp_path, "events.jsonl", jsonl(an_event(id="1"), bad, an_event(id="3")))
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    result = cli("route-batch", events, "-o", out, "--rejects", rejects, db=sample_url)
    assert result.exit_code == 0, result.output
    decided = [json.loads(line)["event"]["id"] for line in out.read_text("utf-8").splitlines()]
    assert decided == ["1", "3"]
    [reject] = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert reject["where"] == {"source": str(events), "line": 2}
    assert reject["reasons"][0].startswith(f"{events}, line 2")
    assert reason in " ".join(reject["reasons"])
    assert len(rejects.read_bytes()) < 2000  # a value is shown abridged, not repeated whole


def test_an_overlong_line_of_a_batch_is_rejected_unread(
    cli: Cli, sample_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMIT_MAX_JSON_LINE_BYTES", "100000")
    long_one = json.dumps(an_event(id="y" * 300_000))
    events = put(tmp_path, "events.jsonl", jsonl(an_event(id="1"), long_one, an_event(id="3")))
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    for workers in ("1", "2"):
        result = cli(
            "route-batch",
            events,
            "-o",
            out,
            "--rejects",
            rejects,
            "--workers",
            workers,
            db=sample_url,
        )
        assert result.exit_code == 0, result.output
        decided = [json.loads(line)["event"]["id"] for line in out.read_text("utf-8").splitlines()]
        assert decided == ["1", "3"]
        [reject] = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
        assert reject["reasons"] == [
            f"{events}, line 2: the line is {len(long_one) + 1} bytes, longer than 100000; an event "
            "is under 1 KB, a decision a few KB (raise REMIT_MAX_JSON_LINE_BYTES if needed)"
        ]


def test_a_deep_attributes_cell_of_a_table_rejects_that_row(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    text = ",".join([*EVENT_HEADER, "attributes"]) + "\n" + ",".join(GOOD_EVENT.values()) + ",\n"
    text += ",".join(an_event(id="2").values()) + ',"' + nested_json(100_000) + '"\n'
    events = put(tmp_path, "events.csv", text)
    rejects = tmp_path / "rejects.jsonl"
    result = cli(
        "route-batch", events, "-o", tmp_path / "out.jsonl", "--rejects", rejects, db=sample_url
    )
    assert result.exit_code == 0, result.output
    [reject] = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert reject["where"] == {"source": str(events), "row": 3}
    assert "field attributes: the JSON is nested deeper than 64 levels" in reject["reasons"][0]


# --- what a refused write leaves -----------------------------------------------------------------


def test_a_batch_that_fails_half_way_leaves_no_file(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    """A table whose later row breaks a limit: -o and --rejects are not written at all, and a
    file already there is left as it was."""
    text = ",".join(EVENT_HEADER) + "\n" + (",".join(GOOD_EVENT.values()) + "\n") * 5
    events = put(tmp_path, "events.csv", text + '"' + "x" * 3000 + '",a,b,c\n')
    out = put(tmp_path, "out.jsonl", "earlier\n")
    os.environ["REMIT_MAX_CSV_CELL_CHARS"] = "1000"
    try:
        result = cli(
            "route-batch", events, "-o", out, "--rejects", tmp_path / "rej.jsonl", db=sample_url
        )
    finally:
        del os.environ["REMIT_MAX_CSV_CELL_CHARS"]
    assert result.exit_code == 2, result.output
    assert "events.csv, row 7" in result.stderr
    assert out.read_text("utf-8") == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv", "out.jsonl", "registry.db"]


def test_an_export_to_a_full_disk_leaves_the_old_file(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    from remit.files import writing

    target = put(tmp_path, "list.csv", "old\n")

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writing.os, "fsync", full)
        result = cli("registry", "export", "HP-JZ-JB", "-o", target, db=sample_url)
    assert result.exit_code == 2, result.output
    assert f"{target}: cannot write the file: No space left on device" in result.stderr
    assert target.read_text("utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv", "registry.db"]


# --- the limits ----------------------------------------------------------------------------------


def test_each_limit_can_be_raised_and_is_documented() -> None:
    docs = (ROOT / "docs" / "registry.md").read_text("utf-8")
    for limit in limits.ALL:
        assert f"`{limit.env}`" in docs, limit.env
        assert f"{limit.default:,}" in docs or str(limit.default) in docs, limit.name


def test_a_raised_limit_lets_the_file_through(
    cli: Cli, sample_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = put(
        tmp_path,
        "e.json",
        json.dumps(an_event(attributes={"地点类型": "道路", "x": json.loads(nested_json(70))})),
    )
    assert "nested deeper" in cli("route", deep, db=sample_url).stderr
    monkeypatch.setenv("REMIT_MAX_JSON_DEPTH", "100")
    assert "nested deeper" not in cli("route", deep, db=sample_url).stderr


def test_the_sample_data_is_well_within_the_limits() -> None:
    from remit.files.yamlio import load_yaml

    for path in sorted((DATA / "responsibility_lists").rglob("*.yaml")):
        load_yaml(path)
    for line in EVENTS.read_bytes().splitlines():
        assert not limits.json_too_deep(line, 8)


def test_a_file_name_that_is_not_utf8_is_kept_in_the_rejects(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    name = os.fsdecode(b"events-\xff.jsonl")  # "events-\udcff.jsonl"
    events = put(tmp_path, name, jsonl(an_event(id="1"), "{}"))
    rejects = tmp_path / "rejects.jsonl"
    result = cli(
        "route-batch", events, "-o", tmp_path / "o.jsonl", "--rejects", rejects, db=sample_url
    )
    assert result.exit_code == 0, result.output
    [reject] = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert reject["where"] == {"source": str(events), "line": 2}


@pytest.mark.parametrize(
    "args",
    [("registry", "lists"), ("registry", "show", "HP-JZ-JB", "--format", "json")],
    ids=["table", "json"],
)
def test_standard_output_on_a_full_disk(args: tuple[str, ...], sample_url: str) -> None:
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from remit.cli import main; main()",
                *args,
                "--db",
                sample_url,
                "--lang",
                "en",
            ],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        "cannot write the standard output: No space left on device; its output is incomplete\n"
    )


def test_a_time_limit_stored_before_the_bound_refuses_the_events_it_would_time(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    """A registry written before time limits were bounded may hold 99999999999天: it still
    loads, verifies and shows; an event that limit would time is refused with the list to
    correct (it was an OverflowError, or a loop without end for 工作日)."""
    from remit.timelimit import LONGEST, TimeUnit

    table = SCJ_TABLE.read_bytes().decode("gb18030").replace(",2工作日,", ",99999999999天,")
    with pytest.MonkeyPatch.context() as patch:  # as before the bound
        patch.setitem(LONGEST, TimeUnit.days, 10**12)
        args = ("registry", "import", put(tmp_path, "t.csv", table), "--mapping", MAPPING)
        assert cli(*args, "--list", "HP-QZ-SCJ", db=sample_url).exit_code == 0
        publish = ("registry", "publish", "HP-QZ-SCJ", "--effective-from", "2026-01-01")
        assert cli(*publish, "--retroactive", "--note", "x", db=sample_url).exit_code == 0
    assert "99999999999天" in cli("registry", "show", "HP-QZ-SCJ", db=sample_url).stdout
    assert cli("registry", "verify", db=sample_url).exit_code == 0
    route = (
        "route",
        "--matter",
        "无照经营游商",
        "--area",
        "南京东路街道",
        "--attr",
        "地点类型=park",
    )
    result = cli(*route, "--reported-at", "2026-03-02T10:00:00", db=sample_url)
    assert result.exit_code == 2, result.output
    assert (
        "the time limit 99999999999天 (HP-QZ-SCJ v2) is longer than ten years (at most 3650天)"
        in result.stderr
    )


def test_an_amount_stored_before_the_bound_still_loads(tmp_path: Path) -> None:
    """A catalogue estimate of 1e300 events a year, stored before amounts were bounded: the
    registry loads, checks and verifies; the same file imported now is refused."""
    import shutil

    import remit.model

    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "data" / "responsibility_lists", tree)
    catalogue = tree / "catalogue.yaml"
    text = catalogue.read_text("utf-8")
    catalogue.write_text(
        text.replace("yearly_volume: 120,", "yearly_volume: 1.0e+300,", 1), "utf-8"
    )
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with pytest.MonkeyPatch.context() as patch:  # as before the bound
        patch.setattr(remit.model, "LARGEST", 1e308)
        with Registry.create(url) as registry:
            registry.import_files([tree], by="before")
    with Registry(url) as registry:
        snapshot = registry.snapshot()
        assert snapshot.matters["BJ0104"].estimate is not None
        assert snapshot.matters["BJ0104"].estimate.yearly_volume == 1e300
        assert registry.verify().ok
    with Registry(url) as registry, pytest.raises(InputError, match="less than or equal to 1000"):
        registry.import_files([tree], by="now")
