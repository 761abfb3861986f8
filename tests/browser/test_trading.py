"""/app's trading in a real browser: the ticket's limit order, its fill shown live, and cancelling an order.

Each test trades on an account of its own and sets the prices it relies on first.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Admin, order_from_ticket, sign_in
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e  # against a real server in a child process

NO_RELOAD = "() => window.__tradeloopTestMark === 1"


def test_a_limit_order_from_the_ticket_fills_when_the_price_moves_and_shows_without_a_reload(
    page: Page, server: RunningServer, admin: Admin
) -> None:
    admin.price("AAPL", "200")
    sign_in(page, server.base_url, *admin.account())
    order_id = order_from_ticket(page, "AAPL", "buy", "10", "190")
    expect(page.locator("[data-test=ticket-placed]")).to_have_attribute("data-status", "new")
    page.evaluate("() => { window.__tradeloopTestMark = 1 }")

    page.click("[data-test=nav-notifications]")
    expect(page.locator("[data-test=notifications-live]")).to_have_attribute("data-state", "open")
    admin.price("AAPL", "189.50")
    filled = page.locator("[data-test=notification][data-type='order.filled']")
    expect(filled).to_have_count(1)
    expect(filled).to_contain_text("AAPL")
    expect(page.locator("[data-test=header-cash]")).to_have_text("$98,105.00")  # 10 bought at the new price, 189.50

    page.click("[data-test=nav-positions]")
    row = page.locator("[data-test=positions] tr[data-symbol=AAPL]")
    expect(row).to_be_visible()
    expect(row).to_contain_text("10")
    page.click("[data-test=nav-orders]")
    expect(page.locator(f"[data-test=closed-orders] tr[data-order-id='{order_id}']")).to_contain_text("filled")
    assert page.evaluate(NO_RELOAD), "the page was reloaded"


def test_an_open_order_is_cancelled_from_the_orders_view(page: Page, server: RunningServer, admin: Admin) -> None:
    admin.price("KO", "60")
    sign_in(page, server.base_url, *admin.account())
    order_id = order_from_ticket(page, "KO", "buy", "5", "50")
    page.click("[data-test=nav-orders]")
    row = page.locator(f"[data-test=open-orders] tr[data-order-id='{order_id}']")
    expect(row).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    row.locator("[data-test=order-cancel]").click()
    expect(row).to_have_count(0)
    expect(page.locator("[data-test=open-orders-empty]")).to_be_visible()
    expect(page.locator("[data-test=header-buying-power]")).to_have_text("$100,000.00")


def test_the_chart_draws_candles_the_accounts_fill_and_its_open_order_and_follows_new_trades(
    page: Page, server: RunningServer, admin: Admin
) -> None:
    admin.price("NVDA", "120")
    sign_in(page, server.base_url, *admin.account())
    order_from_ticket(page, "NVDA", "buy", "3", "121")  # fills at once, at 120
    order_from_ticket(page, "NVDA", "buy", "2", "110")  # rests
    page.goto(f"{server.base_url}/app#/chart/NVDA")
    chart = page.locator("[data-test=chart]")
    expect(chart).to_have_attribute("data-symbol", "NVDA")
    expect(chart).to_have_attribute("data-bars", "1")
    expect(chart).to_have_attribute("data-markers", "1")
    expect(chart).to_have_attribute("data-lines", "1")
    admin.price("NVDA", "123.45")
    expect(page.locator("[data-test=chart-last]")).to_contain_text("123.45")
