"""``remit route`` and ``remit route-batch``: one event, or a file of events, to the accountable unit."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click

from remit.cli.common import (
    DATE,
    FORMAT_TEXT_JSON,
    HOURS_OPTION,
    RULES_OPTION,
    common,
    open_registry,
)
from remit.errors import InputError
from remit.i18n import t
from remit.present.console import console
from remit.present.decision import decision_lines


def _attr_value(text: str) -> Any:
    """``--attr severity=3``: numbers and true/false as such, else text."""
    lowered = text.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        return text


@click.command()
@click.argument("event_file", type=click.Path(path_type=Path), required=False)
@click.option("--matter", help="Matter code, name or alias (instead of an event file).")
@click.option("--area", help="Area code, name or alias.")
@click.option(
    "--attr", "attrs", multiple=True, metavar="NAME=VALUE", help="An attribute (repeatable)."
)
@click.option("--owner", help="The owner (权属单位) named on the event.")
@click.option("--repeat", "repeat_count", type=int, default=0, help="Times reported before.")
@click.option("--reported-at", type=click.DateTime(), help="When it was reported (default now).")
@click.option("--as-of", type=DATE, help="Route on the lists in force on this date instead.")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@RULES_OPTION
@HOURS_OPTION
@common
def route(
    db_url: str | None,
    event_file: Path | None,
    matter: str | None,
    area: str | None,
    attrs: tuple[str, ...],
    owner: str | None,
    repeat_count: int,
    reported_at: dt.datetime | None,
    as_of: dt.date | None,
    fmt: str,
    rules_dir: Path | None,
    hours: Any,
) -> None:
    """Route one event: from a JSON file, or from --matter/--area/--attr."""
    from remit.deadlines import WorkCalendar
    from remit.events.model import EventIn
    from remit.events.read import read_events
    from remit.routing.router import Router

    router = Router(
        open_registry(db_url), rules_dir=rules_dir, as_of=as_of, calendar=WorkCalendar(hours)
    )
    where: dict[str, object]
    if event_file is not None:
        where, event = next(iter(read_events(event_file)))
        if isinstance(event, list):
            raise InputError(event)
    else:
        if not matter or not area:
            raise click.UsageError("give an event file, or --matter and --area")
        attributes = {}
        for item in attrs:
            name, sep, value = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--attr")
            attributes[name.strip()] = _attr_value(value)
        event = EventIn(
            id="cli",
            matter=matter,
            area=area,
            reported_at=reported_at or dt.datetime.now().replace(microsecond=0),
            attributes=attributes,
            owner=owner,
            repeat_count=repeat_count,
            source="cli",
        )
        where = {"source": "command line"}
    decision = router.route(event, where)
    if fmt == "json":
        click.echo(decision.model_dump_json(indent=2))
        return
    out = console()
    for line in decision_lines(decision):
        out.print(line, markup=False)


@click.command("route-batch")
@click.argument("events", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, help="Decisions (JSONL)."
)
@click.option(
    "--rejects", type=click.Path(path_type=Path), help="Refused events, where and why (JSONL)."
)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--as-of", type=DATE, help="Route every event on this date's lists instead.")
@click.option("--no-cache", is_flag=True, help="Send every event through the rule engine.")
@RULES_OPTION
@HOURS_OPTION
@common
def route_batch(
    db_url: str | None,
    events: Path,
    output: Path,
    rejects: Path | None,
    workers: int,
    as_of: dt.date | None,
    no_cache: bool,
    rules_dir: Path | None,
    hours: Any,
) -> None:
    """Route a file of events (JSON, JSON Lines, CSV, XLSX) into a file of decisions."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from remit.events.read import read_events
    from remit.routing.batch import route_batch as run_batch
    from remit.routing.rules.compile import load_rules

    registry = open_registry(db_url)
    registry.state()  # fails now, not in a worker, when there is no registry
    load_rules(rules_dir)  # likewise for bad rules
    read_events(events)  # and for a missing, empty or unreadable events file: before -o is opened
    for path in (output, rejects):
        if path is not None and not path.parent.is_dir():
            raise InputError.one("file.no_directory", source=str(path), directory=str(path.parent))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    progress = Progress(*columns, disable=not sys.stderr.isatty(), console=console(stderr=True))
    with (
        output.open("w", encoding="utf-8") as out,
        (rejects or Path(os.devnull)).open("w", encoding="utf-8") as bad,
        progress,
    ):
        task = progress.add_task(str(events), total=None)
        summary = run_batch(
            registry.url,
            events,
            out,
            bad,
            workers=workers,
            rules_dir=rules_dir,
            as_of=as_of,
            cache=not no_cache,
            hours=hours,
            progress=lambda n: progress.advance(task, n),
        )
    click.echo(t("batch.summary", total=summary.total, **summary.counts))
    click.echo(t("batch.wrote", path=output, rejects=rejects or "-"))
