"""Every area counts (issue 13 item 2): an event across areas is decided on each; the same
decision everywhere is that decision, different ones are ``split`` with each area's lead and
the district centre coordinating — on the sample district, through the API and the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest

from remit import Registry, Router
from remit.routing.decision import RoutingDecision, Status
from tests.factories import Cli, ok

RUIJIN, HUAIHAI = "瑞金二路街道", "淮海中路街道"
NANJING, WAITAN = "南京东路街道", "外滩街道"


@pytest.fixture
def router(sample_registry: Registry) -> Router:
    return Router(sample_registry)


def event(matter: str, *areas: str, when: str = "2026-07-03T09:30:00", **fields: Any) -> dict:
    return {
        "id": "E",
        "matter": matter,
        "area": areas[0],
        "areas": list(areas[1:]),
        "reported_at": when,
        **fields,
    }


def parts(d: RoutingDecision) -> list[tuple[str, str, str | None, list[str]]]:
    return [
        (
            p.area_name,
            p.status.value,
            p.lead.name if p.lead else None,
            [c.name for c in p.contenders],
        )
        for p in d.parts
    ]


def test_different_leads_split_and_the_district_centre_coordinates(router: Router) -> None:
    d = router.route(event("飞线充电", RUIJIN, HUAIHAI))
    assert d.status is Status.split_areas and d.lead is None and d.gap
    assert d.coordinator is not None and d.coordinator.name == "区城市运行管理中心"
    assert parts(d) == [
        (HUAIHAI, "routed", "淮海中路街道办事处", []),
        (RUIJIN, "fallback", "瑞金二路街道办事处", []),
    ]
    assert d.dispatch is not None and d.dispatch.level.value == "district"
    assert d.deadline == min(p.deadline for p in d.parts if p.deadline)
    # every part's rows are cited
    assert {duty.list_id for duty in d.duties} >= {
        duty.list_id for p in d.parts for duty in p.duties
    }


def test_either_order_gives_the_same_decision(router: Router) -> None:
    a = router.route(event("飞线充电", RUIJIN, HUAIHAI))
    b = router.route(event("飞线充电", HUAIHAI, RUIJIN))
    assert a.model_dump(exclude={"event", "area"}) == b.model_dump(exclude={"event", "area"})
    assert (a.area, b.area) == ("310101023000", "310101022000")  # the first area as reported
    assert (a.event.areas, b.event.areas) == (["310101022000"], ["310101023000"])


def test_a_conflict_in_each_street_involves_both_streets(router: Router) -> None:
    d = router.route(
        event("游商", WAITAN, NANJING, when="2026-06-18T19:40:00", attributes={"地点类型": "道路"})
    )
    assert d.status is Status.split_areas
    assert parts(d) == [
        (NANJING, "conflict", None, ["南京东路街道办事处", "区市场监督管理局"]),
        (WAITAN, "conflict", None, ["外滩街道办事处", "区市场监督管理局"]),
    ]


def test_the_same_lead_everywhere_is_routed(router: Router) -> None:
    one = router.route(event("RX0204", "310101020002", when="2026-04-03T16:20:00"))
    both = router.route(event("RX0204", "310101020002", NANJING, when="2026-04-03T16:20:00"))
    assert one.status is both.status is Status.routed and not both.parts
    assert both.lead == one.lead
    assert both.dispatch is not None and both.dispatch.level.value == "district"  # across streets


def test_a_missing_deciding_attribute_in_any_area_asks_for_it(router: Router) -> None:
    d = router.route(event("游商", WAITAN, NANJING, when="2026-06-18T19:40:00"))
    assert d.status is Status.needs_info and d.needs is not None
    assert d.needs.attributes == ["location_type"] and d.lead is None and d.deadline is None


def test_the_cli_takes_several_areas_and_explains_the_split(cli: Cli, sample_url: str) -> None:
    args = ("route", "--matter", "飞线充电", "--area", RUIJIN, "--area", HUAIHAI)
    zh = ok(cli(*args, "--reported-at", "2026-07-03T09:30:00", db=sample_url, lang="zh"))
    assert "跨区域分办" in zh and "由区城市运行管理中心协调" in zh
    assert f"  {HUAIHAI}：已派遣——淮海中路街道办事处" in zh
    assert f"  {RUIJIN}：属地兜底——瑞金二路街道办事处" in zh
    js = json.loads(
        ok(cli(*args, "--reported-at", "2026-07-03T09:30:00", "--format", "json", db=sample_url))
    )
    assert js["status"] == "split" and [p["area_name"] for p in js["parts"]] == [HUAIHAI, RUIJIN]
    assert js["event"]["areas"] == ["310101022000"]
