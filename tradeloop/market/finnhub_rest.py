"""Finnhub's REST API through finnhub-python, in its own thread, within the free tier's rate limits.

Only the free endpoints are used: quote, symbol lookup and company profile.
Candles need a paid plan and are never called.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

import finnhub

from tradeloop.core.money import NotADecimal, parse_decimal, quantize_price
from tradeloop.errors import Unavailable
from tradeloop.market.throttle import AsyncSleep, Backoff, SlidingWindowLimiter, Window

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_REST_URL: Final = "https://finnhub.io/api/v1"
FREE_TIER: Final = (Window(30, 1.0), Window(60, 60.0))
"""Finnhub's free plan: 30 calls in any second and 60 in any minute."""
MAX_ATTEMPTS: Final = 5
RETRY_BASE_S: Final = 1.0
RETRY_CAP_S: Final = 30.0
TIMEOUT_S: Final = 10.0

_budgets: dict[tuple[str, str], SlidingWindowLimiter] = {}


class FinnhubError(Unavailable):
    """Finnhub did not answer as hoped; the message never contains the API key."""


class KeyRejected(FinnhubError):
    """Finnhub refused the API key (401; a 403 means a paid endpoint, not a bad key)."""

    def __init__(self) -> None:
        super().__init__("finnhub rejected the API key")


class FinnhubUnavailable(FinnhubError):
    """Finnhub kept failing (network, 429 or 5xx) after every retry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FinnhubQuote:
    """A /quote answer: the last price and when it traded (c and t)."""

    symbol: str
    price: Decimal
    previous_close: Decimal | None
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """The parts of /stock/profile2 an asset needs."""

    symbol: str
    name: str
    exchange: str


def shared_budget(rest_url: str, api_key: str) -> SlidingWindowLimiter:
    """The free-tier limiter of one key: every client of that key in this process draws from it."""
    key = (rest_url, api_key)
    found = _budgets.get(key)
    if found is None:
        found = _budgets[key] = SlidingWindowLimiter(FREE_TIER)
    return found


class FinnhubRest:
    """Calls Finnhub from one worker thread (requests sessions are not thread-safe), paced and retried."""

    def __init__(
        self,
        api_key: str,
        *,
        rest_url: str = DEFAULT_REST_URL,
        limiter: SlidingWindowLimiter | None = None,
        backoff: Callable[[], Backoff] | None = None,
        sleep: AsyncSleep = asyncio.sleep,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._key = api_key
        self._client: Any = finnhub.Client(api_key=api_key)
        self._client.API_URL = rest_url.rstrip("/")
        self._client.DEFAULT_TIMEOUT = TIMEOUT_S
        self._client._session.trust_env = False  # no proxy from the environment sees the key
        self._limiter = limiter or shared_budget(rest_url, api_key)
        self._backoff = backoff or (lambda: Backoff(base_s=RETRY_BASE_S, cap_s=RETRY_CAP_S))
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="finnhub-rest")

    def close(self, *, wait: bool = True) -> None:
        """Stop the worker thread and the HTTP session; wait=False leaves a call in flight to time out alone."""
        self._executor.shutdown(wait=wait, cancel_futures=True)
        self._client.close()

    # -- endpoints --------------------------------------------------------------

    async def quote(self, symbol: str) -> FinnhubQuote | None:
        """The last price of a symbol; None when Finnhub does not know it (it answers zeros)."""
        return _quote(symbol, await self._call(lambda: self._client.quote(symbol)))

    def quote_blocking(self, symbol: str, *, retry: bool = True) -> FinnhubQuote | None:
        """quote() for start-up, before the event loop runs; retry=False makes one attempt only."""
        return _quote(symbol, self._call_blocking(lambda: self._client.quote(symbol), retry=retry))

    def profile_blocking(self, symbol: str) -> Profile | None:
        """A company's name and exchange; None when Finnhub has no profile for the symbol."""
        answer = self._call_blocking(lambda: self._client.company_profile2(symbol=symbol))
        if not isinstance(answer, Mapping) or not answer.get("name"):
            return None
        return Profile(symbol=symbol, name=str(answer["name"]), exchange=_exchange(str(answer.get("exchange", ""))))

    def lookup_blocking(self, query: str, limit: int = 5) -> list[str]:
        """Symbols Finnhub finds for a query, best first (for suggestions)."""
        answer = self._call_blocking(lambda: self._client.symbol_lookup(query))
        found = answer.get("result", []) if isinstance(answer, Mapping) else []
        symbols = [str(item["symbol"]) for item in found if isinstance(item, Mapping) and item.get("symbol")]
        return symbols[:limit]

    # -- pacing and retries -------------------------------------------------------

    async def _call(self, request: Callable[[], T]) -> T:
        """Run one request in the worker thread, retrying 429s, 5xx and network failures.

        Raises:
            KeyRejected: on 401. FinnhubUnavailable: when retries ran out. FinnhubError: other answers.
        """
        loop = asyncio.get_running_loop()
        backoff = self._backoff()
        while True:
            await self._limiter.acquire()
            try:
                return await loop.run_in_executor(self._executor, request)
            except Exception as exc:
                wait_s = self._retry_after(exc, backoff)
            await self._sleep(wait_s)

    def _call_blocking(self, request: Callable[[], T], *, retry: bool = True) -> T:
        backoff = self._backoff()
        while True:
            self._limiter.acquire_blocking()
            try:
                return request()
            except Exception as exc:
                wait_s = self._retry_after(exc, backoff, max_attempts=None if retry else 1)
            time.sleep(wait_s)

    def _retry_after(self, exc: Exception, backoff: Backoff, *, max_attempts: int | None = None) -> float:
        """Decide on a failed call: the seconds to wait before retrying it, or raise."""
        status = getattr(exc, "status_code", None)
        if isinstance(exc, finnhub.FinnhubAPIException) and isinstance(status, int):
            if status == 401:
                raise KeyRejected() from None
            if status != 429 and status < 500:
                raise FinnhubError(f"finnhub answered {status}: {self._redact(str(exc.message))}") from None
            problem = f"finnhub answered {status}"
            at_least_s = _retry_after_header(exc.response.headers) if status == 429 else 0.0
        elif isinstance(exc, (OSError, finnhub.FinnhubRequestException)):  # requests' errors are OSErrors
            problem = f"finnhub request failed: {self._redact(str(exc))}"
            at_least_s = 0.0
        else:
            raise exc
        attempts = max_attempts or self._max_attempts
        if backoff.attempts + 1 >= attempts:
            raise FinnhubUnavailable(f"{problem} ({attempts} attempt{'s' if attempts > 1 else ''})") from None
        wait_s = backoff.next_delay_s(at_least_s)
        log.warning("%s; retrying in %.1f s", problem, wait_s)
        return wait_s

    def _redact(self, text: str) -> str:
        """Error texts from requests carry the URL, and the URL carries the key."""
        return text.replace(self._key, "***") if self._key else text


def _retry_after_header(headers: Mapping[str, str]) -> float:
    """Seconds from a Retry-After header (delta-seconds form); 0 when absent or unusable."""
    raw = headers.get("Retry-After", "")
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 0.0


def _quote(symbol: str, answer: object) -> FinnhubQuote | None:
    """Read a /quote answer; zeros (or nonsense) mean Finnhub does not know the symbol."""
    if not isinstance(answer, Mapping):
        return None
    try:
        price = parse_decimal(answer.get("c"))
        seconds = int(answer.get("t") or 0)
    except (NotADecimal, TypeError, ValueError):
        return None
    if price <= 0 or seconds <= 0:
        return None
    try:
        previous: Decimal | None = quantize_price(parse_decimal(answer.get("pc")))
    except NotADecimal:
        previous = None
    return FinnhubQuote(
        symbol=symbol,
        price=quantize_price(price),
        previous_close=previous if previous is not None and previous > 0 else None,
        timestamp=datetime.fromtimestamp(seconds, UTC),
    )


def _exchange(raw: str) -> str:
    """Finnhub's exchange names ("NASDAQ NMS - GLOBAL MARKET") as Alpaca's short ones."""
    upper = raw.upper()
    for prefix, short in (
        ("NASDAQ", "NASDAQ"),
        ("NYSE ARCA", "ARCA"),
        ("NYSE MKT", "AMEX"),
        ("NYSE", "NYSE"),
        ("NEW YORK STOCK EXCHANGE", "NYSE"),
        ("AMEX", "AMEX"),
        ("BATS", "BATS"),
        ("CBOE BZX", "BATS"),
    ):
        if upper.startswith(prefix):
            return short
    return "OTC"
