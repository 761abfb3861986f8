"""Builders for strategy tests: definitions, bars, account views and runs."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from tradeloop.core.bars import Bar
from tradeloop.strategy.definition import StrategyDefinition, parse_definition
from tradeloop.strategy.run import AccountView, StrategyRun

SYMBOL: Final = "AAPL"
STRATEGY_ID: Final = UUID("00000000-0000-4000-8000-00000000a001")
T0: Final = datetime(2024, 6, 3, 14, 30, tzinfo=timezone.utc)

EXAMPLE: Final[dict[str, Any]] = {
    "name": "sma 10/30 with rsi exit",
    "symbols": ["AAPL", "MSFT"],
    "timeframe": "5Min",
    "indicators": {
        "fast": {"type": "sma", "period": 10, "source": "close"},
        "slow": {"type": "sma", "period": 30, "source": "close"},
        "rsi": {"type": "rsi", "period": 14},
    },
    "entry": {"side": "buy", "when": {"all": [{"op": "cross_above", "left": "fast", "right": "slow"}]}},
    "exit": {
        "when": {
            "any": [
                {"op": ">", "left": "rsi", "right": "70"},
                {"op": "cross_below", "left": "fast", "right": "slow"},
            ]
        }
    },
    "sizing": {"type": "percent_equity", "value": "10"},
    "orders": {"type": "market", "time_in_force": "day"},
    "risk": {"stop_loss": {"percent": "2"}, "take_profit": {"percent": "5"}},
    "limits": {"max_open_positions": 2, "cooldown_bars": 3},
}
"""The definition the strategies documentation opens with."""


def example(**changes: Any) -> dict[str, Any]:
    """A deep copy of EXAMPLE with top-level keys replaced (a value of None removes the key)."""
    data = copy.deepcopy(EXAMPLE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def close_above(level: str) -> dict[str, Any]:
    """An entry or exit rule: the close above a constant."""
    return {"when": {"op": ">", "left": "close", "right": level}}


def threshold_definition(**changes: Any) -> StrategyDefinition:
    """A one-minute strategy with no indicators: enters when the close is above 100, exits when above 110."""
    data: dict[str, Any] = {
        "name": "threshold",
        "symbols": [SYMBOL],
        "timeframe": "1Min",
        "entry": close_above("100"),
        "exit": close_above("110"),
        "sizing": {"type": "qty", "value": "10"},
    }
    data.update(changes)
    return parse_definition(data)


def bar(close: str | Decimal, minute: int = 0, *, spread: str = "0.50", volume: str = "100") -> Bar:
    """A one-bar candle around `close`, `minute` minutes after T0."""
    price = Decimal(close)
    half = Decimal(spread)
    return Bar(
        symbol=SYMBOL,
        timestamp=T0 + timedelta(minutes=minute),
        open=price,
        high=price + half,
        low=price - half,
        close=price,
        volume=Decimal(volume),
        trade_count=1,
        notional=price * Decimal(volume),
    )


def bars(closes: Sequence[str], first_minute: int = 0) -> list[Bar]:
    return [bar(close, first_minute + index) for index, close in enumerate(closes)]


def flat(equity: str = "100000", open_positions: int = 0) -> AccountView:
    """An account with no position in the symbol."""
    return AccountView(
        equity=Decimal(equity),
        buying_power=Decimal(equity),
        position_qty=Decimal(0),
        avg_entry_price=Decimal(0),
        last_price=None,
        open_positions=open_positions,
    )


def holding(qty: str, avg_entry_price: str, equity: str = "100000", last_price: str | None = None) -> AccountView:
    """An account holding `qty` shares of the symbol."""
    return AccountView(
        equity=Decimal(equity),
        buying_power=Decimal(equity),
        position_qty=Decimal(qty),
        avg_entry_price=Decimal(avg_entry_price),
        last_price=None if last_price is None else Decimal(last_price),
        open_positions=1,
    )


def make_run(definition: StrategyDefinition, *, version: int = 1) -> StrategyRun:
    return StrategyRun(strategy_id=STRATEGY_ID, version=version, definition=definition, symbol=SYMBOL)
