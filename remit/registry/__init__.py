"""The versioned registry of areas, units, the matter catalogue and responsibility lists."""

from remit.registry.db import WrittenJSON
from remit.registry.diff import VersionDiff
from remit.registry.entities import Area, AuditEntry, Duty, ListInfo, ListVersion, Matter, Unit
from remit.registry.facade import ImportResult, Registry
from remit.registry.snapshot import DutyInForce, ListInForce, Snapshot
from remit.registry.versions import ListSummary

__all__ = [
    "Area",
    "AuditEntry",
    "Duty",
    "DutyInForce",
    "ImportResult",
    "ListInForce",
    "ListInfo",
    "ListSummary",
    "ListVersion",
    "Matter",
    "Registry",
    "Snapshot",
    "Unit",
    "VersionDiff",
    "WrittenJSON",
]
