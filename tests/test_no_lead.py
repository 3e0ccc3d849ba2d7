"""When nobody leads (issue 13): a not-responsible row's refer_to refers the event (转交); a
street whose own list relieves it is never the fallback (no 兜底) — the district centre
coordinates; an event no street may take goes to the centre too; and the graph check reports a
gap exactly where routing finds one. Fixture tests/fixtures/nolead: 示范区 has a centre (PD),
无中心区 has none; 甲街道's basic list still leads SJ0301 and SJ0302, which the reclaimed list
takes back (SJ0301 handed on to 区房屋管理局, SJ0302 to nobody); nobody lists SJ0303; 区城管执法局
leads SJ0304 though 甲街道's refusal of it names 区房屋管理局."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from remit import Registry
from remit.checks import run_check
from remit.findings import FindingKind
from remit.routing.decision import RoutingDecision, Status
from remit.routing.router import Router
from tests.factories import FIXTURES, Cli, exits, sqlite_registry
from tests.factories import event as make_event

NOLEAD = FIXTURES / "nolead"
JIA, YI, ZONE, BING = "990100001000", "990100002000", "990100090000", "990200001000"
DISTRICT, NO_CENTRE = "990100000000", "990200000000"
DAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return sqlite_registry(tmp_path_factory.mktemp("nolead") / "registry.db", NOLEAD)


@pytest.fixture(scope="module", params=["rules", "reference"])
def router(registry: Registry, request: pytest.FixtureRequest) -> Router:
    return Router(registry, engine=request.param, cache=request.param == "rules")


def route(router: Router, matter: str, area: str, **fields: Any) -> RoutingDecision:
    return router.route(make_event(matter, area, "2026-03-02T10:00:00", **fields))


def code(unit: Any) -> str | None:
    return unit.code if unit is not None else None


def test_a_refusal_naming_where_the_matter_goes_refers_the_event(router: Router) -> None:
    d = route(router, "SJ0301", JIA)
    assert (d.status, code(d.lead), d.gap) == (Status.referred, "FGJ", False)
    assert "refusal-refers" in d.rules_fired
    # the refusing row, with its legal basis, is what the decision cites
    [row] = [r for r in d.duties if r.role.value == "not_responsible"]
    assert (row.list_id, row.unit, row.legal_basis) == (
        "A-SH",
        "JD1",
        ["《示范区收回事项决定第二条》"],
    )
    assert [(x.unit.code, x.reason.value) for x in d.lost] == [("JD1", "not_responsible")]
    assert d.deadline is not None  # the matter's default limit runs


def test_a_street_its_own_list_relieves_is_no_fallback(router: Router) -> None:
    d = route(router, "SJ0302", JIA)
    assert (d.status, code(d.lead), code(d.coordinator), d.gap) == (
        Status.coordinated,
        None,
        "PD",
        True,
    )
    assert "relieved-street-to-centre" in d.rules_fired
    assert "territorial-fallback" not in d.rules_fired
    # without a district centre nobody may take it: unroutable, and a gap
    d = route(router, "SJ0302", BING)
    assert (d.status, d.lead, d.gap) == (Status.unroutable, None, True)
    assert d.rules_fired == ["refusal-removes-candidate", "unroutable-relieved"]


@pytest.mark.parametrize(
    ("area", "status", "lead", "coordinator", "rule"),
    [
        (JIA, Status.fallback, "JD1", None, "territorial-fallback"),
        (ZONE, Status.coordinated, None, "PD", "centre-coordinates"),  # no street office
        (DISTRICT, Status.coordinated, None, "PD", "centre-coordinates"),  # the whole district
        (NO_CENTRE, Status.unroutable, None, None, "unroutable"),
    ],
)
def test_nobody_leads_the_street_else_the_centre(
    router: Router,
    area: str,
    status: Status,
    lead: str | None,
    coordinator: str | None,
    rule: str,
) -> None:
    d = route(router, "SJ0303", area)
    assert (d.status, code(d.lead), code(d.coordinator), d.gap) == (
        status,
        lead,
        coordinator,
        True,
    )
    assert rule in d.rules_fired


def test_a_lead_wins_over_a_referral(router: Router) -> None:
    d = route(router, "SJ0304", JIA)
    assert (d.status, code(d.lead)) == (Status.routed, "CGJ")
    assert "refusal-refers" not in d.rules_fired


def test_the_check_and_the_router_agree_on_every_gap(registry: Registry) -> None:
    snapshot = registry.snapshot(DAY)
    report = run_check(snapshot)
    gaps = {
        (f.matter, area) for f in report.findings if f.kind is FindingKind.gap for area in f.areas
    }
    router = Router(registry)
    for matter in ("SJ0301", "SJ0302", "SJ0303", "SJ0304"):
        for area in (JIA, YI, ZONE, BING):
            d = route(router, matter, area)
            assert d.gap is ((matter, area) in gaps), (matter, area, d.status)
    # and no referral cycle: a street refusing what it also leads hands it to nobody but itself
    assert not [f for f in report.findings if f.kind is FindingKind.referral_cycle]


def test_the_cli_says_who_takes_it_and_why(registry: Registry, cli: Cli) -> None:
    base = ("route", "--reported-at", "2026-03-02T10:00:00", "--area", "甲街道")
    zh = exits(cli(*base, "--matter", "SJ0302", db=registry.url, lang="zh"), 0).stdout
    assert "城运中心协调" in zh and "不由街镇兜底" in zh and "由示范区城运中心协调" in zh
    en = exits(cli(*base, "--matter", "SJ0301", db=registry.url), 0).stdout
    assert "Lead: 区房屋管理局, referred (转交)" in en
    data = json.loads(
        exits(cli(*base, "--matter", "SJ0302", "--format", "json", db=registry.url), 0).stdout
    )
    assert data["status"] == "coordinated" and data["coordinator"]["code"] == "PD"
