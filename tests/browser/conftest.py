"""A live server on the manual market per session, one headless Chromium per module, a fresh watched page per test.

Tests share the server: each trades on an account of its own (Admin.account) and sets the prices it relies on first.

A test fails on any console error, uncaught page error or request to another origin. Each test's page is
saved as screenshot.png under the test's tmp_path; a failing test also leaves console.log beside it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.harness import (
    CHROMIUM_ARGS,
    DEMO_CASH,
    DEMO_KEY_ID,
    DEMO_SECRET,
    SYMBOLS,
    VIEWPORT,
    WAIT_MS,
    Admin,
    TotpCodes,
    Watch,
    chromium_path,
    keep_artifacts,
)
from tests.e2e.server import RunningServer, demo_env, running_server

WATCHED: Final = pytest.StashKey[tuple[Page, Watch, Path]]()
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real server on the manual market, with the demo account's keys known to the tests."""
    env = demo_env(DEMO_KEY_ID, DEMO_SECRET, demo_cash=DEMO_CASH, symbols=SYMBOLS, log_level="WARNING")
    with running_server(tmp_path_factory.mktemp("server"), env, market="manual") as running:
        yield running


@pytest.fixture(scope="session")
def totp() -> TotpCodes:
    """One source of TOTP codes per server, so the API and the console never offer the same time step twice."""
    return TotpCodes()


@pytest.fixture(scope="session")
def admin(server: RunningServer, totp: TotpCodes) -> Admin:
    return Admin(server, totp)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, for this module's tests only.

    Playwright's sync API keeps its own event loop marked as running while it is open, so an asyncio test run in
    the same process meanwhile would fail: the browser closes with the module, before any other module's tests.
    """
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def watch(server: RunningServer) -> Watch:
    return Watch(origin=server.base_url)


@pytest.fixture
def page(browser: Browser, watch: Watch, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    """A page in a context of its own (empty sessionStorage), watched for errors and requests to other hosts."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    watch.attach(opened)
    request.node.stash[WATCHED] = (opened, watch, tmp_path)
    try:
        yield opened
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail the test on what its page did wrong, and keep its screenshot (and on failure its console log)."""
    watched = item.stash.get(WATCHED, None)
    try:
        yield
    except BaseException:
        if watched is not None:
            _report(*watched, failed=True)
        raise
    if watched is not None:
        page, watch, directory = watched
        _report(page, watch, directory, failed=bool(watch.problems))
        if watch.problems:
            pytest.fail("the page misbehaved:\n" + "\n".join(watch.problems), pytrace=False)


def _report(page: Page, watch: Watch, directory: Path, failed: bool) -> None:
    written = keep_artifacts(page, watch, directory, failed)
    if failed:
        print("browser artifacts:", *written, sep="\n  ")
