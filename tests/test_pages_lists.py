"""The list pages (/ui/lists, a version, a diff, the audit log; uploading a table as a draft,
publishing, withdrawing): through the ASGI client, and in Chromium (axe-core clean, no console
errors, screenshots in out/screenshots/)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STAFF_PASSWORD, BrowserPage, ServiceClient

TABLES = Path(__file__).resolve().parent.parent / "data" / "tables"
SCJ_TABLE = TABLES / "hp-qz-scj-2027.csv"
SCJ_MAPPING = TABLES / "scj-mapping.yaml"


def sign_in(svc: ServiceClient, login: str) -> None:
    answer = svc.client.post(
        "/login", data={"login": login, "password": STAFF_PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303


def upload(
    svc: ServiceClient,
    table: Path,
    mapping: Path | None,
    list_id: str = "HP-QZ-SCJ",
    note: str = "",
) -> Any:
    files: dict[str, Any] = {"table": (table.name, table.read_bytes(), "text/csv")}
    if mapping is not None:
        files["mapping"] = (mapping.name, mapping.read_bytes(), "application/yaml")
    return svc.client.post(
        "/ui/lists/import",
        data={"list": list_id, "note": note},
        files=files,
        follow_redirects=False,
    )


def broken_mapping(tmp_path: Path) -> Path:
    """The SCJ mapping naming a column the table does not have."""
    text = SCJ_MAPPING.read_text(encoding="utf-8").replace("处置时限", "处置期限")
    path = tmp_path / "scj-mapping-broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def bad_row_table(tmp_path: Path) -> Path:
    """The SCJ table with its second data row naming a unit that does not exist."""
    text = SCJ_TABLE.read_bytes().decode("gb18030")
    lines = text.splitlines()
    lines[2] = lines[2].replace("区市场监管局", "区不存在局", 1)
    path = tmp_path / "scj-bad-row.csv"
    path.write_bytes("\n".join(lines).encode("gb18030"))
    return path


# --------------------------------------------------------------------------- reading


def test_lists_page_shows_every_list_and_the_version_in_force(svc: ServiceClient) -> None:
    sign_in(svc, "nj")
    page = svc.client.get("/ui/lists")
    assert page.status_code == 200
    text = page.text
    assert "<h1>权责清单</h1>" in text
    assert "黄浦区街道基本履职事项清单" in text and "部门权责清单" in text
    assert "区市场监督管理局" in text  # the owner unit, by its name
    row = text[text.index('id="list-HP-JZ-JB"') :]
    row = row[: row.index("</tr>")]
    assert "/ui/lists/HP-JZ-JB/versions/2" in row and "2025-07-01 → 至今" in row
    fgj = text[text.index('id="list-HP-QZ-FGJ"') :]
    fgj = fgj[: fgj.index("</tr>")]
    assert "status-draft" in fgj and "草稿" in fgj
    assert "上传表格生成草稿" not in text  # a unit user writes nothing
    assert 'href="/ui/lists" aria-current="page"' in text


def test_lists_page_in_english(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    text = svc.client.get("/ui/lists?lang=en").text
    assert "Dates in force" in text and "Upload a table as a draft" in text


def test_version_page_has_the_rows_with_anchors(svc: ServiceClient) -> None:
    sign_in(svc, "disp")
    page = svc.client.get("/ui/lists/HP-JZ-JB/versions/2")
    assert page.status_code == 200
    text = page.text
    assert 'id="row-1"' in text and 'id="row-249"' in text and 'id="row-250"' not in text
    assert "已发布" in text and "setup，" in text and "+08:00" in text
    assert "第 2 版的职责行" in text
    assert "/ui/lists/HP-JZ-JB/diff?a=1&amp;b=2" in text
    assert 'id="publish-form"' not in text and 'id="withdraw-form"' not in text


def test_list_page_shows_the_version_in_force(svc: ServiceClient) -> None:
    sign_in(svc, "disp")
    page = svc.client.get("/ui/lists/HP-JZ-JB")
    assert page.status_code == 200 and 'id="row-249"' in page.text
    catalogue = svc.client.get("/ui/lists/HP-SXML")
    assert catalogue.status_code == 200 and 'id="row-131"' in catalogue.text


def test_officer_sees_the_actions_on_a_draft(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    text = svc.client.get("/ui/lists/HP-QZ-FGJ/versions/2").text
    assert 'id="publish-form"' in text and 'id="withdraw-form"' in text
    assert 'href="/ui/lists/import?list=HP-QZ-FGJ"' in text


@pytest.mark.parametrize(
    "path",
    [
        "/ui/lists/NO-SUCH",
        "/ui/lists/NO-SUCH/versions/1",
        "/ui/lists/HP-JZ-JB/versions/9",
        "/ui/lists/HP-JZ-JB/diff?a=1&b=9",
        "/ui/lists/NO-SUCH/diff",
        "/ui/audit?list=NO-SUCH",
    ],
)
def test_unknown_list_or_version_is_404(svc: ServiceClient, path: str) -> None:
    sign_in(svc, "disp")
    answer = svc.client.get(path)
    assert answer.status_code == 404
    assert "未找到" in answer.text


def test_a_version_not_a_number_is_refused_not_500(svc: ServiceClient) -> None:
    sign_in(svc, "disp")
    assert svc.client.get("/ui/lists/HP-JZ-JB/versions/x").status_code == 400
    assert svc.client.get("/ui/lists/HP-JZ-JB/diff?a=x&b=2").status_code == 400


def test_pages_need_a_session(svc: ServiceClient) -> None:
    answer = svc.client.get("/ui/lists", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/ui/lists"


def test_diff_page_shows_rows_added_removed_changed(svc: ServiceClient) -> None:
    sign_in(svc, "disp")
    page = svc.client.get("/ui/lists/HP-JZ-JB/diff?a=1&b=2")
    assert page.status_code == 200
    text = page.text
    counts = re.search(r"新增 (\d+) 行，删除 (\d+) 行，修改 (\d+) 行", text)
    assert counts is not None
    added, removed, changed = (int(n) for n in counts.groups())
    assert added + removed + changed > 0
    assert text.count('class="diff-added"') == added
    assert text.count('class="diff-removed"') == removed
    assert text.count('class="diff-changed"') == changed
    if changed:
        assert "<del>" in text and "<ins>" in text
    assert '<option value="1" selected>' in text
    default = svc.client.get("/ui/lists/HP-JZ-JB/diff")
    assert default.status_code == 200 and "第 1 版与第 2 版比较" in default.text


def test_audit_page_newest_first_and_paged(svc: ServiceClient) -> None:
    sign_in(svc, "nj")
    page = svc.client.get("/ui/audit")
    assert page.status_code == 200
    assert "审计日志" in page.text and "导入新版本" in page.text
    assert "+08:00" in page.text
    only = svc.client.get("/ui/audit?list=HP-JZ-JB")
    assert only.status_code == 200 and "HP-JZ-JB 第 1 版" in only.text
    assert "HP-QZ-SCJ 第" not in only.text
    assert svc.client.get("/ui/audit?page=999").status_code == 200
    assert svc.client.get("/ui/audit?page=abc").status_code == 200


def test_the_audit_page_pages(svc: ServiceClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from remit.service.pages import lists

    monkeypatch.setattr(lists, "LOG_PAGE", 10)
    sign_in(svc, "officer")
    total = int(re.search(r"共 (\d+) 条", svc.client.get("/ui/audit").text)[1])  # type: ignore[index]
    for _ in range(3):  # each withdraw-and-import adds entries
        upload(svc, SCJ_TABLE, SCJ_MAPPING)
        draft = svc.client.get("/ui/lists/HP-QZ-SCJ").text
        assert "status-draft" in draft
        number = max(int(n) for n in re.findall(r"/ui/lists/HP-QZ-SCJ/versions/(\d+)", draft))
        svc.client.post(f"/ui/lists/HP-QZ-SCJ/versions/{number}/withdraw", data={"note": "x"})
    first = svc.client.get("/ui/audit").text
    pages = -(-(total + 6) // 10)
    assert f"共 {total + 6} 条，第 1/{pages} 页" in first
    rows = re.findall(r'<th scope="row" class="nowrap">([^<]+)</th>', first)
    assert len(rows) == 10 and rows == sorted(rows, reverse=True)
    assert first.index("撤回") < first.index("导入新版本")  # the newest first
    assert 'href="/ui/audit?page=2" rel="next"' in first and 'rel="prev"' not in first
    last = svc.client.get(f"/ui/audit?page={pages}").text
    assert f"第 {pages}/{pages} 页" in last and 'rel="next"' not in last
    assert svc.client.get("/ui/audit?page=999").text.count(f"第 {pages}/{pages} 页") == 1


# --------------------------------------------------------------------------- writing


def test_a_unit_user_cannot_upload_publish_or_withdraw(svc: ServiceClient) -> None:
    sign_in(svc, "nj")
    assert svc.client.get("/ui/lists/import").status_code == 403
    assert upload(svc, SCJ_TABLE, SCJ_MAPPING).status_code == 403
    publish = svc.client.post(
        "/ui/lists/HP-QZ-FGJ/versions/2/publish", data={"effective_from": "2027-01-01"}
    )
    assert publish.status_code == 403
    assert svc.client.post("/ui/lists/HP-QZ-FGJ/versions/2/withdraw").status_code == 403
    sign_in(svc, "disp")
    assert svc.client.post("/ui/lists/HP-QZ-FGJ/versions/2/withdraw").status_code == 403


def test_upload_a_table_then_publish(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    form = svc.client.get("/ui/lists/import?list=HP-QZ-SCJ")
    assert form.status_code == 200 and '<option value="HP-QZ-SCJ" selected>' in form.text
    assert svc.client.get("/schema/mapping").status_code == 200  # linked from the form
    answer = upload(svc, SCJ_TABLE, SCJ_MAPPING, note="2027 年分解表")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/lists/HP-QZ-SCJ/versions/2?done=imported"
    page = svc.client.get(answer.headers["location"])
    assert "已导入：HP-QZ-SCJ 第 2 版草稿" in page.text and 'id="publish-form"' in page.text
    assert 'id="row-1"' in page.text
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    published = svc.client.post(
        "/ui/lists/HP-QZ-SCJ/versions/2/publish",
        data={"effective_from": day, "note": "按 2027 年分解表"},
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert published.headers["location"] == "/ui/lists/HP-QZ-SCJ/versions/2?done=published"
    page = svc.client.get(published.headers["location"]).text
    assert "已发布：HP-QZ-SCJ 第 2 版" in page and "officer，" in page
    assert 'id="publish-form"' not in page
    again = svc.client.post("/ui/lists/HP-QZ-SCJ/versions/2/publish", data={"effective_from": day})
    assert again.status_code == 409 and "只有草稿可以发布" in again.text
    log = svc.client.get("/ui/audit?list=HP-QZ-SCJ").text
    assert "officer" in log and "发布" in log and "按 2027 年分解表" in log


def test_upload_problems_are_shown_by_row_and_field(svc: ServiceClient, tmp_path: Path) -> None:
    sign_in(svc, "officer")
    answer = upload(svc, bad_row_table(tmp_path), SCJ_MAPPING)
    assert answer.status_code == 400
    text = answer.text
    # the office's table numbers its header row 1: the second data row is row 3
    assert 'id="problem-row-3"' in text and "区不存在局" in text
    assert 'href="#problem-row-3"' in text and "拒绝 1 行" in text
    refused = text[text.index('id="table-row-3"') :]
    refused = refused[: refused.index("</tr>")]
    assert "<mark>区不存在局</mark>" in refused and "<td>油烟污染</td>" in refused  # as written
    assert 'id="table-row-2"' not in text
    assert "scj-bad-row.csv" in text and "/tmp" not in text
    assert '<option value="HP-QZ-SCJ" selected>' in text  # the form kept
    assert "status-draft" not in svc.client.get("/ui/lists/HP-QZ-SCJ").text  # nothing written
    mapping = upload(svc, SCJ_TABLE, broken_mapping(tmp_path))
    assert mapping.status_code == 400 and "处置期限" in mapping.text


def test_upload_refuses_what_is_not_a_table(svc: ServiceClient, tmp_path: Path) -> None:
    sign_in(svc, "officer")
    other = tmp_path / "notes.txt"
    other.write_text("x", encoding="utf-8")
    assert upload(svc, other, None).status_code == 400
    assert upload(svc, SCJ_TABLE, SCJ_MAPPING, list_id="").status_code == 400
    unknown = upload(svc, SCJ_TABLE, SCJ_MAPPING, list_id="NO-SUCH")
    assert unknown.status_code == 400 and "NO-SUCH" in unknown.text
    assert upload(svc, SCJ_TABLE, SCJ_TABLE).status_code == 400  # the mapping is no YAML


def test_publish_into_the_past_asks_to_confirm(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    past = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    asked = svc.client.post("/ui/lists/HP-QZ-FGJ/versions/2/publish", data={"effective_from": past})
    assert asked.status_code == 200
    assert "追溯性变更" in asked.text and 'name="retroactive"' in asked.text
    assert "第 1 版" in asked.text  # what is in force on that day now
    no_note = svc.client.post(
        "/ui/lists/HP-QZ-FGJ/versions/2/publish",
        data={"effective_from": past, "retroactive": "true"},
    )
    assert no_note.status_code == 200 and "追溯性变更须说明原因" in no_note.text
    done = svc.client.post(
        "/ui/lists/HP-QZ-FGJ/versions/2/publish",
        data={"effective_from": past, "retroactive": "true", "note": "补录"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith(
        "/ui/lists/HP-QZ-FGJ/versions/2?done=published&changes="
    )
    bad = svc.client.post("/ui/lists/HP-QZ-FGJ/versions/2/publish", data={"effective_from": "x"})
    assert bad.status_code == 409


def test_publish_with_a_bad_date_is_shown(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    bad = svc.client.post(
        "/ui/lists/HP-QZ-FGJ/versions/2/publish", data={"effective_from": "2027-13-01"}
    )
    assert bad.status_code == 400 and "不是有效日期" in bad.text
    assert (
        svc.client.post(
            "/ui/lists/HP-QZ-FGJ/versions/9/publish", data={"effective_from": "2027-01-01"}
        ).status_code
        == 404
    )


def test_withdraw_a_version_in_force_asks_to_confirm(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    asked = svc.client.post("/ui/lists/HP-JZ-JB/versions/2/withdraw", data={"note": ""})
    assert asked.status_code == 200
    assert "追溯性变更" in asked.text and "2025-07-01" in asked.text
    assert "这些日期将没有其他版本施行" in asked.text  # v1 ended the day before
    page = svc.client.get("/ui/lists/HP-JZ-JB/versions/2").text
    assert "已撤回" not in page  # nothing written yet
    done = svc.client.post(
        "/ui/lists/HP-JZ-JB/versions/2/withdraw",
        data={"note": "误发", "retroactive": "true"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = svc.client.get(done.headers["location"]).text
    assert "已撤回：HP-JZ-JB 第 2 版" in shown and "因此改变快照的日期段" in shown
    assert 'id="withdraw-form"' not in shown


def test_withdraw_a_draft_at_once(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    done = svc.client.post(
        "/ui/lists/HP-QZ-FGJ/versions/2/withdraw", data={"note": ""}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/ui/lists/HP-QZ-FGJ/versions/2?done=withdrawn"
    again = svc.client.post("/ui/lists/HP-QZ-FGJ/versions/2/withdraw")
    assert again.status_code == 400 and "已撤回" in again.text


def test_an_xlsx_table_problems_by_sheet_and_row_then_imported(
    svc: ServiceClient, tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(TABLES / "hp-chuzhi-2027.xlsx")
    book["事件"]["H3"] = "区不存在局"  # 主责单位 of the sheet's first data row
    broken = tmp_path / "chuzhi-broken.xlsx"
    book.save(broken)
    mapping = TABLES / "chuzhi-mapping.yaml"
    sign_in(svc, "officer")
    answer = upload(svc, broken, mapping, list_id="HP-QZ-CYZX")
    assert answer.status_code == 400
    assert 'href="#problem-row-事件-3"' in answer.text and "事件!3" in answer.text
    assert answer.text.count('id="problem-row-事件-3"') == 1
    row = answer.text[answer.text.index('id="table-row-事件-3"') :]
    assert "<mark>区不存在局</mark>" in row[: row.index("</tr>")]
    good = upload(svc, TABLES / "hp-chuzhi-2027.xlsx", mapping, list_id="HP-QZ-CYZX")
    assert good.status_code == 303
    assert good.headers["location"] == "/ui/lists/HP-QZ-CYZX/versions/2?done=imported"


# --------------------------------------------------------------------------- in Chromium


def test_browser_lists_version_diff_audit(tab: BrowserPage) -> None:
    tab.sign_in("disp", then="/ui/lists")
    assert tab.page.url.endswith("/ui/lists")
    assert tab.axe() == []
    tab.screenshot("lists")
    with tab.page.expect_navigation():
        tab.page.click("#list-HP-JZ-JB th a")
    assert tab.page.url.endswith("/ui/lists/HP-JZ-JB")
    tab.goto("/ui/lists/HP-JZ-JB/versions/2#row-3")
    assert tab.page.is_visible("#row-3")
    assert tab.axe() == []
    tab.screenshot("list-version")
    tab.goto("/ui/lists/HP-QZ-FGJ/diff")  # v1 in force, v2 a draft: v1 with itself at first
    assert "新增 0 行，删除 0 行，修改 0 行" in tab.page.inner_text("main")
    tab.page.select_option("#diff-a", "1")
    tab.page.select_option("#diff-b", "2")
    with tab.page.expect_navigation():
        tab.page.click("form.pick button")
    assert "a=1" in tab.page.url and "b=2" in tab.page.url
    changed = tab.page.inner_text("tr.diff-changed")
    assert "主办" in changed and "监管" in changed
    assert tab.page.locator("tr.diff-changed div.changed").count() >= 2
    assert tab.axe() == []
    tab.screenshot("list-diff")
    tab.goto("/ui/audit")
    assert tab.axe() == []
    tab.screenshot("audit")
    assert tab.problems == []
    assert tab.goto("/ui/lists/NO-SUCH/versions/1").status == 404
    assert "NO-SUCH" in tab.page.inner_text("main")
    assert tab.axe() == []
    assert tab.problems in (
        [],
        ["console: Failed to load resource: the server responded with a status of 404 (Not Found)"],
    )


def test_browser_officer_uploads_fixes_and_publishes(tab: BrowserPage, tmp_path: Path) -> None:
    tab.sign_in("officer", then="/ui/lists")
    with tab.page.expect_navigation():
        tab.page.click("text=上传表格生成草稿")
    assert tab.page.url.endswith("/ui/lists/import")
    assert tab.axe() == []
    tab.page.select_option("#import-list", "HP-QZ-SCJ")
    tab.page.set_input_files("#import-table", str(bad_row_table(tmp_path)))
    tab.page.set_input_files("#import-mapping", str(SCJ_MAPPING))
    with tab.page.expect_navigation():
        tab.page.click("#import-form button[type=submit]")
    assert tab.page.is_visible("#problem-row-3")
    assert "区不存在局" in tab.page.inner_text("#problem-row-3")
    assert tab.axe() == []
    tab.screenshot("list-upload-errors")
    # the refusal itself is a 400: expected; nothing else may fail
    assert tab.problems in (
        [],
        [
            "console: Failed to load resource: the server responded with a status of 400 (Bad Request)"
        ],
    )
    tab.problems.clear()
    tab.page.set_input_files("#import-table", str(SCJ_TABLE))
    tab.page.set_input_files("#import-mapping", str(SCJ_MAPPING))
    tab.page.fill("#import-note", "2027 年分解表")
    with tab.page.expect_navigation():
        tab.page.click("#import-form button[type=submit]")
    assert re.search(r"/ui/lists/HP-QZ-SCJ/versions/\d+\?done=imported$", tab.page.url)
    assert "已导入" in tab.page.inner_text("[role=status]")
    assert tab.axe() == []
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    tab.page.fill("#effective_from", day)
    tab.page.fill("#publish_note", "按 2027 年分解表")
    with tab.page.expect_navigation():
        tab.page.click("#publish-form button[type=submit]")
    assert "done=published" in tab.page.url
    assert "已发布" in tab.page.inner_text("[role=status]")
    assert tab.axe() == []
    assert tab.problems == []


def test_every_text_the_templates_name_is_in_both_languages() -> None:
    from remit.i18n import LANGS, has, t
    from remit.present.pages import STATIC

    templates = sorted((STATIC.parent / "templates" / "pages").glob("lists*.html.j2"))
    assert len(templates) == 6  # lists_missing.html.j2 gave way to the shared refused page
    keys = {k for p in templates for k in re.findall(r't\("([a-z_.0-9]+)"', p.read_text("utf-8"))}
    assert len(keys) > 100
    assert sorted(k for k in keys if not has(k)) == []
    for key in keys:
        for lang in LANGS:
            assert t(
                key,
                lang,
                **dict.fromkeys(
                    (
                        "today",
                        "version",
                        "name",
                        "list_id",
                        "a",
                        "b",
                        "added",
                        "removed",
                        "changed",
                        "unchanged",
                        "total",
                        "number",
                        "pages",
                        "first",
                        "last",
                        "rows",
                        "who",
                        "at",
                        "priority",
                        "count",
                    ),
                    "x",
                ),
            )


@pytest.mark.parametrize(
    "path",
    [
        "/ui/lists",
        "/ui/lists/HP-JZ-JB",
        "/ui/lists/HP-QZ-FGJ/versions/2",
        "/ui/lists/AREAS",
        "/ui/lists/UNITS/versions/1",
        "/ui/lists/HP-JZ-JB/diff?a=1&b=2",
        "/ui/lists/HP-JZ-SH/diff?a=2&b=2",
        "/ui/lists/import",
        "/ui/audit",
    ],
)
def test_each_page_in_english(svc: ServiceClient, path: str) -> None:
    sign_in(svc, "admin")  # an admin holds every role
    answer = svc.client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert answer.status_code == 200
    assert '<html lang="en">' in answer.text and "page.lists" not in answer.text


def test_browser_officer_withdraws_a_version_in_force_after_confirming(tab: BrowserPage) -> None:
    tab.sign_in("officer", then="/ui/lists/HP-JZ-PH/versions/1")
    tab.page.fill("#withdraw_note", "")
    with tab.page.expect_navigation():
        tab.page.click("#withdraw-form button[type=submit]")
    assert "/ui/lists/HP-JZ-PH/versions/1/withdraw" in tab.page.url
    assert "追溯性变更" in tab.page.inner_text("[role=alert]")
    assert "2024-01-01" in tab.page.inner_text("[role=alert]")
    assert tab.axe() == []
    tab.screenshot("list-withdraw-confirm")
    tab.page.fill("#confirm_note", "配合清单重新梳理，先行撤回")
    tab.page.check("#retroactive")
    with tab.page.expect_navigation():
        tab.page.click("form.card button[type=submit]")
    assert "done=withdrawn" in tab.page.url
    assert "已撤回：HP-JZ-PH 第 1 版" in tab.page.inner_text("[role=status]")
    assert tab.page.locator("#withdraw-form").count() == 0
    assert tab.axe() == []
    tab.goto("/ui/audit?list=HP-JZ-PH")
    assert "配合清单重新梳理，先行撤回" in tab.page.inner_text("table.audit")
    assert tab.problems == []


def test_a_publish_the_registry_refuses_is_shown_on_the_version(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    day = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    before = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    refused = svc.client.post(
        "/ui/lists/HP-QZ-FGJ/versions/2/publish",
        data={"effective_from": day, "effective_to": before},
    )
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text and "未写入任何内容" in refused.text
    assert f'value="{before}"' in refused.text  # the form as it was filled
    assert "badge status-draft" in svc.client.get("/ui/lists/HP-QZ-FGJ/versions/2").text
