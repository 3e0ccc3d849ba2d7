"""What the endpoints share: reading query values as the command line reads its options, and
remit's results (dataclasses, dates, enums) as JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import orjson
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from remit.errors import InputError
from remit.events.model import ReportedAt
from remit.i18n import t

JSON = "application/json"
HTML = "text/html; charset=utf-8"


def known_at_value(value: str | None) -> int | dt.datetime | None:
    """``?known_at=``: a registry revision (a number), ``latest``, or a time (ISO 8601, as an
    event's ``reported_at``: without an offset, Asia/Shanghai time) — as ``--known-at``."""
    if value is None:
        return None
    text = value.strip()
    if not text or text.lower() == "latest":
        return None
    if text.isdigit():
        return int(text)
    try:
        at: dt.datetime = TypeAdapter(ReportedAt).validate_python(text)
    except ValidationError as exc:
        detail = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise InputError.one(
            "http.bad_known_at",
            source=t("http.part.query"),
            field="known_at",
            value=value,
            detail=detail.split(";")[0],
        ) from None
    return at


def plain(value: Any) -> Any:
    """``value`` (dataclasses, dates, enums, tuples …) as JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return to_jsonable_python(value, fallback=str)


def json_response(data: Any, status: int = 200) -> Response:
    """``data`` as a JSON response (Chinese as it is, not escaped)."""
    return Response(orjson.dumps(plain(data)), status_code=status, media_type=JSON)
