"""Builders for backtest tests: a small strategy, a scripted price path as one-minute bars, a run's spec."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from tradeloop.backtest.spec import Commission, Fill, RunSpec
from tradeloop.core.bars import Bar, BarRow
from tradeloop.core.instruments import UNIVERSE
from tradeloop.snapshots.bars import bar_row
from tradeloop.strategy.definition import canonical_json, parse_definition

START: Final = datetime(2025, 3, 3, 14, 30, tzinfo=timezone.utc)
STRATEGY_ID: Final = UUID("0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e70")


def definition(fast: int = 3, slow: int = 8, **overrides: Any) -> dict[str, Any]:
    """An SMA crossover on one-minute bars: buy 10 shares on a cross above, sell on a cross below."""
    body: dict[str, Any] = {
        "name": "sma cross",
        "symbols": ["AAPL"],
        "timeframe": "1Min",
        "indicators": {
            "fast": {"type": "sma", "period": fast, "source": "close"},
            "slow": {"type": "sma", "period": slow, "source": "close"},
        },
        "entry": {"side": "buy", "when": {"all": [{"op": "cross_above", "left": "fast", "right": "slow"}]}},
        "exit": {"when": {"any": [{"op": "cross_below", "left": "fast", "right": "slow"}]}},
        "sizing": {"type": "qty", "value": "10"},
        "orders": {"type": "market", "time_in_force": "day"},
    }
    body.update(overrides)
    return body


def price_path(count: int, *, base: float = 100.0, symbol: str = "AAPL", start: datetime = START) -> list[Bar]:
    """`count` one-minute bars of a wave with a drift: crosses both ways, every few dozen minutes."""
    bars = []
    previous = Decimal(str(base))
    for minute in range(count):
        level = base + 4 * math.sin(minute / 9) + 1.5 * math.sin(minute / 2.3) + minute * 0.01
        close = Decimal(str(round(level, 2)))
        high = max(previous, close) + Decimal("0.15")
        low = min(previous, close) - Decimal("0.12")
        bars.append(Bar(
            symbol=symbol, timestamp=start + timedelta(minutes=minute), open=previous, high=high, low=low,
            close=close, volume=Decimal(1000 + minute % 7), trade_count=10, notional=close * (1000 + minute % 7),
        ))
        previous = close
    return bars


def rows(bars: list[Bar]) -> tuple[BarRow, ...]:
    return tuple(bar_row(bar) for bar in bars)


def run_spec(bars: list[Bar], **overrides: Any) -> RunSpec:
    """A run of the SMA crossover over `bars`, trading from their first minute, on 100,000 of cash."""
    text = canonical_json(parse_definition(overrides.pop("definition", definition())))
    values: dict[str, Any] = {
        "strategy_id": STRATEGY_ID, "version": 1, "name": "sma cross", "definition": text,
        "symbols": ("AAPL",), "assets": tuple(a for a in UNIVERSE if a.symbol == "AAPL"),
        "start": bars[0].timestamp, "end": bars[-1].timestamp + timedelta(minutes=1),
        "initial_cash": Decimal("100000"), "fill": Fill.NEXT_BAR_OPEN, "slippage_bps": Decimal(0),
        "commission": Commission(), "bars": rows(bars),
    }
    values.update(overrides)
    return RunSpec(**values)
