"""Write the sample 处置责任分解表 (hp-chuzhi-2027.xlsx and .csv) of the sample district.

    python data/tables/make_chuzhi.py            # writes both next to this script

Illustrative, not official: matter codes and names are the public 部件/事件 code lists
(../shared/reference/, as in data/responsibility_lists/catalogue.yaml), unit names are the
sample registry's; the filing conditions, limits and assignments are invented. The table is in
the form cities publish: one row per 立案条件 with its own 处置时限 and 结案条件, merged cells over
the matter, unit and legal-basis columns, placeholders (所属街办, 各产权单位 …) instead of units,
cells naming several units (joint handling), numbered legal bases and a column nobody maps.
Deterministic: the same script writes the same cells and merged ranges.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
TITLE = "黄浦区数字化城市管理{}处置责任分解表（2027年版，示例）"
HEADER = [
    "序号",
    "大类",
    "小类代码",
    "小类名称",
    "立案条件",
    "处置时限",
    "结案条件",
    "主责单位",
    "协办单位",
    "法律依据",
    "监督举报电话",
]
PHONE = "12345"

SHIRONG = "1、《城市市容和环境卫生管理条例》颁布单位：国务院，2017年3月1日修订 第十四条"
SHIRONG_AD = (
    "1、《城市市容和环境卫生管理条例》颁布单位：国务院，2017年3月1日修订 第十一条\n"
    "2、《上海市市容环境卫生管理条例》颁布单位：上海市人民代表大会常务委员会，2022年10月28日修正 第十九条"
)
ROAD = "1、《城市道路管理条例》颁布单位：国务院，2019年3月24日修订 第三十条"
GREEN = (
    "1、《城市绿化条例》颁布单位：国务院，2017年3月1日修订 第十九条\n"
    "2、《上海市绿化条例》颁布单位：上海市人民代表大会常务委员会，2015年7月23日修正 第二十九条"
)
DRAIN = "1、《城镇排水与污水处理条例》颁布单位：国务院，2013年10月2日 第四十二条"

# (大类, 小类代码, 小类名称, [(立案条件, 处置时限, 结案条件[, 主责单位, 协办单位])], 主责单位,
#  协办单位, 法律依据): a 立案条件 with units of its own has them in its row (those cells unmerged)
Standard = tuple[str, str, str] | tuple[str, str, str, str, str]
Matter = tuple[str, str, str, list[Standard], str, str, str]

COMPONENTS: list[Matter] = [
    (
        "公用设施",
        "0101",
        "上水井盖",
        [
            ("井盖缺失、移位，存在安全隐患的", "2紧急工作时", "井盖恢复原位或补齐，无安全隐患"),
            ("井盖破损、松动、异响的", "2工作日", "井盖修复或更换完毕"),
        ],
        "各产权单位",
        "无",
        ROAD,
    ),
    (
        "公用设施",
        "0103",
        "雨水井盖",
        [
            ("井盖缺失、移位，存在安全隐患的", "2紧急工作时", "井盖恢复原位或补齐，无安全隐患"),
            ("井盖破损、凹陷，与路面高差超过2厘米的", "3工作日", "井盖修复，与路面平顺"),
        ],
        "区建设和管理委员会",
        "无",
        f"{ROAD}\n2、{DRAIN[2:]}",
    ),
    (
        "公用设施",
        "0118",
        "路灯",
        [
            ("灯杆倾斜、破损，存在安全隐患的", "4紧急工作时", "隐患排除，灯杆扶正或拆除"),
            ("灯头缺失、不亮的", "3工作日", "灯具修复，正常照明"),
        ],
        "区绿化和市容管理局",
        "无",
        SHIRONG,
    ),
    (
        "道路交通",
        "0209",
        "交通标志牌",
        [
            ("标志牌倒伏、悬挂不牢，存在安全隐患的", "4紧急工作时", "隐患排除"),
            ("标志牌破损、污损、字迹不清的", "5工作日", "标志牌修复或更换"),
        ],
        "公安黄浦分局交警支队",
        "无",
        "1、《中华人民共和国道路交通安全法》颁布单位：全国人民代表大会常务委员会，2021年4月29日修正 第二十九条",
    ),
    (
        "市容环境设施",
        "0301",
        "公共厕所",
        [
            ("设施损坏，影响正常使用的", "1工作日", "设施修复，正常使用"),
            ("厕所内外不洁、有异味的", "2工作时", "保洁完毕"),
        ],
        "区绿化和市容管理局",
        "所属街办",
        SHIRONG,
    ),
    (
        "市容环境设施",
        "0305",
        "垃圾箱",
        [
            ("垃圾箱满溢的", "2工作时", "垃圾清运完毕"),
            ("垃圾箱破损、缺失的", "3工作日", "垃圾箱修复或补齐"),
        ],
        "所属街办",
        "无",
        SHIRONG,
    ),
    (
        "市容环境设施",
        "0307",
        "广告牌匾",
        [
            ("牌匾破损、松动，有坠落危险的", "1紧急工作时制止", "隐患排除，牌匾加固或拆除"),
            ("牌匾污损、字迹缺损的", "10工作日", "牌匾修复或清洗"),
        ],
        "区城管执法局、南京东路街道办事处",
        "无",
        SHIRONG_AD,
    ),
    (
        "园林绿化",
        "0405",
        "绿地",
        [
            ("绿地内植物缺株、死亡，需补种的", "种植季节15工作日", "补种完毕，成活"),
            ("绿地被占用、踩踏、堆物的", "2工作日", "恢复绿地原状"),
        ],
        "区绿化和市容管理局",
        "属地街道",
        GREEN,
    ),
    (
        "园林绿化",
        "0408",
        "绿地护栏",
        [
            ("护栏缺失、倒伏的", "3工作日", "护栏补齐或扶正"),
            ("护栏破损、油漆剥落的", "10工作日", "护栏修复"),
        ],
        "区绿化和市容管理局\n属地街道",
        "无",
        GREEN,
    ),
    (
        "其他设施",
        "0606",
        "防洪墙",
        [
            ("防汛墙渗漏、开裂，汛期存在险情的", "1紧急工作日", "险情排除"),
            ("防汛墙附属设施破损的", "5工作日", "设施修复"),
        ],
        "区水务局",
        "属地街道",
        "1、《中华人民共和国防洪法》颁布单位：全国人民代表大会常务委员会，2016年7月2日修正 第二十二条",
    ),
]

EVENTS: list[Matter] = [
    (
        "市容环境",
        "0101",
        "私搭乱建",
        [
            ("正在搭建的", "1紧急工作时制止", "停止搭建"),
            ("已建成，影响市容或公共安全的", "15工作日", "违法建筑拆除，场地清理完毕"),
        ],
        "区城管执法局、所属街办",
        "无",
        "1、《上海市拆除违法建筑若干规定》颁布单位：上海市人民政府，2018年12月7日修正 第四条\n"
        "2、《上海市城乡规划条例》颁布单位：上海市人民代表大会常务委员会，2022年10月28日修正 第六十六条",
    ),
    (
        "市容环境",
        "0103",
        "积存垃圾渣土",
        [
            ("积存量小于1立方米的", "4工作时", "清理完毕"),
            ("积存量1立方米以上的", "1工作日", "清理完毕，地面无残留"),
        ],
        "所属街办",
        "区绿化和市容管理局",
        SHIRONG,
    ),
    (
        "市容环境",
        "0104",
        "道路不洁",
        [
            ("主干道路面有明显垃圾、污物的", "2工作时", "路面清洁"),
            ("支路、街巷路面不洁的", "4工作时", "路面清洁"),
        ],
        "区绿化和市容管理局",
        "无",
        SHIRONG,
    ),
    (
        "宣传广告",
        "0201",
        "非法小广告",
        [  # main roads: the city-appearance bureau's cleaning; lanes and compounds: the street
            ("主要道路两侧的", "4工作时", "清除完毕，无残留", "区绿化和市容管理局", "属地街道"),
            ("街巷、小区周边的", "1工作日", "清除完毕，无残留", "属地街道", "无"),
        ],
        "属地街道",
        "无",
        SHIRONG_AD,
    ),
    (
        "宣传广告",
        "0202",
        "违章张贴悬挂广告牌匾",
        [
            ("存在坠落等安全隐患的", "2紧急工作时", "隐患排除"),
            ("未经许可设置的", "5工作日", "拆除或补办许可"),
        ],
        "区城管执法局",
        "区绿化和市容管理局",
        SHIRONG_AD,
    ),
    (
        "施工管理",
        "0302",
        "工地扬尘",
        [
            ("施工未采取防尘措施，扬尘明显的", "4工作时", "落实防尘措施"),
        ],
        "区建管委",
        "区城管执法局",
        "1、《中华人民共和国大气污染防治法》颁布单位：全国人民代表大会常务委员会，2018年10月26日修正 第六十九条",
    ),
    (
        "施工管理",
        "0304",
        "施工占道",
        [
            ("超出许可范围占用道路的", "4工作时", "恢复许可范围"),
            ("未经许可占用道路的", "1工作日", "停止占道，场地恢复"),
        ],
        "区建设和管理委员会、区城管执法局",
        "无",
        ROAD,
    ),
    (
        "突发事件",
        "0404",
        "下水道堵塞或破损",
        [
            ("堵塞造成污水外溢的", "2紧急工作时", "疏通完毕，无外溢"),
            ("管道破损的", "2工作日", "管道修复"),
        ],
        "区水务局",
        "各产权单位",
        DRAIN,
    ),
    (
        "街面秩序",
        "0503",
        "占道废品收购",
        [
            ("占用道路、人行道收购废品的", "2工作时", "撤离，场地清洁"),
        ],
        "所属街办",
        "区城管执法局",
        SHIRONG,
    ),
    (
        "街面秩序",
        "0511",
        "沿街晾挂",
        [
            ("沿主要道路晾挂的", "4工作时", "晾挂物撤除"),
            ("沿街巷晾挂的", "1工作日", "晾挂物撤除"),
        ],
        "所属街办",
        "无",
        SHIRONG,
    ),
]

SHEETS = {"部件": COMPONENTS, "事件": EVENTS}


def rows(matters: list[Matter]) -> list[list[str]]:
    """The body rows of a sheet, every cell written out (what the merged cells stand for)."""
    out: list[list[str]] = []
    for major, code, name, standards, lead, assist, basis in matters:
        for standard in standards:
            condition, limit, closing = standard[:3]
            own = standard[3:]
            out.append(
                [
                    str(len(out) + 1),
                    major,
                    code,
                    name,
                    condition,
                    limit,
                    closing,
                    own[0] if own else lead,
                    own[1] if own else assist,
                    basis,
                    PHONE,
                ]
            )
    return out


# Columns merged over the rows of one matter (大类 … 小类名称, 主责/协办单位, 法律依据, 电话);
# the unit columns only where its 立案条件 share their units.
MERGED = ("大类", "小类代码", "小类名称", "主责单位", "协办单位", "法律依据", "监督举报电话")
UNIT_COLUMNS = ("主责单位", "协办单位")


def merged(matter: Matter) -> tuple[str, ...]:
    if any(len(standard) > 3 for standard in matter[3]):
        return tuple(c for c in MERGED if c not in UNIT_COLUMNS)
    return MERGED


def workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, matters in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append([TITLE.format(sheet)])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        ws.append(HEADER)
        first = 3
        for matter in matters:
            body = rows([matter])
            for index, row in enumerate(body):
                values: list[str | None] = list(row)
                if index:
                    # a merged range keeps its value in the first cell only
                    for column in merged(matter):
                        values[HEADER.index(column)] = None
                ws.append(values)
            last = first + len(body) - 1
            if last > first:
                for column in merged(matter):
                    c = HEADER.index(column) + 1
                    ws.merge_cells(start_row=first, start_column=c, end_row=last, end_column=c)
            first = last + 1
        # 序号 runs over the sheet
        for number, r in enumerate(range(3, first), start=1):
            ws.cell(row=r, column=1, value=number)
        ws["A1"].font = Font(bold=True)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
    return wb


def csv_rows() -> list[list[str]]:
    """One CSV of both sheets with a 类别 column, as an Excel export of merged cells: the title
    row, then the value of a merged range in its first row only."""
    out = [[TITLE.format("部件、事件")], ["类别", *HEADER]]
    for sheet, matters in SHEETS.items():
        number = 0
        for matter in matters:
            for index, row in enumerate(rows([matter])):
                number += 1
                values = [sheet, str(number), *row[1:]]
                if index:
                    for column in merged(matter):
                        values[1 + HEADER.index(column)] = ""
                out.append(values)
    return out


def write(directory: Path = HERE) -> tuple[Path, Path]:
    xlsx = directory / "hp-chuzhi-2027.xlsx"
    wb = workbook()
    wb.properties.creator = "remit sample"
    wb.save(xlsx)
    path = directory / "hp-chuzhi-2027.csv"
    with path.open("w", encoding="gb18030", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(csv_rows())
    return xlsx, path


if __name__ == "__main__":
    for written in write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(written)
