"""The check report as one HTML page: self-contained, escaped, in Chinese and English, and
working in a real browser (headless Debian chromium driven by playwright).

The browser tests skip when /usr/bin/chromium or playwright is missing, unless
``REMIT_REQUIRE_BROWSER`` is set (``.ci/run`` sets it), when they fail instead.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from remit import Registry
from remit.checks import compare, run_check
from remit.checks.report import (
    AreaLabel,
    CheckReport,
    ClusterPair,
    Comparison,
    ConflictCluster,
    MatterLabel,
    UnitLabel,
)
from remit.findings import Finding, FindingKind, LoadIndex, Severity
from remit.present.check_html import render_html
from remit.registry.refs import DutyRef
from tests.factories import check_report, duty_ref, load_row

# --------------------------------------------------------------------------- a report by hand

NJDL, WT, RJEL = "310101002000", "310101013000", "310101023000"
GRID1, GRID2, SHANXI = "31010100200101", "31010100200102", "310101002002"
LEAVES = [GRID1, GRID2, SHANXI, WT, "310101015000", "310101017000", "310101019000", RJEL]

AREAS = {
    "310101000000": AreaLabel(name="黄浦区", level="district"),
    NJDL: AreaLabel(name="南京东路街道", level="street", parent="310101000000", street=NJDL),
    GRID1: AreaLabel(name="贵州居民区第一网格", level="grid", street=NJDL),
    GRID2: AreaLabel(name="贵州居民区第二网格", level="grid", street=NJDL),
    SHANXI: AreaLabel(name="山西居民区", level="community", street=NJDL),
    WT: AreaLabel(name="外滩街道", level="street", street=WT),
    "310101015000": AreaLabel(name="半淞园路街道", level="street"),
    "310101017000": AreaLabel(name="小东门街道", level="street"),
    "310101019000": AreaLabel(name="老西门街道", level="street"),
    RJEL: AreaLabel(name="瑞金二路街道", level="street", street=RJEL),
}
UNITS = {
    "HP-SCJ": UnitLabel(name="区市场监督管理局", kind="line", level="district"),
    "HP-FGJ": UnitLabel(name="区房屋管理局", kind="line", level="district"),
    "HP-CGJ": UnitLabel(name="区城市管理行政执法局", kind="line", level="district"),
    "HP-NJDL": UnitLabel(name="南京东路街道办事处", kind="block", level="street"),
    "HP-WT": UnitLabel(name="外滩街道办事处", kind="block", level="street"),
    "HP-RJEL": UnitLabel(name="瑞金二路街道办事处", kind="block", level="street"),
    "HP-EVIL": UnitLabel(name="<img src=x onerror=alert(2)>", kind="owner", level="district"),
}
MATTERS = {
    "SJ0501": MatterLabel(name="无照经营游商"),
    "SJ0106": MatterLabel(name="绿地脏乱"),
    "RX0603": MatterLabel(name="电动自行车违规充电"),
    "SJ0504": MatterLabel(name="店外经营", hit_policy="priority"),
    "SJ0601": MatterLabel(name="群租"),
    "XX0001": MatterLabel(name="<script>alert(1)</script>"),
}


def _findings() -> list[Finding]:
    error, warning = Severity.error, Severity.warning
    return [
        Finding(
            id="overlap-SJ0501",
            kind=FindingKind.overlap,
            severity=error,
            matter="SJ0501",
            areas=LEAVES,
            region=[{"location_type": ["road", "pavement"]}],
            region_text="地点类型 ∈ {道路, 人行道}",
            cells=2 * len(LEAVES),
            units=["HP-SCJ", "HP-NJDL", "HP-WT"],
            duties=[
                duty_ref("HP-QZ-SCJ", 1, "HP-SCJ", "310101000000"),
                duty_ref("HP-JZ-JB", 12, "HP-NJDL", NJDL, 2),
                duty_ref("HP-JZ-JB", 13, "HP-WT", WT, 2),
            ],
            message="3 个单位对这些情形均为主办：区市场监督管理局、南京东路街道办事处、外滩街道办事处",
        ),
        Finding(
            id="gap-SJ0106",
            kind=FindingKind.gap,
            severity=error,
            matter="SJ0106",
            areas=LEAVES,
            region=[{"location_type": ["park"]}],
            region_text="地点类型 = 公园绿地",
            cells=len(LEAVES),
            message="这些情形无主办单位，也无不负责条目转交",
        ),
        Finding(
            id="gap-RX0603",
            kind=FindingKind.gap,
            severity=error,
            matter="RX0603",
            areas=[RJEL],
            region=[{}],
            region_text="全部情形",
            cells=1,
            message="这些情形无主办单位（区消防救援支队 仅监管）",
        ),
        Finding(
            id="masked-SJ0504",
            kind=FindingKind.masked,
            severity=warning,
            matter="SJ0504",
            areas=[GRID1, GRID2, WT],
            region=[{}],
            region_text="全部情形",
            cells=3,
            units=["HP-CGJ", "HP-NJDL"],
            duties=[
                duty_ref("HP-QZ-CGJ", 4, "HP-CGJ", "310101000000"),
                duty_ref("HP-JZ-JB", 30, "HP-NJDL", NJDL),
            ],
            message="区城市管理行政执法局 在此为主办，但被优先级更高的 南京东路街道办事处 屏蔽",
        ),
        Finding(
            id="stale-SJ0601",
            kind=FindingKind.stale,
            severity=warning,
            matter="SJ0601",
            units=["HP-FGJ"],
            duties=[duty_ref("HP-QZ-FGJ", 7, "HP-FGJ", "310101000000")],
            message="区房屋管理局：应于 2025-12-31 前复核（检查日 2026-11-28）",
        ),
        Finding(
            id="overload-HP-NJDL",
            kind=FindingKind.overload,
            severity=warning,
            units=["HP-NJDL"],
            message="南京东路街道办事处：负荷指数 1.35",
        ),
        Finding(
            id="evil",
            kind=FindingKind.out_of_jurisdiction,
            severity=Severity.info,
            matter="XX0001",
            areas=[WT],
            units=["HP-EVIL"],
            message='<b>bold</b> & "quoted" </td></tr></table><script>alert(3)</script>',
        ),
    ]


def _cluster() -> ConflictCluster:
    pairs = [
        ClusterPair(units=("HP-SCJ", "HP-NJDL"), cells=6, matters=["SJ0501"]),
        ClusterPair(units=("HP-SCJ", "HP-WT"), cells=2, matters=["SJ0501"]),
        ClusterPair(units=("HP-FGJ", "HP-NJDL"), cells=3, matters=["SJ0601"]),
    ]
    return ConflictCluster(
        units=["HP-SCJ", "HP-FGJ", "HP-NJDL", "HP-WT"],
        cells=11,
        matters=["SJ0501", "SJ0601"],
        pairs=pairs,
    )


def _load() -> list[LoadIndex]:
    return [
        load_row(
            "HP-NJDL", "street", "block", staff=40, workload_hours=108000, events_per_year=54000
        ),
        load_row(
            "HP-SCJ", "district", "line", staff=120, workload_hours=60000, events_per_year=20000
        ),
    ]


def make_report(lang: str = "zh", **changes: Any) -> CheckReport:
    fields: dict[str, Any] = {
        "findings": _findings(),
        "snapshot_hash": "0123456789abcdef0123456789abcdef",
        "filters": {"area": "310101000000", "list": "HP-JZ-JB"},
        "load": _load(),
        "volume_source": "catalogue",
        "clusters": [_cluster()],
        "matters": MATTERS,
        "areas": AREAS,
        "units": UNITS,
    }
    return check_report(lang=lang, **(fields | changes))


def make_compared(lang: str = "zh") -> CheckReport:
    resolved = Finding(
        id="gap-old",
        kind=FindingKind.gap,
        severity=Severity.error,
        matter="SJ0106",
        areas=[WT],
        cells=1,
        message="旧的遗漏",
    )
    comparison = Comparison(
        baseline="HP-JZ-JB@1",
        baseline_hash="fedcba9876543210fedcba9876543210",
        introduced=["overlap-SJ0501", "gap-RX0603"],
        resolved=[resolved],
    )
    return make_report(lang, comparison=comparison, subject="HP-JZ-JB@2")


# --------------------------------------------------------------------------- the markup


class _Outline(HTMLParser):
    """What a test wants to know of a page: ids, tags with their attributes, script bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}


def outline(page: str) -> _Outline:
    parser = _Outline()
    parser.feed(page)
    parser.close()
    return parser


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_self_contained(lang: str) -> None:
    page = render_html(make_compared(lang), lang)  # type: ignore[arg-type]
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert "<link" not in page.lower()
    assert "http://" not in page and "https://" not in page
    assert "@import" not in page and "url(" not in page
    parsed = outline(page)
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "action", "poster", "srcset", "xlink:href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#"), f"<{tag} {name}={value!r}> would load something"
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert scripts and all("src" not in attrs for attrs in scripts)
    assert [tag for tag, _ in parsed.tags].count("html") == 1
    assert any(tag == "meta" and "Content-Security-Policy" in str(a) for tag, a in parsed.tags)


def test_escapes_names_and_messages() -> None:
    page = render_html(make_report(), "zh")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "&amp; &quot;quoted&quot;" in page
    parsed = outline(page)
    assert [tag for tag, _ in parsed.tags].count("script") == 1
    assert not any(tag == "img" for tag, _ in parsed.tags)
    assert "alert(" not in "".join(parsed.scripts)


def test_sections_and_ids() -> None:
    ids = outline(render_html(make_compared(), "zh")).ids()
    for section in ("summary", "comparison", "heatmap", "clusters", "findings", "load"):
        assert section in ids
    assert {"findings-table", "filter-kind", "filter-severity", "filter-text"} <= ids
    assert {"shown-count", "filter-new", "load-table"} <= ids
    assert "comparison" not in outline(render_html(make_report(), "zh")).ids()


def _rows(page: str, table_id: str) -> list[dict[str, str | None]]:
    """The attributes of the rows of a table's body."""
    body = page.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [attrs for tag, attrs in outline(body).tags if tag == "tr"]


def test_findings_table() -> None:
    report = make_compared()
    page = render_html(report, "zh")
    rows = _rows(page, "findings-table")
    assert len(rows) == len(report.findings)
    assert [r["data-severity"] for r in rows] == sorted(
        (r["data-severity"] for r in rows), key=lambda s: -Severity(s).rank
    )
    assert {r["data-kind"] for r in rows} == {f.kind.value for f in report.findings}
    introduced = {r["data-id"] for r in rows if r.get("class") == "introduced"}
    assert introduced == {"overlap-SJ0501", "gap-RX0603"}
    # names, not codes; long lists cut short; duty rows as LIST vN #row
    assert "南京东路街道办事处" in page and "贵州居民区第一网格" in page
    assert f"等，另 {len(LEAVES) - 5} 个" in page
    assert "HP-JZ-JB v2 #12" in page
    assert "地点类型 ∈ {道路, 人行道}" in page
    # the resolved finding is listed in the comparison, not in the table
    assert "旧的遗漏" in page and "gap-old" not in {r["data-id"] for r in rows}


def test_chinese_labels() -> None:
    page = render_html(make_compared("zh"), "zh")
    assert '<html lang="zh-CN">' in page
    for text in (
        "权责清单检查报告",
        "职能重叠",
        "遗漏",
        "被屏蔽",
        "逾期未复核",
        "问题分布热力图",
        "职能冲突集群",
        "问题明细",
        "履职负荷（小马拉大车）",
        "超负荷",
        "与 HP-JZ-JB@1 比较",
        "事项目录估算",
        "2026-11-28",
        "0123456789ab",
        "区域: 黄浦区 (310101000000)",
        "清单: HP-JZ-JB",
    ):
        assert text in page, text
    assert "Findings by kind" not in page


def test_english_labels() -> None:
    page = render_html(make_compared("en"), "en")
    assert '<html lang="en">' in page
    for text in (
        "Responsibility list check",
        "Findings by kind",
        "Where the findings are",
        "Conflict clusters",
        "Load (小马拉大车)",
        "overloaded",
        "Compared with HP-JZ-JB@1",
        "the catalogue&#x27;s estimates",
        "Showing <span",
    ):
        assert text in page, text
    # names from the report stay as they are
    assert "南京东路街道办事处" in page
    assert "问题分布热力图" not in page


def test_heatmap_aggregates_to_streets() -> None:
    page = render_html(make_report(), "zh")
    heat = page.split('id="heatmap"', 1)[1].split("</section>", 1)[0]
    columns = re.findall(r'<span class="vertical">([^<]*)</span>', heat)
    # the two grids and 山西居民区 all lie in 南京东路街道: one column
    assert columns.count("南京东路街道") == 1
    assert "贵州居民区第一网格" not in columns and "山西居民区" not in columns
    assert "瑞金二路街道" in columns and "半淞园路街道" in columns
    # SJ0501 touches 南京东路街道 in three leaf areas, still one finding
    row = heat.split("SJ0501", 1)[1].split("</tr>", 1)[0]
    assert 'title="无照经营游商 — 南京东路街道：问题 1 个，检查单元 6 个（职能重叠 1）"' in row
    # the stale finding has no areas but a duty row in 黄浦区; the overload none at all
    assert "黄浦区" in columns
    assert "1 个问题未涉及具体事项或区域" in heat


def test_heatmap_caps_rows_and_columns() -> None:
    areas = {f"A{n:04d}": AreaLabel(name=f"区域{n}", level="street") for n in range(60)}
    matters = {f"M{n:03d}": MatterLabel(name=f"事项{n}") for n in range(50)}
    findings = [
        Finding(
            id=f"gap-{m}",
            kind=FindingKind.gap,
            severity=Severity.error,
            matter=m,
            areas=list(areas)[: 10 + n],
            cells=10 + n,
        )
        for n, m in enumerate(matters)
    ]
    report = make_report(findings=findings, areas=areas, matters=matters, counts={}, severities={})
    page = render_html(report, "en")
    heat = page.split('id="heatmap"', 1)[1].split("</section>", 1)[0]
    assert "Showing the 40 busiest of 50 matters and the 40 busiest of 59 columns." in heat
    assert heat.count('<th scope="row"') == 40
    assert heat.count('<span class="vertical">') == 40
    assert "M049" in heat and "M000" not in heat  # the busiest kept
    # counts missing from the report are counted from the findings
    summary = page.split('id="summary"', 1)[1].split("</section>", 1)[0]
    assert '<span class="n">50</span>' in summary


def test_clusters_drawing() -> None:
    page = render_html(make_report(), "zh")
    clusters = page.split('id="clusters"', 1)[1].split("</section>", 1)[0]
    assert clusters.count("<svg") == 1
    assert clusters.count("<circle") == 4
    assert clusters.count("<line") == 3
    assert re.findall(r'class="edge-label"[^>]*>(\d+)<', clusters) == ["6", "2", "3"]
    for name in ("区市场监督管理局", "区房屋管理局", "南京东路街道办事处", "外滩街道办事处"):
        assert name in clusters
    assert "区市场监督管理局 — 南京东路街道办事处：6 个检查单元（无照经营游商）" in clusters
    empty = render_html(make_report(clusters=[]), "zh")
    assert "没有职能冲突集群" in empty.split('id="clusters"', 1)[1].split("</section>", 1)[0]


def test_load_table() -> None:
    page = render_html(make_report(), "zh")
    rows = _rows(page, "load-table")
    assert [r["data-unit"] for r in rows] == ["HP-NJDL", "HP-SCJ"]  # busiest first
    assert rows[0].get("class") == "overloaded" and rows[1].get("class") is None
    assert "108,000" in page and "1.35" in page
    history = render_html(make_report(volume_source="history", load=[]), "zh")
    assert "事件量来源：历史事件" in history and "本报告没有负荷数据" in history


def test_empty_report() -> None:
    report = make_report(
        findings=[], clusters=[], load=[], counts={}, severities={}, matters={}, units={}
    )
    page = render_html(report, "en")
    assert "No findings: the lists pass every check." in page
    assert "No conflict clusters" in page
    assert "findings-table" not in outline(page).ids()


# --------------------------------------------------------------------------- the templates

EVIL = "<i data-evil='1'>\"x\" & y</i>"


def test_every_text_of_the_report_is_escaped() -> None:
    """Names, messages, codes and headings from the report, in text and in attributes (the
    tooltips, the heat map's titles, the drawing's labels), never turn into markup."""
    areas = {**AREAS, WT: AreaLabel(name=EVIL, level="street", street=WT)}
    units = {**UNITS, "HP-WT": UnitLabel(name=EVIL, kind="block", level="street")}
    matters = {**MATTERS, "SJ0501": MatterLabel(name=EVIL)}
    findings = [f.model_copy(update={"message": EVIL, "region_text": EVIL}) for f in _findings()]
    findings[0].duties.append(
        DutyRef(list_id=EVIL, version=1, row=1, unit="HP-WT", role="lead", area=EVIL)
    )
    comparison = Comparison(
        baseline=EVIL, baseline_hash=EVIL, introduced=["overlap-SJ0501"], resolved=[]
    )
    report = make_report(
        "en",
        areas=areas,
        units=units,
        matters=matters,
        findings=findings,
        subject=EVIL,
        snapshot_hash=EVIL,
        filters={"area": WT, EVIL: EVIL},
        comparison=comparison,
    )
    for lang in ("zh", "en"):
        page = render_html(report, lang)
        parsed = outline(page)
        assert not any(tag == "i" for tag, _ in parsed.tags)
        assert not any("data-evil" in attrs for _, attrs in parsed.tags)
        assert "<i " not in page and "'1'" not in page
        assert "&lt;i data-evil=&#x27;1&#x27;&gt;&quot;x&quot; &amp; y&lt;/i&gt;" in page
        assert [tag for tag, _ in parsed.tags].count("script") == 1


def test_style_and_script_are_the_package_files() -> None:
    static = files("remit.present").joinpath("static")
    css = static.joinpath("check_report.css").read_text(encoding="utf-8")
    script = static.joinpath("check_report.js").read_text(encoding="utf-8")
    page = render_html(make_compared(), "zh")
    assert page.count("<style>") == 1 and page.count("<script>") == 1
    assert page.split("<style>", 1)[1].split("</style>", 1)[0].strip() == css.strip()
    assert page.split("<script>", 1)[1].split("</script>", 1)[0].strip() == script.strip()
    assert "</style" not in css.lower() and "</script" not in script.lower()
    assert "var terms = search.value.toLowerCase().split(/\\s+/)" in script
    csp = [a["content"] for tag, a in outline(page).tags if tag == "meta" and "content" in a]
    assert (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    ) in csp


def test_templates_mark_nothing_safe() -> None:
    """Autoescape does the escaping: no template switches it off or marks a value safe."""
    templates = files("remit.present").joinpath("templates")
    names = sorted(p.name for p in templates.iterdir() if p.name.endswith(".j2"))
    assert "check_report.html.j2" in names
    for name in names:
        text = templates.joinpath(name).read_text(encoding="utf-8")
        for forbidden in (r"\|\s*safe\b", r"\{%-?\s*autoescape"):
            assert not re.search(forbidden, text), (name, forbidden)


def test_package_data_holds_templates_and_static_files() -> None:
    """An installed package has every template and static file (pyproject's package-data)."""
    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["remit"]
    assert any(d.startswith("jinja2") for d in pyproject["project"]["dependencies"])
    root = Path(str(files("remit")))
    shipped = [
        p.relative_to(root).as_posix()
        for folder in ("present/templates", "present/static")
        for p in (root / folder).iterdir()
        if p.is_file()
    ]
    assert len(shipped) >= 3
    for path in shipped:
        assert any(fnmatch.fnmatch(path, g) for g in globs), path


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("zh", '<span class="count">显示 <span id="shown-count">7</span> 个，共 7 个问题</span>'),
        ("en", '<span class="count">Showing <span id="shown-count">7</span> of 7 findings</span>'),
    ],
)
def test_shown_count_inside_the_message(lang: str, text: str) -> None:
    assert text in render_html(make_report(), lang)  # type: ignore[arg-type]


def test_findings_cells_run_together() -> None:
    """The search matches a row's text content: no whitespace of the page's own between the
    cells, none before the first or after the last."""
    page = render_html(make_compared(), "zh")
    body = page.split('id="findings-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    rows = re.findall(r"<tr [^>]*>(.*?)</tr>", body, flags=re.S)
    assert len(rows) == 7
    for row in rows:
        assert row.startswith('<td class="col-severity">') and row.endswith("</td>")
        assert not re.search(r"</td>\s+<td", row)
        assert row.count("<td") == 9


def test_cluster_geometry() -> None:
    """The drawing's numbers: four units on a circle of radius 72, the most involved
    (南京东路街道办事处, 9 cells) at the top with its label above it."""
    page = render_html(make_report(), "zh")
    clusters = page.split('id="clusters"', 1)[1].split("</section>", 1)[0]
    assert 'viewBox="0 0 444 224"' in clusters and 'width="444"' in clusters
    assert '<circle cx="222.0" cy="40.0" r="14.0"></circle>' in clusters
    assert '<text x="222.0" y="17.0" text-anchor="middle">南京东路街道办事处</text>' in clusters
    assert 'aria-label="集群 1：4 个单位，11 个检查单元"' in clusters
    widths = re.findall(r'stroke-width="([\d.]+)"', clusters)
    assert widths == ["7.0", "3.0", "4.0"]  # 1 + 6 × cells / 6


def test_heat_colours() -> None:
    page = render_html(make_report(), "zh")
    heat = page.split('id="heatmap"', 1)[1].split("</section>", 1)[0]
    assert 'style="background:#961e14;color:#fff"' in heat  # the top: one finding a cell
    swatches = re.findall(r'<span class="swatch" style="([^"]*)"></span>', heat)
    assert swatches == ["background:#961e14"]


# --------------------------------------------------------------------------- in a browser


class Opened:
    """A report opened in the browser, with what went wrong while it loaded and ran."""

    def __init__(self, browser: Any, path: Path):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url, wait_until="load")

    def visible_rows(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "#findings-table tbody tr",
            "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.id)",
        )

    def shown_count(self) -> int:
        return int(self.page.inner_text("#shown-count"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def opened(browser: Any, tmp_path: Path) -> Iterator[Any]:
    pages: list[Opened] = []

    def open_report(report: CheckReport, lang: str = "zh") -> Opened:
        path = tmp_path / f"report-{len(pages)}.html"
        path.write_text(render_html(report, lang), encoding="utf-8")  # type: ignore[arg-type]
        pages.append(Opened(browser, path))
        return pages[-1]

    yield open_report
    for page in pages:
        page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_browser_loads_cleanly(opened: Any, lang: str) -> None:
    report = make_compared(lang)
    view = opened(report, lang)
    page = view.page
    assert page.is_visible("#summary")
    assert page.is_visible("#findings")
    for section in ("#heatmap", "#clusters", "#load", "#comparison"):
        assert page.is_visible(section), section
    assert page.locator("#findings-table tbody tr").count() == len(report.findings)
    assert len(view.visible_rows()) == len(report.findings)
    assert view.shown_count() == len(report.findings)
    assert page.is_hidden("#no-match")
    assert page.locator("#clusters svg circle").count() == 4
    # the escaped names show as text and nothing ran from them
    assert "<script>alert(1)</script>" in page.inner_text("#findings-table")
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
    assert view.requests == [view.url]  # the page itself, nothing else
    assert view.errors == []


def test_browser_filter_by_kind(opened: Any) -> None:
    report = make_report()
    view = opened(report)
    view.page.select_option("#filter-kind", "gap")
    gaps = {f.id for f in report.findings if f.kind is FindingKind.gap}
    assert set(view.visible_rows()) == gaps
    assert view.shown_count() == len(gaps) == 2
    view.page.select_option("#filter-severity", "warning")  # no warning is a gap
    assert view.visible_rows() == []
    assert view.page.is_visible("#no-match")
    view.page.click("#filter-reset")
    assert view.shown_count() == len(report.findings)
    assert view.page.is_hidden("#no-match")
    assert view.errors == []


def test_browser_search(opened: Any) -> None:
    report = make_report()
    view = opened(report)
    total = len(report.findings)
    view.page.fill("#filter-text", "瑞金二路")
    assert view.visible_rows() == ["gap-RX0603"]
    assert view.shown_count() == 1
    view.page.fill("#filter-text", "hp-jz-jb")  # duty rows, case-insensitive
    assert set(view.visible_rows()) == {"overlap-SJ0501", "masked-SJ0504"}
    view.page.fill("#filter-text", "南京东路 屏蔽")  # every word must match
    assert view.visible_rows() == ["masked-SJ0504"]
    view.page.fill("#filter-text", "no such text")
    assert view.shown_count() == 0
    view.page.fill("#filter-text", "")
    assert view.shown_count() == total
    assert view.errors == []


def test_browser_summary_cards_filter(opened: Any) -> None:
    report = make_report()
    view = opened(report)
    view.page.click('#summary [data-filter-severity="warning"]')
    warnings = {f.id for f in report.findings if f.severity is Severity.warning}
    assert set(view.visible_rows()) == warnings
    assert view.page.input_value("#filter-severity") == "warning"
    view.page.click('#summary [data-filter-kind="overlap"]')
    assert view.visible_rows() == ["overlap-SJ0501"]
    view.page.click('#summary [data-filter-kind="referral_cycle"]')  # none: shows all kinds
    assert view.shown_count() == len(report.findings)
    assert view.errors == []


def test_browser_only_introduced(opened: Any) -> None:
    view = opened(make_compared())
    view.page.check("#filter-new")
    assert set(view.visible_rows()) == {"overlap-SJ0501", "gap-RX0603"}
    view.page.click('#comparison a[href="#' + _row_id(view, "gap-RX0603") + '"]')
    assert view.errors == []


def _row_id(view: Opened, finding_id: str) -> str:
    return view.page.get_attribute(f'#findings-table tr[data-id="{finding_id}"]', "id") or ""


def test_browser_empty_report(opened: Any) -> None:
    report = make_report(findings=[], clusters=[], load=[], counts={}, severities={})
    view = opened(report, "en")
    assert view.page.is_visible("#summary")
    assert view.page.is_visible("#findings")
    assert view.page.locator("#findings-table").count() == 0
    assert view.errors == []


def test_browser_screenshot(opened: Any, tmp_path: Path) -> None:
    view = opened(make_compared())
    shot = tmp_path / "report.png"
    view.page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert view.errors == []


# --------------------------------------------------------------------------- the sample's report


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_browser_sample_report(opened: Any, sample_registry: Registry, lang: str) -> None:
    """The real report of the sample on 2026-11-28, compared with 2025-01-01 (before the
    street reform), renders and runs without an error."""
    report = run_check(sample_registry.snapshot(dt.date(2026, 11, 28)), lang=lang)
    baseline = run_check(sample_registry.snapshot(dt.date(2025, 1, 1)), lang=lang)
    report = compare(report, baseline, "2025-01-01")
    view = opened(report, lang)
    page = view.page
    for section in ("#summary", "#comparison", "#heatmap", "#clusters", "#findings", "#load"):
        assert page.is_visible(section), section
    assert page.locator("#findings-table tbody tr").count() == len(report.findings)
    assert page.locator("#clusters svg").count() == len(report.clusters)
    assert page.locator("#load-table tbody tr").count() == len(report.load)
    page.select_option("#filter-kind", "gap")
    gaps = [f.id for f in report.findings if f.kind is FindingKind.gap]
    assert sorted(view.visible_rows()) == sorted(gaps) and gaps
    page.select_option("#filter-kind", "")
    page.fill("#filter-text", "SJ0106")  # 绿地脏乱: the park gap
    assert 0 < view.shown_count() < len(report.findings)
    assert view.requests == [view.url]
    assert view.errors == []
