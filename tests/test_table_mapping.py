"""Real 处置责任分解表 loaded as they are: every problem of a table at once (and written to a
file to fix it in Excel), merged cells, and the richer mapping — columns by header pattern or
position, multi-row headers, fill-down, per-column separators with protected words, rewrites,
skipped rows, several sheets."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from remit import InputError, Registry
from remit.registry.entities import Role
from tests.factories import (
    MINI,
    SPACED_CATALOGUE,
    Cli,
    csv_bytes,
    exits,
    import_refused,
    init,
    ok,
    write,
)

pytestmark = pytest.mark.usefixtures("wide_messages")

HEADER = ["序号", "事项名称", "立案条件", "主办单位", "协办单位", "处置时限", "备注"]

MAPPING = """\
file: mapping
columns:
  matter_name: 事项名称
  lead: 主办单位
  assist: 协办单位
  time_limit: 处置时限
  note: 备注
"""


def duties_of(registry: Registry, list_id: str = "QZ-CGJ") -> set[tuple[str, str, Role, str]]:
    newest = registry.lists()
    summary = next(s for s in newest if s.info.id == list_id)
    version = registry.version(list_id, summary.versions[-1].version)
    return {(d.matter, d.unit, d.role, str(d.time_limit or "")) for d in version.duties}


def read_problems(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens Chinese as it is
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


# --- all problems at once -----------------------------------------------------------------------


def test_every_class_of_problem_in_one_pass_and_written_to_a_file(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        # a cell that cannot be read and a unit that does not resolve, on one row: both
        ["1", "无照经营游商", "", "区城管执法", "", "两小时", ""],
        ["2", "燃气井盖", "", "上海燃气", "", "2工作日", ""],
        ["3", "群租", "", "区房管局", "", "3周", ""],
        ["4", "无此事项", "", "区城管执法局", "", "", ""],
        ["", "合计", "", "", "", "", ""],
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows, "gb18030"))
    mapping = write(tmp_path / "m.yaml", MAPPING + "skip_rows: ['^合计$']\n")
    out = tmp_path / "problems.csv"
    problems = import_refused(
        cli, sqlite_url, table, "--mapping", mapping, "--list", "QZ-CGJ", "--problems", out
    )
    assert [line.split(": ")[0] for line in problems] == [
        f"{table}, row 2, field 处置时限 (time_limit)",
        f"{table}, row 2, field 主办单位 (unit)",
        f"{table}, row 4, field 处置时限 (time_limit)",
        f"{table}, row 5, field 事项名称 (matter)",
    ]
    result = cli(
        "registry", "import", table, "--mapping", mapping, "--list", "QZ-CGJ", db=sqlite_url
    )
    assert (
        "rows read: 4; imported: 0 (nothing, while a problem remains); refused: 3; "
        "without problems: 1; skipped: 1"
    ) in result.stderr
    written = read_problems(out)
    assert written[0] == ["row", "column", "field", "value", "problem", "fix"]
    assert [r[:4] for r in written[1:]] == [
        ["2", "处置时限", "time_limit", "两小时"],
        ["2", "主办单位", "unit", "区城管执法"],
        ["4", "处置时限", "time_limit", "3周"],
        ["5", "事项名称", "matter", "无此事项"],
    ]
    assert "unknown unit '区城管执法'" in written[2][4]
    assert all(r[5] for r in written[1:])  # each says how to fix it


def test_problems_file_in_chinese_as_xlsx_and_formulas_quoted(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    rows = [HEADER, ["1", "无照经营游商", "", "=HYPERLINK(1)", "", "", ""]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = write(tmp_path / "m.yaml", MAPPING)
    out_csv, out_xlsx = tmp_path / "p.csv", tmp_path / "p.xlsx"
    for out in (out_csv, out_xlsx):
        result = cli(
            "registry",
            *("import", table, "--mapping", mapping, "--list", "QZ-CGJ", "--problems", out),
            db=sqlite_url,
            lang="zh",
        )
        exits(result, 2)
        assert f"全部问题已写入 {out}" in result.stderr
        assert (
            "读入 1 行；导入 0 行（仍有问题，一行也不导入）；拒绝 1 行；无问题 0 行；跳过 0 行"
            in result.stderr
        )
    written = read_problems(out_csv)
    assert written[0] == ["行", "列", "字段", "值", "问题", "修改方法"]
    assert written[1][3] == "'=HYPERLINK(1)"  # a spreadsheet does not run it
    sheet = load_workbook(out_xlsx).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == ["行", "列", "字段", "值", "问题", "修改方法"]
    assert values[1][:4] == ["2", "主办单位", "unit", "=HYPERLINK(1)"]
    assert "未知" in str(values[1][4])


def test_a_table_that_imports_writes_an_empty_problems_file_and_counts_rows(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    rows = [HEADER, ["1", "无照经营游商", "", "区城管执法局", "区房管局", "2小时", ""]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    out = tmp_path / "p.csv"
    result = exits(
        cli(
            "registry",
            *("import", table, "--mapping", write(tmp_path / "m.yaml", MAPPING)),
            *("--list", "QZ-CGJ", "--problems", out),
            db=sqlite_url,
        ),
        0,
    )
    assert "rows read: 1; imported: 1; refused: 0; skipped: 0" in result.stdout
    assert read_problems(out) == [["row", "column", "field", "value", "problem", "fix"]]


def test_more_than_fifty_problems_points_to_the_file(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    rows = [HEADER, *[[str(i), "无照经营游商", "", f"单位{i}", "", "", ""] for i in range(60)]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = write(tmp_path / "m.yaml", MAPPING)
    result = exits(
        cli("registry", "import", table, "--mapping", mapping, "--list", "QZ-CGJ", db=sqlite_url),
        2,
    )
    assert "… and 10 more" in result.stderr
    assert "--problems problems.csv" in result.stderr


# --- merged cells -------------------------------------------------------------------------------


def merged_workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "部件"
    sheet.append(HEADER)
    sheet.append([1, "无照经营游商", "道路", "区城管执法局", "南京东路街道", "2小时", None])
    sheet.append([2, None, "人行道", None, None, "4小时", None])
    sheet.append([3, None, "其他", None, None, "1工作日", None])
    sheet.append([4, "燃气井盖", "缺失", "上海燃气", None, "2工作日", None])
    for cells in ("B2:B4", "D2:D4", "E2:E3"):
        sheet.merge_cells(cells)
    book.save(path)
    return path


def test_merged_cells_fill_every_column_of_their_range(db_url: str, tmp_path: Path) -> None:
    registry = Registry.create(db_url)
    from tests.factories import MINI

    registry.import_files([MINI], by="fixture")
    table = merged_workbook(tmp_path / "t.xlsx")
    result = registry.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", MAPPING))
    assert result.table is not None
    assert (result.table.read, result.table.imported, result.table.refused) == (4, 4, 0)
    assert duties_of(registry) == {
        ("SJ0501", "CGJ", Role.lead, "2小时"),
        ("SJ0501", "NJDL", Role.assist, "2小时"),
        ("SJ0501", "CGJ", Role.lead, "4小时"),
        ("SJ0501", "NJDL", Role.assist, "4小时"),
        ("SJ0501", "CGJ", Role.lead, "1工作日"),  # E2:E3 ends above: no 协办
        ("BJ0101", "GAS", Role.lead, "2工作日"),
    }
    registry.close()


def test_fill_down_for_a_gb18030_csv_export_of_merged_cells(reg: Registry, tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["1", "无照经营游商", "", "区城管执法局", "南京东路街道", "2小时", ""],
        ["2", "", "", "", "", "4小时", ""],
        ["3", "燃气井盖", "", "上海燃气", "", "2工作日", ""],
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows, "gb18030"))
    mapping = MAPPING.replace("lead: 主办单位", "lead: {header: 主办单位, fill_down: true}")
    reg.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", mapping))
    assert duties_of(reg) == {
        ("SJ0501", "CGJ", Role.lead, "2小时"),
        ("SJ0501", "NJDL", Role.assist, "2小时"),
        ("SJ0501", "CGJ", Role.lead, "4小时"),  # 协办 not filled down: not asked
        ("BJ0101", "GAS", Role.lead, "2工作日"),
    }


# --- the richer mapping -------------------------------------------------------------------------


def test_separators_per_column_keep_known_names_whole(reg: Registry, tmp_path: Path) -> None:
    rows = [
        HEADER,
        # 和 separates, but 区绿化和市容管理局 (a known name) holds 和 and stays whole
        ["1", "无照经营游商", "", "区城管执法局", "区绿化和市容管理局和区房管局", "", ""],
        ["2", "燃气井盖", "", "上海燃气", "区房管局及南京东路街道\n五里桥街道", "", ""],
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = MAPPING.replace(
        "assist: 协办单位", "assist: {header: ^协办, separators: [和, 及, 、]}"
    )
    reg.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", mapping))
    assert {(m, u, r) for m, u, r, _ in duties_of(reg)} == {
        ("SJ0501", "CGJ", Role.lead),
        ("SJ0501", "LRJ", Role.assist),
        ("SJ0501", "FGJ", Role.assist),
        ("BJ0101", "GAS", Role.lead),
        ("BJ0101", "FGJ", Role.assist),
        ("BJ0101", "NJDL", Role.assist),
        ("BJ0101", "WLQ", Role.assist),
    }


def test_protected_words_and_known_names_off(reg: Registry, tmp_path: Path) -> None:
    rows = [HEADER, ["1", "无照经营游商", "", "区绿化和市容管理局", "", "", ""]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    cut = MAPPING.replace("lead: 主办单位", "lead: {header: 主办单位, separators: [和]}")
    cut += "protect_known_names: false\n"
    with pytest.raises(InputError) as err:
        reg.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", cut))
    assert {p.params["name"] for p in err.value.problems} == {"区绿化", "市容管理局"}
    kept = cut + "protected: [区绿化和市容管理局]\n"
    reg.import_table(table, "QZ-CGJ", write(tmp_path / "m2.yaml", kept))
    assert {u for _, u, _, _ in duties_of(reg)} == {"LRJ"}


def test_rewrites_defaults_position_header_pattern_and_two_header_rows(
    reg: Registry, tmp_path: Path
) -> None:
    rows = [
        ["序号", "事项", "责任单位", "责任单位", "处置时限（工作日）"],
        ["", "名称", "主办", "协办", ""],
        ["1", "无照经营游商", "所属街办", "区城管执法局", "2"],
        ["2", "燃气井盖", "上海燃气", "", ""],
        ["说明：本表自2027年起施行", "", "", "", ""],
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = write(
        tmp_path / "m.yaml",
        """\
file: mapping
header_rows: 2
skip_rows: ['^说明']
columns:
  matter_name: 事项/名称
  lead:
    header: ^责任单位/主办$
    rewrite: {'^所属街办$': 南京东路街道}
  assist: {header: 协办$}
  time_limit:
    column: 5
    rewrite: {'^(\\d+)$': '\\1工作日'}
    default: 15天
""",
    )
    result = reg.import_table(table, "QZ-CGJ", mapping)
    assert result.table is not None and result.table.skipped == 1
    assert duties_of(reg) == {
        ("SJ0501", "NJDL", Role.lead, "2工作日"),
        ("SJ0501", "CGJ", Role.assist, "2工作日"),
        ("BJ0101", "GAS", Role.lead, "15天"),
    }


def test_a_placeholder_rewritten_to_a_role_reference_imports_with_its_area(
    reg: Registry, tmp_path: Path
) -> None:
    rows = [HEADER, ["1", "无照经营游商", "", "各街道办事处", "", "", ""]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = MAPPING.replace(
        "lead: 主办单位", "lead: {header: 主办单位, rewrite: {'^各街道办事处$': '@territorial'}}"
    )
    with pytest.raises(InputError) as err:  # a role is resolved per event: it needs an area
        reg.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", mapping))
    [problem] = err.value.problems
    assert (problem.key, problem.row, problem.params["reference"]) == (
        "ref.reference_needs_area",
        2,
        "@territorial",
    )
    with_area = write(tmp_path / "m2.yaml", mapping + "defaults: {area: 黄浦区}\n")
    reg.import_table(table, "QZ-CGJ", with_area)
    assert ("SJ0501", "@territorial", Role.lead, "") in duties_of(reg)


def test_several_sheets_in_one_import_located_by_sheet(reg: Registry, tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "部件"
    first.append(HEADER)
    first.append([1, "燃气井盖", None, "上海燃气", None, "2工作日", None])
    second = book.create_sheet("事件")
    second.append(HEADER)
    second.append([1, "无照经营游商", None, "区城管执法局", None, "2小时", None])
    second.append([2, "群租", None, "区房管", None, None, None])
    path = tmp_path / "t.xlsx"
    book.save(path)
    mapping = write(tmp_path / "m.yaml", MAPPING + "sheets: [部件, 事件]\n")
    with pytest.raises(InputError) as err:
        reg.import_table(path, "QZ-CGJ", mapping)
    [problem] = err.value.problems
    assert (problem.source, problem.row) == (f"{path}!事件", 3)
    second["D3"] = "区房管局"
    book.save(path)
    result = reg.import_table(path, "QZ-CGJ", mapping)
    assert result.table is not None and result.table.read == 3
    assert {m for m, _, _, _ in duties_of(reg)} == {"BJ0101", "SJ0501", "RX0101"}


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("columns:\n  matter_name: {header: '([bad'}\n  lead: 主办单位\n", 3, "not a regular"),
        ("columns:\n  matter_name: {header: 事项, column: 2}\n  lead: 主办单位\n", 3, "one of"),
        ("skip_rows: ['(']\ncolumns:\n  matter_name: 事项名称\n  lead: 主办单位\n", 1, "skip_rows"),
    ],
)
def test_mapping_mistakes_are_located_in_the_mapping_file(
    reg: Registry, tmp_path: Path, text: str, line: int, expected: str
) -> None:
    table = write(tmp_path / "t.csv", csv_bytes([HEADER, ["1", "群租", "", "区房管局"]]))
    mapping = write(tmp_path / "m.yaml", "file: mapping\n" + text)
    with pytest.raises(InputError) as err:
        reg.import_table(table, "QZ-CGJ", mapping)
    [problem] = err.value.problems
    assert problem.source == str(mapping)
    assert expected in problem.render("en")
    assert problem.line is not None


# --- a list created from a table; its draft kept from a YAML tree imported again ------------


def test_create_a_list_from_a_table(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        ["1", "无照经营游商", "", "区城管执法局", "南京东路街道", "2小时", ""],
        ["2", "燃气井盖", "", "上海燃气", "", "2工作日", ""],
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows, "gb18030"))
    mapping = write(tmp_path / "m.yaml", MAPPING)
    args = ("registry", "import", table, "--mapping", mapping, "--list", "QZ-NEW")
    unknown = exits(cli(*args, db=sqlite_url), 2)
    assert "unknown list 'QZ-NEW'" in unknown.stderr
    assert "--create --name NAME --kind KIND" in unknown.stderr
    assert "--create needs --name" in exits(cli(*args, "--create", db=sqlite_url), 2).stderr
    new = ("--create", "--name", "区新局权责清单", "--kind", "department")
    bad_issuer = exits(cli(*args, *new, "--issuer", "区新局", db=sqlite_url), 2)
    assert "unknown unit '区新局'" in bad_issuer.stderr
    result = exits(cli(*args, *new, "--issuer", "区城管执法局", db=sqlite_url), 0)
    assert "created: QZ-NEW v1 (draft, 3 rows)" in result.stdout
    info = next(s.info for s in reg.lists() if s.info.id == "QZ-NEW")
    assert (info.name, str(info.kind), info.issuer) == ("区新局权责清单", "department", "CGJ")
    assert len(duties_of(reg, "QZ-NEW")) == 3
    again = exits(cli(*args, *new, db=sqlite_url), 2)
    assert "list 'QZ-NEW' exists already" in again.stderr
    assert (
        "describe a list created by --create"
        in exits(
            cli(
                "registry", "import", table, "--list", "QZ-CGJ", "--kind", "refusal", db=sqlite_url
            ),
            2,
        ).stderr
    )


def test_a_yaml_tree_does_not_silently_replace_a_larger_draft_from_a_table(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    tree = write(
        tmp_path / "new.yaml",
        """\
file: list
id: QZ-NEW
name: 区新局权责清单
kind: department
versions:
  - version: 1
    duties:
      - {matter: SJ0501, unit: CGJ}
""",
    )
    exits(cli("registry", "import", tree, db=sqlite_url), 0)
    rows = [
        HEADER,
        ["1", "无照经营游商", "", "区城管执法局", "南京东路街道", "2小时", ""],
        ["2", "燃气井盖", "", "上海燃气", "", "2工作日", ""],
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = write(tmp_path / "m.yaml", MAPPING)
    exits(
        cli("registry", "import", table, "--mapping", mapping, "--list", "QZ-NEW", db=sqlite_url), 0
    )
    problems = import_refused(cli, sqlite_url, tree)
    assert problems == [
        f"{tree}: QZ-NEW v1 is a draft of 3 rows made from the table {table}; this file gives it "
        "1 rows: refused, so the draft is not lost (--replace-draft replaces it)"
    ]
    assert len(duties_of(reg, "QZ-NEW")) == 3
    exits(cli("registry", "import", tree, "--replace-draft", db=sqlite_url), 0)
    assert len(duties_of(reg, "QZ-NEW")) == 1
    assert (
        "--replace-draft applies to YAML"
        in exits(
            cli("registry", "import", table, "--list", "QZ-NEW", "--replace-draft", db=sqlite_url),
            2,
        ).stderr
    )


def test_the_documented_mapping_is_valid(tmp_path: Path) -> None:
    from remit.registry.table_import import load_mapping

    text = (Path(__file__).parents[1] / "docs" / "registry.md").read_text(encoding="utf-8")
    start = text.index("```yaml\nfile: mapping")
    block = text[start + len("```yaml\n") : text.index("```", start + 8)]
    mapping = load_mapping(write(tmp_path / "m.yaml", block))
    assert list(mapping.sheets or {}) == ["部件", "事件"] and mapping.header_rows == 2
    assert mapping.columns["lead"].fill_down


def test_a_mapping_per_sheet(reg: Registry, tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "部件"
    first.append(HEADER)
    first.append([1, "燃气井盖", None, "上海燃气", None, "2工作日", None])
    second = book.create_sheet("事件")
    second.append(["事件处置责任分解表"])
    second.append(["序号", "事项名称", "牵头单位", "处置时限"])
    second.append([1, "无照经营游商", "区城管执法局", "2小时"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    mapping = MAPPING + (
        "sheets:\n  部件:\n  事件:\n    header_row: 2\n    columns: {lead: 牵头单位, assist: null, note: null}\n"
    )
    reg.import_table(path, "QZ-CGJ", write(tmp_path / "m.yaml", mapping))
    assert duties_of(reg) == {
        ("BJ0101", "GAS", Role.lead, "2工作日"),
        ("SJ0501", "CGJ", Role.lead, "2小时"),
    }


def test_a_two_row_header_of_merged_cells(reg: Registry, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "事项名称", "责任单位", None, "处置时限"])
    sheet.append([None, None, "主办", "协办", None])
    sheet.append([1, "无照经营游商", "区城管执法局", "区房管局", "2小时"])
    for cells in ("A1:A2", "B1:B2", "C1:D1", "E1:E2"):
        sheet.merge_cells(cells)
    path = tmp_path / "t.xlsx"
    book.save(path)
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\nheader_rows: 2\ncolumns:\n  matter_name: 事项名称\n"
        "  lead: 责任单位/主办\n  assist: 责任单位/协办\n  time_limit: 处置时限\n",
    )
    reg.import_table(path, "QZ-CGJ", mapping)
    assert duties_of(reg) == {
        ("SJ0501", "CGJ", Role.lead, "2小时"),
        ("SJ0501", "FGJ", Role.assist, "2小时"),
    }


def test_a_large_merged_range_is_refused_by_the_cell_bound(
    reg: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([1, "无照经营游商", None, "区城管执法局", None, None, None])
    for n in range(3, 60):
        sheet.cell(n, 1, n)
    sheet.merge_cells("B2:ZZ59")  # a few cells written, a large range to fill
    path = tmp_path / "t.xlsx"
    book.save(path)
    monkeypatch.setenv("REMIT_MAX_XLSX_CELLS", "5000")
    with pytest.raises(InputError) as err:
        reg.import_table(path, "QZ-CGJ", write(tmp_path / "m.yaml", MAPPING))
    assert [p.key for p in err.value.problems] == ["limit.xlsx_cells"]


def test_a_missing_column_is_written_to_the_problems_file_too(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    table = write(tmp_path / "t.csv", csv_bytes([["事项名称", "主办"], ["群租", "区房管局"]]))
    out = tmp_path / "p.csv"
    problems = import_refused(
        cli,
        *(sqlite_url, table, "--mapping", write(tmp_path / "m.yaml", MAPPING)),
        *("--list", "QZ-CGJ", "--problems", out),
    )
    assert "the mapping names column '主办单位' for lead" in problems[0]
    result = cli(
        "registry",
        *("import", table, "--mapping", tmp_path / "m.yaml", "--list", "QZ-CGJ"),
        *("--problems", out),
        db=sqlite_url,
    )
    assert f"every problem is written to {out}" in result.stderr
    written = read_problems(out)
    assert len(written) == 5  # 主办单位, 协办单位, 处置时限, 备注: each missing
    assert written[1][:3] == ["1", "", ""]


@pytest.mark.parametrize(
    ("joint", "roles"),
    [
        (None, [Role.lead, Role.lead]),  # as before: every unit named leads
        (
            "lead_assist",
            [Role.lead, Role.assist],
        ),  # the first named leads (牵头), the other assists
        ("all_lead", [Role.lead, Role.lead]),
    ],
)
def test_a_cell_naming_several_units_is_joint_handling_as_the_mapping_says(
    reg: Registry, tmp_path: Path, joint: str | None, roles: list[Role]
) -> None:
    rows = [HEADER, ["1", "无照经营游商", "", "区城管执法局、区房管局", "", "2小时", ""]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    lead = "lead: 主办单位" if joint is None else f"lead: {{name: 主办单位, joint: {joint}}}"
    reg.import_table(
        table, "QZ-CGJ", write(tmp_path / "m.yaml", MAPPING.replace("lead: 主办单位", lead))
    )
    newest = reg.lists()
    summary = next(s for s in newest if s.info.id == "QZ-CGJ")
    version = reg.version("QZ-CGJ", summary.versions[-1].version)
    assert [d.role for d in version.duties if d.matter == "SJ0501"] == roles


# --- code spaces: a column, a default, --space ----------------------------------------------------

SPACE_HEADER = ["类别", "小类代码", "小类名称", "主责单位"]
SPACE_ROWS = [
    ["部件", "0101", "上水井盖", "CGJ"],
    ["事件", "0101", "私搭乱建", "CGJ"],
    ["component", "0102", "施工公示牌", "CGJ"],
    ["事件", "0102", "施工公示牌", "CGJ"],
]
BY_CODE = "file: mapping\ncolumns: {space: 类别, matter: 小类代码, lead: 主责单位}\n"
BY_NAME = "file: mapping\ncolumns: {space: 类别, matter_name: 小类名称, lead: 主责单位}\n"
SPACED_KEYS = {"component.0101", "event.0101", "component.0102", "event.0102"}


@pytest.fixture
def spaced(reg: Registry, tmp_path: Path) -> Registry:
    """The mini tree with the catalogue whose codes and names repeat across spaces."""
    reg.import_files([write(tmp_path / "cat.yaml", SPACED_CATALOGUE)])
    return reg


def matters_of(registry: Registry) -> set[str]:
    return {m for m, _, _, _ in duties_of(registry)}


@pytest.mark.parametrize("mapping", [BY_CODE, BY_NAME], ids=["code", "name"])
def test_a_space_column_reads_each_row_in_its_space(
    spaced: Registry, tmp_path: Path, mapping: str
) -> None:
    # 0101 and 施工公示牌 are a component and an event: the 类别 of the row says which
    table = write(tmp_path / "t.csv", csv_bytes([SPACE_HEADER, *SPACE_ROWS], "gb18030"))
    result = spaced.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", mapping))
    assert result.table is not None and result.table.imported == 4
    assert matters_of(spaced) == SPACED_KEYS


def test_case_standards_are_numbered_per_matter_in_its_space(
    spaced: Registry, tmp_path: Path
) -> None:
    # 0101 as a component and as an event: two matters, each with its standards 1, 2
    rows = [
        [*SPACE_HEADER, "立案条件"],
        ["部件", "0101", "上水井盖", "CGJ", "缺失的"],
        ["事件", "0101", "私搭乱建", "CGJ", "正在搭建的"],
        ["部件", "0101", "上水井盖", "CGJ", "破损的"],
        ["事件", "0101", "私搭乱建", "CGJ", "已建成的"],
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = BY_CODE.replace("lead: 主责单位}", "lead: 主责单位, filing: 立案条件}")
    spaced.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", mapping))
    summary = next(s for s in spaced.lists() if s.info.id == "QZ-CGJ")
    version = spaced.version("QZ-CGJ", summary.versions[-1].version)
    got = [(d.matter, d.standard.code, d.standard.filing) for d in version.duties if d.standard]
    assert got == [
        ("component.0101", "1", "缺失的"),
        ("event.0101", "1", "正在搭建的"),
        ("component.0101", "2", "破损的"),
        ("event.0101", "2", "已建成的"),
    ]


def test_without_a_space_the_shared_codes_are_refused(spaced: Registry, tmp_path: Path) -> None:
    table = write(tmp_path / "t.csv", csv_bytes([SPACE_HEADER, *SPACE_ROWS]))
    mapping = write(tmp_path / "m.yaml", BY_CODE.replace("space: 类别, ", ""))
    with pytest.raises(InputError, match="several code spaces"):
        spaced.import_table(table, "QZ-CGJ", mapping)


def test_a_space_column_takes_rewrites_and_an_unknown_word_is_located(
    spaced: Registry, tmp_path: Path
) -> None:
    rows = [SPACE_HEADER, ["设施", "0101", "", "CGJ"], ["问题", "0101", "", "CGJ"]]
    rows += [["道路", "0102", "", "CGJ"]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = (
        "file: mapping\ncolumns:\n  matter: 小类代码\n  lead: 主责单位\n"
        "  space: {name: 类别, rewrite: {'^设施$': 部件, '^问题$': 事件}}\n"
    )
    with pytest.raises(InputError) as err:
        spaced.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", mapping))
    [problem] = err.value.problems
    assert (problem.row, problem.field) == (4, "类别 (space)")
    text = problem.render("en")
    assert "unknown code space '道路'; expected one of component, 部件, event, 事件" in text
    assert "row 4" in text
    zh = problem.render("zh")
    assert "未知的编码空间 '道路'" in zh and "部件" in zh
    rows[3][0] = "event"
    write(table, csv_bytes(rows))
    mapping_path = write(tmp_path / "m.yaml", mapping)
    spaced.import_table(table, "QZ-CGJ", mapping_path)
    assert matters_of(spaced) == {"component.0101", "event.0101", "event.0102"}


def test_a_cell_qualified_by_another_space_is_a_problem(spaced: Registry, tmp_path: Path) -> None:
    rows = [SPACE_HEADER, ["部件", "事件:0101", "", "CGJ"], ["事件", "事件:0102", "", "CGJ"]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    with pytest.raises(InputError) as err:
        spaced.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", BY_CODE))
    [problem] = err.value.problems
    assert (problem.key, problem.row, problem.field) == (
        "ref.space_mismatch",
        2,
        "小类代码 (matter)",
    )


def test_a_default_space_for_the_mapping_and_per_sheet(spaced: Registry, tmp_path: Path) -> None:
    # the sheets of a 处置责任分解表 number their matters alike: 0101 on each
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "部件"
    first.append(SPACE_HEADER[1:])
    first.append(["0101", "上水井盖", "CGJ"])
    first.append(["0102", "施工公示牌", "CGJ"])
    second = book.create_sheet("事件")
    second.append(SPACE_HEADER[1:])
    second.append(["0101", "私搭乱建", "CGJ"])
    second.append(["0102", "施工公示牌", "CGJ"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    mapping = (
        "file: mapping\ndefaults: {space: 部件}\ncolumns: {matter: 小类代码, lead: 主责单位}\n"
        "sheets:\n  部件:\n  事件: {defaults: {space: event}}\n"
    )
    spaced.import_table(path, "QZ-CGJ", write(tmp_path / "m.yaml", mapping))
    assert matters_of(spaced) == SPACED_KEYS
    bad = mapping.replace("{space: event}", "{space: road}")
    with pytest.raises(InputError) as err:
        spaced.import_table(path, "QZ-CGJ", write(tmp_path / "bad.yaml", bad))
    [problem] = err.value.problems
    assert (problem.field, problem.params["space"]) == ("sheets.事件.defaults.space", "road")


def test_a_default_space_given_to_the_import(spaced: Registry, tmp_path: Path) -> None:
    rows = [SPACE_HEADER, ["", "0101", "", "CGJ"], ["部件", "0102", "", "CGJ"]]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    # a blank 类别 cell: the space the import is given; a cell that names one: that one
    spaced.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", BY_CODE), space="事件")
    assert matters_of(spaced) == {"event.0101", "component.0102"}
    with pytest.raises(InputError, match="unknown code space 'road'; expected one of"):
        spaced.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", BY_CODE), space="road")
    # the export layout (no mapping): its keys (event.0101) and codes read in the space given
    exported = [["事项编码", "责任单位"], ["event.0101", "CGJ"], ["0102", "CGJ"]]
    spaced.import_table(write(tmp_path / "e.csv", csv_bytes(exported)), "QZ-CGJ", space="event")
    assert matters_of(spaced) == {"event.0101", "event.0102"}


def test_registry_import_table_space_on_the_command_line(
    cli: Cli, sqlite_url: str, tmp_path: Path
) -> None:
    init(sqlite_url, MINI, write(tmp_path / "cat.yaml", SPACED_CATALOGUE))
    table = write(tmp_path / "t.csv", csv_bytes([SPACE_HEADER[1:], ["0101", "私搭乱建", "CGJ"]]))
    mapping = write(
        tmp_path / "m.yaml", "file: mapping\ncolumns: {matter: 小类代码, lead: 主责单位}\n"
    )
    args = ("registry", "import", table, "--mapping", mapping, "--list", "QZ-CGJ")
    refused = exits(cli(*args, db=sqlite_url), 2)
    assert "several code spaces" in refused.stderr and "event:0101 私搭乱建" in refused.stderr
    wrong = exits(cli(*args, "--space", "road", db=sqlite_url), 2)
    assert "unknown code space 'road'; expected one of component, 部件, event, 事件" in wrong.stderr
    zh = exits(cli(*args, "--space", "道路", db=sqlite_url, lang="zh"), 2)
    assert "未知的编码空间 '道路'" in zh.stderr and "热线" in zh.stderr
    assert "rows read: 1; imported: 1" in ok(cli(*args, "--space", "事件", db=sqlite_url))
    with Registry(sqlite_url) as registry:
        assert matters_of(registry) == {"event.0101"}
    yaml_file = write(tmp_path / "list.yaml", "file: list\n")
    assert (
        "--space"
        in exits(cli("registry", "import", yaml_file, "--space", "部件", db=sqlite_url), 2).stderr
    )
