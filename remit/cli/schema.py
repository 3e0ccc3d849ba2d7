"""``remit schema``: the JSON Schema of every file format remit reads or writes."""

from __future__ import annotations

import click

from remit.cli.common import echo_json, lang_option
from remit.present.schemas import SCHEMAS


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
