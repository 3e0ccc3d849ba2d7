"""`remit registry verify`: an untouched history verifies; every tampering with the tables done
behind remit's back (raw SQL through the engine) is caught and named — on SQLite and PostgreSQL.

The history: the sample district imported, a table imported as a draft of HP-QZ-SCJ, that draft
published from a date in the future, and the draft HP-QZ-FGJ v2 withdrawn (four revisions).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from remit import Registry
from remit.registry.entities import AuditEntry
from remit.registry.reports import Mismatch, VerifyReport
from tests.factories import ROOT, SAMPLE, Cli, exits

TABLE = ROOT / "data" / "tables" / "hp-qz-scj-2027.csv"
MAPPING = ROOT / "data" / "tables" / "scj-mapping.yaml"
FUTURE = dt.date.today() + dt.timedelta(days=400)


def build_history(registry: Registry) -> Registry:
    registry.import_files([SAMPLE], by="建库人")
    registry.import_table(TABLE, "HP-QZ-SCJ", MAPPING, by="区市场监管局经办人", note="草稿")
    registry.publish("HP-QZ-SCJ", FUTURE, note="二〇二七年修订", by="审核人")
    registry.withdraw("HP-QZ-FGJ", 2, note="草稿作废", by="审核人")
    return registry


@pytest.fixture
def history(db_url: str) -> Iterator[Registry]:
    with Registry.create(db_url) as registry:
        yield build_history(registry)


def sql(registry: Registry, statement: str, **params: Any) -> Any:
    """Run ``statement`` behind remit's back; the first value of its first row, if any."""
    with registry.engine.begin() as c:
        result = c.execute(text(statement), params)
        return result.first()[0] if result.returns_rows else None


def record_pk(registry: Registry, list_id: str, version: int, *, last: bool = False) -> int:
    """The first (or last) record of a version."""
    order = "DESC" if last else "ASC"
    return int(
        sql(
            registry,
            "SELECT pk FROM list_version WHERE list_id = :l AND version = :v "
            f"ORDER BY revision {order}",
            l=list_id,
            v=version,
        )
    )


def problems(report: VerifyReport) -> list[tuple[str, dict[str, Any]]]:
    return [(m.check, m.params) for m in report.problems]


def only(report: VerifyReport, check: str) -> Mismatch:
    """The one problem of ``report``, which must be a ``check``."""
    assert [m.check for m in report.problems] == [check], problems(report)
    return report.problems[0]


def named(m: Mismatch, **expected: Any) -> None:
    assert {k: m.params.get(k) for k in expected} == expected, m.params


# --- untouched -------------------------------------------------------------------------------


def test_an_untouched_history_verifies(history: Registry) -> None:
    report = history.verify()
    assert report.ok, problems(report)
    counts = report.counts
    assert counts["revisions"] == 4
    assert counts["versions"] == 21  # the sample's (AREAS and UNITS too) and the draft …
    assert counts["version_records"] == 23  # … and the publish and the withdrawal
    assert counts["audit_entries"] == len(history.log())
    assert counts["duty"] > 700 and counts["matter"] > 100
    assert counts["area"] > 0 and counts["unit"] > 0
    assert report.head == history.log()[-1].entry_hash


def test_details_hash_as_they_are_read_back(history: Registry) -> None:
    """An entry's details are hashed as JSON gives them back: a time or a tuple in them does
    not break the chain."""
    details = {"when": dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC), "on": dt.date(2026, 1, 2)}
    entry = AuditEntry(dt.datetime.now(dt.UTC), "某人", "note", None, None, None, None, details)
    history.add_to_log(entry)
    history.add_to_log(AuditEntry(entry.at, "某人", "note", None, None, None, None, {"t": (1, 2)}))
    assert history.verify().ok, problems(history.verify())


def test_a_change_of_a_list_alone_is_logged(history: Registry, tmp_path: Path) -> None:
    """A list's new name, without a new version, is a revision: it has its log entry."""
    source = SAMPLE / "lists" / "departments" / "chengguan.yaml"
    renamed = tmp_path / "chengguan.yaml"
    text_ = source.read_text(encoding="utf-8")
    name_line = next(line for line in text_.splitlines() if line.startswith("name:"))
    renamed.write_text(text_.replace(name_line, "name: 区城管执法局权责清单（更名）"), "utf-8")
    result = history.import_files([renamed], by="某人")
    assert result.changed and not result.plan.changes
    entry = history.log()[-1]
    assert (entry.action, entry.list_id, entry.details["name"]) == (
        "import_list",
        "HP-QZ-CGJ",
        "区城管执法局权责清单（更名）",
    )
    assert history.verify().ok, problems(history.verify())


# --- tampered --------------------------------------------------------------------------------


def test_an_edited_published_duty_row(history: Registry) -> None:
    record = record_pk(history, "HP-QZ-CGJ", 1)
    row = sql(history, "SELECT min(pk) FROM duty WHERE version_pk = :r", r=record)
    sql(history, "UPDATE duty SET note = '改过' WHERE pk = :p", p=row)
    m = only(history.verify(), "content_hash")
    named(m, list_id="HP-QZ-CGJ", version=1, pk=record, revision=1, count=11)


def test_a_deleted_duty_row(history: Registry) -> None:
    record = record_pk(history, "HP-JZ-JB", 2)
    row = sql(history, "SELECT max(pk) FROM duty WHERE version_pk = :r", r=record)
    sql(history, "DELETE FROM duty WHERE pk = :p", p=row)
    report = history.verify()
    assert sorted(m.check for m in report.problems) == ["content_hash", "row_count"]
    named(report.problems[1], list_id="HP-JZ-JB", version=2, pk=record, found=248, expected=249)


def test_an_unreadable_duty_row_is_named(history: Registry) -> None:
    row = sql(history, "SELECT min(pk) FROM duty")
    sql(history, "UPDATE duty SET role = 'boss' WHERE pk = :p", p=row)
    report = history.verify()
    assert [m.check for m in report.problems] == ["bad_row", "content_hash"]
    named(report.problems[0], table="duty", pk=row)


@pytest.mark.parametrize(
    ("table", "change", "list_id"),
    [
        ("area", "name = '改了名的街道'", "AREAS"),
        ("unit", "capacity = 999", "UNITS"),
    ],
)
def test_an_edited_area_or_unit_row(
    history: Registry, table: str, change: str, list_id: str
) -> None:
    row = sql(history, f"SELECT max(pk) FROM {table}")
    sql(history, f"UPDATE {table} SET {change} WHERE pk = :p", p=row)
    m = only(history.verify(), "content_hash")
    named(m, list_id=list_id, version=1, pk=record_pk(history, list_id, 1), revision=1)


def test_a_deleted_version_record(history: Registry) -> None:
    """The record of the withdrawal: the log still names it."""
    record = record_pk(history, "HP-QZ-FGJ", 2, last=True)
    sql(history, "DELETE FROM list_version WHERE pk = :p", p=record)
    m = only(history.verify(), "logged_version_missing")
    named(m, list_id="HP-QZ-FGJ", version=2, revision=4, action="withdraw")
    assert m.params["entry"] == len(history.log())


def test_a_deleted_version_record_with_rows(sqlite_url: str) -> None:
    """A version record that held rows (SQLite: no foreign key stops it): its rows are left
    without it, the version after it has no parent, and the log names it."""
    with Registry.create(sqlite_url) as registry:
        build_history(registry)
        record = record_pk(registry, "HP-JZ-JB", 1)
        sql(registry, "DELETE FROM list_version WHERE pk = :p", p=record)
        report = registry.verify()
    assert sorted(m.check for m in report.problems) == [
        "logged_version_missing",
        "orphan_rows",
        "version_missing",
    ]
    orphans = next(m for m in report.problems if m.check == "orphan_rows")
    named(orphans, table="duty", pk=record, count=230)


def test_an_edited_version_record(history: Registry) -> None:
    """A content hash rewritten to match edited rows still breaks the parent link of the next
    version and disagrees with the log."""
    record = record_pk(history, "HP-JZ-JB", 1)
    sql(history, "UPDATE list_version SET content_hash = :h WHERE pk = :p", h="0" * 64, p=record)
    checks = sorted(m.check for m in history.verify().problems)
    assert checks == ["content_hash", "logged_hash", "parent_hash"]


def test_an_edited_audit_entry(history: Registry) -> None:
    entry = 5
    sql(history, "UPDATE audit_log SET note = '改过' WHERE pk = :p", p=entry)
    m = only(history.verify(), "entry_hash")
    named(m, entry=entry, revision=1, action="import_create")


@pytest.mark.parametrize("where", ["a middle one", "the last one"])
def test_a_deleted_audit_entry(history: Registry, where: str) -> None:
    entries = history.log()
    pk = 7 if where == "a middle one" else len(entries)
    removed = entries[pk - 1]
    sql(history, "DELETE FROM audit_log WHERE pk = :p", p=pk)
    report = history.verify()
    unlogged = next(m for m in report.problems if m.check == "version_unlogged")
    named(unlogged, list_id=removed.list_id, version=removed.version, revision=removed.revision)
    if where == "a middle one":
        link = next(m for m in report.problems if m.check == "chain_link")
        named(link, entry=pk + 1, previous_pk=pk - 1, found=removed.entry_hash)
        assert len(report.problems) == 2
    else:
        gone = next(m for m in report.problems if m.check == "revision_unlogged")
        named(gone, revision=4, action="withdraw")
        assert len(report.problems) == 2


def test_an_edited_revision(history: Registry) -> None:
    sql(history, "UPDATE revision SET author = 'mallory' WHERE number = 3")
    m = only(history.verify(), "entry_revision")
    named(m, revision=3, author="mallory", actor="审核人")


def test_a_revision_added_behind_remits_back(history: Registry) -> None:
    sql(
        history,
        "INSERT INTO revision (number, recorded_at, author, action) VALUES (6, :t, 'x', 'import')",
        t=dt.datetime(2030, 1, 1),
    )
    report = history.verify()
    assert problems(report) == [
        ("revision_gap", {"missing": 5, "last": 6}),
        (
            "revision_unlogged",
            {
                "revision": 6,
                "recorded_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
                "author": "x",
                "action": "import",
            },
        ),
    ]


# --- the command -----------------------------------------------------------------------------


def test_the_command(cli: Cli, sqlite_url: str) -> None:
    with Registry.create(sqlite_url) as registry:
        build_history(registry)
        record = record_pk(registry, "HP-QZ-CGJ", 1)
    out = exits(cli("registry", "verify", db=sqlite_url), 0).stdout
    assert out.startswith("The history verifies")
    assert "Checked: 4 revisions; 17 lists with 21 versions (23 version records)" in out
    zh = exits(cli("registry", "verify", db=sqlite_url, lang="zh"), 0).stdout
    assert zh.startswith("历史核验通过") and "已核验：4 个修订" in zh
    with Registry(sqlite_url) as registry:
        sql(registry, "UPDATE duty SET note = '改过' WHERE version_pk = :r", r=record)
    out = exits(cli("registry", "verify", db=sqlite_url), 1).stdout
    assert out.splitlines()[:2] == [
        "1 problem(s) in the history:",
        f"  HP-QZ-CGJ v1 (record {record}, revision 1): its 11 rows hash to "
        + out.split("hash to ")[1][:12]
        + ", but the record says fb0d99628d61: a row was changed, added or removed after it "
        "was recorded",
    ]
    data = json.loads(exits(cli("registry", "verify", "--format", "json", db=sqlite_url), 1).stdout)
    assert data["ok"] is False
    [problem] = data["problems"]
    assert (problem["check"], problem["list_id"], problem["version"], problem["pk"]) == (
        "content_hash",
        "HP-QZ-CGJ",
        1,
        record,
    )
    assert len(problem["stored"]) == 64 and problem["message"].startswith("HP-QZ-CGJ v1")
    zh = exits(cli("registry", "verify", db=sqlite_url, lang="zh"), 1).stdout
    assert zh.startswith("历史中发现 1 个问题：")


def test_bad_input(cli: Cli, tmp_path: Path) -> None:
    exits(cli("registry", "verify", db=str(tmp_path / "none.db")), 2)
    exits(cli("registry", "verify", "--format", "xml", db=str(tmp_path / "none.db")), 2)
