"""``remit dispute``: returns (退单) ruled from the lists, and the 推诿 report.

``remit dispute FILE`` is ``remit dispute rule FILE``: a group whose first argument is no
subcommand of it runs ``rule``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from remit.cli.common import (
    DATE,
    HOURS_OPTION,
    RULES_OPTION,
    common,
    open_registry,
    output_option,
    report_format,
    write_report,
)
from remit.errors import InputError
from remit.files.writing import write_text
from remit.i18n import current_lang, t
from remit.present.console import echo
from remit.present.formats import formats

RULE_FORMATS = formats("text", "jsonl")
REPORT_FORMATS = formats("text", "json", "md", "html", "xlsx")


class DisputeGroup(click.Group):
    """``remit dispute FILE …`` runs ``remit dispute rule FILE …``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["rule", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DisputeGroup)
def dispute() -> None:
    """Returns (退单) of cases ruled from the lists, and the 推诿 report.

    \b
    remit dispute FILE            rule every return in FILE (same as: remit dispute rule FILE)
    remit dispute report FILE…    the 推诿 report over ruled cases
    docs/disputes.md describes the case file, the rulings and the rules."""


def _desk(db_url: str | None, rules_dir: Path | None, hours: Any) -> Any:
    from remit.deadlines import WorkCalendar
    from remit.routing.disputes.desk import DisputeDesk
    from remit.routing.router import Router

    router = Router(open_registry(db_url), rules_dir=rules_dir, calendar=WorkCalendar(hours))
    return DisputeDesk(router, rules_dir=rules_dir)


@dispute.command("rule")
@click.argument("cases", type=click.Path(path_type=Path))
@RULES_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(RULE_FORMATS),
    help="text: the rulings explained (default); jsonl: the case records (also what -o writes).",
)
@output_option("Write the ruled case records (JSON Lines) here; the rulings are explained too.")
@HOURS_OPTION
@common
def rule(
    db_url: str | None,
    cases: Path,
    rules_dir: Path | None,
    fmt: str | None,
    output: Path | None,
    hours: Any,
) -> None:
    """Rule every return (退单) of the cases in CASES (YAML or JSON Lines) from the lists in
    force on each event's date: upheld, overruled or arbitrate, with the rows cited.

    Rounds already ruled keep their ruling. Exit 0, or 2 for bad input (an unknown reason or
    unit, a bad time, a case without its event), naming the file, line and field."""
    from remit.events.case_files import read_cases
    from remit.events.cases import case_lines
    from remit.present.dispute import print_cases

    lang = current_lang.get()
    if output is not None:
        report_format("jsonl", output, ("jsonl",))
    located = read_cases(cases)
    with _desk(db_url, rules_dir, hours) as desk:
        ruled = desk.rule_cases(located)
        desk.router.close()
    if fmt == "jsonl" and output is None:
        echo(case_lines(ruled), nl=False)
        return
    print_cases(ruled, lang)
    if output is not None:
        write_text(output, case_lines(ruled))
        echo(t("dispute.wrote", path=output))


@dispute.command("report")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--from", "date_from", type=DATE, help="First day of the period (default: open).")
@click.option("--to", "date_to", type=DATE, help="Last day of the period (default: open).")
@RULES_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    help="Report format (default: the one -o's suffix names, else text).",
)
@output_option("Write the report here; its suffix gives the format unless --format does.")
@HOURS_OPTION
@common
def report(
    db_url: str | None,
    paths: tuple[Path, ...],
    date_from: dt.date | None,
    date_to: dt.date | None,
    rules_dir: Path | None,
    fmt: str | None,
    output: Path | None,
    hours: Any,
) -> None:
    """The 推诿 report over the cases in PATHS (files, or directories of case files): per
    unit, its returns, the shares upheld / overruled / to arbitration, escalations and hours in
    the air; rounds and hours per case; the list rows that cause most disputes.

    Cases as `remit dispute -o` writes them carry their rulings; rounds not ruled yet are ruled
    first (on the registry of --db)."""
    from remit.events.case_files import read_case_paths
    from remit.present.dispute import print_text, render_html, render_markdown, text_of, write_xlsx
    from remit.routing.disputes.report import dispute_report

    lang = current_lang.get()
    fmt = report_format(fmt, output, REPORT_FORMATS)
    if date_from and date_to and date_from > date_to:
        raise InputError.one("dispute.bad_period", start=date_from, end=date_to)
    located = read_case_paths(paths)
    if all(r.ruling is not None for item in located for r in item.case.rounds):
        cases = [item.case for item in located]
    else:
        with _desk(db_url, rules_dir, hours) as desk:
            cases = desk.rule_cases(located)
            desk.router.close()
    result = dispute_report(cases, date_from, date_to, [str(p) for p in paths])
    write_report(
        result,
        lang,
        fmt,
        output,
        print_text,
        write_xlsx,
        text=text_of,
        md=render_markdown,
        html=render_html,
    )
