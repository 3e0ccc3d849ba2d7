"""``remit worker`` against the real RabbitMQ broker (127.0.0.1:5672; the tests skip where
none answers, unless REMIT_REQUIRE_BUS=1) and PostgreSQL: events in, decisions and rejects
out, cases recorded once; two workers share a queue and one is killed with SIGKILL midway —
every event is decided and every case recorded exactly once (docs/bus.md)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remit import Registry
from remit.casework import CaseBook
from tests.conftest import AMQP
from tests.factories import ROOT, SAMPLE
from tests.served import serve_env

SAMPLE_EVENTS = ROOT / "data" / "events" / "huangpu-2026.jsonl"
ROUNDS_EVENTS = 50_000  # the soak: 2 workers, one killed midway


@pytest.fixture
def district(pg_url: str) -> str:
    """The sample district in a PostgreSQL schema of its own, its case tables made."""
    with Registry.create(pg_url) as registry:
        registry.import_files([SAMPLE], by="setup")
        CaseBook(registry).dispose()
    return pg_url


@pytest.fixture
def names(broker: str) -> Iterator[dict[str, str]]:
    """A queue, an exchange and a queue bound to it (every decision) of this test's own;
    deleted afterwards."""
    tag = uuid.uuid4().hex[:10]
    made = {
        "queue": f"test.events.{tag}",
        "exchange": f"test.decisions.{tag}",
        "out": f"test.out.{tag}",
    }
    asyncio.run(_declare(broker, made))
    yield made
    asyncio.run(_delete(broker, made))


async def _declare(url: str, names: dict[str, str]) -> None:
    import aio_pika

    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(names["queue"], durable=True)
        exchange = await channel.declare_exchange(
            names["exchange"], aio_pika.ExchangeType.TOPIC, durable=True
        )
        out = await channel.declare_queue(names["out"], durable=True)
        await out.bind(exchange, "#")


async def _delete(url: str, names: dict[str, str]) -> None:
    import aio_pika

    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in (names["queue"], names["out"]):
            await channel.queue_delete(queue)
        await channel.exchange_delete(names["exchange"])


def events(count: int) -> list[bytes]:
    """``count`` events: the sample's cycled, each with an id of its own; every 1,000th is not
    JSON and every 1,000th (offset 500) names an unknown matter (rejects)."""
    templates = [
        json.loads(line) for line in SAMPLE_EVENTS.read_text("utf-8").splitlines() if line.strip()
    ]
    out = []
    for n in range(count):
        if n % 1000 == 999:
            out.append(b"{not json")
            continue
        event = {**templates[n % len(templates)], "id": f"BUS-{n:06d}"}
        if n % 1000 == 500:
            event["matter"] = "没有这个事项"
        out.append(json.dumps(event, ensure_ascii=False).encode())
    return out


def publish(url: str, queue: str, bodies: list[bytes]) -> None:
    import aio_pika

    async def run() -> None:
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            for start in range(0, len(bodies), 2000):
                await asyncio.gather(
                    *(
                        channel.default_exchange.publish(
                            aio_pika.Message(b, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                            routing_key=queue,
                        )
                        for b in bodies[start : start + 2000]
                    )
                )

    asyncio.run(run())


def depth(url: str, queue: str) -> int:
    import aio_pika

    async def run() -> int:
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, durable=True, passive=True)
            count: int = declared.declaration_result.message_count or 0
            return count

    return asyncio.run(run())


def collect(url: str, queue: str) -> list[tuple[str, dict[str, Any], bytes]]:
    """Every message in ``queue`` (taken): routing key, headers, body."""
    import aio_pika

    async def run() -> list[tuple[str, dict[str, Any], bytes]]:
        got: list[tuple[str, dict[str, Any], bytes]] = []
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, durable=True, passive=True)
            while True:
                message = await declared.get(no_ack=True, fail=False)
                if message is None:
                    return got
                got.append((message.routing_key or "", dict(message.headers), message.body))

    return asyncio.run(run())


def start_worker(db: str, names: dict[str, str], log: Path, *extra: str) -> subprocess.Popen[bytes]:
    run = "import sys; from remit.cli import main; sys.exit(main())"
    command = [
        *(sys.executable, "-c", run, "worker", "--db", db, "--amqp", AMQP),
        *("--queue", names["queue"], "--exchange", names["exchange"], "--batch", "200"),
        *("--wait", "0.05", *extra),
    ]
    with log.open("wb") as err:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=serve_env())


def wait_for(condition: Any, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(0.2)


def cases_of(db: str) -> Counter[tuple[str, str]]:
    from sqlalchemy import select

    from remit.casework.store import cases

    with Registry(db) as registry, registry.engine.connect() as c:
        rows = c.execute(select(cases.c.source, cases.c.external_id)).all()
    return Counter((r.source, r.external_id) for r in rows)


def test_events_in_decisions_out_cases_once(
    district: str, names: dict[str, str], tmp_path: Path
) -> None:
    bodies = events(1200)
    publish(AMQP, names["queue"], bodies)
    worker = start_worker(district, names, tmp_path / "w.log")
    try:
        wait_for(lambda: depth(AMQP, names["out"]) >= len(bodies), 120, "every event decided")
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, (tmp_path / "w.log").read_text()
    out = collect(AMQP, names["out"])
    assert len(out) == len(bodies)
    rejects = [json.loads(body) for key, _, body in out if key == "reject"]
    # the body that is not JSON, the unknown matter, and the sample's events the router refuses
    assert {None, "BUS-000500"} <= {r["event_id"] for r in rejects}
    assert all(r["reasons"] and r["where"]["source"] == f"amqp:{names['queue']}" for r in rejects)
    decisions = [json.loads(body) for key, _, body in out if key.startswith("decision.")]
    assert {key for key, _, _ in out if key.startswith("decision.")} >= {"decision.routed"}
    recorded = cases_of(district)
    assert max(recorded.values()) == 1
    routable = {d["event_id"] for d in decisions if d["status"] not in ("needs_info", "unroutable")}
    assert {external for _, external in recorded} <= routable
    assert len(recorded) > 0.8 * len(bodies)
    log = (tmp_path / "w.log").read_text()
    assert "1200 events taken" in log, log


def test_two_workers_one_killed_midway_lose_nothing_and_record_once(
    district: str, names: dict[str, str], tmp_path: Path
) -> None:
    bodies = events(ROUNDS_EVENTS)
    publish(AMQP, names["queue"], bodies)
    first = start_worker(district, names, tmp_path / "w1.log")
    second = start_worker(district, names, tmp_path / "w2.log")
    started = time.monotonic()
    try:
        wait_for(lambda: depth(AMQP, names["out"]) >= len(bodies) // 3, 300, "a third decided")
        first.send_signal(signal.SIGKILL)  # mid-batch, unacknowledged messages and all
        first.wait(30)
        wait_for(
            lambda: (
                depth(AMQP, names["queue"]) == 0
                and sum(1 for _ in ()) == 0
                and len(cases_of(district)) >= _recordable(district, bodies)
            ),
            600,
            "every event decided after the kill",
        )
        wait_for(lambda: depth(AMQP, names["out"]) >= len(bodies), 120, "every decision out")
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(60)
        if first.poll() is None:
            first.kill()
    took = time.monotonic() - started
    assert code == 0, (tmp_path / "w2.log").read_text()
    recorded = cases_of(district)
    assert max(recorded.values()) == 1, "a case recorded twice"
    out = collect(AMQP, names["out"])
    answered = {json.loads(body).get("event_id") for _, _, body in out}
    ids = {f"BUS-{n:06d}" for n in range(len(bodies)) if n % 1000 != 999}
    missing = ids - answered
    assert not missing, f"{len(missing)} events never decided nor rejected: {sorted(missing)[:5]}"
    unparsed = sum(
        1 for key, _, body in out if key == "reject" and json.loads(body)["event_id"] is None
    )
    assert unparsed >= len(bodies) // 1000  # the bodies that are not JSON: rejected, not lost
    # a redelivered event gives the same decision (its id) again, never another one
    by_event: dict[str, set[str]] = {}
    for key, _headers, body in out:
        if key.startswith("decision."):
            data = json.loads(body)
            by_event.setdefault(data["event_id"], set()).add(data["decision_id"])
    assert all(len(ids_) == 1 for ids_ in by_event.values())
    print(f"{len(bodies):,} events through 2 workers (one killed) in {took:.1f} s")


def _recordable(db: str, bodies: list[bytes]) -> int:
    """How many of ``bodies`` become cases: as many as the single-worker routing records —
    counted from the sample's templates (most become cases; the router refuses a few)."""
    templates = [
        json.loads(line) for line in SAMPLE_EVENTS.read_text("utf-8").splitlines() if line.strip()
    ]
    from remit.casework.records import RECORDED
    from remit.errors import InputError
    from remit.routing.router import Router

    kinds = []
    with Registry(db) as registry, Router(registry) as router:
        for template in templates:
            try:
                kinds.append(router.route(template).status in RECORDED)
            except InputError:  # refused: a reject, no case
                kinds.append(False)
    return sum(
        1 for n in range(len(bodies)) if n % 1000 not in (999, 500) and kinds[n % len(templates)]
    )
