"""The sample 处置责任分解表 (data/tables/hp-chuzhi-2027.xlsx and .csv, issue 12): written by
data/tables/make_chuzhi.py, imported with its mapping as a new list in both formats alike, and
routed on: a joint cell names the 牵头 and the 协办, 属地街道 the event's street office."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import openpyxl

from remit import Registry
from remit.registry.entities import ListInfo, ListKind
from tests.factories import SAMPLE, Cli, exits, write

TABLES = Path(__file__).resolve().parents[1] / "data" / "tables"
XLSX = TABLES / "hp-chuzhi-2027.xlsx"
CSV = TABLES / "hp-chuzhi-2027.csv"
MAPPING = TABLES / "chuzhi-mapping.yaml"
LIST = "HP-CZ-2027"
INFO = ListInfo(
    id=LIST, name="黄浦区数字化城市管理部件事件处置责任分解表（示例）", kind=ListKind.department
)


def make_chuzhi() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_chuzhi", TABLES / "make_chuzhi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cells(path: Path) -> dict[str, tuple[list[tuple[object, ...]], list[str]]]:
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: (
            [tuple(row) for row in ws.iter_rows(values_only=True)],
            sorted(str(r) for r in ws.merged_cells.ranges),
        )
        for ws in wb.worksheets
    }


def test_the_committed_table_is_what_the_script_writes(tmp_path: Path) -> None:
    xlsx, csv = make_chuzhi().write(tmp_path)
    assert cells(xlsx) == cells(XLSX)
    assert csv.read_bytes() == CSV.read_bytes()
    sheets = cells(XLSX)
    assert list(sheets) == ["部件", "事件"]
    merged = sheets["部件"][1]
    assert "H3:H4" in merged and "C3:C4" in merged  # the unit and the matter columns
    CSV.read_bytes().decode("gb18030")  # as offices export


def duties(registry: Registry) -> list[tuple[object, ...]]:
    version = registry.version(LIST, 1)
    return sorted(
        (
            d.matter,
            d.unit,
            d.role.value,
            d.area,
            str(d.time_limit),
            d.standard.code if d.standard else None,
            tuple(d.legal_basis),
        )
        for d in version.duties
    )


def imported(db_url: str, table: Path) -> Registry:
    registry = Registry.create(db_url)
    registry.import_files([SAMPLE], by="setup")
    result = registry.import_table(table, LIST, MAPPING, by="test", create=INFO)
    assert result.table is not None
    counts = (result.table.read, result.table.imported, result.table.refused, result.table.skipped)
    assert counts == (38, 38, 0, 0)
    return registry


def test_xlsx_and_csv_import_as_the_same_duties(sqlite_url: str, tmp_path: Path) -> None:
    with imported(sqlite_url, XLSX) as from_xlsx:
        got = duties(from_xlsx)
    with imported(f"sqlite:///{tmp_path / 'csv.db'}", CSV) as from_csv:
        assert duties(from_csv) == got
    assert len(got) == 61
    units = {unit for _, unit, *_ in got}
    assert {"@territorial", "@owner", "HP-LRJ", "HP-NJDL"} <= units  # 区绿化和市容管理局 kept whole
    # a joint cell: the first named leads, the other assists, on each 立案条件's row
    assert ("BJ0307", "HP-CGJ", "lead") in {d[:3] for d in got}
    assert ("BJ0307", "HP-NJDL", "assist") in {d[:3] for d in got}
    # every 立案条件 is a case standard of its matter, numbered in the table's order, with its
    # limit (and its closing condition); 非法小广告's standards have units of their own
    limits = {(m, u, r, limit, standard) for m, u, r, _, limit, standard, _ in got}
    assert {
        ("SJ0101", "HP-CGJ", "lead", "1紧急工作时制止", "1"),
        ("SJ0101", "HP-CGJ", "lead", "15工作日", "2"),
        ("SJ0201", "HP-LRJ", "lead", "4工作时", "1"),
        ("SJ0201", "@territorial", "assist", "4工作时", "1"),
        ("SJ0201", "@territorial", "lead", "1工作日", "2"),
    } <= limits
    assert all(standard is not None for *_, standard, _ in got)
    assert ("BJ0405", "HP-LRJ", "lead", "种植季节15工作日", "1") in limits
    assert ("BJ0606", "HP-JGW", "lead", "1紧急工作日", "1") in limits
    # numbered legal bases: title, issuer, date, article; the kind follows the issuer
    basis = [
        (b.title, b.issuer, b.date, b.article, b.kind.value)
        for b in next(d[6] for d in got if d[0] == "SJ0101")
    ]
    assert basis == [
        (
            "上海市拆除违法建筑若干规定",
            "上海市人民政府",
            dt.date(2018, 12, 7),
            "第四条",
            "government_rule",
        ),
        (
            "上海市城乡规划条例",
            "上海市人民代表大会常务委员会",
            dt.date(2022, 10, 28),
            "第六十六条",
            "local_regulation",
        ),
    ]


def route(cli: Cli, db_url: str, matter: str, area: str, *more: str) -> dict[str, object]:
    args = (
        "route",
        "--matter",
        matter,
        "--area",
        area,
        "--reported-at",
        "2027-03-02T10:00:00",
        *more,
    )
    result: dict[str, object] = json.loads(
        exits(cli(*args, "--format", "json", db=db_url), 0).stdout
    )
    return result


def name(unit: object) -> str:
    assert isinstance(unit, dict)
    return str(unit["name"])


def test_routed_on_the_sample_table(db_url: str, cli: Cli) -> None:
    with imported(db_url, XLSX) as registry:
        registry.publish(LIST, dt.date(2027, 1, 1), note="test", retroactive=True)
    # a joint cell (区建设和管理委员会、区城管执法局): the first leads, the other assists; no
    # standard named: the one whose limit ends first (4工作时, not 1工作日), flagged
    joint = route(cli, db_url, "施工占道", "南京东路街道")
    assert joint["status"] == "routed"
    assert name(joint["lead"]) == "区建设和管理委员会"
    assists = joint["assists"]
    assert isinstance(assists, list)
    assert "区城市管理行政执法局" in [name(a) for a in assists]
    assert (joint["time_limit"], joint["deadline"]) == ("4工作时", "2027-03-02T15:00:00+08:00")
    assert joint["standard"] == {
        "code": "1",
        "filing": "超出许可范围占用道路的",
        "closing": "恢复许可范围",
        "given": False,
    }
    named = route(cli, db_url, "施工占道", "南京东路街道", "--standard", "未经许可占用道路的")
    assert (named["time_limit"], named["deadline"]) == ("1工作日", "2027-03-03T17:00:00+08:00")
    assert named["standard"] == {
        "code": "2",
        "filing": "未经许可占用道路的",
        "closing": "停止占道，场地恢复",
        "given": True,
    }
    # standards with units of their own: in lanes the street office leads (as its own list
    # says too); on main roads the table names the bureau while the street's list, naming no
    # standard, still leads every 非法小广告: two leads under standard 1 only
    road = route(cli, db_url, "非法小广告", "南京东路街道", "--standard", "1")
    lane = route(cli, db_url, "非法小广告", "南京东路街道", "--standard", "2")
    assert (lane["status"], name(lane["lead"])) == ("routed", "南京东路街道办事处")
    contenders = road["contenders"]
    assert road["status"] == "conflict" and isinstance(contenders, list)
    assert sorted(name(u) for u in contenders) == ["区绿化和市容管理局", "南京东路街道办事处"]
    # 属地街道 is the street office of the event's street; 1紧急工作日 runs around the clock
    territorial = route(cli, db_url, "防洪墙", "豫园街道")
    assert name(territorial["lead"]) == "区建设和管理委员会"
    assists = territorial["assists"]
    assert isinstance(assists, list)
    assert [name(a) for a in assists] == ["豫园街道办事处"]
    assert (territorial["time_limit"], territorial["deadline"]) == (
        "1紧急工作日",
        "2027-03-03T10:00:00+08:00",
    )


def test_the_csv_read_by_its_space_column(sqlite_url: str, tmp_path: Path) -> None:
    """The CSV's 类别 column gives each row's space: its 小类名称 is read in that space (the
    mapping as the sample's, less its sheets, plus the column)."""
    text = MAPPING.read_text(encoding="utf-8")
    kept = [
        line for line in text.splitlines() if not line.startswith(("sheets:", "  部件:", "  事件:"))
    ]
    at = kept.index("columns:") + 1
    kept[at:at] = ["  space: {name: 类别, fill_down: true}"]
    mapping = write(tmp_path / "m.yaml", "\n".join(kept) + "\n")
    with imported(sqlite_url, XLSX) as from_xlsx:
        got = duties(from_xlsx)
    with Registry.create(f"sqlite:///{tmp_path / 'csv.db'}") as registry:
        registry.import_files([SAMPLE], by="setup")
        result = registry.import_table(CSV, LIST, mapping, by="test", create=INFO)
        assert result.table is not None and result.table.imported == 38
        assert duties(registry) == got
