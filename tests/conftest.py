"""Shared fixtures: registries on SQLite and on PostgreSQL, the mini fixture tree, the sample
district, the admission gate on it, a CLI runner. The plain builders they use are in factories.py.

PostgreSQL tests use the server at 127.0.0.1:5432 (database ``test``, or ``$REMIT_TEST_PG``),
each test in a schema of its own. They skip when no server answers, unless
``REMIT_REQUIRE_PG=1`` (set by ``.ci/run``), when they fail instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from remit import Registry
from remit.admission import AdmissionGate
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

PG_BASE = os.environ.get("REMIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg

        dsn = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means "absent"
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def pg_reason() -> str | None:
    return _pg_available()


@pytest.fixture
def pg_url(pg_reason: str | None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if pg_reason is not None:
        if os.environ.get("REMIT_REQUIRE_PG") == "1":
            pytest.fail(
                f"REMIT_REQUIRE_PG=1 but PostgreSQL is not reachable at {PG_BASE}: {pg_reason}"
            )
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE}: {pg_reason}")
    import psycopg

    schema = f"remit_test_{uuid.uuid4().hex[:12]}"
    dsn = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_BASE else "?"
    yield f"{PG_BASE}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


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
