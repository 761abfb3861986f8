"""The admin console in a real browser: TOTP sign-in, a halt that /app's order ticket then meets, phone widths, sign-out.

Each time step's TOTP code opens one session only: the tests take as few as they can (TotpCodes waits otherwise).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import PHONE, Admin, TotpCodes, Watch, admin_sign_in, drawn_too_wide, sign_in
from tests.e2e.server import RunningServer, http_json
from tests.factories import ADMIN_KEY

pytestmark = pytest.mark.e2e  # against a real server in a child process


def test_the_console_signs_in_with_a_totp_code_and_halts_a_symbol_that_the_order_ticket_then_refuses(
    page: Page, server: RunningServer, admin: Admin, totp: TotpCodes
) -> None:
    admin_sign_in(page, server.base_url, totp.next())
    expect(page.locator("[data-test=session-expiry]")).to_contain_text("Session until")
    storage = page.evaluate("() => [sessionStorage.length, localStorage.length, document.cookie]")
    assert storage == [0, 0, ""]
    assert page.context.cookies() == []

    page.click("[data-test=nav-market]")
    expect(page.locator("[data-test=market-mode]")).to_contain_text("manual")
    page.fill("[data-test=halt-symbol]", "TSLA")
    page.fill("[data-test=halt-reason]", "news pending")
    page.click("[data-test=halt-submit]")
    expect(page.locator("[data-test=halted][data-symbol=TSLA]")).to_be_visible()
    assert "TSLA" in admin.call("GET", "/admin/v1/market/halts")["halted"]

    for cents in range(26):  # more actions than an audit page shows, so the halt is on the second page
        admin.price("AAPL", f"100.{cents:02d}")
    page.click("[data-test=nav-audit]")
    expect(page.locator("[data-test=audit-row]")).to_have_count(25)
    with page.expect_request(lambda request: "/admin/v1/audit?" in request.url and "page_token=" in request.url):
        page.click("[data-test=audit-older]")
    expect(page.locator("[data-test=audit-page]")).to_contain_text("Actions 26–")
    expect(page.locator("[data-test=audit]")).to_contain_text("news pending")
    page.click("[data-test=audit-newer]")
    expect(page.locator("[data-test=audit-page]")).to_contain_text("Actions 1–25")

    page.set_viewport_size(PHONE)
    too_wide = {}
    for section in ("accounts", "market", "journal", "audit"):
        page.click(f"[data-test=nav-{section}]")
        if found := drawn_too_wide(page, section):
            too_wide[section] = found
    assert too_wide == {}, "sections wider than a phone"

    page.click("[data-test=sign-out]")
    expect(page.locator("[data-test=sign-in-notice]")).to_have_text("You are signed out.")
    page.goto(server.base_url + "/admin#/market")
    expect(page.locator("[data-test=sign-in]")).to_be_visible()

    admin.price("TSLA", "250")
    sign_in(page, server.base_url, *admin.account())
    page.goto(server.base_url + "/app#/ticket/TSLA")
    page.fill("[data-test=ticket-qty]", "1")
    page.fill("[data-test=ticket-limit]", "250")
    page.click("[data-test=ticket-submit]")
    expect(page.locator("[data-test=ticket-preview]")).to_have_attribute("data-accepted", "false")
    expect(page.locator("[data-test=ticket-error]")).to_have_text("trading in TSLA is halted: news pending")
    expect(page.locator("[data-test=ticket-send]")).to_be_hidden()


def test_a_spent_totp_code_is_refused_with_the_servers_message(
    page: Page, server: RunningServer, admin: Admin, totp: TotpCodes, watch: Watch
) -> None:
    admin.call("GET", "/admin/v1/market/halts")  # the API's session has taken a code by now
    watch.allow_failed_requests(401)
    page.goto(server.base_url + "/admin")
    page.fill("[data-test=admin-key]", ADMIN_KEY)
    page.fill("[data-test=totp-code]", totp.spent())
    page.click("[data-test=sign-in-submit]")
    expect(page.locator("[data-test=sign-in-error]")).to_contain_text("already used")
    expect(page.locator("[data-test=view]")).to_have_count(0)


def test_the_console_opens_an_account_shows_its_keys_once_and_funds_it(
    page: Page, server: RunningServer, totp: TotpCodes
) -> None:
    admin_sign_in(page, server.base_url, totp.next())
    page.fill("[data-test=create-account-cash]", "2500")
    page.click("[data-test=create-account-submit]")
    key_id = page.locator("[data-test=secret-once] [data-test=secret-key-id]").inner_text().strip()
    secret = page.locator("[data-test=secret-once] [data-test=secret-value]").inner_text().strip()
    account_id = page.locator("[data-test=secret-once] [data-test=secret-account-id]").inner_text().strip()
    status, found = http_json(
        "GET", server.base_url + "/v2/account", {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret}
    )
    assert (status, Decimal(found["cash"]), found["id"]) == (200, Decimal(2500), account_id)

    page.click(f"[data-test=account-row][data-account-id='{account_id}'] [data-test=manage-account]")
    expect(page.locator("[data-test=account-cash]")).to_have_text("$2,500.00")
    page.fill("[data-test=fund-amount]", "1000")
    page.click("[data-test=deposit]")
    expect(page.locator("[data-test=account-cash]")).to_have_text("$3,500.00")
