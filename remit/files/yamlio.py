"""Reading input files: text decoding (UTF-8, BOM, GB18030) and YAML with line numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from remit.errors import InputError, Problem
from remit.files import limits

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
    wide = wide_encoding(data)
    if wide is not None:
        raise InputError.one("file.wide_encoding", source=source, encoding=wide)
    codecs = ["utf-8-sig", "gb18030"] if encoding == "auto" else [encoding]
    for codec in codecs:
        try:
            return data.decode("utf-8-sig" if codec == "utf-8" else codec)
        except UnicodeDecodeError:
            continue
    raise InputError.one("file.encoding", source=source, tried=" / ".join(codecs))


_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32LE",
    b"\x00\x00\xfe\xff": "UTF-32BE",
    b"\xff\xfe": "UTF-16LE",
    b"\xfe\xff": "UTF-16BE",
}


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding ``data`` looks written in, by the NUL bytes that such
    text holds (its keys, codes and line breaks are ASCII), named by its BOM if it has one; or
    None. Neither is read: the message says to save the file as UTF-8 or GB18030."""
    sample = data[:4096]
    nuls = sample.count(0)
    if len(sample) < 2 or nuls * 5 < len(sample):  # under 20% NUL: not a wide encoding
        return None
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            return name
    endian = "BE" if sample[0] == 0 else "LE"
    return f"UTF-{32 if nuls * 5 > len(sample) * 3 else 16}{endian}"


def read_bytes(path: Path) -> bytes:
    """The bytes of the file at ``path``, read whole: refused when missing, not a file,
    unreadable or over :data:`remit.files.limits.FILE_BYTES`."""
    source = str(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError.one("file.is_directory", source=source)
        if size > limits.FILE_BYTES.value():
            raise InputError.one(
                "limit.file_bytes",
                source=source,
                size=size,
                limit=limits.FILE_BYTES.value(),
                env=limits.FILE_BYTES.env,
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError.one("file.not_found", source=source) from None
    except OSError as exc:  # a symlink loop, a name too long, permission denied, an I/O error
        raise InputError.one("file.unreadable", source=source, detail=os_detail(exc)) from None


def os_detail(exc: OSError) -> str:
    """What the operating system said, without the file name it repeats."""
    return exc.strerror or type(exc).__name__


def read_text(path: Path, encoding: str = "auto") -> str:
    return decode(read_bytes(path), str(path), encoding)


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
        _measure(node, source)
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


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(root: yaml.Node, source: str) -> None:
    """Refuse a document that its aliases expand beyond :data:`~remit.files.limits.YAML_NODES`
    values ("billion laughs"), that nests deeper than :data:`~remit.files.limits.YAML_DEPTH`, or
    whose alias refers to a value that contains it. Each distinct node is measured once, so
    this takes time in proportion to the file, not to what it expands to."""
    max_nodes, max_depth = limits.YAML_NODES.value(), limits.YAML_DEPTH.value()
    measured: dict[int, tuple[int, int]] = {}  # id(node) → (values expanded, depth)
    open_nodes: set[int] = set()  # the nodes on the path from the root to the current one
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        line = node.start_mark.line + 1
        long_number = isinstance(node, yaml.ScalarNode) and len(node.value) > 4000
        if long_number and node.tag == "tag:yaml.org,2002:int":  # Python reads 4,300 digits
            raise InputError.one("file.yaml_long_number", source=source, line=line)
        if done:
            open_nodes.discard(key)
            kids = [measured[id(kid)] for kid in _children(node)]
            size = 1 + sum(k[0] for k in kids)
            depth = 1 + max((k[1] for k in kids), default=0)
            measured[key] = (size, depth)
            if size > max_nodes:
                raise InputError.one(
                    "limit.yaml_nodes",
                    source=source,
                    line=line,
                    limit=max_nodes,
                    env=limits.YAML_NODES.env,
                )
            if depth > max_depth:
                raise InputError.one(
                    "limit.yaml_depth",
                    source=source,
                    line=line,
                    limit=max_depth,
                    env=limits.YAML_DEPTH.env,
                )
            continue
        if key in measured:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in open_nodes:
                raise InputError.one("file.yaml_recursive", source=source, line=line)
            if id(kid) not in measured:
                stack.append((kid, False))


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
