"""Tables (CSV in UTF-8, UTF-8 with BOM, GB18030/GBK; XLSX) imported as the draft of a list,
through ``Registry.import_table`` and ``remit registry import TABLE --list ID [--mapping M]``.

Bad tables are refused with exit code 2, a message naming the file, the row, the column and what
was expected, and a registry left byte-for-byte as it was."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from remit import Duty, InputError, Registry
from remit.legal import LegalBasisKind
from remit.registry.entities import Role, VersionStatus
from remit.registry.table_import import EXPORT_COLUMNS
from remit.timelimit import TimeUnit
from tests.factories import Cli, csv_bytes, import_refused, newest, row, write

pytestmark = pytest.mark.usefixtures("wide_messages")

D = dt.date
HEADER = list(EXPORT_COLUMNS.values())[
    :-3
]  # no case standards: 立案标准, 立案条件, 结案条件 left out
"""事项编码, 事项名称, 责任单位, 角色, 区域, 条件, 时限, 法律依据, 优先级, 复核日期, 备注, 转交单位"""


# --- helpers ---------------------------------------------------------------------------------


def by_unit(duties: tuple[Duty, ...]) -> dict[tuple[str, str], Duty]:
    """Duties keyed by (matter, unit); the tables below never repeat a pair."""
    out = {(d.matter, d.unit): d for d in duties}
    assert len(out) == len(duties)
    return out


def roles(duties: tuple[Duty, ...]) -> set[tuple[str, str, Role]]:
    return {(d.matter, d.unit, d.role) for d in duties}


# --- import, publish, in force ------------------------------------------------------------------

SAMPLE_ROWS = [
    HEADER,
    row(
        matter="SJ0501",
        unit="区城管执法局、区绿化市容局",
        role="主办",
        condition="地点类型=道路 且 严重程度≥3",
        time_limit="2小时",
        legal_basis="《上海市城市管理综合行政执法条例》第二十条；《X办法》",
    ),
    row(matter_name="游商", unit="区房管局", role="协办", condition="location_type = road|park"),
    row(
        matter="BJ0101",
        unit="上海燃气",
        role="监管",
        time_limit="2工作日",
        note="汛期加密巡查；每日一报",
    ),
    row(matter="RX0101", unit="南京东路街道", role="不负责", time_limit="15天"),
]


def check_sample(duties: tuple[Duty, ...]) -> None:
    """The duties SAMPLE_ROWS must give, whatever the encoding or the database."""
    assert roles(duties) == {
        ("SJ0501", "CGJ", Role.lead),
        ("SJ0501", "LRJ", Role.lead),
        ("SJ0501", "FGJ", Role.assist),
        ("BJ0101", "GAS", Role.supervise),
        ("RX0101", "NJDL", Role.not_responsible),
    }
    duty = by_unit(duties)
    cgj, lrj = duty["SJ0501", "CGJ"], duty["SJ0501", "LRJ"]
    assert cgj.conditions == {"location_type": {"in": ["road"]}, "severity": {"range": [3, 4]}}
    assert lrj.conditions == cgj.conditions and lrj.legal_basis == cgj.legal_basis
    assert [(b.title, b.article) for b in cgj.legal_basis] == [
        ("上海市城市管理综合行政执法条例", "第二十条"),
        ("X办法", None),
    ]
    assert [b.kind for b in cgj.legal_basis] == [
        LegalBasisKind.regulation,
        LegalBasisKind.government_rule,  # 办法, not 法
    ]
    assert duty["SJ0501", "FGJ"].conditions == {"location_type": {"in": ["road", "park"]}}
    assert duty["BJ0101", "GAS"].note == "汛期加密巡查；每日一报"
    assert duty["RX0101", "NJDL"].area == "310101002000"
    assert cgj.area == "310101000000"


def test_table_is_the_next_draft_and_is_in_force_once_published(
    mini_registry: Registry, tmp_path: Path
) -> None:
    table = write(tmp_path / "cgj.csv", csv_bytes(SAMPLE_ROWS, "utf-8-sig"))
    result = mini_registry.import_table(table, "QZ-CGJ", by="王科员", note="2026年版")

    [change] = result.plan.changes
    assert (change.action, change.list_id, change.version.version) == ("create", "QZ-CGJ", 3)
    draft = mini_registry.version("QZ-CGJ", 3)
    assert draft.status is VersionStatus.draft and draft.effective_from is None
    assert (draft.author, draft.note, draft.row_count) == ("王科员", "2026年版", 5)
    assert draft.parent_hash == mini_registry.version("QZ-CGJ", 2).content_hash
    check_sample(draft.duties)
    # a draft is never in force
    assert mini_registry.version("QZ-CGJ", as_of=D(2030, 1, 1)).version == 2

    published = mini_registry.publish(
        "QZ-CGJ", D(2026, 1, 1), by="李科长", retroactive=True, note="补登"
    )
    assert (published.version, published.status) == (3, VersionStatus.published)
    assert mini_registry.version("QZ-CGJ", as_of=D(2025, 12, 31)).version == 2
    assert mini_registry.version("QZ-CGJ", as_of=D(2026, 1, 1)).version == 3
    before, after = mini_registry.snapshot(D(2025, 12, 31)), mini_registry.snapshot(D(2026, 1, 1))
    assert ("QZ-CGJ", 2) in {(e.info.id, e.version.version) for e in before.lists}
    assert ("QZ-CGJ", 3) in {(e.info.id, e.version.version) for e in after.lists}
    in_force = tuple(e.duty for e in after.duties if e.list_id == "QZ-CGJ")
    check_sample(in_force)
    assert [e.action for e in mini_registry.log("QZ-CGJ")][-2:] == ["import_create", "publish"]


def test_cli_imports_a_table_and_publishes_it(
    cli: Cli, mini_registry: Registry, db_url: str, tmp_path: Path
) -> None:
    table = write(tmp_path / "cgj.csv", csv_bytes(SAMPLE_ROWS, "gb18030"))
    result = cli("registry", "import", table, "--list", "QZ-CGJ", "--note", "表格导入", db=db_url)
    assert result.exit_code == 0, result.output
    assert "created: QZ-CGJ v3 (draft, 5 rows)" in result.output

    result = cli(
        "registry",
        "publish",
        "QZ-CGJ",
        "--effective-from",
        "2026-01-01",
        "--retroactive",
        "--note",
        "表格导入",
        db=db_url,
    )
    assert result.exit_code == 0, result.output
    assert "Published QZ-CGJ version 3, in force from 2026-01-01." in result.output
    version = mini_registry.version("QZ-CGJ", as_of=D(2026, 1, 1))
    assert (version.version, version.author, version.note) == (3, "tester", "表格导入")
    check_sample(version.duties)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings(reg: Registry, tmp_path: Path, encoding: str) -> None:
    data = csv_bytes(SAMPLE_ROWS, encoding)
    if encoding.startswith("utf-8"):
        assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    else:  # the bytes really are GB: they are not UTF-8
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    reg.import_table(write(tmp_path / "t.csv", data), "QZ-CGJ")
    check_sample(newest(reg, "QZ-CGJ").duties)


def test_mapping_forces_an_encoding(reg: Registry, tmp_path: Path) -> None:
    rows = [["事项", "主办单位"], ["游商", "区城管执法局"]]
    table = write(tmp_path / "t.csv", csv_bytes(rows, "gbk"))
    gbk = write(
        tmp_path / "gbk.yaml",
        "file: mapping\nencoding: gbk\ncolumns: {matter_name: 事项, lead: 主办单位}\n",
    )
    reg.import_table(table, "QZ-CGJ", gbk)
    assert roles(newest(reg, "QZ-CGJ").duties) == {("SJ0501", "CGJ", Role.lead)}

    utf8 = write(tmp_path / "utf8.yaml", gbk.read_text(encoding="utf-8").replace("gbk", "utf-8"))
    with pytest.raises(InputError) as err:
        reg.import_table(table, "QZ-CGJ", utf8)
    assert err.value.render("en") == (
        f"{table}: cannot decode the file as utf-8; expected UTF-8 (with or without BOM) or GB18030/GBK"
    )


def test_importing_a_table_again_replaces_the_draft(
    mini_registry: Registry, tmp_path: Path
) -> None:
    first = write(tmp_path / "a.csv", csv_bytes([HEADER, row(matter="SJ0501", unit="CGJ")]))
    second = write(
        tmp_path / "b.csv",
        csv_bytes([HEADER, row(matter="SJ0501", unit="LRJ"), row(matter="BJ0101", unit="GAS")]),
    )
    mini_registry.import_table(first, "QZ-CGJ")
    created = mini_registry.version("QZ-CGJ", 3)
    result = mini_registry.import_table(second, "QZ-CGJ")

    assert [(c.action, c.version.version) for c in result.plan.changes] == [("replace", 3)]
    versions = next(s for s in mini_registry.lists() if s.info.id == "QZ-CGJ").versions
    assert [(v.version, v.status) for v in versions] == [
        (1, VersionStatus.published),
        (2, VersionStatus.published),
        (3, VersionStatus.draft),
    ]
    draft = mini_registry.version("QZ-CGJ", 3)
    assert roles(draft.duties) == {("SJ0501", "LRJ", Role.lead), ("BJ0101", "GAS", Role.lead)}
    assert draft.content_hash != created.content_hash
    assert [e.action for e in mini_registry.log("QZ-CGJ")][-2:] == [
        "import_create",
        "import_replace",
    ]
    # the same table once more changes nothing
    again = mini_registry.import_table(second, "QZ-CGJ")
    assert not again.changed and again.plan.unchanged == 1


# --- XLSX ---------------------------------------------------------------------------------------

XLSX_MAPPING = """\
file: mapping
sheet: 清单
header_row: 2
columns:
  matter_name: 事项
  lead: 主办单位
  assist: 协办单位
  time_limit: 时限
  review_by: 复核日期
  priority: 优先级
"""
XLSX_HEADER = ["序号", "事项", "主办单位", "协办单位", "时限", "复核日期", "优先级"]


def workbook(path: Path, rows: list[list[object]], merge: tuple[str, ...] = ()) -> Path:
    """A workbook whose first sheet (说明) is a decoy with the same header; the table is on
    sheet 清单 under a merged title row."""
    book = Workbook()
    decoy = book.active
    decoy.title = "说明"
    decoy.append(["填表说明：每行一个事项"])
    decoy.append(XLSX_HEADER)
    decoy.append([1, "群租", "区房管局", None, "15天", None, None])
    sheet = book.create_sheet("清单")
    sheet.append(["黄浦区城管执法局权责清单（2026年版）"])
    sheet.merge_cells("A1:G1")
    sheet.append(XLSX_HEADER)
    for values in rows:
        sheet.append(values)
    for cells in merge:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def test_xlsx_sheet_header_row_and_merged_matter_cells(
    mini_registry: Registry, tmp_path: Path
) -> None:
    table = workbook(
        tmp_path / "cgj.xlsx",
        [
            [
                1,
                "游商",
                "区城管执法局",
                "区绿化市容局、区房管局",
                "2小时",
                dt.datetime(2026, 6, 30),
                5,
            ],
            [2, None, None, "南京东路街道", None, None, None],  # B3:B4 merged: 游商
            [3, "燃气井盖", "上海燃气", None, "2工作日", None, None],
            [None, None, None, None, None, None, None],  # a blank row is skipped
            [4, None, "NJDL", None, "4紧急工作时", None, 1],  # blank: the matter above
        ],
        merge=("B3:B4",),
    )
    mapping = write(tmp_path / "mapping.yaml", XLSX_MAPPING)
    mini_registry.import_table(table, "QZ-CGJ", mapping)

    duties = mini_registry.version("QZ-CGJ", 3).duties
    assert {
        (d.matter, d.unit, d.role, str(d.time_limit or ""), d.review_by, d.priority) for d in duties
    } == {
        ("SJ0501", "CGJ", Role.lead, "2小时", D(2026, 6, 30), 5),
        ("SJ0501", "LRJ", Role.assist, "2小时", D(2026, 6, 30), 5),
        ("SJ0501", "FGJ", Role.assist, "2小时", D(2026, 6, 30), 5),
        ("SJ0501", "NJDL", Role.assist, "", None, 0),
        ("BJ0101", "GAS", Role.lead, "2工作日", None, 0),
        ("BJ0101", "NJDL", Role.lead, "4紧急工作时", None, 1),
    }


def test_xlsx_rows_are_numbered_as_the_sheet_shows_them(reg: Registry, tmp_path: Path) -> None:
    table = workbook(
        tmp_path / "t.xlsx",
        [
            [1, "游商", "区城管执法局", None, None, None, None],
            [2, None, "区城管", None, None, None, None],
        ],
    )
    with pytest.raises(InputError) as err:
        reg.import_table(table, "QZ-CGJ", write(tmp_path / "m.yaml", XLSX_MAPPING))
    assert err.value.render("en") == (
        f"{table}, row 4, field 主办单位 (unit): unknown unit '区城管'; expected a unit code, name or alias"
    )


def test_xlsx_missing_sheet(reg: Registry, tmp_path: Path) -> None:
    table = workbook(tmp_path / "t.xlsx", [[1, "游商", "CGJ", None, None, None, None]])
    mapping = write(tmp_path / "m.yaml", XLSX_MAPPING.replace("sheet: 清单", "sheet: 附表"))
    with pytest.raises(InputError) as err:
        reg.import_table(table, "QZ-CGJ", mapping)
    assert (
        err.value.render("en") == f"{table}: the workbook has no sheet '附表'; sheets: 说明, 清单"
    )


def test_xlsx_with_a_wrong_declared_range_is_read_whole(reg: Registry, tmp_path: Path) -> None:
    """Some producers declare the used range as "A1"; read-only openpyxl would believe it."""
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(row(matter="SJ0501", unit="区城管执法局", time_limit="2小时"))
    good = tmp_path / "good.xlsx"
    book.save(good)
    with zipfile.ZipFile(good) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b'<dimension ref="A1:L2"' in parts[sheet]
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:L2"', b'<dimension ref="A1"')
    table = tmp_path / "t.xlsx"
    with zipfile.ZipFile(table, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)

    reg.import_table(table, "QZ-CGJ")
    [duty] = newest(reg, "QZ-CGJ").duties
    assert (duty.matter, duty.unit, str(duty.time_limit)) == ("SJ0501", "CGJ", "2小时")


# --- mapping and layout -------------------------------------------------------------------------


def test_default_layout_needs_no_mapping_and_ignores_column_order(
    reg: Registry, tmp_path: Path
) -> None:
    header = ["序号", *reversed(HEADER)]
    values = row(matter="BJ0101", unit="GAS", role="协办", time_limit="2工作日", priority="3")
    table = write(tmp_path / "t.csv", csv_bytes([header, ["1", *reversed(values)]]))
    reg.import_table(table, "QZ-CGJ")
    [duty] = newest(reg, "QZ-CGJ").duties
    assert (duty.matter, duty.unit, duty.role, duty.priority) == ("BJ0101", "GAS", Role.assist, 3)
    assert duty.time_limit is not None and duty.time_limit.unit is TimeUnit.work_days


def test_mapping_names_columns_with_defaults(reg: Registry, tmp_path: Path) -> None:
    rows = [
        ["编号", "事项名称", "责任部门", "处置时限"],
        ["1", "共享单车乱停放", "南京东路街道", ""],
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\n"
        "columns: {matter_name: 事项名称, unit: 责任部门, time_limit: 处置时限}\n"
        "defaults: {role: 配合, time_limit: 30分钟, area: 示例一居委}\n",
    )
    reg.import_table(table, "JD-NJDL", mapping)
    [duty] = newest(reg, "JD-NJDL").duties
    assert (duty.matter, duty.unit, duty.role, duty.area) == (
        "SJ0502",
        "NJDL",
        Role.assist,
        "310101002001",
    )
    assert duty.time_limit is not None
    assert (duty.time_limit.unit, duty.time_limit.value) == (TimeUnit.minutes, 30)


@pytest.mark.parametrize("separator", ["、", "，", "；", "/", ",", ";"])
def test_a_cell_naming_several_units_makes_several_duties(
    reg: Registry, tmp_path: Path, separator: str
) -> None:
    units = separator.join(["区城管执法局", " 区绿化市容局 ", "NJDL"])
    table = write(
        tmp_path / "t.csv", csv_bytes([HEADER, row(matter="SJ0501", unit=units, role="协办")])
    )
    reg.import_table(table, "QZ-CGJ")
    assert roles(newest(reg, "QZ-CGJ").duties) == {
        ("SJ0501", "CGJ", Role.assist),
        ("SJ0501", "LRJ", Role.assist),
        ("SJ0501", "NJDL", Role.assist),
    }


def test_mixed_separators_in_one_cell(reg: Registry, tmp_path: Path) -> None:
    cell = "区城管执法局、区绿化市容局，区房管局；上海燃气/南京东路街道"
    table = write(tmp_path / "t.csv", csv_bytes([HEADER, row(matter="SJ0501", unit=cell)]))
    reg.import_table(table, "QZ-CGJ")
    assert {d.unit for d in newest(reg, "QZ-CGJ").duties} == {"CGJ", "LRJ", "FGJ", "GAS", "NJDL"}


def test_role_columns_instead_of_unit_and_role(reg: Registry, tmp_path: Path) -> None:
    rows = [
        ["事项", "牵头单位", "配合单位", "监管单位", "不负责单位"],
        ["游商", "区城管执法局", "区绿化市容局、南京东路街道", "", "区房管局"],
        ["燃气井盖", "上海燃气", "", "区城管执法局", ""],
    ]
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\ncolumns:\n  matter_name: 事项\n  lead: 牵头单位\n  assist: 配合单位\n"
        "  supervise: 监管单位\n  not_responsible: 不负责单位\n",
    )
    reg.import_table(write(tmp_path / "t.csv", csv_bytes(rows)), "QZ-CGJ", mapping)
    assert roles(newest(reg, "QZ-CGJ").duties) == {
        ("SJ0501", "CGJ", Role.lead),
        ("SJ0501", "LRJ", Role.assist),
        ("SJ0501", "NJDL", Role.assist),
        ("SJ0501", "FGJ", Role.not_responsible),
        ("BJ0101", "GAS", Role.lead),
        ("BJ0101", "CGJ", Role.supervise),
    }


def test_role_words(reg: Registry, tmp_path: Path) -> None:
    words = {
        "主办": "CGJ",
        "协办": "LRJ",
        "监管": "FGJ",
        "不负责": "NJDL",
        "牵头": "GAS",
        "配合": "WLQ",
    }
    rows = [HEADER, *(row(matter="SJ0501", unit=unit, role=word) for word, unit in words.items())]
    reg.import_table(write(tmp_path / "t.csv", csv_bytes(rows)), "QZ-CGJ")
    assert roles(newest(reg, "QZ-CGJ").duties) == {
        ("SJ0501", "CGJ", Role.lead),
        ("SJ0501", "LRJ", Role.assist),
        ("SJ0501", "FGJ", Role.supervise),
        ("SJ0501", "NJDL", Role.not_responsible),
        ("SJ0501", "GAS", Role.lead),
        ("SJ0501", "WLQ", Role.assist),
    }


def test_custom_role_values(reg: Registry, tmp_path: Path) -> None:
    rows = [
        ["事项", "单位", "分工"],
        ["游商", "CGJ", "★"],
        ["游商", "LRJ", "☆"],
        ["游商", "FGJ", "协办"],
    ]
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\ncolumns: {matter_name: 事项, unit: 单位, role: 分工}\n"
        'role_values: {"★": lead, "☆": assist}\n',
    )
    reg.import_table(write(tmp_path / "t.csv", csv_bytes(rows)), "QZ-CGJ", mapping)
    assert roles(newest(reg, "QZ-CGJ").duties) == {
        ("SJ0501", "CGJ", Role.lead),
        ("SJ0501", "LRJ", Role.assist),
        ("SJ0501", "FGJ", Role.assist),
    }


def test_names_resolve_through_aliases(reg: Registry, tmp_path: Path) -> None:
    rows = [
        HEADER,
        row(matter_name="游商", unit="区城管执法局"),
        row(matter_name="燃气井盖", unit="上海燃气"),
        row(matter_name="群租", unit="区房管局", area="南京东路街道"),
        row(matter="SJ0502", unit="五里桥街道办事处", area="310101020"),
    ]
    reg.import_table(write(tmp_path / "t.csv", csv_bytes(rows)), "QZ-CGJ")
    assert {(d.matter, d.unit, d.area) for d in newest(reg, "QZ-CGJ").duties} == {
        ("SJ0501", "CGJ", "310101000000"),
        ("BJ0101", "GAS", "310000000000"),
        ("RX0101", "FGJ", "310101002000"),
        ("SJ0502", "WLQ", "310101020000"),
    }


def test_time_limits_are_typed(reg: Registry, tmp_path: Path) -> None:
    limits = {
        "CGJ": ("2小时", TimeUnit.hours, 2),
        "LRJ": ("4紧急工作时", TimeUnit.urgent_work_hours, 4),
        "FGJ": ("2工作日", TimeUnit.work_days, 2),
        "GAS": ("15天", TimeUnit.days, 15),
        "NJDL": ("1.5 小时内", TimeUnit.hours, 1.5),
        "WLQ": ("3个月", TimeUnit.months, 3),
    }
    rows = [HEADER, *(row(matter="SJ0501", unit=u, time_limit=t[0]) for u, t in limits.items())]
    reg.import_table(write(tmp_path / "t.csv", csv_bytes(rows)), "QZ-CGJ")
    got = {
        d.unit: (d.time_limit.unit, d.time_limit.value)
        for d in newest(reg, "QZ-CGJ").duties
        if d.time_limit is not None
    }
    assert got == {unit: (u, v) for unit, (_, u, v) in limits.items()}


@pytest.mark.parametrize(
    ("matter", "text", "expected"),
    [
        (
            "SJ0501",
            "地点类型=道路 且 严重程度≥3",
            {"location_type": {"in": ["road"]}, "severity": {"range": [3, 4]}},
        ),
        ("SJ0501", "location_type = park|road", {"location_type": {"in": ["road", "park"]}}),
        (
            "SJ0501",
            "location_type = park；severity = 2..3",
            {
                "location_type": {"in": ["park"]},
                "severity": {"range": [2, 3]},
            },
        ),
        ("SJ0501", "地点类型 = 人行道、公园、道路", {}),  # the whole domain: no condition
        ("SJ0501", "severity != 4", {"severity": {"range": [1, 3]}}),
        ("SJ0502", "地点类型 in 人行道", {"location_type": {"in": ["pavement"]}}),
        ("BJ0101", "damaged = 是", {"damaged": {"eq": True}}),
        ("BJ0101", "无", {}),
    ],
)
def test_condition_text_is_normalised(
    reg: Registry, tmp_path: Path, matter: str, text: str, expected: dict[str, object]
) -> None:
    table = write(
        tmp_path / "t.csv", csv_bytes([HEADER, row(matter=matter, unit="CGJ", condition=text)])
    )
    reg.import_table(table, "QZ-CGJ")
    [duty] = newest(reg, "QZ-CGJ").duties
    assert duty.conditions == expected  # enum values in the order of the domain


def test_legal_basis_cells_are_split_and_typed(reg: Registry, tmp_path: Path) -> None:
    cell = (
        "《上海市城市管理综合行政执法条例》第二十条；《中华人民共和国行政处罚法》第十八条;"
        "《上海市市容环境卫生管理规定》\n《关于加强街面秩序管理的通知》；《街面秩序管理工作方案》"
    )
    table = write(
        tmp_path / "t.csv", csv_bytes([HEADER, row(matter="SJ0501", unit="CGJ", legal_basis=cell)])
    )
    reg.import_table(table, "QZ-CGJ")
    [duty] = newest(reg, "QZ-CGJ").duties
    assert [(b.kind, b.title, b.article) for b in duty.legal_basis] == [
        (LegalBasisKind.regulation, "上海市城市管理综合行政执法条例", "第二十条"),
        (LegalBasisKind.law, "中华人民共和国行政处罚法", "第十八条"),
        (LegalBasisKind.government_rule, "上海市市容环境卫生管理规定", None),
        (LegalBasisKind.notice, "关于加强街面秩序管理的通知", None),
        (LegalBasisKind.normative_document, "街面秩序管理工作方案", None),
    ]


def test_multi_line_cells_do_not_shift_row_numbers(reg: Registry, tmp_path: Path) -> None:
    rows = [
        HEADER,
        row(matter="SJ0501", unit="CGJ", note="第一行\n第二行\n第三行"),
        row(matter="SJ0501", unit="区城管"),
    ]
    table = write(tmp_path / "t.csv", csv_bytes(rows))
    with pytest.raises(InputError) as err:
        reg.import_table(table, "QZ-CGJ")
    [problem] = err.value.problems
    assert (problem.key, problem.row, problem.field) == ("ref.unknown_unit", 3, "责任单位 (unit)")


# --- bad tables through the CLI -----------------------------------------------------------------

BAD_CSV: dict[str, tuple[list[list[str]], list[str]]] = {
    # case: (rows after the header, the problem lines; {t} is the table's path)
    "unknown unit": (
        [row(matter="SJ0501", unit="CGJ"), row(matter="SJ0501", unit="区城管执法")],
        [
            "{t}, row 3, field 责任单位 (unit): unknown unit '区城管执法'; expected a unit code, "
            "name or alias (did you mean '区城市管理行政执法局'?)"
        ],
    ),
    "unknown matter code": (
        [row(matter="SJ9999", unit="CGJ")],
        [
            "{t}, row 2, field 事项编码 (matter): unknown matter 'SJ9999' in catalogue CAT v1; "
            "expected a matter code or name"
        ],
    ),
    "unknown matter name": (
        [row(matter_name="无照经营游商贩", unit="CGJ")],
        [
            "{t}, row 2, field 事项名称 (matter): unknown matter '无照经营游商贩' in catalogue CAT v1; "
            "expected a matter code or name (did you mean '无照经营游商'?)"
        ],
    ),
    "undeclared attribute": (
        [row(matter="SJ0501", unit="CGJ", condition="颜色=红")],
        [
            "{t}, row 2, field 条件 (when.颜色): condition on attribute '颜色', which matter SJ0501 "
            "does not declare; declared: location_type, severity"
        ],
    ),
    "enum value outside its domain": (
        [row(matter="SJ0501", unit="CGJ", condition="地点类型=河道")],
        [
            "{t}, row 2, field 条件 (when.地点类型): value '河道' of location_type is outside its "
            "domain; expected one of road, pavement, park"
        ],
    ),
    "int value outside its domain": (
        [row(matter="SJ0501", unit="CGJ", condition="severity = 9")],
        [
            "{t}, row 2, field 条件 (when.severity): value '9' of severity is outside its domain; "
            "expected a whole number from 1 to 4"
        ],
    ),
    "condition without operator": (
        [row(matter="SJ0501", unit="CGJ", condition="地点类型 道路")],
        [
            "{t}, row 2, field 条件 (when): cannot read condition '地点类型 道路': clause '地点类型 道路' "
            "has no operator; expected e.g. 'location_type = road; severity >= 3'"
        ],
    ),
    "unreadable time limit": (
        # two units, one bad cell: one problem
        [row(matter="SJ0501", unit="CGJ、LRJ", time_limit="两小时")],
        [
            "{t}, row 2, field 时限 (time_limit): cannot read time limit '两小时'; "
            "expected e.g. 2小时, 4紧急工作时, 2工作日, 15天"
        ],
    ),
    "unknown role word": (
        [row(matter="SJ0501", unit="CGJ", role="主力")],
        [
            "{t}, row 2, field 角色 (role): unknown role '主力'; expected one of assist, lead, "
            "not_responsible, supervise, 不负责, 主办, 主责, 协办, 牵头, 监督, 监管, 负责, 配合, 非本单位职责"
        ],
    ),
    "no unit": (
        [row(matter="SJ0501", role="主办")],
        ["{t}, row 2, field 责任单位 (unit): required field is missing"],
    ),
    "not a number": (
        [row(matter="SJ0501", unit="CGJ", priority="高")],
        [
            "{t}, row 2, field 优先级 (priority): Input should be a valid integer, unable to parse "
            "string as an integer (got '高')"
        ],
    ),
    "several cells that cannot be read": (
        [
            row(matter="SJ0501", unit="CGJ", time_limit="2周"),
            row(matter="BJ0101", unit="GAS", role="负责人"),
        ],
        [
            "{t}, row 2, field 时限 (time_limit): cannot read time limit '2周'; "
            "expected e.g. 2小时, 4紧急工作时, 2工作日, 15天",
            "{t}, row 3, field 角色 (role): unknown role '负责人'; expected one of assist, lead, "
            "not_responsible, supervise, 不负责, 主办, 主责, 协办, 牵头, 监督, 监管, 负责, 配合, 非本单位职责",
        ],
    ),
    "several references that do not resolve": (
        [
            row(matter="SJ0501", unit="区城管执法"),
            row(matter="BJ0101", unit="GAS", condition="damaged = 也许"),
        ],
        [
            "{t}, row 2, field 责任单位 (unit): unknown unit '区城管执法'; expected a unit code, "
            "name or alias (did you mean '区城市管理行政执法局'?)",
            "{t}, row 3, field 条件 (when.damaged): value '也许' of damaged is outside its domain; "
            "expected true or false",
        ],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_rows_are_refused(
    cli: Cli,
    reg: Registry,
    sqlite_url: str,
    tmp_path: Path,
    case: str,
) -> None:
    rows, expected = BAD_CSV[case]
    table = write(tmp_path / "t.csv", csv_bytes([HEADER, *rows]))
    problems = import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ")
    assert problems == [line.format(t=table) for line in expected]


def test_bad_rows_leave_postgres_and_sqlite_unchanged(
    mini_registry: Registry, db_url: str, tmp_path: Path
) -> None:
    before = [(s.info.id, s.versions) for s in mini_registry.lists()]
    log = mini_registry.log()
    rows, _ = BAD_CSV["several references that do not resolve"]
    table = write(tmp_path / "t.csv", csv_bytes([HEADER, row(matter="SJ0501", unit="CGJ"), *rows]))
    with pytest.raises(InputError) as err:
        mini_registry.import_table(table, "QZ-CGJ")
    assert [(p.key, p.row) for p in err.value.problems] == [
        ("ref.unknown_unit", 3),
        ("cond.out_of_domain", 4),
    ]
    assert [(s.info.id, s.versions) for s in mini_registry.lists()] == before
    assert mini_registry.log() == log


def test_missing_column_named_by_the_mapping(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    table = write(
        tmp_path / "t.csv", csv_bytes([["事项", "牵头单位", "时限"], ["游商", "CGJ", "2小时"]])
    )
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\ncolumns: {matter_name: 事项, lead: 主办单位, assist: 协办单位, time_limit: 时限}\n",
    )
    problems = import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ", "--mapping", mapping)
    assert problems == [
        f"{table}, row 1: the mapping names column '{column}' for {field}, but the header has "
        "事项, 牵头单位, 时限"
        for field, column in [("lead", "主办单位"), ("assist", "协办单位")]
    ]


def test_missing_column_of_the_default_layout(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    header = [("责任部门" if h == "责任单位" else h) for h in HEADER]
    table = write(tmp_path / "t.csv", csv_bytes([header, row(matter="SJ0501", unit="CGJ")]))
    [problem] = import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ")
    assert problem == (
        f"{table}, row 1: the table has no column 责任单位; without --mapping a table is read in "
        "the export layout (" + "、".join(EXPORT_COLUMNS.values()) + "), else give a mapping file"
    )


def test_default_layout_needs_only_its_key_columns(reg: Registry, tmp_path: Path) -> None:
    """Without a mapping, optional export columns (备注, 优先级 …) may be left out."""
    table = write(
        tmp_path / "t.csv",
        csv_bytes([["事项编码", "责任单位", "时限"], ["SJ0501", "CGJ", "2小时"]]),
    )
    reg.import_table(table, "QZ-CGJ")
    [duty] = reg.version("QZ-CGJ", 3).duties
    assert (duty.matter, duty.unit, duty.time_limit.text if duty.time_limit else None) == (
        "SJ0501",
        "CGJ",
        "2小时",
    )


def test_bad_mapping_file(cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path) -> None:
    table = write(tmp_path / "t.csv", csv_bytes([["事项", "单位"], ["游商", "CGJ"]]))
    mapping = write(
        tmp_path / "m.yaml",
        "file: mapping\nencoding: latin1\ncolumns: {matter_name: 事项, unit: 单位}\n",
    )
    [problem] = import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ", "--mapping", mapping)
    assert problem.startswith(f"{mapping}, line 2, field encoding: Input should be 'auto', 'utf-8'")

    mapping.write_text("file: mapping\ncolumns: {事项: matter_name}\n", encoding="utf-8")
    [problem] = import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ", "--mapping", mapping)
    assert f"{mapping}, line 1: " in problem and "unknown column field(s) ['事项']" in problem


UTF16 = b"\xff\xfe" + "事项编码,责任单位\r\nSJ0501,CGJ\r\n".encode("utf-16-le")
GB_BROKEN = "事项编码,责任单位\r\n".encode("gb18030") + b"SJ0501,\x81\x20CGJ\r\n"
GB_TRUNCATED = "事项编码,责任单位\r\nSJ0501,".encode("gb18030") + b"\x81\x30\x81"


@pytest.mark.parametrize(
    "data",
    [UTF16, GB_BROKEN, GB_TRUNCATED, b"\x80,\xff\r\n"],
    ids=["utf16", "gb-bad-trail", "gb-truncated", "stray-bytes"],
)
def test_bytes_that_are_neither_utf8_nor_gb18030(
    cli: Cli,
    reg: Registry,
    sqlite_url: str,
    tmp_path: Path,
    data: bytes,
) -> None:
    for codec in ("utf-8-sig", "gb18030", "gbk"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(codec)
    table = write(tmp_path / "t.csv", data)
    expected = (
        "this file looks UTF-16LE encoded; save it as UTF-8 or GB18030 (in Excel "
        '"CSV UTF-8", in an editor "UTF-8") and try again'
        if data is UTF16
        else "cannot decode the file as utf-8-sig / gb18030; expected UTF-8 (with or "
        "without BOM) or GB18030/GBK"
    )
    assert import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ") == [f"{table}: {expected}"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty; expected a header row and duty rows"),
        (b"\r\n  \r\n", "the file is empty; expected a header row and duty rows"),
        (b"\xef\xbb\xbf", "the file is empty; expected a header row and duty rows"),
        (b",,,\r\n,,\r\n", "the file is empty; expected a header row and duty rows"),
        (csv_bytes([HEADER]), "the table has a header but no data rows"),
        (csv_bytes([HEADER, [""] * len(HEADER), []]), "the table has a header but no data rows"),
    ],
    ids=["empty", "blank-lines", "bom-only", "empty-cells", "header-only", "header-blank-rows"],
)
def test_empty_tables(
    cli: Cli,
    reg: Registry,
    sqlite_url: str,
    tmp_path: Path,
    data: bytes,
    expected: str,
) -> None:
    table = write(tmp_path / "t.csv", data)
    assert import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ") == [f"{table}: {expected}"]


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _corrupt_workbooks(tmp_path: Path) -> dict[str, bytes]:
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(row(matter="SJ0501", unit="CGJ"))
    book.save(tmp_path / "good.xlsx")
    good = (tmp_path / "good.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "good.xlsx") as source:
        parts = {name: source.read(name) for name in source.namelist()}
    return {
        "not a zip": b"PK? this is text",
        "truncated": good[: len(good) // 2],
        "zip without a workbook": _zip({"readme.txt": b"hello"}),
        "malformed sheet": _zip(
            {**parts, "xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"}
        ),
        "malformed workbook": _zip({**parts, "xl/workbook.xml": b"<<<"}),
    }


@pytest.mark.parametrize(
    "case",
    ["not a zip", "truncated", "zip without a workbook", "malformed sheet", "malformed workbook"],
)
def test_corrupt_xlsx(
    cli: Cli,
    reg: Registry,
    sqlite_url: str,
    tmp_path: Path,
    case: str,
) -> None:
    table = write(tmp_path / "t.xlsx", _corrupt_workbooks(tmp_path)[case])
    [problem] = import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ")
    assert problem.startswith(f"{table}: cannot read the workbook: ")
    assert len(problem) > len(f"{table}: cannot read the workbook: ")


@pytest.mark.parametrize("suffix", [".txt", ".xls", ".ods"])
def test_unsupported_suffix(
    cli: Cli,
    reg: Registry,
    sqlite_url: str,
    tmp_path: Path,
    suffix: str,
) -> None:
    table = write(tmp_path / f"t{suffix}", csv_bytes([HEADER, row(matter="SJ0501", unit="CGJ")]))
    assert import_refused(cli, sqlite_url, table, "--list", "QZ-CGJ") == [
        f"{table}: unsupported file type '{suffix}'; expected .csv, .tsv, .xlsm, .xlsx, .yaml, .yml"
    ]
    with pytest.raises(InputError) as err:
        reg.import_table(table, "QZ-CGJ")
    assert err.value.render("en") == (
        f"{table}: unsupported file type '{suffix}'; expected .csv, .tsv, .xlsm, .xlsx"
    )


def test_list_option_missing_or_unknown(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    table = write(tmp_path / "t.csv", csv_bytes([HEADER, row(matter="SJ0501", unit="CGJ")]))
    assert import_refused(cli, sqlite_url, table) == [
        f"{table}: a table import needs --list LIST-ID"
    ]
    for list_id in ("QZ-NOPE", "CAT"):  # the catalogue is not a list a table can feed
        [problem] = import_refused(cli, sqlite_url, table, "--list", list_id)
        assert problem.startswith(
            f"unknown list '{list_id}'; known lists: JD-NJDL, QZ-CGJ. To create it from this "
            "table: --create --name NAME --kind KIND"
        )
    missing = tmp_path / "missing.csv"
    assert import_refused(cli, sqlite_url, missing, "--list", "QZ-CGJ") == [
        f"{missing}: no such file or directory"
    ]


def test_tsv_is_read_with_tabs(reg: Registry, tmp_path: Path) -> None:
    text = (
        "\t".join(HEADER)
        + "\n"
        + "\t".join(row(matter="SJ0501", unit="CGJ、LRJ", role="协办"))
        + "\n"
    )
    reg.import_table(write(tmp_path / "t.tsv", text.encode("gb18030")), "QZ-CGJ")
    assert roles(newest(reg, "QZ-CGJ").duties) == {
        ("SJ0501", "CGJ", Role.assist),
        ("SJ0501", "LRJ", Role.assist),
    }
