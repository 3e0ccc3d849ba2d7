"""The admission pages (/ui/admission, /ui/admission/{id}) and the 推诿 page (/ui/disputes):
ASGI tests on the sample district, then Chromium (axe-clean, no console error, screenshots)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from remit import Registry
from remit.errors import InputError
from tests.conftest import STAFF_PASSWORD, BrowserPage, ServiceClient, Site, staff_tokens
from tests.factories import (
    ADMISSION_CONFIG,
    APPROVER,
    OTHER_APPROVER,
    REQUEST_ID,
    REQUESTS,
    REQUESTS_CONFIG,
    SUBMITTER,
    admission_gate,
    problem_key,
    sample_request,
)
from tests.served import served
from tests.test_service import EVENT

STREET_EVENT = {
    **EVENT,
    "id": "HP-T-RT",
    "matter": "无照经营游商",
    "area": "南京东路街道",
    "attributes": {"地点类型": "住宅小区"},
}
"""An event in 南京东路街道 that 区市场监管局 leads: its return is overruled (推诿)."""


def returned_case(post: Any) -> str:
    """A case recorded by the dispatcher and returned by the unit that holds it (ruled at
    once); ``post(path, login, json)`` answers as the service does."""
    case = post("/cases", "disp", STREET_EVENT)
    assert case.status_code == 201, case.text
    body = case.json()
    holder = {"HP-NJDL": "nj", "HP-WT": "wt", "HP-CGJ": "cgj", "HP-SCJ": "scj"}[body["unit"]]
    answer = post(
        f"/cases/{body['id']}/return",
        holder,
        {"reason": "not_our_duty", "note": "不属本单位职责"},
    )
    assert answer.status_code == 200, answer.text
    return str(body["id"])


TWO_APPROVALS = "file: admission-config\napprovals_required: 2\n"
"""Settings that ask two approvers for every decision (the role alone says who may approve)."""


@pytest.fixture
def two_eyes(tmp_path: Path) -> Path:
    path = tmp_path / "admission-config.yaml"
    path.write_text(TWO_APPROVALS, encoding="utf-8")
    return path


def request_json(name: str, **changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((REQUESTS / f"{name}.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    return json.loads(json.dumps(data, default=str))


def sign_in(svc: ServiceClient, login: str) -> None:
    svc.client.cookies.clear()
    answer = svc.client.post(
        "/login", data={"login": login, "password": STAFF_PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def submitted(svc: ServiceClient, name: str = "admitted", by: str = "officer") -> str:
    request = request_json(name)
    answer = svc.post("/admission", by, json=request)
    assert answer.status_code == 201, answer.text
    return str(request["id"])


def test_the_requests_page_lists_each_request_with_its_gates(svc: ServiceClient) -> None:
    rid = submitted(svc)
    sign_in(svc, "officer")
    answer = svc.client.get("/ui/admission")
    assert answer.status_code == 200
    html = answer.text
    assert f'href="/ui/admission/{rid}"' in html
    for gate in ("法律依据", "权随责走、费随事转", "承载能力", "权力配置"):
        assert gate in html
    assert "已提交" in html and "通过" in html
    assert svc.client.get("/ui/admission?status=approved").text.count("request-") == 0
    assert svc.client.get("/ui/admission?status=whatever").status_code == 200


def test_a_unit_user_may_not_open_the_admission_pages(svc: ServiceClient) -> None:
    rid = submitted(svc)
    sign_in(svc, "nj")
    assert svc.client.get("/ui/admission").status_code == 403
    assert svc.client.get(f"/ui/admission/{rid}").status_code == 403
    assert svc.client.post(f"/ui/admission/{rid}/approve", data={}).status_code == 403
    sign_in(svc, "officer")  # a policy officer reads, but may not decide
    assert svc.client.post(f"/ui/admission/{rid}/approve", data={}).status_code == 403
    home = svc.client.get("/").text
    assert "/ui/admission" in home and "/ui/disputes" not in home


def test_an_unknown_request_is_404(svc: ServiceClient) -> None:
    sign_in(svc, "appr1")
    assert svc.client.get("/ui/admission/HP-NOPE").status_code == 404
    answer = svc.client.post("/ui/admission/HP-NOPE/approve", data={"note": "x"})
    assert answer.status_code == 404


def test_the_request_page_shows_gates_evidence_and_effect(svc: ServiceClient) -> None:
    rid = submitted(svc)
    sign_in(svc, "appr1")
    html = svc.client.get(f"/ui/admission/{rid}").text
    assert 'id="gate-legal_basis"' in html and 'id="gate-resources"' in html
    assert "准入影响" in html and "下放后负荷指数" in html
    assert 'action="/ui/admission/' + rid + '/approve"' in html
    assert "尚无审批" in html
    sign_in(svc, "officer")
    assert "/approve" not in svc.client.get(f"/ui/admission/{rid}").text


def test_the_submitter_is_refused_on_the_page(svc: ServiceClient) -> None:
    """Four eyes by login: an admin who submitted cannot approve (403, said on the page)."""
    rid = submitted(svc, by="admin")
    sign_in(svc, "admin")
    answer = svc.client.post(f"/ui/admission/{rid}/approve", data={"note": "自己批"})
    assert answer.status_code == 403
    assert 'id="refusal"' in answer.text and "双人复核" in answer.text
    assert "自己批" in answer.text  # the note is kept in the form
    assert svc.get(f"/admission/{rid}", "disp").json()["status"] == "submitted"


def test_an_approver_approves_and_the_request_is_enacted(svc: ServiceClient) -> None:
    rid = submitted(svc)
    sign_in(svc, "appr1")
    answer = svc.client.post(
        f"/ui/admission/{rid}/approve", data={"note": "同意"}, follow_redirects=False
    )
    assert answer.status_code == 303
    page = svc.client.get(answer.headers["location"]).text
    assert 'id="done"' in page and "已批准" in page and "appr1" in page and "同意" in page
    assert "/approve" not in page  # decided: no form
    shown = svc.get(f"/admission/{rid}", "disp").json()
    assert (shown["status"], shown["decided_by"]) == ("approved", "appr1")
    sign_in(svc, "appr2")
    again = svc.client.post(f"/ui/admission/{rid}/approve", data={})
    assert again.status_code == 409 and 'id="refusal"' in again.text


def test_a_reject_needs_a_reason(svc: ServiceClient) -> None:
    rid = submitted(svc)
    sign_in(svc, "appr2")
    missing = svc.client.post(f"/ui/admission/{rid}/reject", data={"reason": " "})
    assert missing.status_code == 400 and "驳回须说明理由" in missing.text
    done = svc.client.post(f"/ui/admission/{rid}/reject", data={"reason": "经费不足"})
    assert done.status_code == 200 and "已驳回" in done.text


def test_gates_that_refuse_keep_the_request_submitted(svc: ServiceClient) -> None:
    rid = submitted(svc, "reject-legal-basis")
    sign_in(svc, "appr1")
    answer = svc.client.post(f"/ui/admission/{rid}/approve", data={})
    assert answer.status_code == 422
    assert 'id="refusal"' in answer.text and "法律依据" in answer.text


def test_the_settings_name_the_approvers(sample_url: str, service_factory: Any) -> None:
    """With data/admission_requests/config.yaml, appr2 (not named there) is refused."""
    svc = service_factory(sample_url, admission_config=REQUESTS_CONFIG)
    rid = submitted(svc)
    sign_in(svc, "appr2")
    answer = svc.client.post(f"/ui/admission/{rid}/approve", data={})
    assert answer.status_code == 403 and "区委编办审核人" in answer.text


def test_the_disputes_page_counts_the_returns(svc: ServiceClient) -> None:
    returned_case(lambda path, who, body: svc.post(path, who, json=body))
    sign_in(svc, "disp")
    html = svc.client.get("/ui/disputes").text
    assert "区市场监督管理局" in html and "按单位" in html and "100%" in html
    assert 'href="/ui/lists/HP-QZ-SCJ/versions/1#row-1"' in html
    assert "退单 1 次" in html
    assert "统计期间内没有退单" not in html
    before = svc.client.get("/ui/disputes?date_to=2026-01-31").text
    assert "统计期间内没有退单" in before


def test_the_disputes_page(svc: ServiceClient) -> None:
    sign_in(svc, "disp")
    answer = svc.client.get("/ui/disputes")
    assert answer.status_code == 200
    assert 'id="date_from"' in answer.text and "统计期间内没有退单" in answer.text
    ranged = svc.client.get("/ui/disputes?date_from=2026-01-01&date_to=2026-12-31")
    assert ranged.status_code == 200 and "2026-12-31" in ranged.text
    bad = svc.client.get("/ui/disputes?date_from=soon&date_to=2026-01-01")
    assert bad.status_code == 400 and "soon" in bad.text
    backwards = svc.client.get("/ui/disputes?date_from=2026-02-01&date_to=2026-01-01")
    assert backwards.status_code == 400
    sign_in(svc, "nj")
    assert svc.client.get("/ui/disputes").status_code == 403


# --- two approvals (approvals_required: 2) -----------------------------------------------------


def test_the_gate_asks_two_approvers(sample_registry: Registry) -> None:
    config = ADMISSION_CONFIG.model_copy(update={"approvals_required": 2})
    gate = admission_gate(sample_registry, config)
    gate.submit(sample_request(), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER, note="同意")
    assert gate.show(REQUEST_ID).status == "submitted"
    (given,) = gate.approvals(REQUEST_ID)[REQUEST_ID]
    assert (given.by, given.note) == (APPROVER, "同意")
    assert sample_registry.log()[-1].action == "admission_approval"
    with pytest.raises(InputError) as again:  # an approver counts once
        gate.approve(REQUEST_ID, by=APPROVER.replace("区", "区 "))
    assert problem_key(again) == "admission.approved_already"
    with pytest.raises(InputError) as own:  # and the submitter never
        gate.approve(REQUEST_ID, by=SUBMITTER)
    assert problem_key(own) == "admission.four_eyes"
    report = gate.approve(REQUEST_ID, by=OTHER_APPROVER)
    assert report.enactment and gate.show(REQUEST_ID).status == "approved"
    assert gate.show(REQUEST_ID).decided_by == OTHER_APPROVER


def test_one_approval_decides_by_default(sample_registry: Registry) -> None:
    gate = admission_gate(sample_registry, ADMISSION_CONFIG)
    gate.submit(sample_request(), by=SUBMITTER)
    gate.approve(REQUEST_ID, by=APPROVER)
    assert gate.show(REQUEST_ID).status == "approved"
    assert gate.approvals(REQUEST_ID) == {REQUEST_ID: []}


def test_the_api_answers_202_for_an_approval_that_does_not_decide(
    sample_url: str, service_factory: Any, two_eyes: Path
) -> None:
    svc = service_factory(sample_url, admission_config=two_eyes)
    rid = submitted(svc)
    first = svc.post(f"/admission/{rid}/approve", "appr1", json={"note": "同意"})
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["status"] == "submitted" and body["approvals_required"] == 2
    assert [a["by"] for a in body["approvals"]] == ["appr1"]
    again = svc.post(f"/admission/{rid}/approve", "appr1", json={})
    assert again.status_code == 403
    assert again.json()["problems"][0]["key"] == "admission.approved_already"
    assert svc.post(f"/admission/{rid}/approve", "appr2", json={}).status_code == 200
    assert svc.get(f"/admission/{rid}", "disp").json()["status"] == "approved"


def test_two_approvers_on_the_pages(sample_url: str, service_factory: Any, two_eyes: Path) -> None:
    """appr1 approves: a second approver is required; appr1 again: refused (four eyes, by
    login); appr2 approves: approved and enacted."""
    svc = service_factory(sample_url, admission_config=two_eyes)
    rid = submitted(svc)
    sign_in(svc, "appr1")
    page = svc.client.get(f"/ui/admission/{rid}").text
    assert "须由 2 位不同的审核人" in page
    first = svc.client.post(f"/ui/admission/{rid}/approve", data={"note": "同意"})
    assert first.status_code == 200  # after the redirect
    assert "第二位审核人" in first.text and 'id="more"' in first.text
    assert "appr1 批准" in first.text and "同意" in first.text
    assert "已批准 1/2" in svc.client.get("/ui/admission").text
    again = svc.client.post(f"/ui/admission/{rid}/approve", data={})
    assert again.status_code == 403
    assert 'id="refusal"' in again.text and "双人复核" in again.text
    sign_in(svc, "appr2")
    second = svc.client.post(f"/ui/admission/{rid}/approve", data={"note": "复核同意"})
    assert second.status_code == 200 and 'id="done"' in second.text
    assert "已批准" in second.text and "appr2" in second.text
    shown = svc.get(f"/admission/{rid}", "disp").json()
    assert (shown["status"], shown["decided_by"]) == ("approved", "appr2")
    assert [a["by"] for a in shown["approvals"]] == ["appr1"]


# --- in a browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(browser: Any, sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The module's site with settings that ask two approvers, and a request submitted."""
    folder = tmp_path_factory.mktemp("site-admission")
    db = folder / "registry.db"
    shutil.copyfile(sample_db, db)
    config = folder / "admission-config.yaml"
    config.write_text(TWO_APPROVALS, encoding="utf-8")
    url = f"sqlite:///{db}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REMIT_ARGON2_FAST", "1")
        tokens = staff_tokens(url)
    with served(url, workers=1, extra=["--admission-config", str(config)]) as server:
        import httpx

        answer = httpx.post(
            server.base + "/admission",
            json=request_json("admitted"),
            headers={"Authorization": f"Bearer {tokens['officer']}"},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text

        def post(path: str, who: str, body: Any) -> Any:
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            return httpx.post(server.base + path, json=body, headers=headers, timeout=60)

        returned_case(post)
        yield Site(server.base, url, tokens)


def test_browser_two_approvers_approve(tab: BrowserPage) -> None:
    tab.sign_in("appr1", then="/ui/admission")
    assert tab.page.locator(f"#request-{REQUEST_ID}").count() == 1
    assert tab.axe() == []
    tab.screenshot("admission")
    tab.page.click(f"#request-{REQUEST_ID} a")
    tab.page.wait_for_selector("#gate-legal_basis")
    assert tab.axe() == []
    tab.screenshot("admission-request")
    tab.page.fill("#note", "同意下放")
    with tab.page.expect_navigation():
        tab.page.click("#approve")
    assert "第二位审核人" in tab.page.inner_text("#more")
    assert tab.axe() == []
    tab.screenshot("admission-second-approver")
    with tab.page.expect_navigation():
        tab.page.click("button:has-text('退出登录')")
    tab.sign_in("appr2", then=f"/ui/admission/{REQUEST_ID}")
    with tab.page.expect_navigation():
        tab.page.click("#approve")
    assert "已批准" in tab.page.inner_text("#status")
    assert tab.page.locator("#approve").count() == 0
    assert tab.axe() == []
    assert tab.problems == []


def test_browser_disputes_page(tab: BrowserPage) -> None:
    tab.sign_in("disp", then="/ui/disputes")
    tab.page.fill("#date_from", "2026-01-01")
    tab.page.fill("#date_to", "2026-12-31")
    with tab.page.expect_navigation():
        tab.page.click("button.primary")
    assert "date_to=2026-12-31" in tab.page.url
    assert tab.page.locator("table").count() >= 1
    assert tab.axe() == []
    tab.screenshot("disputes")
    assert tab.problems == []


def test_a_policy_officer_submits_a_request_file(svc: ServiceClient) -> None:
    content = (REQUESTS / "admitted.yaml").read_bytes()
    sign_in(svc, "officer")
    assert 'enctype="multipart/form-data"' in svc.client.get("/ui/admission").text
    files = {"file": ("admitted.yaml", content, "application/yaml")}
    answer = svc.client.post("/ui/admission", files=files, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/ui/admission/{REQUEST_ID}?done=submitted"
    assert 'id="done"' in svc.client.get(answer.headers["location"]).text
    assert svc.get(f"/admission/{REQUEST_ID}", "disp").json()["submitted_by"] == "officer"
    again = svc.client.post("/ui/admission", files=files)
    assert again.status_code == 400 and REQUEST_ID in again.text and 'id="refusal"' in again.text
    bad = content.replace(b"effective_from: 2027-01-01", b"effective_from: soon")
    refused = svc.client.post("/ui/admission", files={"file": ("mine.yaml", bad, "text/yaml")})
    assert refused.status_code == 400 and "mine.yaml" in refused.text
    assert "effective_from" in refused.text
    broken = svc.client.post("/ui/admission", files={"file": ("x.yaml", b"{oops", "text/yaml")})
    assert broken.status_code == 400
    sign_in(svc, "appr1")  # an approver reads and decides, but does not submit
    assert "multipart/form-data" not in svc.client.get("/ui/admission").text
    assert svc.client.post("/ui/admission", files=files).status_code == 403


def test_the_pages_in_english(svc: ServiceClient) -> None:
    rid = submitted(svc)
    sign_in(svc, "appr1")
    svc.client.cookies.set("remit_lang", "en")
    listed = svc.client.get("/ui/admission").text
    assert "Admission" in listed and "resources follow" in listed and "submitted" in listed
    one = svc.client.get(f"/ui/admission/{rid}").text
    assert "What admitting it changes" in one and "Approve the request" in one
    sign_in(svc, "disp")
    svc.client.cookies.set("remit_lang", "en")
    assert "Buck-passing" in svc.client.get("/ui/disputes").text


def test_the_command_line_asks_the_second_approver(
    cli: Any, sample_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REMIT_ADMISSION_CONFIG", raising=False)
    config = tmp_path / "two.yaml"  # the sample settings (they name the approvers), two asked
    config.write_text(
        REQUESTS_CONFIG.read_text(encoding="utf-8") + "approvals_required: 2\n", encoding="utf-8"
    )
    ok = {"db": sample_url, "lang": "en"}
    admitted = REQUESTS / "admitted.yaml"
    assert (
        cli("admit", "submit", admitted, "--by", SUBMITTER, "--config", config, **ok).exit_code == 0
    )
    first = cli("admit", "approve", REQUEST_ID, "--by", APPROVER, "--config", config, **ok)
    assert first.exit_code == 0 and "must still approve" in first.output
    shown = cli("admit", "show", REQUEST_ID, "--format", "json", "--config", config, **ok)
    data = json.loads(shown.output)
    assert data["status"] == "submitted" and data["approvals_required"] == 2
    assert [a["by"] for a in data["approvals"]] == [APPROVER]
    text = cli("admit", "show", REQUEST_ID, "--config", config, **ok).output
    assert f"approved by {APPROVER}" in text
    again = cli("admit", "approve", REQUEST_ID, "--by", APPROVER, "--config", config, **ok)
    assert again.exit_code == 2 and "already" in again.stderr
    last = cli("admit", "approve", REQUEST_ID, "--by", OTHER_APPROVER, "--config", config, **ok)
    assert last.exit_code == 0 and "approved" in last.output.lower()
    shown = cli("admit", "show", REQUEST_ID, "--format", "json", "--config", config, **ok)
    assert json.loads(shown.output)["status"] == "approved"
