"""Routing benchmark on the synthetic megacity of bench/gen_city.py: every figure in one run.

    .venv/bin/python bench/route.py                        # bench/out/city, built if missing
    .venv/bin/python bench/route.py --sample 50000 --skip-batch

It (re)uses OUT from gen_city (OUT/registry.db and OUT/events.jsonl; both are built with
``gen_city.py --import`` when one is missing) and prints, each with what it measured:

- snapshot load from SQLite (``Registry.snapshot`` on a date before and one after the
  2025-07-01 version change);
- events/s in this process on the first ``--sample`` events of events.jsonl, parsed once (not
  timed with routing), each routed once by each router: the rule engine without cache, with the
  cache, and the reference resolver without cache; the ratios cached/reference and
  uncached/target (each decision's JSON line made, as route-batch makes it); the snapshots each
  router loads for the sample's days are loaded before the
  clock starts and timed apart;
  with ``--loads``, each router is handed the graph check's loads, as the command line hands
  them (fallbacks and referrals onto an overloaded unit flagged; ``--overload-threshold`` for
  another threshold): they are computed in the clocked loop, once per snapshot, at its first
  fallback or referral, and their time is also shown apart;
- wall time of ``remit route-batch`` (the installed CLI, as a subprocess) on the whole file with
  ``--workers 1`` and ``--workers 2``, with the summary it printed;
  then through a Dask ``LocalCluster`` of 2 workers (``--cluster``; started first, not timed),
  its wall time over ``--workers 2``'s (target <= 1.3×), and whether the three runs wrote the
  same decisions;
- peak memory: max RSS of this process, and of each route-batch run: its largest process
  (``/usr/bin/time -v``) and the sum over its processes (from /proc, sampled every 0.2 s);
  for the Dask run, the client's and each worker's max RSS;

then the targets with PASS or MISS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TIME = Path("/usr/bin/time")
BEFORE, AFTER = dt.date(2025, 3, 1), dt.date(2025, 9, 1)  # around the lists' 2025-07-01 change

# the targets on this 2-core machine
TARGET_SNAPSHOT_S = 5.0
TARGET_UNCACHED_EPS = 10_000  # issue 16: ≤ 100 µs CPU an event
TARGET_CACHED_EPS = 25_000
TARGET_CACHED_RATIO = 0.5
TARGET_BATCH_S = 45.0  # 1M events, --workers 2, a quiet machine
TARGET_BATCH_CPU_US = 80.0
TARGET_BATCH_FLOOR = 8.0
TARGET_PEAK_MB = 1024.0  # all of route-batch's processes
TARGET_SELF_MB = 1536.0  # this process: snapshots, the sample, four routers
TARGET_DASK_RATIO = 1.3  # route-batch --cluster (LocalCluster of 2) / --workers 2


def mb(kib: float) -> float:
    return kib / 1024


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ensure_city(args: argparse.Namespace) -> Path:
    """The city of ``args`` (city_parser's --out, --seed, --size, --events): OUT with
    registry.db and events.jsonl, built by gen_city.py unless OUT holds that city already (its
    city.json says which it holds). Returns OUT."""
    out: Path = (
        args.out
        or ROOT / "bench" / "out" / ("city" if args.size == "mega" else f"city-{args.size}")
    ).resolve()
    wanted = {"seed": args.seed, "size": args.size, "events": args.events}
    sidecar = out / "city.json"
    built = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else None
    present = (out / "registry.db").is_file() and (out / "events.jsonl").is_file()
    if present and (built is None or built == wanted):  # no city.json: a city built before it
        return out
    command = [sys.executable, str(ROOT / "bench" / "gen_city.py"), "--out", str(out)]
    command += ["--seed", str(args.seed), "--size", args.size, "--events", str(args.events)]
    command += ["--import"]
    print(f"$ {' '.join(command)}", flush=True)
    subprocess.run(command, check=True)
    sidecar.write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    return out


def read_sample(path: Path, count: int) -> tuple[list[Any], int, float]:
    """The first ``count`` events of ``path`` parsed (EventIn), the lines refused by the parser,
    and the parse time."""
    from remit.events.read import parse_json_line

    lines: list[bytes] = []
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                lines.append(line)
                if len(lines) == count:
                    break
    started = time.perf_counter()
    parsed = [parse_json_line(line, str(path), n)[1] for n, line in enumerate(lines, 1)]
    took = time.perf_counter() - started
    events = [e for e in parsed if not isinstance(e, list)]
    return events, len(parsed) - len(events), took


def floors(path: Path, count: int, snapshot: Any, decision: dict[str, Any]) -> dict[str, float]:
    """What an event costs at the least, in µs of CPU, on the first ``count`` lines of ``path``:
    reading its line, parsing it (orjson), resolving its matter and area (a dict lookup in
    ``snapshot``) and writing a result line the size of a decision (``decision``, as plain
    data, by orjson) — the floor routing is measured against."""
    import orjson

    def cpu_us(step: Any) -> float:
        gc.collect()
        started = time.process_time()
        step()
        return (time.process_time() - started) / max(count, 1) * 1e6

    lines: list[bytes] = []

    def read() -> None:
        with path.open("rb") as handle:
            for line in handle:
                lines.append(line)
                if len(lines) == count:
                    break

    parsed: list[Any] = []

    def parse() -> None:
        loads = orjson.loads
        for line in lines:
            try:
                parsed.append(loads(line))
            except orjson.JSONDecodeError:
                parsed.append({})

    found: list[Any] = []

    def resolve() -> None:
        matters, areas = snapshot.matters, snapshot.areas
        for data in parsed:
            found.append((matters.get(data.get("matter")), areas.get(data.get("area"))))

    def write() -> None:
        dumps = orjson.dumps
        for data in parsed:
            dumps({**decision, "event": data})

    result = {
        name: cpu_us(step)
        for name, step in (("read", read), ("parse", parse), ("resolve", resolve), ("write", write))
    }
    result["total"] = sum(result.values())
    return result


class TimedLoads:
    """The graph check's loads (a ``LoadSource``), timing each snapshot's."""

    def __init__(self) -> None:
        from remit.checks import GraphCheck

        self.check = GraphCheck()
        self.seconds: list[float] = []

    def load(self, snapshot: Any, config: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.check.load(snapshot, config)
        finally:
            self.seconds.append(time.perf_counter() - started)


def bench_router(registry: Any, events: list[Any], label: str, **options: Any) -> dict[str, Any]:
    """Route each event once; the snapshots of the sample's days are loaded first, apart."""
    from remit.errors import InputError
    from remit.routing.batch import collector_restored, route_items, settle_memory
    from remit.routing.router import SLICE, Router

    loads: TimedLoads | None = options.get("loads")
    one_by_one = options.pop("one_by_one", False)
    router = Router(registry, **options)
    started = time.perf_counter()
    for day in sorted({router._local_day(e.reported_at) for e in events}):
        router.loaded(day)
    warm = time.perf_counter() - started
    collector = collector_restored()  # for the next router, once this one is measured
    collector.__enter__()
    settle_memory()  # what route-batch's workers do once their snapshots are loaded
    statuses: Counter[str] = Counter()
    flagged = 0
    route = router.route
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    written = 0  # each decision's line made, as route-batch writes it (its size, not kept)
    if one_by_one:  # Router.route, an event at a time, each decision's model dumped
        for event in events:
            try:
                decision = route(event)
            except InputError:
                statuses["rejected"] += 1
            else:
                statuses[decision.status.value] += 1
                flagged += decision.overloaded is not None
                written += len(decision.model_dump_json())
    else:  # as route-batch's workers route a chunk: a slice at a time, plain lines
        for start in range(0, len(events), SLICE):
            chunk = [
                ({"source": "bench", "line": 0}, event) for event in events[start : start + SLICE]
            ]
            for done in route_items(router, chunk, plain=True):
                statuses[done.status] += 1
                if done.decision is not None:  # routed as route() does: its model
                    flagged += done.decision.overloaded is not None
                else:  # a plain line (one area: no parts), flagged by --loads
                    flagged += '"overloaded":{' in done.line
                written += len(done.line)
    took = time.perf_counter() - started
    cpu = time.process_time() - cpu
    collector.__exit__(None, None, None)
    result = {
        "label": label,
        "events": len(events),
        "seconds": took,
        "cpu_us": cpu / len(events) * 1e6,
        "eps": len(events) / took,
        "warm": warm,
        "snapshots": len(router._by_hash),
        "statuses": dict(sorted(statuses.items())),
        "cached": len(router._cache) if router._cache is not None else None,
        "line_bytes": written / max(len(events) - statuses["rejected"], 1),
    }
    cached = f", {result['cached']:,} outcomes cached" if result["cached"] is not None else ""
    print(
        f"  {label:28s} {result['eps']:9,.0f} events/s, {result['cpu_us']:6.1f} µs CPU an event  "
        f"({len(events):,} events in {took:.1f} s; "
        f"{result['snapshots']} snapshots for the sample's days loaded first in {warm:.1f} s"
        f"{cached}; lines of {result['line_bytes']:,.0f} bytes made)",
        flush=True,
    )
    if loads is not None:
        spent = sum(loads.seconds)
        result |= {"loads_s": spent, "loads": len(loads.seconds), "flagged": flagged}
        print(
            f"  {'':28s} of which the check's loads of {len(loads.seconds)} snapshots "
            f"{spent:.1f} s ({', '.join(f'{x:.2f}' for x in loads.seconds) or '-'}); "
            f"without them {len(events) / (took - spent):,.0f} events/s; "
            f"{flagged} decisions flagged overloaded",
            flush=True,
        )
    router.close()
    del router
    gc.collect()
    return result


class TreeMemory(threading.Thread):
    """Samples the summed RSS of a process and its descendants (from /proc) until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.peak_processes = pid, 0, 0
        self.done = threading.Event()

    @staticmethod
    def _tree(root: int) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        found, todo = [], [root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    @staticmethod
    def _rss_kib(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self) -> None:
        while not self.done.wait(0.2):
            pids = self._tree(self.pid)
            total = sum(self._rss_kib(p) for p in pids)
            if total > self.peak_kib:
                self.peak_kib, self.peak_processes = total, len(pids)


def timed(command: list[str], log: Path) -> dict[str, Any]:
    """Run ``command`` (output to ``log``) and measure it: wall time, CPU time of it and the
    children it waited for, its largest process (``/usr/bin/time -v``) and the sum over its
    processes (from /proc, sampled every 0.2 s). Exits when the command fails."""
    print(f"$ {' '.join(command)}", flush=True)
    timing = log.with_suffix(".time")
    # /usr/bin/time -v: the max RSS of remit and of the workers it waited for, counted from its
    # own exec (a child's own rusage would count the pages it shared with this process at fork)
    timed = TIME.is_file()
    with log.open("w") as handle:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(TIME), "-v", "-o", str(timing), *command] if timed else command,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        memory = TreeMemory(process.pid)
        memory.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        memory.done.set()
        memory.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text()
    max_rss = usage.ru_maxrss
    if timed:
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing.read_text())
        max_rss = int(found.group(1)) if found else max_rss
    if process.returncode != 0:
        raise SystemExit(f"{command[1]} failed ({process.returncode}):\n{text}")
    return {
        "wall": wall,
        "text": text,
        "max_rss_kib": max_rss,  # the largest single process of the tree
        "tree_peak_kib": memory.peak_kib,
        "tree_processes": memory.peak_processes,
        "cpu": usage.ru_utime + usage.ru_stime,
    }


def memory_text(result: dict[str, Any]) -> str:
    return (
        f"max RSS of one process {mb(result['max_rss_kib']):,.0f} MB, "
        f"sum over {result['tree_processes']} processes {mb(result['tree_peak_kib']):,.0f} MB"
    )


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def run_dask(out: Path, url: str, workers: int = 2) -> dict[str, Any]:
    """route-batch through a Dask LocalCluster of ``workers`` worker processes (one thread
    each) on loopback, started here first (its start is not timed: a city's cluster stands);
    its workers build their routers in the run, as --workers' processes do. Adds the workers'
    max RSS (each asked after the run) to the figures."""
    import logging

    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with LocalCluster(
        host="127.0.0.1",
        n_workers=workers,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        print(
            f"  a Dask LocalCluster of {workers} workers at {cluster.scheduler_address}, "
            f"started in {time.perf_counter() - started:.1f} s (not timed below)",
            flush=True,
        )
        with Client(cluster) as client:
            pids = list(client.run(os.getpid).values())
        # sampled from /proc: a worker's own max RSS (getrusage) starts at this process's
        # size, which Linux hands on through fork and exec
        samplers = [TreeMemory(pid) for pid in pids]
        for sampler in samplers:
            sampler.start()
        try:
            result = run_batch(out, url, workers, cluster=cluster.scheduler_address)
        finally:
            for sampler in samplers:
                sampler.done.set()
                sampler.join()
    found = [sampler.peak_kib for sampler in samplers]
    result["workers_rss_kib"] = sum(found)
    print(
        f"  {'':24s} the Dask workers' peak RSS (sampled every 0.2 s): "
        + ", ".join(f"{mb(kib):,.0f} MB" for kib in found),
        flush=True,
    )
    return result


def run_batch(
    out: Path,
    url: str,
    workers: int,
    events: Path | None = None,
    rules: Path | None = None,
    keep: bool = False,
    cluster: str | None = None,
) -> dict[str, Any]:
    """``remit route-batch`` on ``events`` (default OUT/events.jsonl) as a subprocess: wall
    time, summary, memory, the decisions' digest. The decisions are
    OUT/decisions-w{workers}.jsonl (-dask with ``cluster``: route-batch --cluster on it),
    deleted unless ``keep`` (~1.5 GB for 1M decisions)."""
    remit = BIN / "remit"
    name = "dask" if cluster else f"w{workers}"
    decisions, rejects = out / f"decisions-{name}.jsonl", out / f"rejects-{name}.jsonl"
    command = [
        str(remit),
        "route-batch",
        str(events or out / "events.jsonl"),
        "-o",
        str(decisions),
        "--rejects",
        str(rejects),
        *(["--cluster", cluster] if cluster else ["--workers", str(workers)]),
        *(["--rules", str(rules)] if rules else []),
        "--db",
        url,
        "--lang",
        "en",
    ]
    result = timed(command, out / f"route-batch-{name}.log")
    text = result.pop("text")
    summary = re.search(r"^\d+ events: .*$", text, re.M)
    numbers = [int(n) for n in re.findall(r"\d+", summary.group(0))] if summary else []
    result |= {
        "workers": workers,
        "summary": summary.group(0) if summary else text.strip(),
        "total": numbers[0] if numbers else 0,
        "output_mb": decisions.stat().st_size / 2**20,
        "decisions": decisions,
        "digest": file_digest(decisions),
    }
    wall = result["wall"]
    label = "--cluster (LocalCluster)" if cluster else f"--workers {workers}"
    print(
        f"  {label}: {wall:.1f} s wall ({result['total'] / wall:,.0f} events/s), "
        f"{result['cpu']:.0f} s CPU; {result['summary']}; decisions {result['output_mb']:,.0f} MB; "
        f"{memory_text(result)}",
        flush=True,
    )
    if not keep:
        decisions.unlink(missing_ok=True)
    return result


def city_parser(description: str | None) -> argparse.ArgumentParser:
    """The options of a benchmark on gen_city's city: --out, --seed, --size, --events."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="the city's folder (default bench/out/city, or bench/out/city-SIZE)",
    )
    parser.add_argument("--seed", type=int, default=7, help="gen_city's seed, when it builds OUT")
    parser.add_argument(
        "--size",
        choices=("mega", "quick", "tiny"),
        default="mega",
        help="gen_city's city size, when it builds OUT (default mega)",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=1_000_000,
        help="events gen_city writes, when it builds OUT (default 1,000,000)",
    )
    return parser


def main() -> None:
    parser = city_parser(__doc__)
    parser.add_argument(
        "--sample", type=int, default=200_000, help="events routed in-process (default 200,000)"
    )
    parser.add_argument("--skip-batch", action="store_true", help="no route-batch runs")
    parser.add_argument(
        "--loads",
        action="store_true",
        help="hand each in-process router the graph check's loads, as the CLI does "
        "(overloaded fallbacks and referrals flagged)",
    )
    parser.add_argument(
        "--overload-threshold",
        type=float,
        help="with --loads: the check's overload_threshold (default 1.0)",
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="a tiny city of 2,000 events, 500 routed in-process (seconds; tests/test_bench.py)",
    )
    args = parser.parse_args()
    if args.tiny:
        args.size, args.events, args.sample = "tiny", 2000, 500
    out = ensure_city(args)
    import orjson

    from remit import Registry
    from remit.routing.router import SLICE, Router

    url = f"sqlite:///{out / 'registry.db'}"
    events_path = out / "events.jsonl"
    print(f"registry {url}; events {events_path} ({events_path.stat().st_size / 2**20:,.0f} MB)")

    print("\nsnapshot load from SQLite (Registry.snapshot):")
    registry = Registry(url)
    started = time.perf_counter()
    state = registry.state()
    state_s = time.perf_counter() - started
    print(f"  Registry.state() (areas, units, lists, versions): {state_s:.2f} s")
    snapshot_s: dict[dt.date, float] = {}
    for day in (BEFORE, AFTER):
        started = time.perf_counter()
        snapshot = registry.snapshot(day)
        snapshot_s[day] = time.perf_counter() - started
        print(
            f"  snapshot {day}: {snapshot_s[day]:.2f} s ({len(snapshot.duties):,} duties in force, "
            f"{len(snapshot.areas):,} areas, {len(snapshot.units):,} units; hash {snapshot.hash[:12]})"
        )
    del snapshot, state
    gc.collect()

    print(f"\nrouter in one process, first {args.sample:,} events of {events_path.name}:")
    events, unparsed, parse_s = read_sample(events_path, args.sample)
    count = len(events) + unparsed
    print(
        f"  parsed {count:,} lines in {parse_s:.1f} s ({count / parse_s:,.0f} lines/s, "
        f"EventIn.model_validate_json; not in the rates below); {unparsed} refused by the parser"
    )

    def loads() -> dict[str, Any]:
        """A fresh load source for each router (its own timings), when --loads."""
        if not args.loads:
            return {}
        from remit.checks import CheckConfig

        threshold = args.overload_threshold
        config = CheckConfig(overload_threshold=threshold) if threshold is not None else None
        return {"loads": TimedLoads(), "check_config": config}

    with Router(registry) as router:  # a decision as route-batch writes it, for the floor
        example = orjson.loads(router.route(events[0]).model_dump_json())
    floor = floors(events_path, len(events) + unparsed, registry.snapshot(AFTER), example)
    print(
        f"  the floor, in this run: read {floor['read']:.1f} + parse {floor['parse']:.1f} (orjson) + "
        f"resolve {floor['resolve']:.1f} (dict lookups) + write {floor['write']:.1f} (orjson) = "
        f"{floor['total']:.1f} µs CPU an event",
        flush=True,
    )
    print(
        f"  Router.route_many on slices of {SLICE}, decisions written plain (as route-batch's "
        "workers: batch.route_items, the collector set as theirs), unless it says route "
        "(Router.route, each model dumped); every decision's line made:"
    )
    runs = [
        bench_router(registry, events, "rules, no cache", cache=False, **loads()),
        bench_router(registry, events, "rules, cache", cache=True, **loads()),
        bench_router(
            registry, events, "reference, no cache", engine="reference", cache=False, **loads()
        ),
        bench_router(
            registry, events, "rules, no cache, route", cache=False, one_by_one=True, **loads()
        ),
    ]
    uncached, cached, reference, _alone = runs
    same = all(r["statuses"] == reference["statuses"] for r in runs)
    print(f"  statuses: {reference['statuses']} ({'the same' if same else 'DIFFERENT'} for all 4)")
    print(
        "  CPU an event over the floor: "
        + ", ".join(f"{r['label']} {r['cpu_us'] / floor['total']:.1f}×" for r in runs)
    )
    print(
        f"  ratios: cached/reference {cached['eps'] / reference['eps']:.2f}, "
        f"uncached/reference {uncached['eps'] / reference['eps']:.2f}, "
        f"uncached/target {uncached['eps'] / TARGET_UNCACHED_EPS:.2f} "
        f"(target {TARGET_UNCACHED_EPS:,} events/s)"
    )
    del events
    gc.collect()
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    batches: list[dict[str, Any]] = []
    if not args.skip_batch:
        print("\nremit route-batch on the whole file (subprocess):")
        batches = [run_batch(out, url, workers) for workers in (1, 2)]
        dask = run_dask(out, url, 2)
        ratio = dask["wall"] / batches[1]["wall"]
        same = dask["digest"] == batches[1]["digest"] == batches[0]["digest"]
        print(
            f"  Dask / --workers 2: {ratio:.2f}× the wall time (target <= {TARGET_DASK_RATIO}×); "
            f"the same decisions as --workers 1 and 2: {'yes' if same else 'NO'}",
            flush=True,
        )
    # not resource.getrusage(RUSAGE_CHILDREN): Linux keeps a child's RSS at fork in its max RSS
    # after exec, so every child of this (large) process would show this process's size
    print(
        f"\npeak memory: this process (snapshots, sample, routers) {mb(self_rss):,.0f} MB max RSS"
    )

    rows: list[tuple[str, str, str, bool | None]] = [
        (
            "snapshot load (slowest of 2 dates)",
            f"{max(snapshot_s.values()):.2f} s",
            f"< {TARGET_SNAPSHOT_S:.0f} s",
            max(snapshot_s.values()) < TARGET_SNAPSHOT_S,
        ),
        (
            "router, no cache: CPU an event / the floor",
            f"{uncached['cpu_us']:.0f} / {floor['total']:.1f} µs = {uncached['cpu_us'] / floor['total']:.1f}×",
            "-",
            None,
        ),
        (
            "router, no cache",
            f"{uncached['eps']:,.0f} events/s ({uncached['cpu_us']:.0f} µs CPU)",
            f">= {TARGET_UNCACHED_EPS:,} events/s",
            uncached["eps"] >= TARGET_UNCACHED_EPS,
        ),
        (
            "router, cache",
            f"{cached['eps']:,.0f} events/s ({cached['cpu_us']:.0f} µs CPU)",
            f">= {TARGET_CACHED_EPS:,} events/s",
            cached["eps"] >= TARGET_CACHED_EPS,
        ),
        (
            "router, cache / reference",
            f"{cached['eps']:,.0f} / {reference['eps']:,.0f} = "
            f"{cached['eps'] / reference['eps']:.2f}",
            f">= {TARGET_CACHED_RATIO}",
            cached["eps"] / reference["eps"] >= TARGET_CACHED_RATIO,
        ),
    ]
    for batch in batches:
        rows.append(
            (
                f"route-batch --workers {batch['workers']} ({batch['total']:,} events)",
                f"{batch['wall']:.1f} s",
                f"< {TARGET_BATCH_S:.0f} s" if batch["workers"] == 2 else "-",
                batch["wall"] < TARGET_BATCH_S if batch["workers"] == 2 else None,
            )
        )
    if batches:
        rows.append(
            (
                "route-batch on Dask (2 workers) / --workers 2",
                f"{dask['wall']:.1f} / {batches[1]['wall']:.1f} s = {ratio:.2f}×",
                f"<= {TARGET_DASK_RATIO}×",
                ratio <= TARGET_DASK_RATIO,
            )
        )
    rows.append(
        (
            "peak memory, this process",
            f"{mb(self_rss):,.0f} MB",
            f"< {TARGET_SELF_MB:,.0f} MB",
            mb(self_rss) < TARGET_SELF_MB,
        )
    )
    for batch in batches:
        rows.append(
            (
                f"peak memory, route-batch --workers {batch['workers']} (all processes)",
                f"{mb(batch['tree_peak_kib']):,.0f} MB (largest {mb(batch['max_rss_kib']):,.0f})",
                f"< {TARGET_PEAK_MB:,.0f} MB",
                mb(batch["tree_peak_kib"]) < TARGET_PEAK_MB,
            )
        )
    if batches:
        client_kib, workers_kib = dask["max_rss_kib"], dask["workers_rss_kib"]
        rows.append(
            (
                "peak memory, route-batch on Dask (client's max RSS + workers' peaks)",
                f"{mb(client_kib + workers_kib):,.0f} MB (client {mb(client_kib):,.0f})",
                f"< {TARGET_PEAK_MB:,.0f} MB",
                mb(client_kib + workers_kib) < TARGET_PEAK_MB,
            )
        )
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"\n{'figure':{width}s}  {'measured':{value_width}s}  {'target':22s}  result")
    for name, value, target, ok in rows:
        result = "-" if ok is None else verdict(ok)
        print(f"{name:{width}s}  {value:{value_width}s}  {target:22s}  {result}")


if __name__ == "__main__":
    main()
