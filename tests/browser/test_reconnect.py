"""/app comes back by itself when its server restarts: the streams reconnect and live updates resume, no reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import DEMO_CASH, DEMO_KEY_ID, DEMO_SECRET, SYMBOLS, Admin, TotpCodes, Watch, sign_in
from tests.e2e.server import RunningServer, demo_env, http_json, running_server

pytestmark = pytest.mark.e2e  # against a real server in a child process

ENV = demo_env(DEMO_KEY_ID, DEMO_SECRET, demo_cash=DEMO_CASH, symbols=SYMBOLS, log_level="WARNING")
HEADERS = {"APCA-API-KEY-ID": DEMO_KEY_ID, "APCA-API-SECRET-KEY": DEMO_SECRET}
RECONNECT_MS = 40_000
"""The streams retry with a backoff doubling from 0.5 s up to 30 s: a restart of a few seconds is met well within."""


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of this test's own, which it stops and starts again on the same port and data."""
    first = tmp_path / "first"
    first.mkdir()
    with running_server(first, ENV, "--data-dir", str(tmp_path / "data")) as running:
        yield running


@pytest.fixture
def watch(own_server: RunningServer) -> Watch:
    return Watch(origin=own_server.base_url)


def test_the_dashboard_reconnects_after_its_server_restarts(
    page: Page, own_server: RunningServer, watch: Watch, tmp_path: Path
) -> None:
    sign_in(page, own_server.base_url)
    live = page.locator("[data-test=live]")
    expect(live).to_have_attribute("data-state", "open")
    page.evaluate("() => { window.__tradeloopTestMark = 1 }")

    watch.allow_outage()
    assert own_server.stop() == 0
    expect(live).not_to_have_attribute("data-state", "open")
    port = own_server.base_url.rsplit(":", 1)[1]
    second = tmp_path / "second"
    second.mkdir()
    with running_server(second, ENV, "--data-dir", str(tmp_path / "data"), "--port", port) as again:
        assert again.base_url == own_server.base_url
        expect(live).to_have_attribute("data-state", "open", timeout=RECONNECT_MS)
        Admin(again, TotpCodes()).price("MSFT", "400")
        page.click("[data-test=nav-positions]")
        expect(page.locator("[data-test=positions-empty]")).to_be_visible()
        order = {"symbol": "MSFT", "qty": "2", "side": "buy", "type": "market", "time_in_force": "day"}
        status, placed = http_json("POST", again.base_url + "/v2/orders", HEADERS, order)
        assert status == 200, placed
        expect(page.locator("[data-test=positions] tr[data-symbol=MSFT]")).to_be_visible()
        expect(page.locator("[data-test=header-cash]")).to_have_text("$99,200.00")
        assert page.evaluate("() => window.__tradeloopTestMark === 1"), "the page was reloaded"
