"""Deadlines on the official calendar: holidays, make-up working days, working hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit.deadlines import WorkCalendar, WorkingHours
from remit.timelimit import parse_time_limit

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def deadline(cal: WorkCalendar, start: dt.datetime, text: str) -> dt.datetime:
    return cal.deadline(start, parse_time_limit(text)).at


def test_clock_units(cal: WorkCalendar) -> None:
    start = at(2025, 9, 30, 22, 0)
    assert deadline(cal, start, "30分钟") == at(2025, 9, 30, 22, 30)
    assert deadline(cal, start, "2小时") == at(2025, 10, 1, 0, 0)
    # urgent working hours run around the clock, holidays included
    assert deadline(cal, start, "4紧急工作时") == at(2025, 10, 1, 2, 0)
    assert deadline(cal, start, "15天") == at(2025, 10, 15, 22, 0)
    assert deadline(cal, at(2025, 1, 31, 9, 0), "1个月") == at(2025, 2, 28, 9, 0)


def test_work_days_skip_the_national_day_holiday(cal: WorkCalendar) -> None:
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are working days
    assert deadline(cal, at(2025, 9, 30, 10, 0), "2工作日") == at(2025, 10, 10, 17, 0)
    assert deadline(cal, at(2025, 9, 27, 10, 0), "2工作日") == at(2025, 9, 29, 17, 0)
    assert deadline(cal, at(2025, 10, 10, 16, 0), "1工作日") == at(2025, 10, 11, 17, 0)


def test_work_hours_count_only_inside_working_hours(cal: WorkCalendar) -> None:
    # Friday 11:00: 1 hour before lunch, 4 after; the rest on Monday
    assert deadline(cal, at(2024, 3, 1, 11, 0), "4工作时") == at(2024, 3, 1, 16, 0)
    assert deadline(cal, at(2024, 3, 1, 11, 0), "6工作时") == at(2024, 3, 4, 10, 0)
    # reported at night: counting starts next morning
    assert deadline(cal, at(2024, 3, 4, 20, 0), "2工作时") == at(2024, 3, 5, 11, 0)
    # across the 2025 National Day holiday
    assert deadline(cal, at(2025, 9, 30, 16, 0), "2工作时") == at(2025, 10, 9, 10, 0)


def test_configurable_working_hours() -> None:
    cal = WorkCalendar(WorkingHours.parse("08:30-11:30,13:30-17:30"))
    assert cal.deadline(at(2024, 3, 4, 8, 0), parse_time_limit("3工作时")).at == at(
        2024, 3, 4, 11, 30
    )
    assert cal.deadline(at(2024, 3, 4, 8, 0), parse_time_limit("1工作日")).at == at(
        2024, 3, 5, 17, 30
    )
    with pytest.raises(ValueError):
        WorkingHours.parse("13:00-17:00,09:00-12:00")


def test_other_time_zones_and_naive_times(cal: WorkCalendar) -> None:
    utc = dt.datetime(2024, 3, 4, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    assert deadline(cal, utc, "1工作时") == at(2024, 3, 4, 10, 0)
    assert deadline(cal, dt.datetime(2024, 3, 4, 9, 0), "1工作时") == at(2024, 3, 4, 10, 0)


def test_years_beyond_the_calendar_are_approximate(cal: WorkCalendar) -> None:
    result = cal.deadline(at(2031, 3, 7, 10, 0), parse_time_limit("1工作日"))  # a Friday
    assert result.at == at(2031, 3, 10, 17, 0)
    assert result.approximate_years == (2031,)
    assert cal.deadline(at(2025, 3, 7, 10, 0), parse_time_limit("1工作日")).approximate_years == ()


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2026, 6, 30)),
    hours=st.integers(min_value=1, max_value=40),
)
def test_work_hours_deadline_falls_in_working_time_and_grows(
    start: dt.datetime, hours: int
) -> None:
    cal = WorkCalendar()
    one = cal.deadline(start, parse_time_limit(f"{hours}工作时")).at
    more = cal.deadline(start, parse_time_limit(f"{hours + 1}工作时")).at
    assert more > one > start.replace(tzinfo=SH)
    assert cal.is_workday(one.date())
    assert any(b < one.time() <= e for b, e in cal.hours.periods)
