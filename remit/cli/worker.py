"""``remit worker``: route the events of a RabbitMQ queue as they come (docs/bus.md)."""

from __future__ import annotations

from pathlib import Path

import click

from remit.cli.common import RULES_OPTION, common, open_registry
from remit.i18n import t


@click.command()
@common
@RULES_OPTION
@click.option(
    "--amqp",
    "amqp_url",
    envvar="REMIT_AMQP",
    default="amqp://guest:guest@127.0.0.1:5672/",
    show_default=True,
    metavar="URL",
    help="The RabbitMQ broker (default: $REMIT_AMQP, else the local one).",
)
@click.option(
    "--queue", required=True, help="The durable queue of events (one JSON event a message)."
)
@click.option(
    "--exchange",
    default="remit.decisions",
    show_default=True,
    help="The topic exchange decisions go to (routing key decision.<status>, or reject).",
)
@click.option(
    "--batch",
    default=200,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="The most events routed together (and acknowledged at once).",
)
@click.option(
    "--wait",
    default=0.2,
    show_default=True,
    type=click.FloatRange(0, 60),
    metavar="SECONDS",
    help="How long a batch waits to fill once its first event came.",
)
@click.option(
    "--cases/--no-cases",
    default=True,
    show_default=True,
    help="Keep each event someone holds as a case (idempotent by source and event id).",
)
@click.option(
    "--as",
    "actor",
    default="bus",
    show_default=True,
    help="Who the cases' first steps name (the platform behind the queue).",
)
def worker(
    db_url: str | None,
    rules_dir: Path | None,
    amqp_url: str,
    queue: str,
    exchange: str,
    batch: int,
    wait: float,
    cases: bool,
    actor: str,
) -> None:
    """Route the events of a RabbitMQ queue in batches, record their cases, publish every
    decision (and every reject, with its reasons) to an exchange, and acknowledge each event
    only once that is done. Several workers may share a queue; one killed loses nothing."""
    from remit.bus import BusSettings, BusWorker, run_worker
    from remit.bus.worker import safe_url

    registry = open_registry(db_url)
    settings = BusSettings(
        queue=queue,
        amqp_url=amqp_url,
        exchange=exchange,
        batch=batch,
        wait=wait,
        record=cases,
        actor=actor,
    )
    bus = BusWorker(
        registry, settings, rules_dir=rules_dir, say=lambda line: click.echo(line, err=True)
    )
    click.echo(t("bus.started", queue=queue, url=safe_url(amqp_url), exchange=exchange), err=True)
    run_worker(bus)
    registry.close()
