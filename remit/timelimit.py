"""Time limits as real tables write them: "2小时", "4紧急工作时", "2工作日", "15天".

A :class:`TimeLimit` is typed (a value and a unit) so deadlines can be computed on the official
calendar. Units:

- ``minutes`` 分钟, ``hours`` 小时: clock time;
- ``work_hours`` 工作时: hours counted only inside working hours on working days;
- ``urgent_work_hours`` 紧急工作时: hours counted around the clock, holidays included (urgent
  cases do not wait for office hours); kept apart from ``hours`` because tables say so;
- ``work_days`` 工作日: working days on the official calendar (holidays and make-up days);
- ``days`` 天/日/自然日 and ``months`` 个月: calendar time.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationInfo, model_validator

from remit.model import STORED, WrittenValue, stored


class TimeUnit(StrEnum):
    minutes = "minutes"
    hours = "hours"
    work_hours = "work_hours"
    urgent_work_hours = "urgent_work_hours"
    work_days = "work_days"
    days = "days"
    months = "months"


# canonical Chinese spelling first; the rest are accepted spellings
_SPELLINGS: dict[TimeUnit, tuple[str, ...]] = {
    TimeUnit.minutes: ("分钟", "分", "min", "mins", "minute", "minutes"),
    TimeUnit.hours: ("小时", "个小时", "h", "hr", "hrs", "hour", "hours"),
    TimeUnit.work_hours: (
        "工作时",
        "个工作时",
        "工作小时",
        "个工作小时",
        "work_hour",
        "work_hours",
    ),
    TimeUnit.urgent_work_hours: (
        "紧急工作时",
        "个紧急工作时",
        "紧急工作小时",
        "urgent_work_hour",
        "urgent_work_hours",
    ),
    TimeUnit.work_days: ("工作日", "个工作日", "work_day", "work_days", "working_days"),
    TimeUnit.days: ("天", "日", "自然日", "个自然日", "d", "day", "days", "calendar_days"),
    TimeUnit.months: ("个月", "月", "month", "months"),
}
LONGEST: dict[TimeUnit, int] = {
    TimeUnit.minutes: 3650 * 24 * 60,
    TimeUnit.hours: 3650 * 24,
    TimeUnit.urgent_work_hours: 3650 * 24,
    TimeUnit.work_hours: 2500 * 8,
    TimeUnit.work_days: 2500,
    TimeUnit.days: 3650,
    TimeUnit.months: 120,
}
"""The longest time limit in each unit: about ten years (2,500 working days of 8 hours). No
duty takes longer; a longer one is a typing mistake, and its deadline would be computed day by
day (or pass the year 9999)."""

_UNIT_BY_SPELLING = {s.lower(): unit for unit, spellings in _SPELLINGS.items() for s in spellings}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([^\d\s]+?)\s*(?:内|以内)?\s*$")


class TimeLimit(WrittenValue):
    """A time limit: ``value`` units of ``unit``. Written in files as text, e.g. ``"2工作日"``."""

    value: float = Field(gt=0, description="how many units")
    unit: TimeUnit

    @classmethod
    def parse_text(cls, text: str) -> dict[str, Any]:
        return parse_time_limit_parts(text)

    @model_validator(mode="after")
    def _at_most_ten_years(self, info: ValidationInfo) -> TimeLimit:
        if self.value > LONGEST[self.unit] and not stored(info):
            raise TimeLimitTooLongError(self.text, LONGEST[self.unit], self.unit)
        return self

    @property
    def text(self) -> str:
        """The canonical Chinese spelling, e.g. ``4紧急工作时``."""
        value = float(self.value)
        # shortest decimal that reads back as the same float, never in exponent form
        number = str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
        return f"{number}{_SPELLINGS[self.unit][0]}"

    def __str__(self) -> str:
        return self.text


def parse_time_limit_parts(text: str) -> dict[str, object]:
    """``"2工作日"`` → ``{"value": 2.0, "unit": "work_days"}``; raises ``ValueError``."""
    match = _PATTERN.match(text.strip())
    if match:
        unit = _UNIT_BY_SPELLING.get(match.group(2).lower())
        if unit is not None:
            return {"value": float(match.group(1)), "unit": unit}
    raise TimeLimitSyntaxError(text)


class TimeLimitSyntaxError(ValueError):
    """A time limit that cannot be read. It names its message (``key``, ``params``), so that a
    schema problem shows it in the user's language; ``str()`` is the English."""

    key = "time.syntax"

    def __init__(self, text: str):
        self.params: dict[str, object] = {"text": text}
        super().__init__(
            f"cannot read time limit {text!r}; expected e.g. 2小时, 4紧急工作时, 2工作日, 15天"
        )


class TimeLimitTooLongError(ValueError):
    """A time limit longer than :data:`LONGEST`; names its message as
    :class:`TimeLimitSyntaxError` does."""

    key = "time.too_long"

    def __init__(self, text: str, longest: int, unit: TimeUnit):
        longest_text = f"{longest}{_SPELLINGS[unit][0]}"
        self.params: dict[str, object] = {"text": text, "longest": longest_text}
        super().__init__(
            f"time limit {text!r} is longer than ten years; the longest is {longest_text}"
        )


def stored_time_limit(text: str) -> TimeLimit:
    """A time limit as the registry stored it, not held to :data:`LONGEST` (one stored before
    that bound still loads; routing refuses the events it would time)."""
    return TimeLimit.model_validate(parse_time_limit_parts(text), context=STORED)


def parse_time_limit(text: str) -> TimeLimit:
    return TimeLimit.model_validate(parse_time_limit_parts(text))
