"""/app's alerts, notifications and reports views in a real browser, on an account of their own."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Admin, order_from_ticket, sign_in
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e  # against a real server in a child process


def test_a_price_alert_fires_into_the_notifications_and_another_is_cancelled(
    page: Page, server: RunningServer, admin: Admin
) -> None:
    admin.price("SPY", "500")
    sign_in(page, server.base_url, *admin.account())
    page.click("[data-test=nav-alerts]")
    for level in ("510", "600"):
        page.select_option("[data-test=alert-kind]", "price")
        page.fill("[data-test=alert-symbol]", "SPY")
        page.select_option("[data-test=alert-condition]", "crosses_above")
        page.fill("[data-test=alert-price]", level)
        page.click("[data-test=alert-submit]")
        expect(page.locator("[data-test=alerts] tr[data-status=active]", has_text=f"${level}.00")).to_have_count(1)
    rows = page.locator("[data-test=alerts] tr[data-status=active]")
    expect(rows).to_have_count(2)

    page.on("dialog", lambda dialog: dialog.accept())
    rows.filter(has_text="$600.00").locator("[data-test=alert-cancel]").click()
    expect(rows).to_have_count(1)

    page.click("[data-test=nav-notifications]")
    expect(page.locator("[data-test=notifications-live]")).to_have_attribute("data-state", "open")
    admin.price("SPY", "511")
    fired = page.locator("[data-test=notification][data-type='alert.triggered']")
    expect(fired).to_have_count(1)
    expect(page.locator("[data-test=notifications-unread]")).to_have_text("1")
    page.click("[data-test=notifications-read-all]")
    expect(page.locator("[data-test=notifications-unread]")).to_have_text("0")


def test_the_reports_show_the_periods_figures_and_statement(page: Page, server: RunningServer, admin: Admin) -> None:
    admin.price("KO", "60")
    sign_in(page, server.base_url, *admin.account())
    order_from_ticket(page, "KO", "buy", "10", "61")  # fills at once, at 60
    page.click("[data-test=nav-reports]")
    page.click("[data-test=report-run]")
    expect(page.locator("[data-test=report-metrics]")).to_be_visible()
    expect(page.locator("[data-test=statement-closing-cash]")).to_contain_text("$99,400.00")
    expect(page.locator("[data-test=statement-activities]")).to_contain_text("KO")
