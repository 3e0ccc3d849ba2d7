"""The dispatch desk (/ui/desk): matter suggestions, routing an event entered by hand with its
decision explained, the attributes the router asks for, recording a case, the map's point →
area — through the ASGI client, and in Chromium (keyboard only for the desk's flow; one click
on the map; axe-core clean; screenshots desk, desk-needs-info, desk-decision, desk-map)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import STAFF_PASSWORD, BrowserPage, ServiceClient

NJ_STREET = "310101002000"  # 南京东路街道
WT_STREET = "310101013000"  # 外滩街道


def sign_in(svc: ServiceClient, login: str = "disp") -> None:
    answer = svc.client.post(
        "/login", data={"login": login, "password": STAFF_PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303


def suggestions(svc: ServiceClient, q: str) -> list[dict[str, Any]]:
    answer = svc.client.get("/ui/desk/matters", params={"q": q})
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()
    return found


def route(svc: ServiceClient, **form: str) -> Any:
    data = {"reported_at": "2026-05-11T08:05", **form}
    return svc.client.post("/ui/desk", data=data, follow_redirects=False)


def event_id(html: str) -> str:
    found = re.search(r'name="event_id" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_desk_is_a_form_for_dispatchers(svc: ServiceClient) -> None:
    assert svc.client.get("/ui/desk", follow_redirects=False).headers["location"] == (
        "/login?next=/ui/desk"
    )
    sign_in(svc)
    page = svc.client.get("/ui/desk")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    html = page.text
    assert "<h1>派单台</h1>" in html and 'role="combobox"' in html
    assert '<optgroup label="南京东路街道">' in html and "贵州居民区第一网格" in html
    assert 'type="datetime-local"' in html and 'id="emergency"' in html
    assert 'href="/ui/desk"' in svc.client.get("/").text  # in the navigation, on the home page
    assert "<script>" not in html and "style=" not in html


@pytest.mark.parametrize(
    ("q", "code", "matched"),
    [
        ("上水井盖", "BJ0101", "name"),  # a name, in Chinese
        ("自来水井盖", "BJ0101", "alias"),
        ("bj0101", "BJ0101", "code"),  # case folded
        ("ＢＪ0101", "BJ0101", "code"),  # full width folded
        ("游商", "SJ0501", "alias"),  # part of an alias
        ("先行处置", "BJ0114", "keyword"),  # a word of the description
    ],
)
def test_matters_are_suggested_by_name_alias_code_or_keyword(
    svc: ServiceClient, q: str, code: str, matched: str
) -> None:
    sign_in(svc)
    found = suggestions(svc, q)
    assert found and found[0]["code"] == code and found[0]["matched"] == matched
    assert found[0]["label"].startswith(code + " ")


def test_suggestions_leave_out_groups_and_are_bounded(svc: ServiceClient) -> None:
    sign_in(svc)
    codes = [s["code"] for s in suggestions(svc, "BJ01")]
    assert "BJ01" not in codes and codes[0].startswith("BJ01") and len(codes) <= 12
    assert suggestions(svc, "") == [] and suggestions(svc, "没有这种事项") == []
    well = suggestions(svc, "井盖")
    assert len(well) >= 5 and all(s["group"] == "公用设施" for s in well[:5])


def test_a_complete_event_is_routed_and_explained(svc: ServiceClient) -> None:
    sign_in(svc)
    answer = route(svc, matter="BJ0101", area=NJ_STREET, description="井盖缺失")
    assert answer.status_code == 200
    html = answer.text
    assert 'class="status status-routed">已派遣' in html
    assert "<dt>主办单位</dt><dd>上海城投水务（集团）有限公司</dd>" in html
    assert "2026-05-11 12:05 (4紧急工作时)" in html  # by when
    assert '<a href="/ui/lists/HP-QSDW/versions/1#row-1">' in html  # the row it rests on
    assert "《上海市供水管理条例》" in html  # its legal basis
    assert "派遣平台：南京东路街道城市运行管理中心" in html  # the explanation's lines
    assert 'action="/ui/desk/record"' in html and 'name="description" value="井盖缺失"' in html
    assert event_id(html).startswith("desk-disp-")
    english = svc.client.post(
        "/ui/desk?lang=en", data={"matter": "自来水井盖", "area": "南京东路街道"}
    )
    assert english.status_code == 200 and "Record as case" in english.text


def test_an_emergency_and_a_conflict_say_who_commands_and_who_rules(svc: ServiceClient) -> None:
    sign_in(svc)
    urgent = route(svc, matter="BJ0101", area=NJ_STREET, emergency="1").text
    assert "<dt>统一指挥</dt><dd>区城市运行管理中心</dd>" in urgent
    assert 'id="emergency" name="emergency" type="checkbox" value="1" checked' in urgent
    assert '<input type="hidden" name="emergency" value="1">' in urgent  # kept for recording
    both = route(svc, matter="SJ0501", area=NJ_STREET, **{"attr.location_type": "road"}).text
    assert 'class="status status-conflict">职能重叠' in both
    assert "<dt>职能重叠的单位</dt><dd>南京东路街道办事处、区市场监督管理局</dd>" in both
    assert "<dt>裁定单位</dt><dd>南京东路街道城市运行管理中心</dd>" in both
    assert 'action="/ui/desk/record"' in both  # the centre holds it: it may be recorded
    # no reported time given: now
    assert (
        "status-routed"
        in svc.client.post("/ui/desk", data={"matter": "BJ0101", "area": NJ_STREET}).text
    )


def test_an_event_that_needs_information_asks_for_it_then_is_decided(svc: ServiceClient) -> None:
    sign_in(svc)
    asked = route(svc, matter="无照经营游商", area=NJ_STREET)
    assert asked.status_code == 200
    html = asked.text
    assert 'id="desk-needs-info"' in html and "由谁办理取决于以下属性：地点类型" in html
    assert 'name="attr.location_type"' in html and "autofocus" in html
    assert '<option value="residential_compound">住宅小区</option>' in html
    assert 'action="/ui/desk/record"' not in html  # nothing to record yet
    same = event_id(html)
    filled = route(
        svc,
        event_id=same,
        matter="SJ0501 无照经营游商",  # as a picked suggestion reads
        area=NJ_STREET,
        **{"attr.location_type": "residential_compound"},
    )
    assert filled.status_code == 200
    decided = filled.text
    assert 'id="desk-needs-info"' not in decided and "status-routed" in decided
    assert "<dt>主办单位</dt><dd>区市场监督管理局</dd>" in decided
    assert event_id(decided) == same
    assert '<option value="residential_compound" selected>住宅小区</option>' in decided


def test_recording_makes_a_case_once(svc: ServiceClient) -> None:
    sign_in(svc)
    html = route(svc, matter="BJ0101", area=NJ_STREET, emergency="1").text
    form = {
        "event_id": event_id(html),
        "matter": "BJ0101 上水井盖",
        "area": NJ_STREET,
        "reported_at": "2026-05-11T08:05",
        "emergency": "1",
        "description": "井盖缺失",
    }
    recorded = svc.client.post("/ui/desk/record", data=form, follow_redirects=False)
    assert recorded.status_code == 303
    location = recorded.headers["location"]
    assert re.fullmatch(r"/ui/cases/C-2026-\d+", location)
    case = svc.get("/cases/" + location.rsplit("/", 1)[1], "disp").json()
    assert case["source"] == "desk" and case["external_id"] == form["event_id"]
    assert case["event"]["emergency"] is True
    assert case["event"]["extra"] == {"description": "井盖缺失"}
    assert [s["actor"] for s in case["steps"]] == ["disp", "disp"]
    again = svc.client.post("/ui/desk/record", data=form, follow_redirects=False)
    assert again.headers["location"] == location  # the same event: the same case
    assert svc.get("/cases", "disp").json()["total"] == 1


def test_an_event_needing_information_is_not_recorded(svc: ServiceClient) -> None:
    sign_in(svc)
    answer = svc.client.post(
        "/ui/desk/record",
        data={"matter": "SJ0501", "area": NJ_STREET, "reported_at": "2026-05-11T08:05"},
        follow_redirects=False,
    )
    assert answer.status_code == 422 and 'role="alert"' in answer.text
    assert "地点类型" in answer.text
    assert svc.get("/cases", "disp").json()["total"] == 0


def test_a_unit_user_may_not_use_the_desk(svc: ServiceClient) -> None:
    sign_in(svc, "nj")
    assert svc.client.get("/ui/desk").status_code == 403
    assert svc.client.post("/ui/desk", data={"matter": "BJ0101"}).status_code == 403
    assert svc.client.get("/ui/desk/matters?q=井盖").status_code == 403
    assert svc.client.post("/ui/desk/record", data={"matter": "BJ0101"}).status_code == 403
    assert 'href="/ui/desk"' not in svc.client.get("/").text


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ({"matter": "没有这种事项", "area": NJ_STREET}, "没有事项"),
        ({"matter": "BJ01", "area": NJ_STREET}, "BJ01"),  # a group, not a matter
        ({"matter": "BJ0101", "area": "nowhere"}, "nowhere"),
        ({"matter": "BJ0101", "area": ""}, "请选择区域"),
        ({"matter": "", "area": NJ_STREET}, "请填写事项"),
        ({"matter": "BJ0101", "area": NJ_STREET, "reported_at": "yesterday"}, "reported_at"),
        ({"matter": "BJ0101", "area": NJ_STREET, "reported_at": "0001-01-01T00:00"}, "1900"),
        ({"matter": "BJ0101", "area": NJ_STREET, "reported_at": "2020-01-01T09:00"}, "2020-01-01"),
        ({"matter": "BJ0101", "lat": "91", "long": "121.48"}, "lat"),
        ({"matter": "BJ0101", "lat": "north", "long": "121.48"}, "lat"),
        ({"matter": "BJ0101", "area": NJ_STREET, "attr.nope": "x"}, "nope"),
        ({"matter": "行道树", "area": NJ_STREET, "attr.severity": "9"}, "9"),
    ],
)
def test_bad_input_is_shown_on_the_page(
    svc: ServiceClient, form: dict[str, str], said: str
) -> None:
    sign_in(svc)
    answer = svc.client.post("/ui/desk", data=form)
    assert answer.status_code == 422, answer.text
    assert 'id="desk-problems"' in answer.text and said in answer.text
    assert "<h1>派单台</h1>" in answer.text  # the form again, as typed


def test_a_point_is_found_in_the_smallest_area(svc: ServiceClient) -> None:
    sign_in(svc)
    grid = svc.client.get("/ui/desk/locate?lat=31.23&long=121.479").json()
    assert grid["area"] == "31010100200101" and grid["level"] == "grid"
    assert grid["path"][-3:] == ["南京东路街道", "贵州居民区", "贵州居民区第一网格"]
    street = svc.client.get("/ui/desk/locate?lat=31.235&long=121.4975").json()
    assert street["area"] == WT_STREET
    assert svc.client.get("/ui/desk/locate?lat=31.30&long=121.60").json() == {"area": None}
    assert svc.client.get("/ui/desk/locate?lat=95&long=121").status_code == 400
    assert svc.client.get("/ui/desk/locate?lat=x&long=121").status_code == 400
    shapes = svc.client.get("/ui/desk/shapes").json()
    assert shapes["type"] == "FeatureCollection" and len(shapes["features"]) == 21
    located = route(svc, matter="BJ0101", lat="31.23", long="121.479")
    assert located.status_code == 200 and "status-routed" in located.text
    assert '<option value="31010100200101" selected>' in located.text


# --------------------------------------------------------------------------- in Chromium


def tab_to(tab: BrowserPage, element_id: str, most: int = 40) -> None:
    """Press Tab until the element ``element_id`` has the focus."""
    for _ in range(most):
        if tab.page.evaluate("document.activeElement.id") == element_id:
            return
        tab.page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} was never reached by Tab")


def focused(tab: BrowserPage) -> str:
    return str(tab.page.evaluate("document.activeElement.id"))


def test_browser_desk_by_keyboard_then_the_unit_returns_the_case_and_sees_the_ruling(
    tab: BrowserPage,
) -> None:
    tab.sign_in("disp", then="/ui/desk")
    assert tab.page.url.endswith("/ui/desk")
    tab.page.wait_for_selector(".leaflet-overlay-pane path")
    assert focused(tab) == "matter"  # autofocus
    assert tab.axe() == []
    tab.screenshot("desk")
    # the matter: typed, a suggestion chosen with the arrow keys and Enter
    tab.page.keyboard.type("游商")
    tab.page.wait_for_selector("#matter-list li[role=option]")
    assert tab.page.get_attribute("#matter", "aria-expanded") == "true"
    tab.page.keyboard.press("ArrowDown")
    assert tab.page.get_attribute("#matter", "aria-activedescendant") == "matter-opt-0"
    assert tab.page.get_attribute("#matter-opt-0", "aria-selected") == "true"
    assert tab.axe() == []  # the listbox open
    tab.page.keyboard.press("Enter")
    assert tab.page.input_value("#matter") == "SJ0501 无照经营游商"
    assert tab.page.is_hidden("#matter-list")
    # the area: the next field; arrow keys: the district, then its first street
    tab.page.keyboard.press("Tab")
    assert focused(tab) == "area"
    tab.page.keyboard.press("ArrowDown")
    tab.page.keyboard.press("ArrowDown")
    assert tab.page.input_value("#area") == NJ_STREET
    tab_to(tab, "route")
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    # needs info: the attribute asked for has the focus
    assert tab.page.is_visible("#desk-needs-info")
    assert focused(tab) == "attr-location_type"
    assert tab.axe() == []
    tab.screenshot("desk-needs-info")
    for _ in range(3):  # (not given) → 道路 → 人行道 → 住宅小区
        tab.page.keyboard.press("ArrowDown")
    assert tab.page.input_value("#attr-location_type") == "residential_compound"
    tab_to(tab, "route")
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    # decided: the decision explained; recording has the focus
    assert "已派遣" in tab.page.inner_text("#decision-heading")
    assert "区市场监督管理局" in tab.page.inner_text("#desk-decision")
    assert tab.page.is_visible("#desk-decision a[href^='/ui/lists/']")
    assert focused(tab) == "record"
    assert tab.axe() == []
    tab.screenshot("desk-decision")
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    assert re.search(r"/ui/cases/C-\d{4}-\d+$", tab.page.url)
    case_id = tab.page.url.rsplit("/", 1)[1]
    assert tab.problems == []
    # the whole flow: the unit that holds the case returns it (退单) and sees the ruling
    with tab.page.expect_navigation():
        tab.page.click("header button[type=submit]")  # the dispatcher signs out
    tab.sign_in("scj", then="/ui/inbox")
    assert case_id in tab.page.inner_text("main")
    with tab.page.expect_navigation():
        tab.page.click(f"text={case_id}")
    tab.page.select_option("#return-reason", "not_our_duty")
    tab.page.fill("#return-evidence", "认为应由城管执法处置")
    with tab.page.expect_navigation():
        tab.page.click("form[action$='/return'] button[type=submit]")
    notice = tab.page.inner_text("#notice")
    assert "已退单" in notice and "裁定结果" in notice, notice
    assert tab.axe() == []
    assert tab.problems == []


def test_browser_a_click_on_the_map_picks_the_area(tab: BrowserPage) -> None:
    tab.sign_in("disp", then="/ui/desk")
    tab.page.wait_for_selector(".leaflet-overlay-pane path")
    label = tab.page.locator(".area-label", has_text="外滩街道")
    box = label.bounding_box()
    assert box is not None
    tab.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] + 12)
    tab.page.wait_for_function("document.getElementById('area').value !== ''")
    assert tab.page.input_value("#area") == WT_STREET
    assert tab.page.input_value("#lat") != "" and tab.page.input_value("#long") != ""
    assert "外滩街道" in tab.page.inner_text("#picked")
    assert tab.axe() == []
    tab.screenshot("desk-map")
    assert tab.problems == []


def test_the_area_tree_runs_from_the_district_to_the_grids(svc: ServiceClient) -> None:
    sign_in(svc)
    html = svc.client.get("/ui/desk").text
    tree = html.split('id="area-tree"', 1)[1].split("</details>\n    <p", 1)[0]
    for code in ("310101000000", NJ_STREET, "310101002001"):  # district, street, community
        assert f'data-area="{code}"' in tree, code
    assert tree.index("南京东路街道") < tree.index("贵州居民区")  # the community under its street


def test_browser_the_area_tree_by_keyboard(tab: BrowserPage) -> None:
    tab.sign_in("disp", then="/ui/desk")
    tab.page.wait_for_selector("#area-tree:not([hidden])")
    tab.page.focus("#area-tree > summary")
    tab.page.keyboard.press("Enter")  # the tree open: the district
    district = tab.page.locator("#area-tree > ul > li > details > summary").first
    district.focus()
    tab.page.keyboard.press("Enter")
    for name in ("南京东路街道", "贵州居民区"):  # the street, then its community
        tab.page.locator("#area-tree summary", has_text=name).focus()
        tab.page.keyboard.press("Enter")
    community = tab.page.locator("#area-tree button[data-area='310101002001']")
    assert community.is_visible()
    community.focus()
    tab.page.keyboard.press("Enter")
    assert tab.page.input_value("#area") == "310101002001"
    assert focused(tab) == "area"
    assert tab.axe() == []
    tab.screenshot("desk-area-tree")
    assert tab.problems == []
