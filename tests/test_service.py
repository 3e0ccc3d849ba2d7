"""The HTTP service's core, through the ASGI test client: who may call, problem details for
every refusal, the request's language, the body bound, routing one event and a batch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import STAFF_PASSWORD, ServiceClient

EVENT = {
    "id": "HP-T-0001",
    "matter": "BJ0101",
    "area": "310101002000",
    "reported_at": "2026-03-02T09:15:00",
    "source": "grid",
}
PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


def test_the_api_describes_itself(svc: ServiceClient) -> None:
    spec = svc.get("/openapi.json").json()
    assert spec["info"]["title"] == "remit"
    assert "/route" in spec["paths"] and "/route/batch" in spec["paths"]
    assert "RoutingDecision" in spec["components"]["schemas"]


def test_routing_needs_an_identity(svc: ServiceClient) -> None:
    body = problem(svc.post("/route", json=EVENT), 401)
    assert "Bearer" in svc.post("/route", json=EVENT).headers["www-authenticate"]
    assert "登录" in body["detail"]
    problem(svc.post("/route", json=EVENT, headers={"Authorization": "Bearer remit_nope"}), 401)


def test_route_one_event(any_svc: ServiceClient) -> None:
    svc = any_svc
    response = svc.post("/route", "disp", json=EVENT)
    assert response.status_code == 200, response.text
    decision = response.json()
    assert decision["event"]["id"] == "HP-T-0001"
    assert decision["status"] == "routed"
    assert decision["lead"]["code"]
    # the same event, the same decision id: reproducible
    assert svc.post("/route", "nj", json=EVENT).json()["decision_id"] == decision["decision_id"]


def test_a_bad_event_is_located_in_either_language(any_svc: ServiceClient) -> None:
    svc = any_svc
    bad = {**EVENT, "reported_at": "yesterday", "repeat_count": -1}
    bad.pop("matter")
    zh = problem(svc.post("/route", "disp", json=bad), 400)
    fields = {p.get("field") for p in zh["problems"]}
    assert {"matter", "reported_at", "repeat_count"} <= fields
    assert all(p["source"] == "请求正文" for p in zh["problems"])
    en = problem(svc.post("/route?lang=en", "disp", json=bad), 400)
    assert all(p["source"] == "request body" for p in en["problems"])
    assert en["detail"] != zh["detail"]
    accept = svc.post("/route", "disp", json=bad, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert problem(accept, 400)["detail"] == en["detail"]


def test_an_unknown_matter_is_refused_by_the_registry_words(svc: ServiceClient) -> None:
    body = problem(svc.post("/route?lang=en", "disp", json={**EVENT, "matter": "no such"}), 400)
    assert any(p["field"] == "matter" for p in body["problems"])


def test_not_json_is_a_problem_not_a_crash(svc: ServiceClient) -> None:
    response = svc.post(
        "/route", "disp", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    problem(response, 400)


def test_the_body_is_bounded(sample_url: str, service_factory: Any) -> None:
    small = service_factory(sample_url, max_body=200)
    big = {**EVENT, "extra": {"note": "x" * 500}}
    body = problem(small.post("/route", "disp", json=big), 413)
    assert "200" in body["detail"]

    def chunks() -> Any:  # no Content-Length: counted as it arrives
        yield json.dumps(big).encode()

    problem(small.post("/route", "disp", content=chunks()), 413)
    assert small.post("/route", "disp", json=EVENT).status_code == 200


def test_a_batch_as_an_array_and_as_json_lines(any_svc: ServiceClient) -> None:
    svc = any_svc
    events = [
        EVENT,
        {**EVENT, "id": "HP-T-0002", "matter": "nonsense"},
        {**EVENT, "id": "HP-T-0003", "area": "310101013000"},
    ]
    array = svc.post("/route/batch", "disp", json=events)
    assert array.status_code == 200 and array.headers["content-type"].startswith(
        "application/x-ndjson"
    )
    lines = [json.loads(line) for line in array.text.splitlines()]
    assert [line.get("event", {}).get("id") or line["event_id"] for line in lines] == [
        "HP-T-0001",
        "HP-T-0002",
        "HP-T-0003",
    ]
    assert lines[1]["reasons"] and lines[1]["where"]["line"] == 2
    jsonl = "\n".join(json.dumps(e) for e in events) + "\n{broken\n"
    streamed = svc.post(
        "/route/batch",
        "disp",
        content=jsonl.encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    out = [json.loads(line) for line in streamed.text.splitlines()]
    assert out[:3] == lines and out[3]["where"]["line"] == 4 and out[3]["reasons"]
    problem(svc.post("/route/batch", "disp", json={"not": "an array"}), 400)


def test_sign_in_out_and_expiry(sample_url: str, service_factory: Any) -> None:
    short = service_factory(sample_url, session_ttl=__import__("datetime").timedelta(seconds=1))
    client = short.client
    problem(client.post("/session", data={"login": "disp", "password": "wrong password"}), 401)
    problem(client.post("/session", data={"login": "nobody", "password": STAFF_PASSWORD}), 401)
    signed = client.post("/session", data={"login": "disp", "password": STAFF_PASSWORD})
    assert signed.status_code == 200 and signed.json()["roles"] == ["dispatcher"]
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/session").json()["login"] == "disp"
    assert client.delete("/session").status_code == 204
    problem(client.get("/session"), 401)


def test_an_expired_session_is_refused(svc: ServiceClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from remit.identity import directory

    signed = svc.client.post("/session", data={"login": "disp", "password": STAFF_PASSWORD})
    assert signed.status_code == 200
    assert svc.client.get("/session").status_code == 200
    later = directory.utcnow() + dt.timedelta(hours=8, minutes=1)  # the default: 8 hours
    monkeypatch.setattr(directory, "utcnow", lambda: later)
    problem(svc.client.get("/session"), 401)


def test_the_trusted_header_only_from_the_proxy(sample_url: str, service_factory: Any) -> None:
    behind = service_factory(
        sample_url,
        client=("10.0.0.9", 5000),
        trusted_header="X-Remit-User",
        trusted_proxies=("10.0.0.9",),
    )
    assert behind.get("/session", headers={"X-Remit-User": "disp"}).json()["login"] == "disp"
    problem(behind.get("/session", headers={"X-Remit-User": "ghost"}), 401)
    elsewhere = service_factory(
        sample_url,
        client=("10.0.0.7", 5000),
        trusted_header="X-Remit-User",
        trusted_proxies=("10.0.0.9",),
    )
    problem(elsewhere.get("/session", headers={"X-Remit-User": "disp"}), 401)
    plain = service_factory(sample_url, client=("10.0.0.9", 5000))
    problem(plain.get("/session", headers={"X-Remit-User": "disp"}), 401)


def test_cors_is_off_unless_configured(sample_url: str, service_factory: Any) -> None:
    origin = {"Origin": "https://desk.example", "Access-Control-Request-Method": "POST"}
    off = service_factory(sample_url)
    assert (
        "access-control-allow-origin"
        not in off.request("OPTIONS", "/route", headers=origin).headers
    )
    on = service_factory(sample_url, cors_origins=("https://desk.example",))
    allowed = on.request("OPTIONS", "/route", headers=origin)
    assert allowed.headers["access-control-allow-origin"] == "https://desk.example"


def test_a_bug_is_a_500_problem_without_a_traceback(
    svc: ServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from remit.routing.router import Router

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Router, "route", broken)
    body = problem(svc.post("/route", "disp", json=EVENT), 500)
    assert "secret internals" not in json.dumps(body)


def test_a_registry_write_is_seen_by_the_next_route(svc: ServiceClient) -> None:
    from remit.registry import Registry

    first = svc.post("/route", "disp", json=EVENT).json()
    with Registry(svc.url) as registry:
        registry.import_table(
            "data/tables/hp-qz-scj-2027.csv",
            "HP-QZ-SCJ",
            "data/tables/scj-mapping.yaml",
            by="test",
            note="a draft",
        )
        latest = registry.revision()
    assert latest > first["registry_revision"]
    again = svc.post("/route", "disp", json=EVENT).json()
    assert again["registry_revision"] == latest


def test_a_revoked_token_is_refused_within_the_token_cache(
    sample_url: str, service_factory: Any
) -> None:
    from remit.identity import Directory
    from remit.registry import Registry

    cached = service_factory(sample_url, token_cache=3600)
    assert cached.get("/session", "disp").status_code == 200
    with Registry(sample_url) as registry:
        directory = Directory(registry)
        for token in directory.tokens("disp"):
            directory.revoke_token(token.id, by="admin")
    assert cached.get("/session", "disp").status_code == 200  # remembered for the hour
    fresh = service_factory(sample_url)  # token_cache 0: asked at once
    problem(
        fresh.get("/session", headers={"Authorization": cached.auth("disp")["Authorization"]}), 401
    )


@pytest.mark.pg
def test_a_database_restart_costs_one_request(pg_url: str, service_factory: Any) -> None:
    """Pooled connections are used without a ping first (a round trip a request): one the
    server dropped fails its request with 503 and Retry-After (never a 500), and the pool
    replaces the connections it held, so the next request is answered."""
    import psycopg

    from remit import Registry
    from tests.factories import SAMPLE
    from tests.served import PG_BASE

    name = "remit-restart-test"
    url = f"{pg_url}&application_name={name}"
    with Registry.create(url) as registry:
        registry.import_files([SAMPLE], by="setup")
    svc = service_factory(url)
    assert svc.get("/cases", "disp").status_code == 200
    dsn = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:  # as a restart drops them
        dropped = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            (name,),
        ).fetchone()
    assert dropped is not None and dropped[0] >= 1
    failed = svc.get("/cases", "disp")
    problem(failed, 503)
    assert failed.headers["retry-after"] == "1"
    assert svc.get("/cases", "disp").status_code == 200
    assert svc.post("/cases", "disp", json=EVENT).status_code == 201
