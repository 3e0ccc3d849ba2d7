"""Shared fixtures: registries on SQLite and on PostgreSQL, the mini fixture tree, a CLI runner.

PostgreSQL tests use the server at 127.0.0.1:5432 (database ``test``, or ``$REMIT_TEST_PG``),
each test in a schema of its own. They skip when no server answers, unless
``REMIT_REQUIRE_PG=1`` (set by ``.ci/run``), when they fail instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from remit import Registry
from remit.cli import main
from remit.registry.entities import Area, Unit

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "data" / "responsibility_lists"
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


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    """Run the CLI in-process: ``cli("registry", "lists", db=url)`` → click Result."""
    monkeypatch.setenv("REMIT_USER", "tester")
    monkeypatch.delenv("REMIT_DB", raising=False)
    runner = CliRunner()

    def run(*args: str, db: str | None = None, lang: str = "en") -> Result:
        argv = [str(a) for a in args]
        if db is not None:
            argv += ["--db", db]
        if lang and argv and argv[0] != "--version":
            argv += ["--lang", lang]
        return runner.invoke(main, argv, catch_exceptions=False)

    return run


def dump_yaml(root: Path, name: str, data: object) -> None:
    """Write ``data`` as the YAML file ``root/name`` (UTF-8, Chinese as it is)."""
    (root / name).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def write_areas_and_units(root: Path, areas: Iterable[Area], units: Iterable[Unit]) -> None:
    """The ``areas.yaml`` and ``units.yaml`` files of generated areas and units."""
    dump_yaml(
        root,
        "areas.yaml",
        {
            "file": "areas",
            "areas": [
                {"code": a.code, "name": a.name, "level": a.level.value}
                | ({"parent": a.parent} if a.parent else {})
                for a in areas
            ],
        },
    )
    dump_yaml(
        root,
        "units.yaml",
        {
            "file": "units",
            "units": [
                {
                    "code": u.code,
                    "name": u.name,
                    "kind": u.kind.value,
                    "level": u.level.value,
                    "jurisdiction": u.jurisdiction,
                }
                for u in units
            ],
        },
    )
