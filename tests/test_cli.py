"""Every command of the CLI, end to end on the mini tree, with assertions on what it prints."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from remit import Registry
from remit.registry.formats import DutySpec
from tests.factories import MINI, Cli, ok

pytestmark = pytest.mark.usefixtures("wide_terminal")

DRAFT_V2 = """\
  - version: 2
    note: 草稿
    author: 街道办
    duties:
      - matter: RX0101
        unit: NJDL
      - matter: BJ0101
        unit: GAS
        role: supervise
"""


@pytest.fixture
def url(cli: Cli, sqlite_url: str) -> str:
    """A registry with the mini tree imported through the CLI."""
    ok(cli("init", db=sqlite_url))
    ok(cli("registry", "import", MINI, db=sqlite_url))
    return sqlite_url


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    """JD-NJDL as in the mini tree plus a draft version 2."""
    path = tmp_path / "street-draft.yaml"
    text = (MINI / "lists" / "street-njdl.yaml").read_text(encoding="utf-8")
    path.write_text(text + DRAFT_V2, encoding="utf-8")
    return path


def row_of(text: str, first_cell: str, index: int | None = None) -> str:
    """The table line whose first cell is ``first_cell`` (the ``index``-th of several)."""
    lines = [line for line in text.splitlines() if re.match(rf"^│ {re.escape(first_cell)} ", line)]
    if index is None:
        assert len(lines) == 1, text
        return lines[0]
    return lines[index]


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip("│").split("│")]


# --- init ---------------------------------------------------------------------------------------


def test_init_creates_an_empty_registry(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    out = ok(cli("init", db=sqlite_url))
    assert out == f"Created an empty registry at {sqlite_url}.\n"
    assert (tmp_path / "registry.db").is_file()
    assert json.loads(ok(cli("registry", "lists", "--format", "json", db=sqlite_url))) == []


def test_init_over_an_existing_registry(cli: Cli, url: str) -> None:
    result = cli("init", db=url)
    assert result.exit_code == 2
    assert f"a registry already exists at {url}; use --force to recreate it empty" in result.stderr
    assert len(json.loads(ok(cli("registry", "lists", "--format", "json", db=url)))) == 5
    assert ok(cli("init", "--force", db=url)) == f"Created an empty registry at {url}.\n"
    assert json.loads(ok(cli("registry", "lists", "--format", "json", db=url))) == []
    assert json.loads(ok(cli("registry", "log", "--format", "json", db=url))) == []


def test_init_with_a_bare_path(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    out = ok(cli("init", db=str(path)))
    assert out == f"Created an empty registry at sqlite:///{path}.\n"
    assert path.is_file()


# --- import ------------------------------------------------------------------------------------


def test_import_reports_what_changed(cli: Cli, db_url: str) -> None:
    ok(cli("init", db=db_url))
    out = ok(cli("registry", "import", MINI, db=db_url))
    assert out.splitlines() == [
        "Imported 5 file(s): 6 areas and 6 units added or changed, 5 lists added or changed, "
        "6 version changes, 0 versions already up to date.",
        "  created: AREAS v1 (published, 6 rows)",
        "  created: UNITS v1 (published, 6 rows)",
        "  created: CAT v1 (published, 5 rows)",
        "  created: QZ-CGJ v1 (published, 3 rows)",
        "  created: QZ-CGJ v2 (published, 3 rows)",
        "  created: JD-NJDL v1 (published, 2 rows)",
    ]
    again = ok(cli("registry", "import", MINI, db=db_url))
    assert again == (
        "Imported 5 file(s): 0 areas and 0 units added or changed, 0 lists added or changed, "
        "0 version changes, 4 versions already up to date.\n"
    )
    with Registry(db_url) as registry:
        entries = registry.log()
    assert {e.actor for e in entries} == {"tester"}
    assert [e.action for e in entries].count("import_create") == 6


def test_import_a_draft_then_replace_it(cli: Cli, url: str, draft: Path) -> None:
    out = ok(cli("registry", "import", draft, "--by", "alice", db=url))
    assert "  created: JD-NJDL v2 (draft, 2 rows)" in out.splitlines()
    assert "1 version changes, 1 versions already up to date." in out
    draft.write_text(
        draft.read_text(encoding="utf-8").replace("role: supervise", "role: assist"),
        encoding="utf-8",
    )
    out = ok(cli("registry", "import", draft, db=url))
    assert "  replaced draft: JD-NJDL v2 (draft, 2 rows)" in out.splitlines()
    entries = json.loads(ok(cli("registry", "log", "JD-NJDL", "--format", "json", db=url)))
    assert [(e["actor"], e["action"], e["version"]) for e in entries][-2:] == [
        ("alice", "import_create", 2),
        ("tester", "import_replace", 2),
    ]


def test_table_options_need_a_table(cli: Cli, url: str, tmp_path: Path) -> None:
    result = cli("registry", "import", MINI, "--list", "JD-NJDL", db=url)
    assert result.exit_code == 2
    assert "apply to CSV or XLSX tables, not to" in result.stderr
    table = tmp_path / "rows.csv"
    table.write_text("事项,单位\nRX0101,NJDL\n", encoding="utf-8")
    result = cli("registry", "import", table, db=url)
    assert result.exit_code == 2
    assert "a table import needs --list LIST-ID" in result.stderr


# --- lists ------------------------------------------------------------------------------------


def test_lists_text(cli: Cli, url: str) -> None:
    out = ok(cli("registry", "lists", "--as-of", "2025-01-01", db=url))
    assert "In force on 2025-01-01" in out
    assert cells(row_of(out, "CAT")) == [
        "CAT",
        "测试事项目录",
        "matter catalogue",
        "v1 published 2023-01-01→open",
        "v1",
        "5",
    ]
    assert cells(row_of(out, "QZ-CGJ")) == [
        "QZ-CGJ",
        "区城管执法局权责清单",
        "department list",
        "v1 published 2024-01-01→2025-06-30",
        "v1",
        "3",
    ]
    later = ok(cli("registry", "lists", "--as-of", "2025-07-01", db=url))
    assert cells(row_of(later, "QZ-CGJ"))[4] == "v2"
    assert "v2 published 2025-07-01→open" in later
    before = ok(cli("registry", "lists", "--as-of", "2023-06-01", db=url))
    assert cells(row_of(before, "QZ-CGJ"))[4:] == ["none", ""]


def test_lists_json(cli: Cli, url: str) -> None:
    data = json.loads(
        ok(cli("registry", "lists", "--format", "json", "--as-of", "2025-01-01", db=url))
    )
    assert [(d["id"], d["kind"], d["in_force"]) for d in data] == [
        ("CAT", "catalogue", 1),
        ("AREAS", "areas", 1),
        ("UNITS", "units", 1),
        ("JD-NJDL", "street_basic", 1),
        ("QZ-CGJ", "department", 1),
    ]
    cgj = data[4]
    assert cgj["name"] == "区城管执法局权责清单"
    v1, v2 = cgj["versions"]
    assert (v1["version"], v1["status"], v1["effective_from"], v1["in_force_until"]) == (
        1,
        "published",
        "2024-01-01",
        "2025-06-30",
    )
    assert (v2["effective_from"], v2["in_force_until"], v2["row_count"]) == ("2025-07-01", None, 3)
    assert v2["parent_hash"] == v1["content_hash"]
    assert "duties" not in v1 and "matters" not in v1


# --- show -------------------------------------------------------------------------------------


def test_show_text_defaults_to_the_version_in_force_today(cli: Cli, url: str) -> None:
    out = ok(cli("registry", "show", "QZ-CGJ", db=url))
    with Registry(url) as registry:
        current = registry.version("QZ-CGJ")
    assert current.version == 2
    lines = out.splitlines()
    assert lines[0] == "QZ-CGJ 区城管执法局权责清单 — Version 2 (published)"
    assert lines[1] == (
        f"In force: 2025-07-01 → open   Author: 法制科   Content hash: {current.content_hash[:12]}"
    )
    assert lines[2] == "Note: 游商全部由城管执法局主办"
    assert cells(row_of(out, "SJ0501 无照经营游商", 0))[:6] == [
        "SJ0501 无照经营游商",
        "区城市管理行政执法局",
        "lead",
        "310101000000",
        "",
        "2小时",
    ]
    assert "《上海市城市管理综合行政执法条例》" in out
    assert "上海燃气有限公司" in out and "2工作日" in out


def test_show_a_version_by_number_and_by_date(cli: Cli, url: str) -> None:
    by_number = ok(cli("registry", "show", "QZ-CGJ", "--version", "1", db=url))
    with Registry(url) as registry:
        first = registry.version("QZ-CGJ", 1)
    assert by_number.splitlines()[:2] == [
        "QZ-CGJ 区城管执法局权责清单 — Version 1 (published)",
        "In force: 2024-01-01 → 2025-06-30   Author: 法制科   "
        f"Content hash: {first.content_hash[:12]}",
    ]
    assert "location_type = road" in by_number
    by_date = ok(cli("registry", "show", "QZ-CGJ", "--as-of", "2025-06-30", db=url))
    assert by_date == by_number
    assert "Version 2" in ok(cli("registry", "show", "QZ-CGJ", "--as-of", "2025-07-01", db=url))


def test_show_priority_and_conditions(cli: Cli, url: str) -> None:
    out = ok(cli("registry", "show", "JD-NJDL", db=url))
    row = cells(row_of(out, "SJ0502 共享单车乱停放"))
    assert row[1:5] == [
        "南京东路街道办事处",
        "lead (p10)",
        "310101002000",
        "location_type = pavement",
    ]


def test_show_the_catalogue(cli: Cli, url: str) -> None:
    out = ok(cli("registry", "show", "CAT", db=url))
    assert out.splitlines()[0] == "CAT 测试事项目录 — Version 1 (published)"
    assert cells(row_of(out, "SJ0502")) == [
        "SJ0502",
        "共享单车乱停放",
        "event",
        "SJ05",
        "priority",
        "4紧急工作时",
        "location_type",
    ]
    data = json.loads(ok(cli("registry", "show", "CAT", "--format", "json", db=url)))
    assert [r["code"] for r in data["rows"]] == ["SJ05", "SJ0501", "SJ0502", "BJ0101", "RX0101"]
    assert data["rows"][1]["attributes"]["severity"] == {
        "type": "int",
        "label": "严重程度",
        "min": 1,
        "max": 4,
    }


def test_show_json(cli: Cli, url: str) -> None:
    data = json.loads(
        ok(cli("registry", "show", "QZ-CGJ", "--version", "1", "--format", "json", db=url))
    )
    assert data["list"] == {"id": "QZ-CGJ", "name": "区城管执法局权责清单", "kind": "department"}
    assert (data["version"], data["status"], data["note"], data["row_count"]) == (
        1,
        "published",
        "首版",
        3,
    )
    assert data["effective_from"] == "2024-01-01"
    assert data["in_force_until"] == "2025-06-30"
    assert data["rows"][0] == {
        "matter": "SJ0501",
        "unit": "CGJ",
        "role": "lead",
        "area": "310101000000",
        "when": {"location_type": {"in": ["road"]}},
        "time_limit": "2小时",
        "legal_basis": [{"kind": "regulation", "title": "上海市城市管理综合行政执法条例"}],
    }
    assert data["rows"][1]["unit"] == "LRJ" and data["rows"][1]["role"] == "assist"


def test_show_yaml_is_importable(cli: Cli, url: str, tmp_path: Path) -> None:
    text = ok(cli("registry", "show", "JD-NJDL", "--format", "yaml", db=url))
    document = yaml.safe_load(text)
    assert (document["file"], document["id"], document["kind"]) == (
        "list",
        "JD-NJDL",
        "street_basic",
    )
    (version,) = document["versions"]
    assert version["version"] == 1 and version["status"] == "published"
    assert version["duties"][0]["when"] == {"location_type": {"in": ["pavement"]}}
    path = tmp_path / "shown.yaml"
    path.write_text(text, encoding="utf-8")
    out = ok(cli("registry", "import", path, db=url))
    assert "0 version changes, 1 versions already up to date." in out


# --- log, diff --------------------------------------------------------------------------------


def test_log(cli: Cli, url: str) -> None:
    entries = json.loads(ok(cli("registry", "log", "--format", "json", db=url)))
    assert (entries[0]["action"], entries[0]["list_id"]) == ("import_create", "AREAS")
    assert entries[1]["details"]["units"] == ["LRJ", "CGJ", "FGJ", "NJDL", "WLQ", "GAS"]
    creates = [(e["list_id"], e["version"]) for e in entries if e["action"] == "import_create"]
    assert creates == [
        ("AREAS", 1),
        ("UNITS", 1),
        ("CAT", 1),
        ("QZ-CGJ", 1),
        ("QZ-CGJ", 2),
        ("JD-NJDL", 1),
    ]
    assert {e["actor"] for e in entries} == {"tester"}
    only = json.loads(ok(cli("registry", "log", "QZ-CGJ", "--format", "json", db=url)))
    assert [(e["list_id"], e["version"], e["note"]) for e in only] == [
        ("QZ-CGJ", 1, "首版"),
        ("QZ-CGJ", 2, "游商全部由城管执法局主办"),
    ]
    text = ok(cli("registry", "log", "QZ-CGJ", db=url))
    # stored in UTC, shown in Beijing time with its offset
    shown = dt.datetime.fromisoformat(only[0]["at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    row = cells(row_of(text, shown.isoformat(sep=" "), 0))
    assert row[1:6] == ["tester", "import_create", "QZ-CGJ", "1", "首版"]
    result = cli("registry", "log", "NOPE", db=url)
    assert result.exit_code == 2 and "unknown list 'NOPE'" in result.stderr


def test_diff_text(cli: Cli, url: str) -> None:
    out = ok(cli("registry", "diff", "QZ-CGJ", "1", "2", db=url))
    assert out.splitlines() == [
        "QZ-CGJ: version 1 → 2",
        "  ~ changed: SJ0501 无照经营游商: 区城市管理行政执法局 lead @黄浦区",
        "      when: location_type = road → -",
        "  2 rows unchanged",
    ]
    same = ok(cli("registry", "diff", "QZ-CGJ", "2", "2", db=url))
    assert same.splitlines() == ["QZ-CGJ: version 2 → 2", "  no differences", "  3 rows unchanged"]


def test_diff_json(cli: Cli, url: str, draft: Path) -> None:
    ok(cli("registry", "import", draft, db=url))
    data = json.loads(ok(cli("registry", "diff", "JD-NJDL", "1", "2", "--format", "json", db=url)))
    assert (data["list"], data["from_version"], data["to_version"]) == ("JD-NJDL", 1, 2)
    assert data["added"] == [
        {"matter": "BJ0101", "unit": "GAS", "role": "supervise", "area": "310000000000"}
    ]
    assert [r["matter"] for r in data["removed"]] == ["SJ0502"]
    (change,) = data["changed"]
    assert change["fields"] == ["provenance", "review_by"]
    assert data["unchanged"] == 0


# --- publish, withdraw ------------------------------------------------------------------------


def test_publish_and_withdraw(cli: Cli, db_url: str, draft: Path) -> None:
    ok(cli("init", db=db_url))
    ok(cli("registry", "import", MINI, db=db_url))
    ok(cli("registry", "import", draft, db=db_url))
    out = ok(
        cli(
            "registry",
            "publish",
            "JD-NJDL",
            "--effective-from",
            "2026-01-01",
            "--note",
            "第二版",
            "--by",
            "bob",
            "--retroactive",
            db=db_url,
        )
    )
    assert out.startswith("Published JD-NJDL version 2, in force from 2026-01-01.\n")
    # retroactive: the dates whose snapshots changed are said
    assert "2026-01-01 → open:" in out
    last = json.loads(ok(cli("registry", "log", "JD-NJDL", "--format", "json", db=db_url)))[-1]
    assert (last["action"], last["actor"], last["version"], last["note"]) == (
        "publish",
        "bob",
        2,
        "第二版",
    )
    assert last["details"]["effective_from"] == "2026-01-01"
    assert last["details"]["rows"] == 2
    text = ok(cli("registry", "log", "JD-NJDL", db=db_url))
    assert re.search(r"│ bob +│ publish +│ JD-NJDL │ 2 +│ 第二版 │ effective_from=2026-01-01", text)
    lists = ok(cli("registry", "lists", "--as-of", "2026-02-01", db=db_url))
    assert cells(row_of(lists, "JD-NJDL"))[3:5] == [
        "v1 published 2024-01-01→2025-12-31",
        "v2",
    ]
    shown = json.loads(
        ok(cli("registry", "show", "JD-NJDL", "--version", "2", "--format", "json", db=db_url))
    )
    assert (shown["status"], shown["published_by"], shown["note"]) == ("published", "bob", "第二版")

    out = ok(
        cli(
            "registry",
            "withdraw",
            "JD-NJDL",
            "--version",
            "2",
            "--note",
            "有误",
            "--retroactive",
            db=db_url,
        )
    )
    assert out.startswith("Withdrew JD-NJDL version 2.\n")
    data = json.loads(
        ok(cli("registry", "lists", "--format", "json", "--as-of", "2026-02-01", db=db_url))
    )
    njdl = next(d for d in data if d["id"] == "JD-NJDL")
    assert njdl["in_force"] == 1
    assert [v["status"] for v in njdl["versions"]] == ["published", "withdrawn"]
    last = json.loads(ok(cli("registry", "log", "JD-NJDL", "--format", "json", db=db_url)))[-1]
    assert (last["action"], last["actor"], last["note"]) == ("withdraw", "tester", "有误")
    again = cli("registry", "withdraw", "JD-NJDL", "--version", "2", db=db_url)
    assert again.exit_code == 2
    assert (
        "version 2 of JD-NJDL is withdrawn; only a published or draft version can be withdrawn"
        in again.stderr
    )


def test_publish_without_a_draft(cli: Cli, url: str) -> None:
    result = cli("registry", "publish", "QZ-CGJ", "--effective-from", "2026-01-01", db=url)
    assert result.exit_code == 2
    assert "list QZ-CGJ has no draft version to publish" in result.stderr


def test_publish_needs_an_effective_date(cli: Cli, url: str) -> None:
    result = cli("registry", "publish", "QZ-CGJ", db=url)
    assert result.exit_code == 2
    assert "Missing option '--effective-from'" in result.stderr


# --- export -----------------------------------------------------------------------------------


def test_export_yaml_round_trips(cli: Cli, url: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "qz-cgj.yaml"
    target.parent.mkdir()
    out = ok(cli("registry", "export", "QZ-CGJ", "--format", "yaml", "-o", target, db=url))
    assert out == f"Wrote {target} (6 rows).\n"
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert [v["version"] for v in document["versions"]] == [1, 2]
    # into a fresh registry with the same reference data: the same content hashes
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    ok(cli("init", db=fresh))
    ok(
        cli(
            "registry",
            "import",
            MINI / "areas.yaml",
            MINI / "units.yaml",
            MINI / "catalogue.yaml",
            target,
            db=fresh,
        )
    )
    with Registry(url) as a, Registry(fresh) as b:
        (old,) = [s for s in a.lists() if s.info.id == "QZ-CGJ"]
        (new,) = [s for s in b.lists() if s.info.id == "QZ-CGJ"]
        assert [v.content_hash for v in old.versions] == [v.content_hash for v in new.versions]


def test_export_csv(cli: Cli, url: str, tmp_path: Path) -> None:
    target = tmp_path / "qz-cgj.csv"
    out = ok(
        cli(
            "registry",
            "export",
            "QZ-CGJ",
            "--format",
            "csv",
            "-o",
            target,
            "--version",
            "1",
            db=url,
        )
    )
    assert out == f"Wrote {target} (3 rows).\n"
    text = target.read_text(encoding="utf-8-sig")
    assert "区城市管理行政执法局" in text and "SJ0501" in text
    assert len(text.strip().splitlines()) == 4
    result = cli("registry", "export", "CAT", "--format", "csv", "-o", tmp_path / "c.csv", db=url)
    assert result.exit_code == 2
    assert "CAT is the matter catalogue; it exports as YAML only" in result.stderr


# --- snapshot ---------------------------------------------------------------------------------


def test_snapshot_text(cli: Cli, url: str) -> None:
    out = ok(cli("registry", "snapshot", "--as-of", "2025-01-01", db=url))
    with Registry(url) as registry:
        snap = registry.snapshot(dt.date(2025, 1, 1))
    lines = out.splitlines()
    assert lines[:4] == [
        "Snapshot on 2025-01-01",
        f"Snapshot hash: {snap.hash}",
        "6 areas, 6 units, 5 matters, 2 lists, 5 duties in force",
        "Catalogue: CAT v1",
    ]
    assert cells(row_of(out, "QZ-CGJ"))[:6] == [
        "QZ-CGJ",
        "区城管执法局权责清单",
        "department list",
        "v1",
        "2024-01-01",
        "3",
    ]


def test_snapshot_json(cli: Cli, db_url: str) -> None:
    ok(cli("init", db=db_url))
    ok(cli("registry", "import", MINI, db=db_url))
    early = json.loads(
        ok(cli("registry", "snapshot", "--as-of", "2025-06-30", "--format", "json", db=db_url))
    )
    late = json.loads(
        ok(cli("registry", "snapshot", "--as-of", "2025-07-01", "--format", "json", db=db_url))
    )
    assert early["as_of"] == "2025-06-30"
    assert early["counts"] == {
        "areas": 6,
        "units": 6,
        "matters": 5,
        "lists": 2,
        "duties": 5,
        "dangling_duties": 0,
    }
    assert early["catalogue"]["id"] == "CAT" and early["catalogue"]["rows"] == 5
    assert [(e["id"], e["version"]) for e in early["lists"]] == [("JD-NJDL", 1), ("QZ-CGJ", 1)]
    assert [(e["id"], e["version"]) for e in late["lists"]] == [("JD-NJDL", 1), ("QZ-CGJ", 2)]
    assert early["hash"] != late["hash"]
    assert re.fullmatch(r"[0-9a-f]{64}", early["hash"])
    today = json.loads(ok(cli("registry", "snapshot", "--format", "json", db=db_url)))
    assert today["hash"] == late["hash"]


# --- schema -----------------------------------------------------------------------------------


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _types(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            yield node["type"]
        for key, value in node.items():
            if key not in {"properties", "$defs"}:
                yield from _types(value)
            else:
                for sub in value.values():
                    yield from _types(sub)
    elif isinstance(node, list):
        for item in node:
            yield from _types(item)


def test_schema_of_a_list_file(cli: Cli) -> None:
    schema = json.loads(ok(cli("schema", "--kind", "list")))
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"file", "id", "name", "kind", "versions"}
    assert schema["properties"]["file"] == {"const": "list", "title": "File", "type": "string"}
    for ref in _refs(schema):
        assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in schema["$defs"]
    assert set(_types(schema)) <= {
        "object",
        "array",
        "string",
        "integer",
        "number",
        "boolean",
        "null",
    }
    duty = schema["$defs"]["DutySpec"]
    assert set(duty["properties"]) == set(DutySpec.model_fields)
    assert set(duty["required"]) == {"matter", "unit"}
    assert duty["additionalProperties"] is False
    assert schema["$defs"]["Role"]["enum"] == ["lead", "assist", "supervise", "not_responsible"]


def test_schema_of_every_kind(cli: Cli) -> None:
    every = json.loads(ok(cli("schema")))
    files = ["areas", "units", "catalogue", "list", "mapping"]
    assert list(every) == [
        *files,
        "event",
        "decision",
        "replay-report",
        "case",
        "dispute-report",
        "rules",
        "check-config",
        "check-report",
        "admission",
        "admission-config",
        "admission-report",
    ]
    for kind, schema in every.items():
        assert schema == json.loads(ok(cli("schema", "--kind", kind)))
        if kind in files or kind in {"rules", "admission"}:
            assert schema["properties"]["file"]["const"] == kind
    assert {"id", "matter", "reported_at"} <= set(every["event"]["required"])
    assert every["event"]["anyOf"] == [{"required": ["area"]}, {"required": ["location"]}]
    assert "status" in every["decision"]["required"]
    assert {"changes", "units", "by_status", "bad_lines"} <= set(
        every["replay-report"]["properties"]
    )
    assert "findings" in every["check-report"]["properties"]
    assert "overload_threshold" in every["check-config"]["properties"]
    result = cli("schema", "--kind", "widgets")
    assert result.exit_code == 2 and "Invalid value for '--kind'" in result.stderr


# --- help, language, environment --------------------------------------------------------------

COMMANDS = {
    ("init",): "Create an empty registry.",
    ("schema",): "JSON Schema of the file formats",
    ("registry",): "Import, inspect, publish and export responsibility lists.",
    ("registry", "import"): "Import YAML files or directories",
    ("registry", "lists"): "Lists and the catalogue",
    ("registry", "show"): "One version of a list",
    ("registry", "log"): "Who imported, published or withdrew what",
    ("registry", "diff"): "Rows added, removed and changed from version A to version B.",
    ("registry", "publish"): "Publish the draft of a list",
    ("registry", "withdraw"): "Withdraw a version",
    ("registry", "export"): "Write a list to a file",
    ("registry", "snapshot"): "What is in force on a date, and its content hash.",
    ("replay",): "Decide stored decisions (JSON Lines, as route-batch writes them) again",
}


@pytest.mark.parametrize("command", list(COMMANDS), ids=" ".join)
def test_help(command: tuple[str, ...], cli: Cli) -> None:
    out = ok(cli(*command, "--help", lang=""))
    assert re.match(rf"Usage: \S+ {' '.join(command)} \[OPTIONS\]", out)
    assert COMMANDS[command] in out
    if command not in {("registry",), ("schema",)}:
        assert "--db URL" in out and "--lang [en|zh]" in out


def test_main_help_and_version(cli: Cli) -> None:
    out = ok(cli("--help", lang=""))
    assert "remit — city responsibility lists" in out
    assert "init" in out and "registry" in out and "schema" in out
    assert re.fullmatch(r"\S+, version \d+\.\d+\.\d+\n", ok(cli("--version")))


def test_chinese_output(cli: Cli, url: str, draft: Path) -> None:
    lists = ok(cli("registry", "lists", "--as-of", "2025-01-01", db=url, lang="zh"))
    for label in ("清单", "名称", "类型", "版本", "2025-01-01 生效版本", "条目数"):
        assert label in lists
    assert cells(row_of(lists, "QZ-CGJ"))[2:4] == [
        "部门权责清单",
        "v1 已发布 2024-01-01→2025-06-30",
    ]
    assert "v2 已发布 2025-07-01→长期" in lists
    show = ok(cli("registry", "show", "QZ-CGJ", "--version", "1", db=url, lang="zh"))
    assert show.splitlines()[0] == "QZ-CGJ 区城管执法局权责清单 — 版本 1 (已发布)"
    assert cells(row_of(show, "SJ0501 无照经营游商", 0))[2] == "主办"
    assert cells(row_of(show, "SJ0501 无照经营游商", 1))[2] == "协办"
    assert show.splitlines()[1].startswith("有效期: 2024-01-01 → 2025-06-30   编制人: 法制科")
    snap = ok(cli("registry", "snapshot", "--as-of", "2025-01-01", db=url, lang="zh"))
    assert snap.splitlines()[0] == "2025-01-01 快照"
    assert snap.splitlines()[2] == "区域 6 个，单位 6 个，事项 5 项，生效清单 2 份，履职条目 5 条"
    imported = ok(cli("registry", "import", draft, db=url, lang="zh"))
    assert imported.startswith("已导入 1 个文件：")
    published = ok(
        cli(
            "registry",
            "publish",
            "JD-NJDL",
            "--effective-from",
            "2026-01-01",
            "--retroactive",
            "--note",
            "补登",
            db=url,
            lang="zh",
        )
    )
    assert published.startswith("已发布 JD-NJDL 第 2 版，自 2026-01-01 起生效。\n")


def test_language_from_the_environment(cli: Cli, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMIT_LANG", "zh")
    out = ok(cli("registry", "lists", db=url, lang=""))
    assert "条目数" in out


def test_registry_from_the_environment(
    cli: Cli, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMIT_DB", sqlite_url)
    monkeypatch.chdir(tmp_path)
    assert ok(cli("init")) == f"Created an empty registry at {sqlite_url}.\n"
    ok(cli("registry", "import", MINI))
    data = json.loads(ok(cli("registry", "lists", "--format", "json")))
    assert [d["id"] for d in data] == ["CAT", "AREAS", "UNITS", "JD-NJDL", "QZ-CGJ"]
    assert not (tmp_path / "remit.db").exists()
    # --db wins over the environment
    other = tmp_path / "other.db"
    result = cli("registry", "lists", db=f"sqlite:///{other}")
    assert result.exit_code == 2 and "no registry at" in result.stderr


def test_a_registry_of_another_table_layout_is_refused_with_what_to_do(
    cli: Cli, sqlite_url: str
) -> None:
    import sqlite3

    ok(cli("init", db=sqlite_url))
    ok(cli("registry", "import", MINI, db=sqlite_url))
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as con:  # as a registry written by an older remit says
        con.execute("UPDATE remit_meta SET value = '1' WHERE key = 'schema_version'")
    before = Path(path).read_bytes()
    result = cli("registry", "lists", db=sqlite_url)
    assert result.exit_code == 2
    assert "has table layout 1" in result.stderr and "remit init --force" in result.stderr
    assert Path(path).read_bytes() == before


def test_every_command_with_as_of_takes_known_at() -> None:
    """Wherever a date in force can be given, so can the revision the registry is read at."""
    import click

    from remit.cli import main

    def commands(group: click.Group, path: str) -> Iterator[tuple[str, click.Command]]:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from commands(command, f"{path} {name}")
            else:
                yield f"{path} {name}", command

    with_as_of = {
        name: {option for p in command.params for option in p.opts}
        for name, command in commands(main, "remit")
        if any("--as-of" in p.opts for p in command.params)
    }
    assert {"remit route", "remit route-batch", "remit check", "remit registry snapshot"} <= set(
        with_as_of
    )
    assert [name for name, options in with_as_of.items() if "--known-at" not in options] == []
