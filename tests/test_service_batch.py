"""``POST /route/batch`` routed in batch processes (``remit serve --batch-processes N``): the
same lines, in order, as the worker's own router writes; a lost process replaced."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from remit import Registry
from tests.conftest import ServiceClient
from tests.served import children

SAMPLE_EVENTS = Path(__file__).resolve().parents[1] / "data" / "events" / "huangpu-2026.jsonl"


def batch_body(copies: int) -> bytes:
    """The sample's events ``copies`` times (ids of their own), a bad event, an undecodable
    line and a blank line among them: more than two chunks of the service's batch."""
    events = [json.loads(x) for x in SAMPLE_EVENTS.read_text(encoding="utf-8").splitlines() if x]
    lines = [
        json.dumps({**event, "id": f"{event['id']}-{n}"}, ensure_ascii=False).encode()
        for n in range(copies)
        for event in events
    ]
    lines[7:7] = [b'{"id": "BAD-1", "matter": 3}', b"", b"\xff\xfe not text"]
    return b"\n".join(lines) + b"\n"


def posted(svc: ServiceClient, body: bytes, lang: str = "en") -> bytes:
    response = svc.post(
        f"/route/batch?lang={lang}",
        "disp",
        content=body,
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    return response.content


def spawned_children() -> set[int]:
    """This process's children that multiprocessing spawned (the batch processes), alive."""
    found = set()
    for pid in children(os.getpid()):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # gone
            continue
        if state != "Z" and b"spawn_main" in cmdline:
            found.add(pid)
    return found


def test_batch_processes_write_what_the_worker_writes(
    any_sample_registry: Registry, service_factory: Callable[..., ServiceClient]
) -> None:
    body = batch_body(12)  # 507 lines: three chunks
    here = service_factory(any_sample_registry.url)
    there = service_factory(any_sample_registry.url, batch_processes=2)
    assert there.client.app.state.services.batch_processes is not None  # type: ignore[attr-defined]
    for lang in ("en", "zh"):
        mine, theirs = posted(here, body, lang), posted(there, body, lang)
        assert theirs == mine
    lines = [json.loads(line) for line in mine.splitlines()]
    assert len(lines) == body.count(b"\n") - 1  # the blank line gives none
    assert lines[7]["where"]["line"] == 8 and "reported_at" in lines[7]["reasons"][0]
    assert lines[7]["event_id"] == "BAD-1"  # the id the refused event gave
    assert lines[8]["where"]["line"] == 10 and lines[8]["reasons"]
    decided = [line for line in lines if "decision_id" in line]
    assert len(decided) > 400


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_lost_batch_process_is_replaced(
    sample_url: str, service_factory: Callable[..., ServiceClient]
) -> None:
    before = spawned_children()
    svc = service_factory(sample_url, batch_processes=1)
    services: Any = svc.client.app.state.services  # type: ignore[attr-defined]
    body = batch_body(6)
    first = posted(svc, body)
    mine = spawned_children() - before
    assert len(mine) == 1
    os.kill(mine.pop(), signal.SIGKILL)
    lost = services.batch_processes
    deadline = time.monotonic() + 30
    while spawned_children() - before and time.monotonic() < deadline:  # reaped by the pool
        time.sleep(0.05)
    assert posted(svc, body) == first  # the chunks routed in the worker instead
    assert services.batch_processes is not lost  # and new processes in place of the lost
    assert posted(svc, body) == first


def test_a_chunk_is_refused_in_the_language_asked_for_when_its_router_is_built(
    sample_url: str,
) -> None:
    """A batch process builds its router when its first chunk comes (if the warm-up has not):
    building it sets the set-up's language, and the chunk's rejects must still be in the
    request's (this failed when a chunk beat the warm-up)."""
    from remit.deadlines import WorkingHours
    from remit.routing.batch import RouterSetup, route_lines
    from remit.routing.ranges import Kept, forget

    setup = RouterSetup(sample_url, None, None, 1, True, "zh", WorkingHours())
    job = Kept.of(setup)
    items: list[Any] = [({"source": "body", "line": 1}, b'{"id": "X-1", "matter": "x"}')]
    try:
        for lang, word in (("en", "required field is missing"), ("zh", "缺少必填字段")):
            forget(job)  # the router built by this chunk
            assert word in route_lines(job, items, lang).decode()
    finally:
        forget(job)
