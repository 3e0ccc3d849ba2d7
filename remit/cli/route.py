"""``remit route`` and ``remit route-batch``: one event, or a file of events, to the accountable unit."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from remit.cli.common import (
    CALENDAR_OPTION,
    CHECK_CONFIG_OPTION,
    CLUSTER_OPTION,
    DATE,
    FORMAT_TEXT_JSON,
    HOURS_OPTION,
    KNOWN_AT_OPTION,
    REPORTED_AT,
    RULES_OPTION,
    common,
    load_source,
    open_registry,
    output_option,
    parts_folder,
    progress_bar,
    warn_extra,
    workers_option,
)
from remit.errors import InputError, Problem
from remit.files.typed import schema_problems
from remit.files.writing import check_writable, output_file
from remit.hashing import canonical_json
from remit.i18n import t
from remit.present.console import console, echo
from remit.present.decision import decision_lines, unknown_years
from remit.present.formats import formats, output_format

BATCH_WRITES = formats("jsonl")
"""What route-batch writes: decisions and rejects as JSON Lines, one object a line."""


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
@click.option(
    "--space",
    metavar="SPACE",
    help="The code space --matter is named in (部件/component, 事件/event, 热线/hotline), "
    "where a code or name is in several.",
)
@click.option(
    "--area",
    "area",
    multiple=True,
    help="Area code, name or alias; repeat it for an event across areas (each is decided on "
    "its own: different leads make the decision split).",
)
@click.option(
    "--at",
    "point",
    metavar="LAT,LONG",
    help="Where it happened, as a point (WGS 84 degrees, e.g. 31.23,121.479): routed in the "
    "area whose shape holds it, the deepest (instead of --area).",
)
@click.option(
    "--address",
    metavar="TEXT",
    help="Where it happened, as an address (瑞金二路409号): routed in the area the longest "
    "address alias, name or alias found in it names (instead of --area; with --at, used when "
    "no shape holds the point).",
)
@click.option(
    "--attr", "attrs", multiple=True, metavar="NAME=VALUE", help="An attribute (repeatable)."
)
@click.option("--owner", help="The owner (权属单位) named on the event.")
@click.option(
    "--emergency",
    is_flag=True,
    help="The event is an emergency (紧急): the district centre commands, and the strictest time "
    "limit of the rows that take part applies.",
)
@click.option(
    "--standard",
    metavar="CODE|TEXT",
    help="The case standard (立案标准) the event is filed under: its code or number, or its "
    "filing condition (立案条件). Default: where the matter's rows name several, the one whose "
    "time limit ends first (the decision says the standard was not given).",
)
@click.option("--repeat", "repeat_count", type=int, default=0, help="Times reported before.")
@click.option(
    "--reported-at",
    type=REPORTED_AT,
    help="When it was reported, as in event files: ISO 8601 with or without an offset "
    "(2026-03-02T10:00:00+08:00, 2026-03-02 10:00; without one, Asia/Shanghai time). "
    "Default: now.",
)
@click.option("--as-of", type=DATE, help="Route on the lists in force on this date instead.")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@RULES_OPTION
@HOURS_OPTION
@CALENDAR_OPTION
@CHECK_CONFIG_OPTION
@KNOWN_AT_OPTION
@common
def route(
    db_url: str | None,
    event_file: Path | None,
    matter: str | None,
    space: str | None,
    area: tuple[str, ...],
    point: str | None,
    address: str | None,
    attrs: tuple[str, ...],
    owner: str | None,
    emergency: bool,
    standard: str | None,
    repeat_count: int,
    reported_at: dt.datetime | None,
    as_of: dt.date | None,
    fmt: str,
    rules_dir: Path | None,
    hours: Any,
    calendar_mode: str,
    check_config_file: Path | None,
    known_at: int | dt.datetime | None,
) -> None:
    """Route one event: from a JSON file, or from --matter/--area/--attr (--at or --address
    instead of --area: the area found from a point or an address; --area wins over both).

    An event given by options gets the id cli-<reported time>-<digest of the options>
    (e.g. cli-20260302T100000-1a2b3c): the same options give the same event and decision ids."""
    from remit.deadlines import WorkCalendar
    from remit.events.model import LOCAL_ZONE, EventIn
    from remit.events.read import read_events
    from remit.routing.router import Router

    loads, check_config = load_source(check_config_file)
    router = Router(
        open_registry(db_url),
        rules_dir=rules_dir,
        as_of=as_of,
        calendar=WorkCalendar(hours),
        known_at=known_at,
        strict_calendar=calendar_mode == "strict",
        loads=loads,
        check_config=check_config,
    )
    where: dict[str, object]
    if event_file is not None:
        where, event = next(iter(read_events(event_file)))
        if isinstance(event, list):
            raise InputError(event)
        warn_extra(str(event_file), list(event.extra))
    else:
        if not matter or not (area or point or address):
            raise click.UsageError(
                "give an event file, or --matter and --area (or --at LAT,LONG or --address TEXT)"
            )
        attributes = {}
        for item in attrs:
            name, sep, value = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--attr")
            attributes[name.strip()] = _attr_value(value)
        when = reported_at or dt.datetime.now(LOCAL_ZONE).replace(microsecond=0)
        fields: dict[str, Any] = {
            "matter": matter,
            "reported_at": when,
            "attributes": attributes,
            "owner": owner,
            "repeat_count": repeat_count,
        }
        if area:
            fields["area"] = area[0]
        if point is not None or address is not None:  # only then, as space
            fields["location"] = _location(point, address)
        if len(area) > 1:  # only then, as space
            fields["areas"] = list(area[1:])
        if space is not None:  # only then: the id of an event without it stays as it was
            fields["space"] = space
        if standard is not None:  # as space
            fields["standard"] = standard
        if emergency:  # as space
            fields["emergency"] = True
        where = {"source": t("route.from_options")}
        try:
            event = EventIn(id=_event_id(fields), source="cli", **fields)
        except ValidationError as exc:  # a --matter with a control character, a --repeat of -1
            raise InputError(
                schema_problems(exc, str(where["source"]), "event", field_names=_option_name)
            ) from None
    decision = router.route(event, where)
    if decision.deadline_approximate:  # on stderr, whatever the format: never silently
        echo(t("route.warn_approximate", years=unknown_years(decision)), err=True)
    if fmt == "json":
        click.echo(decision.model_dump_json(indent=2))
        return
    out = console()
    for line in decision_lines(decision):
        out.print(line, markup=False)


def _same_file(a: Path, b: Path) -> bool:
    """Do ``a`` and ``b`` name one file (which need not exist yet)?"""
    if a.exists() and b.exists():
        return a.samefile(b)
    return a.resolve() == b.resolve()


_OPTIONS = {"repeat_count": "--repeat", "attributes": "--attr", "reported_at": "--reported-at"}


def _location(point: str | None, address: str | None) -> dict[str, Any]:
    """``--at 31.23,121.479`` and ``--address TEXT`` as an event's location."""
    location: dict[str, Any] = {}
    if point is not None:
        lat, sep, long = point.replace("，", ",").partition(",")
        try:
            if not sep:
                raise ValueError
            location["lat"], location["long"] = float(lat), float(long)
        except ValueError:
            raise InputError.one("arg.bad_point", value=point, field="--at") from None
    if address is not None:
        location["address"] = address
    return location


_LOCATION_OPTIONS = {"lat": "--at", "long": "--at", "address": "--address"}


def _option_name(loc: Sequence[str | int]) -> str:
    """The option that gave the field at ``loc``: ``--repeat``, ``--attr 地点类型``."""
    if not loc:
        return ""
    head = str(loc[0])
    if head == "location":
        return _LOCATION_OPTIONS.get(str(loc[1]) if len(loc) > 1 else "", "--at, --address")
    option = _OPTIONS.get(head, f"--{head}")
    return " ".join([option, *map(str, loc[1:])])


def _event_id(fields: dict[str, Any]) -> str:
    """``cli-20260302T100000-1a2b3c``: when it was reported (Asia/Shanghai) and a digest of
    what was given, so two events given by options differ in id, and so in decision id."""
    when = fields["reported_at"]
    digest = hashlib.sha256(canonical_json({**fields, "reported_at": when.isoformat()}).encode())
    return f"cli-{when:%Y%m%dT%H%M%S}-{digest.hexdigest()[:6]}"


@click.command("route-batch")
@click.argument("events", type=click.Path(path_type=Path))
@output_option(
    "Decisions, as JSON Lines: name the file .jsonl or .ndjson (a name without a suffix "
    "is fine too); the suffix of another format (.json, .csv, .xlsx, .txt, …) is refused.",
    required=True,
)
@click.option(
    "--rejects",
    type=click.Path(path_type=Path),
    help="Refused events, where and why, as JSON Lines (file names as for -o).",
)
@workers_option(
    "Worker processes on this machine. With more than one, a JSON Lines file is cut "
    "into byte ranges that each worker reads and routes into part files beside -o, merged "
    "in order (the same bytes as with one)."
)
@CLUSTER_OPTION
@click.option("--as-of", type=DATE, help="Route every event on this date's lists instead.")
@click.option("--no-cache", is_flag=True, help="Send every event through the rule engine.")
@RULES_OPTION
@HOURS_OPTION
@CALENDAR_OPTION
@CHECK_CONFIG_OPTION
@KNOWN_AT_OPTION
@common
def route_batch(
    db_url: str | None,
    events: Path,
    output: Path,
    rejects: Path | None,
    workers: int,
    cluster: str | None,
    as_of: dt.date | None,
    known_at: int | dt.datetime | None,
    no_cache: bool,
    rules_dir: Path | None,
    hours: Any,
    calendar_mode: str,
    check_config_file: Path | None,
) -> None:
    """Route a file of events (JSON, JSON Lines, CSV, XLSX) into a file of decisions (JSON
    Lines).

    With --cluster, a JSON Lines file is routed on a Dask cluster (docs/scale.md): the
    registry's database (a PostgreSQL URL, or SQLite on shared storage), the events file,
    the folder of -o (where the parts are written) and the --rules folder must be reachable
    by every worker at the same paths."""
    from remit.events.read import read_events
    from remit.routing.batch import route_batch as run_batch
    from remit.routing.rules.compile import load_rules

    problems: list[Problem] = []
    for path in (output, rejects):  # JSON Lines: a name that says otherwise is refused
        try:
            if path is not None:
                output_format(None, path, BATCH_WRITES, "jsonl")
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    registry = open_registry(db_url)
    registry.state(known_at)  # fails now, not in a worker: no registry, an unknown revision
    load_rules(rules_dir)  # likewise for bad rules
    loads, check_config = load_source(check_config_file)  # and for bad check settings
    read_events(events)  # and for a missing, empty or unreadable events file: before -o is opened
    for path in (output, rejects):
        if path is not None:
            check_writable(path)
            if _same_file(path, events):
                raise InputError.one("arg.same_file", source=str(path), events=str(events))
    if rejects is not None and _same_file(rejects, output):
        raise InputError.one("arg.same_file", source=str(rejects), events=str(output))
    if cluster is not None and events.suffix.lower() not in {".jsonl", ".ndjson"}:
        echo(t("batch.cluster_local", path=events), err=True)
    progress = progress_bar()
    with (  # each file is written whole or not at all
        output_file(output) as out,
        output_file(rejects or Path(os.devnull)) as bad,
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
            known_at=known_at,
            cache=not no_cache,
            hours=hours,
            strict_calendar=calendar_mode == "strict",
            loads=loads,
            check_config=check_config,
            progress=lambda n: progress.advance(task, n),
            cluster=cluster,
            parts_dir=parts_folder(output),
        )
    warn_extra(str(events), summary.extra_keys)
    echo(t("batch.summary", total=summary.total, **summary.counts))
    if summary.approximate:
        echo(t("batch.approximate", count=summary.approximate), err=True)
    echo(t("batch.wrote", path=output, rejects=rejects or "-"))
