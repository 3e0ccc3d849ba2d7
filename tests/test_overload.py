"""Overload: a fallback or a referral onto a unit over its load index is flagged in the decision
(``overloaded``), with the graph check's figure on the same lists (docs/routing.md, "Overload").

On the sample district, 瑞金二路街道办事处 has load index 1.262 (threshold 1.0): HP-2026-0014
(飞线充电 in 瑞金二路, nobody leads) falls back onto it and is flagged; the other streets are
under the threshold."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from remit import InputError, Registry, Router
from remit.checks import CheckConfig, GraphCheck, LoadIndex, run_check
from remit.registry.snapshot import Snapshot
from remit.routing.batch import route_batch
from remit.routing.decision import RoutingDecision, Status
from remit.routing.replay import replay
from tests.factories import ROOT, SAMPLE, Cli, exits, ok, schema_errors, sqlite_registry

pytestmark = pytest.mark.usefixtures("wide_terminal")

EVENTS = ROOT / "data" / "events" / "huangpu-2026.jsonl"
RULES = ROOT / "data" / "rules"
RJEL, NJDL, YY, JGW = "HP-RJEL", "HP-NJDL", "HP-YY", "HP-JGW"


def sample_event(event_id: str) -> dict[str, Any]:
    for line in EVENTS.read_text(encoding="utf-8").splitlines():
        event: dict[str, Any] = json.loads(line)
        if event["id"] == event_id:
            return event
    raise KeyError(event_id)


FALLBACK_RJEL = sample_event("HP-2026-0014")  # 飞线充电 in 瑞金二路: fallback, load 1.262
FALLBACK_YY = sample_event("HP-2026-0013")  # 绿地脏乱 in a park of 豫园: fallback, load 0.904
FALLBACK_NJDL = sample_event("HP-2025-0011")  # 飞线充电 in 南京东路 before v2: load 0.506
REFERRED_JGW = sample_event("HP-2027-0035")  # 无主井盖 referred to 区建管委: load 0.1
ROUTED = sample_event("HP-2026-0001")


class CountingLoads:
    """The graph check's loads, counting the snapshots it is asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def load(self, snapshot: Snapshot, config: CheckConfig) -> list[LoadIndex]:
        self.asked.append(snapshot.hash)
        return GraphCheck().load(snapshot, config)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """The sample district, read only."""
    with sqlite_registry(tmp_path_factory.mktemp("overload") / "r.db", SAMPLE, by=None) as r:
        yield r


def route(registry: Registry, event: dict[str, Any], **options: Any) -> RoutingDecision:
    with Router(registry, rules_dir=RULES, **options) as router:
        return router.route(event)


# --- the Python API ----------------------------------------------------------------------------


def test_a_fallback_onto_an_overloaded_unit_is_flagged_with_the_checks_figure(
    registry: Registry,
) -> None:
    decision = route(registry, FALLBACK_RJEL, loads=GraphCheck())
    assert decision.status is Status.fallback and decision.lead is not None
    assert decision.lead.code == RJEL
    flag = decision.overloaded
    assert flag is not None
    assert (flag.unit, flag.load_index, flag.threshold) == (decision.lead, 1.262, 1.0)
    # the check's own figure, on the snapshot the event was decided on
    report = run_check(registry.snapshot(decision.snapshot_date))
    row = next(r for r in report.load if r.unit == RJEL)
    assert row.overloaded and row.load_index == flag.load_index
    assert report.snapshot_hash == decision.snapshot_hash
    assert json.loads(decision.model_dump_json())["overloaded"] == {
        "unit": {"code": RJEL, "name": "瑞金二路街道办事处"},
        "load_index": 1.262,
        "threshold": 1.0,
    }


@pytest.mark.parametrize("event", [FALLBACK_YY, FALLBACK_NJDL], ids=["豫园", "南京东路"])
def test_a_fallback_onto_a_unit_under_the_threshold_is_not(
    registry: Registry, event: dict[str, Any]
) -> None:
    decision = route(registry, event, loads=GraphCheck())
    assert decision.status is Status.fallback and decision.overloaded is None
    assert '"overloaded"' not in decision.model_dump_json()  # absent, not null


def test_a_referral_onto_an_overloaded_unit_is_flagged(registry: Registry) -> None:
    """区建管委 has load index 0.1 in July 2027: under a threshold of 0.05 a referral onto it is
    flagged, under the default it is not."""
    low = CheckConfig(overload_threshold=0.05)
    decision = route(registry, REFERRED_JGW, loads=GraphCheck(), check_config=low)
    assert decision.status is Status.referred and decision.overloaded is not None
    assert (decision.overloaded.unit.code, decision.overloaded.load_index) == (JGW, 0.1)
    assert decision.overloaded.threshold == 0.05
    assert route(registry, REFERRED_JGW, loads=GraphCheck()).overloaded is None


def test_a_higher_threshold_removes_the_flag(registry: Registry) -> None:
    higher = CheckConfig(overload_threshold=1.3)
    decision = route(registry, FALLBACK_RJEL, loads=GraphCheck(), check_config=higher)
    assert decision.status is Status.fallback and decision.overloaded is None
    # and fewer staff hours a year raise the index over it again: the check's settings, whole
    fewer = CheckConfig(overload_threshold=1.3, hours_per_staff_year=1500)
    flagged = route(registry, FALLBACK_RJEL, loads=GraphCheck(), check_config=fewer)
    assert flagged.overloaded is not None and flagged.overloaded.load_index > 1.3


def test_without_a_load_source_nothing_is_flagged(registry: Registry) -> None:
    decision = route(registry, FALLBACK_RJEL)
    assert decision.status is Status.fallback and decision.lead is not None
    assert decision.overloaded is None
    flagged = route(registry, FALLBACK_RJEL, loads=GraphCheck())
    # the flag is all that differs
    assert flagged.model_copy(update={"overloaded": None}) == decision
    with pytest.raises(ValueError, match="give loads too"):
        Router(registry, check_config=CheckConfig())


def test_routed_decisions_never_carry_it_and_never_ask_for_loads(registry: Registry) -> None:
    """Every sample event under a threshold that makes every street overloaded: only fallbacks
    and referrals are flagged; the loads are asked for once per snapshot, and not at all while
    only routed events come."""
    loads = CountingLoads()
    everyone = CheckConfig(overload_threshold=0.01)
    with Router(registry, rules_dir=RULES, loads=loads, check_config=everyone) as router:
        for _ in range(3):
            assert router.route(ROUTED).status is Status.routed
        assert loads.asked == []
        decisions = []
        for line in EVENTS.read_text(encoding="utf-8").splitlines():
            try:
                decisions.append(router.route(json.loads(line)))
            except InputError:
                continue  # the bad events
    # a split's parts (HP-2026-0039: its 瑞金二路 part falls back) each say it
    items = [(d, x) for d in decisions for x in (d, *d.parts)]
    flagged = [x for _, x in items if x.overloaded is not None]
    pushed = [x for _, x in items if x.status in _PUSHED]
    assert flagged == pushed and len(pushed) == 6  # 4 fallbacks, 1 referral, 1 part
    assert all(x.overloaded.unit == x.lead for x in flagged if x.overloaded is not None)
    assert len(loads.asked) == len(set(loads.asked))  # once per snapshot
    assert set(loads.asked) == {d.snapshot_hash for d, x in items if x.status in _PUSHED}


_PUSHED = (Status.fallback, Status.referred)


def test_the_reference_engine_flags_the_same(registry: Registry) -> None:
    by_rules = route(registry, FALLBACK_RJEL, loads=GraphCheck())
    with Router(registry, engine="reference", loads=GraphCheck()) as router:
        by_reference = router.route(FALLBACK_RJEL)
    assert by_reference.overloaded == by_rules.overloaded is not None


def test_a_needs_info_decision_is_not_flagged(registry: Registry) -> None:
    """needs_info assigns nobody: nothing lands on a unit, whatever its load."""
    everyone = CheckConfig(overload_threshold=0.01)
    decision = route(
        registry, sample_event("HP-2026-0038"), loads=GraphCheck(), check_config=everyone
    )
    assert decision.status is Status.needs_info and decision.overloaded is None


def test_the_check_gives_the_router_the_load_table_of_run_check(registry: Registry) -> None:
    """GraphCheck.load skips the findings, not the figures."""
    for day in (dt.date(2025, 5, 20), dt.date(2026, 7, 1), dt.date(2027, 7, 5)):
        snapshot = registry.snapshot(day)
        for config in (CheckConfig(), CheckConfig(overload_threshold=0.5)):
            assert GraphCheck().load(snapshot, config) == run_check(snapshot, config).load


def test_replay_decides_the_flag_again(registry: Registry, tmp_path: Path) -> None:
    """Decisions made with the check's loads replay identically with them; with a threshold
    that removes the flag (or no load source), HP-2026-0014 differs in ``overloaded`` alone."""
    path = tmp_path / "decisions.jsonl"
    out = io.StringIO()
    route_batch(registry.url, EVENTS, out, rules_dir=RULES, loads=GraphCheck())
    path.write_text(out.getvalue(), encoding="utf-8")
    same = replay(registry, path, rules_dir=RULES, loads=GraphCheck())
    assert same.clean and same.identical == same.decisions == 38
    for options in ({"check_config": CheckConfig(overload_threshold=1.3)}, {}):
        loads = {"loads": GraphCheck()} if options else {}
        recorded = replay(registry, path, rules_dir=RULES, **loads, **options)
        assert [(c.event_id, c.fields) for c in recorded.changes] == [
            ("HP-2026-0014", ["overloaded"]),
            ("HP-2026-0039", ["parts"]),  # its 瑞金二路 part
        ]
        compared = replay(registry, path, known_at=None, rules_dir=RULES, **loads, **options)
        assert [(c.event_id, c.fields) for c in compared.changes] == [
            ("HP-2026-0014", ["overloaded"]),
            ("HP-2026-0039", ["parts"]),
        ]
        assert compared.units == []  # nobody gains or loses a case by it


def test_replay_asks_for_a_snapshots_loads_once_whatever_the_revision(
    sample_registry: Registry, tmp_path: Path
) -> None:
    """Decisions of two registry revisions whose snapshots are the same (a draft written in
    between changes nothing in force): replay keeps a router per revision, and they share the
    loads of each snapshot."""
    out = io.StringIO()
    route_batch(sample_registry.url, EVENTS, out, rules_dir=RULES, loads=GraphCheck())
    table = ROOT / "data" / "tables"
    sample_registry.import_table(
        table / "hp-qz-scj-2027.csv", "HP-QZ-SCJ", table / "scj-mapping.yaml", by="test"
    )
    route_batch(sample_registry.url, EVENTS, out, rules_dir=RULES, loads=GraphCheck())
    path = tmp_path / "decisions.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    revisions = {json.loads(x)["registry_revision"] for x in out.getvalue().splitlines()}
    assert len(revisions) == 2
    loads = CountingLoads()
    report = replay(sample_registry, path, rules_dir=RULES, loads=loads)
    assert report.clean and report.identical == 76
    pushed = {
        d["snapshot_hash"]
        for d in map(json.loads, out.getvalue().splitlines())
        if d["status"] in ("fallback", "referred", "needs_info")
    }
    assert sorted(loads.asked) == sorted(set(loads.asked))  # once per snapshot
    assert set(loads.asked) <= pushed and len(loads.asked) >= 2


# --- the command line --------------------------------------------------------------------------

RJEL_ARGS = ("route", "--matter", "RX0603", "--area", "瑞金二路街道")
RJEL_AT = ("--reported-at", "2026-07-01T22:10:00")


@pytest.fixture
def url(registry: Registry) -> str:
    return registry.url


def test_route_says_so_in_both_languages(cli: Cli, url: str) -> None:
    en = ok(cli(*RJEL_ARGS, *RJEL_AT, db=url))
    assert (
        "Overloaded (小马拉大车): 瑞金二路街道办事处 is over its load index, 1.26 against the "
        "threshold 1.00" in en
    )
    zh = ok(cli(*RJEL_ARGS, *RJEL_AT, db=url, lang="zh"))
    assert "超负荷（小马拉大车）：瑞金二路街道办事处 负荷指数 1.26，超过阈值 1.00" in zh
    assert "权随责走、费随事转" in zh
    lines = zh.splitlines()
    assert lines[1].startswith("主办：瑞金二路街道办事处（属地管理兜底）")
    assert lines[2].startswith("超负荷")  # right under who takes it
    data = json.loads(ok(cli(*RJEL_ARGS, *RJEL_AT, "--format", "json", db=url)))
    assert data["overloaded"]["load_index"] == 1.262


def test_route_under_the_threshold_and_routed_say_nothing(cli: Cli, url: str) -> None:
    yy = ("route", "--matter", "SJ0106", "--area", "310101018001", "--attr")
    for args in (
        (*yy, "location_type=park", "--reported-at", "2026-04-07T10:00:00"),
        ("route", "--matter", "上水井盖", "--area", "南京东路街道", *RJEL_AT),
    ):
        for lang in ("en", "zh"):
            out = ok(cli(*args, db=url, lang=lang))
            assert "小马拉大车" not in out, out
        assert "overloaded" not in ok(cli(*args, "--format", "json", db=url))


def test_check_config_moves_the_threshold(cli: Cli, url: str, tmp_path: Path) -> None:
    higher = tmp_path / "check.yaml"
    higher.write_text("file: check-config\noverload_threshold: 1.3\n", encoding="utf-8")
    out = ok(cli(*RJEL_ARGS, *RJEL_AT, "--check-config", higher, db=url))
    assert "Lead: 瑞金二路街道办事处" in out and "Overloaded" not in out
    lower = tmp_path / "low.yaml"
    lower.write_text("file: check-config\noverload_threshold: 0.5\n", encoding="utf-8")
    yy = ("route", "--matter", "SJ0106", "--area", "310101018001", "--attr", "location_type=park")
    out = ok(cli(*yy, "--reported-at", "2026-04-07T10:00:00", "--check-config", lower, db=url))
    assert "豫园街道办事处 is over its load index, 0.90 against the threshold 0.50" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("file: check-config\noverload_threshold: -1\n", encoding="utf-8")
    for command in (
        (*RJEL_ARGS, *RJEL_AT),
        ("route-batch", EVENTS, "-o", tmp_path / "d.jsonl"),
    ):
        result = exits(cli(*command, "--check-config", bad, db=url), 2)
        assert "overload_threshold" in result.stderr
    assert not (tmp_path / "d.jsonl").exists()


def test_route_batch_and_replay_on_the_command_line(cli: Cli, url: str, tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.jsonl"
    ok(cli("route-batch", EVENTS, "--rules", RULES, "-o", decisions, db=url))
    lines = [json.loads(x) for x in decisions.read_text(encoding="utf-8").splitlines()]
    flagged = {
        (d["event_id"], x.get("area_name")): x["overloaded"]
        for d in lines
        for x in (d, *d.get("parts", []))
        if "overloaded" in x
    }
    rjel = {
        "unit": {"code": RJEL, "name": "瑞金二路街道办事处"},
        "load_index": 1.262,
        "threshold": 1.0,
    }
    assert flagged == {("HP-2026-0014", None): rjel, ("HP-2026-0039", "瑞金二路街道"): rjel}
    ok(cli("replay", decisions, "--rules", RULES, db=url))  # all identical: exit 0
    higher = tmp_path / "check.yaml"
    higher.write_text("file: check-config\noverload_threshold: 1.3\n", encoding="utf-8")
    result = exits(
        cli(
            "replay",
            decisions,
            "--rules",
            RULES,
            "--check-config",
            higher,
            "--format",
            "json",
            db=url,
        ),
        1,
    )
    report = json.loads(result.stdout)
    assert [(c["event_id"], c["fields"]) for c in report["changes"]] == [
        ("HP-2026-0014", ["overloaded"]),
        ("HP-2026-0039", ["parts"]),
    ]
    text = exits(cli("replay", decisions, "--rules", RULES, "--check-config", higher, db=url), 1)
    assert "│ overload flag" in text.stdout
    assert "2 of 38 decisions are decided differently" in text.stdout


def test_a_split_says_it_in_the_part_that_falls_back(cli: Cli, url: str) -> None:
    """飞线充电 across 瑞金二路 and 淮海中路 (as HP-2026-0039): 淮海中路's list leads it there,
    瑞金二路 falls back onto its overloaded office — that part says so, the split itself not."""
    args = (*RJEL_ARGS, "--area", "淮海中路街道", "--reported-at", "2026-07-03T10:00:00")
    data = json.loads(ok(cli(*args, "--format", "json", db=url)))
    assert data["status"] == "split" and "overloaded" not in data
    parts = {p["area_name"]: p.get("overloaded") for p in data["parts"]}
    assert parts["淮海中路街道"] is None
    assert parts["瑞金二路街道"] == {
        "unit": {"code": RJEL, "name": "瑞金二路街道办事处"},
        "load_index": 1.262,
        "threshold": 1.0,
    }
    text = ok(cli(*args, db=url)).splitlines()
    at = next(i for i, line in enumerate(text) if line.startswith("  瑞金二路街道:"))
    assert text[at + 1].startswith(
        "    Overloaded (小马拉大车): 瑞金二路街道办事处 is over its load"
    )
    zh = ok(cli(*args, db=url, lang="zh"))
    assert "    超负荷（小马拉大车）：瑞金二路街道办事处 负荷指数 1.26" in zh


def test_the_schema_has_it(cli: Cli, url: str) -> None:
    schema = json.loads(ok(cli("schema", "--kind", "decision", lang=None)))
    assert "overloaded" in schema["properties"]
    assert "overloaded" not in schema.get("required", [])
    assert set(schema["$defs"]["Overloaded"]["required"]) == {"unit", "load_index", "threshold"}
    data = json.loads(ok(cli(*RJEL_ARGS, *RJEL_AT, "--format", "json", db=url)))
    assert "overloaded" in data
    assert schema_errors(data, schema, schema) == []


# --- on generated registries: the flag alone, and where it is due -------------------------------


class HashedLoads:
    """A load source for generated registries (their units have no capacity): every unit gets
    an index from its code, about a third of them over 1.0; counts the snapshots asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    @staticmethod
    def index(code: str) -> float:
        return int(hashlib.sha256(code.encode()).hexdigest()[:4], 16) / 0xFFFF * 1.5

    def load(self, snapshot: Snapshot, config: CheckConfig) -> list[LoadIndex]:
        self.asked.append(snapshot.hash)
        return [
            LoadIndex(
                unit=code,
                level=unit.level.value,
                kind=unit.kind.value,
                staff=1,
                capacity_hours=config.hours_per_staff_year,
                workload_hours=0.0,
                events_per_year=0.0,
                load_index=round(self.index(code), 3),
                overloaded=self.index(code) > config.overload_threshold,
            )
            for code, unit in snapshot.units.items()
        ]


OVERLOAD_EXAMPLES = 60


def unflagged(decision: RoutingDecision) -> RoutingDecision:
    """``decision`` without the overload flag, its parts' (status split) neither."""
    parts = [p.model_copy(update={"overloaded": None}) for p in decision.parts]
    return decision.model_copy(update={"overloaded": None, "parts": parts})


def test_on_generated_registries_the_flag_is_all_that_differs() -> None:
    """On the differential test's generated registries and events (tests/test_differential.py),
    routed by the rules (cached and not) and by the reference, each with a load source: the
    three agree, ``overloaded`` is given exactly for a fallback or a referral onto a unit the
    source says is overloaded, and without it each decision is the one a router with no load
    source makes. The loads of a snapshot are asked for once, and never on a case with no
    fallback or referral."""
    from tests.test_differential import (
        CALENDAR,
        DETERMINISTIC,
        snapshot_cases,
        snapshot_of,
    )

    seen: Counter[str] = Counter()

    @settings(max_examples=OVERLOAD_EXAMPLES, **DETERMINISTIC)
    @given(case=snapshot_cases())
    def run(case: tuple[Any, list[dict[str, Any]], bool, Any]) -> None:
        spec, events_, _variant, _batching = case
        snapshot = snapshot_of(spec)
        sources = [HashedLoads() for _ in range(3)]
        routers = [
            Router(snapshot=snapshot, engine=engine, cache=cache, calendar=CALENDAR, loads=s)
            for (engine, cache), s in zip(
                (("rules", False), ("rules", True), ("reference", False)), sources, strict=True
            )
        ]
        plain = Router(snapshot=snapshot, calendar=CALENDAR)
        pushed = maybe = 0
        for event in events_:
            try:
                without = plain.route(event)
            except InputError:
                continue
            made = [router.route(event) for router in routers]
            assert made[0] == made[1] == made[2], event
            decision = made[0]
            assert unflagged(decision) == without, event
            # a needs_info decision is made from the decision without the missing attributes,
            # which may be a fallback: its loads may be asked for, and kept, though unused
            maybe += decision.status is Status.needs_info or any(
                p.status is Status.needs_info for p in decision.parts
            )
            for item in (decision, *decision.parts):  # a split's parts each say it
                due = (
                    item.status in _PUSHED
                    and item.lead is not None
                    and HashedLoads.index(item.lead.code) > 1.0
                )
                pushed += item.status in _PUSHED
                if due:
                    assert item.overloaded is not None and item.overloaded.unit == item.lead
                    seen["flagged"] += 1
                else:
                    assert item.overloaded is None, event
                    seen[f"not flagged {item.status.value}"] += 1
        for source in sources:
            if pushed:
                assert source.asked == [snapshot.hash]
            elif not maybe:
                assert source.asked == []
            else:
                assert source.asked in ([], [snapshot.hash])
        for router in (*routers, plain):
            router.close()

    run()
    assert seen["flagged"] and seen["not flagged fallback"] and seen["not flagged routed"], seen
