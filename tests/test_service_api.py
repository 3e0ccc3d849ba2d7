"""The service's API over the registry, the check, the admission gate, disputes, the rules and
replay, through the ASGI test client: each endpoint's answer, who may call it (401/403), its
refusals as located problem details in either language, and the audit log naming the login."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ServiceClient
from tests.factories import REQUESTS, REQUESTS_CONFIG, ROOT
from tests.test_service import problem

TABLES = ROOT / "data" / "tables"
CASES = ROOT / "data" / "disputes" / "cases.yaml"
EVENT = {
    "id": "HP-T-0001",
    "matter": "BJ0101",
    "area": "310101002000",
    "reported_at": "2026-03-02T09:15:00",
    "source": "grid",
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def last_log(svc: ServiceClient, list_id: str | None = None) -> dict[str, Any]:
    entries = ok(svc.get("/log" + (f"?list={list_id}" if list_id else ""), "disp"))
    entry: dict[str, Any] = entries[-1]
    return entry


def request_json(name: str, **changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((REQUESTS / f"{name}.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    return json.loads(json.dumps(data, default=str))


# --- who may call ---------------------------------------------------------------------------------

READS = [
    "/lists",
    "/lists/HP-JZ-JB",
    "/lists/HP-JZ-JB/versions/1",
    "/lists/HP-JZ-JB/diff?a=1&b=2",
    "/snapshot",
    "/log",
    "/schema/event",
    "/check",
    "/admission",
    "/rules",
    "/rules/owner-repairs",
]


@pytest.mark.parametrize("path", READS)
def test_every_read_needs_an_identity(svc: ServiceClient, path: str) -> None:
    body = problem(svc.get(path), 401)
    assert "Bearer" in svc.get(path).headers["www-authenticate"]
    assert body["key"] == "http.unauthenticated"


WRITES = [
    ("/registry/import", "nj"),
    ("/lists/HP-QZ-FGJ/versions/2/publish", "disp"),
    ("/lists/HP-JZ-SH/versions/2/withdraw", "appr1"),
    ("/admission", "disp"),
    ("/admission/X/approve", "officer"),
    ("/admission/X/reject", "nj"),
    ("/disputes", "officer"),
    ("/disputes/report", "nj"),
    ("/replay", "nj"),
]


@pytest.mark.parametrize(("path", "wrong"), WRITES)
def test_every_write_needs_its_role(svc: ServiceClient, path: str, wrong: str) -> None:
    assert problem(svc.post(path, json={}), 401)["key"] == "http.unauthenticated"
    body = problem(svc.post(path, wrong, json={}), 403)
    assert body["key"] == "http.forbidden_role" and wrong in body["detail"]
    en = problem(svc.post(path + "?lang=en", wrong, json={}), 403)
    assert "may not" in en["detail"] and en["detail"] != body["detail"]


def test_the_api_documents_every_capability(svc: ServiceClient) -> None:
    spec = svc.get("/openapi.json").json()
    for path in (
        "/lists",
        "/lists/{list_id}/versions/{number}/publish",
        "/registry/import",
        "/check",
        "/admission/{request_id}/approve",
        "/disputes",
        "/disputes/report",
        "/rules/{rule_id}",
        "/replay",
        "/schema/{kind}",
    ):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert {"CheckReport", "AdmissionReport", "AdmissionRequest", "ReplayReport"} <= set(schemas)
    assert {"DisputeReport", "Case", "PublishRequest"} <= set(schemas)


# --- registry reads -------------------------------------------------------------------------------


def test_lists_and_one_list(svc: ServiceClient) -> None:
    lists = ok(svc.get("/lists?on=2025-08-01", "nj"))
    jb = next(item for item in lists if item["id"] == "HP-JZ-JB")
    assert jb["in_force"] == 2 and [v["version"] for v in jb["versions"]] == [1, 2]
    assert ok(svc.get("/lists?on=2024-06-01", "nj"))[3]["in_force"] == 1
    one = ok(svc.get("/lists/HP-JZ-JB?on=2024-06-01", "nj"))
    assert one["in_force"] == 1 and one["versions"][0]["in_force_until"] == "2025-06-30"
    assert one["versions"][1]["status"] == "published"
    missing = problem(svc.get("/lists/NOPE", "nj"), 404)
    assert "HP-JZ-JB" in missing["detail"] and missing["key"] == "http.unknown_list"
    assert problem(svc.get("/lists?known_at=yesterday", "nj"), 400)["problems"][0]["field"] == (
        "known_at"
    )
    # the registry as it stood at its first revision
    assert ok(svc.get("/lists?known_at=1", "nj"))


def test_a_version_with_its_rows_and_a_diff(svc: ServiceClient) -> None:
    version = ok(svc.get("/lists/HP-JZ-JB/versions/2", "wt"))
    assert version["list"]["id"] == "HP-JZ-JB" and version["version"] == 2
    assert version["rows"] and version["row_count"] == len(version["rows"])
    catalogue = ok(svc.get("/lists/HP-SXML/versions/1", "wt"))
    assert catalogue["rows"][0]["code"]
    assert ok(svc.get("/lists/UNITS/versions/1", "wt"))["rows"]
    body = problem(svc.get("/lists/HP-JZ-JB/versions/9", "wt"), 404)
    assert "1, 2" in body["detail"]
    problem(svc.get("/lists/HP-JZ-JB/versions/two", "wt"), 400)
    diff = ok(svc.get("/lists/HP-JZ-JB/diff?a=1&b=2", "wt"))
    assert diff["added"] or diff["removed"] or diff["changed"]
    problem(svc.get("/lists/HP-JZ-JB/diff?a=1&b=7", "wt"), 404)
    assert problem(svc.get("/lists/HP-JZ-JB/diff?a=1", "wt"), 400)["problems"][0]["field"] == "b"


def test_snapshot_log_and_schemas(svc: ServiceClient) -> None:
    snap = ok(svc.get("/snapshot?on=2025-08-01", "cgj"))
    assert snap["as_of"] == "2025-08-01" and len(snap["hash"]) >= 16
    assert any(e["id"] == "HP-JZ-JB" and e["version"] == 2 for e in snap["lists"])
    assert ok(svc.get("/snapshot?on=2024-06-01", "cgj"))["hash"] != snap["hash"]
    log = ok(svc.get("/log", "cgj"))
    assert log and log[0]["actor"] == "setup"
    assert all(e["list_id"] == "HP-JZ-JB" for e in ok(svc.get("/log?list=HP-JZ-JB", "cgj")))
    problem(svc.get("/log?list=NOPE", "cgj"), 404)
    schema = ok(svc.get("/schema/admission", "cgj"))
    assert "properties" in schema and "receiving" in schema["properties"]
    body = problem(svc.get("/schema/nope?lang=en", "cgj"), 404)
    assert "admission" in body["detail"] and "event" in body["detail"]


# --- registry writes ------------------------------------------------------------------------------


def test_publish_the_draft_recorded_under_the_login(svc: ServiceClient) -> None:
    path = "/lists/HP-QZ-FGJ/versions/2/publish"
    problem(svc.post(path, "officer", json={"note": "no date"}), 400)
    problem(
        svc.post(
            "/lists/HP-QZ-FGJ/versions/1/publish", "officer", json={"effective_from": "2027-01-01"}
        ),
        409,
    )
    problem(
        svc.post(
            "/lists/HP-QZ-FGJ/versions/5/publish", "officer", json={"effective_from": "2027-01-01"}
        ),
        404,
    )
    problem(
        svc.post(
            "/lists/NOPE/versions/2/publish", "officer", json={"effective_from": "2027-01-01"}
        ),
        404,
    )
    # a date before today: only with retroactive and a note
    past = problem(svc.post(path, "officer", json={"effective_from": "2026-01-01"}), 400)
    assert past["problems"][0]["key"]
    published = ok(svc.post(path, "officer", json={"effective_from": "2027-01-01", "note": "新版"}))
    assert published["status"] == "published" and published["published_by"] == "officer"
    entry = last_log(svc, "HP-QZ-FGJ")
    assert entry["actor"] == "officer" and entry["action"] == "publish"
    # published: there is no draft any more
    again = problem(svc.post(path, "officer", json={"effective_from": "2027-01-01"}), 409)
    assert again["key"] == "http.not_draft"


def test_a_retroactive_publish_says_so(svc: ServiceClient) -> None:
    path = "/lists/HP-QZ-FGJ/versions/2/publish"
    body = {"effective_from": "2026-06-01", "retroactive": True, "note": "补录 2026 年版本"}
    assert ok(svc.post(path, "admin", json=body))["effective_from"] == "2026-06-01"
    entry = last_log(svc, "HP-QZ-FGJ")
    assert entry["actor"] == "admin" and entry["details"]["retroactive"] is True


def test_withdraw_recorded_under_the_login(svc: ServiceClient) -> None:
    withdrawn = ok(
        svc.post("/lists/HP-JZ-SH/versions/2/withdraw", "officer", json={"note": "不再收回"})
    )
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_by"] == "officer"
    entry = last_log(svc, "HP-JZ-SH")
    assert (entry["actor"], entry["action"], entry["note"]) == ("officer", "withdraw", "不再收回")
    # a version that has been in force: retroactive with a note
    refused = problem(svc.post("/lists/HP-JZ-JB/versions/1/withdraw", "officer"), 400)
    assert refused["problems"]
    problem(svc.post("/lists/HP-JZ-JB/versions/3/withdraw", "officer"), 404)


def _tree(list_id: str = "HP-T-NEW") -> bytes:
    document = {
        "file": "list",
        "id": list_id,
        "name": "测试清单",
        "kind": "department",
        "issuer": "区城管执法局",
        "versions": [
            {
                "version": 1,
                "status": "draft",
                "duties": [{"matter": "SJ0112", "unit": "区城管执法局"}],
            }
        ],
    }
    return yaml.safe_dump(document, allow_unicode=True).encode()


def test_import_a_yaml_tree_under_the_login(svc: ServiceClient) -> None:
    files = [("files", ("lists/new.yaml", _tree(), "application/yaml"))]
    result = ok(svc.post("/registry/import", "officer", files=files, data={"note": "新清单"}))
    assert result["revision"] > 1 and result["snapshot_hash"]
    assert result["plan"]["lists"] == ["HP-T-NEW"]
    assert result["plan"]["changes"][0]["list_id"] == "HP-T-NEW"
    assert all("remit-upload" not in f for f in result["plan"]["files"])
    assert last_log(svc)["actor"] == "officer"
    assert ok(svc.get("/lists/HP-T-NEW", "disp"))["versions"][0]["status"] == "draft"


def test_a_bad_yaml_file_is_named_as_uploaded(svc: ServiceClient) -> None:
    bad = _tree().replace("unit: 区城管执法局".encode(), "unit: 没有这个单位".encode())
    files = [("files", ("lists/bad.yaml", bad, "application/yaml"))]
    body = problem(svc.post("/registry/import?lang=en", "officer", files=files), 400)
    assert body["problems"] and all(
        p.get("source") == "lists/bad.yaml" for p in body["problems"]
    ), body
    assert "remit-upload" not in json.dumps(body)
    broken = [("files", ("x.yaml", b"file: list\nid: [unclosed", "application/yaml"))]
    assert (
        problem(svc.post("/registry/import", "officer", files=broken), 400)["problems"][0]["source"]
        == "x.yaml"
    )
    odd = [("files", ("notes.txt", b"hello", "text/plain"))]
    problem(svc.post("/registry/import", "officer", files=odd), 400)
    escape = [("files", ("../../etc/x.yaml", _tree(), "application/yaml"))]
    assert (
        problem(svc.post("/registry/import", "officer", files=escape), 400)["problems"][0]["key"]
        == "http.bad_file_name"
    )
    problem(svc.post("/registry/import", "officer"), 400)


def test_import_a_table_as_a_draft(svc: ServiceClient) -> None:
    files = [
        ("files", ("hp-qz-scj-2027.csv", (TABLES / "hp-qz-scj-2027.csv").read_bytes(), "text/csv")),
        ("mapping", ("scj-mapping.yaml", (TABLES / "scj-mapping.yaml").read_bytes(), "text/yaml")),
    ]
    result = ok(
        svc.post(
            "/registry/import", "officer", files=files, data={"list": "HP-QZ-SCJ", "note": "2027"}
        )
    )
    assert result["table"]["imported"] == result["table"]["read"] > 0
    assert result["plan"]["changes"][0]["list_id"] == "HP-QZ-SCJ"
    entry = last_log(svc, "HP-QZ-SCJ")
    assert entry["actor"] == "officer" and entry["version"] == 2
    no_list = problem(svc.post("/registry/import", "officer", files=files), 400)
    assert no_list["problems"][0]["field"] == "list"


def test_a_bad_table_row_is_named_by_the_uploaded_file_and_row(svc: ServiceClient) -> None:
    mapping = b"file: mapping\ncolumns:\n  matter_name: matter\n  lead: lead\n"
    table = "matter,lead\n上水井盖,区城管执法局\n没有这个事项,区城管执法局\n".encode()
    files = [
        ("files", ("我的表.csv", table, "text/csv")),
        ("mapping", ("map.yaml", mapping, "text/yaml")),
    ]
    body = problem(
        svc.post("/registry/import", "officer", files=files, data={"list": "HP-QZ-CGJ"}), 400
    )
    located = [p for p in body["problems"] if p.get("row") is not None]
    assert located and located[0]["source"] == "我的表.csv" and located[0]["row"] == 3
    assert body["table"]["read"] == 2 and body["table"]["refused"] == 1
    assert "remit-upload" not in json.dumps(body, ensure_ascii=False)
    en = problem(
        svc.post("/registry/import?lang=en", "officer", files=files, data={"list": "HP-QZ-CGJ"}),
        400,
    )
    assert en["problems"][0]["message"] != body["problems"][0]["message"]
    unknown = problem(
        svc.post("/registry/import", "officer", files=files, data={"list": "NOPE"}), 400
    )
    assert unknown["problems"]


# --- the check ------------------------------------------------------------------------------------


def test_the_check_as_json_and_html(svc: ServiceClient) -> None:
    report = ok(svc.get("/check?on=2026-03-02", "nj"))
    assert report["as_of"] == "2026-03-02" and "findings" in report
    assert report["snapshot_hash"]
    html = svc.get("/check?on=2026-03-02&format=html&lang=en", "nj")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert html.text.lstrip().lower().startswith("<!doctype html")
    zh = svc.get("/check?on=2026-03-02&format=html", "nj").text
    assert zh != html.text
    problem(svc.get("/check?format=pdf", "nj"), 400)
    problem(svc.get("/check?on=someday", "nj"), 400)
    assert problem(svc.get("/check?matter=nothing-like-it", "nj"), 400)["problems"]


# --- admission ------------------------------------------------------------------------------------


@pytest.fixture
def gated(sample_url: str, service_factory: Any) -> ServiceClient:
    """The service with the sample admission settings (approvers: 区委编办审核人, 区司法局审核人)."""
    client: ServiceClient = service_factory(sample_url, admission_config=REQUESTS_CONFIG)
    return client


def test_submit_then_approve_with_four_eyes(gated: ServiceClient) -> None:
    request = request_json("admitted")
    report = ok(gated.post("/admission", "officer", json=request), 201)
    assert report["outcome"] == "admit" and report["request_id"] == request["id"]
    assert problem(gated.post("/admission", "officer", json=request), 400)["problems"]
    listed = ok(gated.get("/admission?status=submitted", "nj"))
    assert [e["id"] for e in listed] == [request["id"]]
    assert listed[0]["submitted_by"] == "officer"
    assert ok(gated.get("/admission?status=approved", "nj")) == []
    url = f"/admission/{request['id']}"
    # appr2 holds the role but the settings do not name them
    body = problem(gated.post(url + "/approve", "appr2", json={}), 403)
    assert body["key"] == "http.not_listed_approver"
    approved = ok(gated.post(url + "/approve", "appr1", json={"note": "同意"}))
    assert approved["outcome"] == "admit" and approved["enactment"]
    shown = ok(gated.get(url, "disp"))
    assert (shown["status"], shown["decided_by"], shown["decision_note"]) == (
        "approved",
        "appr1",
        "同意",
    )
    assert last_log(gated)["actor"] == "appr1"
    again = problem(gated.post(url + "/approve", "appr1", json={}), 409)
    assert again["problems"][0]["key"] == "admission.decided"
    problem(gated.post(url + "/reject", "appr1", json={"reason": "晚了"}), 409)


def test_the_submitter_cannot_approve(sample_url: str, service_factory: Any) -> None:
    """Without settings naming approvers the role decides; an admin who submitted is still
    refused: four eyes compares logins."""
    svc = service_factory(sample_url)
    request = request_json("admitted")
    ok(svc.post("/admission", "admin", json=request), 201)
    url = f"/admission/{request['id']}"
    body = problem(svc.post(url + "/approve", "admin", json={}), 403)
    assert body["problems"][0]["key"] == "admission.four_eyes"
    problem(svc.post(url + "/reject", "admin", json={"reason": "自己驳回"}), 403)
    assert ok(svc.get(url, "disp"))["status"] == "submitted"
    # any approver when the settings name none
    assert ok(svc.post(url + "/approve", "appr2", json={}))["outcome"] == "admit"


def test_reject_with_a_reason(gated: ServiceClient) -> None:
    request = request_json("admitted")
    ok(gated.post("/admission", "officer", json=request), 201)
    url = f"/admission/{request['id']}/reject"
    missing = problem(gated.post(url, "appr1", json={}), 400)
    assert missing["problems"][0]["field"] == "reason"
    rejected = ok(gated.post(url + "?lang=en", "appr1", json={"reason": "经费不足"}))
    assert rejected["status"] == "rejected" and rejected["decided_by"] == "appr1"
    entry = last_log(gated)
    assert entry["actor"] == "appr1" and entry["action"].startswith("admission")


def test_a_request_the_gates_refuse_stays_submitted(gated: ServiceClient) -> None:
    request = request_json("reject-legal-basis")
    report = ok(gated.post("/admission", "officer", json=request), 201)
    assert report["outcome"] != "admit"
    url = f"/admission/{request['id']}"
    body = problem(gated.post(url + "/approve", "appr1", json={}), 422)
    assert body["report"]["outcome"] == report["outcome"]
    assert any(p["field"] == "legal_basis" for p in body["problems"])
    assert ok(gated.get(url, "disp"))["status"] == "submitted"


def test_admission_refusals_are_located(gated: ServiceClient) -> None:
    bad = request_json("admitted", receiving="everyone", effective_from="soon")
    body = problem(gated.post("/admission", "officer", json=bad), 400)
    assert {"receiving", "effective_from"} <= {p.get("field") for p in body["problems"]}
    assert all(p["source"] == "请求正文" for p in body["problems"])
    not_json = gated.post(
        "/admission", "officer", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    problem(not_json, 400)
    unknown = problem(gated.get("/admission/HP-NOPE?lang=en", "disp"), 404)
    assert "HP-NOPE" in unknown["detail"]
    problem(gated.post("/admission/HP-NOPE/approve", "appr1", json={}), 404)
    problem(gated.get("/admission?status=maybe", "disp"), 400)


# --- disputes and rules ---------------------------------------------------------------------------


def _cases_jsonl() -> bytes:
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))[:3]
    return "\n".join(json.dumps(c, ensure_ascii=False, default=str) for c in cases).encode()


def test_returns_ruled_from_the_lists(svc: ServiceClient) -> None:
    jsonl = _cases_jsonl()
    ruled = ok(
        svc.post(
            "/disputes", "disp", content=jsonl, headers={"Content-Type": "application/x-ndjson"}
        )
    )
    assert [c["id"] for c in ruled] == ["TD-01", "TD-02", "TD-03"]
    assert all(r["ruling"]["verdict"] for c in ruled for r in c["rounds"])
    as_array = ok(svc.post("/disputes", "disp", json=[json.loads(x) for x in jsonl.splitlines()]))
    assert as_array == ruled
    as_yaml = ok(
        svc.post(
            "/disputes",
            "disp",
            content=CASES.read_bytes(),
            headers={"Content-Type": "application/yaml"},
        )
    )
    assert len(as_yaml) > 3 and as_yaml[:3] == ruled
    one = ok(svc.post("/disputes", "disp", json=json.loads(jsonl.splitlines()[0])))
    assert one == ruled[:1]


def test_a_bad_case_is_located_in_the_body(svc: ServiceClient) -> None:
    lines = _cases_jsonl().splitlines()
    broken = json.loads(lines[1])
    broken["rounds"][0]["reason"] = "不想干"
    jsonl = b"\n".join([lines[0], json.dumps(broken).encode(), b"{not json"])
    body = problem(
        svc.post(
            "/disputes?lang=en",
            "disp",
            content=jsonl,
            headers={"Content-Type": "application/x-ndjson"},
        ),
        400,
    )
    assert {p.get("line") for p in body["problems"]} >= {2, 3}
    assert all(p["source"] == "request body" for p in body["problems"])
    problem(svc.post("/disputes", "disp", json=[]), 400)
    problem(
        svc.post("/disputes", "disp", content=b"[", headers={"Content-Type": "application/json"}),
        400,
    )


def test_the_dispute_report(svc: ServiceClient) -> None:
    ruled = svc.post(
        "/disputes",
        "disp",
        content=CASES.read_bytes(),
        headers={"Content-Type": "application/yaml"},
    )
    report = ok(svc.post("/disputes/report", "disp", json=ruled.json()))
    assert report["cases"] == len(ruled.json()) and report["units"]
    unruled = ok(
        svc.post(
            "/disputes/report",
            "disp",
            content=CASES.read_bytes(),
            headers={"Content-Type": "application/yaml"},
        )
    )
    assert unruled["cases"] == report["cases"]
    html = svc.post("/disputes/report?format=html", "disp", json=ruled.json())
    assert html.status_code == 200 and "<html" in html.text.lower()
    period = problem(
        svc.post("/disputes/report?from=2026-05-01&to=2026-04-01", "disp", json=ruled.json()), 400
    )
    assert period["problems"][0]["key"] == "dispute.bad_period"


def test_the_rules(svc: ServiceClient) -> None:
    routing = ok(svc.get("/rules", "nj"))
    ids = [r["id"] for r in routing["rules"]]
    assert "owner-repairs" in ids and routing["config"] and routing["digest"]
    one = ok(svc.get("/rules/owner-repairs", "nj"))
    assert [r["id"] for r in one["rules"]] == ["owner-repairs"]
    disputes = ok(svc.get("/rules?disputes=true", "nj"))
    assert set(r["id"] for r in disputes["rules"]).isdisjoint(ids)
    body = problem(svc.get("/rules/nope?lang=en", "nj"), 404)
    assert "owner-repairs" in body["detail"]
    problem(svc.get(f"/rules/{disputes['rules'][0]['id']}", "nj"), 404)
    assert ok(svc.get(f"/rules/{disputes['rules'][0]['id']}?disputes=true", "nj"))


# --- replay ---------------------------------------------------------------------------------------


def _decisions(svc: ServiceClient) -> bytes:
    events = [EVENT, {**EVENT, "id": "HP-T-0002", "area": "310101013000"}]
    routed = svc.post("/route/batch", "disp", json=events)
    assert routed.status_code == 200
    return routed.content


def test_replay_reproduces_the_decisions(svc: ServiceClient) -> None:
    decisions = _decisions(svc)
    headers = {"Content-Type": "application/x-ndjson"}
    report = ok(svc.post("/replay", "disp", content=decisions, headers=headers))
    assert report["decisions"] == report["identical"] == 2 and report["mode"] == "recorded"
    assert report["source"] == "请求正文" and not report["bad_lines"]
    latest = ok(svc.post("/replay?known_at=latest", "officer", content=decisions, headers=headers))
    assert latest["compared"] == 2 and latest["revision"] == latest["latest_revision"]
    draft = ok(
        svc.post("/replay?against=HP-QZ-FGJ@2", "officer", content=decisions, headers=headers)
    )
    assert draft["versions"] == {"HP-QZ-FGJ": 2} and draft["compared"] == 2
    lines = decisions.splitlines()
    odd = ok(svc.post("/replay?lang=en", "disp", content=lines[0] + b"\n{nope\n"))
    assert odd["bad_lines"][0]["line"] == 2 and odd["source"] == "request body"
    assert "remit-upload" not in json.dumps(odd)
    bad = problem(svc.post("/replay?against=HP-QZ-FGJ", "disp", content=decisions), 400)
    assert bad["problems"][0]["field"] == "against"
    empty = problem(svc.post("/replay", "disp", content=b""), 400)
    assert all("remit-upload" not in p["message"] for p in empty["problems"])
    problem(svc.post("/replay?against=NOPE@1", "disp", content=decisions), 400)


def test_the_service_reads_its_admission_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from remit.service.settings import ServiceSettings

    monkeypatch.setenv("REMIT_ADMISSION_CONFIG", str(REQUESTS_CONFIG))
    settings = ServiceSettings.from_env()
    assert settings.admission_config == REQUESTS_CONFIG
    assert ServiceSettings(admission_config=REQUESTS_CONFIG).to_env()["REMIT_ADMISSION_CONFIG"] == (
        str(REQUESTS_CONFIG)
    )


def test_serve_takes_the_admission_settings(
    cli: Any, sample_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``remit serve --admission-config``: a bad file refused before serving (exit 2); a good
    one handed to the workers in the environment."""
    import os

    import uvicorn

    from tests.factories import exits

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(kw))
    # serve hands its settings to the workers in os.environ: a copy, not this process's
    monkeypatch.setattr(os, "environ", dict(os.environ))
    os.environ.pop("REMIT_ADMISSION_CONFIG", None)
    bad = tmp_path / "gate.yaml"
    bad.write_text("file: admission-config\napprovers: 7\n", encoding="utf-8")
    result = exits(cli("serve", "--admission-config", str(bad), db=sample_url), 2)
    assert "gate.yaml" in result.output and not started
    exits(cli("serve", "--admission-config", str(REQUESTS_CONFIG), db=sample_url), 0)
    assert started and os.environ["REMIT_ADMISSION_CONFIG"] == str(REQUESTS_CONFIG.resolve())
