"""The pages' foundation (docs/pages.md): signing in and out, the home page by role, the
language switch, the static files, the security headers — through the ASGI client, and in
Chromium (no console errors or failed requests, keyboard-only sign-in, axe-core clean,
screenshots in out/screenshots/)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import STAFF_PASSWORD, BrowserPage, ServiceClient


def sign_in(svc: ServiceClient, login: str, password: str = STAFF_PASSWORD, **form: str) -> Any:
    return svc.client.post(
        "/login", data={"login": login, "password": password, **form}, follow_redirects=False
    )


def test_a_page_opened_signed_out_goes_to_sign_in_and_back(svc: ServiceClient) -> None:
    answer = svc.client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/"
    page = svc.client.get("/login?next=/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "登录名" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    signed = sign_in(svc, "disp", next="/")
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    assert "remit_session" in signed.headers["set-cookie"]
    assert "samesite=strict" in signed.headers["set-cookie"].lower()
    home = svc.client.get("/")
    assert home.status_code == 200 and "区城运中心调度员" in home.text


def test_a_wrong_password_is_one_message_and_401(svc: ServiceClient) -> None:
    for login, password in (("disp", "wrong"), ("nobody", STAFF_PASSWORD)):
        answer = sign_in(svc, login, password)
        assert answer.status_code == 401
        assert "登录名或密码不正确" in answer.text
        assert "remit_session" not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil", ""])
def test_sign_in_never_sends_the_browser_elsewhere(svc: ServiceClient, target: str) -> None:
    answer = sign_in(svc, "disp", next=target)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_the_language_switch_is_remembered(svc: ServiceClient) -> None:
    sign_in(svc, "officer")
    switched = svc.client.get("/lang/en?next=/", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    home = svc.client.get("/")
    assert '<html lang="en">' in home.text and "Hello, 区政务办政策专员" in home.text
    assert '<html lang="zh-CN">' in svc.client.get("/?lang=zh").text
    svc.client.get("/lang/zh")
    assert "您好" in svc.client.get("/").text


def test_sign_out_ends_the_session(svc: ServiceClient) -> None:
    sign_in(svc, "nj")
    assert svc.client.get("/", follow_redirects=False).status_code == 200
    out = svc.client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert svc.client.get("/", follow_redirects=False).status_code == 303


def test_static_files_are_served(svc: ServiceClient) -> None:
    css = svc.client.get("/static/pages.css")
    assert css.status_code == 200 and "Noto Sans CJK SC" in css.text
    assert svc.client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
    assert svc.client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert svc.client.get("/static/../app.py").status_code == 404


def test_a_unit_user_sees_its_unit_on_the_home_page(svc: ServiceClient) -> None:
    sign_in(svc, "nj")
    home = svc.client.get("/")
    assert "南京东路街道" in home.text and "承办单位" in home.text


# --------------------------------------------------------------------------- in Chromium


def test_browser_sign_in_by_keyboard_home_and_out(tab: BrowserPage) -> None:
    tab.goto("/")
    assert tab.page.url.endswith("/login?next=/")
    assert tab.axe() == []
    tab.screenshot("login")
    assert tab.page.evaluate("document.activeElement.id") == "login"  # autofocus
    tab.page.keyboard.type("disp")
    tab.page.keyboard.press("Tab")
    tab.page.keyboard.type(STAFF_PASSWORD)
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    assert tab.page.url.endswith("/")
    assert "区城运中心调度员" in tab.page.inner_text("header")
    tab.page.keyboard.press("Tab")  # the skip link first, then on to the content
    assert tab.page.evaluate("document.activeElement.className") == "skip"
    tab.page.keyboard.press("Enter")
    assert tab.page.evaluate("document.activeElement.id") == "main"
    assert tab.axe() == []
    tab.screenshot("home")
    with tab.page.expect_navigation():
        tab.page.click("text=English")
    assert tab.page.get_attribute("html", "lang") == "en"
    with tab.page.expect_navigation():
        tab.page.click("header button[type=submit]")
    assert "/login" in tab.page.url
    assert tab.problems == []


def test_browser_a_wrong_password_is_announced(tab: BrowserPage) -> None:
    tab.goto("/login")
    tab.page.fill("#login", "disp")
    tab.page.fill("#password", "not it")
    with tab.page.expect_navigation():
        tab.page.press("#password", "Enter")
    assert tab.page.get_attribute("#login-error", "role") == "alert"
    assert tab.axe() == []
    # the 401 of the page itself is the expected answer; nothing else failed
    assert tab.problems in (
        [],
        [
            "console: Failed to load resource: the server responded with a status of 401 (Unauthorized)"
        ],
    )


def test_a_page_refused_is_a_page(svc: ServiceClient) -> None:
    """A page the user may not open, or that does not exist, says so as a page (with the
    navigation), not as the API's problem details."""
    sign_in(svc, "nj")
    for path, status, said in (
        ("/ui/desk", 403, "无权查看"),
        ("/ui/no-such-page", 404, "未找到"),
        ("/ui/check/streets/310101999000", 404, "未找到"),
    ):
        answer = svc.client.get(path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert said in answer.text and 'role="alert"' in answer.text, path
        assert "南京东路街道派单员" in answer.text  # who is signed in: the header as on every page
    # the API's refusals stay problem details
    api = svc.client.get("/cases/C-2026-999999", headers=svc.auth("nj"))
    assert api.headers["content-type"].startswith("application/problem+json")
