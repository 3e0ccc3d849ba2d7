"""remit: city responsibility lists (权责清单, 街镇履职事项清单) as a versioned registry.

The Python API: the registry and its snapshots, the router, the graph check and the admission
gate, and the errors they raise. Everything else is internal to its package.
"""

from remit.admission import AdmissionGate, AdmissionReport
from remit.checks import CheckReport, GraphCheck, check_registry, run_check
from remit.errors import InputError, Problem, RemitError
from remit.events.cases import Case, Reason, Round, Ruling, Verdict
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
from remit.routing.disputes.desk import DisputeDesk
from remit.routing.disputes.report import DisputeReport, dispute_report
from remit.routing.router import Router

__all__ = [
    "AdmissionGate",
    "AdmissionReport",
    "Area",
    "AuditEntry",
    "Case",
    "CheckReport",
    "DisputeDesk",
    "DisputeReport",
    "Duty",
    "DutyInForce",
    "GraphCheck",
    "InputError",
    "ListInfo",
    "ListVersion",
    "Matter",
    "Problem",
    "Reason",
    "Registry",
    "RemitError",
    "Round",
    "Router",
    "RoutingDecision",
    "Ruling",
    "Snapshot",
    "Unit",
    "Verdict",
    "check_registry",
    "dispute_report",
    "run_check",
]
__version__ = "0.1.0"
