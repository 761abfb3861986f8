"""The manual feed: prices change only when an administrator sets them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

from tradeloop.core.marketdata import Quote, Trade
from tradeloop.errors import InvalidValue
from tradeloop.market.feed import TickSink


class InvalidAdminTick(InvalidValue):
    """An administrator's price update is malformed; field names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class ManualFeed:
    """A feed that emits nothing itself; the admin API pushes ticks into the same sink."""

    name: str = "manual"

    async def run(self, sink: TickSink) -> None:
        """Wait until cancelled."""
        await asyncio.Event().wait()


def _check_positive(field: str, value: Decimal) -> None:
    if not value.is_finite() or value <= 0:
        raise InvalidAdminTick(field, f"must be a positive number, got {value}")


def admin_ticks(
    symbol: str,
    price: Decimal,
    bid: Decimal | None,
    ask: Decimal | None,
    size: Decimal | None,
    now: datetime,
) -> tuple[Trade, Quote]:
    """Build the trade and quote an admin price update stands for.

    bid and ask default to price; a size of None means unlimited liquidity.

    Raises:
        InvalidAdminTick: (a ValueError) naming the field that is not positive,
            bid when it exceeds ask, or now when it is naive.
    """
    if now.tzinfo is None:
        raise InvalidAdminTick("now", "must be timezone-aware")
    _check_positive("price", price)
    bid = price if bid is None else bid
    ask = price if ask is None else ask
    _check_positive("bid", bid)
    _check_positive("ask", ask)
    if bid > ask:
        raise InvalidAdminTick("bid", f"must not exceed ask ({bid} > {ask})")
    if size is not None:
        _check_positive("size", size)
    trade = Trade(symbol=symbol, price=price, size=size, timestamp=now)
    quote = Quote(symbol=symbol, bid=bid, ask=ask, bid_size=size, ask_size=size, timestamp=now)
    return trade, quote
