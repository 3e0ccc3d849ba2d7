"""The graph check's report as data: findings, load indexes and conflict clusters.

Everything here is a pydantic model, so the JSON report has a published schema
(``remit schema --kind check-report``) and every renderer (text, Markdown, HTML, XLSX) reads the
same object. Labels live in the report (matter attributes, area and unit names), so a report can
be rendered without the registry it came from.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_SCHEMA_VERSION = 1


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
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckConfig(_Model):
    """Settings of the graph check (``remit check --config FILE``; ``file: check-config``)."""

    file: Literal["check-config"] | None = Field(None, description="'check-config' in a file")
    hours_per_staff_year: float = Field(
        2000.0, gt=0, description="working hours one member of staff gives to events in a year"
    )
    default_hours_per_case: float = Field(
        2.0, gt=0, description="hours per case for matters whose estimate gives none"
    )
    overload_threshold: float = Field(
        1.0, gt=0, description="a unit is overloaded when its load index exceeds this"
    )
    severity: dict[FindingKind, Severity] = Field(
        default_factory=dict, description="finding kind → severity, overriding the defaults"
    )

    def severity_of(self, kind: FindingKind) -> Severity:
        return self.severity.get(kind, DEFAULT_SEVERITY[kind])


class DutyRef(_Model):
    """A duty row: the list version it is in and its row number there (1-based)."""

    list_id: str
    version: int
    row: int
    unit: str
    role: str
    area: str
    priority: int = 0
    when: dict[str, dict[str, Any]] = Field(default_factory=dict)


class Finding(_Model):
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
        "attribute left out allows every value); [{}] is the whole attribute space",
    )
    region_text: str | None = Field(
        None, description="the region, readably, in the report's language"
    )
    cells: int = Field(0, description="leaf areas × attribute-value combinations concerned")
    units: list[str] = Field(default_factory=list)
    duties: list[DutyRef] = Field(default_factory=list)
    message: str = Field("", description="why, in the report's language")
    details: dict[str, Any] = Field(default_factory=dict)


class LoadIndex(_Model):
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


class ClusterPair(_Model):
    units: tuple[str, str]
    cells: int
    matters: list[str]


class ConflictCluster(_Model):
    """Units that contend for the lead on overlapping cells: a connected component of the
    overlap graph."""

    units: list[str]
    cells: int
    matters: list[str]
    pairs: list[ClusterPair]


class AttributeLabel(_Model):
    label: str | None = None
    type: str
    values: list[Any] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)


class MatterLabel(_Model):
    name: str
    attributes: dict[str, AttributeLabel] = Field(default_factory=dict)
    hit_policy: str = "unique"


class AreaLabel(_Model):
    name: str
    level: str
    parent: str | None = None
    street: str | None = Field(None, description="the street (街道) the area lies in, if any")


class UnitLabel(_Model):
    name: str
    kind: str
    level: str


class Comparison(_Model):
    """What a change does to the findings (``remit check --against``)."""

    baseline: str = Field(description="what the report is compared with: a date or LIST@VERSION")
    baseline_hash: str
    introduced: list[str] = Field(
        description="ids of findings of this report that hold cells, rows or units the "
        "baseline's findings do not"
    )
    narrowed: list[str] = Field(
        default_factory=list,
        description="ids of findings of this report that lost part of what they held in the "
        "baseline and gained nothing",
    )
    resolved: list[Finding] = Field(description="findings of the baseline gone from this report")


class CheckReport(_Model):
    """The graph check's report (``remit check --format json``)."""

    schema_version: int = REPORT_SCHEMA_VERSION
    as_of: dt.date
    snapshot_hash: str
    subject: str = Field(description="what was checked: the date, or the hypothetical change")
    filters: dict[str, str] = Field(default_factory=dict)
    config: CheckConfig
    lang: str = "en"
    counts: dict[str, int] = Field(default_factory=dict, description="findings per kind")
    severities: dict[str, int] = Field(default_factory=dict, description="findings per severity")
    checked: dict[str, int] = Field(
        default_factory=dict, description="matters, leaf areas, cells and duties checked"
    )
    findings: list[Finding] = Field(default_factory=list)
    load: list[LoadIndex] = Field(default_factory=list)
    volume_source: str = Field("catalogue", description="'catalogue' estimates or 'history'")
    history_days: int | None = Field(
        None, description="days the event history spans (its counts are scaled to a year)"
    )
    clusters: list[ConflictCluster] = Field(default_factory=list)
    comparison: Comparison | None = None
    matters: dict[str, MatterLabel] = Field(default_factory=dict)
    areas: dict[str, AreaLabel] = Field(default_factory=dict)
    units: dict[str, UnitLabel] = Field(default_factory=dict)

    def worst(self, findings: list[Finding] | None = None) -> Severity | None:
        """The highest severity among ``findings`` (default: all), or None when there are none."""
        pool = self.findings if findings is None else findings
        return max((f.severity for f in pool), key=lambda s: s.rank, default=None)

    def failing(self, fail_on: Severity) -> list[Finding]:
        """The findings that reach ``fail_on``; with a comparison, only introduced ones count."""
        pool = self.findings
        if self.comparison is not None:
            new = set(self.comparison.introduced)
            pool = [f for f in pool if f.id in new]
        return [f for f in pool if f.severity.rank >= fail_on.rank]
