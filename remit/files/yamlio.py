"""Reading input files: text decoding (UTF-8, BOM, GB18030) and YAML with line numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from remit.errors import InputError, Problem

Loc = tuple[str | int, ...]
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: much faster


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader, except that an impossible date (``2025-13-45``) stays text, so that
    the schema reports it at its field and line instead of the loader failing."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def decode(data: bytes, source: str, encoding: str = "auto") -> str:
    """Decode ``data``: UTF-8 (a BOM is dropped), else GB18030 (which covers GBK).

    ``encoding`` forces one codec instead of guessing.
    """
    codecs = ["utf-8-sig", "gb18030"] if encoding == "auto" else [encoding]
    for codec in codecs:
        try:
            return data.decode("utf-8-sig" if codec == "utf-8" else codec)
        except UnicodeDecodeError:
            continue
    raise InputError.one("file.encoding", source=source, tried=" / ".join(codecs))


def read_text(path: Path, encoding: str = "auto") -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError.one("file.not_found", source=str(path)) from None
    return decode(data, str(path), encoding)


class LineMap:
    """The line (1-based) of every mapping key and sequence item of a YAML document."""

    def __init__(self) -> None:
        self._lines: dict[Loc, int] = {}

    def set(self, loc: Loc, line: int) -> None:
        self._lines.setdefault(loc, line)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        path = tuple(loc)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return self._lines.get(())


def load_yaml(path: Path) -> tuple[Any, LineMap]:
    """Parse one YAML document; problems (syntax, duplicate keys, emptiness) carry lines."""
    source = str(path)
    text = read_text(path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError.one(
                "file.empty", source=source, expected="a YAML mapping with a 'file:' key"
            )
        lines = LineMap()
        problems: list[Problem] = []
        _walk(node, (), lines, problems, source)
        if problems:
            raise InputError(problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        detail = " ".join(filter(None, [exc.context, exc.problem]))
        raise InputError.one("file.yaml_syntax", source=source, line=line, detail=detail) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise InputError.one("file.yaml_syntax", source=source, detail=str(exc)) from None
    finally:
        loader.dispose()
    return data, lines


def _walk(node: yaml.Node, loc: Loc, lines: LineMap, problems: list[Problem], source: str) -> None:
    """Record the line of every key and item under ``node``; duplicate keys are problems.
    Without recursion: a document nested deeper than Python's stack is reported by the
    schema that reads it, not by a RecursionError here."""
    stack: list[tuple[yaml.Node, Loc]] = [(node, loc)]
    while stack:
        node, loc = stack.pop()
        lines.set(loc, node.start_mark.line + 1)
        children: list[tuple[yaml.Node, Loc]] = []
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    problems.append(
                        Problem(
                            "ref.duplicate",
                            {"what": "key", "key": key, "other": f"line {seen[key]}"},
                            source=source,
                            line=line,
                            field=dotted((*loc, key)),
                        )
                    )
                seen[key] = line
                lines.set((*loc, key), line)
                children.append((value_node, (*loc, key)))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, (*loc, index)) for index, item in enumerate(node.value)]
        stack.extend(reversed(children))  # in document order: the first line seen is kept


def dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
