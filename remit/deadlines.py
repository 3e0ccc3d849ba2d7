"""Deadlines on the official Chinese calendar (public holidays and make-up working days, 调休).

The calendar comes from the maintained ``chinesecalendar`` package. For a year it does not cover
yet, the registry's calendar file (:class:`OfficialCalendar`: the holidays and make-up working
days of the State Council notice, imported with ``remit registry import``) gives them; the
package rules the years it covers (a file contradicting it is refused at import). For a year
neither knows, working days fall back to Monday–Friday and the deadline says it is approximate
(:attr:`Deadline.approximate_years`).

How each time-limit unit counts from the moment an event was reported:

- ``minutes``, ``hours``, ``urgent_work_hours`` (紧急工作时): clock time, around the clock
  (1 紧急工作时 = 1 hour, nights and holidays included);
- ``days`` (天): calendar days; ``months`` (个月): calendar months (the day is clamped);
- ``work_hours`` (工作时): only time inside working hours on working days;
- ``work_days`` (工作日): by default (:attr:`WorkDays.next_day`) the report day is not
  counted; the deadline is the close of working hours on the Nth working day after it. A city
  that counts a working day as a day's working hours from the report (``work_time``) may say so;
- ``urgent_work_days`` (紧急工作日): by default (:attr:`UrgentWorkDays.clock`) 24 hours each
  around the clock from the report, holidays included; a city that ends them at midnight of the
  Nth day after the report day (``day_end``) may say so.

Working hours default to 09:00–12:00 and 13:00–17:00 in Asia/Shanghai and are configurable;
so is how days count (:class:`Counting`, carried by :class:`WorkingHours`). Asia/Shanghai has
kept no daylight saving time since 1991: clock arithmetic in it is plain.
docs/registry.md, "Time limits", cites the sources of these conventions.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from remit.timelimit import TimeLimit, TimeUnit, parse_time_limit

CITY_ZONE = ZoneInfo("Asia/Shanghai")
"""The city's zone: the registry stores UTC, people read Beijing time."""


def local_time(at: dt.datetime, *, seconds: bool = True) -> str:
    """A stored time (UTC; a naive one is taken as UTC) in Beijing time, with its offset:
    ``2026-12-05 17:14:02+08:00``. The same in every language."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(CITY_ZONE).isoformat(
        sep=" ", timespec="seconds" if seconds else "minutes"
    )


DEFAULT_PERIODS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(9, 0), dt.time(12, 0)),
    (dt.time(13, 0), dt.time(17, 0)),
)


class WorkDays(StrEnum):
    """How a city counts N 工作日 (working days)."""

    next_day = "next_day"
    """The report day is not counted: the close of working hours on the Nth working day after
    it (the default; tables' "N个工作日内" read so)."""
    work_time = "work_time"
    """N days' working hours (8 by default) of 工作时, counted from the report."""


class UrgentWorkDays(StrEnum):
    """How a city counts N 紧急工作日 (urgent working days)."""

    clock = "clock"
    """N × 24 hours around the clock from the report, holidays included (the default, as
    紧急工作时 are hours around the clock)."""
    day_end = "day_end"
    """The report day is not counted: midnight at the end of the Nth calendar day after it,
    holidays included."""


@dataclass(frozen=True)
class Counting:
    """How the day units count where cities differ; the defaults are documented in
    docs/registry.md ("Time limits")."""

    work_days: WorkDays = WorkDays.next_day
    urgent_work_days: UrgentWorkDays = UrgentWorkDays.clock

    @classmethod
    def parse(cls, text: str) -> Counting:
        """``"work_days=work_time,urgent_work_days=day_end"`` → :class:`Counting` (either part
        may be left out; an empty text is the defaults). Raises ``ValueError``."""
        found: dict[str, str] = {}
        for part in text.split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or name not in ("work_days", "urgent_work_days") or name in found:
                raise ValueError(
                    f"cannot read {part.strip()!r}; expected work_days=next_day|work_time "
                    "and/or urgent_work_days=clock|day_end"
                )
            found[name] = value
        try:
            return cls(
                WorkDays(found.get("work_days", WorkDays.next_day)),
                UrgentWorkDays(found.get("urgent_work_days", UrgentWorkDays.clock)),
            )
        except ValueError:
            raise ValueError(
                f"cannot read {text!r}; expected work_days=next_day|work_time "
                "and/or urgent_work_days=clock|day_end"
            ) from None

    @property
    def text(self) -> str:
        return f"work_days={self.work_days},urgent_work_days={self.urgent_work_days}"


@dataclass(frozen=True)
class WorkingHours:
    """Working periods of a working day, in ``timezone``, and how days count (``counting``):
    the city's calendar settings."""

    periods: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_PERIODS
    timezone: str = "Asia/Shanghai"
    counting: Counting = Counting()

    def __post_init__(self) -> None:
        previous = dt.time.min
        for start, end in self.periods:
            if not previous <= start < end:
                raise ValueError(f"working periods must be ordered and not overlap: {self.periods}")
            previous = end
        if not self.periods:
            raise ValueError("at least one working period is needed")
        minutes = sum(
            (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            for start, end in self.periods
        )
        if minutes < 60:
            # the longest time limit, 20,000 工作时, must end within the century counted
            raise ValueError(f"the working periods give {minutes} minutes a day; at least 60")

    @classmethod
    def parse(
        cls, text: str, timezone: str = "Asia/Shanghai", counting: Counting = Counting()
    ) -> WorkingHours:
        """``"09:00-12:00,13:00-17:00"`` → :class:`WorkingHours`."""
        periods = []
        for part in text.split(","):
            start, _, end = part.strip().partition("-")
            periods.append(
                (dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))
            )
        return cls(tuple(periods), timezone, counting)

    @property
    def day(self) -> dt.timedelta:
        """The working time of one working day."""
        return sum(
            (
                dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
                for start, end in self.periods
            ),
            dt.timedelta(),
        )


@dataclass(frozen=True)
class OfficialYear:
    """One year of the State Council notice (国务院办公厅关于某年部分节假日安排的通知): the days
    off (holidays, with the weekends inside them) and the make-up working days (调休上班)."""

    source: str
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass(frozen=True)
class OfficialCalendar:
    """The years of the registry's calendar file (those the package lacks); empty: none."""

    years: tuple[tuple[int, OfficialYear], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_year", dict(self.years))

    def year(self, number: int) -> OfficialYear | None:
        found: OfficialYear | None = self.__dict__["_by_year"].get(number)
        return found

    def __bool__(self) -> bool:
        return bool(self.years)

    def content(self) -> dict[str, dict[str, object]]:
        """As plain JSON-able data: what is stored and hashed."""
        return {
            str(number): {
                "source": y.source,
                "holidays": [d.isoformat() for d in sorted(y.holidays)],
                "workdays": [d.isoformat() for d in sorted(y.workdays)],
            }
            for number, y in sorted(self.years)
        }

    @classmethod
    def from_content(cls, data: dict[str, Any]) -> OfficialCalendar:
        years = []
        for number, y in data.items():
            holidays = frozenset(dt.date.fromisoformat(d) for d in y.get("holidays", ()))
            workdays = frozenset(dt.date.fromisoformat(d) for d in y.get("workdays", ()))
            years.append((int(number), OfficialYear(str(y.get("source", "")), holidays, workdays)))
        return cls(tuple(sorted(years, key=lambda item: item[0])))

    def merged(self, other: OfficialCalendar) -> OfficialCalendar:
        """This calendar with ``other``'s years put in (a year given again replaces it)."""
        years = dict(self.years) | dict(other.years)
        return OfficialCalendar(tuple(sorted(years.items())))

    @functools.cached_property
    def hash(self) -> str:
        """SHA-256 of :meth:`content` (computed once)."""
        return hashlib.sha256(
            json.dumps(self.content(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()


def package_years() -> tuple[int, int]:
    """The first and last year the ``chinesecalendar`` package has data for."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def package_disagrees(year: OfficialYear) -> list[tuple[dt.date, bool]]:
    """The days of ``year`` on which the package (where it covers the year) says otherwise:
    (day, the package says it is a working day)."""
    found = []
    for day in sorted(year.holidays | year.workdays):
        try:
            package = bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            continue
        if package != year.is_workday(day):
            found.append((day, package))
    return found


@dataclass(frozen=True)
class Deadline:
    at: dt.datetime
    approximate_years: tuple[int, ...] = ()
    """Years the official calendar does not cover, for which Monday–Friday was assumed."""


@dataclass
class WorkCalendar:
    """Working days and hours; answers "when is this time limit up?"."""

    hours: WorkingHours = field(default_factory=WorkingHours)
    official: OfficialCalendar = field(default_factory=OfficialCalendar)
    """The registry's calendar file: the years the package does not cover yet."""

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.hours.timezone)
        self._uncovered: set[int] = set()
        self._days: dict[dt.date, tuple[bool, bool]] = {}
        """day → (working day, assumed: neither the package nor the file knows its year)."""
        self._with: dict[str, WorkCalendar] = {}

    def using(self, official: OfficialCalendar) -> WorkCalendar:
        """This calendar with ``official`` (a snapshot's calendar file) for the years the
        package lacks: itself when it has that one already; one kept per calendar."""
        if official is self.official or not (official or self.official):
            return self
        key = official.hash
        found = self._with.get(key)
        if found is None:
            found = self._with[key] = WorkCalendar(self.hours, official)
        return found

    def is_workday(self, day: dt.date) -> bool:
        found = self._days.get(day)  # the package checks its range on every call: slow
        if found is None:
            try:
                found = (bool(chinese_calendar.is_workday(day)), False)
            except NotImplementedError:  # a year the package does not know yet
                year = self.official.year(day.year)
                found = (year.is_workday(day), False) if year else (day.weekday() < 5, True)
            self._days[day] = found
        if found[1]:
            self._uncovered.add(day.year)
        return found[0]

    def scaled(self, limit: TimeLimit, factor: float) -> TimeLimit:
        """``limit`` times ``factor`` (0 < factor ≤ 1), in a unit that holds a fraction: hours
        and working hours as they are; a working day as the working hours of one (under either
        way of counting days), an urgent working day or a day as 24 hours, a month as 30 days.
        What an escalation (督办) leaves of a time limit."""
        hours = {
            TimeUnit.work_days: (TimeUnit.work_hours, self.hours.day / dt.timedelta(hours=1)),
            TimeUnit.urgent_work_days: (TimeUnit.urgent_work_hours, 24.0),
            TimeUnit.days: (TimeUnit.hours, 24.0),
            TimeUnit.months: (TimeUnit.hours, 24.0 * 30),
        }
        unit, per = hours.get(limit.unit, (limit.unit, 1.0))
        value = round(float(limit.value) * per * factor, 2)
        return parse_time_limit(f"{value:g}{unit.value}")

    def deadline(self, reported_at: dt.datetime, limit: TimeLimit) -> Deadline:
        """When ``limit`` runs out for an event reported at ``reported_at`` (aware; a naive
        time is taken to be local to the working hours' time zone)."""
        self._uncovered = set()
        start = self._local(reported_at)
        unit, value = limit.unit, limit.value
        if unit is TimeUnit.minutes:
            at = start + dt.timedelta(minutes=value)
        elif unit in (TimeUnit.hours, TimeUnit.urgent_work_hours):
            at = start + dt.timedelta(hours=value)
        elif unit is TimeUnit.days:
            at = start + dt.timedelta(days=value)
        elif unit is TimeUnit.months:
            at = _add_months(start, int(value))
        elif unit is TimeUnit.work_days:
            if self.hours.counting.work_days is WorkDays.work_time:
                at = self._after_work_time(start, self.hours.day * value)
            else:
                at = self._after_work_days(start, int(value))
        elif unit is TimeUnit.urgent_work_days:
            if self.hours.counting.urgent_work_days is UrgentWorkDays.day_end:
                last = start.date() + dt.timedelta(days=math.ceil(value) + 1)
                at = dt.datetime.combine(last, dt.time.min, self.zone)
            else:
                at = start + dt.timedelta(days=value)
        elif unit is TimeUnit.work_hours:
            at = self._after_work_time(start, dt.timedelta(hours=value))
        else:  # pragma: no cover - every unit is handled above
            raise ValueError(f"no deadline rule for {unit}")
        return Deadline(at, tuple(sorted(self._uncovered)))

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone)
        return moment.astimezone(self.zone)

    def _after_work_days(self, start: dt.datetime, count: int) -> dt.datetime:
        day = start.date()
        remaining = max(count, 0)
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return dt.datetime.combine(day, self.hours.periods[-1][1], self.zone)

    def _after_work_time(self, start: dt.datetime, needed: dt.timedelta) -> dt.datetime:
        day = start.date()
        moment = start
        for _ in range(40_000):  # a bound never reached: a time limit is at most 20,000 工作时
            if self.is_workday(day):
                for begin, end in self.hours.periods:
                    period_start = max(dt.datetime.combine(day, begin, self.zone), moment)
                    period_end = dt.datetime.combine(day, end, self.zone)
                    if period_start >= period_end:
                        continue
                    available = period_end - period_start
                    if needed <= available:
                        return period_start + needed
                    needed -= available
            day += dt.timedelta(days=1)
            moment = dt.datetime.combine(day, dt.time.min, self.zone)
        raise ValueError(f"no working time found within 100 years of {start}")


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, month_calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
