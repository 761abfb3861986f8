"""Drive the dashboard in Debian's headless Chromium through Playwright, against a real server on the manual market.

A page is watched while a test uses it: every console message and page error is logged, an error fails the test,
and so does any request or WebSocket to another origin (the pages must work with no other host).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, Request, ViewportSize, WebSocket, expect

from tests.e2e.server import RunningServer, http_json
from tests.factories import ADMIN_KEY, TOTP_SECRET

DEMO_KEY_ID: Final = "PKBROWSER00000000001"
DEMO_SECRET: Final = "browser-secret-0123456789abcdefghijklmn"
DEMO_CASH: Final = "100000"
SYMBOLS: Final = "AAPL,MSFT,KO,SPY,NVDA,TSLA"
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
VIEWPORT: Final = ViewportSize(width=1280, height=800)
PHONE: Final = ViewportSize(width=390, height=844)
WAIT_MS: Final = 10_000
"""How long a step may take to show on the page: live updates arrive within a second; a slow CI machine gets room."""
LOCAL_SCHEMES: Final = frozenset({"data", "blob", "about"})
OUTAGE_SIGNS: Final = ("net::ERR_CONNECTION_REFUSED", "WebSocket connection to", "status of 503 ")
"""How the browser reports a server that is down or still starting (logged as console errors, not thrown)."""


def chromium_path() -> str:
    """Debian's chromium, installed with apt-get as run_tests.sh does when missing; skips only if that cannot be done."""
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "chromium"]
        if subprocess.run(install, env=env, capture_output=True, timeout=900).returncode != 0:  # a stale package list
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=900)
            subprocess.run(install, env=env, capture_output=True, timeout=900)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            "Debian's chromium is not installed and cannot be installed here (apt-get install chromium as root)"
        )
    return found


class TotpCodes:
    """Hands out TOTP codes of strictly later time steps: the server accepts each step once, and none before it."""

    def __init__(self) -> None:
        self._totp = pyotp.TOTP(TOTP_SECRET)
        self._last_step: int | None = None

    def spent(self) -> str:
        """The code handed out last (the server has taken it, or will refuse it as older than one it took)."""
        assert self._last_step is not None, "no code was handed out yet"
        return str(self._totp.generate_otp(self._last_step))

    def next(self) -> str:
        """A code the server will accept now (steps -1..+1 of the current one), waiting for a later step if needed."""
        while True:
            current = self._totp.timecode(datetime.now(UTC))
            step = current - 1 if self._last_step is None else max(current - 1, self._last_step + 1)
            if step <= current + 1:
                self._last_step = step
                return str(self._totp.generate_otp(step))
            time.sleep(1.0)


@dataclass
class Admin:
    """The admin API of a running server, through one session opened with a TOTP code."""

    server: RunningServer
    codes: TotpCodes
    _token: str = ""

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One admin call that must succeed (2xx); returns the JSON answer.

        A session lasts 15 minutes and a test run may use the server for longer: a 401 opens a new one, once.
        """
        for _ in range(2):
            if not self._token:
                self._token = self._open_session()
            headers = {"Authorization": f"Bearer {self._token}"}
            status, answer = http_json(method, self.server.base_url + path, headers, body)
            if status != 401:
                break
            self._token = ""
        assert 200 <= status < 300, (method, path, status, answer)
        return answer

    def _open_session(self) -> str:
        headers = {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": self.codes.next()}
        status, session = http_json("POST", self.server.base_url + "/admin/v1/sessions", headers)
        assert status == 201, session
        token: str = session["token"]
        return token

    def price(self, symbol: str, price: str) -> None:
        """Set a symbol's price (a quote around it, then a trade at it) on the manual market."""
        self.call("POST", "/admin/v1/market/prices", {"symbol": symbol, "price": price})

    def account(self, cash: str = DEMO_CASH) -> tuple[str, str]:
        """A new account with `cash`; returns its key id and secret."""
        created = self.call("POST", "/admin/v1/accounts", {"cash": cash})
        return created["key_id"], created["secret_key"]


@dataclass
class Watch:
    """What a page did: its console, its errors, and any request that left the server's origin."""

    origin: str
    log: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)
    outage: bool = False

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("request", self._request)
        page.on("websocket", self._websocket)

    def allow_failed_requests(self, *statuses: int) -> None:
        """Let the browser's "Failed to load resource" errors for these statuses pass: the test expects a refusal."""
        self.allowed_statuses.update(statuses)

    def allow_outage(self) -> None:
        """Let the browser's errors for a server that is down pass (refused connections, failed WebSockets)."""
        self.outage = True

    def _console(self, message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        self.log.append(f"console.{message.type}: {message.text} ({where})")
        if message.type == "error" and not self._expected(message.text):
            self.problems.append(f"console error: {message.text} ({where})")

    def _expected(self, text: str) -> bool:
        if self.outage and any(sign in text for sign in OUTAGE_SIGNS):
            return True
        return any(f"status of {status} " in text for status in self.allowed_statuses)

    def _page_error(self, error: Error) -> None:
        self.log.append(f"pageerror: {error.message}\n{error.stack or ''}")
        self.problems.append(f"uncaught error in the page: {error.message}")

    def _request(self, request: Request) -> None:
        self.log.append(f"request: {request.method} {request.url}")
        self._check_origin("request", request.url)

    def _websocket(self, socket: WebSocket) -> None:
        self.log.append(f"websocket: {socket.url}")
        self._check_origin("websocket", socket.url)

    def _check_origin(self, kind: str, url: str) -> None:
        if self.foreign(url):
            self.problems.append(f"{kind} to another origin: {url}")

    def foreign(self, url: str) -> bool:
        """Whether `url` leaves the server's origin (ws: and wss: count as http: and https:; data: and blob: stay)."""
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return False
        own = urlsplit(self.origin)
        scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
        return (scheme, parts.netloc) != (own.scheme, own.netloc)


def sign_in(page: Page, base_url: str, key_id: str = DEMO_KEY_ID, secret: str = DEMO_SECRET) -> None:
    """Open /app and sign in through its form; returns once the header (with the account's figures) is shown."""
    page.goto(base_url + "/app")
    page.fill("[data-test=sign-in-key]", key_id)
    page.fill("[data-test=sign-in-secret]", secret)
    page.click("[data-test=sign-in-submit]")
    page.wait_for_selector("[data-test=header-equity]", timeout=WAIT_MS)


def order_from_ticket(page: Page, symbol: str, side: str, qty: str, limit: str, tif: str = "gtc") -> str:
    """Review then send a limit order through /app's ticket; returns the placed order's id."""
    page.goto(page.url.split("#")[0] + f"#/ticket/{symbol}")
    page.select_option("[data-test=ticket-side]", side)
    page.select_option("[data-test=ticket-type]", "limit")
    page.fill("[data-test=ticket-qty]", qty)
    page.fill("[data-test=ticket-limit]", limit)
    page.select_option("[data-test=ticket-tif]", tif)
    page.click("[data-test=ticket-submit]")
    page.wait_for_selector("[data-test=ticket-preview][data-accepted=true]")
    page.click("[data-test=ticket-send]")
    order_id = page.locator("[data-test=ticket-placed]").get_attribute("data-order-id")
    assert order_id, "the ticket shows no placed order"
    return order_id


def admin_sign_in(page: Page, base_url: str, code: str) -> None:
    """Open /admin and sign in with the tests' admin key and `code`; returns once a section is shown."""
    page.goto(base_url + "/admin")
    page.fill("[data-test=admin-key]", ADMIN_KEY)
    page.fill("[data-test=totp-code]", code)
    page.click("[data-test=sign-in-submit]")
    page.wait_for_selector("[data-test=view]", timeout=WAIT_MS)


def horizontal_overflow(page: Page) -> int:
    """By how many CSS pixels the page is wider than the window (0 when nothing sticks out)."""
    width: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return max(width, 0)


_STICKING_OUT: Final = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && e.getClientRects().length)
  .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= window.innerWidth + 0.5)
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}${e.dataset.test ? `[data-test=${e.dataset.test}]` : ''}`
    + `${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''}`
    + ` right edge ${Math.round(e.getBoundingClientRect().right)}px`)"""


def sticking_out(page: Page) -> list[str]:
    """The outermost elements wider than the window (empty when the page fits), to say what to fix."""
    if horizontal_overflow(page) == 0:
        return []
    found: list[str] = page.evaluate(_STICKING_OUT)
    return found


def drawn_too_wide(page: Page, view: str) -> list[str]:
    """Once the view `view` is shown and drawn (network idle, nothing loading): what of it sticks out of the window."""
    expect(page.locator(f"[data-test=view][data-view={view}]")).to_be_attached()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-test=view] [aria-busy=true]")).to_have_count(0)  # drawn, not loading
    return sticking_out(page)


def keep_artifacts(page: Page, watch: Watch, directory: Path, failed: bool) -> list[Path]:
    """Save the page's screenshot (always) and, when the test failed, its console log; returns what was written."""
    written = []
    shot = directory / "screenshot.png"
    try:
        page.screenshot(path=str(shot), full_page=True)
        written.append(shot)
    except Error as error:  # a crashed page has no picture; the log says why
        watch.log.append(f"screenshot failed: {error.message}")
    if failed:
        log = directory / "console.log"
        log.write_text("\n".join(watch.log + ["", "problems:", *watch.problems]) + "\n", encoding="utf-8")
        written.append(log)
    return written
