"""Races on ``remit serve`` with two worker processes on PostgreSQL: two clients send the
conflicting requests at the same moment (a barrier), each over a connection of its own opened
for the round (so that the two land on either worker), 20 rounds each:

- two platforms recording the same event (source and id): one case (one 201, one 200);
- two officers publishing the same draft: one publication (200), the other refused (409), no
  version number twice, the registry's history verified clean;
- two approvers approving the same admission request: one approval (200), the other 409, the
  request's versions written once;
- two users of a unit acting on one case at the version they read (accept vs. return): one
  act (200), the other 409.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from remit import Registry
from tests.conftest import STAFF_PASSWORD, ServiceClient
from tests.factories import admission_gate, sample_request
from tests.test_service import EVENT, problem

pytestmark = pytest.mark.pg

ROUNDS = 20
PUBLISH = "/lists/{list_id}/versions/{number}/publish"
APPROVE = "/admission/{request_id}/approve"
RACE_LIST = "HP-T-RACE"

Call = tuple[str, str, str, dict[str, Any]]
"""method, path, login, httpx keyword arguments"""


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as executor:
        yield executor


def race(live: ServiceClient, pool: ThreadPoolExecutor, *calls: Call) -> list[httpx.Response]:
    """The calls sent at the same moment, each over a connection of its own (opened and
    used once before the barrier); their responses in the calls' order."""
    barrier = threading.Barrier(len(calls), timeout=30)

    def fire(call: Call) -> httpx.Response:
        method, path, login, kwargs = call
        headers = {**live.auth(login), **kwargs.pop("headers", {})}
        with httpx.Client(base_url=live.client.base_url, timeout=60) as client:
            assert client.get("/session", headers=headers).status_code == 200
            barrier.wait()
            return client.request(method, path, headers=headers, **kwargs)

    return [f.result() for f in [pool.submit(fire, call) for call in calls]]


def statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(r.status_code for r in responses)


def needs_endpoint(live: ServiceClient, path: str) -> None:
    """Skip when the service has no such endpoint (it comes with the registry's API)."""
    paths = live.get("/openapi.json").json()["paths"]
    if path not in paths:
        pytest.skip(f"remit serve has no {path} endpoint yet (the registry/admission API)")


# --- one event, one case ------------------------------------------------------------------------


def test_the_same_event_from_two_platforms_is_one_case(
    live: ServiceClient, pool: ThreadPoolExecutor
) -> None:
    total = live.get("/cases?limit=0", "disp").json()["total"]
    for n in range(ROUNDS):
        event = {**EVENT, "id": f"HP-RACE-EV-{n}"}
        first, second = race(
            live,
            pool,
            ("POST", "/cases", "disp", {"json": event}),
            ("POST", "/cases", "admin", {"json": event}),
        )
        assert statuses([first, second]) == [200, 201], (first.text, second.text)
        assert first.json()["id"] == second.json()["id"]
        after = live.get("/cases?limit=0", "disp").json()["total"]
        assert after == total + 1, f"round {n}: {after - total} cases for one event"
        total = after


# --- one draft, one publication -------------------------------------------------------------------


def draft(url: str, number: int, folder: Path) -> None:
    """Version ``number`` of the race's list imported as a draft (the Python API)."""
    document = {
        "file": "list",
        "id": RACE_LIST,
        "name": "并发发布测试清单",
        "kind": "department",
        "issuer": "区城管执法局",
        "versions": [
            {
                "version": number,
                "status": "draft",
                "duties": [{"matter": "SJ0112", "unit": "区城管执法局", "note": f"第{number}稿"}],
            }
        ],
    }
    tree = folder / f"draft-{number}"
    tree.mkdir()
    (tree / "race.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    with Registry(url) as registry:
        registry.import_files([tree], by="setup")


def test_two_officers_publish_one_draft_once(
    live: ServiceClient, pool: ThreadPoolExecutor, tmp_path: Path
) -> None:
    needs_endpoint(live, PUBLISH)
    for number in range(1, ROUNDS + 1):
        draft(live.url, number, tmp_path)
        path = PUBLISH.format(list_id=RACE_LIST, number=number)
        body = {"effective_from": (dt.date(2027, 1, 1) + dt.timedelta(days=number)).isoformat()}
        responses = race(
            live,
            pool,
            ("POST", path, "officer", {"json": body}),
            ("POST", path, "admin", {"json": body}),
        )
        assert statuses(responses) == [200, 409], [r.text for r in responses]
        won = next(r for r in responses if r.status_code == 200).json()
        assert won["status"] == "published" and won["version"] == number
        problem(next(r for r in responses if r.status_code == 409), 409)
    with Registry(live.url) as registry:
        versions = [
            (v.version, v.status.value)
            for state in registry.lists()
            if state.info.id == RACE_LIST
            for v in state.versions
        ]
        assert versions == [(n, "published") for n in range(1, ROUNDS + 1)]
        publications = [e for e in registry.log() if e.list_id == RACE_LIST]
        assert Counter(e.action for e in publications)["publish"] == ROUNDS
        report = registry.verify()
        assert report.problems == (), report.problems


# --- one request, one approval --------------------------------------------------------------------


def test_two_approvers_approve_one_request_once(
    live: ServiceClient, pool: ThreadPoolExecutor
) -> None:
    needs_endpoint(live, APPROVE)
    with Registry(live.url) as registry:
        gate = admission_gate(registry)
        for n in range(ROUNDS):
            request = sample_request(id=f"HP-RACE-ADM-{n}")
            assert gate.submit(request, "officer").outcome.value == "admit"
            before = {(s.info.id, v.version) for s in registry.lists() for v in s.versions}
            approvals = _approvals(registry)
            path = APPROVE.format(request_id=request.id)
            responses = race(
                live,
                pool,
                ("POST", path, "appr1", {"json": {"note": "同意"}}),
                ("POST", path, "appr2", {"json": {"note": "同意"}}),
            )
            assert statuses(responses) == [200, 409], [r.text for r in responses]
            problem(next(r for r in responses if r.status_code == 409), 409)
            entry = gate.show(request.id)
            winner = ("appr1", "appr2")[[r.status_code for r in responses].index(200)]
            assert (entry.status, entry.decided_by) == ("approved", winner)
            written = [
                (s.info.id, v)
                for s in registry.lists()
                for v in s.versions
                if (s.info.id, v.version) not in before
            ]
            assert sorted(e["list"] for e in entry.enacted) == sorted(
                list_id for list_id, _ in written if list_id != "UNITS"
            ), f"round {n}: versions written {[(i, v.version) for i, v in written]}"
            assert _approvals(registry) == approvals + 1
            for list_id, version in written:  # back to the lists as they were, for the next
                registry.withdraw(list_id, version.version, by="setup", note="并发测试回退")
        report = registry.verify()
        assert report.problems == (), report.problems


def _approvals(registry: Registry) -> int:
    return sum(1 for e in registry.log() if e.action == "admission_approve")


# --- one case, one act ----------------------------------------------------------------------------


def test_two_acts_on_one_case_at_the_version_read(
    live: ServiceClient, pool: ThreadPoolExecutor
) -> None:
    street_event = {
        **EVENT,
        "matter": "无照经营游商",
        "area": "南京东路街道",
        "attributes": {"地点类型": "住宅小区"},
    }
    second = _second_user(live, _recorded(live, {**street_event, "id": "HP-RACE-ACT-0"}))
    outcomes: Counter[str] = Counter()
    for n in range(ROUNDS):
        case = _recorded(live, {**street_event, "id": f"HP-RACE-ACT-{n + 1}"})
        holder = second[case["unit"]]
        read = {"If-Match": f'"{case["version"]}"'}
        accept = ("POST", f"/cases/{case['id']}/accept", holder[0], {"headers": dict(read)})
        give_back = {"reason": "not_our_duty", "note": "不属本单位职责", "evidence": "清单"}
        back = (
            "POST",
            f"/cases/{case['id']}/return",
            holder[1],
            {"headers": dict(read), "json": give_back},
        )
        responses = race(live, pool, accept, back)
        assert statuses(responses) == [200, 409], [r.text for r in responses]
        problem(next(r for r in responses if r.status_code == 409), 409)
        steps = live.get(f"/cases/{case['id']}", "disp").json()["steps"]
        acts = [s["action"] for s in steps[2:]]
        assert acts in (["accept"], ["return", "rule"]), f"round {n}: {acts}"
        outcomes[acts[0]] += 1
    assert sum(outcomes.values()) == ROUNDS


def _recorded(live: ServiceClient, event: dict[str, Any]) -> dict[str, Any]:
    response = live.post("/cases", "disp", json=event)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


def _second_user(live: ServiceClient, case: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """A second user of the unit holding ``case`` (with a token): unit → its two logins."""
    from remit.identity import Directory

    unit = case["unit"]
    first = next(login for login in list(live.tokens) if _unit_of(live, login) == unit)
    with Registry(live.url) as registry:
        directory = Directory(registry)
        login = f"{first}2"
        directory.add(
            login, "第二派单员", ("unit",), unit=unit, password=STAFF_PASSWORD, by="setup"
        )
        live.tokens[login] = directory.issue_token(login, by="setup", note="tests")
    return {unit: (first, login)}


def _unit_of(live: ServiceClient, login: str) -> str | None:
    unit: str | None = live.get("/session", login).json()["unit"]
    return unit
