"""/app's alerts, webhooks and reports in a real browser: make, list and cancel; a secret shown once; reports and files."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.harness import Admin, Watch, sign_in
from tests.e2e.server import RunningServer

HOOK_URL = "https://hooks.invalid/tradeloop"
"""A public https URL whose name never resolves (RFC 6761): accepted, and no delivery can reach anything."""


def test_an_alert_is_made_listed_and_canceled_and_a_bad_level_shows_the_servers_refusal(
    page: Page, server: RunningServer, admin: Admin, watch: Watch
) -> None:
    sign_in(page, server.base_url, *admin.account())
    page.click("[data-test=nav-alerts]")
    expect(page.locator("[data-test=alerts-empty]")).to_be_visible()

    page.select_option("[data-test=alert-kind]", "price")
    page.fill("[data-test=alert-symbol]", "aapl")
    page.select_option("[data-test=alert-condition]", "crosses_above")
    page.fill("[data-test=alert-price]", "100000")
    page.fill("[data-test=alert-note]", "<b>to the moon</b>")
    page.click("[data-test=alert-submit]")
    row = page.locator("[data-test=alerts] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "active")
    expect(row).to_contain_text("AAPL")
    expect(row).to_contain_text("<b>to the moon</b>")  # a note is text, never markup

    page.select_option("[data-test=alert-kind]", "account")
    expect(page.locator("[data-test=alert-symbol]")).to_be_hidden()
    page.fill("[data-test=alert-level]", "lots")
    watch.allow_failed_requests(422)
    page.click("[data-test=alert-submit]")
    expect(page.locator("[data-test=alert-error]")).to_contain_text("level")
    expect(row).to_have_count(1)

    page.click("[data-test=alert-cancel]")
    expect(row).to_have_attribute("data-status", "canceled")
    expect(page.locator("[data-test=alert-cancel]")).to_have_count(0)


def test_a_webhook_shows_its_secret_once_sends_a_test_and_is_disabled_then_deleted(
    page: Page, server: RunningServer, admin: Admin
) -> None:
    sign_in(page, server.base_url, *admin.account())
    page.click("[data-test=nav-webhooks]")
    expect(page.locator("[data-test=webhooks-empty]")).to_be_visible()

    page.fill("[data-test=webhook-url]", HOOK_URL)
    page.fill("[data-test=webhook-events]", "order.*, alert.triggered")
    page.click("[data-test=webhook-create]")
    expect(page.locator("[data-test=webhook-secret-value]")).to_have_text(re.compile(r"^whsec_\S+$"))
    secret = page.locator("[data-test=webhook-secret-value]").inner_text()
    assert secret.startswith("whsec_")
    row = page.locator("[data-test=webhooks] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "enabled")
    expect(row).to_contain_text("order.*, alert.triggered")

    page.click("[data-test=webhook-test]")
    expect(page.locator("[data-test=toast]").filter(has_text="Test message")).to_be_visible()
    page.click("[data-test=webhook-deliveries-open]")
    attempts = page.locator("[data-test=webhook-deliveries] tbody tr")
    for _ in range(20):
        if attempts.count():
            break
        page.wait_for_timeout(250)
        page.click("[data-test=webhook-deliveries-refresh]")
    expect(attempts.first).to_contain_text("webhook.test")

    page.click("[data-test=webhook-toggle]")
    expect(row).to_have_attribute("data-status", "disabled")

    page.reload()
    expect(row).to_have_count(1)
    expect(page.locator("[data-test=webhook-secret]")).to_be_hidden()
    expect(page.locator("body")).not_to_contain_text(secret)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=webhook-delete]")
    expect(page.locator("[data-test=webhooks-empty]")).to_be_visible()


def test_the_reports_show_the_opening_cash_and_open_the_html_and_save_the_csv(
    page: Page, server: RunningServer, admin: Admin, tmp_path: Path
) -> None:
    sign_in(page, server.base_url, *admin.account(cash="2500"))
    page.click("[data-test=nav-reports]")
    expect(page.locator("[data-test=report-metrics]")).to_be_visible()
    expect(page.locator("[data-test=statement-opening-cash]")).to_have_text("$2,500.00")
    expect(page.locator("[data-test=statement-closing-cash]")).to_have_text("$2,500.00")
    expect(page.locator("[data-test=statement-activities-empty]")).to_be_visible()

    with page.expect_download() as saving:
        page.click("[data-test=report-statement-csv]")
    saved = tmp_path / saving.value.suggested_filename
    saving.value.save_as(saved)
    assert saved.suffix == ".csv"
    assert saved.read_text().startswith("record,time,activity_id,activity_type")

    with page.context.expect_page() as opening:
        page.click("[data-test=report-performance-html]")
    report = opening.value
    report.wait_for_load_state()
    assert report.url.startswith("blob:" + server.base_url)
    expect(report.locator("h1")).to_contain_text("Performance")
    # The report's own stylesheet applies under the page's policy (its hash is allowed): the body is set in ems.
    assert report.evaluate("() => getComputedStyle(document.body).maxWidth") != "none"
