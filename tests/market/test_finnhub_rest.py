"""The Finnhub REST client against the local fake: answers, retries on 429 and 5xx, a rejected key."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import tradeloop
from tests.market.fake_finnhub import API_KEY, FakeFinnhub
from tradeloop.market.finnhub_rest import FinnhubError, FinnhubRest, FinnhubUnavailable, KeyRejected
from tradeloop.market.throttle import Backoff, SlidingWindowLimiter, Window


@pytest.fixture
async def fake() -> AsyncIterator[FakeFinnhub]:
    server = FakeFinnhub()
    await server.start()
    yield server
    await server.stop()


class Sleeps:
    """Records the waits asked for, and waits not at all."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def client(fake: FakeFinnhub, sleeps: Sleeps, *, key: str = API_KEY, attempts: int = 5) -> FinnhubRest:
    return FinnhubRest(
        key,
        rest_url=fake.rest_url,
        limiter=SlidingWindowLimiter([Window(1000, 1.0)]),
        backoff=lambda: Backoff(base_s=0.5, cap_s=4.0),
        sleep=sleeps,
        max_attempts=attempts,
    )


async def test_a_quote_becomes_decimals_and_a_utc_time(fake: FakeFinnhub) -> None:
    fake.prices["AAPL"] = 189.5
    fake.quote_times["AAPL"] = 1_700_000_000
    rest = client(fake, Sleeps())
    try:
        quote = await rest.quote("AAPL")
    finally:
        rest.close()
    assert quote is not None
    assert quote.price == Decimal("189.50") and quote.previous_close == Decimal("188.50")
    assert quote.timestamp == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert fake.calls_to("/quote")[0].query["symbol"] == "AAPL"


async def test_a_zero_quote_means_an_unknown_symbol(fake: FakeFinnhub) -> None:
    rest = client(fake, Sleeps())
    try:
        assert await rest.quote("NOPE") is None
    finally:
        rest.close()


async def test_429_is_retried_after_the_servers_retry_after(fake: FakeFinnhub) -> None:
    fake.prices["AAPL"] = 10.0
    fake.rate_limited = 2
    fake.retry_after = "3"
    sleeps = Sleeps()
    rest = client(fake, sleeps)
    try:
        quote = await rest.quote("AAPL")
    finally:
        rest.close()
    assert quote is not None and quote.price == Decimal("10.00")
    assert len(fake.calls_to("/quote")) == 3  # two 429s, then the answer
    assert len(sleeps.waits) == 2 and all(wait >= 3.0 for wait in sleeps.waits)


async def test_429_without_retry_after_backs_off_exponentially(fake: FakeFinnhub) -> None:
    fake.prices["AAPL"] = 10.0
    fake.rate_limited = 3
    sleeps = Sleeps()
    rest = client(fake, sleeps)
    try:
        await rest.quote("AAPL")
    finally:
        rest.close()
    assert len(fake.calls_to("/quote")) == 4
    ceilings = [0.5, 1.0, 2.0]
    assert all(Backoff.FLOOR_S <= wait <= ceiling for wait, ceiling in zip(sleeps.waits, ceilings, strict=True))


async def test_server_errors_are_retried_then_given_up(fake: FakeFinnhub) -> None:
    fake.prices["AAPL"] = 10.0
    fake.server_errors = 10
    sleeps = Sleeps()
    rest = client(fake, sleeps, attempts=3)
    try:
        with pytest.raises(FinnhubUnavailable, match="502"):
            await rest.quote("AAPL")
    finally:
        rest.close()
    assert len(fake.calls_to("/quote")) == 3 and len(sleeps.waits) == 2


async def test_a_rejected_key_is_not_retried_and_never_shown(fake: FakeFinnhub, caplog: pytest.LogCaptureFixture) -> None:
    sleeps = Sleeps()
    rest = client(fake, sleeps, key="wrong-key-123")
    try:
        with pytest.raises(KeyRejected, match="finnhub rejected the API key"):
            await rest.quote("AAPL")
        with pytest.raises(KeyRejected):
            await asyncio.to_thread(rest.quote_blocking, "AAPL")  # the fake serves on this loop
    finally:
        rest.close()
    assert len(fake.calls) == 2 and sleeps.waits == []
    assert "wrong-key-123" not in caplog.text


async def test_network_failures_are_retried_and_the_key_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    sleeps = Sleeps()
    rest = FinnhubRest(
        "secret-key-456",
        rest_url="http://127.0.0.1:9/api/v1",  # the discard port: nothing listens
        limiter=SlidingWindowLimiter([Window(1000, 1.0)]),
        sleep=sleeps,
        max_attempts=2,
    )
    try:
        with pytest.raises(FinnhubUnavailable) as raised:
            await rest.quote("AAPL")
    finally:
        rest.close()
    assert len(sleeps.waits) == 1
    assert "secret-key-456" not in str(raised.value) and "secret-key-456" not in caplog.text
    assert "***" in caplog.text


async def test_profile_and_lookup(fake: FakeFinnhub) -> None:
    fake.profiles["PLTR"] = {"name": "Palantir Technologies Inc", "exchange": "NEW YORK STOCK EXCHANGE, INC."}
    fake.profiles["HOOD"] = {"name": "Robinhood Markets Inc", "exchange": "NASDAQ NMS - GLOBAL MARKET"}
    rest = client(fake, Sleeps())
    try:
        pltr = await asyncio.to_thread(rest.profile_blocking, "PLTR")
        hood = await asyncio.to_thread(rest.profile_blocking, "HOOD")
        none = await asyncio.to_thread(rest.profile_blocking, "NOPE")
        found = await asyncio.to_thread(rest.lookup_blocking, "PLT")
    finally:
        rest.close()
    assert pltr is not None and pltr.name == "Palantir Technologies Inc" and pltr.exchange == "NYSE"
    assert hood is not None and hood.exchange == "NASDAQ"
    assert none is None and found == ["PLTR"]


async def test_a_paid_endpoints_403_is_an_error_but_not_a_rejected_key(fake: FakeFinnhub) -> None:
    fake.forbidden.add("/stock/profile2")
    rest = client(fake, Sleeps())
    try:
        with pytest.raises(FinnhubError, match="403") as raised:
            await asyncio.to_thread(rest.profile_blocking, "AAPL")
    finally:
        rest.close()
    assert not isinstance(raised.value, KeyRejected) and len(fake.calls) == 1


def test_no_code_calls_the_paid_candle_endpoint() -> None:
    package = Path(tradeloop.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "stock_candles" in (text := path.read_text()) or "/stock/candle" in text
    ]
    assert offenders == []
