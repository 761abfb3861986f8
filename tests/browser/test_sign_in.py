"""/app's sign-in and sign-out, and both pages' Content-Security-Policy, in a real browser."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Final

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import DEMO_KEY_ID, DEMO_SECRET, PHONE, Watch, horizontal_overflow, sign_in
from tests.e2e.server import RunningServer
from tradeloop.http.report_pages import STYLE as REPORT_STYLE

pytestmark = pytest.mark.e2e  # against a real server in a child process

PAGE_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' {report_style}; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""Own origin only; the one inline stylesheet allowed is the HTML reports', by its hash."""
REPORT_STYLE_HASH: Final = "'sha256-" + base64.b64encode(hashlib.sha256(REPORT_STYLE.encode()).digest()).decode() + "'"


def test_signing_in_with_the_demo_key_shows_the_demo_cash(page: Page, server: RunningServer) -> None:
    sign_in(page, server.base_url)
    expect(page.locator("[data-test=header-cash]")).to_have_text("$100,000.00")
    expect(page.locator("[data-test=header-equity]")).to_have_text("$100,000.00")
    expect(page.locator("[data-test=live]")).to_have_attribute("data-state", "open")
    assert page.evaluate("() => sessionStorage.getItem('tradeloop.keyId')") == DEMO_KEY_ID


def test_a_wrong_secret_is_refused_with_the_servers_message(page: Page, server: RunningServer, watch: Watch) -> None:
    watch.allow_failed_requests(401)
    page.goto(server.base_url + "/app")
    page.fill("[data-test=sign-in-key]", DEMO_KEY_ID)
    page.fill("[data-test=sign-in-secret]", "not-the-secret")
    page.click("[data-test=sign-in-submit]")
    expect(page.locator("[data-test=sign-in-error]")).to_contain_text("Sign-in refused")
    assert page.evaluate("() => sessionStorage.length") == 0
    expect(page.locator("[data-test=header-equity]")).to_have_count(0)


def test_signing_out_forgets_the_keys(page: Page, server: RunningServer) -> None:
    sign_in(page, server.base_url)
    assert page.evaluate("() => sessionStorage.length") > 0
    page.click("[data-test=sign-out]")
    expect(page.locator("[data-test=sign-in]")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0
    assert page.evaluate("() => localStorage.length") == 0
    assert page.context.cookies() == []
    page.reload()
    expect(page.locator("[data-test=sign-in]")).to_be_visible()


def test_a_reload_keeps_the_tab_signed_in(page: Page, server: RunningServer) -> None:
    sign_in(page, server.base_url)
    page.reload()
    expect(page.locator("[data-test=header-cash]")).to_have_text("$100,000.00")


@pytest.mark.parametrize("path", ["/app", "/admin"])
def test_the_page_allows_only_its_own_origin_and_has_no_inline_script_or_style(
    page: Page, server: RunningServer, path: str
) -> None:
    response = page.goto(server.base_url + path)
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"] == PAGE_CSP.format(report_style=REPORT_STYLE_HASH)
    assert response.headers["cache-control"] == "no-store"
    page.wait_for_selector("[data-test=sign-in]")
    inline_scripts = page.evaluate("() => [...document.scripts].filter(s => !s.src).length")
    styled = page.evaluate("() => document.querySelectorAll('[style], style').length")
    assert (inline_scripts, styled) == (0, 0)
    for asset in re.findall(r'(?:src|href)="(/ui/[^"]+)"', page.content()):
        answer = page.request.get(server.base_url + asset)
        assert answer.status == 200, asset
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable", asset


def test_the_sign_in_form_fits_a_phone(page: Page, server: RunningServer) -> None:
    page.set_viewport_size(PHONE)
    page.goto(server.base_url + "/app")
    page.wait_for_selector("[data-test=sign-in]")
    assert horizontal_overflow(page) == 0


def test_signing_in_takes_the_keyboard_alone(page: Page, server: RunningServer) -> None:
    page.goto(server.base_url + "/app")
    expect(page.locator("[data-test=sign-in-key]")).to_be_focused()
    page.keyboard.type(DEMO_KEY_ID)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_SECRET)
    page.keyboard.press("Enter")
    expect(page.locator("[data-test=header-cash]")).to_have_text("$100,000.00")


def test_the_landing_page_links_the_dashboard_and_the_console(page: Page, server: RunningServer) -> None:
    page.goto(server.base_url + "/")
    page.click("a[href='/admin']")
    expect(page.locator("[data-test=admin-key]")).to_be_visible()
    page.go_back()
    page.click("a[href='/app']")
    expect(page.locator("[data-test=sign-in-key]")).to_be_focused()
