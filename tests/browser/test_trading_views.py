"""/app's account, positions, orders and ticket views in a real browser: live marks, day P&L, replace, order classes.

Each test trades on an account of its own; MSFT and SPY are moved by these tests only.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Admin, Watch, order_from_ticket, sign_in
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e  # against a real server in a child process


def test_a_position_is_marked_live_from_the_market_stream_and_the_account_shows_its_day_pl_and_risk(
    page: Page, server: RunningServer, admin: Admin
) -> None:
    admin.price("MSFT", "300")
    sign_in(page, server.base_url, *admin.account())
    order_from_ticket(page, "MSFT", "buy", "4", "301")  # fills at once, at 300
    page.click("[data-test=nav-positions]")
    row = page.locator("[data-test=positions] tr[data-symbol=MSFT]")
    expect(row.locator("[data-test=position-qty]")).to_have_text("4")
    page.evaluate("() => { window.__tradeloopTestMark = 1 }")
    page.route("**/v2/positions", lambda route: None)  # the list is read no more: the marks must come from the stream
    admin.price("MSFT", "310.25")
    expect(row.locator("[data-test=position-price]")).to_have_text("$310.25")
    expect(row.locator("[data-test=position-value]")).to_have_text("$1,241.00")
    expect(row.locator("[data-test=position-pl]")).to_have_text("+$41.00 (+3.42%)")
    expect(row.locator("[data-test=position-pl]")).to_have_attribute("data-sign", "1")

    page.unroute("**/v2/positions")
    page.click("[data-test=nav-account]")
    expect(page.locator("[data-test=equity]")).to_have_text("$100,041.00")
    expect(page.locator("[data-test=cash]")).to_have_text("$98,800.00")
    expect(page.locator("[data-test=day-pl]")).to_have_text("+$41.00 (+0.04%)")  # equity − last_equity (100,000)
    expect(page.locator("[data-test=trading-state]")).to_have_text("ACTIVE")
    expect(page.locator("[data-test=risk-limits]")).to_contain_text("Daily loss limit")
    expect(page.locator("[data-test=equity-curve] canvas").first).to_be_attached()
    assert page.evaluate("() => window.__tradeloopTestMark === 1"), "the page was reloaded"


def test_an_open_order_is_replaced_from_the_orders_view_and_a_refused_replace_shows_the_servers_message(
    page: Page, server: RunningServer, admin: Admin, watch: Watch
) -> None:
    watch.allow_failed_requests(422)
    admin.price("SPY", "450")
    sign_in(page, server.base_url, *admin.account())
    order_id = order_from_ticket(page, "SPY", "buy", "2", "400")
    page.click("[data-test=nav-orders]")
    row = page.locator(f"[data-test=open-orders] tr[data-order-id='{order_id}']")
    row.locator("[data-test=order-replace]").click()
    page.fill("[data-test=replace-limit]", "405.555")
    page.click("[data-test=replace-submit]")
    expect(page.locator("[data-test=replace-error]")).to_have_text(
        "invalid limit_price: must be a multiple of 0.01 (0.0001 below $1.00)"
    )
    page.fill("[data-test=replace-limit]", "405.50")
    page.click("[data-test=replace-submit]")
    expect(page.locator("[data-test=replace-form]")).to_have_count(0)
    rows = page.locator("[data-test=open-orders] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("limit $405.50")
    assert rows.get_attribute("data-order-id") != order_id  # a replacement is a new order, as on Alpaca
    expect(page.locator(f"[data-test=closed-orders] tr[data-order-id='{order_id}']")).to_contain_text("replaced")


def test_the_ticket_previews_and_sends_a_bracket_order_whose_legs_are_listed(
    page: Page, server: RunningServer, admin: Admin
) -> None:
    admin.price("SPY", "450")
    created = admin.call("POST", "/admin/v1/accounts", {})
    admin.call("PUT", f"/admin/v1/accounts/{created['id']}/fees", {"per_order": "1.50"})
    sign_in(page, server.base_url, created["key_id"], created["secret_key"])
    page.goto(f"{server.base_url}/app#/ticket/SPY")
    page.select_option("[data-test=ticket-type]", "market")
    page.select_option("[data-test=ticket-class]", "bracket")
    page.fill("[data-test=ticket-qty]", "3")
    page.fill("[data-test=ticket-tp-limit]", "480")
    page.fill("[data-test=ticket-sl-stop]", "420")
    page.click("[data-test=ticket-submit]")
    preview = page.locator("[data-test=ticket-preview]")
    expect(preview).to_have_attribute("data-accepted", "true")
    expect(preview).to_contain_text("Estimated fee$1.50")
    expect(preview).to_contain_text("Estimated cost$1,351.50")  # 3 at 450, and the fee
    page.click("[data-test=ticket-send]")
    expect(page.locator("[data-test=ticket-placed]")).to_have_attribute("data-status", "filled")
    page.click("[data-test=nav-orders]")
    legs = page.locator("[data-test=open-orders] tbody tr[data-symbol=SPY]")
    expect(legs).to_have_count(2)
    expect(legs.nth(0)).to_contain_text("bracket")
    expect(page.locator("[data-test=open-orders]")).to_contain_text("limit $480.00")
    expect(page.locator("[data-test=open-orders]")).to_contain_text("stop $420.00")
