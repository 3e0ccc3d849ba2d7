"""Shared fixtures: registries on SQLite and on PostgreSQL, the mini fixture tree, the sample
district, the admission gate on it, a CLI runner. The plain builders they use are in factories.py.

PostgreSQL tests use the server at 127.0.0.1:5432 (database ``test``, or ``$REMIT_TEST_PG``),
each test in a schema of its own. They skip when no server answers, unless
``REMIT_REQUIRE_PG=1`` (set by ``.ci/run``), when they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from remit import Registry
from remit.admission import AdmissionGate
from remit.i18n import current_lang
from tests.factories import (
    ADMISSION_CONFIG,
    MINI,
    SAMPLE,
    Cli,
    admission_gate,
    invoke,
    sqlite_path,
    sqlite_registry,
)
from tests.served import PG_BASE, pg_schema, served


def _pg_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg

        dsn = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means "absent"
        return f"{type(exc).__name__}: {exc}"


def need_pg(reason: str | None) -> None:
    """Skip (or fail, with ``REMIT_REQUIRE_PG=1``) when PostgreSQL is absent for ``reason``."""
    if reason is not None:
        if os.environ.get("REMIT_REQUIRE_PG") == "1":
            pytest.fail(
                f"REMIT_REQUIRE_PG=1 but PostgreSQL is not reachable at {PG_BASE}: {reason}"
            )
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE}: {reason}")


_START_LANG = current_lang.get()
"""The language of messages when the tests started."""


def _language_at_start() -> Iterator[None]:
    """Each module, and each test, starts in the language the tests started in: a command run
    in this process with ``--lang zh`` (or a batch routed here) sets it, and a module's
    fixtures or a test run after it would read Chinese where they expect the default."""
    token = current_lang.set(_START_LANG)
    yield
    current_lang.reset(token)


_language_per_module = pytest.fixture(scope="module", autouse=True)(_language_at_start)
_language_per_test = pytest.fixture(autouse=True)(_language_at_start)


@pytest.fixture(scope="session")
def pg_reason() -> str | None:
    return _pg_available()


@pytest.fixture
def pg_url(pg_reason: str | None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    need_pg(pg_reason)
    with pg_schema(PG_BASE) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The registry URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def empty_registry(db_url: str) -> Iterator[Registry]:
    registry = Registry.create(db_url)
    yield registry
    registry.close()


@pytest.fixture
def mini_registry(empty_registry: Registry) -> Registry:
    """The mini fixture tree (tests/fixtures/mini) imported."""
    empty_registry.import_files([MINI], by="fixture")
    return empty_registry


@pytest.fixture
def reg(sqlite_url: str) -> Iterator[Registry]:
    """The mini tree in a SQLite registry (for the many cases that need one database only)."""
    registry = Registry.create(sqlite_url)
    registry.import_files([MINI], by="fixture")
    yield registry
    registry.close()


@pytest.fixture
def mini_tree(tmp_path: Path) -> Path:
    """A writable copy of the mini fixture tree, for tests that break or change files."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal 200 columns wide, so that the commands' tables are not cut."""
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def wide_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Error messages are printed by rich; keep each problem on one line."""
    monkeypatch.setenv("COLUMNS", "10000")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run the CLI in-process: ``cli("registry", "lists", db=url)`` → click Result."""
    monkeypatch.setenv("REMIT_USER", "tester")
    monkeypatch.delenv("REMIT_DB", raising=False)
    return invoke


# --- the sample district (data/responsibility_lists) --------------------------------------------


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample district imported once into a SQLite file that no test writes: tests copy it."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    sqlite_registry(path, SAMPLE, by="setup").close()
    return path


@pytest.fixture
def sample_url(sample_db: Path, sqlite_url: str) -> str:
    """A copy of the sample district for one test (SQLite)."""
    shutil.copyfile(sample_db, sqlite_path(sqlite_url))
    return sqlite_url


@pytest.fixture
def sample_registry(sample_url: str) -> Iterator[Registry]:
    """A SQLite registry holding the sample district, for one test to change."""
    with Registry(sample_url) as registry:
        yield registry


@pytest.fixture
def any_sample_registry(db_url: str) -> Iterator[Registry]:
    """The sample district on SQLite and on PostgreSQL."""
    with Registry.create(db_url) as registry:
        registry.import_files([SAMPLE], by="setup")
        yield registry


@pytest.fixture
def gate(sample_registry: Registry) -> AdmissionGate:
    """The admission gate on the sample district, with data/admission_requests/config.yaml."""
    return admission_gate(sample_registry, ADMISSION_CONFIG)


# --- the HTTP service (remit serve) -------------------------------------------------------------

STAFF = {
    # login: (name, roles, unit)
    "admin": ("系统管理员", ("admin",), None),
    "disp": ("区城运中心调度员", ("dispatcher",), None),
    "nj": ("南京东路街道派单员", ("unit",), "HP-NJDL"),
    "wt": ("外滩街道派单员", ("unit",), "HP-WT"),
    "cgj": ("区城管局派单员", ("unit",), "HP-CGJ"),
    "scj": ("区市场监管局派单员", ("unit",), "HP-SCJ"),
    "officer": ("区政务办政策专员", ("policy_officer",), None),
    "appr1": ("区司法局审核人", ("approver",), None),
    "appr2": ("区编办审核人", ("approver",), None),
}
STAFF_PASSWORD = "correct horse battery"


@dataclass
class ServiceClient:
    """A test client of the service on a sample registry, with a token for each of
    :data:`STAFF`: ``svc.get("/cases", as_="disp")``."""

    client: Any
    tokens: dict[str, str]
    url: str
    served: Any = None
    """The running ``remit serve`` (tests.served.Served), for a client over real sockets."""

    def auth(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def request(self, method: str, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        headers = {**self.auth(as_), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        return self.request("GET", path, as_, **kwargs)

    def post(self, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        return self.request("POST", path, as_, **kwargs)

    def delete(self, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        return self.request("DELETE", path, as_, **kwargs)


UNIT_USER = {unit: login for login, (_name, _roles, unit) in STAFF.items() if unit}
"""unit code → the login of :data:`STAFF` acting for it."""


def staff_tokens(url: str) -> dict[str, str]:
    """:data:`STAFF` added to the registry at ``url`` (its users' and cases' tables made), a
    token issued to each."""
    from remit.identity import Directory
    from remit.service.setup import prepare

    with Registry(url) as registry:
        prepare(registry)
        directory = Directory(registry)
        tokens = {}
        for login, (name, roles, unit) in STAFF.items():
            if directory.get(login) is None:  # a second service on the same registry
                directory.add(login, name, roles, unit=unit, password=STAFF_PASSWORD, by="setup")
            tokens[login] = directory.issue_token(login, by="setup", note="tests")
    return tokens


@pytest.fixture
def service_factory(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., ServiceClient]]:
    """``service_factory(url, **settings)``: a :class:`ServiceClient` on the registry at
    ``url`` with :data:`STAFF` (closed at the end of the test)."""
    from fastapi.testclient import TestClient

    from remit.service.app import create_app
    from remit.service.settings import ServiceSettings

    monkeypatch.setenv("REMIT_ARGON2_FAST", "1")
    opened: list[Any] = []

    def make(url: str, client: tuple[str, int] | None = None, **settings: Any) -> ServiceClient:
        tokens = staff_tokens(url)
        settings.setdefault("revision_check", 0)  # a write is seen by the next request
        settings.setdefault("token_cache", 0)  # a revoked token is refused at once
        app = create_app(ServiceSettings(db_url=url, **settings))
        extra = {"client": client} if client else {}
        test_client = TestClient(app, raise_server_exceptions=False, **extra)
        test_client.__enter__()
        opened.append(test_client)
        return ServiceClient(test_client, tokens, url)

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture
def svc(sample_url: str, service_factory: Callable[..., ServiceClient]) -> ServiceClient:
    """The service on a copy of the sample district (SQLite), with :data:`STAFF`."""
    return service_factory(sample_url)


@pytest.fixture
def any_svc(
    any_sample_registry: Registry, service_factory: Callable[..., ServiceClient]
) -> ServiceClient:
    """The service on the sample district, once on SQLite and once on PostgreSQL."""
    return service_factory(any_sample_registry.url)


@pytest.fixture(scope="module")
def live(pg_reason: str | None) -> Iterator[ServiceClient]:
    """``remit serve --workers 2 --batch-processes 1`` as a subprocess on the sample district in
    a PostgreSQL schema of its own (for the module), with :data:`STAFF`: a
    :class:`ServiceClient` over real sockets (httpx); ``live.client.base_url`` is the
    server's, ``live.served`` the running server."""
    import httpx

    need_pg(pg_reason)
    with pg_schema(PG_BASE) as url:
        with Registry.create(url) as registry:
            registry.import_files([SAMPLE], by="setup")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("REMIT_ARGON2_FAST", "1")
            tokens = staff_tokens(url)
        with (
            served(url, workers=2, extra=("--batch-processes", "1")) as server,
            httpx.Client(base_url=server.base, timeout=60.0) as client,
        ):
            yield ServiceClient(client, tokens, url, server)


# --------------------------------------------------------------------------- a browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"playwright is not importable: {exc}"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by playwright (skipped where missing, unless
    ``REMIT_REQUIRE_BROWSER`` is set: then the test fails)."""
    missing = browser_missing()
    if missing is not None:
        if os.environ.get("REMIT_REQUIRE_BROWSER"):
            pytest.fail(f"REMIT_REQUIRE_BROWSER is set but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


SCREENSHOTS = Path(__file__).resolve().parent.parent / "out" / "screenshots"
"""Where the page tests write their screenshots (1400 px wide), one file a page."""

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@dataclass
class Site:
    """``remit serve`` on a copy of the sample district (SQLite, one worker) with
    :data:`STAFF`, for the browser: its base URL and the registry's URL."""

    base: str
    url: str
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def site(browser: Any, sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The service as a real server for the page tests of one module."""
    folder = tmp_path_factory.mktemp("site")
    db = folder / "registry.db"
    shutil.copyfile(sample_db, db)
    url = f"sqlite:///{db}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REMIT_ARGON2_FAST", "1")
        tokens = staff_tokens(url)
    with served(url, workers=1) as server:
        yield Site(server.base, url, tokens)


class BrowserPage:
    """A browser tab on the site that records what went wrong: console errors, page errors,
    failed requests and answers of 400 or more (beyond those a test expects)."""

    def __init__(self, browser: Any, site: Site, lang: str = "zh"):
        self.site = site
        self.problems: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 1000},
            locale="zh-CN" if lang == "zh" else "en",
            bypass_csp=True,  # for axe-core, injected by the test (the pages allow no inline script)
        )
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))

    def goto(self, path: str) -> Any:
        return self.page.goto(self.site.base + path, wait_until="load")

    def sign_in(self, login: str, then: str = "/") -> None:
        """Sign in through the form (the keyboard: type, Enter)."""
        self.goto(f"/login?next={then}")
        self.page.fill("#login", login)
        self.page.fill("#password", STAFF_PASSWORD)
        with self.page.expect_navigation():
            self.page.press("#password", "Enter")

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations on the page as it is now (WCAG 2 A and AA rules)."""
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help, "
            "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
        )
        return list(result)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, site: Site) -> Iterator[BrowserPage]:
    """A fresh browser tab (its own cookies) on the module's site, in Chinese."""
    opened = BrowserPage(browser, site)
    yield opened
    opened.close()


# --------------------------------------------------------------------------- a message broker

AMQP = os.environ.get("REMIT_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


def _broker_missing() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return None
    except OSError as exc:
        return f"no RabbitMQ at 127.0.0.1:5672: {exc}"


@pytest.fixture
def broker() -> str:
    missing = _broker_missing()
    if missing is not None:
        if os.environ.get("REMIT_REQUIRE_BUS") == "1":
            pytest.fail(f"REMIT_REQUIRE_BUS=1 but {missing}")
        pytest.skip(missing)
    return AMQP
