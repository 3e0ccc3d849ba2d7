"""What every command shares: the --db and --lang options, dates and working hours as arguments, and turning remit's errors into messages and exit codes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import BaseModel
from sqlalchemy.exc import DatabaseError, OperationalError

from remit.deadlines import Counting, WorkingHours
from remit.errors import InputError
from remit.files.writing import check_writable, write_text
from remit.i18n import LANGS, Lang, current_lang, default_lang, t
from remit.present.console import console, echo
from remit.present.formats import formats, output_format
from remit.registry import Registry
from remit.registry.table_import import TableImportError
from remit.routing.ranges import CONNECT_TIMEOUT

if TYPE_CHECKING:
    from rich.progress import Progress

    from remit.findings import CheckConfig, LoadSource

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R", bound=BaseModel)


class DateType(click.ParamType[dt.date]):
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


class ReportedAtType(click.ParamType[dt.datetime]):
    """A time as event files write ``reported_at``: ISO 8601 with or without an offset (then
    Asia/Shanghai time), ``2026-03-02 10:00`` too; read by the events' own parser
    (:data:`remit.events.model.ReportedAt`), so an option and a file agree."""

    name = "TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        from pydantic import TypeAdapter, ValidationError

        from remit.events.model import ReportedAt

        try:
            return TypeAdapter(ReportedAt).validate_python(value)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            # the parser's own words, without the "expected …" that the message says anyway
            detail = error["msg"].removeprefix("Value error, ").split(";")[0]
            self.fail(t("arg.bad_time", value=value, detail=detail), param, ctx)


REPORTED_AT = ReportedAtType()


class KnownAtType(click.ParamType[int | dt.datetime | None]):
    """A registry revision: its number, ``latest``, or a time (ISO 8601, as ``--reported-at``
    reads it: the registry as it stood then)."""

    name = "REVISION|TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | dt.datetime | None:
        if value is None or isinstance(value, int | dt.datetime):
            return value
        text = str(value).strip()
        if text.lower() == "latest":
            return None
        if text.isdigit():
            return int(text)
        return REPORTED_AT.convert(text, param, ctx)


KNOWN_AT = KnownAtType()
KNOWN_AT_OPTION = click.option(
    "--known-at",
    type=KNOWN_AT,
    help="Read the registry as it stood at this revision (a number, a time, or latest; "
    "default latest).",
)
DECISIONS_OPTION = click.option(
    "--decisions",
    type=click.Path(path_type=Path),
    help="Decisions (JSON Lines, as route-batch writes them): say how many the change would "
    "now decide differently.",
)
RETROACTIVE_OPTION = click.option(
    "--retroactive",
    is_flag=True,
    help="Allow a change that alters what was in force on past dates (needs --note).",
)


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    lang: Lang = "zh" if (value or default_lang()) == "zh" else "en"
    current_lang.set(lang)
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
            err = console(stderr=True)
            err.print(t("error.header", count=len(exc.problems)), style="bold red", markup=False)
            err.print(exc.render(), markup=False, soft_wrap=True)
            if isinstance(exc, TableImportError):  # the rows each way, where all problems are
                err.print(exc.footer(), markup=False, soft_wrap=True)
            sys.exit(exc.exit_code)
        except OperationalError as exc:
            console(stderr=True).print(
                t("db.unreachable", url=ctx.meta.get("remit.url", "?"), detail=str(exc.orig)),
                markup=False,
                soft_wrap=True,
            )
            sys.exit(2)
        except DatabaseError as exc:
            if not Registry.not_a_database(exc) or os.environ.get("REMIT_DEBUG"):
                _internal_error(exc)
            console(stderr=True).print(
                t("db.not_a_registry", url=ctx.meta.get("remit.url", "?"), detail=str(exc.orig)),
                markup=False,
                soft_wrap=True,
            )
            sys.exit(2)
        except BrokenPipeError:  # output piped into `head` and the like
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as exc:
            # the system refused a file the user named (a name too long, a symlink loop, no
            # permission, a full disk) where no reader or writer said so in its own words
            if exc.filename is None and exc.errno in _FULL and not os.environ.get("REMIT_DEBUG"):
                # no file named: standard output (the files named are written by files.writing)
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                console(stderr=True).print(
                    t("file.stdout_full", detail=exc.strerror or exc), markup=False, soft_wrap=True
                )
                sys.exit(2)
            if exc.filename is None or os.environ.get("REMIT_DEBUG"):
                _internal_error(exc)
            console(stderr=True).print(
                t("file.refused", path=os.fsdecode(exc.filename), detail=exc.strerror or exc),
                markup=False,
                soft_wrap=True,
            )
            sys.exit(2)
        except click.UsageError as exc:
            if current_lang.get() != "zh":
                raise  # click says it in English
            _usage_error(exc)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            _internal_error(exc)


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}
"""What writing standard output may fail with: the disk or the quota is full, an I/O error."""


def _internal_error(exc: Exception) -> None:
    """A bug in remit: said so, with how to see the traceback (which REMIT_DEBUG=1 shows)."""
    if os.environ.get("REMIT_DEBUG"):
        raise exc
    console(stderr=True).print(
        t("error.internal", error=f"{type(exc).__name__}: {exc}"),
        markup=False,
        soft_wrap=True,
    )
    sys.exit(1)


def _usage_error(exc: click.UsageError) -> None:
    """A bad option or argument, in the current language: click's own words are English."""
    if isinstance(exc, click.MissingParameter):
        message = t("arg.missing", param=_param_hint(exc))
    elif isinstance(exc, click.BadParameter):
        hint = _param_hint(exc)
        message = t("arg.invalid", param=hint, message=exc.message) if hint else exc.message
    elif isinstance(exc, click.NoSuchOption):
        message = t("arg.no_such_option", option=exc.option_name)
    else:
        message = exc.format_message()
    err = console(stderr=True)
    err.print(t("arg.error", message=message), style="bold red", markup=False, soft_wrap=True)
    if exc.ctx is not None:
        err.print(t("arg.help", command=f"{exc.ctx.command_path} -h"), markup=False)
    sys.exit(exc.exit_code)


def _param_hint(exc: click.BadParameter) -> str:
    """The option or argument a usage error is about, quoted: '--as-of', 'RULE_ID'."""
    hint = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint(exc.ctx)
    if hint is None:
        return ""
    if isinstance(hint, str):
        return hint if hint.startswith("'") else repr(hint)
    return " / ".join(map(repr, hint))


def warn(text: str) -> None:
    """A warning for the person at the terminal: on standard error, so that what goes to
    standard output (a decision as JSON) stays as it is."""
    echo(t("cli.warning", text=text), err=True)


def warn_extra(source: str, keys: Sequence[str]) -> None:
    """Once per file: the columns (keys) of its events that routing does not use, kept in each
    decision's ``extra`` — and, apart, each that looks like a misspelt field."""
    from remit.events.read import likely_field

    kept = []
    for key in keys:
        field = likely_field(key)
        if field is not None:
            warn(t("event.extra_misspelt", source=source, column=key, field=field))
        else:
            kept.append(key)
    if kept:
        warn(t("event.extra_columns", source=source, columns=t("list.separator").join(kept)))


def open_registry(db_url: str | None) -> Registry:
    registry = Registry(db_url)
    click.get_current_context().meta["remit.url"] = registry.url
    return registry


def json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=json_default))


FORMAT_TEXT_JSON = click.Choice(formats("text", "json"))


RULES_OPTION = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path),
    help="A directory (or file) of rules added to the defaults; a rule with a default's id replaces it.",
)


class HoursType(click.ParamType[WorkingHours]):
    name = "HH:MM-HH:MM,…"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> WorkingHours:
        if isinstance(value, WorkingHours):
            return value
        try:
            return WorkingHours.parse(value)
        except ValueError as exc:
            # the reason is Python's or remit.deadlines' English: in Chinese, say it in general
            detail = t("arg.hours_invalid") if current_lang.get() == "zh" else str(exc)
            self.fail(t("arg.bad_hours", value=value, detail=detail), param, ctx)


_WORKING_HOURS = click.option(
    "--working-hours",
    "hours",
    type=HoursType(),
    default="09:00-12:00,13:00-17:00",
    show_default=True,
    help="Working periods of a working day (Asia/Shanghai), for 工作时 and 工作日 deadlines.",
)


class CountingType(click.ParamType[Counting]):
    name = "work_days=…,urgent_work_days=…"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Counting:
        if isinstance(value, Counting):
            return value
        try:
            return Counting.parse(value)
        except ValueError:
            self.fail(t("arg.bad_counting", value=value), param, ctx)


_COUNTING = click.option(
    "--counting",
    type=CountingType(),
    metavar="work_days=…,urgent_work_days=…",
    default="work_days=next_day,urgent_work_days=clock",
    show_default=True,
    help="How the city counts days: 工作日 from the next day (next_day) or as a day's working "
    "hours from the report (work_time); 紧急工作日 as 24 hours around the clock (clock) or "
    "to midnight of the Nth day after the report day (day_end). See docs/registry.md.",
)


def HOURS_OPTION(f: F) -> F:
    """``--working-hours`` and ``--counting``: the command receives one ``hours``
    (:class:`WorkingHours` carrying its :class:`Counting`)."""

    @functools.wraps(f)
    def with_counting(*args: Any, hours: WorkingHours, counting: Counting, **kwargs: Any) -> Any:
        return f(*args, hours=dataclasses.replace(hours, counting=counting), **kwargs)

    return _WORKING_HOURS(_COUNTING(with_counting))  # type: ignore[return-value]


CALENDAR_OPTION = click.option(
    "--calendar",
    "calendar_mode",
    type=click.Choice(["warn", "strict"]),
    default="warn",
    show_default=True,
    help="A deadline in a year whose official holidays are known neither to the calendar "
    "package nor to the registry's calendar file is counted Monday–Friday: warn says so (the "
    "decision and a warning on stderr); strict refuses the event instead.",
)


CHECK_CONFIG_OPTION = click.option(
    "--check-config",
    "check_config_file",
    type=click.Path(path_type=Path),
    help="Check settings (file: check-config, as `remit check --config`): the load index a "
    "fallback or a referral is flagged overloaded by (default: the check's defaults, threshold "
    "1.0). Replay with the file the decisions were made with.",
)


def workers_option(help: str) -> Callable[[F], F]:
    """``--workers N``: processes on this machine (1 to 64); ``help`` says what each does."""
    return click.option(
        "--workers", type=click.IntRange(1, 64), default=1, show_default=True, help=help
    )


CLUSTER_OPTION = click.option(
    "--cluster",
    metavar="tcp://HOST:8786",
    help="Route on this Dask distributed scheduler instead of local processes (JSON Lines; "
    "docs/scale.md). Every worker must reach the registry (a PostgreSQL URL, or SQLite on "
    "shared storage) and the input, -o's folder (the part files) and --rules at the same "
    "paths, and run the same remit version. Refused (exit 2) when the scheduler cannot be "
    f"reached, or has no worker, within {CONNECT_TIMEOUT:.0f} s.",
)


def parts_folder(output: Path) -> Path | None:
    """Where the part files of a batch written to ``output`` go: in a folder beside it (on the
    same storage), unless it is no regular file or its folder is not writable (then None: the
    system's temporary folder)."""
    folder = output.resolve().parent
    if (output.exists() and not output.is_file()) or not os.access(folder, os.W_OK | os.X_OK):
        return None
    return folder


def load_source(path: Path | None) -> tuple[LoadSource, CheckConfig | None]:
    """What routing is handed to flag a fallback or a referral onto an overloaded unit: the
    graph check (its load indexes) and the settings of ``--check-config`` (None: defaults)."""
    from remit.checks import CheckConfig, GraphCheck
    from remit.files.typed import load_typed

    config = load_typed(path, "check-config", CheckConfig) if path is not None else None
    return GraphCheck(), config


def output_option(help: str, required: bool = False) -> Callable[[F], F]:
    """``-o/--output FILE``: where a command writes (its suffix names the format)."""
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path), required=required, help=help
    )


def report_format(fmt: str | None, output: Path | None, writes: Sequence[str]) -> str:
    """The format of a report (``--format``, else the ``-o`` file's suffix, else text), with
    ``output`` checked: XLSX needs a file; its directory must exist, and it is no directory."""
    fmt = output_format(fmt, output, writes, "text")
    if fmt == "xlsx" and output is None:
        raise click.UsageError("--format xlsx needs -o FILE")
    if output is not None:
        check_writable(output)
    return fmt


def write_report(
    report: R,
    lang: Lang,
    fmt: str,
    output: Path | None,
    show: Callable[[R, Lang], None],
    xlsx: Callable[[R, Lang, Path], object],
    **texts: Callable[[R, Lang], str],
) -> None:
    """Write ``report`` in ``fmt``: as XLSX to ``output``; as text to the terminal (``show``)
    when there is no ``output``; else as JSON (the model's dump) or the text ``texts[fmt]``
    makes, to ``output`` (atomically) or standard output."""
    if fmt == "xlsx":
        assert output is not None
        xlsx(report, lang, output)
    elif fmt == "text" and output is None:
        show(report, lang)
        return
    else:
        text = (
            report.model_dump_json(indent=2) + "\n" if fmt == "json" else texts[fmt](report, lang)
        )
        if output is None:
            echo(text, nl=False)
            return
        write_text(output, text)
    echo(t("check.wrote", path=output))


def progress_bar() -> Progress:
    """A progress bar on standard error, shown on a terminal only: ``add_task``, ``advance``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, disable=not sys.stderr.isatty(), console=console(stderr=True))
