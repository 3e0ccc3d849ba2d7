"""Throughput of ``remit worker`` (docs/bus.md): events from RabbitMQ routed, recorded as cases
and published as decisions, with several workers on one queue — broker, database and workers
all on this machine.

    .venv/bin/python bench/bus.py                       # 50,000 events, 2 workers, with and without cases
    .venv/bin/python bench/bus.py --events 20000 --workers 1 2
    .venv/bin/python bench/bus.py --tiny                # seconds (tests/test_bench.py)

It makes a fresh PostgreSQL schema holding the sample district (data/responsibility_lists),
a queue, an exchange and a queue bound to it (all dropped at the end); publishes ``--events``
events (the sample's, cycled with ids of their own; a few bad ones) with publisher confirms;
then, for each worker count and with cases recorded and without (``--no-cases``), starts the
workers as subprocesses on a queue filled anew and times until every decision is out. It
prints events/s, the CPU seconds of the workers, of RabbitMQ and of PostgreSQL, and the target
(issue 16: ≥ 5,000 events/s with 2 workers on this machine, broker included) with PASS or MISS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.served import PG_BASE, pg_schema  # noqa: E402
from tests.test_bus import (  # noqa: E402
    AMQP,
    _declare,
    _delete,
    depth,
    events,
    publish,
    start_worker,
)

TARGET_EPS = 5000.0


def cpu_of(name: str) -> float:
    """CPU seconds (user + system) of the live processes whose command is ``name``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        command = text[text.index("(") + 1 : text.rindex(")")]
        if command == name:
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


def tree_cpu(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def run(url: str, bodies: list[bytes], workers: int, cases: bool, folder: Path) -> float:
    tag = uuid.uuid4().hex[:10]
    names = {
        "queue": f"bench.events.{tag}",
        "exchange": f"bench.decisions.{tag}",
        "out": f"bench.out.{tag}",
    }
    asyncio.run(_declare(AMQP, names))
    try:
        publish(AMQP, names["queue"], bodies)
        extra = () if cases else ("--no-cases",)
        broker0, pg0 = cpu_of("beam.smp"), cpu_of("postgres")
        started = time.perf_counter()
        procs = [start_worker(url, names, folder / f"w{n}.log", *extra) for n in range(workers)]
        last_cpu = 0.0
        while depth(AMQP, names["out"]) < len(bodies):
            if any(p.poll() is not None for p in procs):
                logs = "\n".join((folder / f"w{n}.log").read_text() for n in range(workers))
                raise SystemExit(f"a worker stopped:\n{logs}")
            last_cpu = tree_cpu([p.pid for p in procs]) or last_cpu
            time.sleep(0.2)
        took = time.perf_counter() - started
        worker_cpu = tree_cpu([p.pid for p in procs]) or last_cpu
        broker, pg = cpu_of("beam.smp") - broker0, cpu_of("postgres") - pg0
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(60)
        eps = len(bodies) / took
        label = "with cases" if cases else "no cases"
        print(
            f"  {workers} worker(s), {label}: {took:.1f} s, {eps:,.0f} events/s (start-up "
            f"included); CPU: workers {worker_cpu:.1f} s, RabbitMQ {broker:.1f} s, "
            f"PostgreSQL {pg:.1f} s; {1e6 * worker_cpu / len(bodies):.0f} µs of worker CPU an event",
            flush=True,
        )
        return eps
    finally:
        asyncio.run(_delete(AMQP, names))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=PG_BASE, help="PostgreSQL URL (a schema is made in it)")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--tiny", action="store_true", help="1,000 events, 1 worker")
    args = parser.parse_args()
    if args.tiny:
        args.events, args.workers = 1000, [1]
    print(f"{os.cpu_count()} CPUs; load average at the start: {os.getloadavg()[0]:.2f}")
    from remit import Registry
    from remit.casework import CaseBook
    from tests.factories import SAMPLE

    bodies = events(args.events)
    results: dict[tuple[int, bool], float] = {}
    with pg_schema(args.db, prefix="remit_bench") as url, tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            for cases in (True, False):
                with Registry.create(url) if not results else Registry(url) as registry:
                    if not results:
                        registry.import_files([SAMPLE], by="bench")
                        CaseBook(registry).dispose()
                    else:  # a fresh case book for each run
                        with registry.engine.begin() as c:
                            c.exec_driver_sql("DELETE FROM case_steps")
                            c.exec_driver_sql("DELETE FROM cases")
                            c.exec_driver_sql("DELETE FROM case_numbers")
                results[(workers, cases)] = run(url, bodies, workers, cases, Path(tmp))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    best = results.get((2, True))
    if best is not None:
        verdict = "PASS" if best >= TARGET_EPS else "MISS"
        print(
            f"target (issue 16): 2 workers ≥ {TARGET_EPS:,.0f} events/s with cases: {best:,.0f}/s {verdict}"
        )
    print(
        "events/s: "
        + ", ".join(
            f"{w} worker(s) {'cases' if c else 'no cases'} {e:,.0f}"
            for (w, c), e in results.items()
        )
    )


if __name__ == "__main__":
    main()
