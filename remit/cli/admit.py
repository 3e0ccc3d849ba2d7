"""``remit admit …``: the admission gate for tasks devolved to streets (事项准入)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from remit.admission import AdmissionGate, load_config
from remit.checks import GraphCheck
from remit.cli.common import RemitGroup, common, echo_json, open_registry
from remit.deadlines import local_time
from remit.i18n import current_lang, t
from remit.present.admission import entry_json, entry_lines, requests_table
from remit.present.console import console, echo

ADMIT_CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    envvar="REMIT_ADMISSION_CONFIG",
    help="Gate settings (file: admission-config; default $REMIT_ADMISSION_CONFIG, else built-in "
    "defaults with no approvers).",
)


HISTORY_OPTION = click.option(
    "--history",
    type=click.Path(path_type=Path),
    help="Events (JSONL, JSON, CSV, XLSX) giving the yearly volume instead of the estimates.",
)


def _gate(db_url: str | None, config_file: Path | None) -> AdmissionGate:
    """The gate over the registry, asking the graph check for loads and new findings."""
    config = load_config(config_file) if config_file else None
    return AdmissionGate(open_registry(db_url), config, check=GraphCheck())


def _print_admission(report: Any, fmt: str) -> None:
    from remit.present.admission import render_markdown, render_text

    lang = current_lang.get()
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    elif fmt == "md":
        echo(render_markdown(report, lang), nl=False)
    else:
        out = console()
        for part in render_text(report, lang):
            out.print(part)


@click.group(cls=RemitGroup)
def admit() -> None:
    """The admission gate for tasks devolved to streets (事项准入): check, submit, decide.

    Gates: well formed, legal basis (依法下放), not reclaimed, resources follow (权随责走、
    费随事转), capacity, no new overlap or gap, powers. `check` exits 0 when the request would
    be admitted and 1 when it would be rejected or needs information; `submit` records it
    either way (exit 0); `approve` exits 1 when the gates, run again, refuse it. Bad input: 2."""


@admit.command("check")
@click.argument("request_file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text")
@HISTORY_OPTION
@ADMIT_CONFIG_OPTION
@common
def admit_check(
    db_url: str | None, request_file: Path, fmt: str, history: Path | None, config_file: Path | None
) -> None:
    """Run every gate over a request (file: admission) without recording anything."""
    from remit.admission import load_request

    request = load_request(request_file)
    report = _gate(db_url, config_file).check(request, history, current_lang.get())
    _print_admission(report, fmt)
    sys.exit(report.exit_code)


@admit.command("submit")
@click.argument("request_file", type=click.Path(path_type=Path))
@click.option("--by", help="Who submits (default: $REMIT_USER, else the login name).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text")
@HISTORY_OPTION
@ADMIT_CONFIG_OPTION
@common
def admit_submit(
    db_url: str | None,
    request_file: Path,
    by: str | None,
    fmt: str,
    history: Path | None,
    config_file: Path | None,
) -> None:
    """Record a request with the gates' findings (the audit log keeps it)."""
    from remit.admission import load_request

    request = load_request(request_file)
    report = _gate(db_url, config_file).submit(request, by, history, current_lang.get())
    _print_admission(report, fmt)
    echo(t("admit.submitted", id=request.id, outcome=t(f"outcome.{report.outcome.value}")))


@admit.command("list")
@click.option(
    "--status", type=click.Choice(["submitted", "approved", "rejected"]), help="Only these."
)
@ADMIT_CONFIG_OPTION
@common
def admit_list(db_url: str | None, status: str | None, config_file: Path | None) -> None:
    """The recorded requests, oldest first; undecided ones past the deadline are overdue."""
    gate = _gate(db_url, config_file)
    console().print(requests_table(gate.requests(status), gate.overdue))


@admit.command("show")
@click.argument("request_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text")
@ADMIT_CONFIG_OPTION
@common
def admit_show(db_url: str | None, request_id: str, fmt: str, config_file: Path | None) -> None:
    """One recorded request: its status, decision and the gates' last report."""
    gate = _gate(db_url, config_file)
    entry = gate.show(request_id)
    given = gate.approvals(request_id)[request_id]
    if fmt == "json":
        echo_json(entry_json(entry, gate.overdue(entry), given, gate.config.approvals_required))
        return
    for line in entry_lines(entry, gate.overdue(entry)):
        echo(line)
    for approval in given:
        echo(t("admit.approval_given", by=approval.by, at=local_time(approval.at, seconds=False)))
    _print_admission(entry.report, fmt)


@admit.command("approve")
@click.argument("request_id")
@click.option("--by", help="Who approves: not the submitter, and one of the configured approvers.")
@click.option("--note", help="A note for the record.")
@HISTORY_OPTION
@ADMIT_CONFIG_OPTION
@common
def admit_approve(
    db_url: str | None,
    request_id: str,
    by: str | None,
    note: str | None,
    history: Path | None,
    config_file: Path | None,
) -> None:
    """Run every gate again on the lists as they are now; if they admit the request, enact it:
    new versions of the lists, their rows carrying the request's id."""
    from remit.admission import GateRefused

    gate = _gate(db_url, config_file)
    try:
        report = gate.approve(request_id, by, note, history, current_lang.get())
    except GateRefused as refused:
        _print_admission(refused.report, "text")
        echo(
            t("admit.refused", id=request_id, outcome=t(f"outcome.{refused.report.outcome.value}")),
            err=True,
        )
        sys.exit(1)
    if gate.show(request_id).status == "submitted":  # more approvals are required
        given = len(gate.approvals(request_id)[request_id])
        more = gate.config.approvals_required - given
        echo(t("admit.approval_recorded", id=request_id, given=given, more=more))
        return
    versions = ", ".join(f"{v['list']} v{v['version']}" for v in report.enactment)
    echo(t("admit.approved", id=request_id, versions=versions))


@admit.command("reject")
@click.argument("request_id")
@click.option("--by", help="Who rejects: not the submitter, and one of the configured approvers.")
@click.option("--reason", required=True, help="Why (kept in the record and the audit log).")
@ADMIT_CONFIG_OPTION
@common
def admit_reject(
    db_url: str | None, request_id: str, by: str | None, reason: str, config_file: Path | None
) -> None:
    """Reject a submitted request, with the reason."""
    _gate(db_url, config_file).reject(request_id, by, reason)
    echo(t("admit.rejected", id=request_id))
