"""City events as reported (:class:`EventIn`) and as resolved against a snapshot (:class:`Event`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    model_validator,
)

from remit.errors import MessageError
from remit.files.text import ONE_LINE
from remit.model import Int, Model, Value

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
"""The zone of reported times: a time written without an offset is in it, others are converted."""


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), ONE_LINE]
"""A code, name or id as given: one line (:mod:`remit.files.text`), spaces around it dropped."""


_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")


def _no_bare_number(value: object) -> object:
    """A bare number is refused as a time: 20250301 would silently read as seconds after 1970."""
    if (isinstance(value, int | float) and not isinstance(value, bool)) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        raise MessageError("event.bare_number")
    return value


EARLIEST_YEAR, LATEST_YEAR = 1900, 8999
"""The years a time may be reported in (or a registry read as of): before 1900 is a typing
mistake (and the year 1 in Shanghai is the year 0 in UTC, which no date holds); after 8999 a
deadline (a time limit is at most ten years, :data:`remit.timelimit.LONGEST`, counted on a
calendar at most a century on) could pass the year 9999, the last a date can hold."""


def _local(value: dt.datetime) -> dt.datetime:
    if value.year > LATEST_YEAR:
        raise MessageError("event.time_too_late", year=LATEST_YEAR + 1)
    if value.year < EARLIEST_YEAR:
        raise MessageError("event.time_too_early", year=EARLIEST_YEAR)
    if value.tzinfo is None:
        return value.replace(tzinfo=LOCAL_ZONE)
    try:
        return value.astimezone(LOCAL_ZONE)
    except OverflowError:
        raise MessageError("event.time_out_of_range") from None


ReportedAt = Annotated[dt.datetime, BeforeValidator(_no_bare_number), AfterValidator(_local)]
"""ISO 8601, as Asia/Shanghai time."""


EXTRA_KEYS = 200
"""The most keys an event's ``extra`` may hold (a city's export has a few dozen columns; each
value is bounded by the limits on what is read: a cell's characters, a JSON line's bytes and
depth, :mod:`remit.files.limits`)."""


class _Missing(MessageError):
    """A model's check about one field (the problem is located at it)."""

    def __init__(self, key: str, field: str, /, **params: object):
        super().__init__(key, **params)
        self.field = field


def _none(value: object) -> bool:
    return value is None


class Location(Value):
    """Where an event happened, as an Open311 client says it: a point (``lat`` and ``long``,
    WGS 84 degrees), an address, or both. Resolved to an area through the areas' shapes and
    address aliases (:mod:`remit.events.locate`): the point first; the address when no point
    is given or no shape holds it."""

    lat: Annotated[float, Field(ge=-90, le=90)] | None = Field(
        None, exclude_if=_none, description="latitude, WGS 84 degrees"
    )
    long: Annotated[float, Field(ge=-180, le=180)] | None = Field(
        None, exclude_if=_none, description="longitude, WGS 84 degrees"
    )
    address: Text | None = Field(
        None,
        exclude_if=_none,
        max_length=500,
        description="the address as written: a road, a compound (小区), a place, e.g. 瑞金二路 "
        "409 号",
    )

    @model_validator(mode="after")
    def _point_or_address(self) -> Location:
        if (self.lat is None) != (self.long is None):
            raise MessageError("event.location_half_point")
        if self.lat is None and self.address is None:
            raise MessageError("event.location_empty")
        return self


class EventIn(Model):
    """A city event as reported (`remit schema --kind event`). Names may be codes, names or
    aliases; attributes may be given by name or label."""

    model_config = ConfigDict(
        coerce_numbers_to_str=True,
        # an area or a location: the schema says so as the model checks it
        json_schema_extra={"anyOf": [{"required": ["area"]}, {"required": ["location"]}]},
    )

    id: Text = Field(description="the event's id in its source, e.g. a 12345 work order number")
    matter: Text = Field(
        description="matter code, name or alias; space:code (部件:0101) names a code in one space"
    )
    space: Text | None = Field(
        None,
        exclude=True,  # a decision keeps the event in codes (matter keys): no space needed
        description="the code space the matter is named in (部件/component, 事件/event, "
        "热线/hotline/12345), where a code or name is in several",
    )
    area: Text | None = Field(
        None,
        description="area code, name or alias where it happened: a grid, community, street or "
        "district. Either it or location is given; when both are, the area is routed on",
    )
    location: Location | None = Field(
        None,
        exclude_if=_none,  # absent from JSON when not given
        description="where it happened, as a point (lat, long) or an address: found among the "
        "areas' shapes and address aliases when no area is given",
    )
    areas: list[Text] = Field(
        default_factory=list,
        max_length=100,  # each is looked up by name; a road crosses a few streets
        description="further areas the event spans, e.g. a road across two streets",
    )
    reported_at: ReportedAt = Field(
        description="ISO 8601; a time without an offset is Asia/Shanghai time"
    )
    source: Text | None = Field(None, description="where it came from: 12345, grid, sensor …")
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        max_length=100,  # each is checked against the matter's few declared attributes
        description="attribute → value, as the matter declares them (name or label; value code or label)",
    )
    owner: Text | None = Field(
        None, description="权属单位 named on the event: unit code, name or alias"
    )
    repeat_count: Annotated[
        Int, Field(ge=0, description="how often the event was reported again")
    ] = 0
    emergency: bool = Field(
        False,
        description="the reporter or the platform says it is an emergency (紧急): the district "
        "centre commands, whatever the matter",
    )
    standard: Text | None = Field(
        None,
        max_length=2000,
        description="the case standard (立案标准) the event is filed under: its code or number "
        "(1, 2 …) or its filing condition (立案条件) as written. None: where the matter's rows "
        "name several standards, the one whose time limit ends first, flagged in the decision",
    )
    extra: dict[str, JsonValue] = Field(
        default_factory=dict,
        max_length=EXTRA_KEYS,
        exclude_if=lambda value: not value,  # absent from JSON when empty, as before it was
        description="the keys (columns) of the event not used for routing (诉求内容, 联系电话 …), "
        "as given: copied verbatim into the decision's extra. Any other key of an event "
        "lands here.",
    )

    @model_validator(mode="after")
    def _area_or_location(self) -> EventIn:
        if self.area is None and self.location is None:
            raise _Missing("event.area_or_location", "area")
        return self

    @model_validator(mode="before")
    @classmethod
    def _unknown_into_extra(cls, data: Any) -> Any:
        """Keys that are no field go into ``extra`` (a key ``extra`` gives it at once)."""
        if not isinstance(data, dict):
            return data
        unknown = [key for key in data if key not in cls.model_fields]
        if not unknown:
            return data
        given = data.get("extra")
        extra = dict(given) if isinstance(given, dict) else {} if given is None else given
        if isinstance(extra, dict):
            for key in unknown:
                extra.setdefault(key, data[key])
        known = {key: value for key, value in data.items() if key in cls.model_fields}
        return {**known, "extra": extra}


AttributeValue = str | int | bool


_REPORTED = (
    "id",
    "matter",
    "area",
    "areas",
    "location",
    "reported_at",
    "source",
    "attributes",
    "owner",
    "repeat_count",
    "standard",
    "emergency",
)
"""The fields :meth:`Event.as_reported` sets (its ``model_fields_set``)."""


@dataclass(frozen=True, slots=True)
class Event:
    """An event resolved against a snapshot: codes instead of names, attributes by name with
    enum values as their value codes."""

    id: str
    matter: str
    area: str
    areas: tuple[str, ...]
    """``area`` first, then the further areas the event spans, each once."""
    reported_at: dt.datetime
    """Aware, in Asia/Shanghai."""
    source: str | None
    attributes: dict[str, AttributeValue] = field(hash=False)
    owner: str | None
    repeat_count: int
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    """Keys of the event not used for routing, as given; copied into the decision."""
    standard: str | None = None
    """The code of the case standard (立案标准) the event names, if it names one."""
    emergency: bool = False
    """Flagged as an emergency on the event."""
    location: Location | None = field(default=None, hash=False)
    """Where the event said it happened (a point, an address), as given; ``area`` is what it
    was found to be in, or the area the event named (which wins)."""

    def content(self) -> dict[str, Any]:
        """The event as :class:`EventIn` data (JSON-able); it resolves back to this event."""
        data: dict[str, Any] = {
            "id": self.id,
            "matter": self.matter,
            "area": self.area,
            "reported_at": self.reported_at.isoformat(),
        }
        if len(self.areas) > 1:
            data["areas"] = list(self.areas[1:])
        if self.source is not None:
            data["source"] = self.source
        if self.attributes:
            data["attributes"] = dict(self.attributes)
        if self.owner is not None:
            data["owner"] = self.owner
        if self.repeat_count:
            data["repeat_count"] = self.repeat_count
        if self.standard is not None:
            data["standard"] = self.standard
        if self.emergency:
            data["emergency"] = True
        if self.location is not None:
            data["location"] = self.location.model_dump(exclude_none=True)
        if self.extra:
            data["extra"] = dict(self.extra)
        return data

    def reported(self) -> dict[str, Any]:
        """:meth:`as_reported`'s fields, by name (for :func:`remit.model.plain`)."""
        return {
            # given, not defaulted: pydantic inspects a default factory's signature on every
            # construct (a fifth of the time a cached decision takes); it is not "set"
            "extra": {},
            "id": self.id,
            "matter": self.matter,
            "area": self.area,
            "areas": list(self.areas[1:]),
            "reported_at": self.reported_at,
            "source": self.source,
            "attributes": dict(self.attributes),
            "owner": self.owner,
            "repeat_count": self.repeat_count,
            "standard": self.standard,
            "emergency": self.emergency,
            "location": self.location,
        }

    def as_reported(self) -> EventIn:
        """The event as an :class:`EventIn` in codes (it resolves back to this event): what a
        decision keeps of its input, so that it can be decided again. Its ``extra`` is left
        out: the decision keeps it once, in its own ``extra``."""
        return EventIn.model_construct(set(_REPORTED), **self.reported())
