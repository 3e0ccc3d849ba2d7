"""Case standards (立案标准, issue 12): a matter's rows may each name the standard (filing
condition) they apply to, with its own units and time limit; an event names its standard (code,
number or filing condition) or, naming none, is decided on the standard whose limit ends first,
flagged "standard not given". Fixture tests/fixtures/standards: BJ0101 上水井盖 has standard 1
(区房屋管理局, 2工作日) and 2 (区城管执法局, 2紧急工作时) and an assisting 属地街道 row for both;
SJ0201 has no standards."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remit import InputError, Registry
from remit.registry.entities import CaseStandard
from remit.routing.decision import RoutingDecision
from remit.routing.router import Router
from remit.timelimit import TimeLimit, parse_time_limit
from tests.factories import FIXTURES, Cli, csv_bytes, exits, read_csv, sqlite_registry, write
from tests.factories import event as make_event

STANDARDS = FIXTURES / "standards"
S1 = "990100001000"  # 甲街道
AT = "2026-03-02T10:00:00"  # a Monday


def event(matter: str = "BJ0101", **fields: Any) -> dict[str, Any]:
    return make_event(matter, S1, AT, **fields)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return sqlite_registry(tmp_path_factory.mktemp("standards") / "registry.db", STANDARDS)


@pytest.fixture(scope="module")
def router(registry: Registry) -> Router:
    return Router(registry)


def summary(d: RoutingDecision) -> tuple[Any, ...]:
    assert d.standard is not None
    return (
        d.lead.code if d.lead else None,
        [a.code for a in d.assists],
        d.time_limit,
        d.deadline.isoformat() if d.deadline else None,
        d.standard.code,
        d.standard.given,
    )


def test_the_snapshot_lists_a_matters_standards(registry: Registry) -> None:
    snapshot = registry.snapshot(dt.date(2026, 3, 2))
    found = snapshot.standards("BJ0101")
    assert [(s.code, s.standard.filing, sorted(s.units())) for s in found] == [
        ("1", "井盖破损、松动、异响的", ["FGJ"]),
        ("2", "井盖缺失、移位，存在安全隐患的", ["CGJ"]),
    ]
    assert snapshot.standards("SJ0201") == ()


def test_the_named_standard_decides_its_units_and_limit(router: Router) -> None:
    d = router.route(event(standard="1"))
    assert summary(d) == ("FGJ", ["JD1"], "2工作日", "2026-03-04T17:00:00+08:00", "1", True)
    assert d.standard is not None and d.standard.closing == "井盖修复或更换完毕"
    # the other standard's row is no candidate at all: not lost, not cited
    assert "CGJ" not in {c.unit.code for c in d.lost} | {r.unit for r in d.duties}


def test_a_standard_is_named_by_its_filing_condition_as_written(router: Router) -> None:
    # half-width comma and spaces: the same condition
    d = router.route(event(standard=" 井盖缺失、移位,存在安全隐患的 "))
    assert summary(d)[4:] == ("2", True)
    assert d.lead is not None and d.lead.code == "CGJ"


def test_no_standard_named_takes_the_one_that_ends_first(router: Router) -> None:
    d = router.route(event())
    # standard 2 (2紧急工作时) ends before standard 1 (2工作日) though 1 comes first
    assert summary(d) == ("CGJ", ["JD1"], "2紧急工作时", "2026-03-02T12:00:00+08:00", "2", False)
    assert json.loads(d.model_dump_json())["standard"]["given"] is False


def test_a_matter_without_standards_decides_as_before(router: Router) -> None:
    d = router.route(event("SJ0201"))
    assert d.standard is None and d.lead is not None and d.lead.code == "JD1"
    assert "standard" not in json.loads(d.model_dump_json())


def test_the_reference_engine_agrees(registry: Registry, router: Router) -> None:
    reference = Router(registry, engine="reference", cache=False)
    for fields in ({}, {"standard": "1"}, {"standard": "2"}):
        engine = router.route(event(**fields))
        assert reference.route(event(**fields)).model_dump() == engine.model_dump()


def test_an_unknown_standard_is_refused_naming_the_standards(router: Router) -> None:
    with pytest.raises(InputError) as err:
        router.route(event(standard="3"))
    text = err.value.render("zh")
    assert (
        "立案标准 '3'" in text
        and "1: 井盖破损、松动、异响的" in text
        and "field standard" not in text
    )
    with pytest.raises(InputError) as err:
        router.route(event("SJ0201", standard="1"))
    assert "has no case standards" in err.value.render("en")


def test_the_cli_names_the_standard_and_says_when_it_was_not_given(
    registry: Registry, cli: Cli
) -> None:
    db = registry.url
    base = ("route", "--matter", "上水井盖", "--area", "甲街道", "--reported-at", AT)
    zh = exits(cli(*base, db=db, lang="zh"), 0).stdout
    assert "立案标准：2（井盖缺失、移位，存在安全隐患的）——未指明立案标准" in zh
    assert "结案条件：井盖恢复原位或补齐，无安全隐患" in zh
    en = exits(cli(*base, "--standard", "1", db=db), 0).stdout
    assert "Case standard (立案标准) 1（井盖破损、松动、异响的）" in en and "not given" not in en
    refused = exits(cli(*base, "--standard", "9", db=db), 2)
    assert "field standard" in refused.stderr and "1: 井盖破损" in refused.stderr


def test_batch_reads_the_standard_column_and_replay_reproduces(
    registry: Registry, cli: Cli, tmp_path: Path
) -> None:
    events = write(
        tmp_path / "events.csv",
        csv_bytes(
            [
                ["编号", "事项", "区域", "上报时间", "立案标准"],
                ["E1", "上水井盖", "甲街道", AT, "1"],
                ["E2", "上水井盖", "甲街道", AT, "井盖缺失、移位，存在安全隐患的"],
                ["E3", "上水井盖", "甲街道", AT, ""],
            ]
        ),
    )
    out = tmp_path / "decisions.jsonl"
    exits(cli("route-batch", events, "-o", out, db=registry.url), 0)
    decisions = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    got = [(d["event_id"], d["standard"]["code"], d["standard"]["given"]) for d in decisions]
    assert got == [("E1", "1", True), ("E2", "2", True), ("E3", "2", False)]
    assert decisions[1]["event"]["standard"] == "2"  # kept in codes: replay decides it again
    exits(cli("replay", out, db=registry.url), 0)


def test_a_standard_written_two_ways_in_one_list_is_refused(
    registry: Registry, tmp_path: Path
) -> None:
    text = (STANDARDS / "lists" / "chuzhi.yaml").read_text("utf-8")
    text = text.replace(
        "      - {matter: SJ0201, unit: 属地街道, area: 示范区}",
        "      - {matter: BJ0101, unit: 区绿化和市容管理局, area: 示范区, "
        "standard: {code: '1', filing: 井盖丢失}}",
    )
    path = write(tmp_path / "chuzhi.yaml", text.replace("version: 1", "version: 2"))
    path = write(path, path.read_text("utf-8").replace("status: published", "status: draft"))
    before = registry.state().revision
    with pytest.raises(InputError) as err:
        registry.import_files([path], by="test")
    message = err.value.render("en")
    assert "the standard 1 of matter BJ0101 is written differently than at" in message
    assert registry.state().revision == before


def test_exported_standards_import_back_equal(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "cz.csv"
    registry.export("A-CZ", "csv", out, version=1)
    header = read_csv(out)[0]
    assert header[-3:] == ["立案标准", "立案条件", "结案条件"]
    registry.import_table(
        out,
        "A-CZ-COPY",
        None,
        by="test",
        create=dataclasses.replace(registry.state().lists["A-CZ"], id="A-CZ-COPY"),
    )
    original, copy = registry.version("A-CZ", 1), registry.version("A-CZ-COPY", 1)
    assert [d.content() for d in copy.duties] == [d.content() for d in original.duties]


def test_a_table_of_filing_conditions_numbers_them_per_matter(
    registry: Registry, tmp_path: Path
) -> None:
    table = write(
        tmp_path / "t.csv",
        csv_bytes(
            [
                ["小类代码", "立案条件", "处置时限", "结案条件", "主责单位"],
                ["BJ0101", "井盖缺失的", "2紧急工作时", "补齐", "区城市管理行政执法局"],
                ["BJ0101", "井盖破损的", "2工作日", "修复", "区房屋管理局"],
                ["BJ0101", "井盖缺失的", "2紧急工作时", "补齐", "区绿化和市容管理局"],
                ["SJ0201", "堆物的", "1工作日", "", "属地街道"],
            ]
        ),
    )
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\ndefaults: {area: 示范区}\ncolumns: {matter: 小类代码, "
        "filing: 立案条件, closing: 结案条件, time_limit: 处置时限, lead: {name: 主责单位, "
        "rewrite: {'^属地街道$': '@territorial'}}}\n",
    )
    info = dataclasses.replace(registry.state().lists["A-CZ"], id="A-T")
    registry.import_table(table, "A-T", mapping, by="test", create=info)
    got = [(d.matter, d.unit, d.standard) for d in registry.version("A-T", 1).duties]
    assert got == [
        ("BJ0101", "CGJ", CaseStandard(code="1", filing="井盖缺失的", closing="补齐")),
        ("BJ0101", "FGJ", CaseStandard(code="2", filing="井盖破损的", closing="修复")),
        ("BJ0101", "LRJ", CaseStandard(code="1", filing="井盖缺失的", closing="补齐")),
        ("SJ0201", "@territorial", CaseStandard(code="1", filing="堆物的")),
    ]


_LIMITS = st.builds(
    lambda value, unit: parse_time_limit(f"{value}{unit}"),
    st.integers(1, 30),
    st.sampled_from(["小时", "紧急工作时", "工作时", "工作日", "紧急工作日"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=_LIMITS, second=_LIMITS, hour=st.integers(0, 23))
def test_not_given_is_never_later_than_any_standard(
    registry: Registry, first: TimeLimit, second: TimeLimit, hour: int
) -> None:
    """Whatever the standards' limits and the hour reported, the decision for an event naming
    no standard ends no later than the decision under either standard, and is one of them."""
    snapshot = registry.snapshot(dt.date(2026, 3, 2))
    limits = {"1": first, "2": second}
    duties = tuple(
        dataclasses.replace(
            e, duty=dataclasses.replace(e.duty, time_limit=limits[e.duty.standard.code])
        )
        if e.duty.standard is not None
        else e
        for e in snapshot.duties
    )
    router = Router(snapshot=dataclasses.replace(snapshot, duties=duties), engine="reference")
    at = f"2026-03-06T{hour:02d}:30:00"  # a Friday: working days cross the weekend
    named = [router.route(make_event("BJ0101", S1, at, standard=c)) for c in ("1", "2")]
    chosen = router.route(make_event("BJ0101", S1, at))
    assert chosen.deadline is not None and all(d.deadline is not None for d in named)
    assert chosen.deadline == min(d.deadline for d in named if d.deadline is not None)
    assert chosen.standard is not None and not chosen.standard.given
    same = next(d for d in named if d.standard and d.standard.code == chosen.standard.code)
    assert (same.lead, same.deadline) == (chosen.lead, chosen.deadline)
