"""Identities (remit.identity, docs/identity.md): users and their roles, passwords (argon2),
tokens for platforms and sessions for people, in the registry's database; every change in the
audit log with who made it and no secret; `remit users` on the command line in English and
Chinese. Passwords are hashed with the fast argon2 profile (REMIT_ARGON2_FAST=1) except where
the production profile is the point (rehashing)."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, select

from remit import Registry
from remit.errors import InputError
from remit.identity import AuthenticationFailed, Directory, Role, User, ensure_tables
from remit.identity.directory import TOKEN_PREFIX, digest
from remit.identity.store import user_sessions, user_tokens, users
from tests.factories import MINI, Cli, exits, ok

PASSWORD = "correct horse battery"
OTHER = "another good password"


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMIT_ARGON2_FAST", "1")
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def directory(mini_registry: Registry) -> Directory:
    """A directory on the mini tree, on SQLite and on PostgreSQL."""
    return Directory(mini_registry)


@pytest.fixture
def lite(reg: Registry) -> Directory:
    """A directory on the mini tree on SQLite only."""
    return Directory(reg)


def refused(key: str, call: object, *args: object, **kwargs: object) -> InputError:
    assert callable(call)
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    assert [p.key for p in caught.value.problems] == [key], caught.value.render("en")
    return caught.value


def stored_hash(directory: Directory, login: str) -> str:
    with directory.engine.connect() as connection:
        found = connection.execute(
            select(users.c.password_hash).where(users.c.login == login)
        ).scalar_one()
    assert isinstance(found, str)
    return found


# --- users ------------------------------------------------------------------------------------


def test_users_added_read_and_listed(directory: Directory) -> None:
    admin = directory.add("root", "管理员甲", [Role.admin], password=PASSWORD, by="boot")
    clerk = directory.add("lrj.zhang", "张三", ["unit"], unit="区绿化市容局", by="root")
    assert admin.roles == {Role.admin} and admin.unit is None and admin.created_by == "boot"
    assert clerk.unit == "LRJ"  # an alias resolved to the code
    assert clerk.created_at.tzinfo is not None
    assert directory.get("lrj.zhang") == clerk
    assert directory.get("nobody") is None
    assert [u.login for u in directory.users()] == ["lrj.zhang", "root"]
    assert admin.has(Role.dispatcher) and admin.has(Role.approver, Role.unit)
    assert clerk.has(Role.unit) and not clerk.has(Role.dispatcher, Role.admin)
    assert {r.value for r in Role} == {"dispatcher", "unit", "policy_officer", "approver", "admin"}


def test_unit_role_needs_a_unit_in_force(lite: Directory) -> None:
    refused("user.unit_required", lite.add, "u1", "U", [Role.unit], by="a")
    error = refused("ref.unknown_unit", lite.add, "u1", "U", [Role.unit], unit="区绿化局x", by="a")
    assert error.problems[0].field == "unit"
    refused("user.unit_without_role", lite.add, "u1", "U", [Role.dispatcher], unit="LRJ", by="a")
    assert lite.add("u1", "U", [Role.unit, Role.dispatcher], unit="cgj", by="a").unit == "CGJ"


@pytest.mark.parametrize(
    ("login", "fields", "key"),
    [
        ("A", {}, "user.bad_login"),
        ("x", {}, "user.bad_login"),
        ("has space", {}, "user.bad_login"),
        ("ok", {"roles": []}, "user.no_role"),
        ("ok", {"roles": ["boss"]}, "user.unknown_role"),
        ("ok", {"name": "  "}, "user.no_name"),
        ("ok", {"name": "a\x1b[31m"}, "text.refused_line"),
        ("ok", {"password": "short"}, "user.short_password"),
        ("ok", {"by": ""}, "user.no_actor"),
    ],
)
def test_bad_users_refused(
    lite: Directory, login: str, fields: dict[str, object], key: str
) -> None:
    args: dict[str, object] = {"name": "N", "roles": [Role.dispatcher], "by": "a"} | fields
    refused(key, lite.add, login, **args)
    assert lite.users() == []


def test_duplicate_login_refused(directory: Directory, mini_registry: Registry) -> None:
    directory.add("dup", "One", [Role.dispatcher], by="a")
    logged = len(mini_registry.log())
    refused("user.exists", directory.add, "dup", "Two", [Role.approver], by="b")
    assert directory.get("dup") is not None and directory.get("dup").name == "One"  # type: ignore[union-attr]
    assert len(mini_registry.log()) == logged


@pytest.mark.pg
def test_two_adding_one_login_at_once_one_wins(pg_url: str) -> None:
    with Registry.create(pg_url) as registry:
        registry.import_files([MINI], by="fixture")
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def add(name: str) -> None:
        with Registry(pg_url) as registry:
            directory = Directory(registry)
            directory.users()  # tables ensured by both at once, too
            barrier.wait()
            try:
                outcomes.append(directory.add("same", name, [Role.dispatcher], by=name))
            except InputError as exc:
                outcomes.append(exc.problems[0].key)

    threads = [threading.Thread(target=add, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(type, outcomes), key=str) == sorted([User, str], key=str), outcomes
    assert "user.exists" in outcomes
    with Registry(pg_url) as registry:
        assert [u.login for u in Directory(registry).users()] == ["same"]
        assert [e.action for e in registry.log()].count("user_add") == 1


@pytest.mark.pg
def test_tables_ensured_by_many_at_once(pg_url: str) -> None:
    with Registry.create(pg_url) as registry:
        errors: list[BaseException] = []

        def ensure() -> None:
            try:
                ensure_tables(registry.engine)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=ensure) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert {"users", "user_tokens", "user_sessions"} <= set(
            inspect(registry.engine).get_table_names()
        )


def test_no_registry_no_directory(tmp_path: object) -> None:
    with Registry(f"sqlite:///{tmp_path}/none.db") as registry:
        refused("db.missing", Directory(registry).users)


def test_disable(directory: Directory) -> None:
    directory.add("d1", "D", [Role.admin], password=PASSWORD, by="a")
    user = directory.disable("d1", by="a")
    assert user.disabled and not user.has(Role.admin)
    refused("user.already_disabled", directory.disable, "d1", by="a")
    refused("user.unknown", directory.disable, "nobody", by="a")


# --- passwords --------------------------------------------------------------------------------


def test_authenticate(directory: Directory) -> None:
    user = directory.add("p1", "P", [Role.dispatcher], password=PASSWORD, by="a")
    directory.add("nopw", "Platform", [Role.dispatcher], by="a")
    assert directory.authenticate("p1", PASSWORD) == user
    assert stored_hash(directory, "p1").startswith("$argon2id$")
    messages = set()
    tries = [("p1", OTHER), ("nobody", PASSWORD), ("nopw", ""), ("p1", ""), ("p1", "x" * 5000)]
    for login, password in tries:
        with pytest.raises(AuthenticationFailed) as caught:
            directory.authenticate(login, password)
        messages.add(str(caught.value))
    directory.disable("p1", by="a")
    with pytest.raises(AuthenticationFailed) as caught:
        directory.authenticate("p1", PASSWORD)
    messages.add(str(caught.value))
    assert len(messages) == 1  # one answer for every reason: logins cannot be probed


def test_set_password(lite: Directory) -> None:
    lite.add("p2", "P", [Role.approver], password=PASSWORD, by="a")
    refused("user.short_password", lite.set_password, "p2", "123456789", by="a")
    refused("user.unknown", lite.set_password, "nobody", OTHER, by="a")
    lite.set_password("p2", OTHER, by="admin")
    assert lite.authenticate("p2", OTHER).login == "p2"
    with pytest.raises(AuthenticationFailed):
        lite.authenticate("p2", PASSWORD)


def test_weaker_hash_made_again_on_login(
    lite: Directory, reg: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    lite.add("p3", "P", [Role.dispatcher], password=PASSWORD, by="a")
    fast = stored_hash(lite, "p3")
    monkeypatch.delenv("REMIT_ARGON2_FAST")
    production = Directory(reg)
    assert production.hasher.check_needs_rehash(fast)
    production.authenticate("p3", PASSWORD)
    again = stored_hash(production, "p3")
    assert again != fast and not PasswordHasher().check_needs_rehash(again)
    assert production.authenticate("p3", PASSWORD).login == "p3"
    assert stored_hash(production, "p3") == again  # made again once only


# --- tokens -----------------------------------------------------------------------------------


def test_tokens(directory: Directory) -> None:
    directory.add("platform", "12345 平台", [Role.dispatcher], by="a")
    token = directory.issue_token("platform", by="admin", note="12345 热线")
    assert token.startswith(TOKEN_PREFIX) and len(token) > 40
    assert directory.user_for_token(token) == directory.get("platform")
    assert directory.user_for_token(token + "x") is None
    assert directory.user_for_token("nonsense") is None
    with directory.engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(select(user_tokens)).all()]
    assert not any(token in str(v) for row in rows for v in row)
    assert rows[0][2] == digest(token)
    [info] = directory.tokens("platform")
    assert info.note == "12345 热线" and info.revoked is None and info.created_by == "admin"
    second = directory.issue_token("platform", by="admin")
    directory.revoke_token(info.id, by="admin")
    assert directory.user_for_token(token) is None
    assert directory.user_for_token(second) is not None
    assert [t.revoked is not None for t in directory.tokens("platform")] == [True, False]
    refused("token.already_revoked", directory.revoke_token, info.id, by="admin")
    refused("token.unknown", directory.revoke_token, "nope", by="admin")
    directory.disable("platform", by="admin")
    assert directory.user_for_token(second) is None
    refused("user.is_disabled", directory.issue_token, "platform", by="admin")


def test_token_expiry(lite: Directory) -> None:
    lite.add("plat", "P", [Role.dispatcher], by="a")
    now = dt.datetime.now(dt.UTC)
    token = lite.issue_token("plat", by="a", expires=now + dt.timedelta(days=1))
    assert lite.user_for_token(token) is not None
    assert lite.user_for_token(token, now=now + dt.timedelta(days=2)) is None
    refused("token.expired_already", lite.issue_token, "plat", by="a", expires=now)
    naive = dt.datetime.now() + dt.timedelta(days=1)
    refused("token.naive_expiry", lite.issue_token, "plat", by="a", expires=naive)
    refused("user.unknown", lite.issue_token, "nobody", by="a")


# --- sessions ---------------------------------------------------------------------------------


def test_sessions(directory: Directory) -> None:
    user = directory.add("s1", "S", [Role.unit], unit="NJDL", password=PASSWORD, by="a")
    session = directory.open_session(directory.authenticate("s1", PASSWORD))
    assert directory.session_user(session) == user
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)
    assert directory.session_user(session, now=later) is None  # 8 hours by default
    assert directory.session_user("unknown") is None
    with directory.engine.connect() as connection:
        kept = connection.execute(select(user_sessions.c.session_hash)).scalars().all()
    assert kept == [digest(session)]
    directory.close_session(session)
    assert directory.session_user(session) is None
    directory.close_session(session)  # again: no error
    short = directory.open_session(user, ttl=dt.timedelta(minutes=5))
    opened = dt.datetime.now(dt.UTC)
    assert directory.session_user(short, now=opened + dt.timedelta(minutes=3)) == user
    assert directory.session_user(short, now=opened + dt.timedelta(minutes=6)) is None
    directory.disable("s1", by="a")
    assert directory.session_user(short) is None


# --- the audit log ----------------------------------------------------------------------------


def test_changes_logged_with_actor_no_secrets(
    directory: Directory, mini_registry: Registry
) -> None:
    directory.add("aud", "A", [Role.policy_officer], password=PASSWORD, by="boss")
    directory.set_password("aud", OTHER, by="helpdesk")
    token = directory.issue_token("aud", by="boss", note="n")
    [info] = directory.tokens("aud")
    directory.revoke_token(info.id, by="sec")
    session = directory.open_session(directory.authenticate("aud", OTHER))
    directory.disable("aud", by="boss")
    entries = [e for e in mini_registry.log() if e.action.startswith(("user_", "token_"))]
    assert [(e.action, e.actor) for e in entries] == [
        ("user_add", "boss"),
        ("user_password", "helpdesk"),
        ("token_issue", "boss"),
        ("token_revoke", "sec"),
        ("user_disable", "boss"),
    ]
    assert all(e.details["login"] == "aud" for e in entries)
    assert entries[2].details["token"] == info.id
    text = json.dumps([[repr(e), e.details] for e in entries], default=str)
    for secret in (PASSWORD, OTHER, token, token.removeprefix(TOKEN_PREFIX), session, "$argon2"):
        assert secret not in text
    assert mini_registry.verify().ok


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def url(tmp_path: object, cli: Cli) -> str:
    url = f"sqlite:///{tmp_path}/users.db"
    ok(cli("init", db=url))
    ok(cli("registry", "import", MINI, db=url))
    return url


def test_init_creates_the_tables(url: str, cli: Cli) -> None:
    with Registry(url) as registry:
        assert {"users", "user_tokens", "user_sessions"} <= set(
            inspect(registry.engine).get_table_names()
        )
        Directory(registry).add("gone", "G", [Role.admin], by="a")
    ok(cli("init", "--force", db=url))
    with Registry(url) as registry:
        assert Directory(registry).users() == []


def stdin_cli(*args: object, url: str, input: str, lang: str = "en") -> object:
    from click.testing import CliRunner

    from remit.cli import main

    argv = [str(a) for a in args] + ["--db", url, "--lang", lang]
    return CliRunner().invoke(main, argv, input=input, catch_exceptions=False)


def test_cli_add_list_disable(url: str, cli: Cli) -> None:
    result = stdin_cli(
        "users", "add", "root", "--name", "Root", "--role", "admin", "--password-stdin",
        url=url, input=PASSWORD + "\n",
    )  # fmt: skip
    assert "Added user root" in exits(result, 0).stdout  # type: ignore[arg-type]
    # asked twice, hidden
    result = stdin_cli(
        "users", "add", "zhang", "--name", "张三", "--role", "unit", "--role", "dispatcher",
        "--unit", "区绿化市容局", "--by", "root", url=url, input=f"{OTHER}\n{OTHER}\n", lang="zh",
    )  # fmt: skip
    assert "已添加用户 zhang" in exits(result, 0).stdout  # type: ignore[arg-type]
    assert OTHER not in result.output  # type: ignore[attr-defined]
    ok(
        cli(
            "users",
            "add",
            "plat",
            "--name",
            "平台",
            "--role",
            "dispatcher",
            "--no-password",
            db=url,
        )
    )
    again = exits(cli("users", "add", "plat", "--name", "P", "--role", "admin", db=url), 2)
    assert "a user with login 'plat' already exists" in again.stderr  # refused before asking
    text = ok(cli("users", "list", db=url))
    assert "root" in text and "admin" in text and "LRJ" in text and "active" in text
    zh = ok(cli("users", "list", db=url, lang="zh"))
    assert "管理员" in zh and "调度员" in zh and "单位" in zh and "启用" in zh
    data = json.loads(ok(cli("users", "list", "--format", "json", db=url)))
    assert [d["login"] for d in data] == ["plat", "root", "zhang"]
    assert data[2] == data[2] | {
        "roles": ["dispatcher", "unit"],
        "unit": "LRJ",
        "created_by": "root",
    }
    assert data[1]["created_by"] == "tester"  # $REMIT_USER
    assert "disabled" in ok(cli("users", "disable", "zhang", "--by", "root", db=url)).lower()
    assert "已停用" in ok(cli("users", "list", db=url, lang="zh"))
    with Registry(url) as registry:
        directory = Directory(registry)
        assert directory.authenticate("root", PASSWORD).login == "root"
        with pytest.raises(AuthenticationFailed):
            directory.authenticate("zhang", OTHER)
        last = registry.log()[-1]
        assert (last.action, last.actor) == ("user_disable", "root")


@pytest.mark.parametrize(
    ("args", "expected_en", "expected_zh"),
    [
        (["add", "Bad Login", "--name", "x", "--role", "admin", "--no-password"],
         "login 'Bad Login' is not allowed", "登录名 'Bad Login' 不合规"),
        (["add", "u1", "--name", "x", "--role", "unit", "--no-password"],
         "needs the user's unit", "须指明用户所属单位"),
        (["add", "u1", "--name", "x", "--role", "unit", "--unit", "火星局", "--no-password"],
         "unknown unit '火星局'", "火星局"),
        (["add", "u1", "--name", "x", "--role", "boss", "--no-password"], "boss", "boss"),
        (["add", "u1", "--name", "x", "--no-password"], "--role", "--role"),
        (["disable", "nobody"], "no user with login 'nobody'", "没有登录名为 'nobody' 的用户"),
        (["tokens", "nobody"], "no user with login 'nobody'", "没有登录名为 'nobody' 的用户"),
        (["revoke", "nope"], "no token with id 'nope'", "没有编号为 'nope' 的令牌"),
        (["passwd", "nobody", "--password-stdin"], "no user", "没有登录名为"),
        (["token", "nobody", "--expires", "0"], "--expires", "--expires"),
    ],
)  # fmt: skip
def test_cli_bad_input_exit_2(
    url: str, cli: Cli, args: list[str], expected_en: str, expected_zh: str, wide_messages: None
) -> None:
    for lang, expected in (("en", expected_en), ("zh", expected_zh)):
        result = exits(cli("users", *args, db=url, lang=lang), 2)
        assert expected in result.stderr, result.stderr
        assert result.stdout == ""
    with Registry(url) as registry:
        assert Directory(registry).users() == []


def test_cli_short_password_and_empty_stdin(url: str) -> None:
    add = ["users", "add", "u2", "--name", "U", "--role", "approver", "--password-stdin"]
    result = stdin_cli(*add, url=url, input="short\n")
    assert "at least 10 characters" in exits(result, 2).stderr  # type: ignore[arg-type]
    result = stdin_cli(*add, url=url, input="", lang="zh")
    assert "标准输入中没有密码" in exits(result, 2).stderr  # type: ignore[arg-type]


def test_cli_passwd_and_tokens(url: str, cli: Cli) -> None:
    ok(
        cli(
            "users",
            "add",
            "plat",
            "--name",
            "平台",
            "--role",
            "dispatcher",
            "--no-password",
            db=url,
        )
    )
    result = stdin_cli(
        "users", "passwd", "plat", "--password-stdin", url=url, input=PASSWORD + "\n"
    )
    assert "Password of plat set" in exits(result, 0).stdout  # type: ignore[arg-type]
    issued = exits(cli("users", "token", "plat", "--note", "12345", "--expires", "30", db=url), 0)
    token = issued.stdout.strip()
    assert token.startswith(TOKEN_PREFIX) and "shown once" in issued.stderr
    zh = exits(cli("users", "token", "plat", db=url, lang="zh"), 0)
    assert "仅显示这一次" in zh.stderr
    listed = ok(cli("users", "tokens", "plat", db=url))
    assert token not in listed and "12345" in listed and "active" in listed
    with Registry(url) as registry:
        directory = Directory(registry)
        assert directory.authenticate("plat", PASSWORD).login == "plat"
        assert directory.user_for_token(token) is not None
        first = directory.tokens("plat")[0]
        assert first.expires is not None and first.note == "12345"
    assert f"Revoked token {first.id}" in ok(cli("users", "revoke", first.id, db=url))
    assert "已吊销" in ok(cli("users", "tokens", "plat", db=url, lang="zh"))
    with Registry(url) as registry:
        assert Directory(registry).user_for_token(token) is None
        text = json.dumps([e.details for e in registry.log()], default=str)
        assert token not in text and PASSWORD not in text
    ok(cli("users", "add", "fresh", "--name", "F", "--role", "approver", "--no-password", db=url))
    assert "fresh has no tokens" in ok(cli("users", "tokens", "fresh", db=url))


def test_cli_empty_list(url: str, cli: Cli) -> None:
    assert "No users" in ok(cli("users", "list", db=url))
    assert "没有用户" in ok(cli("users", "list", db=url, lang="zh"))
    assert json.loads(ok(cli("users", "list", "--format", "json", db=url))) == []
