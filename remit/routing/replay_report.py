"""What ``remit replay`` found, as data: the result types the presentation layer reads.

A replay decides stored decisions again (:mod:`remit.routing.replay`) and reports how many are
identical, which changed (old → new status, lead, the units that gain or lose the case) and the
lines that could not be replayed. Everything here is a pydantic model, so the JSON report has a
published schema (``remit schema --kind replay-report``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from remit.i18n import Lang
from remit.model import Model
from remit.registry.refs import UnitRef

OUTCOME_FIELDS = (
    "status",
    "lead",
    "contenders",
    "assists",
    "supervisors",
    "dispatch",
    "commander",
    "coordinator",
    "parts",
    "gap",
    "deadline",
    "overloaded",
)
"""What a compare mode compares: who is accountable, who helps, who dispatches and commands,
whether it is a gap, by when, and whether it lands on an overloaded unit (the unit flagged, not
its load index: an estimate that moves 1.26 to 1.27 changes no outcome) — units by code: a
renamed unit is the same unit."""


class ReplayMode(StrEnum):
    recorded = "recorded"  # each decision on its own snapshot: must be identical
    compare = "compare"  # on a corrected or proposed registry, or proposed rules


class ReplayStatus(StrEnum):
    """A decision's status, and ``rejected`` for an event that is refused when decided again
    (its matter or area is unknown on the snapshot it is decided on now)."""

    routed = "routed"
    referred = "referred"
    fallback = "fallback"
    coordinated = "coordinated"
    conflict = "conflict"
    unroutable = "unroutable"
    needs_info = "needs_info"
    split_areas = "split"  # (not "split": that is str.split)
    rejected = "rejected"


class StatusCount(Model):
    """How many compared decisions went from one status to another (the same one too)."""

    old: ReplayStatus
    new: ReplayStatus
    count: int


class UnitChange(Model):
    """A unit's cases that the change gives it (it is accountable now and was not) and takes
    away: accountable is the lead (routed, referred, fallback), the coordinating centre, or a
    contender of a conflict."""

    unit: UnitRef
    gained: int = 0
    lost: int = 0

    @property
    def net(self) -> int:
        return self.gained - self.lost


class ChangedDecision(Model):
    """A decision that is not decided the same way again."""

    line: int = Field(description="its line in the decisions file")
    event_id: str
    decision_id: str = Field(description="the stored decision's id")
    matter: str
    matter_name: str = ""
    area: str
    area_name: str = ""
    snapshot_date: dt.date
    old_revision: int
    new_revision: int | None = Field(
        None, description="the registry revision it was decided on again (None: refused)"
    )
    old_status: ReplayStatus
    new_status: ReplayStatus
    old_lead: UnitRef | None = None
    new_lead: UnitRef | None = None
    old_units: list[UnitRef] = Field(
        default_factory=list, description="accountable before: the lead, or the contenders"
    )
    new_units: list[UnitRef] = Field(default_factory=list, description="accountable now")
    fields: list[str] = Field(
        default_factory=list,
        description="what differs: the decision's fields (recorded mode) or the outcome's "
        "(compare modes)",
    )
    reason: str | None = Field(None, description="why the event is refused now")


class BadLine(Model):
    """A line that could not be replayed: not a decision, or naming a revision the registry
    does not have."""

    line: int
    problems: list[str]


class OtherRules(Model):
    """Decisions made with other rules than the replay's (another rules digest)."""

    rules_digest: str
    count: int
    first_line: int


class ReplayReport(Model):
    """A replay of a decisions file: totals, what changed, and what could not be replayed."""

    source: str = Field(description="the decisions file")
    mode: ReplayMode
    revision: int | None = Field(
        None, description="the registry revision decided on (None: each decision's own)"
    )
    latest_revision: int = Field(description="the registry's last revision when replayed")
    versions: dict[str, int] = Field(
        default_factory=dict, description="list versions put in force (--against)"
    )
    rules_digest: str
    rules_sources: list[str] = Field(default_factory=list)
    rules_proposed: bool = Field(
        False, description="--rules given: decisions made with other rules are compared"
    )
    lang: Lang = "en"
    lines: int = Field(0, description="non-blank lines read")
    decisions: int = Field(0, description="lines that are decisions")
    compared: int = 0
    identical: int = 0
    changed: int = 0
    rebased: int = Field(
        0,
        description="decisions made with other rules, compared with their decision again as "
        "recorded under the replay's rules (a compare mode without --rules)",
    )
    not_compared: int = Field(
        0, description="decisions made with other rules (recorded mode without --rules)"
    )
    other_rules: list[OtherRules] = Field(default_factory=list)
    by_status: list[StatusCount] = Field(default_factory=list)
    units: list[UnitChange] = Field(default_factory=list)
    changes: list[ChangedDecision] = Field(default_factory=list)
    bad_lines: list[BadLine] = Field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Every line replayed and decided the same way (the exit code 0 of ``remit replay``)."""
        return not (self.changed or self.not_compared or self.bad_lines)
