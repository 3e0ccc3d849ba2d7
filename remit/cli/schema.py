"""``remit schema``: the JSON Schema of every file format remit reads or writes."""

from __future__ import annotations

from typing import Any

import click

from remit.cli.common import echo_json, lang_option
from remit.registry.formats import FILE_MODELS


def _schemas() -> dict[str, Any]:
    from remit.admission.report import AdmissionReport
    from remit.admission.request import AdmissionConfig, AdmissionRequest
    from remit.checks.report import CheckReport
    from remit.events.model import EventIn
    from remit.findings import CheckConfig
    from remit.routing.decision import RoutingDecision
    from remit.routing.rules.model import RulesFile

    return {
        **FILE_MODELS,
        "event": EventIn,
        "decision": RoutingDecision,
        "rules": RulesFile,
        "check-config": CheckConfig,
        "check-report": CheckReport,
        "admission": AdmissionRequest,
        "admission-config": AdmissionConfig,
        "admission-report": AdmissionReport,
    }


SCHEMA_KINDS = [
    *FILE_MODELS,
    "event",
    "decision",
    "rules",
    "check-config",
    "check-report",
    "admission",
    "admission-config",
    "admission-report",
]


@click.command()
@click.option(
    "--kind",
    type=click.Choice(SCHEMA_KINDS),
    help="One format (default: all).",
)
@lang_option
def schema(kind: str | None) -> None:
    """JSON Schema of the file formats: registry files, mappings, events, decisions, rules,
    the check's settings and its JSON report."""
    models = _schemas()
    if kind:
        echo_json(models[kind].model_json_schema())
    else:
        echo_json({name: model.model_json_schema() for name, model in models.items()})
