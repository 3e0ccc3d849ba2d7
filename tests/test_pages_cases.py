"""The case pages: the dispatcher's list with its filters and paging, a unit's inbox, one case
with its decision explained and its history, the acts as forms (each checked against the
version read; a stale one says so), refusals as pages (403, 404) — through the ASGI client,
and in Chromium (axe-core clean, no console errors, screenshots)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest

from remit import Registry
from remit.casework import CaseBook, CaseStatus
from remit.casework.records import CaseRecord, CaseStep
from remit.deadlines import CITY_ZONE, WorkCalendar
from remit.events.model import EventIn
from remit.present.pages_cases import countdown, working_time
from remit.routing.router import Router
from tests.conftest import STAFF_PASSWORD, BrowserPage, ServiceClient, Site
from tests.test_service import EVENT

# 无照经营游商 in a residential compound: the market regulator leads (scj)
SCJ_EVENT = {
    **EVENT,
    "id": "HP-P-SCJ",
    "matter": "无照经营游商",
    "area": "南京东路街道",
    "attributes": {"地点类型": "住宅小区"},
}
# on a road: two lists name a lead (conflict), the street's centre arbitrates
CONFLICT_EVENT = {**SCJ_EVENT, "id": "HP-P-CF", "attributes": {"地点类型": "道路"}}


def sign_in(svc: ServiceClient, login: str) -> None:
    answer = svc.client.post(
        "/login", data={"login": login, "password": STAFF_PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303


def recorded(svc: ServiceClient, event: dict[str, Any]) -> dict[str, Any]:
    answer = svc.post("/cases", "disp", json=event)
    assert answer.status_code in (200, 201), answer.text
    body: dict[str, Any] = answer.json()
    return body


def act(svc: ServiceClient, case_id: str, name: str, **form: Any) -> Any:
    return svc.client.post(f"/ui/cases/{case_id}/{name}", data=form, follow_redirects=False)


def version_of(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "no act form on the page"
    return found.group(1)


# --------------------------------------------------------------------------- the lists


def test_a_dispatcher_sees_every_case_with_its_countdown(svc: ServiceClient) -> None:
    scj = recorded(svc, SCJ_EVENT)
    conflict = recorded(svc, CONFLICT_EVENT)
    water = recorded(svc, EVENT)
    sign_in(svc, "disp")
    page = svc.client.get("/ui/cases")
    assert page.status_code == 200
    html = page.text
    for case in (scj, conflict, water):
        assert f'href="/ui/cases/{case["id"]}"' in html
    assert "区市场监督管理局" in html and "南京东路街道" in html and "无照经营游商" in html
    assert "还剩" in html and "已派单" in html
    assert "共 3 件" in html
    assert 'aria-current="page"' in html and "案件列表" in html
    # filters: by unit, status and street (codes, as the selects send them)
    only = svc.client.get("/ui/cases", params={"unit": "HP-SCJ"})
    assert scj["id"] in only.text and water["id"] not in only.text
    assert "共 1 件" in only.text
    assert '<option value="HP-SCJ" selected>' in only.text
    none = svc.client.get("/ui/cases", params={"status": "closed"})
    assert "没有符合条件的案件" in none.text
    street = svc.client.get("/ui/cases", params={"street": "310101013000"})  # 外滩街道
    assert "没有符合条件的案件" in street.text
    # bad filters are said, not a 500
    bad = svc.client.get("/ui/cases", params={"unit": "没有这个单位", "status": "nonsense"})
    assert bad.status_code == 400 and "未知的案件状态" in bad.text and "共 3 件" in bad.text
    assert svc.client.get("/ui/cases?page=abc").status_code == 200


def test_the_list_pages_keep_the_filters(svc: ServiceClient) -> None:
    for n in range(27):
        recorded(svc, {**EVENT, "id": f"HP-P-{n:03d}"})
    sign_in(svc, "disp")
    first = svc.client.get("/ui/cases", params={"status": "dispatched"})
    assert "共 27 件，当前显示第 1–25 件" in first.text
    assert "第 1 页，共 2 页" in first.text
    assert 'href="/ui/cases?status=dispatched&amp;page=2"' in first.text
    second = svc.client.get("/ui/cases", params={"status": "dispatched", "page": "2"})
    assert "第 26–27 件" in second.text and 'rel="prev"' in second.text
    beyond = svc.client.get("/ui/cases", params={"page": "99"})
    assert beyond.status_code == 200 and "第 2 页，共 2 页" in beyond.text


def test_an_overdue_case_is_marked_in_words(svc: ServiceClient) -> None:
    with Registry(svc.url) as registry, Router(registry) as router:
        book = CaseBook(registry)
        event = EventIn.model_validate({**SCJ_EVENT, "id": "HP-P-OLD"})
        old = dt.datetime(2026, 3, 2, 9, 20, tzinfo=CITY_ZONE)
        case, _ = book.record(event, router.route(event), "disp", dispatched_at=old)
        book.dispose()
    sign_in(svc, "disp")
    html = svc.client.get("/ui/cases").text
    row = html[html.index(case.id) :]
    row = row[: row.index("</tr>")]
    assert 'class="overdue"' in row and "已超期" in row
    assert 'class="row-overdue"' in html
    late = svc.client.get("/ui/cases", params={"overdue": "yes"}).text
    assert "共 1 件" in late and '<option value="yes" selected>' in late
    assert case.id not in svc.client.get("/ui/cases", params={"overdue": "no"}).text
    one = svc.client.get(f"/ui/cases/{case.id}").text
    assert 'class="overdue"' in one and "已超期" in one


def test_a_unit_sees_its_own_cases_in_its_inbox(svc: ServiceClient) -> None:
    scj = recorded(svc, SCJ_EVENT)
    water = recorded(svc, EVENT)
    sign_in(svc, "scj")
    inbox = svc.client.get("/ui/inbox")
    assert inbox.status_code == 200
    assert scj["id"] in inbox.text and water["id"] not in inbox.text
    assert "本单位待办" in inbox.text and "区市场监督管理局" in inbox.text
    assert 'name="unit"' not in inbox.text  # a unit sees its own unit only
    # the dispatcher's list is not a unit's page (a page that says so, 403)
    refused = svc.client.get("/ui/cases")
    assert refused.status_code == 403 and "调度员" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
    sign_in(svc, "cgj")
    assert scj["id"] not in svc.client.get("/ui/inbox").text
    sign_in(svc, "disp")
    assert svc.client.get("/ui/inbox").status_code == 403


def test_the_case_pages_ask_to_sign_in(svc: ServiceClient) -> None:
    for path in ("/ui/cases", "/ui/inbox", "/ui/cases/C-2026-000001"):
        answer = svc.client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    answer = svc.client.post("/ui/cases/C-2026-000001/accept", follow_redirects=False)
    assert answer.status_code == 303


def test_the_home_page_offers_the_case_pages_by_role(svc: ServiceClient) -> None:
    sign_in(svc, "disp")
    home = svc.client.get("/").text
    assert 'href="/ui/cases"' in home and 'href="/ui/inbox"' not in home
    sign_in(svc, "nj")
    home = svc.client.get("/").text
    assert 'href="/ui/inbox"' in home and 'href="/ui/cases"' not in home


# --------------------------------------------------------------------------- one case


def test_a_case_shows_its_event_decision_rows_and_history(svc: ServiceClient) -> None:
    case = recorded(svc, SCJ_EVENT)
    sign_in(svc, "disp")
    page = svc.client.get(f"/ui/cases/{case['id']}")
    assert page.status_code == 200
    html = page.text
    assert f"案件 {case['id']}" in html
    assert "HP-P-SCJ" in html and "grid" in html  # the event
    assert "决定结果：已派遣" in html and "主办：区市场监督管理局" in html  # explained
    assert 'href="/ui/lists/HP-QZ-SCJ/versions/1#row-1"' in html  # the row it rests on
    assert "《无证无照经营查处办法》" in html
    assert "受理" in html and "派单" in html and ">disp<" in html  # the history
    assert "+08:00" in html  # Beijing time
    # a dispatcher's acts on a case a unit holds: 督办 only
    assert 'action="/ui/cases/' + case["id"] + '/supervise"' in html
    assert "/accept" not in html and "/reassign" not in html


def test_a_unit_accepts_and_resolves_and_the_centre_closes(svc: ServiceClient) -> None:
    case = recorded(svc, SCJ_EVENT)
    cid = case["id"]
    sign_in(svc, "scj")
    html = svc.client.get(f"/ui/cases/{cid}").text
    assert "/accept" in html and "/return" in html and "/resolve" not in html
    done = act(svc, cid, "accept", version=version_of(html))
    assert (
        done.status_code == 303
        and done.headers["location"] == f"/ui/cases/{cid}?done=accept#notice"
    )
    after = svc.client.get(done.headers["location"]).text
    assert "已签收。" in after and 'role="status"' in after
    done = act(svc, cid, "resolve", version=version_of(after), note="已劝离")
    assert done.status_code == 303
    resolved = svc.client.get(f"/ui/cases/{cid}").text
    assert "已办结" in resolved and "已劝离" in resolved and "当前没有您可执行的操作" in resolved
    # the centre's act is not a unit's
    assert act(svc, cid, "close", version="3").status_code == 403
    sign_in(svc, "disp")
    page = svc.client.get(f"/ui/cases/{cid}").text
    assert f"/ui/cases/{cid}/close" in page
    assert act(svc, cid, "accept", version=version_of(page)).status_code == 403
    done = act(svc, cid, "close", version=version_of(page), note="核查属实")
    assert done.status_code == 303
    closed = svc.get(f"/cases/{cid}", "disp").json()
    assert closed["status"] == "closed"
    assert [(s["action"], s["actor"]) for s in closed["steps"][2:]] == [
        ("accept", "scj"),
        ("resolve", "scj"),
        ("close", "disp"),
    ]


def test_a_stale_version_says_the_case_changed(svc: ServiceClient) -> None:
    case = recorded(svc, SCJ_EVENT)
    cid = case["id"]
    sign_in(svc, "scj")
    html = svc.client.get(f"/ui/cases/{cid}").text
    read = version_of(html)
    assert svc.post(f"/cases/{cid}/supervise", "disp", json={"note": "领导批示"}).status_code == 200
    stale = act(svc, cid, "accept", version=read)
    assert stale.status_code == 409
    assert "案件在您读取后已被他人更改" in stale.text and "第 1 版" in stale.text
    assert version_of(stale.text) == "2"  # the page shows the case as it is now
    assert svc.get(f"/cases/{cid}", "disp").json()["status"] == "dispatched"  # nothing written
    # an act the status does not allow: said, 409; no version: 400
    again = act(svc, cid, "resolve", version="2")
    assert again.status_code == 409 and "不能执行" in again.text
    assert act(svc, cid, "accept").status_code == 400
    assert act(svc, cid, "nonsense", version="2").status_code == 404


def test_a_return_is_ruled_and_the_ruling_shown(svc: ServiceClient) -> None:
    case = recorded(svc, SCJ_EVENT)
    cid = case["id"]
    sign_in(svc, "scj")
    html = svc.client.get(f"/ui/cases/{cid}").text
    assert '<option value="not_our_duty">职能不符</option>' in html
    assert '<option value="owner_unclear">权属不清</option>' in html
    missing = act(svc, cid, "return", version=version_of(html))
    assert missing.status_code == 400 and "请选择退单理由" in missing.text
    done = act(
        svc,
        cid,
        "return",
        version=version_of(html),
        reason="not_our_duty",
        evidence="应由城管执法",
        note="不属本单位职责",
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=return#notice")
    page = svc.client.get(done.headers["location"]).text
    assert "已退单，已依清单裁定" in page
    assert "裁定结果：退单不成立" in page  # the lists name the market regulator lead
    assert "谁主管谁负责" in page
    assert 'id="rulings"' in page and "第 1 次退单" in page
    assert "职能不符" in page and "应由城管执法" in page
    assert 'href="/ui/lists/HP-QZ-SCJ/versions/1#row-1"' in page
    assert "退单理由：职能不符" in page and "证据：应由城管执法" in page  # the history
    record = svc.get(f"/cases/{cid}", "disp").json()
    assert [s["action"] for s in record["steps"]][-2:] == ["return", "rule"]
    assert record["steps"][-2]["actor"] == "scj"


def test_the_centre_reassigns_a_conflict_and_supervises(svc: ServiceClient) -> None:
    case = recorded(svc, CONFLICT_EVENT)
    cid = case["id"]
    assert case["unit"] == "HP-NJDL-CYZX"
    sign_in(svc, "disp")
    html = svc.client.get(f"/ui/cases/{cid}").text
    assert f"/ui/cases/{cid}/reassign" in html and 'name="to"' in html
    assert act(svc, cid, "reassign", version=version_of(html)).status_code == 400
    done = act(svc, cid, "supervise", version=version_of(html), note="群众反映强烈")
    assert done.status_code == 303
    html = svc.client.get(done.headers["location"]).text
    assert (
        "已督办。" in html and "群众反映强烈" in html and f"/ui/cases/{cid}/supervise" not in html
    )
    listed = svc.client.get("/ui/cases").text
    assert 'class="badge supervised"' in listed
    assert cid in svc.client.get("/ui/cases?supervised=yes").text
    assert cid not in svc.client.get("/ui/cases?supervised=no").text
    done = act(svc, cid, "reassign", version=version_of(html), to="HP-CGJ", note="由城管处置")
    assert done.status_code == 303
    after = svc.client.get(done.headers["location"]).text
    assert "已改派。" in after and "区城市管理行政执法局" in after
    assert "由 南京东路街道城市运行管理中心 改派" in after
    sign_in(svc, "cgj")
    assert cid in svc.client.get("/ui/inbox").text
    # two lists name a lead: the lists cannot settle a return, the street's centre arbitrates
    html = svc.client.get(f"/ui/cases/{cid}").text
    done = act(svc, cid, "return", version=version_of(html), reason="overlapping_duties")
    assert done.status_code == 303
    ruled = svc.client.get(done.headers["location"])
    assert ruled.status_code == 200  # held before: still readable
    assert "裁定结果：提请裁定" in ruled.text and "两份清单均列为主办" in ruled.text
    assert "待仲裁" in ruled.text and "当前没有您可执行的操作" in ruled.text
    assert cid not in svc.client.get("/ui/inbox").text
    sign_in(svc, "disp")
    html = svc.client.get(f"/ui/cases/{cid}").text
    assert f"/ui/cases/{cid}/reassign" in html and "职能交叉" in html


def test_another_units_case_is_403_and_an_unknown_one_404(svc: ServiceClient) -> None:
    case = recorded(svc, SCJ_EVENT)
    cid = case["id"]
    sign_in(svc, "cgj")
    refused = svc.client.get(f"/ui/cases/{cid}")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "无权查看" in refused.text and "Traceback" not in refused.text
    assert act(svc, cid, "accept", version="1").status_code == 403
    assert svc.get(f"/cases/{cid}", "disp").json()["status"] == "dispatched"
    unknown = svc.client.get("/ui/cases/C-2026-999999")
    assert unknown.status_code == 404 and "没有案件 C-2026-999999" in unknown.text
    assert svc.client.get("/ui/cases/" + "x" * 500).status_code == 404
    sign_in(svc, "officer")
    assert svc.client.get(f"/ui/cases/{cid}").status_code == 403


def test_the_case_pages_in_english(svc: ServiceClient) -> None:
    case = recorded(svc, SCJ_EVENT)
    sign_in(svc, "disp")
    svc.client.get("/lang/en")
    html = svc.client.get(f"/ui/cases/{case['id']}").text
    assert "The decision" in html and "History" in html and "left" in html
    assert "Cases" in svc.client.get("/ui/cases").text
    sign_in(svc, "scj")
    html = svc.client.get(f"/ui/cases/{case['id']}").text
    assert '<option value="not_our_duty">not our duty (职能不符)</option>' in html


# --------------------------------------------------------------------------- the countdown


def _record(deadline: dt.datetime, limit: str, status: CaseStatus) -> CaseRecord:
    """A case with only what the countdown reads (its deadline, time limit, status)."""
    fields: dict[str, Any] = {"deadline": deadline, "time_limit": limit, "status": status}
    return CaseRecord.model_construct(**fields, steps=list[CaseStep]())


def test_the_countdown_counts_working_time_for_working_limits() -> None:
    calendar = WorkCalendar()
    # Friday 4 December 2026, 10:00 Beijing; due Tuesday 8 December 12:00
    now = dt.datetime(2026, 12, 4, 10, 0, tzinfo=CITY_ZONE)
    due = dt.datetime(2026, 12, 8, 12, 0, tzinfo=CITY_ZONE)
    # Friday 10–12 + 13–17 = 6 h; Monday 7 h; Tuesday 9–12 = 3 h: 16 h = 2 days (7 h) 2 h
    assert working_time(calendar, now, due) == dt.timedelta(hours=16)
    left = countdown(_record(due, "3工作日", CaseStatus.accepted), now, calendar, "zh")
    assert left is not None and left.text == "还剩 2 个工作日 2 小时" and not left.overdue
    clock = countdown(_record(due, "4紧急工作时", CaseStatus.accepted), now, calendar, "zh")
    assert clock is not None and clock.text == "还剩 4 天 2 小时"
    late = countdown(
        _record(now - dt.timedelta(hours=5, minutes=3), "2小时", CaseStatus.dispatched),
        now,
        calendar,
        "en",
    )
    assert late is not None and late.overdue and late.text == "Overdue by 5 h 3 min"
    soon = countdown(
        _record(now + dt.timedelta(minutes=20), "2小时", CaseStatus.dispatched), now, calendar, "zh"
    )
    assert soon is not None and soon.text == "还剩 20 分钟"
    assert countdown(_record(due, "3工作日", CaseStatus.resolved), now, calendar, "zh") is None


# --------------------------------------------------------------------------- in Chromium


def _record_over_http(site: Site, event: dict[str, Any]) -> str:
    answer = httpx.post(
        site.base + "/cases",
        json=event,
        headers={"Authorization": f"Bearer {site.tokens['disp']}"},
        timeout=60,
    )
    assert answer.status_code in (200, 201), answer.text
    case_id: str = answer.json()["id"]
    return case_id


def _record_overdue(site: Site, event: dict[str, Any]) -> str:
    """A case dispatched on the day it was reported (long overdue now), with the Python API."""
    with Registry(site.url) as registry, Router(registry) as router, CaseBook(registry) as book:
        given = EventIn.model_validate(event)
        old = dt.datetime(2026, 3, 2, 9, 20, tzinfo=CITY_ZONE)
        case, _ = book.record(given, router.route(given), "disp", dispatched_at=old)
    return case.id


@pytest.fixture
def site_cases(site: Site) -> dict[str, str]:
    cases = {
        "scj": _record_over_http(site, {**SCJ_EVENT, "id": "HP-B-SCJ"}),
        "conflict": _record_over_http(site, {**CONFLICT_EVENT, "id": "HP-B-CF"}),
        "water": _record_over_http(site, {**EVENT, "id": "HP-B-W"}),
        "old": _record_overdue(site, {**SCJ_EVENT, "id": "HP-B-OLD"}),
    }
    watched = httpx.post(
        f"{site.base}/cases/{cases['water']}/supervise",
        json={"note": "群众反映强烈"},
        headers={"Authorization": f"Bearer {site.tokens['disp']}"},
        timeout=60,
    )
    assert watched.status_code in (200, 409), watched.text  # 409: under 督办 already
    return cases


def test_browser_a_dispatcher_sees_the_list(tab: BrowserPage, site_cases: dict[str, str]) -> None:
    tab.sign_in("disp", then="/ui/cases")
    assert tab.page.url.endswith("/ui/cases")
    assert tab.page.locator("table.cases tbody tr").count() >= 4
    overdue = tab.page.locator("tr.row-overdue", has_text=site_cases["old"])
    assert "已超期" in overdue.inner_text()
    watched = tab.page.locator("tr", has_text=site_cases["water"])
    assert "督办" in watched.inner_text()
    assert tab.axe() == []
    tab.screenshot("cases")
    tab.page.select_option("#f-unit", "HP-SCJ")
    with tab.page.expect_navigation():
        tab.page.click("form.filters button[type=submit]")
    assert "unit=HP-SCJ" in tab.page.url
    assert site_cases["scj"] in tab.page.inner_text("table.cases")
    assert site_cases["water"] not in tab.page.inner_text("table.cases")
    tab.goto(f"/ui/cases/{site_cases['conflict']}")
    assert tab.axe() == []
    assert tab.problems == []


def test_browser_a_unit_returns_a_case_and_sees_the_ruling(
    tab: BrowserPage, site_cases: dict[str, str], browser: Any, site: Site
) -> None:
    case_id = site_cases["scj"]
    tab.sign_in("scj", then="/ui/inbox")
    assert tab.page.url.endswith("/ui/inbox")
    assert case_id in tab.page.inner_text("main")
    assert tab.axe() == []
    tab.screenshot("inbox")
    with tab.page.expect_navigation():
        tab.page.click(f"text={case_id}")
    assert tab.page.url.endswith(f"/ui/cases/{case_id}")
    assert tab.axe() == []
    tab.screenshot("case")
    tab.page.select_option("#return-reason", "not_our_duty")
    tab.page.fill("#return-evidence", "应由城管执法")
    tab.page.fill("#return-note", "不属本单位职责")
    with tab.page.expect_navigation():
        tab.page.click("form[action$='/return'] button[type=submit]")
    assert "done=return" in tab.page.url
    notice = tab.page.inner_text("#notice")
    assert "已退单" in notice and "裁定结果" in notice
    assert "第 1 次退单" in tab.page.inner_text("#main")
    assert tab.axe() == []
    tab.screenshot("case-returned")
    assert tab.problems == []
    other = BrowserPage(browser, site)
    try:
        other.sign_in("cgj")
        answer = other.goto(f"/ui/cases/{case_id}")
        assert answer.status == 403
        assert "无权查看" in other.page.inner_text("main")
        assert other.axe() == []
    finally:
        other.close()
