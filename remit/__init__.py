"""remit: city responsibility lists (权责清单, 街镇履职事项清单) as a versioned registry.

The Python API: the registry and its snapshots, the router, the graph check and the admission
gate, the case book and the directory of users, and the errors they raise. (The HTTP service
is ``remit.service.app.create_app``, over this same API.) Everything else is internal to its package.
"""

from remit.admission import AdmissionGate, AdmissionReport
from remit.casework import CaseBook, CaseRecord, CaseStatus
from remit.checks import CheckReport, GraphCheck, check_registry, run_check
from remit.errors import InputError, Problem, RemitError
from remit.events.cases import Case, Reason, Round, Ruling, Verdict
from remit.identity import Directory, Role, User
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
    "CaseBook",
    "CaseRecord",
    "CaseStatus",
    "CheckReport",
    "Directory",
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
    "Role",
    "Round",
    "Router",
    "RoutingDecision",
    "Ruling",
    "Snapshot",
    "Unit",
    "User",
    "Verdict",
    "check_registry",
    "dispute_report",
    "run_check",
]
__version__ = "0.1.0"
