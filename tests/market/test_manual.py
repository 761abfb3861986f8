"""The manual feed and the ticks an admin price update becomes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradeloop.core.marketdata import Quote, Tick, Trade
from tradeloop.market.feed import Feed
from tradeloop.market.manual import InvalidAdminTick, ManualFeed, admin_ticks

NOW = datetime(2024, 6, 3, 13, 30, tzinfo=UTC)


def test_bid_and_ask_default_to_price() -> None:
    trade, quote = admin_ticks("AAPL", Decimal("150.00"), None, None, None, NOW)
    assert trade == Trade(symbol="AAPL", price=Decimal("150.00"), size=None, timestamp=NOW)
    assert quote == Quote(
        symbol="AAPL",
        bid=Decimal("150.00"),
        ask=Decimal("150.00"),
        bid_size=None,
        ask_size=None,
        timestamp=NOW,
    )


def test_explicit_quote_and_size() -> None:
    trade, quote = admin_ticks(
        "AAPL", Decimal("150.00"), Decimal("149.99"), Decimal("150.02"), Decimal(300), NOW
    )
    assert trade.size == Decimal(300)
    assert (quote.bid, quote.ask) == (Decimal("149.99"), Decimal("150.02"))
    assert quote.bid_size == quote.ask_size == Decimal(300)


@pytest.mark.parametrize(
    ("price", "bid", "ask", "size", "field"),
    [
        (Decimal(0), None, None, None, "price"),
        (Decimal(-1), None, None, None, "price"),
        (Decimal("NaN"), None, None, None, "price"),
        (Decimal(10), Decimal(0), None, None, "bid"),
        (Decimal(10), None, Decimal(-5), None, "ask"),
        (Decimal(10), Decimal("10.02"), Decimal("10.01"), None, "bid"),
        (Decimal(10), None, None, Decimal(0), "size"),
    ],
)
def test_rejects_bad_input_naming_the_field(
    price: Decimal, bid: Decimal | None, ask: Decimal | None, size: Decimal | None, field: str
) -> None:
    with pytest.raises(ValueError, match=f"^{field}:") as info:
        admin_ticks("AAPL", price, bid, ask, size, NOW)
    assert isinstance(info.value, InvalidAdminTick)
    assert info.value.field == field


def test_rejects_naive_time() -> None:
    with pytest.raises(InvalidAdminTick, match="now"):
        admin_ticks("AAPL", Decimal(1), None, None, None, datetime(2024, 1, 1))


async def test_manual_feed_emits_nothing_until_cancelled() -> None:
    ticks: list[Tick] = []

    async def sink(tick: Tick) -> None:
        ticks.append(tick)

    feed: Feed = ManualFeed()
    assert feed.name == "manual"
    task = asyncio.create_task(feed.run(sink))
    await asyncio.sleep(0.05)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ticks == []
