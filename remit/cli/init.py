"""``remit init``: an empty registry."""

from __future__ import annotations

import click

from remit.casework.store import drop_tables as drop_case_tables
from remit.casework.store import ensure_tables as ensure_case_tables
from remit.cli.common import common
from remit.i18n import t
from remit.identity.store import drop_tables, ensure_tables
from remit.present.console import echo
from remit.registry import Registry


@click.command()
@click.option("--force", is_flag=True, help="Drop an existing registry and start empty.")
@common
def init(db_url: str | None, force: bool) -> None:
    """Create an empty registry. (Its users' tables too: `remit users`; and its cases':
    `remit cases`.)"""
    click.get_current_context().meta["remit.url"] = Registry.resolve_url(db_url)  # for errors
    registry = Registry.create(db_url, force=force)
    if force:
        drop_tables(registry.engine)  # no users left over from the registry dropped
        drop_case_tables(registry.engine)  # nor cases
    ensure_tables(registry.engine)
    ensure_case_tables(registry.engine)  # the case book's tables (remit cases)
    echo(t("label.initialised", url=registry.url))
