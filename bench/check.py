"""Benchmark of ``remit check`` (the graph check) on the synthetic megacity of bench/gen_city.py.

    .venv/bin/python bench/check.py                  # the megacity, built once into bench/out/
    .venv/bin/python bench/check.py --quick          # a small city, for a smoke run
    .venv/bin/python bench/check.py --profile 25     # … and a cProfile of one full check

The registry. gen_city's city (``build`` + ``add_dispatch`` with gen_city's defaults, no events)
is imported into SQLite at ``--db`` (default ``bench/out/check/city-s{SEED}-{SIZE}.db``) in
a subprocess, so that the import's memory is not counted below; a sidecar ``DB.json`` records
the seed, the size, the SHA-256 of gen_city.py and the registry's table layout (schema version),
and the database is reused while they match
(a database without a sidecar, given with ``--db``, is used as it is). ``--quick`` builds a city
about a tenth of the size by setting gen_city's size constants before ``build``.

Printed, each with what it measured, on the snapshot of ``--as-of`` (default 2025-09-01, after
the department lists' 2025-07-01 versions):

- the size: duties in force, grids and leaf areas, leaf matters (targets: 100,000 duties,
  5,000 grids, 300 matters);
- ``Registry(url).snapshot(as_of)`` and ``run_check(snapshot)``, each run ``--repeat`` times
  (every run printed, the best counts); then ``report.model_dump_json()`` and
  ``render_html(report, lang)`` (en and zh) on the last report. Every time is wall time and
  this process's CPU time (``time.process_time``): on a machine other processes share, wall
  time varies from run to run and CPU time much less, so the load average is printed at the
  start and the end;
- peak memory: the RSS high-water mark of this process (``getrusage(RUSAGE_SELF).ru_maxrss``,
  the kernel's VmHWM, not tracemalloc: it counts everything the process touched, C and Python),
  after the imports, after the snapshot loads, after the checks (the figure held against the
  target), after rendering and at the end;
- scaling: the check on sub-cities of 10%, 20%, … 100% of the streets (below), with cells
  (``report.checked["cells"]``), duties, wall and CPU time, CPU seconds per million cells, and
  the exponent b of a least-squares fit time ≈ a·cells^b on CPU time and on wall time (b ≤ 1:
  no worse than linear; the summary holds the CPU one against 1.1);
- the targets (full check < 30 s wall, peak memory < 2 GB) with PASS or MISS.

How a fraction is taken. ``run_check(snapshot, area=...)`` is not a smaller city: it still
indexes every duty of the snapshot, scans every area for the related ones and filters every
row, so its cost is not that of a city of that size; and a fraction of the matters keeps all
5,000 grids and their area work and draws on matters of unequal kinds (component matters have 2
attribute cells, event matters 24). The city grows by streets — each brings its communities and
grids, its street list, its property managers' grid rows and its share of cells — so a fraction
f is a sub-snapshot (:func:`sub_snapshot`): a :class:`Snapshot` with round(f × streets) streets
spread evenly over the sorted street codes, the areas under them, the city and the districts
above them, the duties scoped to those areas (city- and district-wide department rows included,
as a smaller real city has them too) and the units with a kept jurisdiction or a kept duty. The
department rows do not shrink with f, so duties are printed next to cells; cells (leaf areas ×
attribute cells, over every leaf matter) do scale with f. The 100% sub-snapshot is an
equivalent copy of the full snapshot.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import hashlib
import importlib.util
import io
import json
import math
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from remit.checks.report import CheckReport
    from remit.registry.facade import Registry
    from remit.registry.snapshot import Snapshot

ROOT = Path(__file__).resolve().parent.parent
GEN_CITY = ROOT / "bench" / "gen_city.py"
AS_OF = dt.date(2025, 9, 1)  # after the department lists' 2025-07-01 versions

# the targets on this 2-core machine
TARGET_CHECK_S = 30.0
TARGET_PEAK_MB = 2048.0
TARGET_DUTIES = 100_000
TARGET_GRIDS = 5_000
TARGET_MATTERS = 300
LINEAR_EXPONENT = 1.1  # b of time ≈ a·cells^b above which growth counts as worse than linear

T = TypeVar("T")


def mb(kib: float) -> float:
    return kib / 1024


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def max_rss_mb() -> float:
    """The RSS high-water mark of this process so far (Linux: ru_maxrss in KiB)."""
    return mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


@dataclass(frozen=True)
class Timing:
    """Wall time and this process's CPU time (user + system) of one call, in seconds."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s ({self.cpu:.2f} s CPU)"


def timed(call: Callable[[], T]) -> tuple[T, Timing]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def best(timings: Sequence[Timing]) -> Timing:
    """The fastest run by wall time, and the least CPU time of any run."""
    return Timing(min(t.wall for t in timings), min(t.cpu for t in timings))


def load_average() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------- the registry


def load_gen_city() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_city", GEN_CITY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _schema_version() -> str:
    from remit.registry.models import SCHEMA_VERSION

    return SCHEMA_VERSION


def expected_meta(seed: int, size: str) -> dict[str, Any]:
    """What a database built for ``seed`` and the size must have been built from."""
    return {
        "seed": seed,
        "size": size,
        "gen_city_sha256": hashlib.sha256(GEN_CITY.read_bytes()).hexdigest(),
        "schema_version": _schema_version(),
    }


def sidecar(db: Path) -> Path:
    return db.with_name(db.name + ".json")


def build_into(db: Path, seed: int, size: str) -> None:
    """(In a subprocess.) gen_city's city into ``db``, atomically, and its sidecar."""
    from remit import Registry

    gen_city = load_gen_city()
    gen_city.resize(size)
    started = time.perf_counter()
    city = gen_city.build(seed)
    gen_city.add_dispatch(city, seed)  # gen_city's defaults, as its main() does
    db.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=db.parent, prefix=".tree-") as tree:
        rows = gen_city.write_tree(city, Path(tree) / "registry")
        built = time.perf_counter() - started
        partial = db.with_name(db.name + ".partial")
        partial.unlink(missing_ok=True)
        registry = Registry.create(f"sqlite:///{partial}")
        started = time.perf_counter()
        registry.import_files([Path(tree) / "registry"], by="bench/check.py")
        imported = time.perf_counter() - started
        registry.close()
    os.replace(partial, db)
    areas = city["areas"]["areas"]
    meta = {
        **expected_meta(seed, size),
        "areas": len(areas),
        "grids": sum(1 for a in areas if a["level"] == "grid"),
        "leaf_matters": sum(
            1 for m in city["catalogue"]["versions"][0]["matters"] if "parent" in m
        ),
        "lists": len(city["lists"]),
        "duty_rows": rows,
    }
    sidecar(db).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(
        f"  built {meta['areas']:,} areas ({meta['grids']:,} grids), {meta['leaf_matters']} leaf "
        f"matters, {meta['lists']} lists, {rows:,} duty rows over all versions in {built:.1f} s; "
        f"imported into {db} in {imported:.1f} s",
        flush=True,
    )


def ensure_db(db: Path, seed: int, size: str) -> None:
    """Reuse ``db`` if its sidecar matches (or it has none); else build it in a subprocess."""
    want = expected_meta(seed, size)
    if db.is_file():
        if not sidecar(db).is_file():
            print(f"registry {db}: no sidecar, not built by bench/check.py: used as it is")
            return
        have = json.loads(sidecar(db).read_text(encoding="utf-8"))
        if all(have.get(k) == v for k, v in want.items()):
            print(f"registry {db}: reused (seed {seed}, {want['size']}, gen_city.py unchanged)")
            return
        stale = ", ".join(k for k, v in want.items() if have.get(k) != v)
        print(f"registry {db}: built for another {stale}; rebuilding")
    command = [sys.executable, str(Path(__file__).resolve()), "--build-into", str(db)]
    command += ["--seed", str(seed), "--size", size]
    print(f"$ {' '.join(command)}", flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"  ({time.perf_counter() - started:.1f} s with the interpreter's start)", flush=True)


# --------------------------------------------------------------------------- sub-cities


def sub_snapshot(snapshot: Snapshot, fraction: float) -> tuple[Snapshot, int]:
    """The city cut to round(``fraction`` × streets) streets spread evenly over the sorted street
    codes: the areas under them and above them, the duties scoped to those areas, the units with
    a kept jurisdiction or a kept duty. Returns it and the number of streets kept."""
    from remit.registry.entities import Level
    from remit.registry.snapshot import Snapshot

    streets = sorted(c for c, a in snapshot.areas.items() if a.level is Level.street)
    count = max(1, min(len(streets), round(fraction * len(streets))))
    chosen = {streets[i * len(streets) // count] for i in range(count)}
    above = {a for s in chosen for a in snapshot.ancestors(s)}
    areas = {
        code: area
        for code, area in snapshot.areas.items()
        if code in above or not chosen.isdisjoint(snapshot.ancestors(code))
    }
    duties = tuple(e for e in snapshot.duties if e.duty.area in areas)
    dangling = tuple(e for e in snapshot.dangling if e.duty.area in areas)
    used = {e.duty.unit for e in duties} | {e.duty.refer_to for e in duties if e.duty.refer_to}
    units = {
        code: unit
        for code, unit in snapshot.units.items()
        if unit.jurisdiction in areas or code in used
    }
    # a new Snapshot, not dataclasses.replace: replace would hand over the full snapshot's
    # indexes (init fields) for __post_init__ to add to
    sub = Snapshot(
        as_of=snapshot.as_of,
        hash=hashlib.sha256(f"{snapshot.hash}/{sorted(chosen)}".encode()).hexdigest(),
        areas=areas,
        units=units,
        catalogue=snapshot.catalogue,
        matters=snapshot.matters,
        lists=snapshot.lists,
        duties=duties,
        dangling=dangling,
    )
    return sub, count


@dataclass
class Scale:
    fraction: float
    streets: int
    leaf_areas: int
    cells: int
    duties: int
    findings: int
    time: Timing

    def per_mcells(self, seconds: float) -> float:
        return seconds / self.cells * 1e6


def power_fit(points: Sequence[tuple[float, float]]) -> float:
    """b of the least-squares line log y = log a + b log x."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 1.0


# --------------------------------------------------------------------------- the benchmark


def bench_load(registry: Registry, as_of: dt.date, repeat: int) -> tuple[Snapshot, list[Timing]]:
    loads: list[Timing] = []
    snapshot: Snapshot | None = None
    for n in range(1, repeat + 1):
        snapshot = None  # the previous one goes before the next is loaded
        snapshot, took = timed(lambda: registry.snapshot(as_of))
        loads.append(took)
        print(f"  load {n}: {took}", flush=True)
    assert snapshot is not None
    print(
        f"  {len(snapshot.duties):,} duties in force ({len(snapshot.dangling)} dangling), "
        f"{len(snapshot.areas):,} areas, {len(snapshot.units):,} units, {len(snapshot.lists)} "
        f"lists; hash {snapshot.hash[:12]}"
    )
    return snapshot, loads


def bench_check(snapshot: Snapshot, repeat: int) -> tuple[CheckReport, list[Timing]]:
    from remit.checks import run_check

    checks: list[Timing] = []
    report: CheckReport | None = None
    for n in range(1, repeat + 1):
        report = None
        report, took = timed(lambda: run_check(snapshot))
        checks.append(took)
        print(
            f"  check {n}: {took}: {report.checked['cells']:,} cells, "
            f"{len(report.findings):,} findings",
            flush=True,
        )
    assert report is not None
    checked, fastest = report.checked, best(checks)
    print(
        f"  checked {checked['matters']} matters × {checked['leaf_areas']:,} leaf areas "
        f"(× attribute cells) = {checked['cells']:,} cells, {checked['duties']:,} duties; "
        f"best {fastest.wall:.2f} s wall, {fastest.cpu:.2f} s CPU = "
        f"{fastest.cpu / checked['cells'] * 1e6:.3f} CPU s per million cells"
    )
    print(f"  findings by kind: {report.counts}; by severity: {report.severities}")
    return report, checks


def bench_render(report: CheckReport) -> dict[str, Timing]:
    text, took = timed(report.model_dump_json)
    print(f"  {'report.model_dump_json()':27s} {took}, {len(text) / 2**20:,.1f} MB")
    renders = {"json": took}
    try:
        from remit.present.check_html import render_html
    except ImportError:
        print("  render_html: not in remit/checks/html.py, skipped")
        return renders
    for lang in ("en", "zh"):
        text, took = timed(lambda lang=lang: render_html(report, lang))
        renders[f"html {lang}"] = took
        print(f"  {f'render_html(report, {lang!r})':27s} {took}, {len(text) / 2**20:,.1f} MB")
    return renders


def bench_scaling(snapshot: Snapshot, fractions: list[float], repeat: int) -> list[Scale]:
    from remit.checks import run_check

    print(
        f"  {'share':>5s} {'streets':>7s} {'leaf areas':>10s} {'cells':>11s} {'duties':>8s} "
        f"{'findings':>8s} {'wall s':>7s} {'CPU s':>7s} {'CPU s/Mcells':>12s}"
    )
    scales: list[Scale] = []
    for fraction in fractions:
        sub, streets = sub_snapshot(snapshot, fraction)
        timings: list[Timing] = []
        for _ in range(repeat):
            report, took = timed(lambda sub=sub: run_check(sub))
            timings.append(took)
        checked = report.checked
        row = Scale(
            fraction,
            streets,
            checked["leaf_areas"],
            checked["cells"],
            checked["duties"],
            len(report.findings),
            best(timings),
        )
        scales.append(row)
        print(
            f"  {fraction:5.0%} {row.streets:7,} {row.leaf_areas:10,} {row.cells:11,} "
            f"{row.duties:8,} {row.findings:8,} {row.time.wall:7.2f} {row.time.cpu:7.2f} "
            f"{row.per_mcells(row.time.cpu):12.3f}",
            flush=True,
        )
        del sub, report
    return scales


def size_rows(snapshot: Snapshot, report: CheckReport) -> list[tuple[str, int, int]]:
    from remit.checks.coverage import leaf_matters
    from remit.registry.entities import Level

    grids = sum(1 for a in snapshot.areas.values() if a.level is Level.grid)
    return [
        ("duties in force", len(snapshot.duties), TARGET_DUTIES),
        ("grids", grids, TARGET_GRIDS),
        ("leaf matters", len(leaf_matters(snapshot)), TARGET_MATTERS),
    ]


def profile_check(snapshot: Snapshot, lines: int) -> None:
    from remit.checks import run_check

    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    run_check(snapshot)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(lines)
    print(f"\ncProfile of one run_check(snapshot), top {lines} by cumulative time:")
    print(text.getvalue().strip())
    text = io.StringIO()
    stats.stream = text  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(lines)
    print(f"\n… and top {lines} by own time:")
    print(text.getvalue().strip().split("\n\n", 1)[-1])


def parse_fractions(text: str) -> list[float]:
    if text.strip().lower() == "none":
        return []
    try:
        fractions = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text}") from exc
    if not fractions or not all(0 < f <= 1 for f in fractions):
        raise argparse.ArgumentTypeError("fractions must be in (0, 1]")
    return fractions


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", type=Path, help="SQLite file (default bench/out/check/city-s{SEED}-{SIZE}.db)"
    )
    parser.add_argument("--seed", type=int, default=7, help="gen_city's seed (default 7)")
    parser.add_argument(
        "--size",
        choices=("mega", "quick", "tiny"),
        default="mega",
        help="gen_city's city size (default mega)",
    )
    parser.add_argument(
        "--quick", dest="size", action="store_const", const="quick", help="--size quick"
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="--size tiny, one run, two scaling fractions: seconds (tests/test_bench.py)",
    )
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=AS_OF, help=f"default {AS_OF}"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of load and check (best)")
    parser.add_argument(
        "--fractions",
        type=parse_fractions,
        default=[n / 10 for n in range(1, 11)],
        help="shares of the streets for the scaling runs (default 0.1,0.2,…,1; 'none': skip)",
    )
    parser.add_argument(
        "--scale-repeat",
        type=int,
        help="runs per scaling fraction (best; default: --repeat)",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="cProfile one check, top N lines"
    )
    parser.add_argument("--build-into", type=Path, help=argparse.SUPPRESS)  # the subprocess
    args = parser.parse_args()
    if args.tiny:
        args.size, args.repeat, args.fractions = "tiny", 1, [0.5, 1.0]
    if args.build_into is not None:
        build_into(args.build_into, args.seed, args.size)
        return
    if args.scale_repeat is None:
        args.scale_repeat = args.repeat
    if args.repeat < 1 or args.scale_repeat < 1:
        parser.error("--repeat and --scale-repeat must be at least 1")

    size = args.size
    db: Path = args.db or ROOT / "bench" / "out" / "check" / f"city-s{args.seed}-{size}.db"
    db = db.resolve()
    ensure_db(db, args.seed, args.size)

    print(f"{os.cpu_count()} CPUs; {load_average()} (other processes share them: see CPU times)")
    from remit import Registry

    rss: dict[str, float] = {"after imports": max_rss_mb()}
    url = f"sqlite:///{db}"
    print(f"\nsnapshot {args.as_of} from {url} ({db.stat().st_size / 2**20:,.0f} MB file):")
    snapshot, loads = bench_load(Registry(url), args.as_of, args.repeat)
    rss["after snapshot loads"] = max_rss_mb()

    print("\nrun_check(snapshot):")
    report, checks = bench_check(snapshot, args.repeat)
    rss["after checks"] = max_rss_mb()

    print("\nsize (the megacity's targets):")
    sizes = size_rows(snapshot, report)
    print(f"  {'leaf areas':16s} {report.checked['leaf_areas']:9,}")
    for name, value, target in sizes:
        print(f"  {name:16s} {value:9,}  (target >= {target:,}: {verdict(value >= target)})")

    print("\nrendering the last report:")
    renders = bench_render(report)
    rss["after rendering"] = max_rss_mb()
    del report

    if args.profile:
        profile_check(snapshot, args.profile)

    fits: dict[str, float] = {}
    if args.fractions:
        print(
            f"\nscaling: run_check on sub-cities (a share of the streets; best of {args.scale_repeat}):"
        )
        scales = bench_scaling(snapshot, args.fractions, args.scale_repeat)
        if len(scales) > 1:
            fits = {
                "wall": power_fit([(s.cells, s.time.wall) for s in scales]),
                "cpu": power_fit([(s.cells, s.time.cpu) for s in scales]),
            }
            first, last = scales[0], scales[-1]
            print(
                f"  time ≈ a·cells^b: b = {fits['cpu']:.2f} on CPU time, {fits['wall']:.2f} on wall "
                f"time; CPU s per million cells {first.per_mcells(first.time.cpu):.3f} at "
                f"{first.fraction:.0%}, {last.per_mcells(last.time.cpu):.3f} at {last.fraction:.0%}"
            )
    rss["at the end"] = max_rss_mb()

    print("\npeak memory (RSS high-water mark of this process, getrusage ru_maxrss):")
    for stage, value in rss.items():
        print(f"  {stage:22s} {value:8,.0f} MB")
    print(f"\n{load_average()}")

    check, load = best(checks), best(loads)
    peak = rss["after checks"]
    rows: list[tuple[str, str, str, bool | None]] = [
        (
            f"full check, best of {args.repeat} (wall)",
            f"{check.wall:.2f} s",
            f"< {TARGET_CHECK_S:.0f} s",
            check.wall < TARGET_CHECK_S,
        ),
        (f"full check, best of {args.repeat} (CPU)", f"{check.cpu:.2f} s", "-", None),
        (
            "peak memory, snapshot + check",
            f"{peak:,.0f} MB",
            f"< {TARGET_PEAK_MB:,.0f} MB",
            peak < TARGET_PEAK_MB,
        ),
        (f"snapshot load, best of {args.repeat} (wall)", f"{load.wall:.2f} s", "-", None),
    ]
    rows += [(f"render {name} (wall)", f"{t.wall:.2f} s", "-", None) for name, t in renders.items()]
    rows += [
        (f"size: {name}", f"{value:,}", f">= {target:,}", value >= target)
        for name, value, target in sizes
    ]
    if fits:
        rows.append(
            (
                "scaling exponent b, CPU time ≈ a·cells^b",
                f"{fits['cpu']:.2f}",
                f"<= {LINEAR_EXPONENT} (linear)",
                fits["cpu"] <= LINEAR_EXPONENT,
            )
        )
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    note = f" (--size {args.size}: a small city, not the megacity)" if args.size != "mega" else ""
    print(f"\nsummary{note}:")
    print(f"{'figure':{width}s}  {'measured':{value_width}s}  {'target':20s}  result")
    for name, value, target, ok in rows:
        result = "-" if ok is None else verdict(ok)
        print(f"{name:{width}s}  {value:{value_width}s}  {target:20s}  {result}")


if __name__ == "__main__":
    main()
