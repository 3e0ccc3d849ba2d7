"""The graph check (`remit.checks`) through its public API, on small hand-made registries whose
findings are worked out by hand, and on the sample registry, whose findings its README documents.

The hand-made registry (tests/fixtures/check/registry) has five leaf areas — 贵州居民区第一网格 and
第二网格 and 山西居民区 in 南京东路街道 (street A), and the streets 五里桥街道 (B) and 外滩街道 (C),
which have no communities — and one matter (or two) per kind of finding. The enum attribute
``location_type`` has three values (road, pavement, park) and the int attribute ``severity`` four
(1..4), so a matter with both has 12 value combinations per leaf area. Row numbers of the lists
are written as comments in the YAML files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remit import Registry
from remit.checks import (
    CheckConfig,
    CheckReport,
    Finding,
    FindingKind,
    Severity,
    check_registry,
    run_check,
)
from remit.checks.report import ClusterPair, ConflictCluster
from remit.checks.run import parse_against
from remit.errors import InputError
from remit.findings import DutyRef
from tests.factories import FIXTURES, SAMPLE, sqlite_registry

CHECK = FIXTURES / "check"
REGISTRY = CHECK / "registry"
HISTORY = CHECK / "history.jsonl"
AS_OF = dt.date(2026, 7, 1)  # JZ-JB v2 in force; the review date of QZ-CGJ row 6 has passed

CITY, DISTRICT = "310000000000", "310101000000"
A, B, C = "310101002000", "310101020000", "310101013000"  # 南京东路, 五里桥, 外滩 (streets)
GRID1, GRID2, SHANXI = "31010100200101", "31010100200102", "310101002002"
A_LEAVES = sorted([GRID1, GRID2, SHANXI])
LEAVES = sorted([*A_LEAVES, B, C])

K = FindingKind
ALL = [{}]  # the region "the whole attribute space"


# --- fixtures and helpers -------------------------------------------------------------------


def build(url: str, *extra: Path) -> Registry:
    registry = Registry.create(url)
    registry.import_files([REGISTRY, *extra], by="fixture")
    return registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """The hand-made registry in SQLite, shared by the tests that only read it."""
    with sqlite_registry(tmp_path_factory.mktemp("check") / "registry.db", REGISTRY) as registry:
        yield registry


@pytest.fixture(scope="module")
def report(registry: Registry) -> CheckReport:
    return check_registry(registry, AS_OF)


def of(report: CheckReport, kind: FindingKind, matter: str | None = None) -> list[Finding]:
    return [f for f in report.findings if f.kind is kind and (matter is None or f.matter == matter)]


def only(report: CheckReport, kind: FindingKind, matter: str | None = None) -> Finding:
    found = of(report, kind, matter)
    assert len(found) == 1, [(f.kind, f.matter, f.areas) for f in found]
    return found[0]


def rows(finding: Finding) -> list[tuple[str, int, int]]:
    """The duty rows of a finding as (list, version, row)."""
    return [(d.list_id, d.version, d.row) for d in finding.duties]


def summary(report: CheckReport) -> list[tuple[FindingKind, str | None, list[str], int, list[str]]]:
    return [(f.kind, f.matter, f.areas, f.cells, f.units) for f in report.findings]


def in_region(region: list[dict[str, list[Any]]] | None, **values: Any) -> bool:
    """Does one of the region's boxes allow ``values`` (an attribute left out allows all)?"""
    return any(all(v in box.get(k, [v]) for k, v in values.items()) for box in region or [])


# The whole report on AS_OF, worked out by hand, in the report's order (errors first, then by
# kind, matter and areas). Cells = value combinations × leaf areas.
EXPECTED = [
    # CGJ leads location_type ∈ {road, pavement} (rows 7 and 8), SCJ leads severity ≥ 3: both lead
    # {road, pavement} × {3, 4} = 4 combinations in the 5 leaf areas
    (K.overlap, "SJ0501", LEAVES, 20, ["CGJ", "SCJ"]),
    # priority 10 in street B: WLQ leads road, FGJ leads road and pavement: a tie on road
    (K.overlap, "SJ0502", [B], 1, ["FGJ", "WLQ"]),
    # FGJ leads the whole district, NJDL (JZ-JB v2 row 16) its street: 3 leaf areas, no attributes
    (K.overlap, "SJ0601", A_LEAVES, 3, ["FGJ", "NJDL"]),
    # nobody leads park × severity {3, 4}: 2 combinations × 5 leaf areas
    (K.gap, "SJ0101", LEAVES, 10, []),
    # NJDL and WLQ lead their streets; 外滩街道 has no row
    (K.gap, "SJ0103", [C], 1, []),
    # NJDL leads one grid and 山西居民区, the streets B and C are led: the second grid is left
    (K.gap, "SJ0104", [GRID2], 1, []),
    # NJDL (jurisdiction street A) assists in street B
    (K.out_of_jurisdiction, "SJ0401", [B], 0, ["NJDL"]),
    # CGJ refuses road and pavement to LRJ, LRJ refuses pavement and park to CGJ: pavement
    (K.referral_cycle, "SJ0201", LEAVES, 5, ["CGJ", "LRJ"]),
    # CGJ (priority 0) under NJDL (10) in street A: 3 combinations × 3 leaf areas
    (K.masked, "SJ0502", A_LEAVES, 9, ["CGJ", "NJDL"]),
    # CGJ under WLQ and FGJ in street B, on road and pavement
    (K.masked, "SJ0502", [B], 2, ["CGJ", "FGJ", "WLQ"]),
    # LRJ assists everywhere, CGJ leads road only: pavement and park × 5 leaf areas
    (K.assist_without_lead, "SJ0301", LEAVES, 10, ["LRJ"]),
    (K.stale, "SJ0402", [DISTRICT], 0, ["CGJ"]),
    (K.devolved_without_admission, "SJ0403", [A], 0, ["NJDL"]),
]


# --- the whole report -----------------------------------------------------------------------


def test_the_whole_report_on_both_databases(db_url: str, report: CheckReport) -> None:
    registry = build(db_url)
    try:
        found = check_registry(registry, AS_OF)
    finally:
        registry.close()
    assert summary(found) == EXPECTED
    assert found.checked == {
        # 15 leaf matters; cells: 3 matters × 12 combinations, 4 × 3, 8 without attributes,
        # all over 5 leaf areas; duty rows: 10 + 2 + 6 + 5 (departments) + 16 (JZ-JB v2)
        "matters": 15,
        "leaf_areas": 5,
        "cells": (3 * 12 + 4 * 3 + 8) * 5,
        "duties": 39,
    }
    assert found.counts == {
        "assist_without_lead": 1,
        "devolved_without_admission": 1,
        "gap": 3,
        "masked": 2,
        "out_of_jurisdiction": 1,
        "overlap": 3,
        "referral_cycle": 1,
        "stale": 1,
    }
    assert found.severities == {"error": 8, "warning": 5}
    assert [f.severity for f in found.findings] == [Severity.error] * 8 + [Severity.warning] * 5
    # the same report, ids and all, whichever database holds the registry
    assert found.model_dump() == report.model_dump()


def test_finding_ids_are_stable(registry: Registry, report: CheckReport) -> None:
    again = run_check(registry.snapshot(AS_OF))
    assert [f.id for f in again.findings] == [f.id for f in report.findings]
    assert len({f.id for f in report.findings}) == len(report.findings)
    assert all(re.fullmatch(r"[0-9a-f]{12}", f.id) for f in report.findings)
    # the language of the words does not change the ids
    chinese = check_registry(registry, AS_OF, lang="zh")
    assert [f.id for f in chinese.findings] == [f.id for f in report.findings]


def test_the_report_carries_its_labels(report: CheckReport) -> None:
    assert report.as_of == AS_OF
    assert report.subject == "2026-07-01"
    assert report.filters == {}
    assert report.comparison is None
    assert report.matters["SJ0101"].name == "暴露垃圾"
    assert report.matters["SJ0101"].attributes["location_type"].labels["park"] == "公园"
    assert report.matters["SJ0502"].hit_policy == "priority"
    assert report.areas[GRID2].name == "贵州居民区第二网格"
    assert report.areas[GRID2].street == A
    assert report.units["WLQ"].name == "五里桥街道办事处"
    assert report.units["WLQ"].level == "street"
    # a JSON round trip keeps everything
    assert CheckReport.model_validate_json(report.model_dump_json()) == report


# --- overlaps and masked leads ----------------------------------------------------------------


def test_overlap_is_exactly_the_intersection(report: CheckReport) -> None:
    f = only(report, K.overlap, "SJ0501")
    assert f.severity is Severity.error
    assert f.areas == LEAVES
    assert f.region == [{"location_type": ["road", "pavement"], "severity": [3, 4]}]
    assert f.region_text == "location_type ∉ {park}, severity ≥ 3"
    assert f.cells == 2 * 2 * 5
    assert f.units == ["CGJ", "SCJ"]
    # LRJ's row (park, severity ≤ 2) meets neither: it is not among the rows
    assert rows(f) == [("QZ-CGJ", 1, 7), ("QZ-CGJ", 1, 8), ("QZ-SCJ", 1, 1)]
    assert f.details == {"hit_policy": "unique", "pairs": [{"units": ["CGJ", "SCJ"], "cells": 20}]}
    assert f.message == "区城市管理行政执法局, 区市场监督管理局 both lead these cells"


def test_one_unit_with_two_rows_is_no_overlap(report: CheckReport) -> None:
    # CGJ's rows 7 ({road, pavement}) and 8 ({road}) both cover road × severity 1..2
    f = only(report, K.overlap, "SJ0501")
    assert not in_region(f.region, location_type="road", severity=1)
    assert not in_region(f.region, location_type="road", severity=2)
    assert in_region(f.region, location_type="road", severity=3)
    assert not [g for g in of(report, K.overlap) if g.units == ["CGJ"]]


def test_collect_never_overlaps(report: CheckReport) -> None:
    # SJ0503 (hit_policy collect): CGJ and SCJ both lead everything
    assert not [f for f in report.findings if f.matter == "SJ0503"]


def test_a_tie_at_the_top_priority_is_an_overlap(report: CheckReport) -> None:
    f = only(report, K.overlap, "SJ0502")
    assert f.areas == [B]
    assert f.region == [{"location_type": ["road"]}]
    assert f.region_text == "location_type = road"
    assert f.cells == 1
    assert f.units == ["FGJ", "WLQ"]
    assert rows(f) == [("JZ-JB", 2, 15), ("QZ-FGJ", 1, 4)]
    assert f.details["hit_policy"] == "priority"


def test_a_lower_lead_is_masked(report: CheckReport) -> None:
    cgj_row = DutyRef(
        list_id="QZ-CGJ", version=1, row=9, unit="CGJ", role="lead", area=DISTRICT, priority=0
    ).model_dump()
    in_a, in_b = of(report, K.masked, "SJ0502")
    assert in_a.severity is in_b.severity is Severity.warning

    assert in_a.areas == A_LEAVES
    assert in_a.region == ALL
    assert in_a.region_text == "all cases"
    assert in_a.cells == 3 * 3
    assert in_a.units == ["CGJ", "NJDL"]
    assert rows(in_a) == [("JZ-JB", 2, 14), ("QZ-CGJ", 1, 9)]
    assert in_a.details["masked"] == [cgj_row]
    assert in_a.message == (
        "区城市管理行政执法局 leads here but is masked by the higher priority of 南京东路街道办事处"
    )

    assert in_b.areas == [B]
    assert in_b.region == [{"location_type": ["road", "pavement"]}]
    assert in_b.cells == 2
    assert in_b.units == ["CGJ", "FGJ", "WLQ"]
    assert rows(in_b) == [("JZ-JB", 2, 15), ("QZ-CGJ", 1, 9), ("QZ-FGJ", 1, 4)]
    assert in_b.details["masked"] == [cgj_row]
    assert in_b.message.endswith("masked by the higher priority of 区房屋管理局, 五里桥街道办事处")
    # park in street B and all of street C: CGJ leads alone, nothing is masked
    for f in (in_a, in_b):
        assert C not in f.areas
        assert not (B in f.areas and in_region(f.region, location_type="park"))


# --- gaps ---------------------------------------------------------------------------------------


def test_gap_region_is_stated_readably(registry: Registry, report: CheckReport) -> None:
    f = only(report, K.gap, "SJ0101")
    assert f.areas == LEAVES
    assert f.region == [{"location_type": ["park"], "severity": [3, 4]}]
    assert f.region_text == "location_type = park, severity ≥ 3"
    assert f.cells == 10
    assert f.units == [] and f.duties == []
    assert f.message == "no unit leads these cells and no not-responsible row hands them on"

    zh = only(check_registry(registry, AS_OF, matter="SJ0101", lang="zh"), K.gap)
    assert zh.region == f.region
    assert zh.region_text == "地点类型 = 公园，严重程度 ≥ 3"
    assert zh.message == "这些情形无主办单位，也无不负责条目转交"


def test_a_not_responsible_row_fills_a_gap(report: CheckReport) -> None:
    # SJ0102 is SJ0101 plus FGJ not_responsible (refer_to LRJ) for park × severity ≥ 3
    assert not [f for f in report.findings if f.matter == "SJ0102"]
    # and the refusals of SJ0201 / SJ0202 cover what nobody leads
    assert not of(report, K.gap, "SJ0201") and not of(report, K.gap, "SJ0202")


def test_a_gap_in_one_leaf_area(report: CheckReport) -> None:
    # a row at a street covers the street's communities and grids: NJDL's SJ0103 row (area
    # 南京东路街道) leaves no gap in the two grids and 山西居民区; 外滩街道 has no row
    street = only(report, K.gap, "SJ0103")
    assert (street.areas, street.region, street.cells) == ([C], ALL, 1)
    assert street.region_text == "all cases"
    # rows at a grid and at a community: the other grid of the community is left
    grid = only(report, K.gap, "SJ0104")
    assert (grid.areas, grid.region, grid.cells) == ([GRID2], ALL, 1)
    assert report.areas[GRID2].street == A


# --- the other cell findings ----------------------------------------------------------------------


def test_assist_without_lead(report: CheckReport) -> None:
    f = only(report, K.assist_without_lead)
    assert f.matter == "SJ0301"
    assert f.severity is Severity.warning
    assert f.areas == LEAVES
    assert f.region == [{"location_type": ["pavement", "park"]}]
    assert f.region_text == "location_type ∉ {road}"
    assert f.cells == 2 * 5
    assert f.units == ["LRJ"]
    assert rows(f) == [("QZ-LRJ", 1, 5)]
    assert f.message == "区绿化和市容管理局 assist, but no unit leads these cells"
    # FGJ refuses pavement and park and hands them to LRJ (refer_to): no gap
    assert not of(report, K.gap, "SJ0301")


def test_referral_cycle(report: CheckReport) -> None:
    f = only(report, K.referral_cycle)
    assert f.matter == "SJ0201"
    assert f.areas == LEAVES
    assert f.region == [{"location_type": ["pavement"]}]
    assert f.region_text == "location_type = pavement"
    assert f.cells == 5
    assert f.units == ["CGJ", "LRJ"]
    assert f.details["cycle"] == ["CGJ", "LRJ"]
    assert rows(f) == [("QZ-CGJ", 1, 3), ("QZ-LRJ", 1, 3)]
    assert f.message.endswith("区城市管理行政执法局 → 区绿化和市容管理局 → 区城市管理行政执法局")
    # SJ0202: the same two refusals on disjoint conditions (road; pavement and park): no cycle
    assert not [g for g in report.findings if g.matter == "SJ0202"]


# --- findings about single rows -------------------------------------------------------------


def test_out_of_jurisdiction(report: CheckReport) -> None:
    f = only(report, K.out_of_jurisdiction)
    assert (f.matter, f.areas, f.units) == ("SJ0401", [B], ["NJDL"])
    assert rows(f) == [("JZ-JB", 2, 10)]
    assert f.region is None and f.cells == 0
    assert f.message == (
        "scoped outside the unit's jurisdiction: 南京东路街道办事处 in 五里桥街道 (310101020000), "
        "jurisdiction 南京东路街道 (310101002000)"
    )


def test_stale_before_the_date_not_on_it(registry: Registry, report: CheckReport) -> None:
    f = only(report, K.stale)  # review_by 2026-06-30, checked on 2026-07-01
    assert (f.matter, f.areas, f.units) == ("SJ0402", [DISTRICT], ["CGJ"])
    assert rows(f) == [("QZ-CGJ", 1, 6)]
    assert f.details == {"review_by": "2026-06-30"}
    assert f.message == "区城市管理行政执法局: review was due by 2026-06-30 (checked on 2026-07-01)"
    on_the_day = run_check(registry.snapshot(dt.date(2026, 6, 30)))
    assert not of(on_the_day, K.stale)


def test_devolved_without_admission(report: CheckReport) -> None:
    # NJDL: devolved, no record → a finding; WLQ: devolved with a record → none;
    # FGJ (a department) devolved without a record (SJ0404) → none
    f = only(report, K.devolved_without_admission)
    assert (f.matter, f.areas, f.units) == ("SJ0403", [A], ["NJDL"])
    assert rows(f) == [("JZ-JB", 2, 11)]
    assert f.details == {"source": "QZ-FGJ"}
    assert f.message == (
        "devolved from QZ-FGJ to 南京东路街道办事处 with no admission record (准入记录)"
    )
    assert not [g for g in report.findings if g.matter == "SJ0404"]


# --- workload: the load index and overload ----------------------------------------------------


def load_table(report: CheckReport) -> list[tuple[str, int, float, float, float, float, bool]]:
    return [
        (
            x.unit,
            x.staff,
            x.capacity_hours,
            x.workload_hours,
            x.events_per_year,
            x.load_index,
            x.overloaded,
        )
        for x in report.load
    ]


def test_load_index_from_the_catalogue_estimates(report: CheckReport) -> None:
    # SJ0103 {yearly_volume: 1000, hours_per_case: 2}: a street office leading it in its whole
    # street has 1000 events and 2000 h a year. SJ0101 {yearly_volume: 300} (default 2 h a case):
    # CGJ leads 8 of its 12 combinations over 3 streets, 300 × 3 × 8/12 = 600 events, 1200 h.
    # Capacity = staff × 2000 h. WLQ's index is exactly 1.0: not above the threshold.
    assert report.volume_source == "catalogue"
    assert load_table(report) == [
        ("WLQ", 1, 2000.0, 2000.0, 1000.0, 1.0, False),  # streets first, heaviest first
        ("NJDL", 2, 4000.0, 2000.0, 1000.0, 0.5, False),
        ("WT", 3, 6000.0, 0.0, 0.0, 0.0, False),
        ("CGJ", 10, 20000.0, 1200.0, 600.0, 0.06, False),
        ("SCJ", 20, 40000.0, 0.0, 0.0, 0.0, False),
    ]  # LRJ and FGJ have no capacity
    assert not of(report, K.overload)


def test_overload_with_a_config(registry: Registry) -> None:
    config = CheckConfig(
        hours_per_staff_year=1600, default_hours_per_case=4, overload_threshold=0.9
    )
    report = check_registry(registry, AS_OF, config=config)
    # WLQ 2000 / 1600 = 1.25; NJDL 2000 / 3200; CGJ 600 events × 4 h = 2400 / 16000
    assert load_table(report) == [
        ("WLQ", 1, 1600.0, 2000.0, 1000.0, 1.25, True),
        ("NJDL", 2, 3200.0, 2000.0, 1000.0, 0.625, False),
        ("WT", 3, 4800.0, 0.0, 0.0, 0.0, False),
        ("CGJ", 10, 16000.0, 2400.0, 600.0, 0.15, False),
        ("SCJ", 20, 32000.0, 0.0, 0.0, 0.0, False),
    ]
    f = only(report, K.overload)
    assert f.severity is Severity.warning
    assert (f.matter, f.areas, f.units) == (None, [B], ["WLQ"])
    assert f.details == {"load_index": 1.25, "workload_hours": 2000.0, "capacity_hours": 1600.0}
    assert f.message == (
        "五里桥街道办事处: load index 1.25 — 2,000 h of yearly work for 1 staff (1,600 h) "
        "exceeds 0.9"
    )
    assert report.config == config


def test_load_index_from_an_event_history(registry: Registry) -> None:
    # six events from 2026-01-01 to 2026-03-14: 73 days, so counts × 365/73 = × 5.
    # NJDL: E1 (SJ0103, 2 h); WLQ: E2, E3 (SJ0103); CGJ: E4 (SJ0101 road, default 3 h);
    # E5 (SJ0103 in 外滩街道) and E6 (SJ0101 park, severity 4) fall in gaps: nobody's work.
    config = CheckConfig(hours_per_staff_year=10, default_hours_per_case=3)
    report = check_registry(registry, AS_OF, config=config, history=HISTORY)
    assert report.volume_source == "history"
    assert report.history_days == 73
    assert load_table(report) == [
        ("WLQ", 1, 10.0, 20.0, 10.0, 2.0, True),
        ("NJDL", 2, 20.0, 10.0, 5.0, 0.5, False),
        ("WT", 3, 30.0, 0.0, 0.0, 0.0, False),
        ("CGJ", 10, 100.0, 15.0, 5.0, 0.15, False),
        ("SCJ", 20, 200.0, 0.0, 0.0, 0.0, False),
    ]
    assert only(report, K.overload).units == ["WLQ"]


def test_a_bad_history_is_an_input_error(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        check_registry(registry, AS_OF, history=tmp_path / "none.jsonl")
    assert missing.value.problems[0].key == "file.not_found"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"id": "X", "matter": "SJ9999", "area": B, "reported_at": "2026-01-01"}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as unknown:
        check_registry(registry, AS_OF, history=bad)
    assert "SJ9999" in unknown.value.render()


# Bugs: the workload counts a cell once per row of a unit, not once per unit. workload.py says
# "A unit's workload is the sum, over the cells it leads, of the expected yearly events there";
# a unit with two rows covering the same cell does that cell's work once.

EXTRA_ROW = """\
file: list
id: QZ-CGJ-EXTRA
name: 区城管执法局补充清单
kind: department
issuer: CGJ
versions:
  - version: 1
    status: published
    effective_from: 2024-01-01
    duties:
      - {matter: SJ0101, unit: CGJ, when: {location_type: road}}
"""


def test_a_second_row_of_the_same_unit_does_not_double_its_estimated_work(
    tmp_path: Path,
) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_ROW, encoding="utf-8")
    registry = build(f"sqlite:///{tmp_path / 'registry.db'}", extra)
    try:
        report = check_registry(registry, AS_OF)
    finally:
        registry.close()
    # CGJ still leads the same cells of SJ0101 ({road, pavement}): 600 events, 1200 h.
    # Actual (workload.py estimated_hours sums over lead rows): 900 events, 1800 h.
    cgj = next(x for x in report.load if x.unit == "CGJ")
    assert (cgj.events_per_year, cgj.workload_hours) == (600.0, 1200.0)


def test_an_event_counts_once_for_a_unit_with_two_matching_rows(
    registry: Registry, tmp_path: Path
) -> None:
    # one SJ0501 event on road, severity 4: CGJ (rows 7 and 8 both match) and SCJ lead it
    history = tmp_path / "one.jsonl"
    event = {
        "id": "E1",
        "matter": "SJ0501",
        "area": C,
        "reported_at": "2026-02-15T08:00:00+08:00",
        "attributes": {"location_type": "road", "severity": 4},
    }
    history.write_text(json.dumps(event) + "\n", encoding="utf-8")
    report = check_registry(registry, AS_OF, history=history)
    events = {x.unit: x.events_per_year for x in report.load}
    # a one-day history: × 365. Actual (workload.py history_hours counts per row): CGJ 730.
    assert (events["CGJ"], events["SCJ"]) == (365.0, 365.0)


def test_a_matter_filter_narrows_the_history_workload_too(registry: Registry) -> None:
    # Bug: with the catalogue estimates, --matter SJ0403 counts only SJ0403's work (nobody's);
    # with a history, workload.py history_hours ignores the matter filter (it only gets the
    # area) and the report "about SJ0403" says 五里桥街道办事处 is overloaded by SJ0103 events.
    config = CheckConfig(hours_per_staff_year=10, default_hours_per_case=3)
    estimated = check_registry(registry, AS_OF, config=config, matter="SJ0403")
    assert all(x.workload_hours == 0 for x in estimated.load)
    history = check_registry(registry, AS_OF, config=config, matter="SJ0403", history=HISTORY)
    assert all(x.workload_hours == 0 for x in history.load)
    assert not of(history, K.overload)


# --- conflict clusters --------------------------------------------------------------------------


def test_conflict_clusters(report: CheckReport) -> None:
    # CGJ–SCJ (SJ0501, 20 cells) is one group; FGJ–NJDL (SJ0601, 3 cells) and FGJ–WLQ (SJ0502,
    # 1 cell) another: FGJ links them
    assert report.clusters == [
        ConflictCluster(
            units=["CGJ", "SCJ"],
            cells=20,
            matters=["SJ0501"],
            pairs=[ClusterPair(units=("CGJ", "SCJ"), cells=20, matters=["SJ0501"])],
        ),
        ConflictCluster(
            units=["FGJ", "NJDL", "WLQ"],
            cells=4,
            matters=["SJ0502", "SJ0601"],
            pairs=[
                ClusterPair(units=("FGJ", "NJDL"), cells=3, matters=["SJ0601"]),
                ClusterPair(units=("FGJ", "WLQ"), cells=1, matters=["SJ0502"]),
            ],
        ),
    ]
    # the cells of a cluster are the cells of its overlaps
    assert sum(c.cells for c in report.clusters) == sum(f.cells for f in of(report, K.overlap))


# --- filters ------------------------------------------------------------------------------------


def test_area_filter_keeps_the_leaf_areas_under_it(registry: Registry) -> None:
    report = check_registry(registry, AS_OF, area=A)
    assert report.filters == {"area": A}
    assert report.checked["leaf_areas"] == 3
    assert summary(report) == [
        (K.overlap, "SJ0501", A_LEAVES, 4 * 3, ["CGJ", "SCJ"]),
        (K.overlap, "SJ0601", A_LEAVES, 3, ["FGJ", "NJDL"]),
        (K.gap, "SJ0101", A_LEAVES, 2 * 3, []),
        (K.gap, "SJ0104", [GRID2], 1, []),
        (K.referral_cycle, "SJ0201", A_LEAVES, 3, ["CGJ", "LRJ"]),
        (K.masked, "SJ0502", A_LEAVES, 9, ["CGJ", "NJDL"]),
        (K.assist_without_lead, "SJ0301", A_LEAVES, 2 * 3, ["LRJ"]),
        # rows at the area, above it or below it
        (K.stale, "SJ0402", [DISTRICT], 0, ["CGJ"]),
        (K.devolved_without_admission, "SJ0403", [A], 0, ["NJDL"]),
    ]
    # the units of other streets leave the load table
    assert [x.unit for x in report.load] == ["NJDL", "CGJ", "SCJ"]

    grid = check_registry(registry, AS_OF, area=GRID2)
    assert grid.checked["leaf_areas"] == 1
    assert {a for f in grid.findings for a in f.areas} == {GRID2, DISTRICT, A}


def test_matter_filter_takes_a_group_with_its_leaves(registry: Registry) -> None:
    report = check_registry(registry, AS_OF, matter="SJ05")
    assert report.checked["matters"] == 3  # SJ0501, SJ0502, SJ0503
    assert [(f.kind, f.matter) for f in report.findings] == [
        (K.overlap, "SJ0501"),
        (K.overlap, "SJ0502"),
        (K.masked, "SJ0502"),
        (K.masked, "SJ0502"),
    ]
    leaf = check_registry(registry, AS_OF, matter="SJ0502")
    assert leaf.checked == {"matters": 1, "leaf_areas": 5, "cells": 3 * 5, "duties": 4}
    assert [f.kind for f in leaf.findings] == [K.overlap, K.masked, K.masked]


def test_list_filter(registry: Registry) -> None:
    fgj = check_registry(registry, AS_OF, list_id="QZ-FGJ")
    assert fgj.filters == {"list": "QZ-FGJ"}
    assert [(f.kind, f.matter, f.areas) for f in fgj.findings] == [
        (K.overlap, "SJ0502", [B]),
        (K.overlap, "SJ0601", A_LEAVES),
        (K.masked, "SJ0502", [B]),  # FGJ masks CGJ in street B only
    ]
    # a list's matters bring their gaps, though a gap has no rows
    streets = check_registry(registry, AS_OF, list_id="JZ-JB")
    assert [(f.kind, f.matter) for f in streets.findings if f.kind is K.gap] == [
        (K.gap, "SJ0103"),
        (K.gap, "SJ0104"),
    ]


@pytest.mark.parametrize(
    ("option", "field"),
    [("area", "--area"), ("matter", "--matter"), ("list_id", "--list")],
)
def test_unknown_filter_codes_are_input_errors(registry: Registry, option: str, field: str) -> None:
    with pytest.raises(InputError) as exc:
        check_registry(registry, AS_OF, **{option: "NOPE"})
    [problem] = exc.value.problems
    assert problem.field == field
    assert "'NOPE'" in exc.value.render()


def test_every_unknown_filter_code_is_named(registry: Registry) -> None:
    with pytest.raises(InputError) as exc:
        run_check(registry.snapshot(AS_OF), area="X", matter="Y", list_id="Z")
    assert [p.field for p in exc.value.problems] == ["--area", "--matter", "--list"]
    # the catalogue is not a list
    with pytest.raises(InputError):
        check_registry(registry, AS_OF, list_id="CHK")


# --- comparisons (--against) --------------------------------------------------------------------


def test_against_a_date(registry: Registry, report: CheckReport) -> None:
    # on 2025-06-01 JZ-JB v1 (no SJ0601 row) is in force and the review date is ahead
    compared = check_registry(registry, AS_OF, against="2025-06-01")
    overlap, stale = only(report, K.overlap, "SJ0601"), only(report, K.stale)
    assert compared.comparison is not None
    assert compared.comparison.baseline == "2025-06-01"
    assert compared.comparison.baseline_hash == registry.snapshot(dt.date(2025, 6, 1)).hash
    assert compared.comparison.introduced == [overlap.id, stale.id]
    assert compared.comparison.resolved == []
    assert [f.id for f in compared.failing(Severity.error)] == [overlap.id]
    assert [f.id for f in compared.failing(Severity.warning)] == [overlap.id, stale.id]
    # the findings that hold on both dates keep their ids though the rows' version changed
    assert summary(compared) == EXPECTED
    tie = only(compared, K.overlap, "SJ0502")
    assert tie.id == only(run_check(registry.snapshot(dt.date(2025, 6, 1))), K.overlap, "SJ0502").id


def test_against_a_draft_version_that_resolves_an_overlap(
    registry: Registry, report: CheckReport
) -> None:
    # QZ-FGJ v2 (a draft) leads 群租 in streets B and C only
    compared = check_registry(registry, AS_OF, against="QZ-FGJ@2")
    assert compared.subject == "QZ-FGJ@2 @ 2026-07-01"
    assert compared.snapshot_hash != report.snapshot_hash
    assert compared.comparison is not None
    assert compared.comparison.baseline_hash == report.snapshot_hash
    assert compared.comparison.introduced == []
    assert compared.comparison.resolved == [only(report, K.overlap, "SJ0601")]
    assert not of(compared, K.overlap, "SJ0601")
    assert not of(compared, K.gap, "SJ0601")
    # errors remain, but none is new: nothing fails
    assert compared.worst() is Severity.error
    assert compared.failing(Severity.error) == []
    assert compared.failing(Severity.info) == []
    # the draft's rows stand in for v1's, and the ids stay
    tie = only(compared, K.overlap, "SJ0502")
    assert rows(tie) == [("JZ-JB", 2, 15), ("QZ-FGJ", 2, 4)]
    assert tie.id == only(report, K.overlap, "SJ0502").id


def test_parse_against() -> None:
    assert parse_against("2025-01-01") == dt.date(2025, 1, 1)
    assert parse_against("HP-QZ-FGJ@2") == ("HP-QZ-FGJ", 2)
    for bad in ("2025-02-30", "QZ-FGJ@x", "@2", "QZ-FGJ@", "QZ-FGJ@-1", "yesterday", ""):
        with pytest.raises(InputError) as exc:
            parse_against(bad)
        assert exc.value.problems[0].field == "--against"


@pytest.mark.parametrize(
    ("against", "says"),
    [
        ("2025-13-01", "is neither a date"),
        ("QZ-FGJ@9", "list QZ-FGJ has no version 9; versions: 1, 2"),
        ("NOPE@1", "unknown list 'NOPE'"),
    ],
)
def test_bad_against_is_an_input_error(registry: Registry, against: str, says: str) -> None:
    with pytest.raises(InputError) as exc:
        check_registry(registry, AS_OF, against=against)
    assert says in exc.value.render()


def test_against_a_date_before_the_list_was_in_force(registry: Registry) -> None:
    # Bug: JZ-JB is in force on AS_OF but not on 2023-06-01 (v1 starts 2024-01-01). Asking what
    # the list brought in since then fails with "no list 'JZ-JB' is in force" — the baseline run
    # of check_registry (check.py, `baseline = run_check(registry.snapshot(target), **options)`)
    # applies _check_filters to the baseline's snapshot. Expected: every finding introduced.
    compared = check_registry(registry, AS_OF, against="2023-06-01", list_id="JZ-JB")
    assert compared.comparison is not None
    assert compared.comparison.introduced == [f.id for f in compared.findings]


# --- severities ---------------------------------------------------------------------------------


def test_severity_overrides(registry: Registry) -> None:
    config = CheckConfig(severity={K.gap: Severity.info, K.masked: Severity.error})
    report = check_registry(registry, AS_OF, config=config)
    assert {f.severity for f in of(report, K.gap)} == {Severity.info}
    assert {f.severity for f in of(report, K.masked)} == {Severity.error}
    assert {f.severity for f in of(report, K.overlap)} == {Severity.error}  # the default
    assert report.severities == {"error": 7, "warning": 3, "info": 3}
    # most severe first
    ranks = [f.severity.rank for f in report.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert len(report.failing(Severity.error)) == 7
    assert len(report.failing(Severity.warning)) == 10
    assert len(report.failing(Severity.info)) == 13
    # the same from a file's data, kinds and severities by name
    assert CheckConfig.model_validate({"severity": {"gap": "info", "masked": "error"}}) == config
    assert report.config.severity_of(K.stale) is Severity.warning


def test_a_bad_config_is_refused() -> None:
    from pydantic import ValidationError

    for data in (
        {"hours_per_staff_year": 0},
        {"overload_threshold": -1},
        {"severity": {"gap": "fatal"}},
        {"severity": {"gaps": "info"}},
        {"colour": "red"},
    ):
        with pytest.raises(ValidationError):
            CheckConfig.model_validate(data)


# --- the sample registry (data/responsibility_lists/README.md) ---------------------------------

SAMPLE_LEAVES = sorted(  # README, "The sample district", Leaf areas (15)
    [
        "310101013000",
        "310101015000",
        "310101017000",
        "310101019000",
        "310101021000",
        "310101022000",
        "310101023000",
        "310101002002",
        "310101018001",
        "310101018002",
        "310101020002",
        "31010100200101",
        "31010100200102",
        "31010102000101",
        "31010102000102",
    ]
)
STREET_OFFICES = [  # the ten 街道办事处
    "HP-BSYL",
    "HP-DPQ",
    "HP-HHZL",
    "HP-LXM",
    "HP-NJDL",
    "HP-RJEL",
    "HP-WLQ",
    "HP-WT",
    "HP-XDM",
    "HP-YY",
]
RUIJIN = "310101023000"  # 瑞金二路街道, a leaf area

# README, "Deliberate overlaps and gaps", on 2026-11-28: kind, matter → leaf areas, region,
# cells, units (a gap's units are the ones that only supervise)
Expected = tuple[list[str], list[dict[str, Any]], int, list[str]]
SAMPLE_2026: dict[tuple[FindingKind, str], Expected] = {
    # Overlaps 1: HP-JGW (is_shared) and the street offices (pavement)
    (K.overlap, "SJ0506"): (
        SAMPLE_LEAVES,
        [{"is_shared": [True], "location_type": ["pavement"]}],
        15,
        sorted(["HP-JGW", *STREET_OFFICES]),
    ),
    # Overlaps 2: HP-SCJ (everything) and the street offices (road, pavement)
    (K.overlap, "SJ0501"): (
        SAMPLE_LEAVES,
        [{"location_type": ["road", "pavement"]}],
        30,
        sorted(["HP-SCJ", *STREET_OFFICES]),
    ),
    # Overlaps 3: HP-FGJ and the street offices (HP-JZ-JB v2)
    (K.overlap, "SJ0601"): (SAMPLE_LEAVES, ALL, 15, sorted(["HP-FGJ", *STREET_OFFICES])),
    # Gaps 1: park
    (K.gap, "SJ0106"): (SAMPLE_LEAVES, [{"location_type": ["park"]}], 15, []),
    # Gaps 2: no lead in 瑞金二路街道; 区消防救援支队 only supervises
    (K.gap, "RX0603"): ([RUIJIN], ALL, 1, ["HP-XFZD"]),
    # Masked duties 1: HP-CGJ (priority 0) under the street offices (priority 10)
    (K.masked, "SJ0504"): (SAMPLE_LEAVES, ALL, 15, sorted(["HP-CGJ", *STREET_OFFICES])),
    # Masked duties 2: HP-NJDL (10) under the property manager HP-OWN-WY1 (20) in 贵州居民区
    (K.masked, "SJ0507"): (
        ["31010100200101", "31010100200102"],
        [{"location_type": ["residential_compound"]}],
        2,
        ["HP-NJDL", "HP-OWN-WY1"],
    ),
}
# README, the differences on 2025-01-01: no SJ0601 overlap; the RX0603 gap covers all 15 leaf
# areas; the rest as on 2026-11-28
SAMPLE_2025 = {k: v for k, v in SAMPLE_2026.items() if k != (K.overlap, "SJ0601")}
SAMPLE_2025[(K.gap, "RX0603")] = (SAMPLE_LEAVES, ALL, 15, ["HP-XFZD"])

CELL_KINDS = (K.overlap, K.gap, K.masked)


def readme_cells() -> dict[tuple[FindingKind, str], int]:
    """The matters and (first-named) cell counts of the README's overlaps, gaps and masked
    duties — what it documents for 2026-11-28."""
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    section = text.split("## Deliberate overlaps and gaps", 1)[1]
    section = section.split("### Look-alikes", 1)[0]
    kinds = {"Overlaps": K.overlap, "Gaps": K.gap, "Masked duties": K.masked}
    found = {}
    for part in re.split(r"^### ", section, flags=re.M)[1:]:
        kind = next(k for title, k in kinds.items() if part.startswith(title))
        for item in re.split(r"^\d+\. ", part, flags=re.M)[1:]:
            matter = re.match(r"\*\*([A-Z]{2}\d{4}) ", item)
            cells = re.search(r"—\s+(\d+)\s+cells?\b", item)
            assert matter and cells, item[:200]
            found[(kind, matter.group(1))] = int(cells.group(1))
    return found


def test_the_readme_documents_what_this_test_expects() -> None:
    assert readme_cells() == {key: value[2] for key, value in SAMPLE_2026.items()}


def assert_documented(report: CheckReport, expected: dict[Any, Any]) -> None:
    found = {(f.kind, f.matter): f for f in report.findings if f.kind in CELL_KINDS}
    assert len(found) == len([f for f in report.findings if f.kind in CELL_KINDS])
    assert sorted(found, key=str) == sorted(expected, key=str)  # no more, no fewer
    for key, (areas, region, cells, units) in expected.items():
        f = found[key]
        assert (f.areas, f.region, f.cells, f.units) == (areas, region, cells, units), key


def test_the_sample_registry_has_the_documented_findings(db_url: str) -> None:
    registry = Registry.create(db_url)
    try:
        registry.import_files([SAMPLE], by="fixture")
        today = check_registry(registry, dt.date(2026, 11, 28))
        before = check_registry(registry, dt.date(2025, 1, 1))
    finally:
        registry.close()
    assert today.checked["leaf_areas"] == before.checked["leaf_areas"] == 15
    assert_documented(today, SAMPLE_2026)
    assert_documented(before, SAMPLE_2025)

    # the rows: HP-JZ-JB v2 on 2026-11-28, v1 on 2025-01-01
    overlap = only(today, K.overlap, "SJ0506")
    assert {(d.list_id, d.version) for d in overlap.duties} == {("HP-QZ-JGW", 1), ("HP-JZ-JB", 2)}
    assert len(overlap.duties) == 11
    assert {(d.list_id, d.version) for d in only(before, K.overlap, "SJ0506").duties} == {
        ("HP-QZ-JGW", 1),
        ("HP-JZ-JB", 1),
    }
    sj0601 = only(today, K.overlap, "SJ0601")
    assert {(d.list_id, d.version) for d in sj0601.duties} == {("HP-QZ-FGJ", 1), ("HP-JZ-JB", 2)}
    # the masked rows: 区城管执法局's, and 南京东路街道办事处's under the property manager
    assert [d["unit"] for d in only(today, K.masked, "SJ0504").details["masked"]] == ["HP-CGJ"]
    sj0507 = only(today, K.masked, "SJ0507")
    assert [d["unit"] for d in sj0507.details["masked"]] == ["HP-NJDL"]
    assert sj0507.region_text == "location_type = residential_compound"
    # RX0603 in 瑞金二路街道: 区消防救援支队 only supervises
    assert "supervise" in only(today, K.gap, "RX0603").message
    # the findings that hold on both dates keep their ids
    for key in (
        (K.overlap, "SJ0506"),
        (K.overlap, "SJ0501"),
        (K.gap, "SJ0106"),
        (K.masked, "SJ0504"),
        (K.masked, "SJ0507"),
    ):
        assert only(today, *key).id == only(before, *key).id
    # README: HP-QZ-FGJ v1 SJ0601 is stale on 2026-11-28
    assert [(f.matter, f.units) for f in of(today, K.stale)] == [("SJ0601", ["HP-FGJ"])]


def test_the_sample_draft_resolves_the_group_renting_overlap(sample_registry: Registry) -> None:
    # README: "The draft HP-QZ-FGJ v2 would resolve it but is not in force."
    today = dt.date(2026, 11, 28)
    compared = check_registry(sample_registry, today, against="HP-QZ-FGJ@2")
    assert compared.comparison is not None
    # the draft's SJ0601 row is a supervise row reviewed by 2028-12-31: the stale finding goes too
    assert [(f.kind, f.matter) for f in compared.comparison.resolved] == [
        (K.overlap, "SJ0601"),
        (K.stale, "SJ0601"),
    ]
    assert compared.comparison.introduced == []
    assert not of(compared, K.overlap, "SJ0601")
    assert compared.failing(Severity.error) == []


def test_a_gap_that_only_narrows_is_not_introduced(sample_registry: Registry) -> None:
    # README, Gaps 2: on 2025-01-01 RX0603 has no lead anywhere; HP-JZ-JB v2 gives it to nine
    # streets, leaving 瑞金二路街道 — "the same gap finding", narrower. Against 2025-01-01 the
    # only new error the README documents is the SJ0601 overlap.
    # Actual: a finding's id hashes its leaf areas (check.py _Builder.cell_finding,
    # `_finding_id(kind, raw.matter, areas, boxes, units)`), so the narrowed RX0603 gap is
    # "introduced" (and the wide one "resolved"): a change that only shrinks a gap fails
    # `remit check --against 2025-01-01`.
    compared = check_registry(sample_registry, dt.date(2026, 11, 28), against="2025-01-01")
    assert [(f.kind, f.matter) for f in compared.failing(Severity.error)] == [(K.overlap, "SJ0601")]
