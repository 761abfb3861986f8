"""Take the README's pictures of the dashboard and the admin console (docs/img/*.png).

Starts a server on the manual market in a temporary directory, gives it some price history (one-minute bars through
the admin API), trades a little, makes a strategy, then drives Debian's chromium through Playwright, as the browser
tests do, and saves each view at 1280x800. Run it from the repository root after changing the UI:

    .venv/bin/python scripts/screenshots.py            # or: --out DIR
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

import pyotp
from playwright.sync_api import Page, ViewportSize, sync_playwright

READY: Final = re.compile(r"^tradeloop serving on (https?://\S+) \(market: \w+\)$")
KEY_ID: Final = "PKSCREENSHOTS0000001"
SECRET: Final = "screenshots-secret-0123456789abcdefghij"
VIEWPORT: Final = ViewportSize(width=1280, height=800)
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CENT: Final = Decimal("0.01")


class Server:
    """A tradeloop server in a child process, with the admin and demo credentials this script chose."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.admin_key = secrets.token_urlsafe(24)
        self.totp = pyotp.TOTP(pyotp.random_base32())
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADELOOP_")}
        env.update(
            TRADELOOP_ADMIN_KEY=self.admin_key,
            TRADELOOP_ADMIN_TOTP_SECRET=self.totp.secret,
            TRADELOOP_DEMO_KEY_ID=KEY_ID,
            TRADELOOP_DEMO_SECRET_KEY=SECRET,
            TRADELOOP_LOG_LEVEL="WARNING",
        )
        command = [sys.executable, "-m", "tradeloop", "serve", "--host", "127.0.0.1", "--port", "0"]
        command += ["--market", "manual", "--data-dir", str(data_dir)]
        with log.open("w") as stderr:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
        assert self.process.stdout is not None
        for line in self.process.stdout:
            found = READY.match(line.strip())
            if found:
                self.url = found.group(1)
                break
        else:
            raise SystemExit("the server did not start:\n" + log.read_text())
        self._steps = 0
        self.token = self.call("POST", "/admin/v1/sessions", headers=self.login_headers(), expect=201)["token"]

    def totp_code(self) -> str:
        """A code of a later time step each time (each step opens one session): the previous step first, then on."""
        step = self.totp.timecode(datetime.now(UTC)) - 1 + self._steps
        self._steps += 1
        return str(self.totp.generate_otp(step))

    def login_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_key}", "X-TOTP-Code": self.totp_code()}

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, expect: int = 200
    ) -> Any:
        """One JSON call that must answer `expect` (or any 2xx when expect is 200)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == expect or (expect == 200 and response.status < 300), (path, response.status)
            return json.loads(response.read() or b"null")

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        return self.call(method, path, body, {"Authorization": f"Bearer {self.token}"})

    def trader(self, method: str, path: str, body: Any = None) -> Any:
        return self.call(method, path, body, {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def walk(
    seed: int, start: Decimal, count: int, wave: float = 0.0
) -> Iterator[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """`count` one-minute bars (open, high, low, close) of a seeded random walk, with an optional slow wave."""
    rng = random.Random(seed)
    close = start
    for i in range(count):
        drift = Decimal(str(round(wave * math.sin(i / 45), 4)))
        step = Decimal(str(round(rng.gauss(0, 0.0015), 5))) + drift / 100
        opened = close
        close = (opened * (1 + step)).quantize(CENT)
        high = (max(opened, close) * Decimal(str(1 + abs(rng.gauss(0, 0.0008))))).quantize(CENT)
        low = (min(opened, close) * Decimal(str(1 - abs(rng.gauss(0, 0.0008))))).quantize(CENT)
        yield opened, high, low, close


def seed_history(server: Server, symbol: str, start: Decimal, minutes: int, seed: int, wave: float = 0.0) -> Decimal:
    """Post `minutes` whole one-minute bars ending two minutes ago; returns the last close."""
    first = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes + 2)
    close = start
    for i, (opened, high, low, close) in enumerate(walk(seed, start, minutes, wave)):
        try:
            server.admin("POST", "/admin/v1/market/bars", {
                "symbol": symbol, "timestamp": (first + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "open": str(opened), "high": str(high), "low": str(low), "close": str(close),
                "volume": str(1000 + (i * 37) % 900),
            })  # fmt: skip
        except urllib.error.HTTPError as error:
            # The server's once-a-second completion of quiet minutes can complete a past minute between the bar's
            # trades and the bar itself, which then answers 500: those trades made the same bar, so go on.
            if error.code != 500:
                raise
    return close


def prepare(server: Server) -> str:
    """Price history, a few trades and a strategy on the demo account; returns the strategy's id."""
    last = {
        "AAPL": seed_history(server, "AAPL", Decimal("189.40"), 240, seed=1),
        "SPY": seed_history(server, "SPY", Decimal("512.00"), 600, seed=2, wave=0.35),
        "MSFT": seed_history(server, "MSFT", Decimal("415.20"), 30, seed=3),
        "KO": seed_history(server, "KO", Decimal("61.80"), 30, seed=4),
    }
    for symbol, price in last.items():
        server.admin("POST", "/admin/v1/market/prices", {"symbol": symbol, "price": str(price)})
    buy = {"side": "buy", "type": "market", "time_in_force": "day"}
    server.trader("POST", "/v2/orders", {"symbol": "AAPL", "qty": "40", **buy})
    server.trader("POST", "/v2/orders", {"symbol": "KO", "qty": "120", **buy})
    server.trader("POST", "/v2/orders", {"symbol": "MSFT", "qty": "10", **buy})
    below = (last["AAPL"] * Decimal("0.98")).quantize(CENT)
    server.trader("POST", "/v2/orders", {
        "symbol": "AAPL", "qty": "20", "side": "buy", "type": "limit", "limit_price": str(below), "time_in_force": "gtc",
    })  # fmt: skip
    above = (last["MSFT"] * Decimal("1.03")).quantize(CENT)
    server.trader("POST", "/v2/orders", {
        "symbol": "MSFT", "qty": "10", "side": "sell", "type": "limit", "limit_price": str(above), "time_in_force": "gtc",
    })  # fmt: skip
    for symbol, factor in (("AAPL", "1.012"), ("KO", "0.996"), ("MSFT", "1.004")):
        moved = (last[symbol] * Decimal(factor)).quantize(CENT)
        server.admin("POST", "/admin/v1/market/prices", {"symbol": symbol, "price": str(moved)})
    for cash in ("25000", "250000"):
        server.admin("POST", "/admin/v1/accounts", {"cash": cash})
    templates = json.loads(files("tradeloop.http").joinpath("ui/js/views/strategies_templates.json").read_text())
    definition = next(t["definition"] for t in templates["templates"] if t["id"] == "sma_crossover")
    created = server.trader("POST", "/v2/strategies", definition)
    return str(created["id"])


def shoot(page: Page, out: Path, name: str) -> None:
    page.mouse.move(1, 1)  # away from the charts, whose crosshair follows the pointer
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)  # charts draw on the next animation frames
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"wrote {out / name}.png")


def pictures(server: Server, strategy_id: str, out: Path, chromium: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(30_000)
        page.goto(server.url + "/app")
        page.fill("[data-test=sign-in-key]", KEY_ID)
        page.fill("[data-test=sign-in-secret]", SECRET)
        page.click("[data-test=sign-in-submit]")
        page.wait_for_selector("[data-test=view][data-view=account]")
        shoot(page, out, "dashboard-account")

        page.goto(server.url + "/app#/positions")
        page.wait_for_selector("[data-test=positions] tr[data-symbol]")
        shoot(page, out, "dashboard-positions")

        page.goto(server.url + "/app#/chart/AAPL")
        page.wait_for_selector("[data-test=chart]:not([data-bars='0'])")
        page.click("[data-test=chart-timeframe-5Min]")
        shoot(page, out, "dashboard-chart")

        page.goto(server.url + "/app#/ticket/AAPL")
        page.select_option("[data-test=ticket-type]", "limit")
        page.fill("[data-test=ticket-qty]", "15")
        price = server.trader("GET", "/v2/stocks/AAPL/trades/latest")["trade"]["p"]
        page.fill("[data-test=ticket-limit]", str((Decimal(str(price)) * Decimal("0.995")).quantize(CENT)))
        page.click("[data-test=ticket-submit]")
        page.wait_for_selector("[data-test=ticket-preview][data-accepted=true]")
        shoot(page, out, "dashboard-ticket")

        page.goto(server.url + f"/app#/strategies/{strategy_id}")
        start = (datetime.now() - timedelta(hours=11)).strftime("%Y-%m-%dT%H:%M")
        page.fill("[data-test=backtest-start]", start)
        page.click("[data-test=backtest-run]")
        page.wait_for_selector("[data-test=backtest-status][data-status=done]", timeout=120_000)
        page.locator("[data-test=backtest-result]").evaluate("e => e.scrollIntoView({block: 'start'})")
        shoot(page, out, "dashboard-backtest")

        page.goto(server.url + "/admin")
        page.fill("[data-test=admin-key]", server.admin_key)
        page.fill("[data-test=totp-code]", server.totp_code())
        page.click("[data-test=sign-in-submit]")
        page.wait_for_selector("[data-test=accounts] [data-test=account-row]")
        shoot(page, out, "admin-accounts")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"), help="where the PNG files go (docs/img)")
    out: Path = parser.parse_args().out
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install chromium")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tradeloop-screenshots-") as directory, running(Path(directory)) as server:
        pictures(server, prepare(server), out, chromium)


@contextmanager
def running(directory: Path) -> Iterator[Server]:
    """A server with its data and its log (kept out of the way: the pictures are the output) under `directory`."""
    server = Server(directory / "data", directory / "server.log")
    try:
        yield server
    finally:
        server.stop()


if __name__ == "__main__":
    main()
