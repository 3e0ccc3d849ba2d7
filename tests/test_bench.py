"""Every benchmark in bench/ runs end to end at a tiny size (seconds each), so that none can
rot: a script added to bench/ without a line here fails the first test. The figures are not
checked (timing targets live in bench/, never in tests); that each script finishes, prints
its figures and finds what it must (identical replays, points in their grids) is."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import ROOT

BENCH = ROOT / "bench"

# script: (its arguments after the tiny city's folder is filled in, what its output must show)
TINY: dict[str, tuple[list[str], list[str]]] = {
    "gen_city.py": (
        ["--size", "tiny", "--events", "100", "--out", "{tmp}"],
        ["areas", "100 events"],
    ),
    "route.py": (
        ["--tiny", "--out", "{city}"],
        [
            "the floor, in this run",
            "µs CPU an event",
            "--workers 2",
            "over the floor",
            "--cluster (LocalCluster)",
            "the same decisions as --workers 1 and 2: yes",
        ],
    ),
    "overload.py": (["--tiny", "--out", "{city}"], ["with loads", "ratio"]),
    "check.py": (["--tiny", "--db", "{tmp}/check.db"], ["full check", "scaling exponent"]),
    "replay.py": (
        ["--sample", "--first", "200", "--out", "{tmp}", "--workers", "1", "2"],
        ["every decision replayed identically: yes"],
    ),
    "locate.py": (["--tiny"], ["lookups/s", "every point found in its own grid: yes"]),
    "bus.py": (["--tiny"], ["worker(s), with cases", "events/s", "µs of worker CPU"]),
    "serve.py": (
        ["--tiny"],
        ["cases/s recorded", "events/s", "requests/s", "ms/event", "p99", "errors: none"],
    ),
}
NEEDS_PG = {"serve.py", "bus.py"}
NEEDS_BROKER = {"bus.py"}


def test_every_benchmark_has_a_tiny_run() -> None:
    scripts = sorted(p.name for p in BENCH.glob("*.py"))
    assert sorted(TINY) == scripts


@pytest.fixture(scope="module")
def tiny_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gen_city's tiny city, built once by bench/route.py's own ensure_city (as ``--tiny``
    asks for it), for the benchmarks that route on it."""
    spec = importlib.util.spec_from_file_location("bench_route", BENCH / "route.py")
    assert spec is not None and spec.loader is not None
    route = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(route)
    folder = tmp_path_factory.mktemp("city")
    wanted = argparse.Namespace(out=folder, seed=7, size="tiny", events=2000)
    built: Path = route.ensure_city(wanted)
    return built


@pytest.mark.parametrize("script", sorted(TINY))
def test_the_benchmark_runs_at_a_tiny_size(
    script: str, tmp_path: Path, request: pytest.FixtureRequest, pg_reason: str | None
) -> None:
    if script in NEEDS_PG:
        from tests.conftest import need_pg

        need_pg(pg_reason)
    if script in NEEDS_BROKER:
        request.getfixturevalue("broker")  # skips (or fails, with REMIT_REQUIRE_BUS) without one
    arguments, shown = TINY[script]
    city = str(request.getfixturevalue("tiny_city")) if "{city}" in arguments else ""
    filled = [a.format(tmp=tmp_path, city=city) for a in arguments]
    result = subprocess.run(
        [sys.executable, BENCH / script, *filled],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for text in shown:
        assert text in result.stdout, (text, result.stdout[-3000:])
