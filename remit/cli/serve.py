"""``remit serve``: the HTTP service (FastAPI on uvicorn) over the registry database."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from remit.cli.common import RULES_OPTION, common, open_registry
from remit.i18n import Lang, current_lang


@click.command()
@common
@RULES_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each keeps its own router; PostgreSQL for more than one).",
)
@click.option(
    "--batch-processes",
    default=0,
    show_default=True,
    type=click.IntRange(0, 64),
    metavar="N",
    help="Processes per worker that route POST /route/batch (each keeps a router: memory); "
    "0: batches are routed in the worker, on one core.",
)
@click.option(
    "--max-body",
    default=16,
    show_default=True,
    type=click.IntRange(1, 1024),
    metavar="MiB",
    help="The largest request body accepted, in MiB (a larger one: 413).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="An origin whose pages may call the API (repeatable). None: CORS off.",
)
@click.option(
    "--trusted-header",
    metavar="HEADER",
    help="Behind a single sign-on proxy: the header naming the signed-in login "
    "(believed only from --trusted-proxy).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS",
    help="The proxy's address the trusted header is believed from (repeatable; "
    "default 127.0.0.1 and ::1).",
)
@click.option(
    "--session-hours",
    default=8.0,
    show_default=True,
    type=click.FloatRange(0.01, 24 * 30),
    help="How long a login session lasts.",
)
@click.option(
    "--revision-check",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    metavar="SECONDS",
    help="How often a worker looks for a new registry revision (0: on every request).",
)
@click.option(
    "--admission-config",
    type=click.Path(path_type=Path),
    envvar="REMIT_ADMISSION_CONFIG",
    help="The admission gate's settings (file: admission-config; default "
    "$REMIT_ADMISSION_CONFIG): when they name approvers, only those (by login or name) of the "
    "approver role decide requests.",
)
@click.option(
    "--token-cache",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    metavar="SECONDS",
    help="How long a worker remembers whom a token names (a revoked token is refused "
    "within this time; 0: ask on every request).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def serve(
    db_url: str | None,
    rules_dir: Path | None,
    host: str,
    port: int,
    workers: int,
    batch_processes: int,
    max_body: int,
    cors_origins: tuple[str, ...],
    trusted_header: str | None,
    trusted_proxies: tuple[str, ...],
    session_hours: float,
    revision_check: float,
    token_cache: float,
    admission_config: Path | None,
    log_level: str,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, Open311 at /open311/v2/) on the registry.

    SQLite for one user; PostgreSQL (--db postgresql+psycopg://…) for a centre and for more
    than one worker. Users sign in as `remit users add` made them (docs/api.md)."""
    from remit.service.listen import run
    from remit.service.settings import MiB, ServiceSettings
    from remit.service.setup import prepare

    registry = open_registry(db_url)
    prepare(registry)  # refused here (exit 2), not in every worker
    if admission_config is not None:
        from remit.admission import load_config

        load_config(admission_config)  # a bad settings file: refused here, not per request
        admission_config = admission_config.resolve()
    settings = ServiceSettings(
        db_url=registry.url,
        rules_dir=rules_dir,
        max_body=max_body * MiB,
        cors_origins=cors_origins,
        trusted_header=trusted_header,
        trusted_proxies=trusted_proxies or ("127.0.0.1", "::1"),
        session_ttl=dt.timedelta(hours=session_hours),
        revision_check=revision_check,
        token_cache=token_cache,
        batch_processes=batch_processes,
        lang=_service_lang(),
        admission_config=admission_config,
    )
    registry.close()
    os.environ.update(settings.to_env())
    run(
        "remit.service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=bool(trusted_header),
        forwarded_allow_ips=",".join(settings.trusted_proxies) if trusted_header else None,
    )


def _service_lang() -> Lang:
    """The language of answers to requests that ask for none: ``--lang`` (or $REMIT_LANG) when
    given, else Chinese — not the language of the terminal the service was started from."""
    ctx = click.get_current_context()
    source = ctx.get_parameter_source("lang")
    given = source is not None and source.name != "DEFAULT"
    return current_lang.get() if given or os.environ.get("REMIT_LANG") else "zh"
