"""Open311 GeoReport v2 on the wire: its two formats, its datetimes and its error lists.

The spec names a resource's format by its suffix (``services.json``, ``services.xml``) and
fixes the shape of each: a JSON array of flat objects, or an XML document whose root holds one
element per item (``<services><service>…``), each with the spec's child elements in the spec's
order. An item here is an ordered mapping of element name → value; a value is text, a number,
a boolean (``true``/``false``), None (JSON ``null``, an empty XML element) or, for the nested
parts of a service definition, a list of mappings (``attributes``, ``values``), rendered as
``<attributes><attribute>…`` and ``<values><value>…``.

Errors are the spec's own: ``[{"code": 400, "description": "…"}]`` or
``<errors><error><code>400</code><description>…</description></error></errors>`` — not the
problem details of the rest of the API.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Literal

import orjson
from starlette.responses import Response

from remit.deadlines import CITY_ZONE

Format = Literal["json", "xml"]
FORMATS: tuple[Format, ...] = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

Scalar = str | int | float | bool | None
Value = Scalar | Sequence["Item"]
Item = Mapping[str, Value]

CHILD = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "tokens": "token",
}
"""The element a list's items are, by the list's element (the spec's names)."""


def w3c(moment: dt.datetime | None) -> str | None:
    """A time as the spec writes it (the W3C profile of ISO 8601) in Beijing time, with its
    offset: ``2026-12-05T17:14:02+08:00``. A naive time is taken as UTC (as stored)."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(CITY_ZONE).isoformat(timespec="seconds")


def render(fmt: Format, root: str, items: Sequence[Item], status: int = 200) -> Response:
    """``items`` as the spec's list ``root`` (``services``, ``service_requests``, ``errors``),
    or, for a single document (``service_definition``), ``items`` holds that one item."""
    if fmt == "json":
        body = items[0] if root == "service_definition" else list(items)
        return Response(orjson.dumps(body), status_code=status, media_type=JSON_TYPE)
    if root == "service_definition":
        element = _element(root, items[0])
    else:
        element = ET.Element(root)
        for item in items:
            element.append(_element(CHILD[root], item))
    text = ET.tostring(element, encoding="unicode", short_empty_elements=True)
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + text
    return Response(xml.encode("utf-8"), status_code=status, media_type=XML_TYPE)


def errors(fmt: Format, status: int, descriptions: Sequence[str]) -> Response:
    """The spec's error list: one ``{code, description}`` for each description, with the HTTP
    status as the code."""
    items: list[Item] = [{"code": status, "description": d} for d in descriptions]
    return render(fmt, "errors", items, status)


def _element(tag: str, item: Item) -> ET.Element:
    element = ET.Element(tag)
    for name, value in item.items():
        child = ET.SubElement(element, name)
        if isinstance(value, list | tuple):
            for part in value:
                child.append(_element(CHILD[name], part))
        else:
            child.text = _text(value)  # type: ignore[arg-type]
    return element


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, even escaped: dropped from text."""


def _text(value: Scalar) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


__all__ = ["FORMATS", "JSON_TYPE", "XML_TYPE", "Format", "Item", "errors", "render", "w3c"]
