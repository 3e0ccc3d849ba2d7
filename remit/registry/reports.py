"""What verifying the registry's history and migrating it report (the results, apart from the
machinery that makes them, so that presentation can read them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Mismatch:
    """One thing the history does not agree with: the message ``key`` (``verify.*``, or
    ``migrate.*`` for what a migration refuses) and what it names."""

    key: str
    params: dict[str, Any]

    @property
    def check(self) -> str:
        """What kind of mismatch: the key without its prefix (``content_hash``, ``chain_link`` …)."""
        return self.key.split(".", 1)[1]


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`remit.registry.verify.verify` read (``counts``) and what did not match (``problems``)."""

    counts: dict[str, int]
    problems: tuple[Mismatch, ...]
    head: str
    """The hash of the last log entry ("" when the log is empty): keep it elsewhere, and a
    history rewritten from some entry on shows."""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class MigrationResult:
    """What :func:`remit.registry.migrate.migrate` found (the table layout ``found``) and did:
    whether it ``migrated`` to the ``current`` layout (False: the registry had it already, and
    nothing was done), the ``backup`` copy of a SQLite file as it was (None: PostgreSQL, or
    nothing done), the ``revision`` that holds it all, and the ``counts`` of what it carried
    over: lists, versions, rows, log entries, admissions; ``unrecorded``: the contents the log
    names that the old layout did not keep."""

    found: str
    current: str
    migrated: bool
    backup: Path | None = None
    revision: int = 0
    counts: dict[str, int] = field(default_factory=dict)
