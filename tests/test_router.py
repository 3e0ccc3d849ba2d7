"""Routing policies one by one through :class:`Router`, on the hand-made routing fixture
(tests/fixtures/routing/README.md has its map and the expected outcome of every matter).

Deadlines are hand-computed on the official calendar around National Day 2025: 2025-10-01 to
10-08 are holidays, Sunday 09-28 and Saturday 10-11 are make-up working days; working hours are
09:00-12:00 and 13:00-17:00.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from remit import Registry
from remit.errors import InputError
from remit.routing.batch import route_batch
from remit.routing.decision import RoutingDecision, Status
from remit.routing.engine import EngineError
from remit.routing.router import Router
from remit.routing.rules.compile import load_rules
from tests.factories import FIXTURES, Cli, sqlite_registry
from tests.factories import event as make_event

ROUTING = FIXTURES / "routing"
SH = ZoneInfo("Asia/Shanghai")
CITY, DISTRICT = "990000000000", "990100000000"
S1, S2 = "990100001000", "990100002000"
COMMUNITY, GRID = "990100001001", "99010000100101"
DEFAULT_RULES = 26


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def event(
    matter: str, area: str = S1, reported: str = "2025-09-30T10:00:00", **fields: Any
) -> dict[str, Any]:
    """An event on the routing fixture: in street S1, on 2025-09-30 at 10:00, unless told."""
    return make_event(matter, area, reported, **fields)


# Every case routed by the tests below; all of them also go through both engines, cached and
# not (test_engines_and_cache_agree).
CASES: dict[str, dict[str, Any]] = {
    "conflict": event("SJ0101", attributes={"location_type": "road"}),
    "unique-pavement": event("SJ0101", attributes={"地点类型": "人行道"}),
    "unique-park": event(
        "SJ0101", reported="2025-09-30T15:00:00", attributes={"location_type": "park"}
    ),
    "priority-s1": event("SJ0102", reported="2025-09-30T23:00:00"),
    "priority-s2": event("SJ0102", area=S2),
    "collect-s1": event("SJ0103", attributes={"severity": 2}),
    "collect-s2": event(
        "SJ0103", area=S2, reported="2025-09-30T14:00:00", attributes={"severity": 2}
    ),
    "refusal-s1": event("SJ0104"),
    "refusal-s2": event("SJ0104", area=S2),
    "owner-named": event("BJ0101", owner="示范燃气"),
    "owner-unnamed": event("BJ0101"),
    "owner-on-other-matter": event("SJ0102", owner="RQ"),
    "gap": event("SJ0105", attributes={"location_type": "park"}),
    "gap-grid": event("SJ0105", area=GRID),
    "gap-s2": event("SJ0105", area=S2),
    "unroutable": event("SJ0105", area=DISTRICT),
    **{f"severity-{n}": event("SJ0106", attributes={"severity": n}) for n in (1, 2, 3, 4)},
    "emergency-matter": event("SJ0107"),
    "v1": event("SJ0108", reported="2025-09-26T10:00:00"),
    "v2": event("SJ0108", reported="2025-10-09T10:00:00"),
    "v2-utc": event("SJ0108", reported="2025-09-30T23:30:00+00:00"),
    "repeat-below": event("SJ0102", repeat_count=2),
    "repeat-s1": event("SJ0102", repeat_count=3),
    "repeat-s2": event("SJ0102", area=S2, repeat_count=3),
    "district": event("SJ0102", area=DISTRICT),
    "district-repeat": event("SJ0102", area=DISTRICT, repeat_count=5),
    "inside-s1": event("SJ0102", area=COMMUNITY, areas=[GRID]),
    "across": event("SJ0102", area=GRID, areas=["西街街道"]),
    "across-repeat": event("SJ0102", area=GRID, areas=[S2], repeat_count=3),
}

NO_EMERGENCY_MATTERS = """\
file: rules
id: no-emergency-matters
config:
  emergency_matters: []
"""

EMERGENCY_CONFIG = """\
file: rules
id: emergency-config
config:
  emergency_matters: [SJ0107]
"""

FIRST_LEAD_WINS = """\
file: rules
id: local-practice
rules:
  - id: two-leads-conflict
    title: {en: "Unique: the first lead leads, the others assist (local practice)", zh: 唯一策略：首位主办，其余协办}
    pri: 60
    when:
      - {as: a, fact: candidate, where: {role: lead, policy: unique}}
      - {as: b, fact: candidate, where: {role: lead, rank: {gt: $a.rank}}}
    then:
      - assert: {fact: candidate, unit: $b.unit, role: assist, priority: $b.priority, rank: $b.rank, policy: $b.policy, duty: $b.duty, owner_row: false}
      - retract: b
"""

UNITS, DUTIES = (", ".join(f"{p}{i}" for i in range(15)) for p in "UD")
TOO_MANY = f"""\
file: rules
id: too-many
rules:
  - id: watch-units  # 15 × 15 combinations of its `in` values: 225 engine rules
    when:
      - {{as: c, fact: candidate, where: {{unit: {{in: [{UNITS}]}}, duty: {{in: [{DUTIES}]}}}}}}
    then:
      - assert: {{fact: watched, unit: $c.unit}}
"""

UNSTAGED = """\
file: rules
id: unstaged
rules:
  - id: nobody-assists
    when:
      - {as: e, fact: event, where: {level_rank: {gte: 2}}}
      - none: {fact: candidate, where: {role: assist}}
    then:
      - assert: {fact: note, text: no assistant}
"""

UNKNOWN_CONFIG = """\
file: rules
id: typo
rules:
  - id: severe
    when:
      - {as: e, fact: event, where: {severity: {gte: $config.emergency_severty}}}
    then:
      - assert: {fact: note, text: severe}
"""

BROKEN_ACTION = """\
file: rules
id: broken
rules:
  - id: note-severity-three
    pri: 5
    when:
      - {as: e, fact: event, where: {severity: 3}}
    then:
      - assert: {fact: note, severity: $e.severty}
"""


def rules_dir(root: Path, name: str, text: str) -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "rules.yaml").write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return sqlite_registry(tmp_path_factory.mktemp("routing") / "registry.db", ROUTING)


@pytest.fixture(scope="module")
def emergency_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rules_dir(tmp_path_factory.mktemp("rules"), "emergency", EMERGENCY_CONFIG)


@pytest.fixture(scope="module")
def router(registry: Registry) -> Router:
    return Router(registry)


def route(router: Router, name: str) -> RoutingDecision:
    return router.route(CASES[name])


def codes(units: list[Any]) -> list[str]:
    return [u.code for u in units]


def duty_rows(decision: RoutingDecision) -> list[tuple[str, int, int, str, str]]:
    return [(d.list_id, d.version, d.row, d.unit, d.role) for d in decision.duties]


def lost(decision: RoutingDecision) -> list[tuple[str, str, tuple[str, int, int] | None]]:
    return [
        (c.unit.code, c.reason, (c.by.list_id, c.by.version, c.by.row) if c.by else None)
        for c in decision.lost
    ]


def dispatch(decision: RoutingDecision) -> tuple[str, str, bool] | None:
    d = decision.dispatch
    return (d.platform.code, d.level, d.escalated) if d else None


# --- hit policies ---------------------------------------------------------------------------


def test_unique_two_leads_are_a_conflict(router: Router) -> None:
    d = route(router, "conflict")
    assert d.status == "conflict" and d.lead is None and not d.gap
    assert codes(d.contenders) == ["CGJ", "SCJ"]  # rank order: same priority and scope, list id
    assert codes(d.assists) == ["QJW"]
    assert duty_rows(d) == [
        ("QZ-CGJ", 1, 1, "CGJ", "lead"),
        ("QZ-SCJ", 1, 1, "SCJ", "lead"),
        ("QZ-QJW", 1, 1, "QJW", "assist"),
    ]
    assert d.duties[1].legal_basis == ["《无证无照经营查处办法》第二条"]
    assert d.lost == []
    assert d.rules_fired == ["two-leads-conflict", "dispatch-street"]
    # no lead row decides: the matter's default 1工作日, the first working day after the holiday
    assert (d.time_limit, d.deadline) == ("1工作日", at(2025, 10, 9, 17, 0))


@pytest.mark.parametrize(
    ("case", "lead", "row", "limit", "deadline"),
    [
        # 2工作日 from Tuesday 09-30: 10-09 and 10-10
        ("unique-pavement", "SCJ", ("QZ-SCJ", 1, 1), "2工作日", at(2025, 10, 10, 17, 0)),
        # 4工作时 from 15:00: two hours on 09-30, two more after the holiday
        ("unique-park", "CGJ", ("QZ-CGJ", 1, 1), "4工作时", at(2025, 10, 9, 11, 0)),
    ],
)
def test_unique_one_lead_is_routed(
    router: Router, case: str, lead: str, row: tuple[str, int, int], limit: str, deadline: Any
) -> None:
    d = route(router, case)
    assert d.status == "routed" and d.lead is not None and d.lead.code == lead
    assert d.contenders == [] and codes(d.assists) == ["QJW"]
    assert (d.duties[0].list_id, d.duties[0].version, d.duties[0].row) == row
    assert d.duties[0].time_limit == limit
    assert (d.time_limit, d.deadline, d.deadline_approximate) == (limit, deadline, False)
    assert d.rules_fired == ["dispatch-street"]


@pytest.mark.parametrize(
    ("case", "lead", "row", "deadline"),
    [
        # 2小时 is clock time: it runs on into the holiday
        ("priority-s1", "DJ", 1, at(2025, 10, 1, 1, 0)),
        ("priority-s2", "XJ", 2, at(2025, 9, 30, 12, 0)),
    ],
)
def test_priority_street_masks_the_department(
    router: Router, case: str, lead: str, row: int, deadline: dt.datetime
) -> None:
    d = route(router, case)
    assert d.status == "routed" and d.lead is not None and d.lead.code == lead
    assert duty_rows(d) == [("JZ-JB", 1, row, lead, "lead")]
    assert lost(d) == [("CGJ", "masked", ("JZ-JB", 1, row))]
    assert d.lost[0].duty.list_id == "QZ-CGJ" and d.lost[0].unit.name == "区城市管理行政执法局"
    assert d.rules_fired[0] == "priority-masks-lower"
    assert (d.time_limit, d.deadline) == ("2小时", deadline)


def test_collect_first_leads_and_the_others_assist(router: Router) -> None:
    d = route(router, "collect-s1")
    # the street row is narrower than the district-wide one, so it ranks first
    assert d.status == "routed" and d.lead is not None and d.lead.code == "DJ"
    assert codes(d.assists) == ["QJW"] and d.contenders == [] and d.lost == []
    assert duty_rows(d) == [("JZ-JB", 1, 3, "DJ", "lead"), ("QZ-QJW", 1, 2, "QJW", "lead")]
    assert d.rules_fired == ["collect-first-leads", "dispatch-street"]
    assert d.time_limit == "2小时"


def test_collect_with_one_lead_in_the_other_street(router: Router) -> None:
    d = route(router, "collect-s2")
    assert d.lead is not None and d.lead.code == "QJW" and d.assists == []
    # 6工作时 from 14:00: three hours on 09-30, three on 10-09 morning
    assert (d.time_limit, d.deadline) == ("6工作时", at(2025, 10, 9, 12, 0))


def test_not_responsible_row_removes_the_street(router: Router) -> None:
    d = route(router, "refusal-s1")
    assert d.status == "routed" and d.lead is not None and d.lead.code == "CGJ"
    assert lost(d) == [("DJ", "not_responsible", ("JZ-SH", 1, 1))]
    assert d.lost[0].duty.list_id == "JZ-JB"
    assert d.lost[0].by is not None
    assert d.lost[0].by.legal_basis == ["《关于街道上级部门收回事项的通知》"]
    assert duty_rows(d) == [
        ("QZ-CGJ", 1, 3, "CGJ", "lead"),
        ("JZ-SH", 1, 1, "DJ", "not_responsible"),
    ]
    assert d.rules_fired == ["refusal-removes-candidate", "dispatch-street"]
    # the refusal is scoped to 东街街道: nothing is refused in 西街街道
    other = route(router, "refusal-s2")
    assert other.lead is not None and other.lead.code == "CGJ" and other.lost == []


# --- owners (权属单位) ------------------------------------------------------------------------


def test_owner_named_on_the_event_leads(router: Router) -> None:
    d = route(router, "owner-named")
    assert d.status == "routed" and d.lead is not None
    assert (d.lead.code, d.lead.name) == ("RQ", "示范燃气有限公司")
    assert codes(d.supervisors) == ["QJW"]
    assert duty_rows(d) == [("QSDW", 1, 1, "@owner", "lead"), ("QZ-QJW", 1, 6, "QJW", "supervise")]
    assert d.rules_fired == ["owner-repairs", "dispatch-street"]
    assert (d.time_limit, d.deadline) == ("24小时", at(2025, 10, 1, 10, 0))


def test_owner_not_named_falls_back_to_the_street(router: Router) -> None:
    d = route(router, "owner-unnamed")
    assert (
        d.status == "fallback" and d.lead is not None and d.lead.code == "DJ" and not d.gap
    )  # the lists name a lead: the owner
    assert lost(d) == [("@owner", "no_owner", None)]
    assert d.lost[0].unit.name == "权属单位"
    assert codes(d.supervisors) == ["QJW"]
    assert d.rules_fired == ["owner-unknown", "territorial-fallback", "dispatch-street"]
    assert (d.time_limit, d.deadline) == ("2工作日", at(2025, 10, 10, 17, 0))


def test_owner_on_a_matter_without_owner_rows_changes_nothing(router: Router) -> None:
    named = route(router, "owner-on-other-matter")
    plain = router.route({k: v for k, v in CASES["owner-on-other-matter"].items() if k != "owner"})
    # the same decision (each keeps its own event, as given)
    assert named.model_copy(update={"event": plain.event}) == plain
    assert named.lead is not None and named.lead.code == "DJ"


# --- gaps: territorial fallback ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "lead", "platform"),
    [
        ("gap", "DJ", ("DJ-CYZX", "street", False)),
        ("gap-grid", "DJ", ("DJ-CYZX", "street", False)),
        ("gap-s2", "XJ", ("QCYZX", "district", False)),
    ],
)
def test_no_lead_falls_back_to_the_territorial_street(
    router: Router, case: str, lead: str, platform: tuple[str, str, bool]
) -> None:
    d = route(router, case)
    assert d.status == "fallback" and d.gap
    assert d.lead is not None and d.lead.code == lead and d.contenders == []
    assert codes(d.assists) == ["QJW"] and duty_rows(d) == [("QZ-QJW", 1, 3, "QJW", "assist")]
    assert dispatch(d) == platform
    assert "territorial-fallback" in d.rules_fired
    # the matter's default 3天 is calendar time: the holiday does not stop it
    assert (d.time_limit, d.deadline) == ("3天", at(2025, 10, 3, 10, 0))


def test_no_lead_and_no_street_is_coordinated_by_the_district_centre(router: Router) -> None:
    d = route(router, "unroutable")
    assert d.status == "coordinated" and d.lead is None and d.gap
    assert d.coordinator is not None and d.coordinator.code == "QCYZX"
    assert d.deadline is not None  # the matter's default runs: the centre must find a unit
    assert dispatch(d) == ("QCYZX", "district", False)
    assert d.rules_fired == ["centre-coordinates", "dispatch-district-above-street"]


# --- emergencies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "row", "limit", "deadline"),
    [
        (1, 4, "1工作日", at(2025, 10, 9, 17, 0)),
        (2, 4, "1工作日", at(2025, 10, 9, 17, 0)),
        (3, 5, "2小时", at(2025, 9, 30, 12, 0)),
        (4, 5, "2小时", at(2025, 9, 30, 12, 0)),
    ],
)
def test_emergency_by_severity(
    registry: Registry,
    tmp_path: Path,
    severity: int,
    row: int,
    limit: str,
    deadline: dt.datetime,
) -> None:
    # 路面塌陷 is an emergency matter of the default rules: a district that lists none shows
    # the severity threshold alone
    plain = rules_dir(tmp_path, "plain", NO_EMERGENCY_MATTERS)
    d = route(Router(registry, rules_dir=plain), f"severity-{severity}")
    assert d.status == "routed" and d.lead is not None and d.lead.code == "QJW"
    assert duty_rows(d) == [("QZ-QJW", 1, row, "QJW", "lead")]
    assert (d.time_limit, d.deadline) == (limit, deadline)
    # the district centre commands at severity 4; the street centre still dispatches
    assert dispatch(d) == ("DJ-CYZX", "street", False)
    if severity >= 4:
        assert d.commander is not None and d.commander.code == "QCYZX"
        assert d.rules_fired == ["emergency-by-severity", "dispatch-street"]
    else:
        assert d.commander is None and d.rules_fired == ["dispatch-street"]


def test_emergency_matters_by_default_and_from_a_rules_config(
    registry: Registry, router: Router, emergency_rules: Path, tmp_path: Path
) -> None:
    # 燃气泄漏 is an emergency matter of the default rules, by name: the centre commands
    default = route(router, "emergency-matter")
    assert default.commander is not None and default.commander.code == "QCYZX"
    assert default.rules_fired == ["emergency-by-matter", "dispatch-street"]
    # a district that lists none turns that off; one that lists the code turns it on again
    none = Router(registry, rules_dir=rules_dir(tmp_path, "none", NO_EMERGENCY_MATTERS))
    plain = route(none, "emergency-matter")
    assert plain.commander is None and plain.lead is not None and plain.lead.code == "RQ"
    configured = Router(registry, rules_dir=emergency_rules)
    d = route(configured, "emergency-matter")
    assert d.commander is not None and d.commander.code == "QCYZX"
    assert d.rules_fired == ["emergency-by-matter", "dispatch-street"]
    assert d.lead == plain.lead and (d.time_limit, d.deadline) == ("1小时", at(2025, 9, 30, 11, 0))
    assert d.rules_digest == load_rules(emergency_rules).digest != plain.rules_digest
    assert d.decision_id != plain.decision_id


def test_an_event_flagged_as_an_emergency_is_commanded(registry: Registry, tmp_path: Path) -> None:
    none = Router(registry, rules_dir=rules_dir(tmp_path, "none", NO_EMERGENCY_MATTERS))
    event = {**CASES["emergency-matter"], "emergency": True}
    d = none.route(event)
    assert d.commander is not None and d.commander.code == "QCYZX"
    assert "emergency-by-flag" in d.rules_fired
    assert d.event.emergency is True  # kept: replay decides it again the same way


# --- dispatch and escalation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "lead", "platform", "rule"),
    [
        ("priority-s2", "XJ", ("QCYZX", "district", False), "dispatch-district-no-street-centre"),
        ("repeat-below", "DJ", ("DJ-CYZX", "street", False), "dispatch-street"),
        ("repeat-s1", "DJ", ("QCYZX", "district", True), "repeat-escalates-to-district"),
        # a street without its own centre: the district centre dispatches it, and escalation
        # goes one level up from the street, to that same centre (never straight to the city)
        ("repeat-s2", "XJ", ("QCYZX", "district", True), "repeat-escalates-to-district"),
        ("district", "CGJ", ("QCYZX", "district", False), "dispatch-district-above-street"),
        ("district-repeat", "CGJ", ("SCYZX", "city", True), "repeat-escalates-to-city"),
        ("inside-s1", "DJ", ("DJ-CYZX", "street", False), "dispatch-street"),
        # across two streets, each street office leads its own part: split
        ("across", "DJ+XJ", ("QCYZX", "district", False), "dispatch-district-across-streets"),
        ("across-repeat", "DJ+XJ", ("SCYZX", "city", True), "repeat-escalates-to-city"),
    ],
)
def test_dispatch_platform_and_escalation(
    router: Router, case: str, lead: str, platform: tuple[str, str, bool], rule: str
) -> None:
    d = route(router, case)
    if "+" in lead:
        assert d.status is Status.split_areas and d.lead is None
        assert "+".join(p.lead.code for p in d.parts if p.lead) == lead
        assert d.coordinator is not None and d.coordinator.code == "QCYZX"
    else:
        assert d.lead is not None and d.lead.code == lead
    assert dispatch(d) == platform
    assert d.dispatch is not None and d.dispatch.platform.name.endswith("中心")
    assert d.rules_fired[-1] == rule
    if case.startswith("district"):  # the district-wide department leads above street level
        assert d.lost == []


# --- versions: time travel ---------------------------------------------------------------------


def test_the_version_in_force_on_the_report_date_decides(
    registry: Registry, router: Router
) -> None:
    before, after = route(router, "v1"), route(router, "v2")
    assert before.lead is not None and before.lead.code == "CGJ" and before.supervisors == []
    assert duty_rows(before) == [("QZ-CGJ", 1, 4, "CGJ", "lead")]
    # 5工作日 from Friday 09-26: Sunday 09-28 is a make-up working day
    assert (before.time_limit, before.deadline) == ("5工作日", at(2025, 10, 10, 17, 0))
    assert (
        after.lead is not None and after.lead.code == "DJ" and codes(after.supervisors) == ["CGJ"]
    )
    assert duty_rows(after) == [
        ("QZ-CGJ", 2, 5, "DJ", "lead"),
        ("QZ-CGJ", 2, 4, "CGJ", "supervise"),
    ]
    assert after.duties[0].legal_basis == ["《街道履职事项清单管理办法》第五条"]
    # 3工作日 from Thursday 10-09: 10-10, Saturday 10-11 (make-up day), Monday 10-13
    assert (after.time_limit, after.deadline) == ("3工作日", at(2025, 10, 13, 17, 0))
    assert before.snapshot_date == dt.date(2025, 9, 26)
    assert before.snapshot_hash == registry.snapshot(dt.date(2025, 9, 26)).hash
    assert before.snapshot_hash == route(router, "conflict").snapshot_hash  # same versions
    assert after.snapshot_date == dt.date(2025, 10, 9)
    assert after.snapshot_hash == registry.snapshot(dt.date(2025, 10, 9)).hash
    assert after.snapshot_hash != before.snapshot_hash
    # a time in UTC is a date in Shanghai: 23:30 UTC on 09-30 is 07:30 on 10-01
    utc = route(router, "v2-utc")
    assert utc.snapshot_date == dt.date(2025, 10, 1) and utc.lead == after.lead
    assert utc.reported_at == at(2025, 10, 1, 7, 30)


def test_as_of_overrides_the_report_date(registry: Registry, router: Router) -> None:
    old = Router(registry, as_of=dt.date(2025, 9, 30))
    new = Router(registry, as_of=dt.date(2025, 10, 1))
    after_on_old = route(old, "v2")
    assert after_on_old.lead is not None and after_on_old.lead.code == "CGJ"
    assert after_on_old.snapshot_date == dt.date(2025, 9, 30)
    assert after_on_old.snapshot_hash == route(router, "v1").snapshot_hash
    before_on_new = route(new, "v1")
    assert before_on_new.lead is not None and before_on_new.lead.code == "DJ"
    assert before_on_new.snapshot_hash == route(router, "v2").snapshot_hash
    # the deadline still counts from when the event was reported
    assert before_on_new.deadline == at(2025, 9, 30, 17, 0)  # 3工作日 from 09-26


# --- stamps -------------------------------------------------------------------------------------


def test_decisions_are_stamped_and_reproducible(registry: Registry, router: Router) -> None:
    d = route(router, "conflict")
    assert d.snapshot_hash == registry.snapshot(dt.date(2025, 9, 30)).hash
    assert d.snapshot_date == dt.date(2025, 9, 30)
    assert d.rules_digest == load_rules().digest and len(d.rules_digest) == 64
    assert (d.event_id, d.matter, d.area) == ("E1", "SJ0101", S1)
    again = Router(registry).route(CASES["conflict"])
    assert again == d
    other = router.route(CASES["conflict"] | {"id": "E2"})
    assert (
        other.decision_id != d.decision_id
        and other.model_copy(
            update={"decision_id": d.decision_id, "event_id": "E1", "event": d.event}
        )
        == d
    )


def test_same_decisions_on_sqlite_and_postgresql(db_url: str, router: Router) -> None:
    registry = Registry.create(db_url)
    try:
        registry.import_files([ROUTING], by="fixture")
        other = Router(registry)
        for name in ("conflict", "owner-named", "v1", "v2", "across-repeat"):
            assert other.route(CASES[name]) == route(router, name), name
    finally:
        registry.close()


# --- engines and cache ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def routers(registry: Registry, emergency_rules: Path) -> dict[tuple[str, str, bool], Router]:
    return {
        (rules, engine, cache): Router(
            registry,
            rules_dir=emergency_rules if rules == "emergency" else None,
            engine=engine,
            cache=cache,
        )
        for rules in ("default", "emergency")
        for engine in ("rules", "reference")
        for cache in (True, False)
    }


@pytest.mark.parametrize("rules", ["default", "emergency"])
@pytest.mark.parametrize("case", list(CASES))
def test_engines_and_cache_agree(
    routers: dict[tuple[str, str, bool], Router], case: str, rules: str
) -> None:
    expected = routers[(rules, "rules", False)].route(CASES[case])
    for (kind, engine, cache), router in routers.items():
        if kind != rules:
            continue
        for _ in range(2 if cache else 1):  # the second time from the cache
            assert router.route(CASES[case]) == expected, (engine, cache)


def test_the_cache_is_used_for_the_same_facts(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached, uncached = Router(registry), Router(registry, cache=False)
    calls: list[str] = []
    for r in (cached, uncached):
        assert r._engine is not None
        evaluate = r._engine.evaluate
        monkeypatch.setattr(r._engine, "evaluate", lambda f, e=evaluate: calls.append("x") or e(f))
    # other ids and times, same facts: one evaluation with the cache, three without
    events = [
        CASES["conflict"] | {"id": f"E{i}", "reported_at": f"2025-09-2{i}T09:00:00"}
        for i in (2, 3, 4)
    ]
    assert [cached.route(e) for e in events] == [uncached.route(e) for e in events]
    assert len(calls) == 1 + 3


def test_engine_names_are_checked(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="engine must be one of rules, reference"):
        Router(registry, engine="refrence")
    # the reference knows the default policies only; custom rules would be ignored silently
    custom = rules_dir(tmp_path, "custom", FIRST_LEAD_WINS)
    with pytest.raises(ValueError, match="default rules only"):
        Router(registry, engine="reference", rules_dir=custom)


# --- custom rules --------------------------------------------------------------------------------


def test_a_rules_directory_replaces_a_default_rule_by_id(
    registry: Registry, router: Router, tmp_path: Path, cli: Cli
) -> None:
    custom = rules_dir(tmp_path, "custom", FIRST_LEAD_WINS)
    ruleset = load_rules(custom)
    assert len(ruleset.rules) == DEFAULT_RULES
    d = Router(registry, rules_dir=custom).route(CASES["conflict"])
    assert d.status == "routed" and d.lead is not None and d.lead.code == "CGJ"
    assert codes(d.assists) == ["QJW", "SCJ"] and d.contenders == []  # in rank order
    assert d.rules_fired == ["two-leads-conflict", "dispatch-street"]
    assert d.rules_digest == ruleset.digest != route(router, "conflict").rules_digest
    listed = cli("rules", "list", "--rules", custom)
    assert listed.exit_code == 0
    assert "first lead leads, the others assist (local practice)" in listed.stdout
    assert "two leads are a conflict" not in listed.stdout


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (TOO_MANY, "254 rules; the engine is run with at most 200 (more can crash it)"),
        (UNSTAGED, "rule nobody-assists has a `none` pattern but does not wait for the stage fact"),
        (
            UNKNOWN_CONFIG,
            "rule severe uses $config.emergency_severty, which the configuration does not have",
        ),
    ],
    ids=["too-many", "unstaged-none", "unknown-config"],
)
def test_rules_outside_the_limits_are_refused(
    registry: Registry, tmp_path: Path, cli: Cli, text: str, says: str
) -> None:
    directory = rules_dir(tmp_path, "bad", text)
    result = cli("rules", "check", "--rules", directory)
    assert result.exit_code == 2, result.output
    assert "1 problem(s) found; nothing was written." in result.stderr
    assert says in result.stderr and str(directory / "rules.yaml") in result.stderr
    assert "Traceback" not in result.output
    with pytest.raises(InputError):
        Router(registry, rules_dir=directory)


# --- engine failures -----------------------------------------------------------------------------


def test_an_action_failure_is_an_engine_error(registry: Registry, tmp_path: Path) -> None:
    broken = Router(registry, rules_dir=rules_dir(tmp_path, "broken", BROKEN_ACTION))
    with pytest.raises(EngineError, match=r"note-severity-three: .*\$e\.severty"):
        route(broken, "severity-3")
    # the engine goes on: other events, and the same one again
    assert route(broken, "severity-4").lead is not None
    with pytest.raises(EngineError):
        route(broken, "severity-3")


def test_an_engine_failure_in_a_batch_is_a_reject(registry: Registry, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    names = ["severity-2", "severity-3", "severity-4", "v2"]
    events.write_text(
        "".join(json.dumps(CASES[n] | {"id": n}, ensure_ascii=False) + "\n" for n in names),
        encoding="utf-8",
    )
    out, bad = io.StringIO(), io.StringIO()
    summary = route_batch(
        registry.url, events, out, bad, rules_dir=rules_dir(tmp_path, "broken", BROKEN_ACTION)
    )
    assert summary.total == 4 and summary.rejected == 1 and summary.counts["routed"] == 3
    assert [json.loads(line)["event_id"] for line in out.getvalue().splitlines()] == [
        "severity-2",
        "severity-4",
        "v2",
    ]
    (reject,) = [json.loads(line) for line in bad.getvalue().splitlines()]
    assert reject["where"] == {"source": str(events), "line": 2}
    assert reject["event_id"] == "severity-3"
    assert "note-severity-three" in reject["reasons"][0]


def test_a_closed_router_frees_its_engine_and_routes_no_more(registry: Registry) -> None:
    with Router(registry, cache=False) as router:
        first = router.route(CASES["gap"])
    with pytest.raises(EngineError, match="closed"):
        router.route(dict(CASES["gap"], id="again"))
    router.close()  # closing twice is harmless
    assert first.status == "fallback"


def test_a_bad_mapping_is_refused_as_a_files_event_is(router: Router) -> None:
    """The Python API takes an event as a mapping too: a bad one is an InputError naming the
    fields (what a file's event gets), not pydantic's ValidationError."""
    with pytest.raises(InputError) as refused:
        router.route({"id": "X-1", "area": "南京东路街道"}, {"source": "caller"})
    fields = {problem.field for problem in refused.value.problems}
    assert {"matter", "reported_at"} <= fields
    assert all(problem.source == "caller" for problem in refused.value.problems)
    with pytest.raises(InputError, match="reported_at"):
        router.route({"id": "X-2", "matter": "x", "area": "y", "reprted_at": "2026-01-01"})
