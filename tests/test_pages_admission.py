"""The admission pages (/ui/admission, /ui/admission/{id}) and the 推诿 page (/ui/disputes):
ASGI tests on the sample district, then Chromium (axe-clean, no console error, screenshots)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from tests.conftest import STAFF_PASSWORD, BrowserPage, ServiceClient
from tests.factories import REQUESTS, REQUESTS_CONFIG


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
