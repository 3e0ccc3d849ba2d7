"""Role references resolved per event (@territorial, @territorial:<function>, @owner) and joint
handling (hit policy ``joint``), through the Python API and the CLI, on the roles fixture
(tests/fixtures/roles: 甲街道 has a street office and a law-enforcement team, 乙街道 only an
office, 示范开发区 neither)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from remit import Registry
from remit.checks import run_check
from remit.checks.run import compare
from remit.checks.workload import history_hours
from remit.findings import CheckConfig, FindingKind
from remit.registry.entities import (
    OWNER_SPELLINGS,
    OWNER_UNIT,
    TERRITORIAL_UNIT,
    Role,
    reference_label,
    role_reference,
)
from remit.registry.formats import DutySpec, joint_specs
from remit.routing.decision import RoutingDecision, Status
from remit.routing.router import Router
from tests.factories import FIXTURES, Cli, exits, sqlite_registry
from tests.factories import event as make_event

ROLES = FIXTURES / "roles"
S1, S2, ZONE, DISTRICT = "990100001000", "990100002000", "990100090000", "990100000000"
DAY = dt.date(2026, 3, 2)


def event(matter: str, area: str = S1, **fields: Any) -> dict[str, Any]:
    return make_event(matter, area, "2026-03-02T10:00:00", **fields)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return sqlite_registry(tmp_path_factory.mktemp("roles") / "registry.db", ROLES)


@pytest.fixture(scope="module")
def router(registry: Registry) -> Router:
    return Router(registry)


def lead(d: RoutingDecision) -> str | None:
    return d.lead.code if d.lead else None


# --- spellings -----------------------------------------------------------------------------------


def test_placeholder_phrases_are_role_references() -> None:
    for text in ("属地街道", "所属街办", "各街道办事处", "属地街镇", "@territorial"):
        assert role_reference(text) == TERRITORIAL_UNIT, text
    for text in ("属地执法中队", "属地行政执法部门"):
        assert role_reference(text) == "@territorial:enforcement", text
    for text in ("各产权单位", "权属单位", "@owner"):
        assert role_reference(text) == OWNER_UNIT, text
    assert {s for s in OWNER_SPELLINGS if role_reference(s) == OWNER_UNIT} == OWNER_SPELLINGS
    assert role_reference("@territorial:housing") == "@territorial:housing"
    assert role_reference("区房屋管理局") is None and role_reference("@territorial:") is None
    assert reference_label(TERRITORIAL_UNIT) == "属地街道"
    assert reference_label(OWNER_UNIT) == "权属单位"


def test_rows_keep_the_reference_not_a_unit(registry: Registry) -> None:
    rows = [e.duty for e in registry.snapshot(DAY).duties if e.list_id == "A-DISTRICT"]
    assert [r.unit for r in rows] == [
        TERRITORIAL_UNIT,
        "@territorial:enforcement",
        TERRITORIAL_UNIT,
        "CGJ",
        "FGJ",
    ]


def test_a_reference_row_needs_an_area(cli: Cli, tmp_path: Path, sqlite_url: str) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("areas.yaml", "units.yaml", "catalogue.yaml"):
        (tree / name).write_bytes((ROLES / name).read_bytes())
    (tree / "list.yaml").write_text(
        "file: list\nid: X\nname: x\nkind: department\nversions:\n  - version: 1\n"
        "    status: published\n    effective_from: 2024-01-01\n    duties:\n"
        "      - {matter: SJ0201, unit: 属地街道}\n",
        encoding="utf-8",
    )
    Registry.create(sqlite_url).close()
    stderr = exits(cli("registry", "import", str(tree), db=sqlite_url), 2).stderr
    assert "a row for @territorial (a role resolved per event" in stderr


# --- routing -------------------------------------------------------------------------------------


def test_territorial_resolves_to_the_street_office(router: Router) -> None:
    d = router.route(event("SJ0201"))
    assert (d.status, lead(d)) == (Status.routed, "JD1")
    assert [(r.reference, r.label, r.unit.code) for r in d.resolved] == [
        (TERRITORIAL_UNIT, "属地街道", "JD1")
    ]
    other = router.route(event("SJ0201", area=S2))
    assert (other.status, lead(other)) == (Status.routed, "JD2")


def test_territorial_of_a_function_resolves_to_that_unit(router: Router) -> None:
    d = router.route(event("SJ0202", area="990100001001"))  # a community of 甲街道
    assert (d.status, lead(d)) == (Status.routed, "ZF1")
    assert [(r.label, r.unit.name) for r in d.resolved] == [("属地执法中队", "甲街道执法中队")]


def test_a_street_without_the_unit_falls_back_and_says_why(router: Router) -> None:
    d = router.route(event("SJ0202", area=S2))  # 乙街道 has no law-enforcement team
    assert (d.status, lead(d), d.gap) == (Status.fallback, "JD2", True)
    assert [(x.unit.code, x.reason.value) for x in d.lost] == [
        ("@territorial:enforcement", "no_territorial_unit")
    ]
    assert "territorial-unresolved" in d.rules_fired


def test_an_area_without_a_street_office_is_coordinated_by_the_centre(router: Router) -> None:
    d = router.route(event("SJ0201", area=ZONE))
    assert (d.status, lead(d), d.gap) == (Status.coordinated, None, True)
    assert d.coordinator is not None and d.coordinator.code == "PD"
    assert [(x.unit.name, x.reason.value) for x in d.lost] == [("属地街道", "no_territorial_unit")]


def test_an_event_across_streets_resolves_to_each_street(router: Router) -> None:
    """Every area counts: the territorial row resolves to each street's office in its own
    area, so the two offices lead their own parts (split, the district centre coordinates) —
    not a conflict between them, nor the first street leading the other's part."""
    for matter, assists in (("SJ0201", []), ("SJ0203", ["CGJ"])):  # unique, joint
        d = router.route(event(matter, areas=[S2]))
        assert d.status is Status.split_areas and d.coordinator is not None
        assert d.coordinator.code == "PD" and not d.contenders
        parts = [(p.lead.code if p.lead else None, [u.code for u in p.assists]) for p in d.parts]
        assert parts == [("JD1", assists), ("JD2", assists)], matter


def test_joint_first_named_leads_the_others_assist(router: Router) -> None:
    d = router.route(event("SJ0203"))
    assert (d.status, lead(d)) == (Status.routed, "JD1")
    assert [u.code for u in d.assists] == ["CGJ"]
    assert "joint-lead-and-assist" in d.rules_fired
    assert not d.contenders and not d.gap


def test_reference_and_engine_agree(registry: Registry, router: Router) -> None:
    oracle = Router(registry, engine="reference")
    cases = [
        event("SJ0201"),
        event("SJ0201", area=ZONE),
        event("SJ0201", areas=[S2, ZONE]),
        event("SJ0202", area=S2),
        event("SJ0203", areas=[S2]),
        event("SJ0204"),
    ]
    for case in cases:
        assert oracle.route(case) == router.route(case), case


def test_the_cli_names_the_resolution_and_the_joint_lead(cli: Cli, registry: Registry) -> None:
    args = ["route", "--area", "甲街道", "--reported-at", "2026-03-02T10:00"]
    zh = exits(cli(*args, "--matter", "SJ0203", db=registry.url, lang="zh"), 0).stdout
    assert "牵头（联合处置）：甲街道办事处" in zh and "协办：区城市管理行政执法局" in zh
    assert "按事件确定：属地街道 → 甲街道办事处（A-DISTRICT 第 1 版第 3 条）" in zh
    en = exits(cli(*args, "--matter", "SJ0201", db=registry.url), 0).stdout
    assert "Resolved for this event: 属地街道 → 甲街道办事处 (A-DISTRICT v1 row 1)" in en


def test_same_decisions_on_sqlite_and_postgresql(db_url: str, router: Router) -> None:
    with Registry.create(db_url) as registry:
        registry.import_files([ROLES], by="fixture")
        other = Router(registry)
        for case in (event("SJ0201"), event("SJ0202", area=S2), event("SJ0203", areas=[S2])):
            assert other.route(case) == router.route(case)


# --- the graph check -----------------------------------------------------------------------------


def test_the_check_reports_reference_gaps_per_area(registry: Registry) -> None:
    report = run_check(registry.snapshot(DAY))
    gaps = [f for f in report.findings if f.kind is FindingKind.reference_gap]
    assert sorted((f.matter, tuple(f.areas)) for f in gaps) == [
        ("SJ0201", (ZONE,)),
        ("SJ0202", (S2, ZONE)),
        ("SJ0203", (ZONE,)),
    ]
    first = next(f for f in gaps if f.matter == "SJ0201")
    assert first.message.startswith("no 属地街道 for 示范开发区: the row A-DISTRICT v1 #1")
    zh = run_check(registry.snapshot(DAY), lang="zh")
    assert any(f.message.startswith("示范开发区无属地街道") for f in zh.findings)
    narrowed = run_check(registry.snapshot(DAY), area=S2)
    assert [f.matter for f in narrowed.findings if f.kind is FindingKind.reference_gap] == [
        "SJ0202"
    ]


def test_joint_rows_are_no_overlap_only_an_ambiguous_lead_is_reported(
    registry: Registry,
) -> None:
    report = run_check(registry.snapshot(DAY))
    kinds = Counter(f.kind for f in report.findings)
    assert kinds[FindingKind.overlap] == 0
    (joint,) = [f for f in report.findings if f.kind is FindingKind.joint_lead_ambiguous]
    assert (joint.matter, joint.units) == ("SJ0204", ["FGJ", "LRJ"])
    assert joint.details == {"lead_by_list_order": "FGJ"}


def test_the_check_cli_shows_the_new_kinds(cli: Cli, registry: Registry) -> None:
    out = exits(cli("check", "--as-of", "2026-03-02", db=registry.url, lang="zh"), 1).stdout
    assert "属地单位缺失" in out and "联合处置牵头不明" in out


# --- the importer's API for a cell naming several units -----------------------------------------


def test_a_joint_cell_becomes_consecutive_rows() -> None:
    spec = DutySpec(
        matter="SJ0203", unit="属地街道、区城管执法局", area="示范区", time_limit="2工作日"
    )
    rows = joint_specs(spec, ["属地街道", "区城市管理行政执法局"])
    assert [(r.unit, r.role.value) for r in rows] == [
        ("属地街道", "lead"),
        ("区城市管理行政执法局", "assist"),
    ]
    assert {r.time_limit.text for r in rows if r.time_limit} == {"2工作日"}
    both = joint_specs(spec, ["属地街道", "区城市管理行政执法局"], mode="all_lead")
    assert [r.role.value for r in both] == ["lead", "lead"]
    supervise = spec.model_copy(update={"role": Role.supervise})
    assert [r.role for r in joint_specs(supervise, ["A", "B"])] == [Role.supervise] * 2


def test_a_street_office_added_resolves_the_gap_in_a_comparison(
    registry: Registry, tmp_path: Path
) -> None:
    units = tmp_path / "units.yaml"
    units.write_text(
        (ROLES / "units.yaml").read_text(encoding="utf-8")
        + "  - {code: ZF2, name: 乙街道执法中队, kind: line, level: street, jurisdiction: 乙街道,"
        " function: enforcement}\n",
        encoding="utf-8",
    )
    before = run_check(registry.snapshot(DAY))
    with Registry.create(f"sqlite:///{tmp_path / 'after.db'}") as after_registry:
        after_registry.import_files([ROLES], by="fixture")
        after_registry.import_files(
            [units], by="fixture", effective_from=dt.date(2026, 1, 1), retroactive=True, note="t"
        )
        after = run_check(after_registry.snapshot(DAY))
    gap = next(f for f in after.findings if f.matter == "SJ0202")
    assert gap.areas == [ZONE]  # 乙街道 has its team now
    compared = compare(after, before, "before")
    assert compared.comparison is not None and not compared.comparison.introduced
    assert gap.id in compared.comparison.narrowed


def test_a_history_counts_territorial_rows_for_the_street_unit(
    registry: Registry, tmp_path: Path
) -> None:
    history = tmp_path / "history.jsonl"
    lines = [
        event("SJ0201", id="H1"),
        event("SJ0201", area=S2, id="H2"),
        event("SJ0202", id="H3"),
        event("SJ0202", area=S2, id="H4"),  # 乙街道 has no team: nobody counted
        event("SJ0201", area=ZONE, id="H5"),  # no street office: nobody counted
    ]
    history.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    _hours, events, _days = history_hours(registry.snapshot(DAY), history, CheckConfig())
    assert {u: round(n / 365) for u, n in events.items()} == {"JD1": 1, "JD2": 1, "ZF1": 1}
