"""Routing a batch of events: a day's work orders, or a year's, with one or more processes.

The rule engine holds the GIL, so parallel routing uses processes: each worker opens the
registry and builds its own router. A JSON Lines file routed by several workers, or on a Dask
cluster, takes the lean path (:mod:`remit.routing.ranges`): the file is cut into byte ranges
of whole lines, each worker reads its own ranges and writes each one's decisions and rejects to
part files in a temporary folder beside the output, handing back only counts; the main process
copies the parts into the output in input order and removes them. Other formats (and one
worker) are read by the main process and routed in chunks. Decisions keep the input order,
and the files are the same bytes whichever way they were made. A bad event — or an engine
failure on one event — goes to the rejects with its location and reason; the batch goes on.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import gc
import itertools
import json
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from remit.deadlines import WorkCalendar, WorkingHours
from remit.errors import InputError, Problem
from remit.events.model import EventIn
from remit.events.read import given_id, parse_json_line, read_events
from remit.files import limits
from remit.findings import CheckConfig, LoadSource
from remit.i18n import Lang, current_lang
from remit.registry import Registry
from remit.routing.decision import DecisionLine, RoutingDecision, Status
from remit.routing.engine import EngineError
from remit.routing.ranges import (
    ByteRange,
    Kept,
    kept,
    range_count,
    range_lines,
    run_tasks,
    split,
)

if TYPE_CHECKING:
    from remit.routing.router import Router

CHUNK = 2000
STATUSES = tuple(status.value for status in Status)

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

# one raw item: (location, JSON line) or (location, parsed event or its problems)
Item = tuple[dict[str, object], "bytes | EventIn | list[Problem]"]


@dataclass(frozen=True)
class BatchSummary:
    total: int
    counts: dict[str, int]
    extra_keys: tuple[str, ...] = ()
    """The events' keys (columns) not used for routing, kept in each decision's ``extra``,
    each once in the order first seen."""
    approximate: int = 0
    """Decisions whose deadline is approximate: the official calendar of its years is known
    neither to the calendar package nor to the registry's calendar file."""

    @property
    def rejected(self) -> int:
        return self.counts.get("rejected", 0)


@dataclass(frozen=True)
class RouterSetup:
    url: str
    rules_dir: Path | None
    as_of: dt.date | None
    known_at: int
    cache: bool
    lang: Lang
    hours: WorkingHours
    strict_calendar: bool = False
    loads: LoadSource | None = None
    check_config: CheckConfig | None = None


_router: Any = None


def _start(setup: RouterSetup) -> None:
    """Build this process's router (called once per worker)."""
    global _router
    _router = _new_router(setup)


def _new_router(setup: RouterSetup) -> Router:
    """A router as ``setup`` asks for."""
    from remit.routing.router import Router

    current_lang.set(setup.lang)
    return Router(
        Registry(setup.url),
        rules_dir=setup.rules_dir,
        as_of=setup.as_of,
        known_at=setup.known_at,
        cache=setup.cache,
        calendar=WorkCalendar(setup.hours),
        strict_calendar=setup.strict_calendar,
        loads=setup.loads,
        check_config=setup.check_config,
    )


@dataclass(frozen=True)
class Routed:
    """One item of a batch decided: its status (a :class:`Status` value, or "rejected"), its
    output line (the decision's JSON, or the reject's: where, event id, reasons), the event and
    decision (None for a reject, and for a decision written plain), the keys of the event's
    ``extra``, and whether the deadline is approximate."""

    status: str
    line: str
    event: EventIn | None = None
    decision: RoutingDecision | None = None
    keys: tuple[str, ...] = ()
    approximate: bool = False


def route_item(
    router: Router, where: dict[str, object], raw: bytes | EventIn | list[Problem]
) -> Routed:
    """One item routed by ``router``: a raw JSON line (parsed here), a parsed event, or the
    problems its parsing found. A bad event, or an engine failure on one, is a reject."""
    (done,) = route_items(router, [(where, raw)])
    return done


def route_items(router: Router, items: Sequence[Item], plain: bool = False) -> list[Routed]:
    """Each item (where, raw JSON line | parsed event | its parsing's problems) routed by
    ``router``, in order: the events together (:meth:`Router.route_many`, which asks the
    policies about many events at once); a bad event, or an engine failure on one, is a
    reject. ``plain``: most decisions are written as lines without their models being built
    (their ``decision`` is None), for a caller that keeps only the lines."""
    out: list[Routed | None] = [None] * len(items)
    events: list[tuple[EventIn, dict[str, object]]] = []
    places: list[int] = []
    for index, (where, raw) in enumerate(items):
        if isinstance(raw, bytes):
            try:
                line = where["line"]
                assert isinstance(line, int)
                where, item = parse_json_line(raw, str(where["source"]), line)
            except InputError as exc:  # an undecodable line: refuse it, go on
                out[index] = Routed("rejected", _reject(where, [p.render() for p in exc.problems]))
                continue
        else:
            item = raw
        if isinstance(item, list):
            out[index] = Routed(
                "rejected", _reject(where, [p.render() for p in item], given_id(item))
            )
            continue
        events.append((item, where))
        places.append(index)
    for (event, where), index, result in zip(
        events, places, router.route_many(events, plain), strict=True
    ):
        keys = tuple(event.extra)
        if isinstance(result, InputError):
            reasons = [p.render() for p in result.problems]
            out[index] = Routed("rejected", _reject(where, reasons, event.id), event, keys=keys)
        elif isinstance(result, EngineError):
            out[index] = Routed(
                "rejected", _reject(where, [str(result)], event.id), event, keys=keys
            )
        elif isinstance(result, DecisionLine):
            out[index] = Routed(
                result.status.value, result.line, event, None, keys, result.deadline_approximate
            )
        else:
            out[index] = Routed(
                result.status.value,
                result.model_dump_json(),
                event,
                result,
                keys,
                result.deadline_approximate,
            )
    return out  # type: ignore[return-value]


def _route_chunk(chunk: list[Item]) -> list[tuple[str, str, tuple[str, ...], bool]]:
    """(status or "rejected", JSON line, the keys of the event's ``extra``, whether the
    deadline is approximate) for each item of ``chunk``, in order. The items are routed a
    slice at a time and only their lines are kept: a chunk's decisions held at once would
    make the garbage collector go through them again and again (measured: 196 µs an event
    against 115)."""
    from remit.routing.router import SLICE

    collected = _router.snapshots_loaded
    out: list[tuple[str, str, tuple[str, ...], bool]] = []
    for start in range(0, len(chunk), SLICE):
        out += (
            (done.status, done.line, done.keys, done.approximate)
            for done in route_items(_router, chunk[start : start + SLICE], plain=True)
        )
    if _router.snapshots_loaded != collected:
        settle_memory()
    return out


def route_lines(job: Kept[RouterSetup], items: list[Item], lang: Lang) -> bytes:
    """The output of ``items`` routed with this process's router for ``job`` (built once,
    then kept): each item's line — its decision, or its reject (where, event id, reasons in
    ``lang``) — in order, each ending in a newline, as UTF-8. The work of
    :class:`RoutingProcesses`."""
    global _router
    with job.entered():
        _router = kept(job, _new_router)
        current_lang.set(lang)  # after: building a router sets the set-up's language
        done = _route_chunk(items)
    return "".join(line + "\n" for _, line, _, _ in done).encode()


def _built(job: Kept[RouterSetup]) -> int:
    """``job``'s router built in this process with today's snapshot loaded (a warm-up); the
    process id."""
    global _router
    with job.entered():
        _router = kept(job, _new_router)
        _router.loaded(dt.datetime.now(_router.calendar.zone).date())
        settle_memory()
    return os.getpid()


def _end_with(parent: int) -> None:
    """In a routing process: end when ``parent`` does. A pool's process otherwise outlives a
    parent that was killed (it holds its own end of the queue it waits on), keeping its
    router's memory for good."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK)
        os._exit(0)

    threading.Thread(target=watch, name="remit-parent-watch", daemon=True).start()


PARENT_CHECK = 1.0
"""Seconds between a routing process's looks at whether its parent is alive."""


class RoutingProcesses:
    """Worker processes that route chunks of batches, each keeping a router per set-up (the
    registry revision it was asked for): what lets a service process route its batches on
    every core, while its own thread (holding the GIL) answers other requests. Processes are
    spawned, not forked (the service's process runs threads); each builds its router when its
    first chunk of a set-up comes, or at :meth:`warm`."""

    def __init__(self, processes: int):
        self.processes = processes
        self._executor = concurrent.futures.ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_end_with,
            initargs=(os.getpid(),),
        )

    def submit(
        self, job: Kept[RouterSetup], items: list[Item], lang: Lang
    ) -> concurrent.futures.Future[bytes]:
        """:func:`route_lines` of ``items`` in one of the processes."""
        return self._executor.submit(route_lines, job, items, lang)

    def warm(self, job: Kept[RouterSetup]) -> list[concurrent.futures.Future[int]]:
        """Start every process and have it build ``job``'s router (not waited for)."""
        return [self._executor.submit(_built, job) for _ in range(self.processes)]

    def close(self, wait: bool = True) -> None:
        """Stop the processes; chunks not started are dropped."""
        self._executor.shutdown(wait=wait, cancel_futures=True)


GC_THRESHOLDS = (50_000, 20, 100)
"""The garbage collector's thresholds in a process that routes a batch: a routed event leaves
little that is cyclic, and collecting every 700 allocations costs more than it frees."""


@contextlib.contextmanager
def collector_restored() -> Iterator[None]:
    """The garbage collector as it was once the block ends (:func:`settle_memory` changes it
    while a batch is routed in this process: the caller's process, unlike a worker's, goes
    on)."""
    before = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def settle_memory() -> None:
    """What this process holds now (its snapshots, above all) is moved out of the garbage
    collector's sight (``gc.freeze``: it is never freed before the process ends), and the
    collector set to :data:`GC_THRESHOLDS`. For the processes that route batches, once a
    snapshot is loaded: a full collection would otherwise go through its ~10⁶ objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@dataclass(frozen=True)
class _Part:
    """One range of a JSON Lines file to route (the lean path), and where its parts go."""

    path: str
    """The file, as the workers open it (absolute; on shared storage for a cluster)."""
    source: str
    """The file as the decisions' and rejects' ``where`` name it (as given)."""
    range: ByteRange
    parts: str
    """The folder of the part files (beside the output)."""

    def file(self, kind: str) -> Path:
        """The part file of ``kind`` ("decisions" or "rejects") of this range."""
        return Path(self.parts) / f"{self.range.index:06d}.{kind}.jsonl"


@dataclass(frozen=True)
class _PartDone:
    """What routing one range found: all a worker hands back (its lines are in its parts)."""

    total: int
    counts: dict[str, int]
    extra_keys: tuple[str, ...]
    approximate: int


def _route_range(job: Kept[RouterSetup], part: _Part) -> _PartDone:
    """Route the events of one range with this process's router for ``job`` (built once, then
    kept), each chunk by :func:`_route_chunk`, into its two part files. A pure function of its
    arguments: run again (a worker lost, a task retried) it writes the same bytes; each part
    is written under a name of its own, then renamed into place."""
    global _router
    counts: Counter[str] = Counter()
    extra: dict[str, None] = {}
    total = approximate = 0
    items: Iterator[Item] = (
        ({"source": part.source, "line": number}, line)
        for number, line in range_lines(Path(part.path), part.range)
    )
    files = part.file("decisions"), part.file("rejects")
    tail = f".{uuid.uuid4().hex[:8]}.tmp"
    good_tmp, bad_tmp = (file.with_name(file.name + tail) for file in files)
    with job.entered():
        current_lang.set(job.setup.lang)
        _router = kept(job, _new_router)
        try:
            with (
                good_tmp.open("w", encoding="utf-8", newline="") as good,
                bad_tmp.open("w", encoding="utf-8", newline="") as bad,
            ):
                for chunk in chunks(items):
                    for status, line, keys, guessed in _route_chunk(chunk):
                        counts[status] += 1
                        approximate += guessed
                        if keys:
                            extra.update(dict.fromkeys(keys))
                        (bad if status == "rejected" else good).write(line + "\n")
                    total += len(chunk)
            os.replace(good_tmp, files[0])
            os.replace(bad_tmp, files[1])
        finally:
            good_tmp.unlink(missing_ok=True)
            bad_tmp.unlink(missing_ok=True)
    return _PartDone(total, dict(counts), tuple(extra), approximate)


CLUSTER_WORKERS = 16
"""With a cluster, the file is cut as for at least this many workers (:func:`range_count`)."""


def _route_lean(
    setup: RouterSetup,
    events: Path,
    output: IO[str],
    rejects: IO[str] | None,
    *,
    workers: int,
    cluster: str | None,
    parts_dir: Path | None,
    progress: Callable[[int], None] | None,
) -> BatchSummary:
    """The lean path of :func:`route_batch` (a JSON Lines file): byte ranges routed by the
    workers into part files, merged here in input order, the folder of parts removed however
    it ends."""
    read_events(events)  # checks the file at once: missing, empty, unsupported
    path = events.resolve()
    wanted = max(workers, CLUSTER_WORKERS) if cluster is not None else workers
    ranges = split(path, range_count(path.stat().st_size, wanted))
    counts: Counter[str] = Counter()
    extra: dict[str, None] = {}
    total = approximate = 0
    parts = Path(tempfile.mkdtemp(prefix=".remit-parts-", dir=parts_dir))
    try:
        work = [_Part(str(path), str(events), found, str(parts)) for found in ranges]
        results = run_tasks(_route_range, Kept.of(setup), work, workers=workers, cluster=cluster)
        # an error stops the tasks before the parts go; one range alone is routed in this
        # process, whose collector is restored after
        with (
            collector_restored(),
            contextlib.closing(results),
        ):  # an error here stops the tasks before parts go
            for part, done in zip(work, results, strict=True):
                for kind, stream in (("decisions", output), ("rejects", rejects)):
                    file = part.file(kind)
                    if stream is not None:
                        with file.open(encoding="utf-8", newline="") as handle:
                            shutil.copyfileobj(handle, stream)
                    file.unlink()
                counts.update(done.counts)
                extra.update(dict.fromkeys(done.extra_keys))
                total += done.total
                approximate += done.approximate
                if progress is not None:
                    progress(done.total)
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    if not total:  # blank lines only
        raise InputError.one("event.empty", source=str(events))
    return BatchSummary(
        total,
        {status: counts.get(status, 0) for status in (*STATUSES, "rejected")},
        tuple(extra),
        approximate,
    )


def _reject(where: dict[str, object], reasons: list[str], event_id: str | None = None) -> str:
    data = {"where": where, "event_id": event_id, "reasons": reasons}
    line = json.dumps(data, ensure_ascii=False)
    if not line.isascii():
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # a file name that is not UTF-8: its bytes as escapes
            return json.dumps(data)
    return line


def json_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The lines of a JSON Lines file that are not blank, raw, with their numbers (from 1):
    what workers are handed to parse."""
    with path.open("rb") as handle:
        yield from limits.json_lines(handle)


def _items(path: Path) -> Iterator[Item]:
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        read_events(path)  # checks the file at once: missing, empty, unsupported
        source = str(path)
        seen = False
        for number, line in json_lines(path):
            seen = True
            yield {"source": source, "line": number}, line
        if not seen:  # blank lines only
            raise InputError.one("event.empty", source=source)
        return
    yield from read_events(path)


def chunks(items: Iterable[T]) -> Iterator[list[T]]:
    """``items`` in lists of :data:`CHUNK`: what one worker is handed at a time."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def in_workers(
    work: Callable[[list[T]], R],
    items: Iterable[T],
    start: Callable[[S], None],
    setup: S,
    workers: int,
) -> Generator[R, None, None]:
    """``work`` on each chunk of ``items``, the results in order: in this process when
    ``workers`` is 1, else in that many worker processes (the rule engine holds the GIL). Each
    process is first set up by ``start(setup)``; ``work`` reads what it made (a global of the
    worker: ``work`` and ``start`` are module functions, so a forked worker has them)."""
    if workers <= 1:
        start(setup)
        yield from map(work, chunks(items))
        return
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=start, initargs=(setup,))
    try:
        yield from pool.imap(work, chunks(items))
    except BaseException:
        pool.terminate()  # an error, or the caller stopped: no need to finish the file
        raise
    else:
        pool.close()
    finally:
        pool.join()


def route_batch(
    registry_url: str,
    events: Path,
    output: IO[str],
    rejects: IO[str] | None = None,
    *,
    workers: int = 1,
    rules_dir: Path | None = None,
    as_of: dt.date | None = None,
    known_at: int | dt.datetime | None = None,
    cache: bool = True,
    hours: WorkingHours | None = None,
    strict_calendar: bool = False,
    loads: LoadSource | None = None,
    check_config: CheckConfig | None = None,
    progress: Callable[[int], None] | None = None,
    cluster: str | None = None,
    parts_dir: Path | None = None,
) -> BatchSummary:
    """Route every event of ``events`` into ``output`` (JSON Lines of decisions) and
    ``rejects`` (JSON Lines of the events refused, with where and why), on the registry as it
    stood at ``known_at`` (default: its last revision when the batch starts — every worker
    routes on that one revision, whatever is written meanwhile). With ``strict_calendar``, an
    event whose deadline would be approximate (its year's official holidays unknown) is
    refused instead of decided. ``loads`` and ``check_config`` flag fallbacks and referrals
    onto overloaded units (:class:`remit.routing.router.Router`); each worker asks for the
    loads of a snapshot once, when its first such event comes.

    A JSON Lines file routed by several ``workers``, or on the Dask distributed scheduler at
    ``cluster`` (``tcp://HOST:8786``: its workers must reach the registry's database, the events
    file and ``parts_dir``), takes the lean path: byte ranges routed into part files in a
    temporary folder made in ``parts_dir`` (default: the system's temporary folder), merged
    here in order. ``progress`` is called with the events done, per chunk or per range."""
    with Registry(registry_url) as registry:
        revision = registry.revision(known_at)
    setup = RouterSetup(
        registry_url,
        rules_dir,
        as_of,
        revision,
        cache,
        current_lang.get(),
        hours or WorkingHours(),
        strict_calendar,
        loads,
        check_config,
    )
    if events.suffix.lower() in {".jsonl", ".ndjson"} and (workers > 1 or cluster is not None):
        return _route_lean(
            setup,
            events,
            output,
            rejects,
            workers=workers,
            cluster=cluster,
            parts_dir=parts_dir,
            progress=progress,
        )
    counts: Counter[str] = Counter()
    extra: dict[str, None] = {}
    total = approximate = 0
    with collector_restored():
        for result in in_workers(_route_chunk, _items(events), _start, setup, workers):
            _count(result, counts, extra, output, rejects)
            total += len(result)
            approximate += sum(guessed for _, _, _, guessed in result)
            if progress is not None:
                progress(len(result))
    return BatchSummary(
        total,
        {status: counts.get(status, 0) for status in (*STATUSES, "rejected")},
        tuple(extra),
        approximate,
    )


def _count(
    result: list[tuple[str, str, tuple[str, ...], bool]],
    counts: Counter[str],
    extra: dict[str, None],
    output: IO[str],
    rejects: IO[str] | None,
) -> None:
    """A chunk's lines written where they go, its statuses counted and extra keys noted."""
    for status, line, keys, _guessed in result:
        counts[status] += 1
        if keys:
            extra.update(dict.fromkeys(keys))
        if status == "rejected":
            if rejects is not None:
                rejects.write(line + "\n")
        else:
            output.write(line + "\n")
