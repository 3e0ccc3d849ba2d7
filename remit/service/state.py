"""What one service process keeps: the registry, the router on its latest revision, the users
and the case records — built once per worker process, shared by its requests."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from remit.casework import CaseBook
from remit.checks import GraphCheck
from remit.deadlines import WorkCalendar, WorkingHours
from remit.identity import Directory, User
from remit.registry import Registry
from remit.routing.batch import RouterSetup, RoutingProcesses
from remit.routing.ranges import Kept
from remit.routing.router import Router
from remit.service.settings import ServiceSettings

THREADS = 4
"""The threads a worker process runs its requests' blocking work on at once (routing, database
reads and writes); more requests wait their turn. Few: the work holds Python's interpreter
lock, and threads that wait for it make every request slower (measured in docs/serve-load.md:
4 threads recorded 719 cases/s with p99 194 ms where 16 recorded 587/s with p99 283 ms)."""

GC_THRESHOLDS = (50_000, 20, 100)
"""The collector's thresholds in a worker process (Python's defaults are 700, 10, 10): a request
allocates thousands of short-lived objects, and collecting every 700 cost a fifth of a worker's
time. Measured with wrk, 50 connections, POST /cases on PostgreSQL, 2 workers (docs/serve-load.md):
defaults 776 cases/s p99 107 ms; these 1,035/s p99 73 ms — as fast as no collection at all
(1,031/s). What the registry and the router keep is frozen out of every collection."""

TOKENS_KEPT = 10_000
"""The most tokens a worker remembers (then it forgets them all and asks again)."""


class Services:
    """A worker's registry, router, directory of users and case book.

    The router is made on the registry's latest revision and made again when a write (from any
    process) adds a revision — looked for at most every ``revision_check`` seconds (asking the
    database costs a round trip or more per request); decisions name the revision they were
    made on, so each can be replayed on exactly what was known. The durable_rules engine of a router serves one event
    at a time: :meth:`routing` hands it out under a lock (routing is work for the CPU; the
    requests' database writes run beside it)."""

    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.registry = Registry(settings.db_url)
        self.directory = Directory(self.registry)
        self._router: Router | None = None
        self._revision = -1
        self._asked = 0.0
        self._tokens: dict[str, tuple[User, float]] = {}
        self.book = CaseBook(self.registry, rules_dir=settings.rules_dir)
        """The case records (shared by the requests: the book is safe across threads)."""
        self._lock = threading.Lock()
        self.batch_processes: RoutingProcesses | None = None
        """Where batches are routed when ``batch_processes`` asks for processes (started by
        :meth:`start`)."""
        self._job: Kept[RouterSetup] | None = None

    def start(self) -> None:
        """At the worker's start: the batch processes, if asked for, started and each set to
        build its router on the latest revision (not waited for)."""
        if self.settings.batch_processes > 0 and self.batch_processes is None:
            self.batch_processes = RoutingProcesses(self.settings.batch_processes)
            self.batch_processes.warm(self.batch_job())

    def batch_processes_lost(self, broken: RoutingProcesses | None) -> None:
        """``broken`` lost a process (the pool is then unusable): new processes in its place
        (once, however many requests saw it)."""
        with self._lock:
            if broken is None or self.batch_processes is not broken:
                return
            broken.close(wait=False)
            self.batch_processes = RoutingProcesses(self.settings.batch_processes)
        self.batch_processes.warm(self.batch_job())

    def known_user(self, token: str) -> User | None:
        """The user of ``token`` if remembered and not yet due to be asked again (else None:
        ask :meth:`user_for_token`)."""
        known = self._tokens.get(token) if token else None
        if known is not None and known[1] > time.monotonic():
            return known[0]
        return None

    def user_for_token(self, token: str) -> User | None:
        """The user a bearer token names, remembered for ``token_cache`` seconds (a platform
        sends one token with every request; asking the database each time costs two
        statements). A revoked token or a disabled user is refused within that time."""
        ttl = self.settings.token_cache
        if ttl <= 0:
            return self.directory.user_for_token(token)
        now = time.monotonic()
        known = self._tokens.get(token)
        if known is not None and known[1] > now:
            return known[0]
        user = self.directory.user_for_token(token)
        if user is None:  # unknown tokens are not remembered: any string may be sent
            self._tokens.pop(token, None)
            return None
        if len(self._tokens) >= TOKENS_KEPT:
            self._tokens.clear()
        self._tokens[token] = (user, now + ttl)
        return user

    def close(self) -> None:
        if self.batch_processes is not None:
            self.batch_processes.close()
        if self._router is not None:
            self._router.close()
        self.book.dispose()
        self.registry.close()

    def _current(self) -> Router:
        now = time.monotonic()
        if self._router is not None and now - self._asked < self.settings.revision_check:
            return self._router
        latest = self.registry.revision()
        self._asked = now
        if self._router is None or self._revision != latest:
            if self._router is not None:
                self._router.close()
            setup = self._setup(latest)
            self._router = Router(
                self.registry,
                rules_dir=setup.rules_dir,
                calendar=WorkCalendar(setup.hours),
                known_at=setup.known_at,
                loads=setup.loads,
            )
            self._revision = latest
            # what the router keeps lives as long as it: out of the collector's way, so that a
            # full collection (every few thousand requests) does not walk it again each time
            gc.collect()
            gc.freeze()
        return self._router

    @contextmanager
    def routing(self) -> Iterator[Router]:
        """The router on the latest revision, for one request's routing."""
        with self._lock:
            yield self._current()

    def batch_job(self) -> Kept[RouterSetup]:
        """What a batch process needs to build the router :meth:`routing` hands out (the same
        registry, rules, calendar and loads, on the same revision)."""
        with self._lock:
            self._current()
            if self._job is None or self._job.setup.known_at != self._revision:
                self._job = Kept.of(self._setup(self._revision))
            return self._job

    def _setup(self, revision: int) -> RouterSetup:
        """The router of this service on ``revision``, as a batch process builds it."""
        return RouterSetup(
            self.registry.url,
            self.settings.rules_dir,
            None,
            revision,
            True,
            self.settings.lang,
            WorkingHours(),
            loads=GraphCheck(),
        )


async def services(request: Request) -> Services:
    """A dependency: the worker's :class:`Services`."""
    found: Services = request.app.state.services
    return found
