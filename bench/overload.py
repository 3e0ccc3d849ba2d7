"""What the overload flag costs routed events: one process, the same events, a router without a
load source against one handed the graph check's loads (as the command line hands them), whose
loads are computed for the sample's snapshots before the clock starts — so only the per-event
cost differs — interleaved over ``--rounds``; the rule engine without the cache, then with it.

    .venv/bin/python bench/overload.py --out bench/out/city --sample 5000

Also prints what the check's loads of each snapshot take (once per snapshot and process, at its
first fallback or referral).
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from typing import Any

from route import city_parser, ensure_city, read_sample


def main() -> None:
    parser = city_parser(__doc__)
    parser.add_argument("--sample", type=int, default=5000, help="events routed (default 5,000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument(
        "--tiny", action="store_true", help="a tiny city, 300 events, 1 round (tests/test_bench.py)"
    )
    args = parser.parse_args()
    if args.tiny:
        args.size, args.events, args.sample, args.rounds = "tiny", 2000, 300, 1
    out = ensure_city(args)

    from remit import Registry
    from remit.checks import GraphCheck
    from remit.errors import InputError
    from remit.routing.router import Router

    registry = Registry(f"sqlite:///{out / 'registry.db'}")
    events, _, _ = read_sample(out / "events.jsonl", args.sample)

    def run(router: Router) -> float:
        gc.collect()
        started = time.perf_counter()
        for event in events:
            with contextlib.suppress(InputError):
                router.route(event)
        return len(events) / (time.perf_counter() - started)

    def rates(values: list[float]) -> str:
        return (
            f"{statistics.median(values):,.0f} events/s ({', '.join(f'{x:,.0f}' for x in values)})"
        )

    for cache in (False, True):
        plain = Router(registry, cache=cache)
        loaded = Router(registry, cache=cache, loads=GraphCheck())
        days = sorted({plain._local_day(e.reported_at) for e in events})
        for router in (plain, loaded):
            for day in days:
                snapshot = router.loaded(day).snapshot
                if router.overload is not None and snapshot.hash not in router.overload._by_hash:
                    started = time.perf_counter()
                    router.overload.loads(snapshot)
                    took = time.perf_counter() - started
                    print(f"  the check's loads of snapshot {snapshot.hash[:12]}: {took:.2f} s")
        run(plain), run(loaded)  # warm: the cache filled
        a: list[float] = []
        b: list[float] = []
        for _ in range(args.rounds):
            a.append(run(plain))
            b.append(run(loaded))
        ratio = statistics.median(b) / statistics.median(a)
        label: Any = "cache" if cache else "no cache"
        print(f"rules, {label}: no load source {rates(a)}")
        print(f"rules, {label}: with loads     {rates(b)}; ratio {ratio:.3f}", flush=True)
        plain.close()
        loaded.close()


if __name__ == "__main__":
    main()
