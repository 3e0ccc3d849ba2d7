"""The life of versions: which version is in force on a date, and which sequences are valid.

A list (or the catalogue) has versions 1, 2, 3 …; drafts come last; each published version
takes effect on its ``effective_from`` and supersedes the previous one from that day. An
explicit ``effective_to`` ends a version early (nothing of that list is in force after it,
until the next version). Withdrawn versions are never in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from remit.errors import Problem
from remit.registry.entities import ListInfo, ListVersion, VersionStatus


class VersionLike(Protocol):
    @property
    def version(self) -> int: ...
    @property
    def status(self) -> VersionStatus: ...
    @property
    def effective_from(self) -> dt.date | None: ...
    @property
    def effective_to(self) -> dt.date | None: ...


V = TypeVar("V", bound="VersionLike")


def in_force(versions: Sequence[V], on: dt.date) -> V | None:
    """The published version in force on ``on``, if any. A published version without a date
    (the first version of the areas or the units, as imported without one) is in force from
    the beginning."""
    current: V | None = None
    start: dt.date | None = None
    for version in versions:
        if version.status is not VersionStatus.published:
            continue
        begins = version.effective_from or dt.date.min
        # of versions from one day (the areas, the units: changed twice a day), the later
        if begins <= on and (start is None or begins >= start):
            current, start = version, begins
    if current is not None and current.effective_to is not None and current.effective_to < on:
        return None
    return current


def effective_until(versions: Sequence[VersionLike], version: VersionLike) -> dt.date | None:
    """The last day ``version`` is in force: its own end, or the day before its successor."""
    ends = [version.effective_to] if version.effective_to else []
    if version.status is VersionStatus.published:
        begins = version.effective_from or dt.date.min
        later = [
            v.effective_from
            for v in versions
            if v.status is VersionStatus.published
            and v.effective_from is not None
            and v.effective_from > begins
        ]
        if later:
            ends.append(min(later) - dt.timedelta(days=1))
    return min(ends) if ends else None


def check_sequence(
    versions: Sequence[VersionLike],
    locate: Callable[[int], dict[str, object]],
    locate_field: Callable[[int, str], dict[str, object]] | None = None,
    open_start: bool = False,
) -> list[Problem]:
    """Problems with a list's whole version history; ``locate(n)`` says where version n is,
    ``locate_field(n, name)`` where its field ``name`` is (default: ``name`` alone). With
    ``open_start`` (the areas, the units) the first version may have no date: it is in force
    from the beginning."""

    def at(number: int, name: str) -> dict[str, object]:
        if locate_field is not None:
            return dict(locate_field(number, name))
        return {**locate(number), "field": name}

    problems: list[Problem] = []
    numbers = [v.version for v in versions]
    wrong = next((n for i, n in enumerate(numbers, 1) if n != i), None)
    if wrong is not None:
        problems.append(
            Problem.at(at(wrong, "version"), "version.sequence", found=", ".join(map(str, numbers)))
        )
    draft: VersionLike | None = None
    previous: VersionLike | None = None
    for v in versions:
        where = _loc(locate, v.version)
        if draft is not None:  # one draft at most, and it is the newest version
            second = v.status is VersionStatus.draft
            problems.append(
                Problem.at(
                    at(v.version, "status") if second else _loc(locate, draft.version),
                    "version.second_draft" if second else "version.draft_not_last",
                    version=draft.version,
                    later=v.version,
                    status=v.status.value,
                )
            )
        elif v.status is VersionStatus.draft:
            draft = v
        if v.status is VersionStatus.withdrawn and v.effective_from is None:
            continue
        if v.status is not VersionStatus.draft and v.effective_from is None:
            if open_start and v.version == 1:
                previous = v
                continue
            problems.append(
                Problem.at(
                    where, "version.published_needs_date", version=v.version, status=v.status.value
                )
            )
            continue
        if v.effective_from and v.effective_to and v.effective_to < v.effective_from:
            problems.append(
                Problem.at(
                    at(v.version, "effective_to"),
                    "version.end_before_start",
                    end=v.effective_to,
                    start=v.effective_from,
                )
            )
        if v.status is not VersionStatus.published:
            continue
        if previous is not None and previous.effective_from is not None:
            assert v.effective_from is not None
            same_day = open_start and v.effective_from == previous.effective_from
            if v.effective_from <= previous.effective_from and not same_day:
                problems.append(
                    Problem.at(
                        at(v.version, "effective_from"),
                        "version.dates_order",
                        version=v.version,
                        date=v.effective_from,
                        prev=previous.version,
                        prev_date=previous.effective_from,
                    )
                )
            elif previous.effective_to is not None and previous.effective_to >= v.effective_from:
                problems.append(
                    Problem.at(
                        at(previous.version, "effective_to"),
                        "version.ends_after_next",
                        version=previous.version,
                        end=previous.effective_to,
                        next=v.version,
                        next_date=v.effective_from,
                    )
                )
        previous = v
    return problems


def _loc(locate: Callable[[int], dict[str, object]], number: int) -> dict[str, object]:
    return dict(locate(number))


@dataclass(frozen=True)
class ListSummary:
    info: ListInfo
    versions: tuple[ListVersion, ...]
    in_force: ListVersion | None
    """The version in force on the date the summary was made for."""

    def until(self, version: ListVersion) -> dt.date | None:
        return effective_until(self.versions, version)
