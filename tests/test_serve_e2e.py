"""``remit serve`` end to end: the command started as a subprocess with two worker processes on
the sample district in PostgreSQL, called over real sockets (httpx): routing, recording a case
once, a unit's acts and reads, a problem for a bad event, a streamed batch of 2,000 events; and
the command refusing a database that is not a registry."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import UNIT_USER, ServiceClient
from tests.served import ROOT, children, free_port, serve_command, serve_env, served
from tests.test_service import EVENT, problem

pytestmark = pytest.mark.pg

SAMPLE_EVENTS = ROOT / "data" / "events" / "huangpu-2026.jsonl"
STREET_EVENT = {
    **EVENT,
    "id": "HP-E2E-NJ",
    "matter": "无照经营游商",
    "area": "南京东路街道",
    "attributes": {"地点类型": "住宅小区"},
}


def sample_events(count: int, prefix: str) -> list[dict[str, Any]]:
    """``count`` events cycled from data/events/huangpu-2026.jsonl, each with an id of its own."""
    lines = [json.loads(x) for x in SAMPLE_EVENTS.read_text(encoding="utf-8").splitlines() if x]
    return [
        {**event, "id": f"{prefix}-{event['id']}-{n}"}
        for n, event in zip(range(count), itertools.cycle(lines), strict=False)
    ]


def test_one_event_is_routed_over_a_socket(live: ServiceClient) -> None:
    response = live.post("/route", "disp", json=EVENT)
    assert response.status_code == 200, response.text
    decision = response.json()
    assert decision["event"]["id"] == EVENT["id"] and decision["status"] == "routed"
    assert decision["lead"]["code"] == "HP-OWN-SW"
    assert response.headers["content-type"].startswith("application/json")
    # the other worker (or the same) decides it identically
    again = live.post("/route", "nj", json=EVENT).json()
    assert again["decision_id"] == decision["decision_id"]


def test_a_case_is_recorded_once_and_its_unit_acts_on_it(live: ServiceClient) -> None:
    first = live.post("/cases", "disp", json=STREET_EVENT)
    assert first.status_code == 201, first.text
    case = first.json()
    again = live.post("/cases", "disp", json=STREET_EVENT)
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    holder = UNIT_USER[case["unit"]]
    other = "wt" if holder != "wt" else "nj"
    problem(live.get(f"/cases/{case['id']}", other), 403)
    accepted = live.post(f"/cases/{case['id']}/accept", holder, headers={"If-Match": '"1"'})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert [s["actor"] for s in accepted.json()["steps"]][-1] == holder
    # either worker answers with what the other recorded
    for _ in range(4):
        read = live.get(f"/cases/{case['id']}", holder)
        assert read.status_code == 200 and read.json()["status"] == "accepted"


def test_a_bad_event_is_a_located_problem(live: ServiceClient) -> None:
    bad = {**EVENT, "reported_at": "yesterday"}
    bad.pop("matter")
    body = problem(live.post("/route?lang=en", "disp", json=bad), 400)
    assert {"matter", "reported_at"} <= {p.get("field") for p in body["problems"]}


def test_a_batch_of_2000_events_streams_in_and_out(live: ServiceClient) -> None:
    events = sample_events(2000, "E2E")

    def body() -> Iterator[bytes]:  # chunked: no Content-Length, lines cut across chunks
        data = b"".join(json.dumps(e, ensure_ascii=False).encode() + b"\n" for e in events)
        for start in range(0, len(data), 8191):
            yield data[start : start + 8191]

    ids: list[str] = []
    with live.client.stream(
        "POST",
        "/route/batch",
        content=body(),
        headers={**live.auth("disp"), "Content-Type": "application/x-ndjson"},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        for line in response.iter_lines():
            if line:
                out = json.loads(line)
                ids.append(out["event"]["id"] if "event" in out else out["event_id"])
    assert ids == [e["id"] for e in events]


def test_serve_refuses_a_database_that_is_not_a_registry(pg_url: str) -> None:
    result = subprocess.run(
        serve_command(pg_url, free_port(), 1, ("--lang", "en")),
        capture_output=True,
        text=True,
        env=serve_env(),
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "registry" in result.stderr.lower() and "Traceback" not in result.stderr


def test_serve_refuses_a_sqlite_file_that_is_not_a_registry(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    path.write_bytes(b"not a database at all, but a file")
    result = subprocess.run(
        serve_command(f"sqlite:///{path}", free_port(), 1),
        capture_output=True,
        text=True,
        env=serve_env(),
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() and "Traceback" not in result.stderr


def test_who_am_i_needs_a_token(live: ServiceClient) -> None:
    assert live.get("/session", "disp").json()["login"] == "disp"
    with pytest.raises(httpx.HTTPStatusError):
        live.get("/session").raise_for_status()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads on Linux")
def test_each_worker_listens_on_a_socket_of_its_own(live: ServiceClient) -> None:
    """With one socket shared by the workers, whichever wakes first accepts every connection
    waiting (bench/serve.py's 50 went 40/10, and a two-request batch landed on one worker);
    with a socket each (SO_REUSEPORT) the kernel spreads new connections over them."""
    deadline = time.monotonic() + 30
    while True:  # the server answers once one worker is up; the other may still be starting
        held = live.served.sockets_by_worker("0A")  # LISTEN
        if len(held) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(held) == 2, held
    first, second = held.values()
    assert len(first) == len(second) == 1 and not first & second


def test_serve_says_when_its_port_is_taken(live: ServiceClient) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            serve_command(live.url, port, 2, ("--lang", "en")),
            capture_output=True,
            text=True,
            env=serve_env(),
            timeout=60,
        )
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_worker_is_replaced_and_its_batch_processes_end(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's supervisor starts a new worker, which binds a socket of its own; the batch
    processes of the killed one end within seconds (they would otherwise wait for it forever,
    each holding a router)."""
    from remit import Registry
    from tests.conftest import staff_tokens
    from tests.factories import SAMPLE

    monkeypatch.setenv("REMIT_ARGON2_FAST", "1")
    with Registry.create(pg_url) as registry:
        registry.import_files([SAMPLE], by="setup")
    token = staff_tokens(pg_url)["disp"]
    with served(pg_url, workers=2, extra=("--batch-processes", "1")) as server:
        deadline = time.monotonic() + 30
        while len(server.sockets_by_worker("0A")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        victim = next(iter(server.sockets_by_worker("0A")))
        batch_processes = children(victim)
        assert batch_processes  # started with the worker
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = server.sockets_by_worker("0A")
            alive = {pid for pid in batch_processes if Path(f"/proc/{pid}").exists()}
            if len(workers) == 2 and victim not in workers and not alive:
                break
            time.sleep(0.2)
        assert len(workers) == 2 and victim not in workers and not alive, (workers, alive)
        body = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in sample_events(450, "K"))
        response = httpx.post(
            f"{server.base}/route/batch",
            content=body.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
            timeout=60,
        )
        assert response.status_code == 200 and len(response.text.splitlines()) == 450
