"""The lean batch path and the Dask cluster (remit/routing/ranges.py, docs/scale.md): a JSON
Lines file cut into byte ranges of whole lines, routed (or replayed) by worker processes or on
a Dask ``LocalCluster`` into part files merged in order — the same bytes as one process writes."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit.deadlines import WorkingHours
from remit.files import limits
from remit.i18n import current_lang
from remit.routing import batch, ranges
from remit.routing.ranges import Kept, range_count, range_lines, split
from tests.factories import ROOT, SAMPLE, Cli, exits, file_digest, invoke, sqlite_registry

EVENTS = ROOT / "data" / "events" / "huangpu-2026.jsonl"
RULES = ROOT / "data" / "rules"
LONG = 3000
"""REMIT_MAX_JSON_LINE_BYTES in the batch tests: one line of the events is longer."""

# --- cutting a file into ranges -----------------------------------------------------------------

_LINE = st.one_of(
    st.just(b""),
    st.just(b"  \t"),
    st.just(b"\r"),
    st.just(b"\xef\xbb\xbf{}"),
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
    st.integers(60, 200).map(lambda n: b"x" * n),  # over the limit below: a LongLine
)


def _seen(found: Iterator[tuple[int, bytes]]) -> list[tuple[int, bytes, int | None]]:
    return [(n, bytes(line), getattr(line, "size", None)) for n, line in found]


@settings(max_examples=300, deadline=None, database=None)
@given(
    lines=st.lists(_LINE, max_size=40),
    end=st.sampled_from([b"", b"\n", b"\r\n"]),
    count=st.integers(1, 50),
)
def test_ranges_give_the_files_lines_with_their_numbers(
    lines: list[bytes], end: bytes, count: int
) -> None:
    data = b"\n".join(lines) + end
    env = {limits.JSON_LINE_BYTES.env: "50"}
    with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ, env):
        path = Path(folder) / "f.jsonl"
        path.write_bytes(data)
        with path.open("rb") as handle:
            whole = _seen(limits.json_lines(handle))
        cut = split(path, count)
        assert 1 <= len(cut) <= count
        assert [r.index for r in cut] == list(range(len(cut)))
        assert cut[0].start == 0 and cut[-1].end == len(data)
        for before, after in itertools.pairwise(cut):
            assert before.start < before.end == after.start  # contiguous, none empty
        for part in cut:  # each starts a line, numbered as the whole file numbers it
            assert part.start == 0 or data[part.start - 1 : part.start] == b"\n"
            assert part.first_line == data[: part.start].count(b"\n") + 1
        assert [x for part in cut for x in _seen(range_lines(path, part))] == whole


def test_ranges_are_cut_by_workers_and_size() -> None:
    mb = 1 << 20
    assert range_count(0, 2) == 1
    assert range_count(100_000, 2) == 1  # a small file: one range
    assert range_count(mb, 1) == 1
    assert range_count(mb, 2) == 2  # shared by the workers, 256 KB each at the least
    assert range_count(mb, 8) == 4
    assert range_count(40 * mb, 2) == 10  # 4 MB each at the least
    assert range_count(400 * mb, 2) == 25  # 16 MB each at the most
    assert range_count(400 * mb, 4) == 32  # 8 per worker, 12.5 MB each


# --- route-batch --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample district, in a registry the tests only read (the cluster's workers too)."""
    folder = tmp_path_factory.mktemp("scale")
    return sqlite_registry(folder / "sample.db", SAMPLE, by="setup").url


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample events three times, with blank lines, a line that is no JSON, a line longer
    than the limit (:data:`LONG`), an event with extra keys: bytes enough for many ranges."""
    sample = EVENTS.read_bytes()
    first = json.loads(sample.splitlines()[0])
    extra = json.dumps({**first, "id": "X-1", "工单来源": "巡查", "备注": "x"}, ensure_ascii=False)
    long = json.dumps({**first, "id": "X-2", "备注": "长" * LONG}, ensure_ascii=False)
    path = tmp_path_factory.mktemp("events") / "events.jsonl"
    path.write_bytes(
        sample
        + b"\n\n   \n{not json\n"
        + extra.encode()
        + b"\n"
        + sample
        + long.encode()
        + b"\n"
        + sample.rstrip(b"\n")  # no newline at the end
    )
    return path


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges of 2 KB at the least, so that the sample is cut into many; the line limit
    below the long line (set here, in force in every worker)."""
    monkeypatch.setattr(ranges, "MIN_RANGE_BYTES", 2000)
    monkeypatch.setenv(limits.JSON_LINE_BYTES.env, str(LONG))


def _batch(cli: Cli, url: str, events: Path, out: Path, *options: str) -> tuple[str, str]:
    """route-batch into ``out``/decisions.jsonl and rejects.jsonl: their digests."""
    out.mkdir(exist_ok=True)
    good, bad = out / "decisions.jsonl", out / "rejects.jsonl"
    result = cli(
        "route-batch", events, "-o", good, "--rejects", bad, "--rules", RULES, *options, db=url
    )
    exits(result, 0)
    summary = result.stdout.splitlines()[0]
    assert summary.startswith("129 events: 73 routed") and summary.endswith("14 rejected")
    assert not list(out.glob(".remit-parts-*"))  # the parts are gone
    return file_digest(good), file_digest(bad)


@pytest.fixture(scope="module")
def single(url: str, events: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """route-batch --workers 1 (the reference): the folder of its files."""
    out = tmp_path_factory.mktemp("single")
    with mock.patch.dict(os.environ, {limits.JSON_LINE_BYTES.env: str(LONG)}):
        _batch(invoke, url, events, out)
    return out


def _digests(folder: Path) -> tuple[str, str]:
    return file_digest(folder / "decisions.jsonl"), file_digest(folder / "rejects.jsonl")


def test_workers_write_the_bytes_one_process_writes(
    cli: Cli, url: str, events: Path, single: Path, tmp_path: Path, small_ranges: None
) -> None:
    rejects = [json.loads(line) for line in (single / "rejects.jsonl").read_text().splitlines()]
    lines = [r["where"]["line"] for r in rejects]
    assert {46, 90} <= set(lines)  # no JSON; longer than the limit
    assert any(str(LONG) in " ".join(r["reasons"]) for r in rejects if r["where"]["line"] == 90)
    assert len(split(events, range_count(events.stat().st_size, 2))) > 8
    assert _batch(cli, url, events, tmp_path / "two", "--workers", "2") == _digests(single)


def test_a_range_routed_again_gives_the_same_bytes(url: str, events: Path, tmp_path: Path) -> None:
    setup = batch.RouterSetup(url, RULES, None, 1, True, current_lang.get(), WorkingHours())
    part = batch._Part(str(events), "events", split(events, 5)[2], str(tmp_path))
    job = Kept.of(setup)
    first = batch._route_range(job, part)
    files = [part.file("decisions").read_bytes(), part.file("rejects").read_bytes()]
    assert first == batch._route_range(job, part)
    assert files == [part.file("decisions").read_bytes(), part.file("rejects").read_bytes()]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "000002.decisions.jsonl",
        "000002.rejects.jsonl",
    ]


def test_the_parts_go_when_a_worker_fails(
    cli: Cli,
    url: str,
    events: Path,
    tmp_path: Path,
    small_ranges: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[Path] = []
    mkdtemp = tempfile.mkdtemp

    def recorded(**kwargs: Any) -> str:
        made.append(Path(mkdtemp(**kwargs)))
        return str(made[-1])

    route_chunk = batch._route_chunk

    def failing(chunk: list[batch.Item]) -> Any:
        if any(where["line"] == 60 for where, _ in chunk):
            raise RuntimeError("the worker failed")
        return route_chunk(chunk)

    monkeypatch.setattr(batch.tempfile, "mkdtemp", recorded)
    monkeypatch.setattr(batch, "_route_chunk", failing)  # forked workers have it too
    out = tmp_path / "decisions.jsonl"
    result = cli("route-batch", events, "-o", out, "--workers", "2", "--rules", RULES, db=url)
    assert "RuntimeError: the worker failed" in exits(result, 1).output  # said, as any bug
    assert len(made) == 1 and made[0].parent == tmp_path  # beside the output
    assert not made[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no output, no parts


# --- a Dask cluster -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A Dask LocalCluster on loopback, 2 worker processes of one thread: its address."""
    from distributed import LocalCluster

    with LocalCluster(
        host="127.0.0.1",
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
    ) as found:
        yield found.scheduler_address


def test_route_batch_on_a_cluster(
    cli: Cli,
    url: str,
    events: Path,
    single: Path,
    tmp_path: Path,
    small_ranges: None,
    cluster: str,
) -> None:
    assert _batch(cli, url, events, tmp_path / "a", "--cluster", cluster) == _digests(single)
    # again: the workers kept their routers; the same bytes
    assert _batch(cli, url, events, tmp_path / "b", "--cluster", cluster) == _digests(single)


def test_replay_on_a_cluster(
    cli: Cli, url: str, single: Path, tmp_path: Path, small_ranges: None, cluster: str
) -> None:
    decisions = tmp_path / "decisions.jsonl"
    shutil.copyfile(single / "decisions.jsonl", decisions)
    with decisions.open("ab") as handle:  # a line that is no decision, reported by its number
        handle.write(b"\n{}\n")
    reports = []
    for options in ([], ["--workers", "2"], ["--cluster", cluster]):
        report = tmp_path / f"report{len(reports)}.json"
        exits(cli("replay", decisions, "--rules", RULES, "-o", report, *options, db=url), 1)
        reports.append(json.loads(report.read_text(encoding="utf-8")))
    assert reports[0]["decisions"] == 112 and reports[0]["identical"] == 112
    # three decisions over the line limit (in force in every worker), the line that is none
    assert [b["line"] for b in reports[0]["bad_lines"]] == [38, 77, 115, 117]
    assert reports[1] == reports[0] and reports[2] == reports[0]


def test_an_unreachable_scheduler_is_refused(
    cli: Cli, url: str, events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranges, "CONNECT_TIMEOUT", 2.0)
    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    out = tmp_path / "decisions.jsonl"
    result = exits(cli("route-batch", events, "-o", out, "--cluster", address, db=url), 2)
    assert f"cannot reach the Dask scheduler at {address}" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no output, no parts
    result = exits(cli("replay", EVENTS, "--cluster", address, db=url), 2)
    assert f"cannot reach the Dask scheduler at {address}" in result.output


def test_a_table_with_cluster_is_routed_here_and_says_so(
    cli: Cli, url: str, tmp_path: Path
) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "id,matter,area,reported_at\nT-1,BJ0101,310101002000,2026-03-02 09:15\n", encoding="utf-8"
    )
    out = tmp_path / "decisions.jsonl"
    result = exits(
        cli("route-batch", events, "-o", out, "--cluster", "tcp://192.0.2.1:1", db=url), 0
    )
    assert f"--cluster routes JSON Lines only; {events} is read here" in result.stderr
    assert result.stdout.startswith("1 events: 1 routed"), result.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["event_id"] == "T-1"


def test_blank_lines_only_are_no_events(
    cli: Cli, url: str, tmp_path: Path, small_ranges: None
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n  \n" * 2000)  # several ranges, every one blank
    result = cli("route-batch", events, "-o", tmp_path / "d.jsonl", "--workers", "2", db=url)
    assert "the file holds no events" in exits(result, 2).output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl"]


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")  # the scheduler's HTTP routes
def test_a_scheduler_without_workers_is_refused(
    cli: Cli, url: str, events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(ranges, "CONNECT_TIMEOUT", 1.0)
    out = tmp_path / "decisions.jsonl"
    with LocalCluster(
        host="127.0.0.1", n_workers=0, processes=True, dashboard_address=None
    ) as empty:
        address = empty.scheduler_address
        result = exits(cli("route-batch", events, "-o", out, "--cluster", address, db=url), 2)
    assert f"the Dask scheduler at {address} has no worker (none came in 1 s)" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []
