"""The HTML reports: one self-contained page each, whose charts a real browser (headless Chromium) draws."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.factories import HttpClient, order_body, place
from tests.http.page_checks import self_contained
from tests.http.report_factories import Clock, tick
from tests.http.report_fixtures import client_fixture, clock_fixture, engine_fixture  # noqa: F401  (fixtures)
from tradeloop.actors.engine import Engine
from tradeloop.http.svg import line_chart

Headers = dict[str, str]
DAY = 86_400
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
)  # fmt: skip


async def four_days(client: HttpClient, engine: Engine, clock: Clock, headers: Headers) -> None:
    """AAPL bought at 100, marked at 110 and 95, sold at 104; MSFT bought at 50, sold at 45; SPY from 500 to 520."""
    await tick(engine, clock, 0, "500", symbol="SPY")
    await tick(engine, clock, 0, "100")
    await tick(engine, clock, 0, "50", symbol="MSFT")
    await place(client, headers, order_body(qty="10"))
    await place(client, headers, order_body(qty="20", symbol="MSFT"))
    await tick(engine, clock, DAY, "110")
    await tick(engine, clock, DAY, "505", symbol="SPY")
    await tick(engine, clock, 2 * DAY, "95")
    await tick(engine, clock, 2 * DAY, "510", symbol="SPY")
    await tick(engine, clock, 3 * DAY, "104")
    await tick(engine, clock, 3 * DAY, "45", symbol="MSFT")
    await tick(engine, clock, 3 * DAY, "520", symbol="SPY")
    await place(client, headers, order_body(qty="10", side="sell"))
    await place(client, headers, order_body(qty="20", side="sell", symbol="MSFT"))
    clock.at(3 * DAY + 3600)


async def page(client: HttpClient, headers: Headers, path: str, **params: str) -> str:
    response = await client.get(path, params={**params, "format": "html"}, headers=headers)
    text = await response.text()
    assert response.status == 200 and response.content_type == "text/html", text
    return text


async def test_both_reports_are_one_page_that_fetches_nothing_and_prints(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    await four_days(client, engine, clock, headers)
    for html in (
        await page(client, headers, "/v2/reports/performance", benchmark="SPY", start="2026-01-05T16:00:00Z"),
        await page(client, headers, "/v2/reports/statement"),
    ):
        assert html.startswith("<!DOCTYPE html>") and "@media print" in html
        assert self_contained(html) == []


class Paths(HTMLParser):
    """The <path> elements of a DOM: their class, series and the points their `d` draws."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[tuple[str, str, list[tuple[float, float]]]] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "path":
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", found.get("d") or "")]
            points = list(zip(numbers[::2], numbers[1::2]))
            self.paths.append((found.get("class") or "", found.get("data-series") or "", points))
        self._in_cell = tag == "td"

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells.append(data.strip())


def chromium() -> str:
    """Debian's chromium, installed with apt-get as run_tests.sh does when missing; skips only if that cannot be done."""
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True, timeout=600)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            "Debian's chromium is not installed and cannot be installed here (apt-get install chromium as root)"
        )
    return found


def rendered(html: str, tmp_path: Path) -> str:
    """The DOM headless Chromium builds from the page, loaded from a file with no network."""
    page_file = tmp_path / "report.html"
    page_file.write_text(html, encoding="utf-8")
    profile = tmp_path / "profile"
    done = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page_file.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


async def test_headless_chromium_draws_each_chart_with_a_point_per_value_of_its_series(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers, tmp_path: Path
) -> None:
    await four_days(client, engine, clock, headers)
    params = {"benchmark": "SPY", "start": "2026-01-05T16:00:00Z"}
    report = await (await client.get("/v2/reports/performance", params=params, headers=headers)).json()
    dom = Paths()
    dom.feed(rendered(await page(client, headers, "/v2/reports/performance", **params), tmp_path))
    by_class = {css: points for css, _, points in dom.paths if css in ("equity", "benchmark", "drawdown")}
    count = len(report["equity"])
    assert count == 5 and {css: len(points) for css, points in by_class.items()} == {
        "equity": count, "benchmark": count, "drawdown": count,
    }  # fmt: skip
    # The line goes left to right, and its heights follow the equity: higher equity, smaller y.
    equity = [float(point["equity"]) for point in report["equity"]]
    xs, ys = [x for x, _ in by_class["equity"]], [y for _, y in by_class["equity"]]
    assert xs == sorted(xs) and len(set(xs)) == count
    assert sorted(range(count), key=lambda i: ys[i]) == sorted(range(count), key=lambda i: -equity[i])
    assert len(set(ys)) > 1 and any(y != ys[0] for _, y in by_class["drawdown"])
    bars = {series: css for css, series, points in dom.paths if css in ("gain", "loss") and len(points) == 4}
    assert bars == {"AAPL": "gain", "MSFT": "loss"}  # 10 × (104 − 100) = 40 made; 20 × (45 − 50) = 100 lost
    assert "2026-01" in dom.cells  # the monthly returns table


def test_a_chart_of_tiny_values_labels_them_with_their_digits_not_as_zero() -> None:
    chart = line_chart("Drawdown", [("drawdown", "drawdown", [0.0, -0.00067, -0.0003])], label="%")
    assert ">-0.00067<" in chart and ">0.00<" in chart and ">-0.00<" not in chart
    assert ">100,000.00<" in line_chart("Equity", [("equity", "equity", [100_000.0, 99_999.33])])
