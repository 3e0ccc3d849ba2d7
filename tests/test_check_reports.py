"""The check report's renderers: terminal text, Markdown, XLSX.

The reports are built by hand (after the sample data's findings: data/responsibility_lists/
README.md, "Deliberate overlaps and gaps"), so these tests need no registry.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from rich.cells import cell_len
from rich.console import Console

from remit.checks.report import (
    AreaLabel,
    AttributeLabel,
    CheckReport,
    ClusterPair,
    Comparison,
    ConflictCluster,
    MatterLabel,
    UnitLabel,
)
from remit.findings import DutyRef, Finding, FindingKind, LoadIndex, Severity
from remit.present.check_markdown import render_markdown
from remit.present.check_text import Labels, render_text
from remit.present.check_xlsx import sheet_title, write_xlsx
from tests.factories import check_report, duty_ref, load_row

STREETS = {  # street office → its street (area code, name)
    "HP-NJDL": ("310101002000", "南京东路街道"),
    "HP-WT": ("310101013000", "外滩街道"),
    "HP-BSYL": ("310101015000", "半淞园路街道"),
    "HP-XDM": ("310101017000", "小东门街道"),
    "HP-YY": ("310101018000", "豫园街道"),
    "HP-LXM": ("310101019000", "老西门街道"),
    "HP-WLQ": ("310101020000", "五里桥街道"),
    "HP-DPQ": ("310101021000", "打浦桥街道"),
    "HP-HHZL": ("310101022000", "淮海中路街道"),
    "HP-RJEL": ("310101023000", "瑞金二路街道"),
}
LEAVES = {  # the 15 leaf areas of the sample district
    "310101013000": "外滩街道",
    "310101015000": "半淞园路街道",
    "310101017000": "小东门街道",
    "310101019000": "老西门街道",
    "310101021000": "打浦桥街道",
    "310101022000": "淮海中路街道",
    "310101023000": "瑞金二路街道",
    "310101002002": "山西居民区",
    "310101018001": "福佑居民区",
    "310101018002": "侯家居民区",
    "310101020002": "瞿溪居民区",
    "31010100200101": "贵州居民区第一网格",
    "31010100200102": "贵州居民区第二网格",
    "31010102000101": "桥一居民区第一网格",
    "31010102000102": "桥一居民区第二网格",
}
# a union of two boxes, written with a pipe, and a value set in brackets (rich markup syntax)
PIPE_REGION = "location_type = road | location_type = pavement"
BRACKET_REGION = "location_type ∈ [pavement] ∧ is_shared = true"


def _streets_rows(list_id: str, version: int, first: int) -> list[DutyRef]:
    return [
        duty_ref(list_id, first + i, unit, area, version)
        for i, (unit, (area, _)) in enumerate(STREETS.items())
    ]


def _labels() -> dict:
    areas = {
        "310101000000": AreaLabel(name="黄浦区", level="district"),
        **{
            code: AreaLabel(name=name, level="street", parent="310101000000", street=code)
            for code, name in (v for v in STREETS.values())
        },
        **{
            code: AreaLabel(name=name, level="grid")
            for code, name in LEAVES.items()
            if code not in {a for a, _ in STREETS.values()}
        },
    }
    units = {
        "HP-JGW": UnitLabel(name="区建设和管理委员会", kind="line", level="district"),
        "HP-SCJ": UnitLabel(name="区市场监督管理局", kind="line", level="district"),
        "HP-FGJ": UnitLabel(name="区房屋管理局", kind="line", level="district"),
        "HP-CGJ": UnitLabel(name="区城管执法局", kind="line", level="district"),
        "HP-OWN-WY1": UnitLabel(name="上海申浦物业服务有限公司", kind="owner", level="community"),
        **{
            unit: UnitLabel(name=f"{name}办事处", kind="block", level="street")
            for unit, (_, name) in STREETS.items()
        },
    }
    matters = {
        "SJ0506": MatterLabel(
            name="非机动车乱停放",
            attributes={
                "location_type": AttributeLabel(type="enum", values=["road", "pavement"]),
                "is_shared": AttributeLabel(type="bool"),
            },
        ),
        "SJ0501": MatterLabel(name="无照经营游商"),
        "SJ0106": MatterLabel(name="绿地脏乱"),
        "RX0603": MatterLabel(name="电动自行车违规充电"),
        "SJ0507": MatterLabel(name="乱堆物料堆", hit_policy="priority"),
        "SJ0601": MatterLabel(name="群租"),
    }
    return {"areas": areas, "units": units, "matters": matters}


def _findings() -> list[Finding]:
    leaves = list(LEAVES)
    streets = list(STREETS)
    return [
        Finding(
            id="overlap-SJ0506-1",
            kind=FindingKind.overlap,
            severity=Severity.error,
            matter="SJ0506",
            areas=leaves,
            region=[{"location_type": ["pavement"], "is_shared": [True]}],
            region_text=BRACKET_REGION,
            cells=15,
            units=["HP-JGW", *streets],
            duties=[
                duty_ref("HP-QZ-JGW", 12, "HP-JGW", "310101000000"),
                *_streets_rows("HP-JZ-JB", 2, 101),
            ],
            message="区建设和管理委员会与各街道办事处均为主办",
        ),
        Finding(
            id="overlap-SJ0501-1",
            kind=FindingKind.overlap,
            severity=Severity.error,
            matter="SJ0501",
            areas=leaves,
            region_text=PIPE_REGION,
            cells=30,
            units=["HP-SCJ", *streets],
            duties=[
                duty_ref("HP-QZ-SCJ", 1, "HP-SCJ", "310101000000"),
                *_streets_rows("HP-JZ-JB", 2, 201),
            ],
        ),
        Finding(
            id="gap-SJ0106-1",
            kind=FindingKind.gap,
            severity=Severity.error,
            matter="SJ0106",
            areas=leaves,
            region_text="location_type = park",
            cells=15,
        ),
        Finding(
            id="gap-RX0603-1",
            kind=FindingKind.gap,
            severity=Severity.error,
            matter="RX0603",
            areas=["310101023000"],
            region=[{}],
            region_text="全部属性取值",
            cells=1,
        ),
        Finding(
            id="masked-SJ0507-1",
            kind=FindingKind.masked,
            severity=Severity.warning,
            matter="SJ0507",
            areas=["31010100200101", "31010100200102"],
            region_text="location_type = residential_compound",
            cells=2,
            units=["HP-NJDL", "HP-OWN-WY1"],
            duties=[
                duty_ref("HP-JZ-JB", 77, "HP-NJDL", "310101002000", 2, priority=10),
                duty_ref("HP-QSDW", 5, "HP-OWN-WY1", "310101002001", priority=20),
            ],
        ),
        Finding(
            id="stale-SJ0601-1",
            kind=FindingKind.stale,
            severity=Severity.warning,
            matter="SJ0601",
            units=["HP-FGJ"],
            duties=[duty_ref("HP-QZ-FGJ", 7, "HP-FGJ", "310101000000")],
            message="复核期限 2025-12-31 已过",
        ),
        Finding(
            id="overload-HP-WT",
            kind=FindingKind.overload,
            severity=Severity.warning,
            units=["HP-WT"],
            message="负荷指数 1.35 超过 1",
        ),
    ]


def _load() -> list[LoadIndex]:
    return [
        load_row(
            "HP-CGJ", "district", "line", staff=40, workload_hours=72000, events_per_year=36000
        ),
        load_row(
            "HP-NJDL", "street", "block", staff=12, workload_hours=12000, events_per_year=6000
        ),
        load_row(
            "HP-WT", "street", "block", staff=8, workload_hours=21600, events_per_year=10800.5
        ),
    ]


def _cluster() -> ConflictCluster:
    return ConflictCluster(
        units=["HP-JGW", "HP-SCJ", "HP-NJDL", "HP-WT"],
        cells=45,
        matters=["SJ0501", "SJ0506"],
        pairs=[
            ClusterPair(units=("HP-JGW", "HP-NJDL"), cells=1, matters=["SJ0506"]),
            ClusterPair(units=("HP-JGW", "HP-WT"), cells=1, matters=["SJ0506"]),
            ClusterPair(units=("HP-NJDL", "HP-SCJ"), cells=2, matters=["SJ0501"]),
            ClusterPair(units=("HP-SCJ", "HP-WT"), cells=2, matters=["SJ0501"]),
        ],
    )


def _report(**changes: Any) -> CheckReport:
    fields = {"findings": _findings(), "load": _load(), "clusters": [_cluster()], **_labels()}
    return check_report(**(fields | changes))


@pytest.fixture
def report() -> CheckReport:
    return _report()


@pytest.fixture
def compared() -> CheckReport:
    """The report against 2025-01-01: 群租 is stale only now; the wide RX0603 gap is gone."""
    resolved = Finding(
        id="gap-RX0603-0",
        kind=FindingKind.gap,
        severity=Severity.error,
        matter="RX0603",
        areas=list(LEAVES),
        region=[{}],
        cells=15,
    )
    comparison = Comparison(
        baseline="2025-01-01",
        baseline_hash="fedcba9876543210" * 4,
        introduced=["stale-SJ0601-1"],
        resolved=[resolved],
    )
    return _report(comparison=comparison)


ZH_KINDS = {
    FindingKind.overlap: "职能重叠",
    FindingKind.masked: "被屏蔽（优先级）",
    FindingKind.gap: "遗漏",
    FindingKind.stale: "逾期未复核",
    FindingKind.overload: "超负荷（小马拉大车）",
}
EN_KINDS = {
    FindingKind.overlap: "overlap",
    FindingKind.masked: "masked (priority)",
    FindingKind.gap: "gap",
    FindingKind.stale: "review overdue",
    FindingKind.overload: "overload (小马拉大车)",
}


# --- text ---------------------------------------------------------------------------------------


def _text(report: CheckReport, lang) -> str:
    console = Console(record=True, width=160, file=io.StringIO(), color_system=None)
    for part in render_text(report, lang):
        console.print(part)
    return console.export_text()


def _table_rows(text: str) -> list[list[str]]:
    """The cells of every table row in the text (rows drawn with │)."""
    return [
        [c.strip() for c in re.split("[│┃]", line)[1:-1]]
        for line in text.splitlines()
        if line[:1] in ("│", "┃")
    ]


def _column(text: str, header: str) -> list[str]:
    """The non-empty cells under ``header`` in the first table of ``text`` that has it."""
    rows = _table_rows(text)
    at = next(row.index(header) for row in rows if header in row)
    return [row[at] for row in rows if len(row) > at and row[at] and row[at] != header]


def _section(text: str, start: str, end: str | None = None) -> str:
    begin = text.index(start)
    return text[begin : text.index(end, begin) if end else None]


@pytest.mark.parametrize(("lang", "kinds"), [("zh", ZH_KINDS), ("en", EN_KINDS)])
def test_text_summary_counts_each_kind(report: CheckReport, lang, kinds) -> None:
    rows = {row[0]: row[1:] for row in _table_rows(_text(report, lang))}
    error, warning = ("错误", "警告") if lang == "zh" else ("error", "warning")
    assert rows[kinds[FindingKind.overlap]] == [error, "2", "45"]
    assert rows[kinds[FindingKind.gap]] == [error, "2", "16"]
    assert rows[kinds[FindingKind.masked]] == [warning, "1", "2"]
    assert rows[kinds[FindingKind.stale]] == [warning, "1", ""]
    assert rows[kinds[FindingKind.overload]] == [warning, "1", ""]
    # a kind without findings is listed with 0 and its configured severity
    cycle = "循环推诿" if lang == "zh" else "referral cycle"
    assert rows[cycle] == [error, "0", ""]
    total = "合计" if lang == "zh" else "Total"
    sep = "、" if lang == "zh" else ", "
    assert rows[total] == [f"{error} 4{sep}{warning} 3", "7", "63"]


def test_text_zh_header_and_sections(report: CheckReport) -> None:
    text = _text(report, "zh")
    assert "权责清单检查报告" in text
    assert "检查对象：2026-11-28 — 基准日 2026-11-28，快照 0123456789ab" in text
    assert "0123456789abc" not in text  # the hash is shortened
    assert "检查范围：事项 113 项，末级区域 15 个，检查单元 4,321 个，履职条目 461 条" in text
    for title in (
        "职能重叠（2）",
        "遗漏（2）",
        "被屏蔽（优先级）（1）",
        "逾期未复核（1）",
        "超负荷（小马拉大车）（1）",
    ):
        assert title in text
    for absent in ("有协办无主办", "循环推诿"):  # in the summary (with 0), but no section
        assert f"{absent}（" not in text


def test_text_findings_show_names_and_rows(report: CheckReport) -> None:
    text = _text(report, "zh")
    findings = _section(text, "问题明细", "负荷指数")
    for name in (
        "区建设和管理委员会",
        "上海申浦物业服务有限公司",
        "区房屋管理局",
        "非机动车乱停放",
        "贵州居民区第一网格",
    ):
        assert name in findings
    assert "HP-QZ-FGJ v1 #7" in findings
    assert "复核期限 2025-12-31 已过" in findings
    # eleven units and rows are cut short; the hidden ones are counted
    assert "+5" in findings  # 11 units, 6 shown
    assert "+7" in findings  # 11 rows, 4 shown
    assert "HP-JZ-JB v2 #110" not in findings
    # a region is printed as written, brackets included (not taken for rich markup)
    assert " ".join(_column(findings, "属性范围")).startswith(BRACKET_REGION)


def test_text_stale_table_leaves_out_empty_columns(report: CheckReport) -> None:
    text = _text(report, "zh")
    stale = _section(text, "逾期未复核（1）", "超负荷（小马拉大车）（1）")
    header = _table_rows(stale)[0]
    assert header == ["编号", "级别", "事项", "单位", "清单条目", "说明"]


def test_area_lists_are_truncated(report: CheckReport) -> None:
    labels = Labels(report, "zh")
    assert labels.areas(list(LEAVES), 3) == "外滩街道、半淞园路街道、小东门街道 … +12"
    assert labels.areas(list(LEAVES)[:3], 3) == "外滩街道、半淞园路街道、小东门街道"
    assert Labels(report, "en").areas(list(LEAVES)[:4], 2) == "外滩街道, 半淞园路街道 … +2"
    # a code the report has no label for shows as the code
    assert labels.areas(["999"]) == "999"
    text = _text(report, "zh")
    assert "外滩街道、半淞园路街道、小东门街道 … +12" in text


def test_text_load_streets_first_overloaded_marked(report: CheckReport) -> None:
    text = _text(report, "zh")
    load = _section(text, "\n负荷指数", "职能冲突集群")
    rows = _table_rows(load)
    assert rows[0][0] == "单位" and rows[0][-1] == "超负荷"
    body = rows[1:]
    assert [r[0] for r in body] == ["外滩街道办事处", "南京东路街道办事处", "区城管执法局"]
    assert body[0][1:] == [
        "街镇",
        "属地（块）",
        "8",
        "16,000",
        "21,600",
        "10,800.5",
        "1.35",
        "超负荷",
    ]
    assert body[1][-1] == "" and body[2][-1] == ""
    assert "年事件量取自事项目录估算" in load


def test_text_clusters(report: CheckReport) -> None:
    text = _text(report, "zh")
    clusters = _section(text, "职能冲突集群", "冲突单位对")
    units = "".join(_column(clusters, "单位"))
    assert units == "区建设和管理委员会、区市场监督管理局、南京东路街道办事处、外滩街道办事处"
    assert _column(clusters, "单元数") == ["45"]
    assert _column(clusters, "单位对") == ["4"]
    pairs = _table_rows(_section(text, "冲突单位对"))
    assert ["1", "区市场监督管理局", "外滩街道办事处", "2", "SJ0501 无照经营游商"] in pairs
    assert len(pairs) == 1 + 4


def test_text_is_aligned_for_wide_characters(report: CheckReport) -> None:
    """Every line of a table has the same display width (a Chinese character takes two)."""
    text = _text(report, "zh")
    summary = _section(text, "概况", "问题明细")
    widths = {cell_len(line) for line in summary.splitlines() if line and line[0] in "┏┃┡│├└"}
    assert len(widths) == 1
    assert all(cell_len(line) <= 160 for line in text.splitlines())


def test_text_en(report: CheckReport) -> None:
    text = _text(report, "en")
    assert "Responsibility list check" in text
    assert "overlap (2)" in text and "review overdue (1)" in text
    assert "区房屋管理局" in text  # names stay as the registry spells them
    assert "street" in text and "overloaded" in text


def test_text_comparison(compared: CheckReport, report: CheckReport) -> None:
    text = _text(compared, "zh")
    section = _section(text, "与 2025-01-01")
    assert section.startswith("与 2025-01-01（快照 fedcba987654）比较：新增 1 个，消除 1 个")
    introduced = _table_rows(_section(section, "新增问题", "已消除问题"))
    assert introduced[1][:3] == ["逾期未复核", "stale-SJ0601-1", "警告"]
    resolved = _table_rows(_section(section, "已消除问题"))
    assert resolved[1][:2] == ["遗漏", "gap-RX0603-0"]
    assert "比较" not in _text(report, "zh")


def test_text_without_findings() -> None:
    empty = _report(findings=[], counts={}, severities={}, load=[], clusters=[])
    text = _text(empty, "zh")
    assert "未发现问题。" in text
    assert "负荷指数" not in text
    rows = {row[0]: row[1:] for row in _table_rows(text)}
    assert rows["职能重叠"][1] == "0"
    assert rows["合计"][1] == "0"


# --- Markdown -----------------------------------------------------------------------------------


def _md_cells(line: str) -> list[str]:
    """The cells of a Markdown table row, unescaped: a pipe after a backslash is text."""
    assert line.startswith("|") and line.endswith("|"), line
    cells, current, i = [], "", 1
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            current += line[i + 1]
            i += 2
            continue
        if ch == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += ch
        i += 1
    return cells


def _md_tables(md: str) -> list[list[str]]:
    tables, current = [], []
    for line in md.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_tables_are_well_formed(compared: CheckReport, lang) -> None:
    md = render_markdown(compared, lang)
    lines = md.splitlines()
    tables = _md_tables(md)
    # summary, 5 kinds, load, clusters, pairs, introduced, resolved
    assert len(tables) == 11
    for table in tables:
        width = len(_md_cells(table[0]))
        assert re.fullmatch(rf"\|(?:---:?\|){{{width}}}", table[1]), table[1]
        for row in table[2:]:
            assert len(_md_cells(row)) == width, row
        start = lines.index(table[0])
        assert lines[start - 1] == ""  # a table must not continue a paragraph
    assert md.endswith("\n")


def test_markdown_escapes_pipes(report: CheckReport) -> None:
    md = render_markdown(report, "zh")
    assert "location_type = road \\| location_type = pavement" in md
    overlap = next(t for t in _md_tables(md) if _md_cells(t[0])[0] == "编号")
    header = _md_cells(overlap[0])
    row = dict(zip(header, _md_cells(overlap[3]), strict=True))
    assert row["属性范围"] == PIPE_REGION
    assert row["事项"] == "SJ0501 无照经营游商"
    assert row["单元数"] == "30"


def test_markdown_content(report: CheckReport) -> None:
    md = render_markdown(report, "zh")
    for heading in (
        "# 权责清单检查报告",
        "## 概况",
        "## 问题明细",
        "### 职能重叠（2）",
        "### 被屏蔽（优先级）（1）",
        "### 超负荷（小马拉大车）（1）",
        "## 负荷指数",
        "## 职能冲突集群",
        "### 冲突单位对",
    ):
        assert f"\n{heading}\n" in f"\n{md}"
    # units and duty rows in full; areas cut after five
    assert "HP-JZ-JB v2 #110" in md
    assert "瑞金二路街道办事处" in md
    assert "外滩街道、半淞园路街道、小东门街道、老西门街道、打浦桥街道 … +10" in md
    summary = _md_tables(md)[0]
    assert _md_cells(summary[1 + 1]) == ["职能重叠", "错误", "2", "45"]
    assert summary[1] == "|---|---|---:|---:|"
    load = next(t for t in _md_tables(md) if _md_cells(t[0])[0] == "单位")
    assert [_md_cells(r)[0] for r in load[2:]] == [
        "外滩街道办事处",
        "南京东路街道办事处",
        "区城管执法局",
    ]
    assert _md_cells(load[2])[-1] == "超负荷"


def test_markdown_en_and_comparison(compared: CheckReport) -> None:
    md = render_markdown(compared, "en")
    assert "### overlap (2)" in md
    assert "## Compared with 2025-01-01 (snapshot fedcba987654): 1 introduced, 1 resolved" in md
    assert "### Introduced" in md and "### Resolved" in md


def test_markdown_escapes_markup() -> None:
    finding = Finding(
        id="x",
        kind=FindingKind.stale,
        severity=Severity.info,
        message="a*b*c <script> `x` back\\slash\nnext",
    )
    md = render_markdown(
        _report(findings=[finding], counts={"stale": 1}, severities={"info": 1}), "en"
    )
    stale = next(t for t in _md_tables(md) if _md_cells(t[0])[0] == "ID")
    raw = stale[2]
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert "a\\*b\\*c" in raw and "\\`x\\`" in raw and "back\\\\slash" in raw
    assert "<br>next" in raw


# --- XLSX ---------------------------------------------------------------------------------------

ZH_FINDING_HEADER = [
    "编号",
    "级别",
    "事项编码",
    "事项名称",
    "区域编码",
    "区域名称",
    "属性范围",
    "单元数",
    "单位编码",
    "单位名称",
    "清单条目",
    "说明",
]


def test_xlsx_sheets_and_tables(report: CheckReport, tmp_path) -> None:
    path = write_xlsx(report, "zh", tmp_path / "check.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == [
        "概况",
        "职能重叠",
        "被屏蔽（优先级）",
        "遗漏",
        "逾期未复核",
        "超负荷（小马拉大车）",
        "负荷指数",
        "冲突集群",
    ]
    data_rows = {
        "职能重叠": 2,
        "被屏蔽（优先级）": 1,
        "遗漏": 2,
        "逾期未复核": 1,
        "超负荷（小马拉大车）": 1,
        "负荷指数": 3,
        "冲突集群": 1,
    }
    for title, rows in data_rows.items():
        sheet = book[title]
        assert sheet.max_row == rows + 1, title
        assert sheet.freeze_panes == "A2"
        assert (
            sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{rows + 1}"
        )
        assert all(cell.font.bold for cell in sheet[1])
        assert all(cell.value for cell in sheet[1])
    overlap = book["职能重叠"]
    assert [c.value for c in overlap[1]] == ZH_FINDING_HEADER
    first = dict(zip(ZH_FINDING_HEADER, (c.value for c in overlap[2]), strict=True))
    assert first["编号"] == "overlap-SJ0506-1"
    assert first["级别"] == "错误"
    assert first["事项名称"] == "非机动车乱停放"
    assert first["区域编码"].split(", ") == list(LEAVES)  # complete: nothing cut short
    assert first["区域名称"].split("、") == list(LEAVES.values())
    assert first["单元数"] == 15
    assert first["单位名称"].split("、")[:2] == ["区建设和管理委员会", "南京东路街道办事处"]
    assert first["清单条目"].split("; ")[-1] == "HP-JZ-JB v2 #110"
    assert first["属性范围"] == BRACKET_REGION
    load = book["负荷指数"]
    assert [c.value for c in load["A"]][1:] == ["HP-WT", "HP-NJDL", "HP-CGJ"]
    assert [c.value for c in load[2]][-2:] == [1.35, "是"]
    assert load.column_dimensions["B"].width >= 10
    clusters = book["冲突集群"]
    assert clusters["D2"].value == 45
    assert clusters["E2"].value == "SJ0501, SJ0506"
    pairs = clusters["G2"].value.split("\n")
    assert len(pairs) == 4
    assert pairs[3] == "区市场监督管理局 — 外滩街道办事处：2 个单元（SJ0501）"
    stale = dict(zip(ZH_FINDING_HEADER, (c.value for c in book["逾期未复核"][2]), strict=True))
    assert stale["单元数"] is None and stale["清单条目"] == "HP-QZ-FGJ v1 #7"


def test_xlsx_summary_first(report: CheckReport, tmp_path) -> None:
    book = load_workbook(write_xlsx(report, "zh", tmp_path / "r.xlsx"))
    summary = book.worksheets[0]
    values = [[c.value for c in row] for row in summary.iter_rows()]
    assert values[0][0] == "权责清单检查报告"
    header = values.index(["问题类型", "级别", "数量", "单元数"])
    kinds = {row[0]: row[1:] for row in values[header + 1 :]}
    assert kinds["职能重叠"] == ["错误", 2, 45]
    assert kinds["循环推诿"] == ["错误", 0, None]
    assert kinds["逾期未复核"] == ["警告", 1, None]  # stale rows cover no cells
    assert kinds["合计"][1:] == [7, 63]


def test_xlsx_en_and_changes(compared: CheckReport, tmp_path) -> None:
    book = load_workbook(write_xlsx(compared, "en", tmp_path / "r.xlsx"))
    assert book.sheetnames[0] == "Summary"
    assert "overlap" in book.sheetnames and "Load" in book.sheetnames
    assert "overload (小马拉大车)" in book.sheetnames
    assert [c.value for c in book["overlap"][1]][:4] == [
        "ID",
        "Severity",
        "Matter code",
        "Matter name",
    ]
    changes = book["Changes"]
    assert [c.value for c in changes[1]][:3] == ["Change", "Kind", "ID"]
    assert [[c.value for c in row][:3] for row in changes.iter_rows(min_row=2)] == [
        ["introduced", "review overdue", "stale-SJ0601-1"],
        ["resolved", "gap", "gap-RX0603-0"],
    ]
    assert changes.auto_filter.ref == "A1:N3"


def test_xlsx_text_is_never_a_formula(tmp_path) -> None:
    finding = Finding(
        id="f", kind=FindingKind.stale, severity=Severity.info, message='=HYPERLINK("http://x")\x07'
    )
    path = write_xlsx(
        _report(findings=[finding], counts={"stale": 1}, severities={"info": 1}),
        "en",
        tmp_path / "r.xlsx",
    )
    cell = load_workbook(path)["review overdue"]["L2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x")'  # and the control character is gone


def test_sheet_titles_are_valid() -> None:
    assert sheet_title("a/b:c*d?e[f]g\\h") == "a b c d e f g h"
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("Load", ["load"]) == "Load (2)"
    long = sheet_title("y" * 40, ["y" * 31])
    assert len(long) == 31 and long.endswith(" (2)")
    assert sheet_title("'quoted'") == "quoted"


def test_xlsx_write_is_atomic(report: CheckReport, tmp_path, monkeypatch) -> None:
    path = tmp_path / "check.xlsx"
    path.write_bytes(b"the previous report")

    def fail(self, handle) -> None:
        handle.write(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr("openpyxl.Workbook.save", fail)
    with pytest.raises(OSError, match="disk full"):
        write_xlsx(report, "zh", path)
    assert path.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["check.xlsx"]


def test_xlsx_replaces_existing_file(report: CheckReport, tmp_path) -> None:
    path = tmp_path / "check.xlsx"
    path.write_bytes(b"old")
    write_xlsx(report, "zh", path)
    assert load_workbook(path).sheetnames[0] == "概况"
    assert [p.name for p in tmp_path.iterdir()] == ["check.xlsx"]
