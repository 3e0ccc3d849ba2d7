"""Catalogues as cities publish them, imported without a converter: a 12345 category tree (a
CSV or XLSX table of three levels) and an Open311 GeoReport v2 service list (services.json or
services.xml, with the service definitions beside it). Either becomes the next draft of the
registry's catalogue, its matters in one code space (:mod:`remit.registry.spaces`; the hotline
space unless another is named).

- **12345 tree.** Columns 一级分类, 二级分类, 三级分类 (``level1`` … ``level3``) with, optionally,
  their codes (一级编码 … or ``level1_code`` …), 说明 (description), 别名 (aliases, separated by
  、，,;；), 处置时限 (the default time limit) and 对应事项 (``same_as``: the matter of another
  space this category is, e.g. ``事件:0101``). A blank level cell under a row that gave it is
  filled down (merged cells). A category without a code gets one from its path: ``H`` and the
  first ten hex digits of the SHA-256 of the path's names (``一级/二级/三级``, width and case
  folded), so it stays the same whatever order the rows come in and whatever else is added.
- **Open311.** Each service is a matter (``service_code``, ``service_name``, ``description``,
  ``keywords`` as aliases), under a matter for its ``group`` (code from the group's name as
  above, ``G`` …). A service with ``metadata: true`` takes its attributes from its definition,
  ``services/<service_code>.json`` or ``.xml`` next to the list, where they map cleanly onto an
  attribute domain: a ``singlevaluelist`` whose attribute is ``variable`` becomes an enum of its
  keys labelled by their names; other datatypes (text, numbers, dates, several values) are not
  conditions remit can decide on and are left out. ``type`` describes the reporting API and is
  not kept.

A category or service that is the same as a matter of another space (``same_as``) is not a
second matter: the other matter gains this space's code and name as aliases qualified by the
space (``hotline:010203``, ``hotline:井盖缺失``), so an event may arrive with either code.
Matters of the space that the file does not name are kept; a code the file gives again replaces
the matter of that code. Every bad row or element is refused with the file, the row or element
path and the field; nothing is written unless all of it is good.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from xml.parsers import expat

from pydantic import TypeAdapter, ValidationError

from remit.conditions import EnumDomain
from remit.errors import Collector, InputError, Problem
from remit.files import limits
from remit.files.names import Unresolved, normalize_name
from remit.files.tables import blank_row, read_rows
from remit.files.typed import load_json, schema_problems
from remit.files.yamlio import LineMap, decode, read_bytes
from remit.registry.entities import CATALOGUE_KIND, Matter, MatterKind, VersionStatus
from remit.registry.formats import CatalogueFile, CatalogueVersionSpec
from remit.registry.parse import ParsedFile
from remit.registry.spaces import MatterIndex, code_in_space, qualified, split_qualified
from remit.registry.state import RegistryState

FORMATS = ("12345", "open311")
"""The catalogue formats ``remit registry import --format`` reads."""

_MATTER = TypeAdapter(Matter)
_SEPARATORS = re.compile(r"\s*[、，,;；\n]\s*")
_LEVELS = 3
_COLUMNS: dict[str, tuple[str, ...]] = {
    "name1": ("一级分类", "一级类别", "level1"),
    "name2": ("二级分类", "二级类别", "level2"),
    "name3": ("三级分类", "三级类别", "level3"),
    "code1": ("一级编码", "一级分类编码", "level1_code"),
    "code2": ("二级编码", "二级分类编码", "level2_code"),
    "code3": ("三级编码", "三级分类编码", "level3_code"),
    "description": ("说明", "描述", "description"),
    "aliases": ("别名", "关键词", "aliases"),
    "time_limit": ("处置时限", "time_limit"),
    "same_as": ("对应事项", "same_as"),
}


@dataclass
class Entry:
    """A matter read from a file, where it was, and the matters of other spaces it is."""

    data: dict[str, Any]
    where: dict[str, object]
    same_as: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    """matter field → the column or element that gave it (for messages)."""


def path_code(prefix: str, names: Sequence[str]) -> str:
    """A stable code for a category known only by its path of names."""
    text = "/".join(normalize_name(n) for n in names)
    return prefix + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10].upper()


# --- 12345 category trees ---------------------------------------------------------------------


def read_12345(path: Path, space: MatterKind) -> list[Entry]:
    """The categories of a 12345 tree (CSV/XLSX), parents first, each once."""
    source = str(path)
    rows = iter(read_rows(path))
    header_row = next(rows, None)
    if header_row is None:
        raise InputError.one("file.no_rows", source=source)
    _, header = header_row
    columns = _columns(header, source)
    entries: dict[str, Entry] = {}
    collector = Collector()
    above: list[tuple[str, str]] = []  # (name, code) of each level of the row before
    seen_rows = 0
    for number, cells in rows:
        if blank_row(cells):
            continue
        seen_rows += 1
        where: dict[str, object] = {"source": source, "row": number}

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        names = [cell(f"name{i}") for i in range(1, _LEVELS + 1)]
        codes = [cell(f"code{i}") for i in range(1, _LEVELS + 1)]
        deepest = max((i for i, n in enumerate(names) if n), default=-1)
        if deepest < 0:
            collector.add("catalogue.no_category", **where, field=_label("name1", columns, header))
            continue
        path_names: list[str] = []
        path_codes: list[str] = []
        gap = False
        for level in range(deepest + 1):
            name, code = names[level], codes[level]
            if not name:  # a merged cell: the level of the row above
                if level < len(above) and not code:
                    name, code = above[level]
                else:
                    key = f"name{level + 1}"
                    collector.add("schema.missing", **where, field=_label(key, columns, header))
                    gap = True
                    break
            path_names.append(name)
            path_codes.append(code or path_code("H", path_names))
        if gap:
            continue
        above = list(zip(path_names, path_codes, strict=True))
        for level, (name, code) in enumerate(above):
            last = level == len(above) - 1
            data: dict[str, Any] = {"code": code, "name": name, "kind": space.value}
            if level:
                data["parent"] = path_codes[level - 1]
            fields = {
                "code": _label(f"code{level + 1}", columns, header),
                "name": _label(f"name{level + 1}", columns, header),
            }
            entry = Entry(data, where, fields=fields)
            if last:
                for key in ("description", "time_limit"):
                    if value := cell(key):
                        data["default_time_limit" if key == "time_limit" else key] = value
                        fields["default_time_limit" if key == "time_limit" else key] = _label(
                            key, columns, header
                        )
                if aliases := _split(cell("aliases")):
                    data["aliases"] = aliases
                    fields["aliases"] = _label("aliases", columns, header)
                entry.same_as = _split(cell("same_as"))
                fields["same_as"] = _label("same_as", columns, header)
            known = entries.get(code)
            if known is None:
                entries[code] = entry
            elif known.data["name"] != name or known.data.get("parent") != data.get("parent"):
                collector.add(
                    "catalogue.code_twice",
                    code=code,
                    first=known.data["name"],
                    other=_at(known.where),
                    **where,
                    field=fields["code"],
                )
            elif last and known.where.get("row") != number and _detailed(known, entry):
                collector.add(
                    "ref.duplicate",
                    what="category",
                    key=code,
                    other=_at(known.where),
                    **where,
                    field=fields["code"],
                )
    collector.raise_if_any()
    if not seen_rows:
        raise InputError.one("file.no_rows", source=source)
    return list(entries.values())


def _detailed(*entries: Entry) -> bool:
    """Does either entry give more than a path (a row that only restates a parent does not)?"""
    details = ("description", "default_time_limit", "aliases")
    return any(e.same_as or any(k in e.data for k in details) for e in entries)


def _columns(header: list[str], source: str) -> dict[str, int]:
    folded = [normalize_name(h) for h in header]
    found: dict[str, int] = {}
    for key, spellings in _COLUMNS.items():
        for spelling in spellings:
            if normalize_name(spelling) in folded:
                found[key] = folded.index(normalize_name(spelling))
                break
    if "name1" not in found:
        raise InputError.one(
            "catalogue.no_level_column",
            source=source,
            header=", ".join(h for h in header if h) or "-",
            expected="一级分类 / level1",
        )
    return found


def _label(key: str, columns: Mapping[str, int], header: list[str]) -> str:
    index = columns.get(key)
    return header[index] if index is not None else _COLUMNS[key][0]


def _split(text: str) -> list[str]:
    return [part for part in _SEPARATORS.split(text) if part]


def _at(where: Mapping[str, object]) -> str:
    if where.get("row") is not None:
        return f"row {where['row']}"
    return str(where.get("field") or where.get("source"))


# --- Open311 GeoReport v2 ---------------------------------------------------------------------


_NUMBER_CODE = re.compile(rb'("service_code"\s*:\s*)(-?[0-9][0-9.eE+-]*)')
"""The spec's own example writes ``"service_code":001`` (not JSON): read the digits as text."""


def read_open311(path: Path, space: MatterKind) -> list[Entry]:
    """The services of an Open311 GeoReport v2 service list (JSON or XML), each under a matter
    for its group, with the attributes of its service definition where it has one."""
    source = str(path)
    services = _services(path)
    collector = Collector()
    entries: dict[str, Entry] = {}
    groups: dict[str, Entry] = {}
    for element, service in services:
        where: dict[str, object] = {"source": source, "field": element}
        code = _text(service.get("service_code"))
        name = _text(service.get("service_name"))
        for key, value in (("service_code", code), ("service_name", name)):
            if not value:
                collector.add("schema.missing", source=source, field=f"{element}.{key}")
        if not code or not name:
            continue
        data: dict[str, Any] = {"code": code, "name": name, "kind": space.value}
        fields = {"code": f"{element}.service_code", "name": f"{element}.service_name"}
        if description := _text(service.get("description")):
            data["description"] = description
            fields["description"] = f"{element}.description"
        keywords = service.get("keywords")
        words = (
            [_text(k) for k in keywords] if isinstance(keywords, list) else _split(_text(keywords))
        )
        aliases = list(dict.fromkeys(w for w in words if w and w != name))
        if aliases:
            data["aliases"] = aliases
            fields["aliases"] = f"{element}.keywords"
        if group := _text(service.get("group")):
            group_code = path_code("G", [group])
            data["parent"] = group_code
            if group_code not in groups:
                groups[group_code] = Entry(
                    {"code": group_code, "name": group, "kind": space.value},
                    where,
                    fields={"code": f"{element}.group", "name": f"{element}.group"},
                )
        if _flag(service.get("metadata")):
            try:
                attributes = _definition(path, code, service)
            except InputError as exc:
                collector.extend(exc.problems)
                attributes = {}
            if attributes:
                data["attributes"] = attributes
                fields["attributes"] = f"{element}.attributes"
        if code in entries:
            collector.add(
                "ref.duplicate",
                what="service",
                key=code,
                other=_at(entries[code].where),
                **where,
            )
            continue
        entries[code] = Entry(data, where, fields=fields)
    collector.raise_if_any()
    if not entries:
        raise InputError.one("catalogue.no_services", source=source)
    clash = [g for g in groups if g in entries]
    for code in clash:
        collector.add("ref.duplicate", what="service", key=code, other=_at(groups[code].where))
    collector.raise_if_any()
    return [*groups.values(), *entries.values()]


def _services(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Each service of the list with its element path (``services[2]``, ``/services/service[3]``)."""
    data = _load(path)
    source = str(path)
    if isinstance(data, dict) and "services" in data:  # the XML form, or JSON wrapped likewise
        data = data["services"]
        if isinstance(data, dict):
            data = data.get("service", [])
            data = data if isinstance(data, list) else [data]
        prefix = "/services/service"
    else:
        prefix = "services"
    if not isinstance(data, list):
        raise InputError.one("catalogue.not_a_service_list", source=source)
    out = []
    for i, item in enumerate(data):
        element = f"{prefix}[{i + 1}]" if prefix.startswith("/") else f"{prefix}[{i}]"
        if not isinstance(item, dict):
            raise InputError.one("catalogue.not_a_service", source=source, field=element)
        out.append((element, item))
    return out


def _definition(path: Path, code: str, service: Mapping[str, Any]) -> dict[str, Any]:
    """The attribute domains of a service's definition that map cleanly (see the module)."""
    attributes = service.get("attributes")
    element = "attributes"
    source = str(path)
    if attributes is None:
        folder = path.parent / "services"
        found = [folder / f"{code}{suffix}" for suffix in (".json", ".xml")]
        existing = [p for p in found if p.is_file()]
        if not existing:
            return {}
        source = str(existing[0])
        definition = _load(existing[0])
        if isinstance(definition, dict) and "service_definition" in definition:
            definition = definition["service_definition"]
        if not isinstance(definition, dict):
            raise InputError.one("catalogue.not_a_definition", source=source)
        attributes = definition.get("attributes")
        if isinstance(attributes, dict):  # XML: <attributes><attribute>…
            attributes = attributes.get("attribute", [])
            attributes = attributes if isinstance(attributes, list) else [attributes]
    if attributes in (None, ""):
        return {}
    if not isinstance(attributes, list):
        raise InputError.one("catalogue.not_a_definition", source=source, field=element)
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for i, attribute in enumerate(attributes):
        at = f"{element}[{i}]"
        if not isinstance(attribute, dict):
            problems.append(Problem("catalogue.not_a_definition", source=source, field=at))
            continue
        if _text(attribute.get("datatype")) != "singlevaluelist":
            continue
        if not _flag(attribute.get("variable", True)):
            continue
        name = _text(attribute.get("code"))
        values = attribute.get("values")
        if isinstance(values, dict):  # XML: <values><value>…
            values = values.get("value", [])
            values = values if isinstance(values, list) else [values]
        if not name or not isinstance(values, list) or not values:
            missing = "code" if not name else "values"
            problems.append(Problem("schema.missing", source=source, field=f"{at}.{missing}"))
            continue
        keys = [_text(v.get("key")) if isinstance(v, dict) else "" for v in values]
        if not all(keys):
            problems.append(Problem("schema.missing", source=source, field=f"{at}.values.key"))
            continue
        labels = {
            k: _text(v.get("name"))
            for k, v in zip(keys, values, strict=True)
            if _text(v.get("name"))
        }
        label = _text(attribute.get("description")) or None
        try:
            out[name] = EnumDomain(values=list(dict.fromkeys(keys)), labels=labels, label=label)
        except ValidationError as exc:
            problems.extend(
                schema_problems(exc, source, "catalogue", field_names=partial(_same, at))
            )
    if problems:
        raise InputError(problems)
    return out


def _load(path: Path) -> Any:
    """A JSON or XML file as plain data (XML: elements as mappings, repeated ones as lists)."""
    source = str(path)
    raw = read_bytes(path)
    if path.suffix.lower() == ".xml" or raw.lstrip()[:1] == b"<":
        return _xml(raw, source)
    text = decode(_NUMBER_CODE.sub(rb'\1"\2"', raw), source)
    return load_json(
        text,
        source,
        "catalogue.bad_json",
        ("catalogue.bad_json", {"line": None, "column": None, "detail": "number"}),
    )


def _same(text: str, _loc: object) -> str:
    return text


class _Refused(Exception):
    pass


def _refuse(*_: object) -> None:
    raise _Refused


def _refuse_external(*_: object) -> int:
    raise _Refused


def _xml(raw: bytes, source: str) -> Any:
    """XML as plain data: an element with children as a mapping (a repeated child as a list),
    one without as its text. Parsed with expat and no document type: no entity is declared, so
    none is expanded (billion laughs, external entities); nesting is bounded as JSON's is."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_external
    limit = limits.JSON_DEPTH.value()
    root: dict[str, Any] = {}
    stack: list[tuple[str, dict[str, Any], list[str]]] = [("", root, [])]

    def start(tag: str, _attrs: object) -> None:
        if len(stack) > limit:
            raise RecursionError
        stack.append((_local(tag), {}, []))

    def end(_tag: str) -> None:
        tag, children, text = stack.pop()
        value: Any = children if children else "".join(text).strip()
        parent = stack[-1][1]
        if tag in parent:
            known = parent[tag]
            parent[tag] = [*known, value] if isinstance(known, list) else [known, value]
        else:
            parent[tag] = value

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda data: stack[-1][2].append(data)
    try:
        parser.Parse(raw, True)
    except _Refused:
        raise InputError.one("catalogue.xml_doctype", source=source) from None
    except RecursionError:
        raise InputError.one(
            "limit.json_depth", source=source, limit=limit, env=limits.JSON_DEPTH.env
        ) from None
    except expat.ExpatError as exc:
        raise InputError.one(
            "catalogue.bad_xml",
            source=source,
            line=exc.lineno,
            column=exc.offset + 1,
            detail=expat.ErrorString(exc.code),
        ) from None
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # the spec's namespace, if a server gives one


def _text(value: object) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _flag(value: object) -> bool:
    return value is True or _text(value).lower() == "true"


# --- the catalogue version --------------------------------------------------------------------


def catalogue_file(
    entries: Sequence[Entry],
    state: RegistryState,
    space: MatterKind,
    source: str,
    author: str | None,
    note: str | None,
    list_id: str | None = None,
) -> ParsedFile:
    """The next draft of the registry's catalogue: its newest version's matters, with the
    entries (matters of ``space``, or aliases of the matters they are the same as) in."""
    catalogue_id = state.catalogue_id or list_id
    if catalogue_id is None:
        raise InputError.one("catalogue.none", source=source, path=source)
    versions = state.versions.get(catalogue_id, [])
    base = next((v for v in reversed(versions) if v.status is not VersionStatus.withdrawn), None)
    base_matters: list[Matter] = list(base.matters) if base is not None else []
    number = (
        versions[-1].version
        if versions and versions[-1].status is VersionStatus.draft
        else (versions[-1].version + 1 if versions else 1)
    )
    matters = _matters(entries, base_matters, space)
    info = state.lists.get(catalogue_id)
    name = info.name if info is not None and info.kind == CATALOGUE_KIND else catalogue_id
    spec = CatalogueVersionSpec(
        version=number,
        status=VersionStatus.draft,
        author=author,
        note=note,
        matters=matters,
    )
    model = CatalogueFile(file="catalogue", id=catalogue_id, name=name, versions=[spec])
    return ParsedFile(source, model, LineMap())


def _matters(entries: Sequence[Entry], base: list[Matter], space: MatterKind) -> list[Matter]:
    collector = Collector()
    others = [m for m in base if m.kind is not space]
    index = MatterIndex(others)
    ours = {code_in_space(m): m for m in base if m.kind is space}
    crosswalk: dict[str, list[str]] = {}  # key of a matter of another space → aliases it gains
    read: dict[str, Matter] = {}
    for entry in entries:
        if entry.same_as:
            targets = []
            for text in entry.same_as:
                try:
                    targets.append(index.resolve(text, "ref.unknown_matter", catalogue="-"))
                except Unresolved as exc:
                    field_name = entry.fields.get("same_as", "same_as")
                    collector.add(exc.key, **exc.params, **entry.where, field=field_name)
            for key in targets:
                aliases = crosswalk.setdefault(key, [])
                aliases += [
                    qualified(space, entry.data["code"]),
                    qualified(space, entry.data["name"]),
                ]
            continue
        try:
            matter = _MATTER.validate_python(entry.data)
        except ValidationError as exc:
            collector.extend(
                schema_problems(
                    exc,
                    str(entry.where.get("source")),
                    "catalogue",
                    row=_row(entry.where),
                    field_names=partial(_field, entry=entry),
                )
            )
            continue
        # a code the space already has keeps its key (so duties naming it stay valid)
        known = ours.get(matter.code)
        if known is not None:
            matter = replace(matter, code=known.code)
        read[code_in_space(matter)] = matter
    parents = {
        code_in_space(m): m.code for m in [*ours.values(), *read.values()]
    }  # code in the space → key
    given = {e.data["code"] for e in entries} | {e.data["name"] for e in entries}
    kept = [m for code, m in ours.items() if code not in given]
    new = [
        replace(m, parent=parents.get(m.parent, m.parent)) if m.parent else m for m in read.values()
    ]
    crossed = []
    for m in others:
        own = [a for a in m.aliases if not _in_space(a, space, given)]
        added = list(dict.fromkeys(a for a in crosswalk.get(m.code, []) if a not in own))
        now = tuple(own + added)
        crossed.append(m if now == m.aliases else replace(m, aliases=now))
    collector.raise_if_any()
    return [*crossed, *kept, *new]


def _in_space(alias: str, space: MatterKind, given: set[str]) -> bool:
    """Is ``alias`` a crosswalk to a code or name in ``space`` that the file gives again?"""
    found, code = split_qualified(alias)
    return found is space and code in given


def _row(where: Mapping[str, object]) -> int | None:
    row = where.get("row")
    return row if isinstance(row, int) else None


def _field(loc: Sequence[str | int], *, entry: Entry) -> str:
    key = str(loc[0]) if loc else ""
    given = entry.fields.get(key)
    if given is not None:
        return given
    element = entry.where.get("field")
    return f"{element}.{key}" if element else key


def matters_of(entries: Iterable[Entry]) -> int:
    """How many entries are matters of their own (not the same as another space's)."""
    return sum(1 for e in entries if not e.same_as)


__all__ = ["FORMATS", "Entry", "catalogue_file", "path_code", "read_12345", "read_open311"]
