"""``remit cases …``: the case book — routed events kept as cases, and their lifecycle.

A local operator's tool: who acts is ``--by``, else ``$REMIT_USER``, else the login name; the
unit acting is ``--unit`` (code, name or alias). docs/cases.md describes the lifecycle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from remit.cli.common import (
    FORMAT_TEXT_JSON,
    HOURS_OPTION,
    RULES_OPTION,
    RemitGroup,
    common,
    open_registry,
)
from remit.errors import InputError, Problem
from remit.i18n import current_lang, t
from remit.present.console import echo

if TYPE_CHECKING:
    from remit.casework import CaseBook, CaseRecord

BY_OPTION = click.option("--by", help="Who acts (default: $REMIT_USER, else the login name).")
UNIT_OPTION = click.option(
    "--unit", required=True, help="The unit acting: the one that holds the case (code or name)."
)
NOTE_OPTION = click.option("--note", default="", help="A note for the case's history.")
IF_VERSION_OPTION = click.option(
    "--if-version",
    "version",
    type=int,
    help="Refuse unless the case is still at this version (as `cases show` gave it).",
)
FORMAT_OPTION = click.option(
    "--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True
)


def _book(db_url: str | None, rules_dir: Path | None = None, hours: Any = None) -> CaseBook:
    from remit.casework import CaseBook
    from remit.deadlines import WorkCalendar

    calendar = WorkCalendar(hours) if hours is not None else None
    return CaseBook(open_registry(db_url), rules_dir=rules_dir, calendar=calendar)


def _actor(by: str | None) -> str:
    from remit.registry.facade import default_actor

    return default_actor(by)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _show(record: CaseRecord, fmt: str) -> None:
    from remit.present.cases import case_json, case_text

    if fmt == "json":
        click.echo(case_json(record, _now()), nl=False)
    else:
        echo(case_text(record, _now(), current_lang.get()), nl=False)


@click.group(cls=RemitGroup)
def cases() -> None:
    """The case book: every routed event kept as a case, with who holds it, its status,
    deadline (on the official calendar) and every step (docs/cases.md).

    \b
    remit cases record EVENTS      route each event and keep it as a case (idempotent)
    remit cases list               the cases (--unit, --status, --overdue, --street, --supervised)
    remit cases show ID            one case: its steps and its returns' rulings
    remit cases accept|return|resolve ID --unit U     the unit holding it acts
    remit cases reassign ID --unit CENTRE --to U      the centre names the unit
    remit cases close|supervise ID"""


@cases.command("record")
@click.argument("events", type=click.Path(path_type=Path))
@RULES_OPTION
@HOURS_OPTION
@BY_OPTION
@common
def record(
    db_url: str | None, events: Path, rules_dir: Path | None, hours: Any, by: str | None
) -> None:
    """Route each event of EVENTS (JSON, JSON Lines, CSV, XLSX) and keep it as a case.

    An event recorded before (same source, same id) is not recorded again: it is listed as
    already recorded. Events whose decision is needs_info or unroutable are listed as not
    recorded, with why. A bad event (unreadable, an unknown matter or area) refuses the whole
    file, naming where (exit 2), and nothing is recorded."""
    from remit.casework.records import RECORDED, Term
    from remit.events.read import read_events
    from remit.routing.router import Router

    actor = _actor(by)
    book = _book(db_url, rules_dir, hours)
    problems: list[Problem] = []
    routed = []
    with Router(book.registry, rules_dir=rules_dir, calendar=book.calendar) as router:
        for where, event in read_events(events):
            if isinstance(event, list):
                problems += event
                continue
            try:
                routed.append((event, router.route(event, dict(where))))
            except InputError as exc:
                problems += exc.problems
    if problems:
        raise InputError(problems)
    counts = {"created": 0, "existing": 0, "refused": 0}
    with book:
        for event, decision in routed:
            if decision.status not in RECORDED:
                counts["refused"] += 1
                try:
                    book.record(event, decision, actor)
                except InputError as refused:
                    echo(t("cases.not_recorded_line", event=event.id, why=refused.render()))
                continue
            case, created = book.record(event, decision, actor)
            counts["created" if created else "existing"] += 1
            key = "cases.created_line" if created else "cases.existing_line"
            echo(
                t(
                    key,
                    id=case.id,
                    event=event.id,
                    unit=case.unit_name,
                    status=Term("case_status", case.status),
                )
            )
    echo(t("cases.record_summary", **counts))


@cases.command("list")
@click.option("--unit", help="Only the cases this unit holds (code or name).")
@click.option("--status", help="Only the cases of this status (received … closed).")
@click.option(
    "--overdue/--not-overdue", default=None, help="Only the cases past (or within) their deadline."
)
@click.option("--street", help="Only the cases on this street (code or name).")
@click.option(
    "--supervised/--not-supervised", default=None, help="Only the cases under 督办 (or not)."
)
@click.option("--limit", type=click.IntRange(0), default=100, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@FORMAT_OPTION
@common
def list_cases(
    db_url: str | None,
    unit: str | None,
    status: str | None,
    overdue: bool | None,
    street: str | None,
    supervised: bool | None,
    limit: int,
    offset: int,
    fmt: str,
) -> None:
    """The cases, oldest first, with who holds each, its deadline and the time left."""
    from remit.present.cases import cases_json, table_text

    book = _book(db_url)
    found = book.list(
        unit=unit,
        status=status,
        overdue=overdue,
        street=street,
        supervised=supervised,
        limit=limit,
        offset=offset,
    )
    if fmt == "json":
        click.echo(cases_json(found, _now()), nl=False)
    else:
        echo(table_text(found, _now(), current_lang.get()), nl=False)


@cases.command("show")
@click.argument("case_id")
@FORMAT_OPTION
@common
def show(db_url: str | None, case_id: str, fmt: str) -> None:
    """One case: who holds it, its deadline, every step, its returns and their rulings."""
    found = _book(db_url).get(case_id)
    if found is None:
        raise InputError.one("case.unknown", id=case_id)
    _show(found, fmt)


@cases.command("accept")
@click.argument("case_id")
@UNIT_OPTION
@BY_OPTION
@IF_VERSION_OPTION
@FORMAT_OPTION
@common
def accept(
    db_url: str | None, case_id: str, unit: str, by: str | None, version: int | None, fmt: str
) -> None:
    """The unit that holds the case takes it on (签收)."""
    _show(_book(db_url).accept(case_id, _actor(by), unit, version=version), fmt)


@cases.command("return")
@click.argument("case_id")
@UNIT_OPTION
@click.option(
    "--reason",
    required=True,
    help="not_our_duty (职能不符), not_our_area (属地不符), owner_unclear (权属不清), "
    "overlapping_duties (职能交叉), other (其他): the code or the label.",
)
@click.option("--evidence", default="", help="What shows the case is not the unit's.")
@NOTE_OPTION
@RULES_OPTION
@HOURS_OPTION
@BY_OPTION
@IF_VERSION_OPTION
@FORMAT_OPTION
@common
def return_case(
    db_url: str | None,
    case_id: str,
    unit: str,
    reason: str,
    evidence: str,
    note: str,
    rules_dir: Path | None,
    hours: Any,
    by: str | None,
    version: int | None,
    fmt: str,
) -> None:
    """The unit that holds the case returns it (退单); the return is ruled at once from the
    lists (upheld: reassigned to the unit they name; overruled: back to the unit; arbitrate:
    to the centre), as `remit dispute` rules."""
    with _book(db_url, rules_dir, hours) as book:
        changed = book.return_(case_id, _actor(by), unit, reason, note, evidence, version=version)
    _show(changed, fmt)


@cases.command("reassign")
@click.argument("case_id")
@click.option("--unit", required=True, help="The centre that holds the case (code or name).")
@click.option("--to", "to", required=True, help="The unit the centre sends it to.")
@NOTE_OPTION
@RULES_OPTION
@BY_OPTION
@IF_VERSION_OPTION
@FORMAT_OPTION
@common
def reassign(
    db_url: str | None,
    case_id: str,
    unit: str,
    to: str,
    note: str,
    rules_dir: Path | None,
    by: str | None,
    version: int | None,
    fmt: str,
) -> None:
    """The centre that holds the case (after an arbitration, or coordinating it) names the
    unit that handles it (改派)."""
    with _book(db_url, rules_dir) as book:
        changed = book.reassign(case_id, _actor(by), unit, to, note, version=version)
    _show(changed, fmt)


@cases.command("resolve")
@click.argument("case_id")
@UNIT_OPTION
@NOTE_OPTION
@BY_OPTION
@IF_VERSION_OPTION
@FORMAT_OPTION
@common
def resolve(
    db_url: str | None,
    case_id: str,
    unit: str,
    note: str,
    by: str | None,
    version: int | None,
    fmt: str,
) -> None:
    """The unit that holds the case (and accepted it) has handled it (办结)."""
    _show(_book(db_url).resolve(case_id, _actor(by), unit, note, version=version), fmt)


@cases.command("close")
@click.argument("case_id")
@NOTE_OPTION
@BY_OPTION
@IF_VERSION_OPTION
@FORMAT_OPTION
@common
def close(
    db_url: str | None, case_id: str, note: str, by: str | None, version: int | None, fmt: str
) -> None:
    """Close a resolved case (结案)."""
    _show(_book(db_url).close(case_id, _actor(by), note, version=version), fmt)


@cases.command("supervise")
@click.argument("case_id")
@NOTE_OPTION
@BY_OPTION
@IF_VERSION_OPTION
@FORMAT_OPTION
@common
def supervise(
    db_url: str | None, case_id: str, note: str, by: str | None, version: int | None, fmt: str
) -> None:
    """Flag an open case for 督办 (who, when, why); its status stays."""
    _show(_book(db_url).supervise(case_id, _actor(by), note, version=version), fmt)
