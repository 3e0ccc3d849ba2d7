"""The one list of output formats (remit/present/formats.py): the format a file name asks for,
what is refused, and that every command's --format choices come from the list."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from remit.cli import main
from remit.errors import InputError
from remit.present.formats import BY_SUFFIX, FORMATS, formats, output_format

CHECK = ("text", "json", "md", "html", "xlsx")


@pytest.mark.parametrize(
    ("fmt", "name", "expected"),
    [
        (None, None, "text"),  # standard output: the default
        ("json", None, "json"),
        (None, "report.html", "html"),
        (None, "REPORT.HTM", "html"),
        (None, "report.md", "md"),
        (None, "report.txt", "text"),
        ("html", "report.html", "html"),
        (None, "report", "text"),  # no suffix: the default
        ("md", "report", "md"),
        (None, "check.2026-03-02", "text"),  # a suffix that names no file type
        ("json", "check.2026-03-02", "json"),
    ],
)
def test_the_format_follows_the_file_name(fmt: str | None, name: str | None, expected: str) -> None:
    path = Path(name) if name is not None else None
    assert output_format(fmt, path, CHECK, "text") == expected


@pytest.mark.parametrize(
    ("fmt", "name", "says"),
    [
        (None, "x.pdf", "this command does not write .pdf files; it writes text (.txt), json"),
        ("html", "x.pdf", "does not write .pdf files"),
        (None, "x.csv", "does not write .csv files"),  # remit writes CSV, but check does not
        ("json", "x.html", "the suffix .html is for html, not for --format json"),
        ("text", "x.md", "end the file name in .txt or leave out --format"),
    ],
)
def test_a_suffix_of_another_format_is_refused(fmt: str | None, name: str, says: str) -> None:
    with pytest.raises(InputError) as caught:
        output_format(fmt, Path(name), CHECK, "text")
    assert caught.value.exit_code == 2
    (problem,) = caught.value.problems
    assert problem.source == name
    assert says in problem.render("en")


def test_without_a_default_the_name_or_format_must_say() -> None:
    assert output_format(None, Path("wlq.yml"), ("yaml", "csv"), None) == "yaml"
    with pytest.raises(InputError) as caught:
        output_format(None, Path("wlq"), ("yaml", "csv"), None)
    text = caught.value.render("en")
    assert text.startswith("wlq: the file name does not say which format to write")
    assert "yaml (.yaml, .yml), csv (.csv)" in text
    zh = caught.value.render("zh")
    assert "无法从文件名判断输出格式" in zh


def test_one_list_of_formats() -> None:
    assert set(FORMATS) == {"text", "json", "jsonl", "md", "html", "xlsx", "csv", "yaml"}
    assert BY_SUFFIX[".ndjson"].name == "jsonl" and BY_SUFFIX[".yml"].name == "yaml"
    with pytest.raises(ValueError, match="not an output format of remit: pdf"):
        formats("text", "pdf")


def _format_choices(*path: str) -> tuple[str, ...]:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    (option,) = [p for p in command.params if p.name == "fmt"]
    assert isinstance(option.type, click.Choice)
    return tuple(option.type.choices)


@pytest.mark.parametrize(
    ("command", "choices"),
    [
        (("check",), CHECK),
        (("registry", "export"), ("yaml", "csv", "xlsx")),
        (("route",), ("text", "json")),
        (("registry", "show"), ("text", "json", "yaml")),
    ],
)
def test_format_choices_come_from_the_list(
    command: tuple[str, ...], choices: tuple[str, ...]
) -> None:
    assert _format_choices(*command) == choices
    assert set(choices) <= set(FORMATS)
