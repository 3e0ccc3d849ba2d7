"""The 推诿 report: per unit over a period, how often it returned cases and how the returns were
ruled, how long cases spent "in the air", and the list rows that cause most disputes (the rows to
revise). :class:`DisputeReport` is what ``remit.present.dispute`` renders.

Counting (docs/disputes.md, "The 推诿 report"):

- a round is in the period when its return (``at``, Beijing date) is within ``from``..``to``
  (both inclusive; either may be open); a case counts when one of its rounds does;
- hours in the air of a return: from the dispatch to that unit — the case's dispatch for the
  first round, the ruling of the round before for the next (remit rules a return when it comes
  in, so a ruling's time is its return's) — until the return; of a case: from its dispatch until
  its last ruling in the period;
- a row is counted once per ruling that cites it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from pydantic import Field

from remit.events.cases import Case, Defect, Verdict
from remit.events.model import LOCAL_ZONE
from remit.model import Value
from remit.registry.refs import DutyRef, UnitRef

ROWS_SHOWN = 20
"""How many of the rows cited most the report lists."""


class UnitDisputes(Value):
    """One unit's returns in the period."""

    unit: UnitRef
    returns: int
    cases: int
    upheld: int
    overruled: int
    arbitrate: int
    escalated: int = Field(description="its second returns of a case, escalated one level")
    hours_in_air: float = Field(description="from each dispatch to it until its return, summed")

    def share(self, verdict: str) -> float:
        """The share of its returns ruled ``verdict`` (0 with no return)."""
        count = {"upheld": self.upheld, "overruled": self.overruled}.get(verdict, self.arbitrate)
        return count / self.returns if self.returns else 0.0


class RowDisputes(Value):
    """A list row cited by rulings: a row to revise when it keeps causing disputes."""

    duty: DutyRef
    matter: str
    matter_name: str
    rulings: int
    upheld: int
    overruled: int
    arbitrate: int


class DisputeReport(Value):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: list[str] = Field(default_factory=list)
    cases: int
    returns: int
    upheld: int
    overruled: int
    arbitrate: int
    escalated: int
    rounds_per_case: float
    hours_in_air: float = Field(description="all cases: from dispatch to the last ruling, summed")
    hours_per_case: float
    defects: dict[str, int] = Field(default_factory=dict, description="arbitrations by list defect")
    units: list[UnitDisputes] = Field(default_factory=list)
    rows: list[RowDisputes] = Field(default_factory=list)


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 3600)


def _in(at: dt.datetime, date_from: dt.date | None, date_to: dt.date | None) -> bool:
    day = at.astimezone(LOCAL_ZONE).date()
    return (date_from is None or day >= date_from) and (date_to is None or day <= date_to)


def dispute_report(
    cases: Iterable[Case],
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sources: Sequence[str] = (),
) -> DisputeReport:
    """The report over ruled ``cases`` (every round carries its ruling: rule them first with
    :class:`remit.routing.disputes.desk.DisputeDesk`)."""
    verdicts: Counter[str] = Counter()
    defects: Counter[str] = Counter()
    per_unit: dict[str, Counter[str]] = defaultdict(Counter)
    unit_cases: dict[str, set[str]] = defaultdict(set)
    air: dict[str, float] = defaultdict(float)
    names: dict[str, UnitRef] = {}
    rows: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    row_refs: dict[tuple[str, int, int], tuple[DutyRef, str, str]] = {}
    counted = rounds_total = escalated = 0
    case_hours = 0.0
    for case in cases:
        sent = case.dispatched_at()
        last: dt.datetime | None = None
        in_period = 0
        for round_ in case.rounds:
            ruling = round_.ruling
            if ruling is None:
                raise ValueError(f"case {case.case_id}: a round is not ruled")
            dispatched, sent = sent, round_.at
            if not _in(round_.at, date_from, date_to):
                continue
            in_period += 1
            last = round_.at
            unit = ruling.returned_by
            names[unit.code] = unit
            per_unit[unit.code]["returns"] += 1
            per_unit[unit.code][ruling.verdict.value] += 1
            unit_cases[unit.code].add(case.case_id)
            air[unit.code] += _hours(dispatched, round_.at)
            verdicts[ruling.verdict.value] += 1
            if ruling.escalated_to is not None:
                escalated += 1
                per_unit[unit.code]["escalated"] += 1
            if ruling.verdict is Verdict.arbitrate:
                defects[(ruling.defect or Defect.unsettled).value] += 1
            cited = {(d.list_id, d.version, d.row): d for d in ruling.duties}
            for key, duty in cited.items():
                row_refs.setdefault(key, (duty, ruling.matter, ruling.matter_name))
                rows[key]["rulings"] += 1
                rows[key][ruling.verdict.value] += 1
        if in_period and last is not None:
            counted += 1
            rounds_total += in_period
            case_hours += _hours(case.dispatched_at(), last)
    units = [
        UnitDisputes(
            unit=names[code],
            returns=c["returns"],
            cases=len(unit_cases[code]),
            upheld=c["upheld"],
            overruled=c["overruled"],
            arbitrate=c["arbitrate"],
            escalated=c["escalated"],
            hours_in_air=round(air[code], 2),
        )
        for code, c in per_unit.items()
    ]
    units.sort(key=lambda u: (-u.returns, -u.overruled, u.unit.code))
    ranked = sorted(rows, key=lambda k: (-rows[k]["rulings"], k))[:ROWS_SHOWN]
    return DisputeReport(
        date_from=date_from,
        date_to=date_to,
        sources=list(sources),
        cases=counted,
        returns=sum(verdicts.values()),
        upheld=verdicts["upheld"],
        overruled=verdicts["overruled"],
        arbitrate=verdicts["arbitrate"],
        escalated=escalated,
        rounds_per_case=round(rounds_total / counted, 2) if counted else 0.0,
        hours_in_air=round(case_hours, 2),
        hours_per_case=round(case_hours / counted, 2) if counted else 0.0,
        defects=dict(sorted(defects.items())),
        units=units,
        rows=[
            RowDisputes(
                duty=row_refs[key][0],
                matter=row_refs[key][1],
                matter_name=row_refs[key][2],
                rulings=rows[key]["rulings"],
                upheld=rows[key]["upheld"],
                overruled=rows[key]["overruled"],
                arbitrate=rows[key]["arbitrate"],
            )
            for key in ranked
        ],
    )
