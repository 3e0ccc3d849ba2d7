"""``remit users``: the users of the service, their roles, passwords and tokens
(docs/identity.md). Every change is written to the registry's audit log with who made it."""

from __future__ import annotations

import datetime as dt
import sys

import click

from remit.cli.common import FORMAT_TEXT_JSON, common, echo_json, open_registry, warn
from remit.errors import InputError
from remit.i18n import t
from remit.identity import Directory, Role
from remit.present.console import console, echo
from remit.present.users import tokens_table, user_data, users_table
from remit.registry.entities import utcnow
from remit.registry.facade import default_actor

BY_OPTION = click.option("--by", help="Who acts (default: $REMIT_USER, else the login name).")


def _directory(db_url: str | None) -> Directory:
    return Directory(open_registry(db_url))


def _password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or asked twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise InputError.one("users.no_password_stdin", field="password")
        return password
    value = click.prompt(
        t("users.prompt_password"),
        hide_input=True,
        confirmation_prompt=t("users.prompt_repeat"),
        err=True,
    )
    return str(value)


@click.group()
def users() -> None:
    """Users of the service: add, list, disable, set passwords, issue and revoke tokens."""


@users.command("add")
@click.argument("login")
@click.option("--name", required=True, help="The user's name (a person or a platform).")
@click.option(
    "--role",
    "roles",
    type=click.Choice([r.value for r in Role]),
    multiple=True,
    required=True,
    help="A role (repeat for several).",
)
@click.option("--unit", help="The unit (code, name or alias) of a user of the role unit.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="No password (a platform using tokens).")
@BY_OPTION
@common
def users_add(
    db_url: str | None,
    login: str,
    name: str,
    roles: tuple[str, ...],
    unit: str | None,
    password_stdin: bool,
    no_password: bool,
    by: str | None,
) -> None:
    """Add a user LOGIN with a name, roles and (unless --no-password) a password."""
    if password_stdin and no_password:
        raise click.UsageError("--password-stdin and --no-password exclude each other")
    directory = _directory(db_url)
    if directory.get(login) is not None:  # said before the password is asked
        raise InputError.one("user.exists", field="login", login=login)
    password = None if no_password else _password(password_stdin)
    user = directory.add(login, name, roles, unit=unit, password=password, by=default_actor(by))
    echo(t("users.added", login=user.login))


@users.command("list")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@common
def users_list(db_url: str | None, fmt: str) -> None:
    """Every user, by login."""
    found = _directory(db_url).users()
    if fmt == "json":
        echo_json([user_data(u) for u in found])
    elif not found:
        echo(t("users.none"))
    else:
        console().print(users_table(found))


@users.command("disable")
@click.argument("login")
@BY_OPTION
@common
def users_disable(db_url: str | None, login: str, by: str | None) -> None:
    """Disable LOGIN: no more logins; their tokens and sessions stop working."""
    _directory(db_url).disable(login, by=default_actor(by))
    echo(t("users.disabled", login=login))


@users.command("passwd")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@BY_OPTION
@common
def users_passwd(db_url: str | None, login: str, password_stdin: bool, by: str | None) -> None:
    """Set the password of LOGIN."""
    directory = _directory(db_url)
    if directory.get(login) is None:  # said before the password is asked
        raise InputError.one("user.unknown", field="login", login=login)
    directory.set_password(login, _password(password_stdin), by=default_actor(by))
    echo(t("users.password_set", login=login))


@users.command("token")
@click.argument("login")
@click.option("--note", help="What the token is for (a platform's name).")
@click.option(
    "--expires",
    "days",
    type=click.IntRange(1, 3650),
    help="Expires after DAYS days (default: never).",
)
@BY_OPTION
@common
def users_token(
    db_url: str | None, login: str, note: str | None, days: int | None, by: str | None
) -> None:
    """Issue a token for LOGIN (a machine client): printed once, only its hash is kept."""
    expires = utcnow() + dt.timedelta(days=days) if days is not None else None
    token = _directory(db_url).issue_token(login, by=default_actor(by), note=note, expires=expires)
    click.echo(token)
    warn(t("users.token_once"))


@users.command("tokens")
@click.argument("login")
@common
def users_tokens(db_url: str | None, login: str) -> None:
    """The tokens of LOGIN (never the tokens themselves): id, note, created, expires, state."""
    found = _directory(db_url).tokens(login)
    if not found:
        echo(t("users.no_tokens", login=login))
    else:
        console().print(tokens_table(found, utcnow()))


@users.command("revoke")
@click.argument("token_id")
@BY_OPTION
@common
def users_revoke(db_url: str | None, token_id: str, by: str | None) -> None:
    """Revoke the token TOKEN_ID (as `remit users tokens` lists it)."""
    _directory(db_url).revoke_token(token_id, by=default_actor(by))
    echo(t("users.revoked", id=token_id))
