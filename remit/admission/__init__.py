"""The admission gate for devolved tasks (事项准入): check, decide, enact, audit."""

from remit.admission.report import AdmissionReport, Approval, GateResult, GateStatus, Outcome
from remit.admission.request import AdmissionConfig, AdmissionRequest, GateName, Mode
from remit.admission.service import (
    AdmissionGate,
    GateRefused,
    load_config,
    load_request,
)

__all__ = [
    "AdmissionConfig",
    "AdmissionGate",
    "AdmissionReport",
    "AdmissionRequest",
    "Approval",
    "GateName",
    "GateRefused",
    "GateResult",
    "GateStatus",
    "Mode",
    "Outcome",
    "load_config",
    "load_request",
]
