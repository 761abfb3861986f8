"""Backfill: days of one-minute bars generated from the seed, so history exists on first start.

Generating the bars tick by tick would take minutes; instead one cheap step
per minute walks the price in integer ticks (a cent, or 1/100 cent below $1),
and rows go straight into the store in one transaction, off the event loop.
The same seed, symbols and end give the same bars. Only an empty store is
filled; the live walk then continues from each symbol's last stored close.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from tradeloop.core.bars import BarRow, epoch_seconds, minute_start
from tradeloop.core.instruments import Asset
from tradeloop.market.randomwalk import ANNUAL_VOLATILITY, PRICE_CEILING, PRICE_FLOOR, symbol_seed

MINUTES_PER_DAY: Final = 1_440
_SALT: Final = 0x6261_7273  # keeps the backfill's random stream apart from the live walk's
_MINUTE_SIGMA: Final = ANNUAL_VOLATILITY / math.sqrt(252 * 6.5 * 60)
_UNITS: Final = 10_000
"""Prices are walked in integer units of 1/100 cent."""
_CENT_UNITS: Final = 100
_FLOOR_UNITS: Final = int(PRICE_FLOOR * _UNITS)
_CEILING: Final = float(PRICE_CEILING)
_FLOOR: Final = float(PRICE_FLOOR)


@dataclass(frozen=True, slots=True, kw_only=True)
class Backfill:
    """What to generate: `days` of minutes before `end` for each asset, walked from its reference price."""

    assets: Sequence[Asset]
    seed: int
    days: int
    end: datetime

    @property
    def first_minute(self) -> datetime:
        return minute_start(self.end) - timedelta(days=self.days)

    @property
    def minutes(self) -> int:
        return self.days * MINUTES_PER_DAY

    def batches(self) -> Iterator[Iterator[BarRow]]:
        """One lazy stream of rows per asset, oldest minute first."""
        first_s = epoch_seconds(self.first_minute)
        for asset in self.assets:
            yield minute_rows(asset.symbol, asset.reference_price, self.seed, first_s, self.minutes)


def _price_text(units: int) -> str:
    if units >= _UNITS:
        cents = units // _CENT_UNITS
        return f"{cents // 100}.{cents % 100:02d}"
    return f"0.{units:04d}"


def _on_tick(price: float) -> int:
    """A price in units, on its tick: whole cents from $1 up."""
    if price >= 1.0:
        return round(price * 100) * _CENT_UNITS
    return max(round(price * _UNITS), _FLOOR_UNITS)


def minute_rows(symbol: str, start_price: Decimal, seed: int, first_s: int, minutes: int) -> Iterator[BarRow]:
    """Bars of consecutive minutes from first_s: each opens at the last close; deterministic for the seed."""
    # Written for speed (about a million rows at start-up): locals, no helper calls in the common path.
    rng = random.Random(symbol_seed(symbol, seed) ^ _SALT)
    uniform = rng.random
    exp = math.exp
    scale = 2.0 * _MINUTE_SIGMA  # a sum of three uniforms less 1.5 has a standard deviation of 1/2
    reach_units = _MINUTE_SIGMA * _UNITS
    mid = min(max(float(start_price), _FLOOR), _CEILING)
    close = _on_tick(mid)
    texts: dict[int, str] = {}
    close_text = texts[close] = _price_text(close)
    start_s = first_s
    for _ in range(minutes):
        open_, open_text = close, close_text
        mid *= exp((uniform() + uniform() + uniform() - 1.5) * scale)
        if mid < _FLOOR:
            mid = _FLOOR
        elif mid > _CEILING:
            mid = _CEILING
        close = round(mid * 100) * _CENT_UNITS if mid >= 1.0 else max(round(mid * _UNITS), _FLOOR_UNITS)
        top, bottom = (open_, close) if open_ > close else (close, open_)
        tick = _CENT_UNITS if bottom >= _UNITS else 1
        reach = reach_units * mid / tick
        high = top + int(uniform() * reach) * tick
        low = bottom - int(uniform() * reach) * tick
        if low < _FLOOR_UNITS:
            low = _FLOOR_UNITS
        trades = 60 + int(uniform() * 300)
        volume = trades * (50 + int(uniform() * 400))
        notional = (low + int(uniform() * ((high - low) // tick + 1)) * tick) * volume  # at a vwap on tick
        close_text = texts.get(close) or texts.setdefault(close, _price_text(close))
        high_text = texts.get(high) or texts.setdefault(high, _price_text(high))
        low_text = texts.get(low) or texts.setdefault(low, _price_text(low))
        notional_text = f"{notional // _UNITS}.{notional % _UNITS:04d}"
        yield (symbol, start_s, open_text, high_text, low_text, close_text, str(volume), trades, notional_text)
        start_s += 60
