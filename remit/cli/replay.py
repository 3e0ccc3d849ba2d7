"""``remit replay``: stored decisions decided again — the check that a decision can be reproduced,
or what a corrected or proposed registry (or proposed rules) would have decided instead."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from remit.cli.common import (
    CHECK_CONFIG_OPTION,
    CLUSTER_OPTION,
    HOURS_OPTION,
    KNOWN_AT,
    RULES_OPTION,
    common,
    load_source,
    open_registry,
    output_option,
    progress_bar,
    report_format,
    workers_option,
    write_report,
)
from remit.files.names import list_version
from remit.i18n import current_lang, t
from remit.present.console import console
from remit.present.formats import formats

REPLAY_FORMATS = formats("text", "json", "md", "xlsx")


class ListVersionType(click.ParamType[tuple[str, int]]):
    """``LIST-ID@VERSION``, as ``check --against`` takes a list version."""

    name = "LIST-ID@VERSION"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, int]:
        if isinstance(value, tuple):
            return value
        found = list_version(str(value))
        if found is None:
            self.fail(t("arg.bad_list_version", value=value), param, ctx)
        return found


@click.command()
@click.argument("decisions", type=click.Path(path_type=Path))
@click.option(
    "--known-at",
    type=KNOWN_AT,
    help="Decide them on the registry as it stood at this revision (a number, a time, or "
    "latest) and compare the outcomes. Default: each on the revision it names (the check).",
)
@click.option(
    "--against",
    "versions",
    type=ListVersionType(),
    multiple=True,
    help="Put this list version (a draft too) in force, as if published: what it would have "
    "decided (repeatable; on the latest revision unless --known-at).",
)
@RULES_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPLAY_FORMATS),
    help="Report format (default: the one -o's suffix names: .txt, .json, .md, .xlsx; else text).",
)
@output_option(
    "Write the report here; its suffix gives the format unless --format does (a suffix of "
    "another format is refused)."
)
@workers_option(
    "Worker processes on this machine; with more than one, each replays its own byte "
    "ranges of the file."
)
@CLUSTER_OPTION
@HOURS_OPTION
@CHECK_CONFIG_OPTION
@common
def replay(
    db_url: str | None,
    decisions: Path,
    known_at: Any,
    versions: tuple[tuple[str, int], ...],
    rules_dir: Path | None,
    fmt: str | None,
    output: Path | None,
    workers: int,
    cluster: str | None,
    hours: Any,
    check_config_file: Path | None,
) -> None:
    """Decide stored decisions (JSON Lines, as route-batch writes them) again, and report those
    that differ.

    \b
    Two uses:
    - remit replay DECISIONS: each decision is decided again on the snapshot it names (its
      registry revision and date), with the rules given by --rules (those it was made with).
      Nothing a registry records is ever changed, so every decision must come out identical:
      the check that decisions can be reproduced. Decisions made with other rules are
      reported, not compared.
    - remit replay DECISIONS --known-at latest (or a revision or a time), --against
      LIST-ID@VERSION (a draft: what publishing it would have done to these cases), or --rules
      DIR with other rules than the decisions were made with: the same events decided on the
      corrected or proposed registry or rules; the report counts the statuses before → after,
      the cases each unit gains and loses, and lists the decisions that change.

    With --cluster, the file is replayed on a Dask cluster (docs/scale.md): the registry's
    database, the decisions file and --rules must be reachable by every worker at the same
    paths.

    Exit 0 when every decision is decided the same way again, 1 when some are not (or could
    not be replayed or compared), 2 for bad input."""
    from remit.present.replay import print_text, render_markdown, text_of, verdict, write_xlsx
    from remit.routing.replay import RECORDED
    from remit.routing.replay import replay as run_replay

    lang = current_lang.get()
    fmt = report_format(fmt, output, REPLAY_FORMATS)
    given = click.get_current_context().get_parameter_source("known_at")
    registry = open_registry(db_url)
    loads, check_config = load_source(check_config_file)
    progress = progress_bar()
    with progress:
        task = progress.add_task(str(decisions), total=None)
        report = run_replay(
            registry,
            decisions,
            known_at=known_at if given is ParameterSource.COMMANDLINE else RECORDED,
            versions=dict(versions),
            rules_dir=rules_dir,
            workers=workers,
            hours=hours,
            loads=loads,
            check_config=check_config,
            progress=lambda n: progress.advance(task, n),
            cluster=cluster,
        )
    write_report(
        report, lang, fmt, output, print_text, write_xlsx, text=text_of, md=render_markdown
    )
    if not report.clean:
        if fmt != "text" or output is not None:  # the text report ends with this line
            console(stderr=True).print(verdict(report, lang), markup=False)
        sys.exit(1)
