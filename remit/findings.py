"""What is wrong with the lists: the findings the graph check reports and the admission gate cites.

A shared vocabulary — the check produces findings, the admission gate weighs them, the renderers
show them — so it lives below both capabilities, beside the events. :class:`ListCheck` is what
the admission gate asks of the graph check, :class:`LoadSource` (its part) what the router asks;
:class:`remit.checks.GraphCheck` answers both, and whoever builds a gate or a router hands one in
(neither imports the check).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import Field

from remit.i18n import Lang
from remit.model import Model, Positive
from remit.registry.refs import DutyRef
from remit.registry.snapshot import Snapshot


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    error = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.info: 0, Severity.warning: 1, Severity.error: 2}


class FindingKind(StrEnum):
    overlap = "overlap"  # 职能重叠
    masked = "masked"  # 被屏蔽
    gap = "gap"  # 遗漏
    assist_without_lead = "assist_without_lead"  # 有协办无主办
    out_of_jurisdiction = "out_of_jurisdiction"  # 超出辖区
    referral_cycle = "referral_cycle"  # 循环推诿
    stale = "stale"  # 逾期未复核
    devolved_without_admission = "devolved_without_admission"  # 未经准入下放
    overload = "overload"  # 小马拉大车
    reference_gap = "reference_gap"  # 属地单位缺失: a row names @territorial, an area has none
    joint_lead_ambiguous = "joint_lead_ambiguous"  # 牵头不明: two joint rows claim the lead
    standards_differ = "standards_differ"  # 立案标准牵头不同: the standards name different leads
    disputed = "disputed"  # 退单争议: returns the lists could not settle (remit check --disputes)


KIND_ORDER: tuple[FindingKind, ...] = tuple(FindingKind)


DEFAULT_SEVERITY: dict[FindingKind, Severity] = {
    FindingKind.overlap: Severity.error,
    FindingKind.masked: Severity.warning,
    FindingKind.gap: Severity.error,
    FindingKind.assist_without_lead: Severity.warning,
    FindingKind.out_of_jurisdiction: Severity.error,
    FindingKind.referral_cycle: Severity.error,
    FindingKind.stale: Severity.warning,
    FindingKind.devolved_without_admission: Severity.warning,
    FindingKind.overload: Severity.warning,
    FindingKind.reference_gap: Severity.error,
    FindingKind.joint_lead_ambiguous: Severity.warning,
    FindingKind.standards_differ: Severity.info,
    FindingKind.disputed: Severity.warning,
}


class CheckConfig(Model):
    """Settings of the graph check (``remit check --config FILE``; ``file: check-config``)."""

    file: Literal["check-config"] | None = Field(None, description="'check-config' in a file")
    hours_per_staff_year: Positive = Field(
        2000.0, description="working hours one member of staff gives to events in a year"
    )
    default_hours_per_case: Positive = Field(
        2.0, description="hours per case for matters whose estimate gives none"
    )
    overload_threshold: Positive = Field(
        1.0, description="a unit is overloaded when its load index exceeds this"
    )
    severity: dict[FindingKind, Severity] = Field(
        default_factory=dict, description="finding kind → severity, overriding the defaults"
    )

    def severity_of(self, kind: FindingKind) -> Severity:
        return self.severity.get(kind, DEFAULT_SEVERITY[kind])


class Finding(Model):
    """One fault: the cells it covers (leaf areas × an attribute region of one matter) or the
    duty rows it is about, the units and rows involved, and why."""

    id: str = Field(description="stable across runs: same fault, same id")
    kind: FindingKind
    severity: Severity
    matter: str | None = None
    areas: list[str] = Field(default_factory=list, description="leaf areas (cells) concerned")
    region: list[dict[str, list[Any]]] | None = Field(
        None,
        description="the attribute region, a union of boxes (attribute → allowed values; an "
        "attribute left out allows every value); [{}] is the whole attribute space. For a "
        "matter whose rows name case standards (立案标准), '@standard' → the standards' codes",
    )
    region_text: str | None = Field(
        None, description="the region, readably, in the report's language"
    )
    cells: int = Field(0, description="leaf areas × attribute-value combinations concerned")
    units: list[str] = Field(default_factory=list)
    duties: list[DutyRef] = Field(default_factory=list)
    message: str = Field("", description="why, in the report's language")
    details: dict[str, Any] = Field(default_factory=dict)


class LoadIndex(Model):
    """A unit's projected yearly workload against its capacity (the "small horse" figure)."""

    unit: str
    level: str
    kind: str
    staff: int
    capacity_hours: float
    workload_hours: float
    events_per_year: float
    load_index: float
    overloaded: bool


class LoadSource(Protocol):
    """Where the load indexes come from: what the router asks of the graph check, to flag a
    fallback or a referral onto an overloaded unit (``Router(loads=…)``)."""

    def load(self, snapshot: Snapshot, config: CheckConfig) -> list[LoadIndex]:
        """Every unit's projected load on the lists of ``snapshot`` (catalogue estimates)."""
        ...


class ListCheck(LoadSource, Protocol):
    """What the admission gate asks of the graph check: the loads, and new findings."""

    def introduced(
        self, before: Snapshot, after: Snapshot, config: CheckConfig, matter: str, lang: Lang
    ) -> tuple[list[Finding], set[str]]:
        """The findings about ``matter`` on ``after``, and the ids of those among them that
        hold cells, rows or units no finding on ``before`` holds."""
        ...
