"""``refer_to`` (转交单位) on a not_responsible row: the unit a matter is handed on to.

It resolves like ``unit`` (code, name or alias → code), is part of a row's content (hashed,
exported to YAML and tables, shown by diff) but not of its identity, and is refused on a row
that does not refuse the matter, when it names the row's own unit or the owner on the event."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from remit import InputError, Registry
from remit.registry.entities import Role
from remit.registry.table_import import EXPORT_COLUMNS
from tests.factories import (
    Cli,
    assert_located,
    contents,
    csv_bytes,
    edit,
    failing,
    import_refused,
    init,
    newest,
    problem_line,
    read_csv,
    row,
    write,
)

pytestmark = pytest.mark.usefixtures("wide_messages")

D = dt.date
HEADER = list(EXPORT_COLUMNS.values())[
    :-3
]  # no case standards: 立案标准, 立案条件, 结案条件 left out

# line 13 is the first row's refer_to, line 17 the second's
REFUSAL = """\
file: list
id: JD-NJDL-BY
name: 南京东路街道不予受理事项
kind: refusal
issuer: 南京东路街道
versions:
  - version: 1
    status: published
    effective_from: 2024-01-01
    duties:
      - matter: RX0101
        role: not_responsible
        refer_to: 区房管局
        unit: NJDL
      - matter: BJ0101
        role: not_responsible
        refer_to: 上海燃气有限公司
        unit: 南京东路街道
      - matter: SJ0502
        unit: 区绿化市容局
        role: not_responsible
        refer_to: CGJ
      - matter: SJ0501
        unit: WLQ
        role: not_responsible
"""
REFUSAL_FILE = "lists/refusal-njdl.yaml"


@pytest.fixture
def tree(mini_tree: Path) -> Path:
    """The mini tree with the refusal list."""
    (mini_tree / REFUSAL_FILE).write_text(REFUSAL, encoding="utf-8")
    return mini_tree


def referrals(registry: Registry, version: int = 1) -> dict[tuple[str, str], str | None]:
    return {(d.matter, d.unit): d.refer_to for d in registry.version("JD-NJDL-BY", version).duties}


EXPECTED = {
    ("RX0101", "NJDL"): "FGJ",  # by alias
    ("BJ0101", "NJDL"): "GAS",  # by name
    ("SJ0502", "LRJ"): "CGJ",  # by code
    ("SJ0501", "WLQ"): None,
}


# --- import, storage, snapshot, YAML --------------------------------------------------------------


def test_refer_to_is_resolved_to_a_unit_code(db_url: str, tree: Path) -> None:
    with Registry.create(db_url) as registry:
        registry.import_files([tree], by="test")
        assert referrals(registry) == EXPECTED
        snapshot = registry.snapshot(D(2025, 1, 1))
        in_force = {
            (e.duty.matter, e.duty.unit): e.duty.refer_to
            for e in snapshot.duties
            if e.list_id == "JD-NJDL-BY"
        }
        assert in_force == EXPECTED
        [rx] = [
            e.duty
            for e in snapshot.duties_for("RX0101", "310101002001")
            if e.list_id == "JD-NJDL-BY"
        ]
        assert rx.content() == {
            "matter": "RX0101",
            "unit": "NJDL",
            "role": "not_responsible",
            "refer_to": "FGJ",
            "area": "310101002000",
        }
        # the row's identity across versions does not include where it is referred to
        assert rx.key() == ("RX0101", "NJDL", "310101002000", "{}")
        [wlq] = [
            e.duty for e in snapshot.duties_for("SJ0501", "310101020000") if e.duty.unit == "WLQ"
        ]
        assert "refer_to" not in wlq.content()
        # re-importing the same tree changes nothing
        assert not registry.import_files([tree]).changed


def test_yaml_export_reimports_with_identical_hashes(
    db_url: str, tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "refusal.yaml"
    with Registry.create(db_url) as registry:
        registry.import_files([tree])
        assert registry.export("JD-NJDL-BY", "yaml", out) == 4
        original = registry.version("JD-NJDL-BY", 1)
        on = D(2025, 1, 1)
        snapshot_hash = registry.snapshot(on).hash
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    rows = document["versions"][0]["duties"]
    assert rows[0] == {
        "matter": "RX0101",
        "unit": "NJDL",
        "role": "not_responsible",
        "refer_to": "FGJ",
        "area": "310101002000",
    }
    assert "refer_to" not in rows[3]
    with Registry.create(f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:
        fresh.import_files([tree / "areas.yaml", tree / "units.yaml", tree / "catalogue.yaml"])
        fresh.import_files([tree / "lists" / "dept-cgj.yaml", tree / "lists" / "street-njdl.yaml"])
        fresh.import_files([out])
        again = fresh.version("JD-NJDL-BY", 1)
        assert again.content_hash == original.content_hash
        assert contents(again.duties) == contents(original.duties)
        assert fresh.snapshot(on).hash == snapshot_hash


def with_draft(text: str, old: str, new: str) -> str:
    """The list file ``text`` plus a draft version 2: version 1's rows with ``old`` → ``new``."""
    rows = text[text.index("    duties:\n") :]
    assert rows.count(old) == 1
    return text + "  - version: 2\n" + rows.replace(old, new)


def test_refer_to_is_part_of_the_content(reg: Registry, tmp_path: Path) -> None:
    reg.import_files([write(tmp_path / "v1.yaml", REFUSAL)])
    v1 = reg.version("JD-NJDL-BY", 1)
    draft = with_draft(REFUSAL, "refer_to: 区房管局", "refer_to: 五里桥街道")
    reg.import_files([write(tmp_path / "v2.yaml", draft)])
    v2 = reg.version("JD-NJDL-BY", 2)
    assert referrals(reg, 2)[("RX0101", "NJDL")] == "WLQ"
    assert v2.content_hash != v1.content_hash
    diff = reg.diff("JD-NJDL-BY", 1, 2)
    [change] = diff.changed
    assert change.fields == ["refer_to"]
    assert (change.before["refer_to"], change.after["refer_to"]) == ("FGJ", "WLQ")
    assert (diff.added, diff.removed, diff.unchanged) == ([], [], 3)


def test_diff_shows_the_changed_referral(
    cli: Cli, sqlite_url: str, tree: Path, tmp_path: Path
) -> None:
    init(sqlite_url, tree)
    table = tmp_path / "v2.csv"
    with Registry(sqlite_url) as registry:
        registry.export("JD-NJDL-BY", "csv", table)
    rows = read_csv(table)
    rows[1][HEADER.index("转交单位")] = "五里桥街道"
    write(table, csv_bytes(rows))
    result = cli("registry", "import", table, "--list", "JD-NJDL-BY", db=sqlite_url)
    assert result.exit_code == 0, result.output
    result = cli("registry", "diff", "JD-NJDL-BY", "1", "2", db=sqlite_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "JD-NJDL-BY: version 1 → 2",
        "  ~ changed: RX0101 群租: 南京东路街道办事处 not responsible → 五里桥街道办事处 @南京东路街道",
        "      refer_to: 区房屋管理局 → 五里桥街道办事处",
        "  3 rows unchanged",
    ]
    result = cli("registry", "diff", "JD-NJDL-BY", "1", "2", "--format", "json", db=sqlite_url)
    [change] = json.loads(result.stdout)["changed"]
    assert change["fields"] == ["refer_to"]
    # the draft is checked again, and published, with its referral
    result = cli(
        "registry",
        "publish",
        "JD-NJDL-BY",
        "--effective-from",
        "2026-01-01",
        "--retroactive",
        "--note",
        "补登",
        db=sqlite_url,
    )
    assert result.exit_code == 0, result.output
    with Registry(sqlite_url) as registry:
        assert referrals(registry, 2)[("RX0101", "NJDL")] == "WLQ"


# --- tables ---------------------------------------------------------------------------------------


def test_csv_export_has_the_column_and_reimports_equal(
    db_url: str, tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "refusal.csv"
    with Registry.create(db_url) as registry:
        registry.import_files([tree])
        registry.export("JD-NJDL-BY", "csv", out)
        table = read_csv(out)
        assert table[0] == HEADER and HEADER[-1] == "转交单位"
        column = HEADER.index("转交单位")
        assert [r[column] for r in table[1:]] == [
            "区房屋管理局",
            "上海燃气有限公司",
            "区城市管理行政执法局",
            "",
        ]
        registry.import_table(out, "JD-NJDL-BY")
        draft = newest(registry, "JD-NJDL-BY")
        assert draft.version == 2
        assert draft.content_hash == registry.version("JD-NJDL-BY", 1).content_hash
        assert referrals(registry, 2) == EXPECTED


def test_xlsx_export_has_the_column(reg: Registry, tree: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    reg.import_files([tree / REFUSAL_FILE])
    out = tmp_path / "refusal.xlsx"
    reg.export("JD-NJDL-BY", "xlsx", out)
    sheet = load_workbook(out).active
    assert sheet.cell(1, len(HEADER)).value == "转交单位"
    assert sheet.cell(2, len(HEADER)).value == "区房屋管理局"


def test_table_in_the_export_layout(reg: Registry, tmp_path: Path) -> None:
    table = write(
        tmp_path / "t.csv",
        csv_bytes(
            [
                HEADER,
                row(
                    matter="RX0101",
                    unit="南京东路街道、五里桥街道",
                    role="非本单位职责",
                    refer_to="区房管局",
                ),
                row(matter="SJ0501", unit="CGJ", role="主办"),
            ]
        ),
    )
    reg.import_table(table, "JD-NJDL")
    duties = newest(reg, "JD-NJDL").duties
    assert {(d.matter, d.unit, d.role, d.refer_to) for d in duties} == {
        ("RX0101", "NJDL", Role.not_responsible, "FGJ"),
        ("RX0101", "WLQ", Role.not_responsible, "FGJ"),
        ("SJ0501", "CGJ", Role.lead, None),
    }


def test_mapping_with_role_columns_refers_the_refusing_units(reg: Registry, tmp_path: Path) -> None:
    """A row naming a lead and the units that refuse: its 转交单位 goes with the refusals."""
    rows = [
        ["事项", "牵头单位", "不负责单位", "转交"],
        ["游商", "区城管执法局", "区房管局、南京东路街道", "区城管执法局"],
        ["群租", "区房管局", "", ""],
    ]
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\ncolumns:\n  matter_name: 事项\n  lead: 牵头单位\n"
        "  not_responsible: 不负责单位\n  refer_to: 转交\n",
    )
    reg.import_table(write(tmp_path / "t.csv", csv_bytes(rows)), "QZ-CGJ", mapping)
    duties = newest(reg, "QZ-CGJ").duties
    assert {(d.matter, d.unit, d.role, d.refer_to) for d in duties} == {
        ("SJ0501", "CGJ", Role.lead, None),
        ("SJ0501", "FGJ", Role.not_responsible, "CGJ"),
        ("SJ0501", "NJDL", Role.not_responsible, "CGJ"),
        ("RX0101", "FGJ", Role.lead, None),
    }


# --- bad input ------------------------------------------------------------------------------------

MESSAGE_UNKNOWN = "unknown unit '不存在的单位'; expected a unit code, name or alias"
MESSAGE_ROLE = "refer_to (the unit a matter is handed on to) is only for a not_responsible row"

BAD_YAML: dict[str, tuple[str, str, int, str, tuple[str, ...]]] = {
    # case: (old, new, line, field, expected phrases)
    "unknown unit": (
        "refer_to: 区房管局\n",
        "refer_to: 不存在的单位\n",
        13,
        "versions[0].duties[0].refer_to",
        (MESSAGE_UNKNOWN,),
    ),
    "unknown unit with a hint": (
        "refer_to: 上海燃气有限公司\n",
        "refer_to: 上海燃气公司\n",
        17,
        "versions[0].duties[1].refer_to",
        ("unknown unit '上海燃气公司'", "did you mean '上海燃气有限公司'?"),
    ),
    "on a lead row": (
        "        role: not_responsible\n        refer_to: 区房管局\n",
        "        role: lead\n        refer_to: 区房管局\n",
        13,
        "versions[0].duties[0].refer_to",
        (MESSAGE_ROLE, "this row's role is lead"),
    ),
    "on a row with the default role": (
        "        role: not_responsible\n        refer_to: 上海燃气有限公司\n",
        "        refer_to: 上海燃气有限公司\n",
        16,
        "versions[0].duties[1].refer_to",
        (MESSAGE_ROLE, "this row's role is lead"),
    ),
    "own unit by name": (
        "refer_to: 区房管局\n",
        "refer_to: 南京东路街道办事处\n",
        13,
        "versions[0].duties[0].refer_to",
        ("the row refers the matter to its own unit NJDL; expected another unit",),
    ),
    "own unit by code": (
        "refer_to: CGJ\n",
        "refer_to: LRJ\n",
        22,
        "versions[0].duties[2].refer_to",
        ("the row refers the matter to its own unit LRJ",),
    ),
    "the owner": (
        "refer_to: 区房管局\n",
        "refer_to: 权属单位\n",
        13,
        "versions[0].duties[0].refer_to",
        ("refer_to cannot be '权属单位' (a role resolved per event, not a unit)",),
    ),
    "the owner in English": (
        "refer_to: 区房管局\n",
        'refer_to: "@owner"\n',
        13,
        "versions[0].duties[0].refer_to",
        ("refer_to cannot be '@owner'",),
    ),
    "not a string": (
        "refer_to: 区房管局\n",
        "refer_to: [FGJ, CGJ]\n",
        13,
        "versions[0].duties[0].refer_to",
        ("Input should be a valid string",),
    ),
}


@pytest.mark.parametrize("case", list(BAD_YAML))
def test_bad_refer_to_in_a_file(case: str, cli: Cli, sqlite_url: str, tree: Path) -> None:
    old, new, line, field, expected = BAD_YAML[case]
    target = tree / REFUSAL_FILE
    edit(target, old, new)
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", tree)
    assert stderr.startswith("1 problem(s) found; nothing was written.\n"), stderr
    assert_located(stderr, target, line, field, *expected)
    with Registry(sqlite_url) as registry:
        assert registry.lists() == []


def test_bad_refer_to_on_both_databases(cli: Cli, db_url: str, tree: Path) -> None:
    target = tree / REFUSAL_FILE
    edit(target, "refer_to: 区房管局\n", "refer_to: 不存在的单位\n")
    edit(target, "refer_to: CGJ\n", "refer_to: 区绿化市容局\n")
    init(db_url)
    result = cli("registry", "import", tree, db=db_url)
    assert result.exit_code == 2
    assert result.stderr.startswith("2 problem(s) found; nothing was written.\n"), result.stderr
    lines = [x for x in result.stderr.splitlines() if x.startswith(str(target))]
    assert lines == [
        f"{target}, line 13, field versions[0].duties[0].refer_to: {MESSAGE_UNKNOWN}",
        f"{target}, line 22, field versions[0].duties[2].refer_to: the row refers the matter "
        "to its own unit LRJ; expected another unit",
    ]
    with Registry(db_url) as registry:
        assert registry.lists() == []
        assert registry.log() == []


def test_bad_refer_to_in_chinese(cli: Cli, sqlite_url: str, tree: Path) -> None:
    target = tree / REFUSAL_FILE
    edit(
        target,
        "        role: not_responsible\n        refer_to: 区房管局\n",
        "        role: assist\n        refer_to: 区房管局\n",
    )
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", tree, lang="zh")
    text = problem_line(stderr, target)
    assert "第 13 行" in text and "字段 versions[0].duties[0].refer_to" in text
    assert (
        "转交单位（refer_to）只能用于“不负责”（not_responsible）条目；本条目的角色为 assist" in text
    )


def test_bad_refer_to_on_a_new_version_of_a_published_list(
    cli: Cli, sqlite_url: str, tree: Path
) -> None:
    """Against what the registry holds: the file's unchanged version 1 is fine, its new version
    2 is refused, and the registry keeps version 1 only."""
    init(sqlite_url, tree)
    target = tree / REFUSAL_FILE
    text = target.read_text(encoding="utf-8")
    target.write_text(with_draft(text, "refer_to: 区房管局", "refer_to: NJDL"), encoding="utf-8")
    stderr = failing(cli, sqlite_url, "registry", "import", target)
    assert_located(
        stderr,
        target,
        text.count("\n") + 5,
        "versions[1].duties[0].refer_to",
        "the row refers the matter to its own unit NJDL",
    )
    with Registry(sqlite_url) as registry:
        [summary] = [s for s in registry.lists() if s.info.id == "JD-NJDL-BY"]
        assert [v.version for v in summary.versions] == [1]


BAD_CSV: dict[str, tuple[list[list[str]], list[str]]] = {
    "unknown unit": (
        [row(matter="RX0101", unit="NJDL", role="不负责", refer_to="不存在的单位")],
        ["{t}, row 2, field 转交单位 (refer_to): " + MESSAGE_UNKNOWN],
    ),
    "on a lead row": (
        [
            row(matter="RX0101", unit="NJDL", role="不负责", refer_to="FGJ"),
            row(matter="SJ0501", unit="CGJ", role="主办", refer_to="区房管局"),
        ],
        ["{t}, row 3, field 转交单位 (refer_to): " + MESSAGE_ROLE + "; this row's role is lead"],
    ),
    "own unit, one of several in the cell": (
        [row(matter="RX0101", unit="NJDL、WLQ", role="不负责", refer_to="五里桥街道")],
        [
            "{t}, row 2, field 转交单位 (refer_to): the row refers the matter to its own unit "
            "WLQ; expected another unit"
        ],
    ),
    "the owner": (
        [row(matter="BJ0101", unit="CGJ", role="不负责", refer_to="权属单位")],
        [
            "{t}, row 2, field 转交单位 (refer_to): refer_to cannot be '权属单位' (a role resolved "
            "per event, not a unit); expected a unit code, name or alias"
        ],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_refer_to_in_a_table(
    case: str,
    cli: Cli,
    reg: Registry,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    rows, expected = BAD_CSV[case]
    table = write(tmp_path / "t.csv", csv_bytes([HEADER, *rows]))
    problems = import_refused(cli, sqlite_url, table, "--list", "JD-NJDL")
    assert problems == [line.format(t=table) for line in expected]
    assert [v.version for v in next(s for s in reg.lists() if s.info.id == "JD-NJDL").versions] == [
        1
    ]


def test_mapping_names_the_refer_to_column_in_problems(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    rows = [["事项", "不负责单位", "转交"], ["群租", "南京东路街道", "区房管"]]
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\ncolumns:\n  matter_name: 事项\n  not_responsible: 不负责单位\n"
        "  refer_to: 转交\n",
    )
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    problems = import_refused(cli, sqlite_url, table, "--list", "JD-NJDL", "--mapping", mapping)
    assert problems == [
        f"{table}, row 2, field 转交 (refer_to): unknown unit '区房管'; expected a unit code, "
        "name or alias (did you mean '区房屋管理局'?)"
    ]


def test_every_problem_is_reported_at_once(reg: Registry, tmp_path: Path) -> None:
    table = write(
        tmp_path / "t.csv",
        csv_bytes(
            [
                HEADER,
                row(matter="RX0101", unit="NJDL", role="主办", refer_to="FGJ"),
                row(matter="RX0101", unit="WLQ", role="不负责", refer_to="WLQ"),
                row(matter="SJ0501", unit="CGJ", role="不负责", refer_to="火星局"),
            ]
        ),
    )
    with pytest.raises(InputError) as err:
        reg.import_table(table, "JD-NJDL")
    assert [(p.key, p.row, p.field) for p in err.value.problems] == [
        ("duty.refer_to_role", 2, "转交单位 (refer_to)"),
        ("duty.refer_to_self", 3, "转交单位 (refer_to)"),
        ("ref.unknown_unit", 4, "转交单位 (refer_to)"),
    ]
