"""What one service process keeps: the registry, the router on its latest revision, the users
and the case records — built once per worker process, shared by its requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from remit.casework import CaseBook
from remit.checks import GraphCheck
from remit.deadlines import WorkCalendar
from remit.identity import Directory
from remit.registry import Registry
from remit.routing.router import Router
from remit.service.settings import ServiceSettings


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
        self.book = CaseBook(self.registry, rules_dir=settings.rules_dir)
        """The case records (shared by the requests: the book is safe across threads)."""
        self._lock = threading.Lock()

    def close(self) -> None:
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
            self._router = Router(
                self.registry,
                rules_dir=self.settings.rules_dir,
                calendar=WorkCalendar(),
                known_at=latest,
                loads=GraphCheck(),
            )
            self._revision = latest
        return self._router

    @contextmanager
    def routing(self) -> Iterator[Router]:
        """The router on the latest revision, for one request's routing."""
        with self._lock:
            yield self._current()


def services(request: Request) -> Services:
    """A dependency: the worker's :class:`Services`."""
    found: Services = request.app.state.services
    return found
