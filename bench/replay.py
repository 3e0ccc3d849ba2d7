"""Replay benchmark: ``remit route-batch`` of gen_city's events, then ``remit replay`` of the
decisions it wrote, with the same workers; the rates of both and their ratio (target: replaying
no slower than routing, a ratio ≥ 1).

    .venv/bin/python bench/replay.py                           # bench/out/city, 1M events, 1 and 2 workers
    .venv/bin/python bench/replay.py --first 100000 --workers 2
    .venv/bin/python bench/replay.py --sample --first 300 --out /tmp/replay   # a smoke run

The city is OUT (OUT/registry.db and OUT/events.jsonl, built with ``gen_city.py --import`` when
one is missing, as bench/route.py does). ``--first N`` takes the first N lines of
OUT/events.jsonl (into OUT/events-N.jsonl). ``--sample`` runs on the sample district instead
(data/responsibility_lists imported into OUT/registry.db, N events cycled from
data/events/huangpu-2026.jsonl with ids of their own, ``--rules data/rules/``): seconds, for
tests/test_replay.py, so that this script cannot rot.

For each ``--workers`` count, both commands run as subprocesses of the installed CLI, timed
(wall and CPU time, memory: see bench/route.py). Both rates are given in decisions per second —
the decisions route-batch wrote (its events less the rejected ones), which replay reads — and
the ratio is route-batch's wall time over replay's; each run's own line also gives route-batch's
rate in events read per second. Replay must find every
decision identical (the registry is untouched): the script exits 1 when it does not. The load
average is printed at the start and the end: the machine may be shared.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any

from route import BIN, ROOT, city_parser, ensure_city, memory_text, run_batch, timed

SAMPLE = ROOT / "data" / "responsibility_lists"
SAMPLE_EVENTS = ROOT / "data" / "events" / "huangpu-2026.jsonl"
SAMPLE_RULES = ROOT / "data" / "rules"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def sample_district(out: Path, count: int) -> Path:
    """The sample district in OUT/registry.db and ``count`` of its events in OUT/events.jsonl."""
    from remit import Registry

    out.mkdir(parents=True, exist_ok=True)
    db = out / "registry.db"
    db.unlink(missing_ok=True)
    with Registry.create(f"sqlite:///{db}") as registry:
        registry.import_files([SAMPLE], by="bench")
    lines = [json.loads(x) for x in SAMPLE_EVENTS.read_text(encoding="utf-8").splitlines() if x]
    path = out / "events.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n, event in zip(range(count), itertools.cycle(lines), strict=False):
            handle.write(json.dumps({**event, "id": f"{event['id']}-{n}"}, ensure_ascii=False))
            handle.write("\n")
    return path


def first_events(out: Path, count: int | None) -> Path:
    """OUT/events.jsonl, or its first ``count`` lines in OUT/events-{count}.jsonl."""
    path = out / "events.jsonl"
    if count is None:
        return path
    part = out / f"events-{count}.jsonl"
    with path.open("rb") as source, part.open("wb") as target:
        target.writelines(itertools.islice(source, count))
    return part


def run_replay(
    out: Path, url: str, workers: int, decisions: Path, rules: Path | None
) -> dict[str, Any]:
    """``remit replay`` of ``decisions`` as a subprocess (JSON report), timed."""
    report_path = out / f"replay-w{workers}.json"
    command = [str(BIN / "remit"), "replay", str(decisions), "--workers", str(workers)]
    command += [*(["--rules", str(rules)] if rules else []), "--db", url, "--lang", "en"]
    command += ["--format", "json", "-o", str(report_path)]
    result = timed(command, out / f"replay-w{workers}.log")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    result |= {"report": report, "total": report["decisions"]}
    wall = result["wall"]
    print(
        f"  --workers {workers}: {wall:.1f} s wall ({report['decisions'] / wall:,.0f} "
        f"decisions/s), {result['cpu']:.0f} s CPU; {report['decisions']:,} decisions, "
        f"{report['identical']:,} identical, {report['changed']:,} changed, "
        f"{len(report['bad_lines'])} bad lines; {memory_text(result)}",
        flush=True,
    )
    return result


def main() -> None:
    parser = city_parser(__doc__)
    parser.add_argument(
        "--first", type=int, metavar="N", help="only the first N events (default: all)"
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)"
    )
    parser.add_argument(
        "--sample", action="store_true", help="the sample district instead of gen_city's"
    )
    args = parser.parse_args()
    print(f"load average at the start: {load()} ({os.cpu_count()} CPUs)", flush=True)
    if args.sample:
        out: Path = (args.out or ROOT / "bench" / "out" / "replay-sample").resolve()
        events, rules = sample_district(out, args.first or 300), SAMPLE_RULES
    else:
        out = ensure_city(args)
        events, rules = first_events(out, args.first), None
    url = f"sqlite:///{out / 'registry.db'}"
    print(f"registry {url}; events {events} ({events.stat().st_size / 2**20:,.1f} MB)")

    rows = []
    identical = True
    for workers in args.workers:
        print(f"\nworkers {workers}: route-batch, then replay of its decisions", flush=True)
        routed = run_batch(out, url, workers, events=events, rules=rules, keep=True)
        replayed = run_replay(out, url, workers, routed["decisions"], rules)
        routed["decisions"].unlink(missing_ok=True)
        report = replayed["report"]
        identical &= report["identical"] == report["decisions"] and not report["bad_lines"]
        rows.append((workers, routed, replayed))

    print(f"\nload average at the end: {load()}")
    print(
        "\nrates in decisions/s (those route-batch wrote, which replay reads); ratio: "
        "route-batch's wall time / replay's (≥ 1: replay no slower)"
    )
    print(
        f"{'workers':>7}  {'route-batch':>24}  {'replay':>24}  {'ratio':>6}  result  "
        f"{'CPU route / replay (ratio)':>27}"
    )
    for workers, routed, replayed in rows:
        decisions = replayed["total"]
        ratio = routed["wall"] / replayed["wall"]
        cpu = f"{routed['cpu']:.0f} s / {replayed['cpu']:.0f} s ({routed['cpu'] / replayed['cpu']:.2f})"
        print(
            f"{workers:>7}  {routed['wall']:7.1f} s {decisions / routed['wall']:>9,.0f}/s  "
            f"{replayed['wall']:7.1f} s {decisions / replayed['wall']:>9,.0f}/s  {ratio:>6.2f}  "
            f"{'PASS' if ratio >= 1 else 'MISS':6s}  {cpu:>27}"
        )
    print(f"every decision replayed identically: {'yes' if identical else 'NO'}")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
