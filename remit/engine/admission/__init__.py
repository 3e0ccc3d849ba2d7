"""The admission gate for devolved tasks (事项准入): check, decide, enact, audit."""

from remit.engine.admission.gate import AdmissionGate, GateRefused, load_config, load_request
from remit.engine.admission.report import AdmissionReport, GateResult, GateStatus, Outcome
from remit.engine.admission.request import (
    AdmissionConfig,
    AdmissionRequest,
    GateName,
    Mode,
)

__all__ = [
    "AdmissionConfig",
    "AdmissionGate",
    "AdmissionReport",
    "AdmissionRequest",
    "GateName",
    "GateRefused",
    "GateResult",
    "GateStatus",
    "Mode",
    "Outcome",
    "load_config",
    "load_request",
]
