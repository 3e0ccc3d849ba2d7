"""Byte-range tasks: a JSON Lines file cut into ranges of whole lines, each handled by a task
that reads its own range, run in worker processes on this machine or on a Dask distributed
cluster, the results handed back in input order (``route-batch`` and ``replay``, docs/scale.md).

A range starts at the beginning of a line and ends where the next range starts; its first
line's number is known (one pass counting ``b"\\n"`` over the file), so a task numbers its
lines as :func:`remit.files.limits.json_lines` numbers the whole file: blank lines count, and
only lines that are not blank are handed on. A task is a module function of (a
:class:`Kept` set-up, a small description of its work): nothing but these and its (small)
result travel between processes. What a task builds from its set-up (a router, a replayer) is
kept by the process that runs it (:func:`kept`), so a worker loads snapshots once, not per task.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import multiprocessing
import os
import pickle
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Generic, TypeVar, cast

from remit.errors import InputError
from remit.files import limits

BLOCK = 1 << 20
"""Bytes read at a time when counting lines or looking for a line's end."""

MIN_RANGE_BYTES = 4 << 20
MAX_RANGE_BYTES = 16 << 20
RANGES_PER_WORKER = 8
"""About this many ranges per worker, each of 4–16 MB (a small file: fewer)."""

SMALL_RANGE_BYTES = 256 << 10
"""A file under ``MIN_RANGE_BYTES`` per worker is still shared by the workers, in ranges of
no less than this."""

CONNECT_TIMEOUT = 10.0
"""Seconds to reach a Dask scheduler before the command gives up (never hangs)."""

KEPT = 4
"""Set-ups whose built objects (routers, replayers) a process keeps; the oldest goes first."""

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start`` to ``end`` (exclusive) of a file: whole lines, the first numbered
    ``first_line`` (from 1); ``index`` is its place among the file's ranges."""

    index: int
    start: int
    end: int
    first_line: int


def range_count(size: int, workers: int) -> int:
    """How many ranges a file of ``size`` bytes is cut into for ``workers`` workers: about
    :data:`RANGES_PER_WORKER` each, none smaller than :data:`MIN_RANGE_BYTES` nor larger than
    :data:`MAX_RANGE_BYTES` — but a smaller file one range per worker, none smaller than
    :data:`SMALL_RANGE_BYTES` (as far as the file allows)."""
    count = min(workers * RANGES_PER_WORKER, -(-size // MIN_RANGE_BYTES))
    shared = min(workers, -(-size // SMALL_RANGE_BYTES))
    return max(1, count, shared, -(-size // MAX_RANGE_BYTES))


def _line_start(handle: BinaryIO, offset: int) -> int:
    """The offset of the first line that starts at or after ``offset`` (the file's size when
    none does)."""
    if offset <= 0:
        return 0
    handle.seek(offset - 1)
    position = offset - 1
    while block := handle.read(BLOCK):
        found = block.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(block)
    return position


def split(path: Path, count: int) -> list[ByteRange]:
    """``path`` cut into at most ``count`` ranges of whole lines, of about equal size, in
    order, with their first line numbers; an empty file is one empty range."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        starts = [0]
        for i in range(1, max(count, 1)):
            start = _line_start(handle, size * i // count)
            if starts[-1] < start < size:
                starts.append(start)
        handle.seek(0)
        ranges, position, lines = [], 0, 0
        for index, start in enumerate(starts):
            while position < start:
                block = handle.read(min(BLOCK, start - position))
                lines += block.count(b"\n")
                position += len(block)
            end = starts[index + 1] if index + 1 < len(starts) else size
            ranges.append(ByteRange(index, start, end, lines + 1))
    return ranges


class _Bounded:
    """A binary file read from ``start`` up to ``end``, as ``limits.json_lines`` reads one."""

    def __init__(self, handle: IO[bytes], start: int, end: int):
        handle.seek(start)
        self.handle, self.left = handle, end - start

    def readline(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        line = self.handle.readline(self.left if size < 0 else min(size, self.left))
        self.left -= len(line)
        return line


def range_lines(path: Path, part: ByteRange) -> Iterator[tuple[int, bytes]]:
    """The lines of ``part`` of ``path`` that are not blank, raw, with their numbers in the
    whole file: as :func:`remit.files.limits.json_lines` gives them (a line over the length
    limit as a ``LongLine``)."""
    shift = part.first_line - 1
    with path.open("rb") as handle:
        bounded = cast(BinaryIO, _Bounded(handle, part.start, part.end))
        for number, line in limits.json_lines(bounded):
            yield number + shift, line


# --- what a process keeps ------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept(Generic[S]):
    """A task's set-up and its key (a digest of it, made once by the caller): the objects a
    process builds from one set-up are kept under that key (:func:`kept`). ``limits`` are the
    caller's ``REMIT_MAX_…`` variables (:mod:`remit.files.limits`), in force in the task as
    in the caller, wherever it runs."""

    key: str
    setup: S
    limits: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, setup: S) -> Kept[S]:
        found = tuple(sorted((k, v) for k, v in os.environ.items() if k in _LIMIT_NAMES))
        return cls(hashlib.sha256(pickle.dumps((setup, found))).hexdigest(), setup, found)

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """This process's for the task: :data:`LOCK` held, the caller's limits in force."""
        with LOCK:
            before = {name: os.environ.get(name) for name in _LIMIT_NAMES}
            for name in _LIMIT_NAMES:
                os.environ.pop(name, None)
            os.environ.update(self.limits)
            try:
                yield
            finally:
                for name, value in before.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value


_LIMIT_NAMES = frozenset(limit.env for limit in limits.ALL)

_kept: OrderedDict[tuple[str, str], Any] = OrderedDict()

LOCK = threading.RLock()
"""Held by a task while it works in a process (:meth:`Kept.entered`): the objects kept (and
the module globals the per-item code reads) serve one task at a time, whatever threads a Dask
worker runs."""


def kept(job: Kept[S], build: Callable[[S], T]) -> T:
    """What ``build`` makes of ``job``'s set-up, made once in this process and kept (for the
    last :data:`KEPT` set-ups). Call it in ``job.entered()``."""
    key = (f"{build.__module__}.{build.__qualname__}", job.key)
    found = _kept.get(key)
    if found is None:
        found = _kept[key] = build(job.setup)
        while len(_kept) > KEPT:
            old = _kept.popitem(last=False)[1]
            close = getattr(old, "close", None)
            if close is not None:
                close()
    _kept.move_to_end(key)
    return cast(T, found)


def forget(job: Kept[S]) -> None:
    """Drop what this process keeps for ``job`` (closed where it can be)."""
    with LOCK:
        for key in [key for key in _kept if key[1] == job.key]:
            close = getattr(_kept.pop(key), "close", None)
            if close is not None:
                close()


# --- running the tasks ---------------------------------------------------------------------------


def run_tasks(
    task: Callable[[Kept[S], T], R],
    job: Kept[S],
    items: Sequence[T],
    *,
    workers: int = 1,
    cluster: str | None = None,
) -> Generator[R, None, None]:
    """``task(job, item)`` for each of ``items``, the results in their order: on the Dask
    distributed scheduler at ``cluster`` (``tcp://HOST:8786``), else in ``workers`` processes
    forked from this one (in this process when 1). ``task`` is a module function (a worker
    imports it by name). When the caller stops early or an error comes, the tasks not done
    are stopped (pool terminated, futures cancelled) before this returns."""
    if cluster is not None:
        yield from _on_cluster(task, job, items, cluster)
        return
    if workers <= 1 or len(items) <= 1:
        try:
            for item in items:
                yield task(job, item)
        finally:  # this process is no worker: it keeps nothing for the next call
            forget(job)
        return
    work = functools.partial(task, job)
    pool = multiprocessing.get_context("fork").Pool(min(workers, len(items)))
    try:
        yield from pool.imap(work, items)
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``, reached within
    :data:`CONNECT_TIMEOUT` seconds, with a worker at least (waited for as long); else
    :class:`InputError` (``cluster.unreachable``, ``cluster.no_workers``)."""
    from distributed import Client

    try:
        client: Any = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = str(exc) or type(exc).__name__
        raise InputError.one("cluster.unreachable", address=address, reason=reason) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        client.close()
        seconds = f"{CONNECT_TIMEOUT:g}"
        raise InputError.one("cluster.no_workers", address=address, seconds=seconds) from None
    return client


def _on_cluster(
    task: Callable[[Kept[S], T], R], job: Kept[S], items: Sequence[T], address: str
) -> Generator[R, None, None]:
    client = connect(address)
    futures: list[Any] = []
    try:
        # a key of its own per run: two runs on one scheduler never share a result
        name = f"remit-{task.__name__.strip('_')}-{uuid.uuid4().hex[:12]}"
        futures = client.map(
            task, [job] * len(items), items, key=[f"{name}-{i}" for i in range(len(items))]
        )
        for future in futures:
            yield future.result()
    finally:
        if futures:
            client.cancel(futures)
        client.close()


__all__ = [
    "ByteRange",
    "Kept",
    "connect",
    "kept",
    "range_count",
    "range_lines",
    "run_tasks",
    "split",
]
