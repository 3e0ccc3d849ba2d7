"""The graph check on territorial references and case standards (立案标准), through the Python
API and the CLI, on a small hand-made registry written as YAML files:

- 示范区 (D) with the streets 甲街道 (S1, with a community), 乙街道 (S2) and 示范开发区 (S3, no
  street office); the street offices JD1 and JD2, 甲街道's law-enforcement team ZF1, and the
  district bureaus CGJ and LRJ;
- one matter per case below. A territorial reference (属地街道) is resolved to the unit of each
  street before units are compared; a matter whose rows name standards is analysed per standard
  (the rows of the standard and the rows naming none).

Also: the sample 处置责任分解表 (data/tables/hp-chuzhi-2027.xlsx), whose district-wide 属地街道 rows
and the street offices' own rows are no overlap.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from remit import Registry
from remit.checks import CheckReport, Finding, FindingKind, Severity, run_check
from remit.checks.run import compare
from tests.factories import Cli, dump_yaml, exits, schema_of, sqlite_registry
from tests.test_sample_chuzhi import LIST, XLSX, imported

DAY = dt.date(2026, 3, 2)
D, S1, S2, S3 = "990100000000", "990100001000", "990100002000", "990100090000"
COMMUNITY = "990100001001"
LEAVES = [COMMUNITY, S2, S3]
K = FindingKind

AREAS = [
    {"code": "990000000000", "name": "示范市", "level": "city"},
    {"code": D, "name": "示范区", "level": "district", "parent": "990000000000"},
    {"code": S1, "name": "甲街道", "level": "street", "parent": D},
    {"code": S2, "name": "乙街道", "level": "street", "parent": D},
    {"code": S3, "name": "示范开发区", "level": "street", "parent": D},
    {"code": COMMUNITY, "name": "甲一居委", "level": "community", "parent": S1},
]
UNITS = [
    {"code": "CGJ", "name": "区城市管理行政执法局", "kind": "line", "level": "district"},
    {"code": "LRJ", "name": "区绿化和市容管理局", "kind": "line", "level": "district"},
    {"code": "JD1", "name": "甲街道办事处", "kind": "block", "level": "street", "jurisdiction": S1},
    {"code": "JD2", "name": "乙街道办事处", "kind": "block", "level": "street", "jurisdiction": S2},
    {
        "code": "ZF1",
        "name": "甲街道执法中队",
        "kind": "line",
        "level": "street",
        "jurisdiction": S1,
        "function": "enforcement",
    },
]
PLACE = {"place": {"type": "enum", "values": ["road", "park"], "label": "地点"}}
MATTERS: list[dict[str, Any]] = [
    {"code": "T-SAME", "name": "属地与街道同为主办", "kind": "event"},
    {"code": "T-OTHER", "name": "属地与部门同为主办", "kind": "event"},
    {"code": "T-FUNCTION", "name": "属地执法中队", "kind": "event"},
    {"code": "S-DIFFER", "name": "两个标准两个主办", "kind": "event"},
    {"code": "S-TWO", "name": "一个标准两个主办", "kind": "event", "attributes": PLACE},
    {"code": "S-MIX", "name": "无标准条目与标准条目", "kind": "event"},
    {"code": "S-COVER", "name": "无标准条目覆盖", "kind": "event"},
    {"code": "S-GAP", "name": "一个标准无主办", "kind": "event"},
    {"code": "S-PRIORITY", "name": "标准优先", "kind": "event", "hit_policy": "priority"},
    {"code": "S-STREET", "name": "标准与属地", "kind": "event"},
]
ONE = {"code": "1", "filing": "占道面积大于1平方米"}
TWO = {"code": "2", "filing": "占道面积不大于1平方米"}


def lead(matter: str, unit: str, area: str = D, **more: Any) -> dict[str, Any]:
    return {"matter": matter, "unit": unit, "role": "lead", "area": area, **more}


ROWS: list[dict[str, Any]] = [
    # 属地街道 across the district and 甲街道's office for its own street: the same unit there
    lead("T-SAME", "属地街道"),
    lead("T-SAME", "JD1", S1),
    # 属地街道 across the district and a bureau in 甲街道: two units there
    lead("T-OTHER", "属地街道"),
    lead("T-OTHER", "LRJ", S1),
    # 属地执法中队 and 甲街道's team: the same unit in 甲街道; 乙街道 has no team
    lead("T-FUNCTION", "属地执法中队"),
    lead("T-FUNCTION", "ZF1", S1),
    # two standards, a lead each: no overlap, the standards differ
    lead("S-DIFFER", "CGJ", standard=ONE),
    lead("S-DIFFER", "LRJ", standard=TWO),
    # standard 1 has two leads (on roads), standard 2 one
    lead("S-TWO", "CGJ", standard=ONE),
    lead("S-TWO", "LRJ", standard=ONE, when={"place": "road"}),
    lead("S-TWO", "CGJ", standard=TWO),
    # a lead for every event, another for standard 1's: an overlap under standard 1 only
    lead("S-MIX", "CGJ"),
    lead("S-MIX", "LRJ", standard=ONE),
    lead("S-MIX", "LRJ", standard=TWO, role="assist"),
    # the rows naming no standard lead every event: no gap, nothing differs
    lead("S-COVER", "CGJ"),
    lead("S-COVER", "CGJ", standard=ONE),
    lead("S-COVER", "LRJ", standard=TWO, role="supervise"),
    # standard 2 has an assist and no lead: a gap under standard 2
    lead("S-GAP", "CGJ", standard=ONE),
    lead("S-GAP", "LRJ", standard=TWO, role="assist"),
    # priority: standard 1's lead hides the lead of every event under standard 1
    lead("S-PRIORITY", "CGJ"),
    lead("S-PRIORITY", "LRJ", standard=ONE, priority=1),
    lead("S-PRIORITY", "CGJ", standard=TWO, priority=1),
    # 属地街道 under standard 1; under standard 2 甲街道's office itself, 乙街道 a bureau
    lead("S-STREET", "属地街道", standard=ONE),
    lead("S-STREET", "JD1", S1, standard=TWO),
    lead("S-STREET", "LRJ", S2, standard=TWO),
]


def write_tree(root: Path, rows: list[dict[str, Any]] = ROWS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    dump_yaml(root, "areas.yaml", {"file": "areas", "areas": AREAS})
    units = [{"jurisdiction": D} | u for u in UNITS]
    dump_yaml(root, "units.yaml", {"file": "units", "units": units})
    version = {"version": 1, "status": "published", "effective_from": dt.date(2024, 1, 1)}
    dump_yaml(
        root,
        "catalogue.yaml",
        {
            "file": "catalogue",
            "id": "CAT",
            "name": "目录",
            "versions": [version | {"matters": MATTERS}],
        },
    )
    duties = [dict(row) for row in rows]
    dump_yaml(
        root,
        "list.yaml",
        {
            "file": "list",
            "id": "L",
            "name": "处置责任分解表",
            "kind": "department",
            "versions": [version | {"duties": duties}],
        },
    )
    return root


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    tmp = tmp_path_factory.mktemp("standards")
    return sqlite_registry(tmp / "registry.db", write_tree(tmp / "files"))


@pytest.fixture(scope="module")
def report(registry: Registry) -> CheckReport:
    return run_check(registry.snapshot(DAY))


def of(report: CheckReport, kind: FindingKind, matter: str) -> list[Finding]:
    return [f for f in report.findings if f.kind is kind and f.matter == matter]


def kinds(report: CheckReport, matter: str) -> set[FindingKind]:
    return {f.kind for f in report.findings if f.matter == matter}


# --- territorial references resolved per street ------------------------------------------------


def test_a_territorial_row_and_the_street_office_s_own_row_are_no_overlap(
    report: CheckReport,
) -> None:
    assert kinds(report, "T-SAME") == {K.reference_gap}  # 示范开发区 has no office
    (gap,) = of(report, K.reference_gap, "T-SAME")
    assert gap.areas == [S3]


def test_a_territorial_row_and_another_unit_s_row_overlap(report: CheckReport) -> None:
    (overlap,) = of(report, K.overlap, "T-OTHER")
    assert overlap.areas == [COMMUNITY]  # 甲街道 only: elsewhere 属地街道 leads alone
    assert overlap.units == ["@territorial", "LRJ"]
    # the overlap graph has the street's own office, not the reference
    assert overlap.details["pairs"] == [{"units": ["JD1", "LRJ"], "cells": 1}]
    assert "属地街道" in overlap.message
    pairs = {p.units for c in report.clusters for p in c.pairs}
    assert ("JD1", "LRJ") in pairs and not any("@territorial" in p for p in pairs)
    assert report.units["JD1"].name == "甲街道办事处"


def test_a_territorial_function_resolves_to_the_street_s_unit(report: CheckReport) -> None:
    assert not of(report, K.overlap, "T-FUNCTION")  # ZF1 is 甲街道's 执法中队
    (gap,) = of(report, K.reference_gap, "T-FUNCTION")
    assert gap.areas == [S2, S3]  # no team there: a reference gap, not a gap nor an overlap
    assert not of(report, K.gap, "T-FUNCTION")


# --- case standards ------------------------------------------------------------------------------


def test_two_standards_with_different_leads_are_no_overlap_but_differ(
    report: CheckReport,
) -> None:
    assert kinds(report, "S-DIFFER") == {K.standards_differ}
    (differ,) = of(report, K.standards_differ, "S-DIFFER")
    assert differ.severity is Severity.info
    assert differ.areas == LEAVES
    assert differ.units == ["CGJ", "LRJ"]
    assert differ.details["standards"] == [
        {"code": "1", "filing": ONE["filing"], "units": ["CGJ"]},
        {"code": "2", "filing": TWO["filing"], "units": ["LRJ"]},
    ]
    assert "standard 1 (占道面积大于1平方米) → 区城市管理行政执法局" in differ.message
    assert "standard 2 (占道面积不大于1平方米) → 区绿化和市容管理局" in differ.message


def test_the_message_of_standards_differ_in_chinese(registry: Registry) -> None:
    zh = run_check(registry.snapshot(DAY), lang="zh", matter="S-DIFFER")
    (differ,) = zh.findings
    assert differ.message.startswith("事项 两个标准两个主办（S-DIFFER） 的立案标准牵头单位不同：")
    assert "标准 1（占道面积大于1平方米） → 区城市管理行政执法局" in differ.message


def test_a_standard_with_two_leads_is_an_overlap_naming_the_standard(
    report: CheckReport,
) -> None:
    (overlap,) = of(report, K.overlap, "S-TWO")
    assert overlap.region == [{"@standard": ["1"], "place": ["road"]}]
    assert overlap.cells == len(LEAVES)
    assert overlap.details["standards"] == [{"code": "1", "filing": ONE["filing"]}]
    assert overlap.message.endswith(" (case standard 1 (占道面积大于1平方米))")
    assert overlap.region_text == "case standard = 1, place = road"
    assert report.matters["S-TWO"].attributes["@standard"].values == ["1", "2"]


def test_rows_naming_no_standard_are_analysed_with_each_standard(report: CheckReport) -> None:
    (overlap,) = of(report, K.overlap, "S-MIX")
    assert overlap.region == [{"@standard": ["1"]}]
    assert overlap.units == ["CGJ", "LRJ"]
    # standard 2 is led by the row for every event: no gap, no assist without a lead
    assert not of(report, K.gap, "S-MIX") and not of(report, K.assist_without_lead, "S-MIX")
    # under standard 1 CGJ and LRJ lead, under standard 2 CGJ alone
    (differ,) = of(report, K.standards_differ, "S-MIX")
    assert [s["units"] for s in differ.details["standards"]] == [["CGJ", "LRJ"], ["CGJ"]]


def test_rows_naming_no_standard_cover_every_standard(report: CheckReport) -> None:
    assert not kinds(report, "S-COVER")


def test_a_standard_without_a_lead_is_a_gap_under_that_standard(report: CheckReport) -> None:
    (gap,) = of(report, K.gap, "S-GAP")
    assert gap.region == [{"@standard": ["2"]}]
    assert gap.units == ["LRJ"]
    assert "占道面积不大于1平方米" in gap.message
    (helpless,) = of(report, K.assist_without_lead, "S-GAP")
    assert helpless.region == [{"@standard": ["2"]}]
    assert not of(report, K.standards_differ, "S-GAP")  # one standard has a lead


def test_priority_masks_per_standard(report: CheckReport) -> None:
    (masked,) = of(report, K.masked, "S-PRIORITY")
    assert masked.region == [{"@standard": ["1"]}]
    assert [d["unit"] for d in masked.details["masked"]] == ["CGJ"]
    assert not of(report, K.overlap, "S-PRIORITY")


def test_standards_differ_after_resolving_territorial_references(report: CheckReport) -> None:
    # in 甲街道 standard 1's 属地街道 is JD1, standard 2's lead: the same unit
    (differ,) = of(report, K.standards_differ, "S-STREET")
    assert differ.areas == [S2]
    assert differ.details["standards"] == [
        {"code": "1", "filing": ONE["filing"], "units": ["@territorial"]},
        {"code": "2", "filing": TWO["filing"], "units": ["LRJ"]},
    ]
    assert not of(report, K.overlap, "S-STREET")


def test_ids_are_stable_and_comparisons_hold(registry: Registry, report: CheckReport) -> None:
    again = run_check(registry.snapshot(DAY))
    assert [f.id for f in again.findings] == [f.id for f in report.findings]
    compared = compare(again, report, "same")
    assert compared.comparison is not None
    assert not compared.comparison.introduced and not compared.comparison.resolved


def test_a_comparison_sees_standards_differ_resolved(report: CheckReport, tmp_path: Path) -> None:
    rows = [r for r in ROWS if not (r["matter"] == "S-STREET" and r["unit"] == "LRJ")]
    with sqlite_registry(tmp_path / "r.db", write_tree(tmp_path / "files", rows)) as other:
        after = run_check(other.snapshot(DAY))
    compared = compare(after, report, "before")
    assert compared.comparison is not None
    resolved = [(f.kind, f.matter) for f in compared.comparison.resolved]
    assert resolved == [(K.standards_differ, "S-STREET")]
    introduced = [f for f in after.findings if f.id in compared.comparison.introduced]
    assert [(f.kind, f.matter, f.region) for f in introduced] == [
        (K.gap, "S-STREET", [{"@standard": ["2"]}])  # 乙街道's standard 2 has no lead now
    ]


def test_severity_of_standards_differ_can_be_raised(registry: Registry) -> None:
    from remit.checks import CheckConfig

    config = CheckConfig(severity={K.standards_differ: Severity.error})
    report = run_check(registry.snapshot(DAY), config, matter="S-DIFFER")
    assert [f.severity for f in report.findings] == [Severity.error]


# --- the renderers and the schema --------------------------------------------------------------


def test_every_format_shows_standards_differ(cli: Cli, registry: Registry, tmp_path: Path) -> None:
    args = ("check", "--as-of", DAY.isoformat(), "--matter", "S-DIFFER")
    text = exits(cli(*args, db=registry.url, lang="zh"), 0).stdout
    assert "立案标准牵头不同" in text and "两个标准两个主办" in text
    text = exits(cli(*args, db=registry.url, lang="en"), 0).stdout
    assert "standards differ in lead" in text
    data = json.loads(exits(cli(*args, "--format", "json", db=registry.url), 0).stdout)
    assert [f["kind"] for f in data["findings"]] == ["standards_differ"]
    md = exits(cli(*args, "--format", "md", db=registry.url, lang="zh"), 0).stdout
    assert "立案标准牵头不同" in md
    html = tmp_path / "report.html"
    exits(cli(*args, "-o", html, db=registry.url, lang="zh"), 0)
    assert "立案标准牵头不同" in html.read_text(encoding="utf-8")
    xlsx = tmp_path / "report.xlsx"
    exits(cli(*args, "-o", xlsx, db=registry.url, lang="zh"), 0)
    book = openpyxl.load_workbook(xlsx)
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert any("立案标准牵头不同" in c for c in cells)
    # info: not a failure unless asked
    exits(cli(*args, "--fail-on", "info", db=registry.url), 1)


def test_the_schema_names_the_new_kind() -> None:
    assert "standards_differ" in json.dumps(schema_of("check-report"))
    assert "standards_differ" in json.dumps(schema_of("check-config"))


# --- the sample 处置责任分解表 ---------------------------------------------------------------------


def test_the_sample_table_s_territorial_rows_are_no_overlap(sqlite_url: str) -> None:
    with imported(sqlite_url, XLSX) as registry:
        registry.publish(LIST, dt.date(2027, 1, 1), note="test", retroactive=True)
        report = run_check(registry.snapshot(dt.date(2027, 3, 2)))
    overlaps = {f.matter for f in report.findings if f.kind is K.overlap}
    assert not overlaps & {"SJ0503", "SJ0511"}
    # 非法小广告: the street office leads it (its own list and the table's 属地街道 rows: one
    # unit), except that the table gives standard 1 (main roads) to the bureau: an overlap
    # there only, as routing's conflict under standard 1
    (ads,) = [f for f in report.findings if f.kind is K.overlap and f.matter == "SJ0201"]
    assert ads.region == [{"@standard": ["1"]}]
    assert "HP-LRJ" in ads.units
    # a district-wide 属地街道 row against a bureau's is still an overlap, street by street
    (greening,) = [f for f in report.findings if f.kind is K.overlap and f.matter == "SJ0103"]
    assert greening.units == ["@territorial", "HP-LRJ"]
    pairs = {tuple(p["units"]) for p in greening.details["pairs"]}
    assert ("HP-LRJ", "HP-NJDL") in pairs and len(pairs) == 10
