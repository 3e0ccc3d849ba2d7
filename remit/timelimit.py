"""Time limits as real tables write them: "2小时", "4紧急工作时", "2工作日", "15天",
"1紧急工作时制止", "种植季节15工作日", "30分钟到场，2小时处置".

A :class:`TimeLimit` is typed (a value and a unit) so deadlines can be computed on the official
calendar. Units:

- ``minutes`` 分钟, ``hours`` 小时: clock time;
- ``work_hours`` 工作时: hours counted only inside working hours on working days;
- ``urgent_work_hours`` 紧急工作时: hours counted around the clock, holidays included (urgent
  cases do not wait for office hours); kept apart from ``hours`` because tables say so;
- ``work_days`` 工作日: working days on the official calendar (holidays and make-up days);
- ``urgent_work_days`` 紧急工作日: days counted around the clock, holidays included (24 hours
  each by default; :mod:`remit.deadlines` says how, and how a city may count otherwise);
- ``days`` 天/日/自然日 and ``months`` 个月: calendar time.

Words around the limit are kept, as written: the words before it as its ``qualifier``
("种植季节" in "种植季节15工作日": when it applies), the words after it as its ``note``
("制止" in "1紧急工作时制止": what is to be done in it). Where a cell gives several limits, the
one followed by a handling word (处置, 处理, 修复 …) is the limit and the rest stays in its
qualifier or note ("30分钟到场，2小时处置" → 2小时, qualifier "30分钟到场，", note "处置"); with
none or several so marked, the cell is refused. "立即" (immediately) alone is refused: it is no
time a deadline can be computed from. docs/registry.md, "Time limits", has the rules.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    model_serializer,
    model_validator,
)

from remit.model import STORED, WrittenValue, stored


class TimeUnit(StrEnum):
    minutes = "minutes"
    hours = "hours"
    work_hours = "work_hours"
    urgent_work_hours = "urgent_work_hours"
    work_days = "work_days"
    urgent_work_days = "urgent_work_days"
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
        "个紧急工作小时",
        "urgent_work_hour",
        "urgent_work_hours",
    ),
    TimeUnit.work_days: ("工作日", "个工作日", "work_day", "work_days", "working_days"),
    TimeUnit.urgent_work_days: (
        "紧急工作日",
        "个紧急工作日",
        "urgent_work_day",
        "urgent_work_days",
    ),
    TimeUnit.days: ("天", "日", "自然日", "个自然日", "d", "day", "days", "calendar_days"),
    TimeUnit.months: ("个月", "月", "month", "months"),
}
LONGEST: dict[TimeUnit, int] = {
    TimeUnit.minutes: 3650 * 24 * 60,
    TimeUnit.hours: 3650 * 24,
    TimeUnit.urgent_work_hours: 3650 * 24,
    TimeUnit.work_hours: 2500 * 8,
    TimeUnit.work_days: 2500,
    TimeUnit.urgent_work_days: 3650,
    TimeUnit.days: 3650,
    TimeUnit.months: 120,
}
"""The longest time limit in each unit: about ten years (2,500 working days of 8 hours). No
duty takes longer; a longer one is a typing mistake, and its deadline would be computed day by
day (or pass the year 9999)."""

LONGEST_WORDS = 200
"""The most characters a qualifier or a note may hold (a table cell's words, not a text)."""

HANDLING_WORDS = (
    "处置",
    "处理",
    "办结",
    "完成",
    "解决",
    "修复",
    "维修",
    "抢修",
    "整改",
    "清除",
    "清理",
    "拆除",
    "恢复",
    "更换",
)
"""Words that mark, among several limits in one cell, the one for handling the case (处置时限):
"30分钟到场，2小时处置" → 2小时. (到场, 响应, 制止 … are steps before it.)"""

IMMEDIATE_WORDS = ("立即", "即时", "立刻", "马上", "随到随办")

_UNIT_BY_SPELLING = {s.lower(): unit for unit, spellings in _SPELLINGS.items() for s in spellings}
_UNIT_ALTERNATIVES = "|".join(
    re.escape(s) for s in sorted(_UNIT_BY_SPELLING, key=lambda s: (-len(s), s))
)
_CANDIDATE = re.compile(
    rf"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>{_UNIT_ALTERNATIVES})(?![A-Za-z_])", re.IGNORECASE
)
_WITHIN = ("以内", "之内", "内")
"""Words after a limit that say "within" it: dropped when nothing follows ("2小时内" is 2小时)."""
_NOT_BEFORE = re.compile(
    r"(?:[0-9０-９.．+\-−A-Za-z_]|每|隔|超过|超出|满|第|大于|小于|不少于|不足)$"
)
"""What a limit's number may not follow: a sign or a digit ("-1天", "1e3天", ".5小时"), or words
that make it a frequency or a threshold ("每2小时", "超过2小时")."""
_NOT_AFTER = re.compile(
    r"^(?:半|多|余|以上|以下|左右|后|以后|之后|前|以前|之前|次|[^\u3000-\u9fff\uff00-\uffef])"
)
"""What a note may not start with: words that change the number ("2天半", "2小时以后",
"2小时左右") or a frequency ("2小时/次"); a note starts with Chinese words or punctuation."""


class TimeLimit(WrittenValue):
    """A time limit: ``value`` units of ``unit``, with the words written around it. Written in
    files as text, e.g. ``"2工作日"``, ``"1紧急工作时制止"``, ``"种植季节15工作日"``."""

    value: float = Field(gt=0, description="how many units")
    unit: TimeUnit
    qualifier: str | None = Field(
        default=None,
        min_length=1,
        max_length=LONGEST_WORDS,
        description="the words written before the limit: when it applies (种植季节)",
    )
    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=LONGEST_WORDS,
        description="the words written after the limit: what is to be done in it (制止)",
    )

    @classmethod
    def parse_text(cls, text: str) -> dict[str, Any]:
        return parse_time_limit_parts(text)

    @model_validator(mode="after")
    def _at_most_ten_years(self, info: ValidationInfo) -> TimeLimit:
        if self.value > LONGEST[self.unit] and not stored(info):
            raise TimeLimitTooLongError(self.text, LONGEST[self.unit], self.unit)
        return self

    @model_validator(mode="after")
    def _words_read_back(self) -> TimeLimit:
        """A limit with words must read back from its text as itself: the text is what is
        stored, hashed and exported."""
        if self.qualifier is None and self.note is None:
            return self
        try:
            parts = parse_time_limit_parts(self.text)
        except TimeLimitSyntaxError:
            parts = {}
        if parts != self._parts():
            raise TimeLimitSyntaxError(self.text)
        return self

    @model_serializer(mode="wrap")
    def _without_empty_words(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a limit without words serialises as it did before they existed
        data: dict[str, Any] = handler(self)
        for name in ("qualifier", "note"):
            if data.get(name) is None:
                data.pop(name, None)
        return data

    def _parts(self) -> dict[str, object]:
        parts: dict[str, object] = {"value": float(self.value), "unit": self.unit}
        if self.qualifier is not None:
            parts["qualifier"] = self.qualifier
        if self.note is not None:
            parts["note"] = self.note
        return parts

    @property
    def limit_text(self) -> str:
        """The limit alone, in its canonical Chinese spelling, e.g. ``4紧急工作时``."""
        value = float(self.value)
        # shortest decimal that reads back as the same float, never in exponent form
        number = str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
        return f"{number}{_SPELLINGS[self.unit][0]}"

    @property
    def text(self) -> str:
        """The limit in its canonical Chinese spelling with the words around it as written,
        e.g. ``4紧急工作时``, ``1紧急工作时制止``."""
        return f"{self.qualifier or ''}{self.limit_text}{self.note or ''}"

    def __str__(self) -> str:
        return self.text


def _note(after: str) -> str | None:
    """The words after a limit, or None; raises ``ValueError`` if they change what it means."""
    note = after.strip()
    if note in _WITHIN or not note:
        return None
    rest = note
    for within in _WITHIN:
        if rest.startswith(within):
            rest = rest[len(within) :].lstrip()
            break
    if not rest or _NOT_AFTER.match(rest):
        raise ValueError(after)
    return note


def _handles(after: str) -> bool:
    words = after.lstrip()
    for within in _WITHIN:
        if words.startswith(within):
            words = words[len(within) :].lstrip()
            break
    return words.startswith(HANDLING_WORDS)


def parse_time_limit_parts(text: str) -> dict[str, object]:
    """``"2工作日"`` → ``{"value": 2.0, "unit": "work_days"}``; ``"1紧急工作时制止"`` → also
    ``"note": "制止"``; raises ``ValueError`` (:class:`TimeLimitSyntaxError`)."""
    written = text.strip()
    candidates = list(_CANDIDATE.finditer(written))
    if len(candidates) > 1:
        # a month or a day of a date is no limit: "3月至5月15工作日", "3月15日前"
        candidates = [
            c
            for c in candidates
            if not (
                c.group("unit") == "月"
                or (c.group("unit") == "日" and written[: c.start()].endswith("月"))
            )
        ]
        if not candidates:  # a date, not a limit
            raise TimeLimitSyntaxError(text)
    if not candidates:
        if any(word in written for word in IMMEDIATE_WORDS):
            raise TimeLimitImmediateError(text)
        raise TimeLimitSyntaxError(text)
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        handling = [c for c in candidates if _handles(written[c.end() :])]
        if len(handling) != 1:
            raise TimeLimitSeveralError(text, [c.group(0) for c in candidates])
        chosen = handling[0]
    qualifier = written[: chosen.start()].rstrip()
    if _NOT_BEFORE.search(qualifier):
        raise TimeLimitSyntaxError(text)
    try:
        note = _note(written[chosen.end() :])
    except ValueError:
        raise TimeLimitSyntaxError(text) from None
    parts: dict[str, object] = {
        "value": float(chosen.group("number")),
        "unit": _UNIT_BY_SPELLING[chosen.group("unit").lower()],
    }
    if qualifier:
        parts["qualifier"] = qualifier
    if note is not None:
        parts["note"] = note
    return parts


class TimeLimitSyntaxError(ValueError):
    """A time limit that cannot be read. It names its message (``key``, ``params``), so that a
    schema problem shows it in the user's language; ``str()`` is the English."""

    key = "time.syntax"

    def __init__(self, text: str):
        self.params: dict[str, object] = {"text": text}
        super().__init__(
            f"cannot read time limit {text!r}; expected e.g. 2小时, 4紧急工作时, 2工作日, 15天"
        )


class TimeLimitImmediateError(TimeLimitSyntaxError):
    """ "立即" (immediately) without a limit: no deadline can be computed from it."""

    key = "time.immediate"

    def __init__(self, text: str):
        super().__init__(text)
        ValueError.__init__(
            self,
            f"cannot read time limit {text!r}: 'immediately' is no time a deadline can be "
            "computed from; write the limit the unit has, e.g. 1紧急工作时制止",
        )


class TimeLimitSeveralError(TimeLimitSyntaxError):
    """Several limits in one text, none (or more than one) followed by a handling word."""

    key = "time.several"

    def __init__(self, text: str, limits: list[str]):
        super().__init__(text)
        found = ", ".join(limits)
        self.params = {"text": text, "limits": found}
        ValueError.__init__(
            self,
            f"cannot read time limit {text!r}: it gives several limits ({found}); mark the one "
            "for handling the case with a word after it (e.g. 30分钟到场，2小时处置), or give "
            "each its own row",
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
