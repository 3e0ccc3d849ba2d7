"""remit: city responsibility lists (权责清单, 街镇履职事项清单) as a versioned registry."""

from remit.errors import InputError, Problem, RemitError
from remit.registry import (
    Area,
    AuditEntry,
    Duty,
    DutyInForce,
    ListInfo,
    ListVersion,
    Matter,
    Registry,
    Snapshot,
    Unit,
)
from remit.routing.decision import RoutingDecision
from remit.routing.router import Router

__all__ = [
    "Area",
    "AuditEntry",
    "Duty",
    "DutyInForce",
    "InputError",
    "ListInfo",
    "ListVersion",
    "Matter",
    "Problem",
    "Registry",
    "RemitError",
    "Router",
    "RoutingDecision",
    "Snapshot",
    "Unit",
]
__version__ = "0.1.0"
