"""The registry's calendar file (``file: calendar``): the holidays and make-up working days of the
years the calendar package lacks, imported into the registry, counted in the snapshot hash,
used for deadlines, reproduced by a replay; and a year with neither flagged loudly."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from remit import Registry
from remit.deadlines import OfficialCalendar, OfficialYear, WorkCalendar
from remit.routing.batch import route_batch
from remit.routing.replay import replay
from remit.timelimit import parse_time_limit
from tests.factories import ROOT, Cli, exits, ok

pytestmark = pytest.mark.usefixtures("wide_messages")
SH = ZoneInfo("Asia/Shanghai")
CALENDAR = ROOT / "data" / "calendar"
RX0204 = ["route", "--matter", "RX0204", "--area", "310101002000"]
NATIONAL_DAY_EVE = ["--reported-at", "2027-09-30T16:00:00"]
HEAD = "file: calendar\nyears:\n  2027:\n    source: 国务院办公厅关于2027年部分节假日安排的通知\n"


def year_2027(*holidays: dt.date, workdays: tuple[dt.date, ...] = ()) -> OfficialCalendar:
    year = OfficialYear("notice", frozenset(holidays), frozenset(workdays))
    return OfficialCalendar(((2027, year),))


NATIONAL_DAY = tuple(dt.date(2027, 10, d) for d in range(1, 8))


# --- the calendar -------------------------------------------------------------------------------


def test_the_file_fills_a_year_the_package_lacks() -> None:
    start, limit = dt.datetime(2027, 9, 30, 16, tzinfo=SH), parse_time_limit("1工作日")
    guessed = WorkCalendar().deadline(start, limit)
    assert guessed.at == dt.datetime(2027, 10, 1, 17, tzinfo=SH)  # inside the holiday
    assert guessed.approximate_years == (2027,)
    known = WorkCalendar().using(year_2027(*NATIONAL_DAY)).deadline(start, limit)
    assert known.at == dt.datetime(2027, 10, 8, 17, tzinfo=SH)
    assert known.approximate_years == ()
    # a make-up working day (调休上班) on a Sunday counts
    makeup = year_2027(workdays=(dt.date(2027, 9, 26),))
    friday = dt.datetime(2027, 9, 24, 16, tzinfo=SH)
    assert WorkCalendar().using(makeup).deadline(friday, limit).at.date() == dt.date(2027, 9, 26)
    # a year the file does not give is still approximate
    later = WorkCalendar().using(year_2027()).deadline(dt.datetime(2028, 3, 1, tzinfo=SH), limit)
    assert later.approximate_years == (2028,)


def test_the_package_rules_the_years_it_covers() -> None:
    # a file giving 2026 cannot move the package's National Day (rules it: refused at import)
    odd = OfficialCalendar(((2026, OfficialYear("x", frozenset(), frozenset())),))
    limit = parse_time_limit("1工作日")
    start = dt.datetime(2026, 9, 30, 16, tzinfo=SH)
    assert WorkCalendar().using(odd).deadline(start, limit).at.date() == dt.date(2026, 10, 8)


def test_a_calendar_is_plain_data_with_a_hash() -> None:
    calendar = year_2027(*NATIONAL_DAY)
    assert OfficialCalendar.from_content(calendar.content()) == calendar
    assert calendar.hash != year_2027(*NATIONAL_DAY[:-1]).hash
    assert not OfficialCalendar() and calendar


# --- import, snapshot, reproducibility ----------------------------------------------------------


def test_the_import_is_recorded_and_counts_in_the_snapshot_hash(sample_registry: Registry) -> None:
    day = dt.date(2027, 9, 30)
    before, revision = sample_registry.snapshot(day).hash, sample_registry.revision()
    result = sample_registry.import_files([CALENDAR], by="tester")
    assert result.changed and result.revision == revision + 1
    after = sample_registry.snapshot(day)
    assert after.hash != before
    assert after.calendar.year(2027) is not None
    assert dt.date(2027, 10, 1) in after.calendar.year(2027).holidays  # type: ignore[union-attr]
    # the registry as it stood before knows no calendar: its snapshot is the one before
    assert sample_registry.snapshot(day, known_at=revision).hash == before
    # the same file again changes nothing
    assert not sample_registry.import_files([CALENDAR]).changed
    entry = [e for e in sample_registry.log() if e.action == "calendar"]
    assert len(entry) == 1 and entry[0].actor == "tester"
    assert entry[0].details["years"]["2027"]["holidays"][0] == "2027-01-01"
    assert sample_registry.verify().ok


def test_a_corrected_year_replaces_the_one_before(
    sample_registry: Registry, tmp_path: Path
) -> None:
    sample_registry.import_files([CALENDAR])
    first = sample_registry.snapshot(dt.date(2027, 9, 30)).hash
    corrected = tmp_path / "2027.yaml"
    corrected.write_text(HEAD + "    holidays: [2027-10-01 .. 2027-10-08]\n", encoding="utf-8")
    sample_registry.import_files([corrected])
    second = sample_registry.snapshot(dt.date(2027, 9, 30))
    assert second.hash != first
    year = second.calendar.year(2027)
    assert year is not None and year.holidays == frozenset(
        dt.date(2027, 10, d) for d in range(1, 9)
    )
    assert not year.workdays


def test_a_replay_reproduces_the_deadline_on_the_recorded_calendar(
    sample_registry: Registry, tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    event = {
        "id": "E-2027-1",
        "matter": "RX0204",
        "area": "310101002000",
        "reported_at": "2027-09-30T16:00:00+08:00",
    }
    events.write_text(json.dumps(event) + "\n", encoding="utf-8")
    sample_registry.import_files([CALENDAR])
    decisions = tmp_path / "decisions.jsonl"
    with decisions.open("w", encoding="utf-8") as out:
        summary = route_batch(sample_registry.url, events, out)
    assert summary.approximate == 0
    decision = json.loads(decisions.read_text(encoding="utf-8"))
    assert decision["deadline"].startswith("2027-10-08T17:00")
    assert decision["deadline_approximate"] is False
    # a later calendar that says otherwise does not change what the decision was made on
    changed = tmp_path / "2027.yaml"
    changed.write_text(HEAD + "    holidays: [2027-10-01 .. 2027-10-11]\n", encoding="utf-8")
    sample_registry.import_files([changed])
    report = replay(sample_registry, decisions)
    assert (report.compared, report.identical, report.changed) == (1, 1, 0)
    # decided again on the latest revision, the new calendar moves the deadline
    latest = replay(sample_registry, decisions, known_at=None)
    assert latest.changed == 1


# --- the command line ---------------------------------------------------------------------------


def test_without_a_calendar_the_deadline_is_flagged_loudly(cli: Cli, sample_url: str) -> None:
    result = exits(cli(*RX0204, *NATIONAL_DAY_EVE, db=sample_url), 0)
    assert "Deadline: 2027-10-01 17:00 (1工作日 from 2027-09-30 16:00) — APPROXIMATE" in (
        result.stdout
    )
    assert "Warning: the official holidays of 2027 are not known" in result.stdout
    assert "may fall on a public holiday" in result.stdout
    assert "import a calendar file" in result.stdout
    assert "warning: the deadline is approximate" in result.stderr
    zh = exits(cli(*RX0204, *NATIONAL_DAY_EVE, db=sample_url, lang="zh"), 0)
    assert "——近似值（见下）" in zh.stdout
    assert "2027 年的法定节假日安排未知" in zh.stdout and "可能落在法定节假日" in zh.stdout
    assert "编写节假日文件" in zh.stdout
    assert "警告：截止时间为近似值" in zh.stderr
    as_json = exits(cli(*RX0204, *NATIONAL_DAY_EVE, "--format", "json", db=sample_url), 0)
    assert json.loads(as_json.stdout)["deadline_approximate"] is True
    assert "warning: the deadline is approximate" in as_json.stderr


def test_with_the_calendar_the_deadline_is_after_the_holiday(cli: Cli, sample_url: str) -> None:
    ok(cli("registry", "import", CALENDAR, db=sample_url))
    result = exits(cli(*RX0204, *NATIONAL_DAY_EVE, db=sample_url), 0)
    assert "Deadline: 2027-10-08 17:00 (1工作日 from 2027-09-30 16:00)" in result.stdout
    assert "APPROXIMATE" not in result.stdout and "warning" not in result.stderr
    # 2028: in neither
    later = exits(cli(*RX0204, "--reported-at", "2028-03-01T10:00:00", db=sample_url), 0)
    assert "the official holidays of 2028 are not known" in later.stdout


def test_route_batch_warns_once_with_the_count(cli: Cli, sample_url: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    lines = [
        {"id": f"E{n}", "matter": "RX0204", "area": "310101002000", "reported_at": at}
        for n, at in enumerate(
            ["2027-09-30T16:00:00+08:00", "2027-03-01T10:00:00+08:00", "2026-03-02T10:00:00+08:00"]
        )
    ]
    events.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")
    result = exits(cli("route-batch", events, "-o", tmp_path / "d.jsonl", db=sample_url), 0)
    assert result.stderr.count("2 decisions have an approximate deadline") == 1
    ok(cli("registry", "import", CALENDAR, db=sample_url))
    again = exits(cli("route-batch", events, "-o", tmp_path / "e.jsonl", db=sample_url), 0)
    assert "approximate" not in again.stderr


# --- validation -----------------------------------------------------------------------------------

BAD = {
    "bad_date": ("    holidays: [2027-10-01, 十月一日]\n", "line 5", "years.2027.holidays[1]"),
    "outside_year": ("    holidays: [2028-01-01]\n", "2028-01-01 is not in 2027", "line 5"),
    "reversed_range": ("    holidays: [2027-10-07 .. 2027-10-01]\n", "first before last", "line 5"),
    "both": (
        "    holidays: [2027-10-01 .. 2027-10-07]\n    workdays:\n      - 2027-10-03\n",
        "2027-10-03 is both a holiday and a working day (also at years.2027.workdays[0])",
        "line 5",
    ),
    "unknown_field": ("    holydays: [2027-10-01]\n", "unknown field 'holydays'", "line 5"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_calendar_files_are_refused_naming_file_line_field(
    cli: Cli, sample_url: str, tmp_path: Path, name: str
) -> None:
    content, *says = BAD[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(HEAD + content, encoding="utf-8")
    result = exits(cli("registry", "import", path, db=sample_url), 2)
    assert str(path) in result.stderr
    for text in says:
        assert text in result.stderr, result.stderr
    assert Registry(sample_url).state().calendar == OfficialCalendar()


def test_a_file_contradicting_the_package_is_refused(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "2026.yaml"
    path.write_text(
        "file: calendar\nyears:\n  2026:\n    source: 国务院办公厅关于2026年部分节假日安排的通知\n"
        "    holidays: [2026-10-01 .. 2026-10-04]\n    workdays: [2026-10-05]\n",
        encoding="utf-8",
    )
    result = exits(cli("registry", "import", path, db=sample_url), 2)
    assert "line 6" in result.stderr and "years.2026.workdays[0]" in result.stderr
    assert "2026-10-05 contradicts the chinesecalendar package" in result.stderr
    assert "the package rules the years it covers" in result.stderr
    zh = exits(cli("registry", "import", path, db=sample_url, lang="zh"), 2)
    assert "2026-10-05 与 chinesecalendar 包不一致" in zh.stderr and "第 6 行" in zh.stderr
    # agreeing with the package is fine (and changes no deadline)
    path.write_text(path.read_text(encoding="utf-8").replace("[2026-10-05]", "[2026-10-10]"))
    assert "calendar 2026: holidays and make-up working days from 国务院办公厅" in ok(
        cli("registry", "import", path, db=sample_url)
    )


def test_a_year_without_a_source_is_refused_in_both_languages(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "nosource.yaml"
    path.write_text("file: calendar\nyears:\n  2027:\n    holidays: [2027-10-01]\n", "utf-8")
    en = exits(cli("registry", "import", path, db=sample_url), 2)
    assert "year 2027: no source" in en.stderr and "line 3" in en.stderr
    zh = exits(cli("registry", "import", path, db=sample_url, lang="zh"), 2)
    assert "2027 年：缺少 source" in zh.stderr


def test_calendar_strict_refuses_what_it_cannot_count(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    refused = exits(cli(*RX0204, *NATIONAL_DAY_EVE, "--calendar", "strict", db=sample_url), 2)
    assert "the official holidays of 2027 are not known" in refused.stderr
    assert "refused (--calendar strict)" in refused.stderr and not refused.stdout
    zh = exits(cli(*RX0204, *NATIONAL_DAY_EVE, "--calendar", "strict", db=sample_url, lang="zh"), 2)
    assert "2027 年的法定节假日安排未知" in zh.stderr and "已拒绝" in zh.stderr
    # a year the package knows is decided as before
    ok(cli(*RX0204, "--reported-at", "2026-03-04T16:00:00", "--calendar", "strict", db=sample_url))
    events = tmp_path / "events.jsonl"
    lines = [
        {"id": f"E{n}", "matter": "RX0204", "area": "310101002000", "reported_at": at}
        for n, at in enumerate(["2027-09-30T16:00:00+08:00", "2026-03-02T10:00:00+08:00"])
    ]
    events.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    args = ("route-batch", events, "-o", tmp_path / "d.jsonl", "--rejects", rejects)
    ok(cli(*args, "--calendar", "strict", db=sample_url))
    (reject,) = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert reject["event_id"] == "E0" and "2027" in reject["reasons"][0]
    # with the calendar file, strict has nothing to refuse
    ok(cli("registry", "import", CALENDAR, db=sample_url))
    strict = ok(cli(*RX0204, *NATIONAL_DAY_EVE, "--calendar", "strict", db=sample_url))
    assert "Deadline: 2027-10-08 17:00" in strict


def test_the_calendar_on_both_databases(any_sample_registry: Registry) -> None:
    registry = any_sample_registry
    before = registry.snapshot(dt.date(2027, 9, 30)).hash
    registry.import_files([CALENDAR])
    after = registry.snapshot(dt.date(2027, 9, 30))
    assert after.hash != before and after.calendar.year(2027) is not None
    assert registry.verify().ok


def test_the_snapshot_command_names_the_calendar(cli: Cli, sample_url: str) -> None:
    before = ok(cli("registry", "snapshot", "--as-of", "2027-09-30", db=sample_url))
    assert "Calendar file" not in before
    ok(cli("registry", "import", CALENDAR, db=sample_url))
    after = ok(cli("registry", "snapshot", "--as-of", "2027-09-30", db=sample_url))
    assert "Calendar file (holidays of the years the calendar package lacks): 2027" in after
    zh = ok(cli("registry", "snapshot", "--as-of", "2027-09-30", db=sample_url, lang="zh"))
    assert "节假日文件（节假日数据包未收录年份的法定节假日安排）：2027 年" in zh
    data = json.loads(
        ok(cli("registry", "snapshot", "--as-of", "2027-09-30", "--format", "json", db=sample_url))
    )
    assert data["calendar"]["years"] == [2027] and len(data["calendar"]["hash"]) == 64
