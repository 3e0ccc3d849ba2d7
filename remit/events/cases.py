"""Cases and their disputes (退单): an event, where it was dispatched, and the rounds in which a
unit returned it as "not ours" — each with the ruling remit made on it from the lists.

A case file is YAML (a list of cases, or one case) or JSON Lines (one case a line)::

    - id: C-001                      # default: the event's id
      event: {id: HP-2026-0001, matter: 上水井盖, area: 南京东路街道, reported_at: 2026-03-02T09:15}
      dispatch: {unit: 区建设和管理委员会, at: 2026-03-02T09:20}   # default: the lead, reported_at
      rounds:
        - {unit: 区建设和管理委员会, at: 2026-03-02T11:00, reason: 职能不符, evidence: 属水务}

The reason is a code or its Chinese label (:class:`Reason`). Times are ISO 8601; without an
offset they are Beijing time (as an event's ``reported_at``). After ``remit dispute`` each
round carries its :class:`Ruling`. The case model sits in the events layer, below routing (which
rules on returns) and the checks, so that both can read case files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, ValidationError

from remit.errors import InputError, MessageError, Problem
from remit.events.model import EventIn, ReportedAt, Text
from remit.events.read import parse_json_model
from remit.files import limits
from remit.files.typed import schema_problems
from remit.files.yamlio import dotted, load_yaml
from remit.model import Model, Value
from remit.registry.refs import DutyRef, UnitRef


class Reason(StrEnum):
    """Why a unit returns a case (退单理由)."""

    not_our_duty = "not_our_duty"  # 职能不符
    not_our_area = "not_our_area"  # 属地不符
    owner_unclear = "owner_unclear"  # 权属不清
    overlapping_duties = "overlapping_duties"  # 职能交叉
    other = "other"  # 其他

    @property
    def label(self) -> str:
        """The reason as Chinese case forms write it."""
        return REASON_LABELS[self]


REASON_LABELS: dict[Reason, str] = {
    Reason.not_our_duty: "职能不符",
    Reason.not_our_area: "属地不符",
    Reason.owner_unclear: "权属不清",
    Reason.overlapping_duties: "职能交叉",
    Reason.other: "其他",
}


def _reason(value: object) -> object:
    """A reason's code or its Chinese label, as the code; anything else refused naming both."""
    if isinstance(value, Reason):
        return value
    given = str(value).strip() if isinstance(value, str | int) else value
    for reason, label in REASON_LABELS.items():
        if given in (reason.value, label):
            return reason.value
    known = ", ".join(f"{r.value} ({label})" for r, label in REASON_LABELS.items())
    raise MessageError("case.unknown_reason", given=given, known=known)


ReasonIn = Annotated[Reason, BeforeValidator(_reason)]
Evidence = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class Verdict(StrEnum):
    """What the lists say of a return."""

    upheld = "upheld"  # not the returning unit's: the lists' lead takes it
    overruled = "overruled"  # the returning unit holds the duty: back to it
    arbitrate = "arbitrate"  # the lists cannot settle it: a centre names the unit (a list defect)


class Defect(StrEnum):
    """Why the lists cannot settle a return (the list defect an arbitration names)."""

    conflict = "conflict"  # two lists name a lead (职能交叉)
    gap = "gap"  # no list names a lead (遗漏)
    no_owner = "no_owner"  # an owner row, and nobody named the owner
    needs_info = "needs_info"  # who is accountable hinges on a fact nobody gave
    unsettled = "unsettled"  # no rule ruled on it


class Ruling(Value):
    """The ruling on one round, from the lists in force on the event's date."""

    verdict: Verdict
    rule: str = Field(description="the dispute rule that ruled")
    principle: dict[Literal["en", "zh"], str] = Field(
        default_factory=dict, description="the rule's title: the reform principle it serves"
    )
    returned_by: UnitRef
    unit: UnitRef = Field(
        description="who holds the case now: the lists' lead (upheld), the returning unit "
        "(overruled), the arbitrating centre (arbitrate)"
    )
    duties: list[DutyRef] = Field(
        default_factory=list, description="the rows cited, with list, version and legal basis"
    )
    area: str | None = Field(None, description="属地: the event's area, cited for the street")
    defect: Defect | None = Field(None, description="arbitrate: the list defect")
    time_limit: str | None = None
    deadline: dt.datetime | None = Field(
        None,
        description="the holder's deadline (arbitrate: the centre's, from the rules' "
        "arbitration_time_limit; else the case's, by the dispute clock)",
    )
    clock: Literal["dispatch", "reassignment"] = "dispatch"
    escalated_to: UnitRef | None = Field(
        None, description="a second return by the same unit: the centre one level up (督办)"
    )
    matter: str = Field(description="the event's matter, as a code")
    matter_name: str = ""
    decision_status: str = Field(description="the routing decision's status the ruling read")
    ruled_at: dt.datetime
    snapshot_hash: str
    snapshot_date: dt.date
    registry_revision: int
    rules_digest: str


class Round(Model):
    """One return (退单): who, when, why, with what evidence — and, once ruled, the ruling."""

    unit: Text = Field(description="the returning unit: code, name or alias")
    at: ReportedAt = Field(description="when it returned the case (Beijing time if no offset)")
    reason: ReasonIn
    evidence: Evidence = ""
    ruling: Ruling | None = None


class CaseDispatch(Model):
    """Where the case was sent first, and when (the clock runs from here)."""

    unit: Text | None = Field(None, description="default: the routing decision's lead")
    at: ReportedAt | None = Field(None, description="default: the event's reported_at")


class Case(Model):
    """An event with its dispatch and its return rounds."""

    id: Text | None = Field(None, description="the case's id; default the event's")
    event: EventIn
    dispatch: CaseDispatch = Field(default_factory=CaseDispatch)
    rounds: list[Round] = Field(min_length=1, max_length=100)

    @property
    def case_id(self) -> str:
        return self.id or self.event.id

    def dispatched_at(self) -> dt.datetime:
        return self.dispatch.at or self.event.reported_at


@dataclass(frozen=True)
class LocatedCase:
    """A case with where it stands in its file: ``where`` (source, line) and the line of each
    of its fields (``line_of(("rounds", 0, "unit"))``)."""

    where: dict[str, object]
    case: Case
    line_of: Callable[[Sequence[str | int]], int | None]

    def at(self, *field: str | int) -> dict[str, object]:
        """The location of one of the case's fields, for a problem found with it."""
        return {
            "source": self.where["source"],
            "line": self.line_of(field) or self.where.get("line"),
            "field": dotted(field),
        }


CASE_SUFFIXES = (".yaml", ".yml", ".jsonl", ".ndjson")


def read_cases(path: Path) -> list[LocatedCase]:
    """The cases of a file (YAML or JSON Lines), or :class:`InputError` naming every problem
    with its file, line and field."""
    source = str(path)
    if not path.is_file():
        raise InputError.one("file.not_found", source=source)
    suffix = path.suffix.lower()
    if suffix not in CASE_SUFFIXES:
        raise InputError.one(
            "file.unsupported", source=source, suffix=suffix, expected=", ".join(CASE_SUFFIXES)
        )
    found = _yaml_cases(path) if suffix in (".yaml", ".yml") else _jsonl_cases(path)
    problems: list[Problem] = []
    cases: list[LocatedCase] = []
    for item in found:
        if isinstance(item, LocatedCase):
            problems += _time_problems(item)
            cases.append(item)
        else:
            problems += item
    if problems:
        raise InputError(problems)
    if not cases:
        raise InputError.one("case.empty", source=source)
    return cases


def read_case_paths(paths: Iterable[Path]) -> list[LocatedCase]:
    """The cases of files and of directories' case files (by name), in that order."""
    cases: list[LocatedCase] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.suffix.lower() in CASE_SUFFIXES):
                cases += read_cases(child)
        else:
            cases += read_cases(path)
    return cases


def _yaml_cases(path: Path) -> Iterator[LocatedCase | list[Problem]]:
    source = str(path)
    data, lines = load_yaml(path)
    items, prefix = (data, True) if isinstance(data, list) else ([data], False)
    for index, item in enumerate(items):
        base: tuple[str | int, ...] = (index,) if prefix else ()
        where: dict[str, object] = {"source": source, "line": lines.line_of(base) or 1}

        def line_of(loc: Sequence[str | int], base: tuple[str | int, ...] = base) -> int | None:
            return lines.line_of((*base, *loc))

        if not isinstance(item, dict):
            yield [Problem.at(where, "case.not_mapping", found=type(item).__name__)]
            continue
        try:
            yield LocatedCase(where, Case.model_validate(item), line_of)
        except ValidationError as exc:
            yield schema_problems(exc, source, "case", line_of)


def _jsonl_cases(path: Path) -> Iterator[LocatedCase | list[Problem]]:
    source = str(path)
    with path.open("rb") as handle:
        for number, raw in limits.json_lines(handle):
            parsed = parse_json_model(raw, source, number, Case, "case")
            if isinstance(parsed, Case):

                def line_of(_: Sequence[str | int], number: int = number) -> int | None:
                    return number

                yield LocatedCase({"source": source, "line": number}, parsed, line_of)
            else:
                yield parsed


def _time_problems(located: LocatedCase) -> list[Problem]:
    """A dispatch before the event was reported, or a return before the case reached the unit
    (before the dispatch, or before the round before it)."""
    case = located.case
    problems = []
    if case.dispatch.at is not None and case.dispatch.at < case.event.reported_at:
        problems.append(
            Problem.at(
                located.at("dispatch", "at"),
                "case.time_order",
                at=case.dispatch.at.isoformat(),
                before=case.event.reported_at.isoformat(),
            )
        )
    previous = case.dispatched_at()
    for index, round_ in enumerate(case.rounds):
        if round_.at < previous:
            problems.append(
                Problem.at(
                    located.at("rounds", index, "at"),
                    "case.time_order",
                    at=round_.at.isoformat(),
                    before=previous.isoformat(),
                )
            )
        previous = max(previous, round_.at)
    return problems


def case_record(case: Case) -> dict[str, Any]:
    """A case as JSON data: what ``remit dispute`` writes, one line a case, and reads back."""
    data: dict[str, Any] = case.model_dump(mode="json", exclude_none=True)
    return data


def case_lines(cases: Iterable[Case]) -> str:
    """Cases as JSON Lines."""
    return "".join(
        json.dumps(case_record(case), ensure_ascii=False, sort_keys=False) + "\n" for case in cases
    )


__all__ = [
    "CASE_SUFFIXES",
    "REASON_LABELS",
    "Case",
    "CaseDispatch",
    "Defect",
    "LocatedCase",
    "Reason",
    "Round",
    "Ruling",
    "Verdict",
    "case_lines",
    "read_case_paths",
    "read_cases",
]
