"""Deadlines on the official calendar: holidays, make-up working days, working hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit.deadlines import Counting, UrgentWorkDays, WorkCalendar, WorkDays, WorkingHours
from remit.timelimit import TimeLimit, TimeUnit, parse_time_limit
from tests.factories import SAMPLE

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


# --- 紧急工作日 and the counting a city chooses (docs/registry.md, "Time limits") ---------------

DAY_END = WorkCalendar(WorkingHours(counting=Counting(urgent_work_days=UrgentWorkDays.day_end)))
WORK_TIME = WorkCalendar(WorkingHours(counting=Counting(work_days=WorkDays.work_time)))


def test_urgent_work_days_run_around_the_clock_through_holidays(cal: WorkCalendar) -> None:
    # reported on the eve of the 2025 National Day holiday (1–8 October off)
    start = at(2025, 9, 30, 22, 0)
    assert deadline(cal, start, "1紧急工作日") == at(2025, 10, 1, 22, 0)
    assert deadline(cal, start, "3紧急工作日") == at(2025, 10, 3, 22, 0)
    assert deadline(cal, start, "3紧急工作日") == deadline(cal, start, "72紧急工作时")
    # a working day of the same number waits for the holiday to end
    assert deadline(cal, start, "3工作日") == at(2025, 10, 11, 17, 0)  # 9, 10, Saturday 11
    # the words around a limit do not change its deadline
    assert deadline(cal, start, "1紧急工作日清除") == deadline(cal, start, "1紧急工作日")
    assert deadline(cal, start, "种植季节15工作日") == deadline(cal, start, "15工作日")


def test_urgent_work_days_to_the_end_of_the_day() -> None:
    # the report day is not counted: midnight at the end of the Nth day after it
    start = at(2025, 9, 30, 22, 0)
    assert DAY_END.deadline(start, parse_time_limit("1紧急工作日")).at == at(2025, 10, 2, 0, 0)
    assert DAY_END.deadline(start, parse_time_limit("3紧急工作日")).at == at(2025, 10, 4, 0, 0)
    early = at(2025, 9, 30, 0, 5)
    assert DAY_END.deadline(early, parse_time_limit("1紧急工作日")).at == at(2025, 10, 2, 0, 0)
    # hours are not affected
    assert DAY_END.deadline(start, parse_time_limit("2紧急工作时")).at == at(2025, 10, 1, 0, 0)


def test_work_days_as_working_time_from_the_report() -> None:
    # 1工作日 = one day's working hours (7 by default) of 工作时, counted from the report
    assert WORK_TIME.deadline(at(2024, 3, 4, 10, 0), parse_time_limit("1工作日")).at == at(
        2024, 3, 5, 10, 0
    )
    assert WORK_TIME.deadline(at(2024, 3, 4, 10, 0), parse_time_limit("1工作日")).at == (
        WORK_TIME.deadline(at(2024, 3, 4, 10, 0), parse_time_limit("7工作时")).at
    )
    # Friday afternoon → Monday; the National Day holiday is skipped
    assert WORK_TIME.deadline(at(2024, 3, 1, 16, 0), parse_time_limit("1工作日")).at == at(
        2024, 3, 4, 16, 0
    )
    assert WORK_TIME.deadline(at(2025, 9, 30, 16, 0), parse_time_limit("1工作日")).at == at(
        2025, 10, 9, 16, 0
    )


def test_counting_is_read_from_text() -> None:
    assert Counting.parse("") == Counting()
    assert Counting.parse("urgent_work_days=day_end") == Counting(
        WorkDays.next_day, UrgentWorkDays.day_end
    )
    both = Counting.parse(" work_days=work_time , urgent_work_days=day_end ")
    assert both == Counting(WorkDays.work_time, UrgentWorkDays.day_end)
    assert Counting.parse(both.text) == both
    for bad in ("work_days", "work_days=tomorrow", "weeks=1", "work_days=next_day,work_days=x"):
        with pytest.raises(ValueError, match="expected work_days="):
            Counting.parse(bad)


def test_urgent_work_days_are_exact_without_the_calendar() -> None:
    # around the clock needs no official calendar: never approximate, even in 2031
    result = WorkCalendar().deadline(at(2031, 3, 7, 10, 0), parse_time_limit("2紧急工作日"))
    assert result.at == at(2031, 3, 9, 10, 0) and result.approximate_years == ()
    # a working day counted as working time still says when the calendar was guessed
    guessed = WORK_TIME.deadline(at(2031, 3, 7, 10, 0), parse_time_limit("1工作日"))
    assert guessed.at == at(2031, 3, 10, 10, 0) and guessed.approximate_years == (2031,)


CALENDARS = st.sampled_from([WorkCalendar(), DAY_END, WORK_TIME])
STARTS = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2026, 6, 30))


@settings(max_examples=300, deadline=None)
@given(
    cal=CALENDARS,
    start=STARTS,
    unit=st.sampled_from(list(TimeUnit)),
    value=st.integers(min_value=1, max_value=30),
)
def test_deadlines_grow_with_the_value(
    cal: WorkCalendar, start: dt.datetime, unit: TimeUnit, value: int
) -> None:
    one = cal.deadline(start, TimeLimit(value=value, unit=unit)).at
    more = cal.deadline(start, TimeLimit(value=value + 1, unit=unit)).at
    assert start.replace(tzinfo=SH) < one < more
    assert one.utcoffset() == more.utcoffset() == dt.timedelta(hours=8)


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=STARTS, value=st.integers(min_value=1, max_value=60))
def test_an_urgent_limit_is_never_later_than_the_working_one(
    cal: WorkCalendar, start: dt.datetime, value: int
) -> None:
    """N 紧急工作时 count every hour that N 工作时 count, and the nights and holidays too."""
    urgent = cal.deadline(start, TimeLimit(value=value, unit=TimeUnit.urgent_work_hours)).at
    working = cal.deadline(start, TimeLimit(value=value, unit=TimeUnit.work_hours)).at
    assert urgent <= working


@settings(max_examples=200, deadline=None)
@given(start=STARTS, value=st.integers(min_value=1, max_value=30))
def test_urgent_days_by_the_clock_end_before_those_to_the_end_of_the_day(
    start: dt.datetime, value: int
) -> None:
    limit = TimeLimit(value=value, unit=TimeUnit.urgent_work_days)
    clock, day_end = WorkCalendar().deadline(start, limit).at, DAY_END.deadline(start, limit).at
    assert clock < day_end <= clock + dt.timedelta(days=1)
    assert day_end.time() == dt.time.min


def test_counting_from_the_command_line(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from remit import Registry

    url = f"sqlite:///{tmp_path / 'r.db'}"
    Registry.create(url).import_files([SAMPLE])
    args = ["route", "--matter", "RX0204", "--area", "310101002000"]
    args += ["--reported-at", "2026-03-04T16:00:00"]
    default = cli(*args, db=url)
    work_time = cli(*args, "--counting", "work_days=work_time", db=url)
    assert "Deadline: 2026-03-05 17:00 (1工作日 from 2026-03-04 16:00)" in default.output
    assert "Deadline: 2026-03-05 16:00 (1工作日 from 2026-03-04 16:00)" in work_time.output
    hours = cli(
        *args, "--counting", "work_days=work_time", "--working-hours", "09:00-17:00", db=url
    )
    assert "Deadline: 2026-03-05 16:00 (1工作日 from 2026-03-04 16:00)" in hours.output
    bad = cli(*args, "--counting", "work_days=soon", db=url)
    assert bad.exit_code == 2 and "expected work_days=next_day or work_time" in bad.stderr
    zh = cli(*args, "--counting", "work_days=soon", db=url, lang="zh")
    assert zh.exit_code == 2 and "应形如" in zh.stderr
