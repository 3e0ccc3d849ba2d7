"""``remit schema``: the JSON Schema of every file format remit reads or writes."""

from __future__ import annotations

import click
from pydantic import BaseModel

from remit.admission.report import AdmissionReport
from remit.admission.request import AdmissionConfig, AdmissionRequest
from remit.checks.report import CheckReport
from remit.cli.common import echo_json, lang_option
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


@click.command()
@click.option(
    "--kind",
    type=click.Choice(list(SCHEMAS)),
    help="One format (default: all).",
)
@lang_option
def schema(kind: str | None) -> None:
    """JSON Schema of the file formats: registry files, mappings, events, decisions, rules,
    the check's settings and its JSON report, the replay's JSON report, case records (退单)
    and the 推诿 report."""
    if kind:
        echo_json(SCHEMAS[kind].model_json_schema())
    else:
        echo_json({name: model.model_json_schema() for name, model in SCHEMAS.items()})
