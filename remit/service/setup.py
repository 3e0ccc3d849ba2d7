"""What a service needs of its database before it starts: a registry, and the tables of users
and case records beside it (made when missing; two starting at once is safe)."""

from __future__ import annotations

from remit import casework, identity
from remit.registry import Registry


def prepare(registry: Registry) -> None:
    """Refuse a database that is no registry (``remit init`` makes one); add the users' and
    the cases' tables where they are missing."""
    registry.revision()  # refuses a missing or foreign database, naming it
    identity.ensure_tables(registry.engine)
    casework.ensure_tables(registry.engine)
