"""Every view of /app fits a phone's width (390 CSS pixels): nothing makes the page scroll sideways."""

from __future__ import annotations

from typing import Final

import pytest
from playwright.sync_api import Page

from tests.browser.harness import PHONE, Admin, drawn_too_wide, sign_in
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e  # against a real server in a child process

VIEWS: Final = (
    "account",
    "positions",
    "orders",
    "ticket",
    "chart",
    "strategies",
    "alerts",
    "notifications",
    "webhooks",
    "reports",
)


def test_every_view_of_the_dashboard_fits_a_phone(page: Page, server: RunningServer, admin: Admin) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, server.base_url, *admin.account())
    too_wide = {}
    for view in VIEWS:
        page.goto(f"{server.base_url}/app#/{view}")
        if found := drawn_too_wide(page, view):
            too_wide[view] = found
    assert too_wide == {}
