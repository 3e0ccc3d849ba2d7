"""The check pages (/ui/check, /ui/check/streets/{area}): the heat map of streets × matter
groups coloured by the worst severity, each cell a link that filters the findings; short
finding ids; areas rolled up to streets; cited rows linked; exports; in Chinese by default —
through the ASGI client, and in Chromium (no console errors, axe-core clean, screenshots)."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from typing import Any

import openpyxl
import pytest

from remit import Registry
from remit.present.pages_check import whole
from tests.conftest import SCREENSHOTS, STAFF_PASSWORD, BrowserPage, ServiceClient

NJDL = "310101002000"  # 南京东路街道


def signed_in(svc: ServiceClient, login: str = "officer") -> ServiceClient:
    answer = svc.client.post("/login", data={"login": login, "password": STAFF_PASSWORD})
    assert answer.status_code == 200
    return svc


ROW = re.compile(
    r'data-finding-id="([0-9a-f]+)">\s*<th scope="row"><span class="fid"[^>]*>(F-\d+)<'
)


def short_ids(html: str) -> dict[str, str]:
    """F-001 → the finding's hash, as the findings table shows them."""
    return {short: long for long, short in ROW.findall(html)}


def heat_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<td class="heat-cell[^"]*"><a href="([^"]+)"', html)]


def test_the_check_page_in_chinese_by_default(svc: ServiceClient) -> None:
    page = signed_in(svc).client.get("/ui/check")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="zh-CN">' in html and "清单检查" in html
    assert "格子颜色表示格内最严重的问题等级" in html  # the legend says what colour means
    assert "南京东路街道" in html and "贵州居民区第一网格" in html  # streets, grids as detail
    assert re.search(r'class="fid" title="问题标识 [0-9a-f]{12}">F-001<', html)
    assert re.search(r'href="/ui/lists/[A-Z-]+/versions/\d+#row-\d+"', html)
    assert "11,837" in html and "11,837.1" not in html  # whole events, grouped
    assert 'href="/ui/check/report.xlsx"' in html and 'href="/ui/check/report.json"' in html
    assert "heat-error" in html and "heat-warning" in html
    english = svc.client.get("/ui/check?lang=en").text
    assert '<html lang="en">' in english and "Streets × matter groups" in english


def test_signed_out_goes_to_sign_in(svc: ServiceClient) -> None:
    answer = svc.client.get("/ui/check", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_short_ids_are_stable_for_a_report(svc: ServiceClient) -> None:
    signed_in(svc)
    first = short_ids(svc.client.get("/ui/check").text)
    second = short_ids(svc.client.get("/ui/check").text)
    assert first and first == second
    assert list(first) == [f"F-{n:03d}" for n in range(1, len(first) + 1)]
    # a filter shows fewer rows but never renumbers them
    errors = short_ids(svc.client.get("/ui/check?severity=error").text)
    assert errors and all(first[short] == long for short, long in errors.items())
    assert len(errors) < len(first)


def test_filters_narrow_the_findings(svc: ServiceClient) -> None:
    signed_in(svc)
    everything = short_ids(svc.client.get("/ui/check").text)
    gaps = svc.client.get("/ui/check?kind=gap").text
    assert 0 < len(short_ids(gaps)) < len(everything)
    assert "显示 2 条" in gaps or re.search(r"显示 \d+ 条", gaps)
    by_text = short_ids(svc.client.get("/ui/check?q=F-004").text)
    assert list(by_text) == ["F-004"]
    street = short_ids(svc.client.get(f"/ui/check?street={NJDL}&kind=masked").text)
    assert street and len(street) <= 2
    assert short_ids(svc.client.get("/ui/check?kind=nonsense&q=%3Cscript%3E").text) == {}
    assert svc.client.get("/ui/check?street=" + "x" * 5000).status_code == 200


def test_a_heat_map_cell_links_to_its_findings(svc: ServiceClient) -> None:
    html = signed_in(svc).client.get("/ui/check").text
    links = heat_links(html)
    assert links and all(link.startswith("/ui/check?street=") for link in links)
    target = next(link for link in links if f"street={NJDL}" in link)
    shown = svc.client.get(target.split("#")[0]).text
    group = re.search(r"group=([A-Z0-9]+)", target)
    assert group is not None
    count = re.search(r'aria-current="true">(\d+)<', shown)
    assert count is not None  # the chosen cell is marked
    assert len(short_ids(shown)) == int(count.group(1))
    assert f'<option value="{NJDL}" selected>' in shown


def test_the_exports_download_and_parse(svc: ServiceClient) -> None:
    signed_in(svc)
    report = svc.client.get("/ui/check/report.json")
    assert report.status_code == 200
    assert report.headers["content-disposition"].startswith('attachment; filename="check-')
    data = json.loads(report.content)
    assert data["findings"] and data["snapshot_hash"]
    book = svc.client.get("/ui/check/report.xlsx")
    assert book.status_code == 200 and "attachment" in book.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(book.content))
    assert len(workbook.sheetnames) > 1


def test_a_street_page(svc: ServiceClient) -> None:
    html = signed_in(svc).client.get(f"/ui/check/streets/{NJDL}").text
    assert "南京东路街道：清单检查" in html
    assert "13 条问题（最严重：错误） · 街道单位负荷指数 0.67 · 37 条在行职责" in html
    assert "在行职责" in html and "#row-" in html
    assert "南京东路街道办事处" in html  # its units' load
    assert re.search(r">F-\d{3}<", html)
    for code in ("999999999999", "31010100200101", "<x>"):  # unknown, a grid, nonsense
        assert svc.client.get(f"/ui/check/streets/{code}").status_code == 404


def test_a_write_makes_a_new_report(svc: ServiceClient) -> None:
    """The worker keeps the report per registry revision: a write shows at the next page."""
    signed_in(svc)
    before = re.search(r"快照 ([0-9a-f]{12})", svc.client.get("/ui/check").text)
    writer = Registry(svc.url)
    try:
        writer.withdraw("HP-QZ-FGJ", 1, note="撤回", by="test", retroactive=True)
    finally:
        writer.close()
    after = re.search(r"快照 ([0-9a-f]{12})", svc.client.get("/ui/check").text)
    assert before and after and before.group(1) != after.group(1)


def test_the_map_data(svc: ServiceClient) -> None:
    answer = signed_in(svc).client.get("/ui/check/streets.geojson")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/geo+json"
    data = answer.json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 10
    njdl = next(f for f in data["features"] if f["properties"]["code"] == NJDL)
    assert njdl["geometry"]["type"] == "Polygon"
    assert njdl["properties"]["name"] == "南京东路街道" and njdl["properties"]["findings"] == 13
    assert njdl["properties"]["href"] == f"/ui/check/streets/{NJDL}"
    rjel = next(f for f in data["features"] if f["properties"]["name"] == "瑞金二路街道")
    assert "负荷指数 1.26" in rjel["properties"]["label"] and rjel["properties"]["load"] == "1.26"
    assert rjel["properties"]["colour_load"] == "#8f1d10"  # overloaded: the darkest
    assert njdl["properties"]["colour_load"] != rjel["properties"]["colour_load"]
    assert njdl["properties"]["colour_findings"] == "#8f1d10"  # 13 findings


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (11837.1, "zh", "11,837"),
        (11837.6, "en", "11,838"),
        (8, "zh", "8"),
        (99_999.4, "zh", "99,999"),
        (123_456, "zh", "12.3万"),
        (1_200_000, "zh", "120万"),
        (123_456, "en", "123,456"),
    ],
)
def test_numbers_as_people_read_them(value: float, lang: Any, text: str) -> None:
    assert whole(value, lang) == text


# --------------------------------------------------------------------------- in Chromium


def test_browser_check_page_heat_map_click(tab: BrowserPage) -> None:
    tab.sign_in("officer", then="/ui/check")
    assert tab.page.get_attribute("html", "lang") == "zh-CN"
    tab.page.wait_for_selector("#check-map[data-ready='10']")
    assert tab.page.locator("#check-map .leaflet-tooltip").count() == 10
    tab.page.check("input[name=map-by][value=findings]")
    assert tab.page.get_attribute("#check-map", "data-by") == "findings"
    assert tab.page.is_visible("#map-legend-findings") and not tab.page.is_visible(
        "#map-legend-load"
    )
    tab.page.check("input[name=map-by][value=load]")
    assert tab.axe() == []
    tab.screenshot("check")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.locator("#map").screenshot(path=str(SCREENSHOTS / "check-map.png"))
    cell = tab.page.locator("td.heat-cell a").nth(3)
    expected = int(cell.inner_text())
    with tab.page.expect_navigation():
        cell.click()
    assert "street=" in tab.page.url and tab.page.url.endswith("#findings")
    assert tab.page.locator("table.check-findings tbody tr").count() == expected
    assert tab.page.locator("td.heat-cell.current").count() == 1
    tab.page.locator("#clusters").screenshot(path=str(SCREENSHOTS / "check-clusters.png"))
    assert tab.axe() == []
    assert tab.problems == []


def test_browser_a_street_on_the_map_opens_its_page(tab: BrowserPage) -> None:
    tab.sign_in("officer", then="/ui/check")
    tab.page.wait_for_selector("#check-map[data-ready='10']")
    with tab.page.expect_navigation():
        tab.page.locator('#check-map path[aria-label^="南京东路街道："]').click()
    assert tab.page.url.endswith(f"/ui/check/streets/{NJDL}")
    assert tab.problems == []


def test_browser_street_page(tab: BrowserPage) -> None:
    tab.sign_in("officer", then=f"/ui/check/streets/{NJDL}")
    assert "南京东路街道" in tab.page.inner_text("h1")
    assert tab.axe() == []
    tab.screenshot("check-street")
    assert tab.problems == []
