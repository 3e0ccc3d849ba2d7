"""Every file format remit reads or writes, by the name ``remit schema --kind`` and
``GET /schema/{kind}`` give it (one table for the command line and the service)."""

from __future__ import annotations

from pydantic import BaseModel

from remit.admission.report import AdmissionReport
from remit.admission.request import AdmissionConfig, AdmissionRequest
from remit.checks.report import CheckReport
from remit.events.cases import Case
from remit.events.model import EventIn
from remit.findings import CheckConfig
from remit.registry.formats import FILE_MODELS
from remit.routing.decision import RoutingDecision
from remit.routing.disputes.report import DisputeReport
from remit.routing.replay_report import ReplayReport
from remit.routing.rules.model import RulesFile

SCHEMAS: dict[str, type[BaseModel]] = {
    **FILE_MODELS,
    "event": EventIn,
    "decision": RoutingDecision,
    "replay-report": ReplayReport,
    "case": Case,
    "dispute-report": DisputeReport,
    "rules": RulesFile,
    "check-config": CheckConfig,
    "check-report": CheckReport,
    "admission": AdmissionRequest,
    "admission-config": AdmissionConfig,
    "admission-report": AdmissionReport,
}
"""Every format remit reads or writes, by the name ``--kind`` gives it."""
