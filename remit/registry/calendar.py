"""The registry's calendar file (``file: calendar``): the public holidays and make-up working
days (调休上班) of the years the ``chinesecalendar`` package has no data for yet, as the State
Council notice (国务院办公厅关于某年部分节假日安排的通知) gives them, maintained by the user.

An import records the file's years in the audit log (action ``calendar``, the years in its
details): the calendar at a revision is every such entry up to it, a year given again replacing
the one before. It counts in the snapshot hash (:func:`remit.registry.snapshot.snapshot_hash`)
and a router reads the calendar of the revision it routes on, so a decision made on it is
reproduced by a replay at that revision. docs/registry.md ("Time limits") describes the file.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from remit.deadlines import OfficialCalendar, OfficialYear, package_disagrees
from remit.errors import Collector
from remit.files.yamlio import LineMap, dotted

CALENDAR_KIND = "calendar"
"""The ``file:`` of a calendar file, and the action of its audit entries."""
_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$")
_FIELDS = ("source", "holidays", "workdays")


def read_calendar(path: str, data: dict[str, Any], lines: LineMap) -> OfficialCalendar | Collector:
    """The calendar ``data`` (a parsed ``file: calendar``) gives, or the problems with it: each
    date in its year, a day not both a holiday and a working day, none contradicting the
    package for a year it covers."""
    problems = Collector()

    def at(*loc: str | int) -> dict[str, object]:
        return {"source": path, "line": lines.line_of(loc), "field": dotted(loc) or None}

    for key in data:
        if key not in ("file", "years"):
            problems.add("calendar.unknown_field", **at(key), name=key, expected="file, years")
    years = data.get("years")
    if not isinstance(years, dict) or not years:
        problems.add("calendar.no_years", **at("years"))
        return problems
    found: list[tuple[int, OfficialYear]] = []
    for raw_year, spec in years.items():
        key = str(raw_year)
        if not (isinstance(raw_year, int) or key.isdigit()) or not 1900 < int(key) < 2200:
            problems.add("calendar.bad_year", **at("years", key), year=key)
            continue
        year = int(key)
        if not isinstance(spec, dict):
            problems.add("calendar.bad_entry", **at("years", key), year=year)
            continue
        for name in spec:
            if name not in _FIELDS:
                problems.add(
                    "calendar.unknown_field",
                    **at("years", key, str(name)),
                    name=name,
                    expected=", ".join(_FIELDS),
                )
        source = spec.get("source")
        if not isinstance(source, str) or not source.strip():
            problems.add("calendar.no_source", **at("years", key, "source"), year=year)
        days: dict[str, dict[dt.date, tuple[str | int, ...]]] = {}
        loc: tuple[str | int, ...]
        for name in ("holidays", "workdays"):
            days[name] = {}
            items = spec.get(name, [])
            if items is None:
                items = []
            if not isinstance(items, list):
                problems.add("calendar.not_a_list", **at("years", key, name))
                continue
            for i, item in enumerate(items):
                loc = ("years", key, name, i)
                for day in _days(item):
                    if day is None:
                        problems.add("calendar.bad_date", **at(*loc), value=str(item))
                        break
                    if day.year != year:
                        problems.add(
                            "calendar.outside_year", **at(*loc), day=day.isoformat(), year=year
                        )
                        break
                    days[name].setdefault(day, loc)
        for day, loc in sorted(days["holidays"].items()):
            if day in days["workdays"]:
                other = days["workdays"][day]
                problems.add("calendar.both", **at(*loc), day=day.isoformat(), other=dotted(other))
        entry = OfficialYear(
            str(source or "").strip(), frozenset(days["holidays"]), frozenset(days["workdays"])
        )
        for day, package_workday in package_disagrees(entry):
            loc = days["holidays"].get(day) or days["workdays"][day]
            key = "calendar.package_workday" if package_workday else "calendar.package_holiday"
            problems.add(key, **at(*loc), day=day.isoformat())
        found.append((year, entry))
    if problems.problems:
        return problems
    return OfficialCalendar(tuple(sorted(found, key=lambda item: item[0])))


def _days(item: object) -> list[dt.date | None]:
    """The days an item of ``holidays`` or ``workdays`` names: a date, or a range
    ``2027-10-01 .. 2027-10-07`` (both ends included); ``[None]`` when it names none."""
    if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
        return [item]
    if isinstance(item, str):
        text = item.strip()
        match = _RANGE.match(text)
        try:
            if match is None:
                return [dt.date.fromisoformat(text)]
            first, last = (dt.date.fromisoformat(g) for g in match.groups())
        except ValueError:
            return [None]
        if last < first or (last - first).days > 366:
            return [None]
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [None]
