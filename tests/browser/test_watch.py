"""The watch that the browser tests rely on catches what it must: console errors, page errors, other origins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.browser.harness import Watch, keep_artifacts

ORIGIN: Final = "http://tradeloop.test"
"""The page's own origin, answered by the test itself: no server and no network are involved."""
OTHER_ORIGIN: Final = "http://elsewhere.test/x.png"


def _answer(route: Route) -> None:
    if route.request.url.startswith(ORIGIN + "/"):
        route.fulfill(status=200, content_type="text/html", body="<p>own page</p>")
    else:
        route.abort()


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, Watch]]:
    watch = Watch(origin=ORIGIN)
    context = browser.new_context()
    context.route("**/*", _answer)
    try:
        page = context.new_page()
        watch.attach(page)
        page.goto(ORIGIN + "/app")
        yield page, watch
    finally:
        context.close()


def test_the_watch_reports_console_errors_page_errors_and_requests_to_another_origin(
    watched: tuple[Page, Watch],
) -> None:
    page, watch = watched
    assert watch.problems == []
    page.evaluate("() => console.error('broken')")
    page.evaluate("() => { setTimeout(() => { throw new Error('uncaught') }, 0) }")
    page.evaluate(f"() => fetch({OTHER_ORIGIN!r}).catch(() => null)")
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 100))")
    assert any("console error: broken" in problem for problem in watch.problems), watch.problems
    assert any("uncaught error in the page: uncaught" in problem for problem in watch.problems), watch.problems
    assert any(f"request to another origin: {OTHER_ORIGIN}" in problem for problem in watch.problems), watch.problems


def test_the_watch_lets_the_own_origin_data_and_blob_urls_pass(watched: tuple[Page, Watch]) -> None:
    page, watch = watched
    page.evaluate("() => fetch('/readyz').then(r => r.text())")
    page.evaluate("() => fetch('data:text/plain,hello').then(r => r.text())")
    page.evaluate("() => fetch(URL.createObjectURL(new Blob(['hello']))).then(r => r.text())")
    assert watch.problems == []
    assert f"request: GET {ORIGIN}/readyz" in watch.log
    assert not watch.foreign("ws://tradeloop.test/stream")
    assert watch.foreign("wss://tradeloop.test/stream")
    assert watch.foreign("http://tradeloop.test:8000/")


def test_a_failed_test_keeps_its_screenshot_and_console_log(watched: tuple[Page, Watch], tmp_path: Path) -> None:
    page, watch = watched
    page.evaluate("() => console.log('hello from the page')")
    assert keep_artifacts(page, watch, tmp_path, failed=False) == [tmp_path / "screenshot.png"]
    written = keep_artifacts(page, watch, tmp_path, failed=True)
    assert written == [tmp_path / "screenshot.png", tmp_path / "console.log"]
    assert (tmp_path / "screenshot.png").read_bytes().startswith(b"\x89PNG")
    assert "console.log: hello from the page" in (tmp_path / "console.log").read_text()
