"""The graph check's report as data: findings, load indexes and conflict clusters.

Everything here is a pydantic model, so the JSON report has a published schema
(``remit schema --kind check-report``) and every renderer (text, Markdown, HTML, XLSX) reads the
same object. Labels live in the report (matter attributes, area and unit names), so a report can
be rendered without the registry it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from remit.findings import CheckConfig, Finding, LoadIndex, Severity
from remit.i18n import Lang
from remit.model import Model

REPORT_SCHEMA_VERSION = 1


class ClusterPair(Model):
    units: tuple[str, str]
    cells: int
    matters: list[str]


class ConflictCluster(Model):
    """Units that contend for the lead on overlapping cells: a connected component of the
    overlap graph."""

    units: list[str]
    cells: int
    matters: list[str]
    pairs: list[ClusterPair]


class AttributeLabel(Model):
    label: str | None = None
    type: str
    values: list[Any] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)


class MatterLabel(Model):
    name: str
    attributes: dict[str, AttributeLabel] = Field(default_factory=dict)
    hit_policy: str = "unique"


class AreaLabel(Model):
    name: str
    level: str
    parent: str | None = None
    street: str | None = Field(None, description="the street (街道) the area lies in, if any")


class UnitLabel(Model):
    name: str
    kind: str
    level: str


class Comparison(Model):
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


class CheckReport(Model):
    """The graph check's report (``remit check --format json``)."""

    schema_version: int = REPORT_SCHEMA_VERSION
    as_of: dt.date
    snapshot_hash: str
    subject: str = Field(description="what was checked: the date, or the hypothetical change")
    filters: dict[str, str] = Field(default_factory=dict)
    config: CheckConfig
    lang: Lang = "en"
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
