"""Event histories: a file of past events resolved on one snapshot, for workload and volume estimates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from remit.errors import Collector, InputError
from remit.events.model import Event
from remit.events.read import read_events
from remit.events.resolve import EventResolver
from remit.registry.snapshot import Snapshot


def scan_history(snapshot: Snapshot, path: Path, each: Callable[[Event], None]) -> int:
    """Resolve every event of the history at ``path`` on ``snapshot``, hand each to ``each``
    and return the days the history spans (first to last). Any bad event is an input error,
    raised with all of them once the file is read."""
    resolver = EventResolver(snapshot)
    collector = Collector()
    first: dt.date | None = None
    last: dt.date | None = None
    for where, raw in read_events(path):
        if isinstance(raw, list):
            collector.extend(raw)
            continue
        try:
            event = resolver.resolve(raw, where)
        except InputError as exc:
            collector.extend(exc.problems)
            continue
        day = event.reported_at.date()
        first = day if first is None or day < first else first
        last = day if last is None or day > last else last
        each(event)
    collector.raise_if_any()
    if first is None or last is None:
        raise InputError.one("event.empty", source=str(path))
    return (last - first).days + 1
