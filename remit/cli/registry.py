"""``remit registry …``: import, inspect, publish, withdraw and export responsibility lists."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import asdict
from pathlib import Path

import click

from remit.cli.common import (
    DATE,
    DECISIONS_OPTION,
    FORMAT_TEXT_JSON,
    KNOWN_AT_OPTION,
    RETROACTIVE_OPTION,
    RemitGroup,
    common,
    echo_json,
    open_registry,
    output_option,
)
from remit.errors import InputError, Problem
from remit.files.tables import TABLE_SUFFIXES
from remit.i18n import t
from remit.present import registry as render
from remit.present.console import console, echo
from remit.present.formats import formats, output_format
from remit.registry import Registry
from remit.registry.entities import ListInfo, ListKind, Matter
from remit.registry.export import dump_yaml, list_document
from remit.registry.state import ImportPlan, RegistryState
from remit.registry.table_import import TableSummary, summary_text
from remit.registry.versions import effective_until


@click.group(cls=RemitGroup)
def registry() -> None:
    """Import, inspect, publish and export responsibility lists."""


@registry.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--mapping", type=click.Path(path_type=Path), help="Column mapping of a CSV/XLSX table."
)
@click.option(
    "--list", "list_id", metavar="LIST-ID", help="The list a CSV/XLSX table is a new draft of."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["12345", "open311"]),
    help="The file is a catalogue as published: a 12345 category tree (CSV/XLSX) or an Open311 "
    "GeoReport v2 service list (JSON/XML); it becomes the catalogue's next draft.",
)
@click.option(
    "--space",
    metavar="SPACE",
    help="The code space of a --format catalogue's matters: 热线/hotline/12345 (the default), "
    "部件/component or 事件/event. A CSV/XLSX list table: the space its matter cells are read in "
    "(部件:0101) where the mapping gives none (a space column or default).",
)
@click.option(
    "--problems",
    "problems_file",
    type=click.Path(path_type=Path),
    help="A table import: write every problem to this CSV (UTF-8 with BOM) or XLSX file "
    "(row, column, field, value, problem, fix), to fix the table in Excel.",
)
@click.option(
    "--create",
    is_flag=True,
    help="A table import: create --list (with --name and --kind), the table its first draft.",
)
@click.option("--name", "list_name", metavar="NAME", help="With --create: the list's name.")
@click.option(
    "--kind",
    "list_kind",
    type=click.Choice([k.value for k in ListKind]),
    help="With --create: the list's kind.",
)
@click.option("--issuer", metavar="UNIT", help="With --create: the unit that issued the list.")
@click.option("--scope", metavar="AREA", help="With --create: the area the list covers.")
@click.option("--by", metavar="NAME", help="Who imports (default: $REMIT_USER or the login name).")
@click.option("--note", help="Note of the draft made from a table, or why a change is made.")
@click.option(
    "--effective-from",
    type=DATE,
    help="The day areas or units files (without versions) change the ones in force: a new "
    "version of the areas or units from that day.",
)
@click.option(
    "--replace-draft",
    is_flag=True,
    help="YAML: replace a draft made from a table even by fewer rows (refused without it).",
)
@RETROACTIVE_OPTION
@common
def import_(
    db_url: str | None,
    paths: tuple[Path, ...],
    mapping: Path | None,
    list_id: str | None,
    fmt: str | None,
    space: str | None,
    problems_file: Path | None,
    create: bool,
    list_name: str | None,
    list_kind: str | None,
    issuer: str | None,
    scope: str | None,
    by: str | None,
    note: str | None,
    effective_from: dt.date | None,
    replace_draft: bool,
    retroactive: bool,
) -> None:
    """Import YAML files or directories, or a CSV/XLSX table as a draft of --list.

    An import is one transaction: all of it is written, or nothing. Areas and units are
    versioned: once there are any, a file without versions that changes them needs
    --effective-from (a date before today, --retroactive with --note).

    A table is checked whole: every problem of every row at once, the rows read, imported,
    refused and skipped counted; --problems FILE writes them all (CSV or XLSX) to fix the table
    in Excel. --create (with --name and --kind) makes --list from the table.
    """
    reg = open_registry(db_url)
    if fmt is not None:
        if len(paths) != 1 or mapping is not None or problems_file is not None or create:
            raise InputError.one("arg.one_catalogue", path=", ".join(map(str, paths)))
        result = reg.import_catalogue(
            paths[0], fmt, space or "hotline", by=by, note=note, list_id=list_id
        )
        _import_done(result.plan)
        return
    if space is not None and not any(p.suffix.lower() in TABLE_SUFFIXES for p in paths):
        raise InputError.one("arg.space_needs_format")
    for path in paths:
        if path.is_file() and path.suffix.lower() not in {*TABLE_SUFFIXES, ".yaml", ".yml"}:
            expected = ", ".join(sorted({*TABLE_SUFFIXES, ".yaml", ".yml"}))
            raise InputError.one(
                "file.unsupported", source=str(path), suffix=path.suffix, expected=expected
            )
    tables = [p for p in paths if p.suffix.lower() in TABLE_SUFFIXES]
    if tables:
        if replace_draft:
            raise InputError.one("arg.replace_draft_tabular")
        if list_id is None:
            raise InputError.one("arg.mapping_needed", source=str(tables[0]))
        if len(paths) != 1:
            raise InputError.one("arg.not_tabular", path=", ".join(map(str, paths)))
        new_list = None
        if create:
            if not list_name or not list_kind:
                raise InputError.one("arg.create_needs", list_id=list_id)
            new_list = ListInfo(list_id, list_name, ListKind(list_kind), issuer, scope)
        elif list_name or list_kind or issuer or scope:
            raise InputError.one("arg.create_only")
        result = reg.import_table(
            tables[0],
            list_id,
            mapping,
            by=by,
            note=note,
            problems=problems_file,
            create=new_list,
            space=space,
        )
    else:
        given = (mapping, list_id, problems_file, list_name, list_kind, issuer, scope)
        if create or any(option is not None for option in given):
            raise InputError.one("arg.not_tabular", path=", ".join(map(str, paths)))
        result = reg.import_files(
            paths,
            by=by,
            effective_from=effective_from,
            retroactive=retroactive,
            note=note,
            replace_draft=replace_draft,
        )
    _import_done(result.plan, result.table)


def _import_done(plan: ImportPlan, table: TableSummary | None = None) -> None:
    echo(
        t(
            "label.import_done",
            files=len(plan.files),
            areas=len(plan.areas),
            units=len(plan.units),
            lists=len(plan.lists),
            versions=len(plan.changes),
            unchanged=plan.unchanged,
        )
    )
    for change in plan.changes:
        v = change.version
        echo(
            "  "
            + t(
                "label.import_change",
                action=change.action,
                list_id=change.list_id,
                version=v.version,
                status=v.status.value,
                rows=v.row_count,
            )
        )
    for number, year in plan.calendar.years:
        echo("  " + t("label.import_calendar", year=number, source=year.source))
    if table is not None:
        echo(summary_text(table))


@registry.command("lists")
@click.option(
    "--as-of", type=DATE, help="Show which version is in force on this date (default today)."
)
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@KNOWN_AT_OPTION
@common
def lists_(
    db_url: str | None, as_of: dt.date | None, fmt: str, known_at: int | dt.datetime | None
) -> None:
    """Lists and the catalogue, the areas and the units: their versions, statuses, dates and
    row counts (as the registry stood at --known-at)."""
    on = as_of or dt.date.today()
    summaries = open_registry(db_url).lists(on, known_at)
    if fmt == "json":
        echo_json(
            [
                {
                    "id": s.info.id,
                    "name": s.info.name,
                    "kind": str(s.info.kind),
                    "in_force": s.in_force.version if s.in_force else None,
                    "versions": [render.version_json(v, s.until(v)) for v in s.versions],
                }
                for s in summaries
            ]
        )
        return
    console().print(render.lists_table(summaries, on))


@registry.command()
@click.argument("list_id", metavar="LIST-ID")
@click.option(
    "--version", "number", type=int, help="Version number (default: in force today, else newest)."
)
@click.option("--as-of", type=DATE, help="The version in force on this date.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(formats("text", "json", "yaml")),
    default="text",
    show_default=True,
)
@KNOWN_AT_OPTION
@common
def show(
    db_url: str | None,
    list_id: str,
    number: int | None,
    as_of: dt.date | None,
    fmt: str,
    known_at: int | dt.datetime | None,
) -> None:
    """One version of a list (or of the catalogue, the areas, the units) with its rows, as the
    registry stood at --known-at."""
    reg = open_registry(db_url)
    version = reg.version(list_id, number, as_of, known_at)
    state = reg.state(known_at)
    info = state.lists[list_id]
    if fmt == "yaml":
        click.echo(dump_yaml(list_document(info, [version])), nl=False)
        return
    until = effective_until(state.versions[list_id], version)
    if fmt == "json":
        data = render.version_json(version, until)
        data["list"] = {"id": info.id, "name": info.name, "kind": str(info.kind)}
        data["rows"] = [m.content() for m in version.matters] or [
            d.content() for d in version.duties
        ]
        echo_json(data)
        return
    out = console()
    for line in render.version_header(version, info.name, until):
        out.print(line, markup=False)
    if info.is_catalogue:
        out.print(render.matters_table(version))
        return
    matters = _matters(state)
    out.print(
        render.duties_table(
            version.duties,
            {code: m.name for code, m in matters.items()},
            {u.code: u.name for u in state.units.values()},
            {code: m.attributes for code, m in matters.items()},
            {a.code: a.name for a in state.areas.values()},
        )
    )


def _matters(state: RegistryState) -> dict[str, Matter]:
    """Every matter of every version of the catalogue, by code (the newest version last)."""
    return {m.code: m for v in state.versions.get(state.catalogue_id or "", []) for m in v.matters}


@registry.command()
@click.argument("list_id", metavar="[LIST-ID]", required=False)
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@common
def log(db_url: str | None, list_id: str | None, fmt: str) -> None:
    """Who imported, published or withdrew what, when, with which note."""
    entries = open_registry(db_url).log(list_id)
    if fmt == "json":
        echo_json([asdict(e) for e in entries])
        return
    console().print(render.log_table(entries))


@registry.command()
@click.argument("list_id", metavar="LIST-ID")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@common
def diff(db_url: str | None, list_id: str, a: int, b: int, fmt: str) -> None:
    """Rows added, removed and changed from version A to version B."""
    reg = open_registry(db_url)
    result = reg.diff(list_id, a, b)
    if fmt == "json":
        echo_json(result.to_dict())
        return
    state = reg.state()
    matters = _matters(state)
    names = {code: m.name for code, m in matters.items()}
    names |= {code: unit.name for code, unit in state.units.items()}
    names |= {code: area.name for code, area in state.areas.items()}
    out = console()
    attributes = {code: m.attributes for code, m in matters.items()}
    for line in render.diff_lines(result, names, attributes):
        out.print(line, markup=False)


@registry.command()
@click.argument("list_id", metavar="LIST-ID")
@click.option(
    "--effective-from", type=DATE, required=True, help="First day the version is in force."
)
@click.option("--effective-to", type=DATE, help="Last day in force, if the version ends.")
@click.option("--note", help="Why this version (kept in the log).")
@click.option(
    "--by", metavar="NAME", help="Who publishes (default: $REMIT_USER or the login name)."
)
@RETROACTIVE_OPTION
@DECISIONS_OPTION
@common
def publish(
    db_url: str | None,
    list_id: str,
    effective_from: dt.date,
    effective_to: dt.date | None,
    note: str | None,
    by: str | None,
    retroactive: bool,
    decisions: Path | None,
) -> None:
    """Publish the draft of a list; it supersedes the previous version from its date.

    A date before today changes what was in force then: refused unless --retroactive with
    --note; then the dates whose snapshots change are shown, and with --decisions FILE how many
    of those decisions would now be decided differently."""
    registry = open_registry(db_url)
    _check_decisions(decisions)
    before = registry.state()
    version = registry.publish(
        list_id,
        effective_from,
        note=note,
        by=by,
        effective_to=effective_to,
        retroactive=retroactive,
    )
    echo(t("label.published", list_id=list_id, version=version.version, date=effective_from))
    if retroactive:
        _report_change(registry, before, decisions)


@registry.command()
@click.argument("list_id", metavar="LIST-ID")
@click.option("--version", "number", type=int, required=True, help="The version to withdraw.")
@click.option("--note", help="Why (kept in the log).")
@click.option(
    "--by", metavar="NAME", help="Who withdraws (default: $REMIT_USER or the login name)."
)
@RETROACTIVE_OPTION
@DECISIONS_OPTION
@common
def withdraw(
    db_url: str | None,
    list_id: str,
    number: int,
    note: str | None,
    by: str | None,
    retroactive: bool,
    decisions: Path | None,
) -> None:
    """Withdraw a version: it is never in force again.

    A version that has been in force changes what was in force then: refused unless
    --retroactive with --note (see `publish`)."""
    registry = open_registry(db_url)
    _check_decisions(decisions)
    before = registry.state()
    registry.withdraw(list_id, number, note=note, by=by, retroactive=retroactive)
    echo(t("label.withdrawn", list_id=list_id, version=number))
    if retroactive:
        _report_change(registry, before, decisions)


def _check_decisions(decisions: Path | None) -> None:
    """A missing or empty decisions file is refused before anything is written."""
    if decisions is not None:
        from remit.routing.replay import check_decisions_file

        check_decisions_file(decisions)


def _report_change(registry: Registry, before: RegistryState, decisions: Path | None) -> None:
    """The dates whose snapshot a retroactive change altered, and how many stored decisions
    would now be decided differently."""
    changes = registry.changes(before, registry.state())
    for line in render.change_lines(changes):
        echo(line)
    if decisions is not None:
        from remit.checks import GraphCheck
        from remit.routing.replay import count_changed

        # as route-batch decided them: fallbacks and referrals flagged by the check's loads
        changed, total = count_changed(registry, decisions, loads=GraphCheck())
        echo(t("label.decisions_changed", changed=changed, total=total, path=decisions))


EXPORT_FORMATS = formats("yaml", "csv", "xlsx")


@registry.command("export")
@click.argument("list_id", metavar="LIST-ID")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    help="yaml (every version), csv or xlsx (one version); default: the one -o's suffix names "
    "(.yaml/.yml, .csv, .xlsx).",
)
@output_option(
    "File to write; its suffix gives the format unless --format does, and must not name "
    "another one.",
    required=True,
)
@click.option(
    "--version", "number", type=int, help="For csv/xlsx: the version (default: in force today)."
)
@common
def export_(
    db_url: str | None, list_id: str, fmt: str | None, output: Path, number: int | None
) -> None:
    """Write a list to a file: YAML with every version, or one version as CSV/XLSX."""
    reg = open_registry(db_url)
    try:
        chosen = output_format(fmt, output, EXPORT_FORMATS, None)
    except InputError as exc:
        problems: list[Problem] = []
        try:  # an unknown list or version too, all at once
            reg.version(list_id, number)
        except InputError as unknown:
            problems += unknown.problems
        raise InputError([*problems, *exc.problems]) from None
    rows = reg.export(list_id, chosen, output, number)
    echo(t("label.exported", path=output, rows=rows))


@registry.command()
@click.option("--as-of", type=DATE, help="Date (default today).")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@KNOWN_AT_OPTION
@common
def snapshot(
    db_url: str | None, as_of: dt.date | None, fmt: str, known_at: int | dt.datetime | None
) -> None:
    """What is in force on a date, and its content hash. With --known-at: as the registry stood
    at that revision."""
    snap = open_registry(db_url).snapshot(as_of, known_at=known_at)
    if fmt == "json":
        echo_json(snap.summary())
        return
    lines, table = render.snapshot_lines(snap)
    out = console()
    for line in lines:
        out.print(line, markup=False)
    out.print(table)


@registry.command()
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@common
def verify(db_url: str | None, fmt: str) -> None:
    """Check the whole recorded history against itself.

    Every version's content hash is recomputed from its rows, its row count counted, its parent
    hash compared with the version before it as recorded then; the audit log's hash chain is
    recomputed entry by entry; the revisions must be numbered without gaps, and the log must
    name every record each revision made (and every record an entry names must be there). Exit
    code 0: all of it matches; 1: what does not is named (list, version, record, revision, rows,
    log entry); 2: bad input. Changes nothing."""
    report = open_registry(db_url).verify()
    if fmt == "json":
        echo_json(render.verify_json(report))
    else:
        for line in render.verify_lines(report):
            echo(line)
    if not report.ok:
        sys.exit(1)


@registry.command()
@click.option("--by", metavar="NAME", help="Who migrates (default: $REMIT_USER or the login name).")
@common
def migrate(db_url: str | None, by: str | None) -> None:
    """Bring a registry made by the previous release (table layout 3) to this one, in place.

    Nothing is re-imported: a SQLite file is copied beside itself first
    (FILE.schema3-backup-TIME); then, in one transaction, everything the registry knew becomes
    revision 1 of its history, recorded now (by --by), with every hash as it was, and the
    history is verified. PostgreSQL gets no copy: make one with pg_dump first if you want it.
    A registry of this release's layout is left as it is (exit code 0)."""
    reg = open_registry(db_url)
    result = reg.migrate(by=by)
    for line in render.migration_lines(result, reg.url):
        echo(line)
    if result.migrated:
        report = reg.verify()
        for line in render.verify_lines(report):
            echo(line)
        if not report.ok:
            sys.exit(1)
