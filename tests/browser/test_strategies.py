"""/app's strategies in a real browser: make one from a template, backtest it, activate it; a definition that is not JSON is refused."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Admin, sign_in
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e  # against a real server in a child process

BACKTEST_WAIT_MS = 30_000
"""A backtest runs beside the server's actors; a loaded machine may take a while to finish it."""


def test_a_strategy_from_a_template_is_backtested_then_activated(
    page: Page, server: RunningServer, admin: Admin
) -> None:
    sign_in(page, server.base_url, *admin.account())
    page.click("[data-test=nav-strategies]")
    expect(page.locator("[data-test=strategies-empty]")).to_be_visible()
    page.select_option("[data-test=strategy-template]", "sma_crossover")
    expect(page.locator("[data-test=strategy-json]")).to_have_value(re.compile('"sma 10/30 crossover"'))
    page.click("[data-test=strategy-create]")

    detail = page.locator("[data-test=strategy-detail]")
    expect(detail).to_have_attribute("data-status", "inactive")
    expect(page.locator("[data-test=strategy-name]")).to_have_text("sma 10/30 crossover")

    page.click("[data-test=backtest-run]")
    expect(page.locator("[data-test=backtest-status]")).to_have_attribute(
        "data-status", "done", timeout=BACKTEST_WAIT_MS
    )
    expect(page.locator("[data-test=backtest-result]")).to_be_visible()
    expect(page.locator("[data-test=backtest-metrics]")).to_be_visible()

    page.click("[data-test=strategy-activate]")
    expect(page.locator("[data-test=strategy-detail]")).to_have_attribute("data-status", "active")
    expect(page.locator("[data-test=strategy-deactivate]")).to_be_visible()
    page.click("[data-test=nav-strategies]")
    expect(page.locator("[data-test=strategies] tbody tr")).to_have_count(1)


def test_a_definition_that_is_not_json_is_refused_in_the_page_and_makes_nothing(
    page: Page, server: RunningServer, admin: Admin
) -> None:
    sign_in(page, server.base_url, *admin.account())
    page.click("[data-test=nav-strategies]")
    page.fill("[data-test=strategy-json]", '{"name": ')
    page.click("[data-test=strategy-create]")
    expect(page.locator("[data-test=strategy-error]")).to_contain_text("The definition is not valid JSON")
    expect(page.locator("[data-test=strategy-json]")).to_be_focused()
    expect(page.locator("[data-test=strategies-empty]")).to_be_visible()
