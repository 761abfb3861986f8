"""Builders for strategy tests: a crossover definition and scripted one-minute bars that make it fire."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

from tradeloop.core.bars import Bar, TimeFrame, aggregate

SYMBOL: Final = "AAPL"
T0: Final = datetime(2024, 6, 3, 14, 30, tzinfo=timezone.utc)
"""A Monday, within the session: the first scripted minute."""
FALLING: Final = ("100", "99", "98", "97", "96", "95")
"""Closes along which the fast average stays below the slow one."""
CROSSING_UP: Final = "100"
"""The close after FALLING on which sma(2) crosses above sma(4): 97.5 against 97."""
FALLING_AFTER_ENTRY: Final = ("101", "97", "96")
"""Closes after CROSSING_UP that take sma(2) below sma(4) again on the last one, well inside a 10% stop."""


def crossover(*, qty: str = "10", fast: int = 2, slow: int = 4, symbols: tuple[str, ...] = (SYMBOL,)) -> dict[str, Any]:
    """sma(fast) crossing above sma(slow) buys `qty` shares in a bracket (10% stop, 10% target); crossing below sells."""
    return {
        "name": f"sma {fast}/{slow}",
        "symbols": list(symbols),
        "timeframe": "1Min",
        "indicators": {
            "fast": {"type": "sma", "period": fast, "source": "close"},
            "slow": {"type": "sma", "period": slow, "source": "close"},
        },
        "entry": {"side": "buy", "when": {"all": [{"op": "cross_above", "left": "fast", "right": "slow"}]}},
        "exit": {"when": {"any": [{"op": "cross_below", "left": "fast", "right": "slow"}]}},
        "sizing": {"type": "qty", "value": qty},
        "orders": {"type": "market", "time_in_force": "day"},
        "risk": {"stop_loss": {"percent": "10"}, "take_profit": {"percent": "10"}},
    }


def minute_bar(minute: int, close: str, *, symbol: str = SYMBOL, start: datetime = T0) -> Bar:
    """The bar of minute `minute` after `start`: open at the close, a range of 20 cents around it."""
    price = Decimal(close)
    return Bar(
        symbol=symbol,
        timestamp=start + timedelta(minutes=minute),
        open=price,
        high=price + Decimal("0.10"),
        low=price - Decimal("0.10"),
        close=price,
        volume=Decimal(1_000),
        trade_count=4,
        notional=price * 1_000,
    )


def bar_body(bar: Bar) -> dict[str, str]:
    """The bar as POST /admin/v1/market/bars takes it."""
    return {
        "symbol": bar.symbol,
        "timestamp": bar.timestamp.isoformat().replace("+00:00", "Z"),
        "open": str(bar.open),
        "high": str(bar.high),
        "low": str(bar.low),
        "close": str(bar.close),
        "volume": str(bar.volume),
    }


class StoredBars:
    """A bar source over minutes kept in a list (what the bar store holds), aggregated on reading."""

    def __init__(self) -> None:
        self.minutes: list[Bar] = []

    def add(self, bar: Bar) -> None:
        self.minutes.append(bar)

    async def recent_bars(self, symbol: str, timeframe: TimeFrame, before: datetime, count: int) -> list[Bar]:
        mine = sorted((bar for bar in self.minutes if bar.symbol == symbol), key=lambda bar: bar.timestamp)
        bars = [bar for bar in aggregate(mine, timeframe) if timeframe.next_start(bar.timestamp) <= before]
        return bars[-count:] if count > 0 else []
