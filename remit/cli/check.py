"""``remit check``: the graph check of the lists in force (overlaps, gaps, …) as a report."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from remit.checks.report import CheckReport
from remit.cli.common import (
    DATE,
    KNOWN_AT_OPTION,
    common,
    open_registry,
    output_option,
    report_format,
    write_report,
)
from remit.i18n import Lang, current_lang, t
from remit.present.console import console
from remit.present.formats import formats

CHECK_FORMATS = formats("text", "json", "md", "html", "xlsx")


@click.command()
@click.option("--as-of", type=DATE, help="Check the lists in force on this date (default today).")
@click.option("--area", metavar="CODE", help="Only the leaf areas under this area.")
@click.option(
    "--matter",
    metavar="MATTER",
    help="Only this matter (a group: its leaf matters): its code, space:code (部件:0101), name or "
    "alias, as an event names it.",
)
@click.option("--list", "list_id", metavar="LIST-ID", help="Only findings about this list.")
@click.option(
    "--against",
    metavar="DATE|LIST-ID@VERSION",
    help="Compare: with a date, against the lists of that date; with LIST-ID@VERSION, what "
    "putting that version (a draft too) in force would introduce and resolve.",
)
@click.option(
    "--history",
    type=click.Path(path_type=Path),
    help="Events (JSONL, JSON, CSV, XLSX) for the workload instead of the catalogue's estimates.",
)
@click.option(
    "--disputes",
    "disputes",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Case records ruled by `remit dispute -o` (JSON Lines or YAML; repeatable): the "
    "returns (退单) the lists could not settle are findings (disputed), list defects to revise.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="Check settings (file: check-config; see `remit schema --kind check-config`).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(CHECK_FORMATS),
    help="Report format (default: the one -o's suffix names, e.g. .html, .md, .json, .xlsx, "
    ".txt; else text).",
)
@output_option(
    "Write the report here; its suffix gives the format unless --format does (a suffix of "
    "another format, e.g. .pdf, is refused).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding reaches this severity (with --against: a new finding).",
)
@KNOWN_AT_OPTION
@common
def check(
    db_url: str | None,
    as_of: dt.date | None,
    area: str | None,
    matter: str | None,
    list_id: str | None,
    against: str | None,
    history: Path | None,
    disputes: tuple[Path, ...],
    config_file: Path | None,
    fmt: str | None,
    output: Path | None,
    fail_on: str,
    known_at: int | dt.datetime | None,
) -> None:
    """Check the lists in force for overlaps (职能重叠), gaps (遗漏), masked leads, assists
    without a lead, rows outside their unit's jurisdiction, referral cycles, stale rows,
    devolution without admission and overloaded units; with --disputes, the returns (退单)
    the lists could not settle.

    Exit 0 when no finding reaches --fail-on, 1 when one does, 2 for bad input."""
    from remit.checks import CheckConfig, Severity, check_registry
    from remit.files.typed import load_typed

    lang = current_lang.get()
    fmt = report_format(fmt, output, CHECK_FORMATS)
    config = load_typed(config_file, "check-config", CheckConfig) if config_file else None
    report = check_registry(
        open_registry(db_url),
        as_of,
        against=against,
        config=config,
        area=area,
        matter=matter,
        list_id=list_id,
        history=history,
        lang=lang,
        known_at=known_at,
        disputes=disputes,
    )
    _write_report(report, fmt, output, lang)
    failing = report.failing(Severity(fail_on))
    if failing:
        console(stderr=True).print(
            t("check.failed", count=len(failing), level=t(f"severity.{fail_on}")), markup=False
        )
        sys.exit(1)


def _write_report(report: CheckReport, fmt: str, output: Path | None, lang: Lang) -> None:
    from remit.present.check_html import render_html
    from remit.present.check_markdown import render_markdown
    from remit.present.check_text import print_text, text_of
    from remit.present.check_xlsx import write_xlsx

    write_report(
        report,
        lang,
        fmt,
        output,
        print_text,
        write_xlsx,
        text=text_of,
        md=render_markdown,
        html=render_html,
    )
