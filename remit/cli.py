"""The ``remit`` command line: a thin layer over :class:`remit.Registry`.

Exit codes: 0 success; 2 bad input (a file, a table, an argument), with a message naming the
file, line or row, field and what was expected — and nothing written.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError

from remit import render
from remit.errors import InputError
from remit.i18n import LANGS, current_lang, default_lang, t
from remit.registry import Registry
from remit.registry.export import dump_yaml, list_document
from remit.registry.files import FILE_MODELS
from remit.registry.tabular import TABLE_SUFFIXES
from remit.registry.versions import effective_until

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType):
    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(t("arg.bad_date", value=value), param, ctx)


DATE = DateType()


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    lang = value or default_lang()
    current_lang.set(lang)  # type: ignore[arg-type]
    return lang


def lang_option(func: F) -> F:
    return click.option(
        "--lang",
        type=click.Choice(LANGS),
        callback=_set_lang,
        is_eager=True,
        expose_value=False,
        help="Language of messages and reports (default: $REMIT_LANG or the locale).",
    )(func)


def common(func: F) -> F:
    """``--db`` and ``--lang``, accepted by every command that reads the registry."""
    func = lang_option(func)
    return click.option(
        "--db",
        "db_url",
        envvar="REMIT_DB",
        metavar="URL",
        help="Registry database URL or SQLite path (default: $REMIT_DB, else sqlite:///remit.db).",
    )(func)


class RemitGroup(click.Group):
    """Turns remit's input errors into messages and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            err = render.console(stderr=True)
            err.print(t("error.header", count=len(exc.problems)), style="bold red", markup=False)
            err.print(exc.render(), markup=False, soft_wrap=True)
            sys.exit(exc.exit_code)
        except OperationalError as exc:
            render.console(stderr=True).print(
                t("db.unreachable", url=ctx.meta.get("remit.url", "?"), detail=str(exc.orig)),
                markup=False,
                soft_wrap=True,
            )
            sys.exit(2)
        except BrokenPipeError:  # output piped into `head` and the like
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("REMIT_DEBUG"):
                raise
            render.console(stderr=True).print(
                t("error.internal", error=f"{type(exc).__name__}: {exc}"),
                markup=False,
                soft_wrap=True,
            )
            sys.exit(1)


def _registry(db_url: str | None) -> Registry:
    registry = Registry(db_url)
    click.get_current_context().meta["remit.url"] = registry.url
    return registry


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


@click.group(cls=RemitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="remit")
def main() -> None:
    """remit — city responsibility lists (权责清单 / 街镇履职事项清单) as a versioned registry.

    Keep the lists, publish versions, and read what is in force on a date.
    """


@main.command()
@click.option("--force", is_flag=True, help="Drop an existing registry and start empty.")
@common
def init(db_url: str | None, force: bool) -> None:
    """Create an empty registry."""
    registry = Registry.create(db_url, force=force)
    click.echo(t("label.initialised", url=registry.url))


@main.group(cls=RemitGroup)
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
@click.option("--by", metavar="NAME", help="Who imports (default: $REMIT_USER or the login name).")
@click.option("--note", help="Note of the draft made from a table.")
@common
def import_(
    db_url: str | None,
    paths: tuple[Path, ...],
    mapping: Path | None,
    list_id: str | None,
    by: str | None,
    note: str | None,
) -> None:
    """Import YAML files or directories, or a CSV/XLSX table as a draft of --list.

    An import is one transaction: all of it is written, or nothing.
    """
    reg = _registry(db_url)
    for path in paths:
        if path.is_file() and path.suffix.lower() not in {*TABLE_SUFFIXES, ".yaml", ".yml"}:
            expected = ", ".join(sorted({*TABLE_SUFFIXES, ".yaml", ".yml"}))
            raise InputError.one(
                "file.unsupported", source=str(path), suffix=path.suffix, expected=expected
            )
    tables = [p for p in paths if p.suffix.lower() in TABLE_SUFFIXES]
    if tables:
        if list_id is None:
            raise InputError.one("arg.mapping_needed", source=str(tables[0]))
        if len(paths) != 1:
            raise InputError.one("arg.not_tabular", path=", ".join(map(str, paths)))
        result = reg.import_table(tables[0], list_id, mapping, by=by, note=note)
    else:
        if mapping is not None or list_id is not None:
            raise InputError.one("arg.not_tabular", path=", ".join(map(str, paths)))
        result = reg.import_files(paths, by=by)
    plan = result.plan
    click.echo(
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
        click.echo(
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


FORMAT_TEXT_JSON = click.Choice(["text", "json"])


@registry.command("lists")
@click.option(
    "--as-of", type=DATE, help="Show which version is in force on this date (default today)."
)
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@common
def lists_(db_url: str | None, as_of: dt.date | None, fmt: str) -> None:
    """Lists and the catalogue: their versions, statuses, dates and row counts."""
    on = as_of or dt.date.today()
    summaries = _registry(db_url).lists(on)
    if fmt == "json":
        _echo_json(
            [
                {
                    "id": s.info.id,
                    "name": s.info.name,
                    "kind": str(s.info.kind),
                    "in_force": s.in_force.version if s.in_force else None,
                    "versions": [_version_json(v, s.until(v)) for v in s.versions],
                }
                for s in summaries
            ]
        )
        return
    render.console().print(render.lists_table(summaries, on))


def _version_json(v: Any, until: dt.date | None = None) -> dict[str, Any]:
    data = {k: val for k, val in asdict(v).items() if k not in {"duties", "matters"}}
    data["status"] = v.status.value
    data["in_force_until"] = until
    return data


@registry.command()
@click.argument("list_id", metavar="LIST-ID")
@click.option(
    "--version", "number", type=int, help="Version number (default: in force today, else newest)."
)
@click.option("--as-of", type=DATE, help="The version in force on this date.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "yaml"]),
    default="text",
    show_default=True,
)
@common
def show(
    db_url: str | None, list_id: str, number: int | None, as_of: dt.date | None, fmt: str
) -> None:
    """One version of a list (or of the catalogue) with its rows."""
    reg = _registry(db_url)
    version = reg.version(list_id, number, as_of)
    state = reg.state()
    info = state.lists[list_id]
    if fmt == "yaml":
        click.echo(dump_yaml(list_document(info, [version])), nl=False)
        return
    until = effective_until(state.versions[list_id], version)
    if fmt == "json":
        data = _version_json(version, until)
        data["list"] = {"id": info.id, "name": info.name, "kind": str(info.kind)}
        data["rows"] = [m.content() for m in version.matters] or [
            d.content() for d in version.duties
        ]
        _echo_json(data)
        return
    out = render.console()
    for line in render.version_header(version, info.name, until):
        out.print(line, markup=False)
    if info.is_catalogue:
        out.print(render.matters_table(version))
        return
    snapshot_matters = {
        m.code: m.name for v in state.versions.get(state.catalogue_id or "", []) for m in v.matters
    }
    out.print(
        render.duties_table(
            version.duties, snapshot_matters, {u.code: u.name for u in state.units.values()}
        )
    )


@registry.command()
@click.argument("list_id", metavar="[LIST-ID]", required=False)
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@common
def log(db_url: str | None, list_id: str | None, fmt: str) -> None:
    """Who imported, published or withdrew what, when, with which note."""
    entries = _registry(db_url).log(list_id)
    if fmt == "json":
        _echo_json([asdict(e) for e in entries])
        return
    render.console().print(render.log_table(entries))


@registry.command()
@click.argument("list_id", metavar="LIST-ID")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@common
def diff(db_url: str | None, list_id: str, a: int, b: int, fmt: str) -> None:
    """Rows added, removed and changed from version A to version B."""
    reg = _registry(db_url)
    result = reg.diff(list_id, a, b)
    if fmt == "json":
        _echo_json(result.to_dict())
        return
    state = reg.state()
    names = {
        m.code: m.name for v in state.versions.get(state.catalogue_id or "", []) for m in v.matters
    }
    names |= {code: item.name for code, item in (*state.units.items(), *state.areas.items())}
    out = render.console()
    for line in render.diff_lines(result, names):
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
@common
def publish(
    db_url: str | None,
    list_id: str,
    effective_from: dt.date,
    effective_to: dt.date | None,
    note: str | None,
    by: str | None,
) -> None:
    """Publish the draft of a list; it supersedes the previous version from its date."""
    version = _registry(db_url).publish(
        list_id, effective_from, note=note, by=by, effective_to=effective_to
    )
    click.echo(t("label.published", list_id=list_id, version=version.version, date=effective_from))


@registry.command()
@click.argument("list_id", metavar="LIST-ID")
@click.option("--version", "number", type=int, required=True, help="The version to withdraw.")
@click.option("--note", help="Why (kept in the log).")
@click.option(
    "--by", metavar="NAME", help="Who withdraws (default: $REMIT_USER or the login name)."
)
@common
def withdraw(
    db_url: str | None, list_id: str, number: int, note: str | None, by: str | None
) -> None:
    """Withdraw a version: it is never in force again."""
    _registry(db_url).withdraw(list_id, number, note=note, by=by)
    click.echo(t("label.withdrawn", list_id=list_id, version=number))


@registry.command("export")
@click.argument("list_id", metavar="LIST-ID")
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv", "xlsx"]), required=True)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, help="File to write."
)
@click.option(
    "--version", "number", type=int, help="For csv/xlsx: the version (default: in force today)."
)
@common
def export_(db_url: str | None, list_id: str, fmt: str, output: Path, number: int | None) -> None:
    """Write a list to a file: YAML with every version, or one version as CSV/XLSX."""
    rows = _registry(db_url).export(list_id, fmt, output, number)
    click.echo(t("label.exported", path=output, rows=rows))


@registry.command()
@click.option("--as-of", type=DATE, help="Date (default today).")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@common
def snapshot(db_url: str | None, as_of: dt.date | None, fmt: str) -> None:
    """What is in force on a date, and its content hash."""
    snap = _registry(db_url).snapshot(as_of)
    if fmt == "json":
        _echo_json(snap.summary())
        return
    lines, table = render.snapshot_lines(snap)
    out = render.console()
    for line in lines:
        out.print(line, markup=False)
    out.print(table)


def _schemas() -> dict[str, Any]:
    from remit.checks.findings import CheckConfig, CheckReport
    from remit.engine.admission.report import AdmissionReport
    from remit.engine.admission.request import AdmissionConfig, AdmissionRequest
    from remit.engine.decision import RoutingDecision
    from remit.engine.events import EventIn
    from remit.rules.model import RulesFile

    return {
        **FILE_MODELS,
        "event": EventIn,
        "decision": RoutingDecision,
        "rules": RulesFile,
        "check-config": CheckConfig,
        "check-report": CheckReport,
        "admission": AdmissionRequest,
        "admission-config": AdmissionConfig,
        "admission-report": AdmissionReport,
    }


SCHEMA_KINDS = [
    *FILE_MODELS,
    "event",
    "decision",
    "rules",
    "check-config",
    "check-report",
    "admission",
    "admission-config",
    "admission-report",
]


@main.command()
@click.option(
    "--kind",
    type=click.Choice(SCHEMA_KINDS),
    help="One format (default: all).",
)
@lang_option
def schema(kind: str | None) -> None:
    """JSON Schema of the file formats: registry files, mappings, events, decisions, rules,
    the check's settings and its JSON report."""
    models = _schemas()
    if kind:
        _echo_json(models[kind].model_json_schema())
    else:
        _echo_json({name: model.model_json_schema() for name, model in models.items()})


# --- routing ------------------------------------------------------------------------------------

RULES_OPTION = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path),
    help="A directory (or file) of rules added to the defaults; a rule with a default's id replaces it.",
)


class HoursType(click.ParamType):
    name = "HH:MM-HH:MM,…"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from remit.deadlines import WorkingHours

        if not isinstance(value, str):
            return value
        try:
            return WorkingHours.parse(value)
        except ValueError as exc:
            self.fail(f"{value!r}: {exc}; expected e.g. 09:00-12:00,13:00-17:00", param, ctx)


HOURS_OPTION = click.option(
    "--working-hours",
    "hours",
    type=HoursType(),
    default="09:00-12:00,13:00-17:00",
    show_default=True,
    help="Working periods of a working day (Asia/Shanghai), for 工作时 and 工作日 deadlines.",
)


def _attr_value(text: str) -> Any:
    """``--attr severity=3``: numbers and true/false as such, else text."""
    lowered = text.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        return text


@main.command()
@click.argument("event_file", type=click.Path(path_type=Path), required=False)
@click.option("--matter", help="Matter code, name or alias (instead of an event file).")
@click.option("--area", help="Area code, name or alias.")
@click.option(
    "--attr", "attrs", multiple=True, metavar="NAME=VALUE", help="An attribute (repeatable)."
)
@click.option("--owner", help="The owner (权属单位) named on the event.")
@click.option("--repeat", "repeat_count", type=int, default=0, help="Times reported before.")
@click.option("--reported-at", type=click.DateTime(), help="When it was reported (default now).")
@click.option("--as-of", type=DATE, help="Route on the lists in force on this date instead.")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@RULES_OPTION
@HOURS_OPTION
@common
def route(
    db_url: str | None,
    event_file: Path | None,
    matter: str | None,
    area: str | None,
    attrs: tuple[str, ...],
    owner: str | None,
    repeat_count: int,
    reported_at: dt.datetime | None,
    as_of: dt.date | None,
    fmt: str,
    rules_dir: Path | None,
    hours: Any,
) -> None:
    """Route one event: from a JSON file, or from --matter/--area/--attr."""
    from remit.deadlines import WorkCalendar
    from remit.engine.events import EventIn, read_events
    from remit.engine.router import Router

    router = Router(
        _registry(db_url), rules_dir=rules_dir, as_of=as_of, calendar=WorkCalendar(hours)
    )
    where: dict[str, object]
    if event_file is not None:
        where, event = next(iter(read_events(event_file)))
        if isinstance(event, list):
            raise InputError(event)
    else:
        if not matter or not area:
            raise click.UsageError("give an event file, or --matter and --area")
        attributes = {}
        for item in attrs:
            name, sep, value = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--attr")
            attributes[name.strip()] = _attr_value(value)
        event = EventIn(
            id="cli",
            matter=matter,
            area=area,
            reported_at=reported_at or dt.datetime.now().replace(microsecond=0),
            attributes=attributes,
            owner=owner,
            repeat_count=repeat_count,
            source="cli",
        )
        where = {"source": "command line"}
    decision = router.route(event, where)
    if fmt == "json":
        click.echo(decision.model_dump_json(indent=2))
        return
    out = render.console()
    for line in render.decision_lines(decision):
        out.print(line, markup=False)


@main.command("route-batch")
@click.argument("events", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, help="Decisions (JSONL)."
)
@click.option(
    "--rejects", type=click.Path(path_type=Path), help="Refused events, where and why (JSONL)."
)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--as-of", type=DATE, help="Route every event on this date's lists instead.")
@click.option("--no-cache", is_flag=True, help="Send every event through the rule engine.")
@RULES_OPTION
@HOURS_OPTION
@common
def route_batch(
    db_url: str | None,
    events: Path,
    output: Path,
    rejects: Path | None,
    workers: int,
    as_of: dt.date | None,
    no_cache: bool,
    rules_dir: Path | None,
    hours: Any,
) -> None:
    """Route a file of events (JSON, JSON Lines, CSV, XLSX) into a file of decisions."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from remit.engine.batch import route_batch as run_batch
    from remit.engine.events import read_events
    from remit.rules.compile import load_rules

    registry = _registry(db_url)
    registry.state()  # fails now, not in a worker, when there is no registry
    load_rules(rules_dir)  # likewise for bad rules
    read_events(events)  # and for a missing, empty or unreadable events file: before -o is opened
    for path in (output, rejects):
        if path is not None and not path.parent.is_dir():
            raise InputError.one("file.no_directory", source=str(path), directory=str(path.parent))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    progress = Progress(
        *columns, disable=not sys.stderr.isatty(), console=render.console(stderr=True)
    )
    with (
        output.open("w", encoding="utf-8") as out,
        (rejects or Path(os.devnull)).open("w", encoding="utf-8") as bad,
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
            cache=not no_cache,
            hours=hours,
            progress=lambda n: progress.advance(task, n),
        )
    click.echo(t("batch.summary", total=summary.total, **summary.counts))
    click.echo(t("batch.wrote", path=output, rejects=rejects or "-"))


# --- the graph check ----------------------------------------------------------------------------

CHECK_FORMATS = ("text", "json", "md", "html", "xlsx")


@main.command()
@click.option("--as-of", type=DATE, help="Check the lists in force on this date (default today).")
@click.option("--area", metavar="CODE", help="Only the leaf areas under this area.")
@click.option("--matter", metavar="CODE", help="Only this matter (a group: its leaf matters).")
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
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="Check settings (file: check-config; see `remit schema --kind check-config`).",
)
@click.option(
    "--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here.")
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding reaches this severity (with --against: a new finding).",
)
@common
def check(
    db_url: str | None,
    as_of: dt.date | None,
    area: str | None,
    matter: str | None,
    list_id: str | None,
    against: str | None,
    history: Path | None,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    fail_on: str,
) -> None:
    """Check the lists in force for overlaps (职能重叠), gaps (遗漏), masked leads, assists
    without a lead, rows outside their unit's jurisdiction, referral cycles, stale rows,
    devolution without admission and overloaded units.

    Exit 0 when no finding reaches --fail-on, 1 when one does, 2 for bad input."""
    from remit.checks import CheckConfig, Severity, check_registry
    from remit.registry.validate import load_typed

    lang = current_lang.get()
    if fmt == "xlsx" and output is None:
        raise click.UsageError("--format xlsx needs -o FILE")
    if output is not None and not output.parent.is_dir():
        raise InputError.one("file.no_directory", source=str(output), directory=str(output.parent))
    if output is not None and output.is_dir():
        raise InputError.one("file.is_directory", source=str(output))
    config = load_typed(config_file, "check-config", CheckConfig) if config_file else None
    report = check_registry(
        _registry(db_url),
        as_of,
        against=against,
        config=config,
        area=area,
        matter=matter,
        list_id=list_id,
        history=history,
        lang=lang,
    )
    _write_report(report, fmt, output, lang)
    failing = report.failing(Severity(fail_on))
    if failing:
        render.console(stderr=True).print(
            t("check.failed", count=len(failing), level=t(f"severity.{fail_on}")), markup=False
        )
        sys.exit(1)


def _write_report(report: Any, fmt: str, output: Path | None, lang: str) -> None:
    from rich.console import Console

    from remit.checks.html import render_html
    from remit.checks.markdown import render_markdown
    from remit.checks.text import print_text
    from remit.checks.xlsx import write_xlsx

    if fmt == "xlsx":
        assert output is not None
        write_xlsx(report, lang, output)  # type: ignore[arg-type]
        click.echo(t("check.wrote", path=output))
        return
    if fmt == "text" and output is None:
        print_text(report, lang)  # type: ignore[arg-type]
        return
    if fmt == "text":
        buffer = io.StringIO()
        print_text(report, lang, Console(file=buffer, width=200, no_color=True))  # type: ignore[arg-type]
        text = buffer.getvalue()
    elif fmt == "json":
        text = report.model_dump_json(indent=2) + "\n"
    elif fmt == "md":
        text = render_markdown(report, lang)  # type: ignore[arg-type]
    else:
        text = render_html(report, lang)  # type: ignore[arg-type]
    if output is None:
        click.echo(text, nl=False)
        return
    _atomic_write(output, text)
    click.echo(t("check.wrote", path=output))


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file: never a half-written report."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --- the admission gate (事项准入) ----------------------------------------------------------------

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


def _gate(db_url: str | None, config_file: Path | None) -> Any:
    from remit.engine.admission import AdmissionGate, load_config

    config = load_config(config_file) if config_file else None
    return AdmissionGate(_registry(db_url), config)


def _print_admission(report: Any, fmt: str) -> None:
    from remit.engine.admission.render import render_markdown, render_text

    lang = current_lang.get()
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    elif fmt == "md":
        click.echo(render_markdown(report, lang), nl=False)
    else:
        out = render.console()
        for part in render_text(report, lang):
            out.print(part)


@main.group(cls=RemitGroup)
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
    from remit.engine.admission import load_request

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
    from remit.engine.admission import load_request

    request = load_request(request_file)
    report = _gate(db_url, config_file).submit(request, by, history, current_lang.get())
    _print_admission(report, fmt)
    click.echo(t("admit.submitted", id=request.id, outcome=t(f"outcome.{report.outcome.value}")))


@admit.command("list")
@click.option(
    "--status", type=click.Choice(["submitted", "approved", "rejected"]), help="Only these."
)
@ADMIT_CONFIG_OPTION
@common
def admit_list(db_url: str | None, status: str | None, config_file: Path | None) -> None:
    """The recorded requests, oldest first; undecided ones past the deadline are overdue."""
    from rich.table import Table

    gate = _gate(db_url, config_file)
    table = Table()
    for key in (
        "col.id",
        "col.matter",
        "col.department",
        "col.status",
        "col.outcome",
        "col.submitted",
        "col.decided",
    ):
        table.add_column(t(key))
    for e in gate.requests(status):
        state = t(f"status.{e.status}") + (f" ({t('admit.overdue')})" if gate.overdue(e) else "")
        table.add_row(
            e.id,
            f"{e.matter} {e.report.matter_name or ''}".strip(),
            e.report.department_name or e.department,
            state,
            t(f"outcome.{e.report.outcome.value}"),
            f"{e.submitted_at:%Y-%m-%d %H:%M} {e.submitted_by}",
            f"{e.decided_at:%Y-%m-%d %H:%M} {e.decided_by}" if e.decided_at else "",
        )
    render.console().print(table)


@admit.command("show")
@click.argument("request_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text")
@ADMIT_CONFIG_OPTION
@common
def admit_show(db_url: str | None, request_id: str, fmt: str, config_file: Path | None) -> None:
    """One recorded request: its status, decision and the gates' last report."""
    gate = _gate(db_url, config_file)
    entry = gate.show(request_id)
    if fmt == "json":
        _echo_json(
            {
                "id": entry.id,
                "status": entry.status,
                "overdue": gate.overdue(entry),
                "submitted_by": entry.submitted_by,
                "submitted_at": entry.submitted_at,
                "decided_by": entry.decided_by,
                "decided_at": entry.decided_at,
                "decision_note": entry.decision_note,
                "enacted": entry.enacted,
                "request": entry.request.model_dump(mode="json"),
                "report": entry.report.model_dump(mode="json"),
            }
        )
        return
    state = t(f"status.{entry.status}") + (
        f" ({t('admit.overdue')})" if gate.overdue(entry) else ""
    )
    click.echo(f"{entry.id}: {state}")
    click.echo(f"{t('col.submitted')}: {entry.submitted_at:%Y-%m-%d %H:%M} {entry.submitted_by}")
    if entry.decided_at:
        click.echo(
            f"{t('col.decided')}: {entry.decided_at:%Y-%m-%d %H:%M} {entry.decided_by}"
            + (f" — {entry.decision_note}" if entry.decision_note else "")
        )
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
    from remit.engine.admission import GateRefused

    try:
        report = _gate(db_url, config_file).approve(
            request_id, by, note, history, current_lang.get()
        )
    except GateRefused as refused:
        _print_admission(refused.report, "text")
        click.echo(
            t("admit.refused", id=request_id, outcome=t(f"outcome.{refused.report.outcome.value}")),
            err=True,
        )
        sys.exit(1)
    versions = ", ".join(f"{v['list']} v{v['version']}" for v in report.enactment)
    click.echo(t("admit.approved", id=request_id, versions=versions))


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
    click.echo(t("admit.rejected", id=request_id))


@main.group(cls=RemitGroup)
def rules() -> None:
    """The routing policy rules: list, show, check."""


@rules.command("list")
@RULES_OPTION
@lang_option
def rules_list(rules_dir: Path | None) -> None:
    """The rules in force, in the order they fire."""
    from rich.table import Table

    from remit.rules.compile import load_rules

    ruleset = load_rules(rules_dir)
    lang = current_lang.get()
    table = Table()
    for label in ("pri", "id", "title"):
        table.add_column(label)
    for rule in ruleset.rules:
        table.add_row(str(rule.pri), rule.id, rule.title.get(lang) or rule.title.get("en", ""))
    render.console().print(table)


@rules.command("show")
@click.argument("rule_id", required=False)
@RULES_OPTION
@lang_option
def rules_show(rule_id: str | None, rules_dir: Path | None) -> None:
    """The rules (or one rule) as YAML, with the configuration in force."""
    from remit.rules.compile import load_rules

    ruleset = load_rules(rules_dir)
    chosen = [r for r in ruleset.rules if rule_id in (None, r.id)]
    if rule_id and not chosen:
        known = ", ".join(r.id for r in ruleset.rules)
        raise click.BadParameter(f"no rule {rule_id!r}; rules: {known}", param_hint="RULE_ID")
    document = {
        "config": ruleset.config.model_dump(mode="json"),
        "rules": [r.model_dump(mode="json", by_alias=True, exclude_defaults=True) for r in chosen],
    }
    click.echo(dump_yaml(document), nl=False)


@rules.command("check")
@RULES_OPTION
@lang_option
def rules_check(rules_dir: Path | None) -> None:
    """Validate the rules and check the compiled ruleset against the engine's limits."""
    from remit.rules.compile import expand, load_rules

    ruleset = load_rules(rules_dir)
    compiled = sum(len(expand(rule, ruleset.config)) for rule in ruleset.rules)
    sources = ", ".join(ruleset.sources)
    click.echo(t("rules.checked", count=len(ruleset.rules), compiled=compiled, sources=sources))


if __name__ == "__main__":  # pragma: no cover
    main()
