"""Cases over HTTP: route and record (idempotent), the list and its filters, who may read,
each act with its actor, If-Match, refusals as problem details."""

from __future__ import annotations

from typing import Any

from tests.conftest import UNIT_USER, ServiceClient
from tests.test_service import EVENT, problem


def recorded(svc: ServiceClient, event: dict[str, Any] | None = None) -> dict[str, Any]:
    response = svc.post("/cases", "disp", json=event or EVENT)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/cases/{body['id']}"
    return body


def test_an_event_is_routed_and_recorded_once(any_svc: ServiceClient) -> None:
    svc = any_svc
    case = recorded(svc)
    assert case["status"] == "dispatched" and case["unit"] == "HP-OWN-SW"
    assert [s["action"] for s in case["steps"]] == ["receive", "dispatch"]
    assert {s["actor"] for s in case["steps"]} == {"disp"}
    read = svc.get(f"/cases/{case['id']}", "disp").json()  # as written is as read back

    def timeless(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k != "hours_left"}

    assert timeless(read) == timeless(case)
    again = svc.post("/cases", "disp", json=EVENT)
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    listed = svc.get("/cases", "disp").json()
    assert listed["total"] == 1 and listed["cases"][0]["id"] == case["id"]
    decision = svc.get(f"/decisions/{case['decision']['decision_id']}", "disp")
    assert decision.status_code == 200 and decision.json() == case["decision"]
    problem(svc.get("/decisions/nope", "disp"), 404)


def test_only_dispatchers_record(any_svc: ServiceClient) -> None:
    svc = any_svc
    problem(svc.post("/cases", "nj", json=EVENT), 403)
    problem(svc.post("/cases", "officer", json=EVENT), 403)
    problem(svc.post("/cases", json=EVENT), 401)


def test_an_event_that_needs_information_is_not_a_case(any_svc: ServiceClient) -> None:
    svc = any_svc
    # 无照经营游商 on a road or not: the lead hinges on 地点类型, which the event lacks
    event = {**EVENT, "id": "HP-T-NI", "matter": "无照经营游商", "area": "南京东路街道"}
    body = problem(svc.post("/cases?lang=en", "disp", json=event), 422)
    assert any(p["key"] == "case.needs_info" for p in body["problems"])
    assert svc.get("/cases", "disp").json()["total"] == 0


def test_a_unit_sees_and_acts_on_its_own_cases_only(any_svc: ServiceClient) -> None:
    svc = any_svc
    street_event = {
        **EVENT,
        "id": "HP-T-NJ",
        "matter": "无照经营游商",
        "area": "南京东路街道",
        "attributes": {"地点类型": "住宅小区"},
    }
    case = recorded(svc, street_event)
    holder = case["unit"]
    mine = UNIT_USER[holder]
    other = "wt" if mine != "wt" else "nj"
    assert svc.get(f"/cases/{case['id']}", mine).status_code == 200
    problem(svc.get(f"/cases/{case['id']}", other), 403)
    problem(svc.get(f"/cases?unit={holder}", other), 403)
    assert svc.get("/cases", other).json()["total"] == 0
    assert svc.get("/cases", mine).json()["total"] == 1
    problem(svc.post(f"/cases/{case['id']}/accept", other), 403)
    problem(svc.post(f"/cases/{case['id']}/accept", "disp"), 403)  # a unit's act
    # If-Match: the version read
    stale = svc.post(f"/cases/{case['id']}/accept", mine, headers={"If-Match": '"7"'})
    problem(stale, 409)
    accepted = svc.post(f"/cases/{case['id']}/accept", mine, headers={"If-Match": '"1"'})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.headers["etag"] == f'"{accepted.json()["version"]}"'
    problem(svc.post(f"/cases/{case['id']}/accept", mine), 409)  # accepted already
    resolved = svc.post(f"/cases/{case['id']}/resolve", mine, json={"note": "已劝离"})
    assert resolved.json()["status"] == "resolved"
    problem(svc.post(f"/cases/{case['id']}/close", mine), 403)
    closed = svc.post(f"/cases/{case['id']}/close", "disp", json={"note": "核查属实"})
    assert closed.json()["status"] == "closed"
    steps = closed.json()["steps"]
    assert [(s["action"], s["actor"]) for s in steps[2:]] == [
        ("accept", mine),
        ("resolve", mine),
        ("close", "disp"),
    ]


def test_supervision_and_filters(any_svc: ServiceClient) -> None:
    svc = any_svc
    case = recorded(svc)
    problem(svc.post(f"/cases/{case['id']}/supervise", "nj"), 403)
    marked = svc.post(f"/cases/{case['id']}/supervise", "disp", json={"note": "领导批示"})
    assert marked.json()["supervised"]["by"] == "disp"
    assert svc.get("/cases?supervised=true", "disp").json()["total"] == 1
    assert svc.get("/cases?supervised=false", "disp").json()["total"] == 0
    # the deadline runs from the dispatch (now), not from the report: not overdue yet
    assert svc.get("/cases?overdue=true", "disp").json()["total"] == 0
    assert svc.get("/cases?overdue=false", "disp").json()["cases"][0]["hours_left"] > 0
    assert svc.get("/cases?status=closed", "disp").json()["total"] == 0
    problem(svc.get("/cases?status=nonsense", "disp"), 400)
    problem(svc.get("/cases?limit=100000", "disp"), 400)
    problem(svc.get("/cases/C-2026-999999", "disp"), 404)


def test_a_return_is_ruled_at_once(any_svc: ServiceClient) -> None:
    svc = any_svc
    street_event = {
        **EVENT,
        "id": "HP-T-RT",
        "matter": "无照经营游商",
        "area": "南京东路街道",
        "attributes": {"地点类型": "住宅小区"},
    }
    case = recorded(svc, street_event)
    holder = UNIT_USER[case["unit"]]
    problem(svc.post(f"/cases/{case['id']}/return", holder, json={"note": "不归我们"}), 400)
    problem(svc.post(f"/cases/{case['id']}/return", holder, json={"reason": "nonsense"}), 400)
    returned = svc.post(
        f"/cases/{case['id']}/return",
        holder,
        json={"reason": "not_our_duty", "note": "不属本单位职责", "evidence": "清单第3行"},
    )
    assert returned.status_code == 200, returned.text
    body = returned.json()
    actions = [s["action"] for s in body["steps"]]
    assert actions[-2:] == ["return", "rule"]
    assert body["steps"][-2]["actor"] == holder
    assert body["status"] in {"dispatched", "reassigned", "ruled"}
