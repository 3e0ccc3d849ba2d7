"""`remit registry migrate`: a registry made by the previous release (table layout 3) becomes one
of layout 4 in place, keeping everything it knew — on SQLite (from a copy of
tests/fixtures/schema3/sample.db) and on PostgreSQL (the same tables and rows loaded into a fresh
schema). See tests/fixtures/schema3/README.md for what the fixture holds and how it was made.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, create_engine, inspect, select, text

from remit import Registry
from remit.errors import InputError
from remit.registry import migrate as migration
from remit.registry.models import SCHEMA_VERSION
from tests.factories import FIXTURES, REQUESTS_CONFIG, SAMPLE, Cli, exits, sqlite_path

SCHEMA3 = FIXTURES / "schema3"
FIXTURE = SCHEMA3 / "sample.db"
EXPECTED = json.loads((SCHEMA3 / "expected.json").read_text(encoding="utf-8"))
OLD_TABLES = (*migration.OLD_TABLES, "remit_meta")


def load_schema3(url: str) -> None:
    """The fixture's tables (its own DDL, by reflection) and rows, into the database at ``url``."""
    source = create_engine(f"sqlite:///{FIXTURE}")
    old = MetaData()
    old.reflect(source)
    copy = MetaData()
    for table in old.sorted_tables:
        for column in table.to_metadata(copy).columns:
            column.type = column.type.as_generic()
    target = create_engine(url)
    copy.create_all(target)
    with source.connect() as read, target.begin() as write:
        for table in old.sorted_tables:
            rows = [dict(row._mapping) for row in read.execute(table.select())]
            if rows:
                write.execute(copy.tables[table.name].insert(), rows)
    source.dispose()
    target.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def schema3_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A registry of table layout 3 holding the fixture's content."""
    if request.param == "sqlite":
        shutil.copyfile(FIXTURE, tmp_path / "registry.db")
        return f"sqlite:///{tmp_path / 'registry.db'}"
    url: str = request.getfixturevalue("pg_url")
    load_schema3(url)
    return url


def table_rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    """Every row of table ``name`` in a fixed order, JSON columns as data, times as stored."""
    table = Table(name, MetaData(), autoload_with=engine)
    with engine.connect() as c:
        rows = [dict(row._mapping) for row in c.execute(select(table))]
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def old_content(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(url)
    try:
        return {name: table_rows(engine, name) for name in OLD_TABLES}
    finally:
        engine.dispose()


OLD = old_content(f"sqlite:///{FIXTURE}")


def utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment is not None else None


@pytest.fixture
def migrated(schema3_url: str) -> Iterator[tuple[Registry, Any]]:
    with Registry(schema3_url) as registry:
        yield registry, registry.migrate(by="迁移人")


# --- what is kept ------------------------------------------------------------------------------


def test_lists_and_versions_are_kept(migrated: tuple[Registry, Any]) -> None:
    registry, result = migrated
    assert (result.found, result.current, result.migrated, result.revision) == (
        "3",
        SCHEMA_VERSION,
        True,
        1,
    )
    state = registry.state()
    assert state.revision == 1
    for row in OLD["responsibility_list"]:
        info = state.lists[row["id"]]
        assert (info.name, str(info.kind), info.issuer, info.scope) == (
            row["name"],
            row["kind"],
            row["issuer"],
            row["scope"],
        )
    assert set(state.lists) == {r["id"] for r in OLD["responsibility_list"]} | {"AREAS", "UNITS"}
    for row in OLD["list_version"]:
        v = next(v for v in state.versions[row["list_id"]] if v.version == row["version"])
        kept = (
            v.status.value,
            v.effective_from,
            v.effective_to,
            v.author,
            v.note,
            v.content_hash,
            v.parent_hash,
            v.row_count,
            v.created_at,
            v.published_at,
            v.published_by,
            v.withdrawn_at,
            v.withdrawn_by,
        )
        assert kept == (
            row["status"],
            row["effective_from"],
            row["effective_to"],
            row["author"],
            row["note"],
            row["content_hash"],
            row["parent_hash"],
            row["row_count"],
            utc(row["created_at"]),
            utc(row["published_at"]),
            row["published_by"],
            utc(row["withdrawn_at"]),
            row["withdrawn_by"],
        )
        assert v.revision == 1
    counted = sum(len(vs) for vs in state.versions.values())
    assert counted == len(OLD["list_version"]) + 2 == result.counts["versions"]


def test_every_row_is_kept(migrated: tuple[Registry, Any]) -> None:
    registry, _ = migrated
    versions = {
        r["pk"]: (r["list_id"], r["version"]) for r in OLD["list_version"]
    }  # old record → version
    engine = registry.engine
    new_pk = {(r["list_id"], r["version"]): r["pk"] for r in table_rows(engine, "list_version")}
    for name in ("duty", "matter"):
        new_rows = table_rows(engine, name)
        for old in OLD[name]:
            wanted = {k: v for k, v in old.items() if k not in ("pk", "version_pk")}
            wanted["version_pk"] = new_pk[versions[old["version_pk"]]]
            assert any(_holds(row, wanted) for row in new_rows), old
        assert len(new_rows) == len(OLD[name])
    for name, list_id in (("area", "AREAS"), ("unit", "UNITS")):
        new_rows = table_rows(engine, name)
        assert len(new_rows) == len(OLD[name])
        for old in OLD[name]:
            wanted = {**old, "version_pk": new_pk[list_id, 1]}
            assert any(_holds(row, wanted) for row in new_rows), old
            match = next(row for row in new_rows if row["code"] == old["code"])
            assert match["replaces"] == []  # layout 4's new fields: empty
            assert match.get("budget") is None


def _holds(row: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(row.get(k) == v for k, v in wanted.items())


def test_the_log_is_kept_in_order_and_chained(migrated: tuple[Registry, Any]) -> None:
    registry, result = migrated
    log = registry.log()
    old = sorted(OLD["audit_log"], key=lambda r: (r["at"], r["pk"]))
    carried, added = log[: len(old)], log[len(old) :]
    for entry, row in zip(carried, old, strict=True):
        assert (
            entry.at,
            entry.actor,
            entry.action,
            entry.list_id,
            entry.version,
            entry.note,
            entry.snapshot_hash,
            entry.details,
            entry.revision,
        ) == (
            utc(row["at"]),
            row["actor"],
            row["action"],
            row["list_id"],
            row["version"],
            row["note"],
            row["snapshot_hash"],
            row["details"],
            1,
        )
    for before, entry in itertools.pairwise(log):
        assert entry.previous_hash == before.entry_hash
    # one entry for each version carried over, then the migration's own
    assert [e.action for e in added] == ["migrate"] * (result.counts["versions"] + 1)
    summary = added[-1]
    assert summary.list_id is None and summary.actor == "迁移人"
    assert summary.details["unrecorded"] == [
        {"list": "HP-QZ-SCJ", "version": 2, "content_hash": _first_draft_hash()}
    ]
    assert result.counts["entries"] == len(old)


def _first_draft_hash() -> str:
    """The content hash of the first draft of HP-QZ-SCJ v2, which its second replaced."""
    entry = next(
        r
        for r in OLD["audit_log"]
        if (r["action"], r["list_id"], r["version"]) == ("import_create", "HP-QZ-SCJ", 2)
    )
    return str(entry["details"]["content_hash"])


def test_admission_records_are_kept(migrated: tuple[Registry, Any]) -> None:
    registry, result = migrated
    records = {r.id: r for r in registry.admission_records()}
    assert result.counts["admissions"] == len(OLD["admission"]) == len(records) == 3
    for row in OLD["admission"]:
        r = records[row["id"]]
        assert (
            r.matter,
            r.department,
            r.status,
            r.request,
            r.report,
            r.snapshot_hash,
            r.submitted_by,
            r.submitted_at,
            r.decided_by,
            r.decided_at,
            r.decision_note,
            r.enacted,
        ) == (
            row["matter"],
            row["department"],
            row["status"],
            row["request"],
            row["report"],
            row["snapshot_hash"],
            row["submitted_by"],
            utc(row["submitted_at"]),
            row["decided_by"],
            utc(row["decided_at"]),
            row["decision_note"],
            row["enacted"],
        )
    seqs = {(r["id"], r["seq"], r["revision"]) for r in table_rows(registry.engine, "admission")}
    assert seqs == {(row["id"], 1, 1) for row in OLD["admission"]}


def test_snapshots_hash_as_before(migrated: tuple[Registry, Any]) -> None:
    registry, _ = migrated
    for day, expected in EXPECTED["snapshots"].items():
        snapshot = registry.snapshot(dt.date.fromisoformat(day))
        assert snapshot.hash == expected["hash"], day
        assert len(snapshot.duties) == expected["duties"], day
        assert [f"{e.info.id} v{e.version.version}" for e in snapshot.lists] == expected["lists"]


def test_the_history_verifies_and_goes_on(
    migrated: tuple[Registry, Any], cli: Cli, schema3_url: str
) -> None:
    """verify is clean; the registry takes new revisions, and decides the request still open."""
    registry, _ = migrated
    report = registry.verify()
    assert report.ok, report.problems
    assert report.counts["revisions"] == 1
    exits(
        cli(
            *("admit", "reject", "HP-ZR-2026-107", "--config", REQUESTS_CONFIG),
            *("--by", "区司法局审核人", "--reason", "权力不符"),
            db=schema3_url,
        ),
        0,
    )
    registry.withdraw("HP-QZ-SCJ", 2, note="撤回", by="审核人")
    assert registry.revision() == 3
    assert registry.verify().ok, registry.verify().problems
    assert exits(cli("registry", "verify", db=schema3_url), 0).stdout.startswith(
        "The history verifies"
    )


def test_a_second_migrate_is_up_to_date(migrated: tuple[Registry, Any], cli: Cli) -> None:
    registry, _ = migrated
    again = registry.migrate(by="某人")
    assert (again.migrated, again.found, again.backup) == (False, SCHEMA_VERSION, None)
    out = exits(cli("registry", "migrate", db=registry.url), 0).stdout
    assert f"has table layout {SCHEMA_VERSION} already: nothing to migrate" in out
    assert registry.revision() == 1


# --- SQLite: the backup ------------------------------------------------------------------------


def test_sqlite_is_copied_first(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    shutil.copyfile(FIXTURE, db)
    result = exits(cli("registry", "migrate", "--by", "迁移人", db=str(db)), 0)
    [backup] = tmp_path.glob("registry.db.schema3-backup-*")
    assert backup.name[len("registry.db.schema3-backup-") :].endswith("Z")
    assert f"The registry as it was is kept at {backup}." in result.stdout
    assert "The history verifies" in result.stdout
    assert _dump(backup) == _dump(FIXTURE)
    log = Registry(f"sqlite:///{db}").log()
    assert log[-1].details["backup"] == str(backup)
    zh = exits(cli("registry", "migrate", db=str(db), lang="zh"), 0).stdout
    assert "无需迁移" in zh


def _dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as c:
        return list(c.iterdump())


def test_postgresql_says_there_is_no_copy(cli: Cli, pg_url: str) -> None:
    load_schema3(pg_url)
    out = exits(cli("registry", "migrate", db=pg_url), 0).stdout
    assert "PostgreSQL: remit makes no backup copy (pg_dump makes one)" in out
    assert "The history verifies" in out


# --- refusals and failures -----------------------------------------------------------------------


def test_commands_on_layout_3_say_migrate(cli: Cli, schema3_url: str) -> None:
    stderr = exits(cli("registry", "lists", db=schema3_url), 2).stderr
    assert (
        f"has table layout 3, this remit needs {SCHEMA_VERSION}: run `remit registry migrate`"
        in stderr
    )
    assert "remit registry migrate" in exits(cli("registry", "verify", db=schema3_url), 2).stderr


def test_a_failure_changes_nothing(schema3_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything is copied, the old tables are about to be dropped: a failure then leaves the
    registry as it was, and it migrates afterwards."""

    def fail(*_: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(migration, "drop_old", fail)
    with Registry(schema3_url) as registry, pytest.raises(RuntimeError, match="disk is full"):
        registry.migrate(by="迁移人")
    assert old_content(schema3_url) == OLD
    assert set(inspect(create_engine(schema3_url)).get_table_names()) == set(OLD_TABLES)
    monkeypatch.undo()
    with Registry(schema3_url) as registry:
        assert registry.migrate(by="迁移人").migrated
        assert registry.verify().ok


def test_a_stored_hash_that_does_not_match_is_refused(schema3_url: str) -> None:
    engine = create_engine(schema3_url)
    with engine.begin() as c:
        record = c.execute(
            text("SELECT pk FROM list_version WHERE list_id = 'HP-QZ-CGJ' AND version = 1")
        ).scalar_one()
        c.execute(
            text(
                "UPDATE duty SET note = '改过' WHERE pk = (SELECT min(pk) FROM duty WHERE version_pk = :r)"
            ),
            {"r": record},
        )
    before = old_content(schema3_url)
    engine.dispose()
    with Registry(schema3_url) as registry, pytest.raises(InputError) as refused:
        registry.migrate(by="迁移人")
    [problem] = refused.value.problems
    assert problem.key == "migrate.content_hash"
    assert (problem.params["list_id"], problem.params["version"], problem.params["pk"]) == (
        "HP-QZ-CGJ",
        1,
        record,
    )
    assert "nothing was migrated" in problem.render("en")
    assert old_content(schema3_url) == before


def test_migrating_nothing(cli: Cli, tmp_path: Path, sqlite_url: str) -> None:
    exits(cli("registry", "migrate", db=str(tmp_path / "none.db")), 2)
    assert not (tmp_path / "none.db").exists()
    exits(cli("init", db=sqlite_url), 0)
    out = exits(cli("registry", "migrate", db=sqlite_url), 0).stdout
    assert "nothing to migrate" in out
    assert not list(sqlite_path(sqlite_url).parent.glob("*backup*"))


# --- layout 4 → 7, 5 → 7, 6 → 7: columns added ---------------------------------------------------


def as_layout(url: str, layout: int) -> None:
    """The registry at ``url`` as layout 4 wrote it (without unit.function, duty.standard,
    area.geometry and area.addresses), layout 5 (without duty.standard, area.geometry and
    area.addresses) or layout 6 (without area.geometry and area.addresses)."""
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text('ALTER TABLE area DROP COLUMN "geometry"'))
        c.execute(text('ALTER TABLE area DROP COLUMN "addresses"'))
        if layout <= 5:
            c.execute(text('ALTER TABLE duty DROP COLUMN "standard"'))
        if layout == 4:
            c.execute(text('ALTER TABLE unit DROP COLUMN "function"'))
        c.execute(text(f"UPDATE remit_meta SET value = '{layout}' WHERE key = 'schema_version'"))
    engine.dispose()


def without_shapes(tmp: Path) -> Path:
    """The sample registry without its areas' shapes and address aliases (which an older
    layout could not hold), at ``tmp``."""
    import yaml

    copy = tmp / "sample"
    shutil.copytree(SAMPLE, copy)
    areas = yaml.safe_load((copy / "areas.yaml").read_text(encoding="utf-8"))
    for area in areas["areas"]:
        area.pop("geometry", None)
        area.pop("addresses", None)
    (copy / "areas.yaml").write_text(yaml.safe_dump(areas, allow_unicode=True), encoding="utf-8")
    return copy


@pytest.mark.parametrize("layout", [4, 5, 6])
def test_older_layouts_gain_the_new_columns(
    cli: Cli, db_url: str, layout: int, tmp_path: Path
) -> None:
    with Registry.create(db_url) as registry:
        registry.import_files([without_shapes(tmp_path)], by="setup")
        before = registry.snapshot(dt.date(2026, 3, 1)).hash
    as_layout(db_url, layout)
    with pytest.raises(InputError, match="remit registry migrate"):
        Registry(db_url).snapshot(dt.date(2026, 3, 1))
    out = exits(cli("registry", "migrate", "--by", "迁移人", db=db_url), 0).stdout
    added = {4: 4, 5: 3, 6: 2}[layout]
    assert f"from table layout {layout} to 7: {added} column(s) added" in out
    with Registry(db_url) as registry:
        snapshot = registry.snapshot(dt.date(2026, 3, 1))
        assert snapshot.hash == before
        assert all(u.function is None for u in snapshot.units.values())
        assert all(d.duty.standard is None for d in snapshot.duties)
        # the rows written before the columns: no shape, no address aliases (not None)
        assert all(a.geometry is None and a.addresses == () for a in snapshot.areas.values())
        assert registry.migrate(by="again").migrated is False
