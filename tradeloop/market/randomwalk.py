"""A seeded, deterministic random walk of trades and quotes for one symbol."""

from __future__ import annotations

import math
import random
import zlib
from datetime import datetime
from decimal import Decimal
from typing import Final

from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.money import ONE, price_tick, quantize_price

ANNUAL_VOLATILITY: Final = 0.30
TRADING_SECONDS_PER_YEAR: Final = 252 * 6.5 * 3600
DEFAULT_STEPS_PER_SEC: Final = Decimal(4)
PRICE_FLOOR: Final = Decimal("0.02")
"""The walk never goes below this, so every bid, trade and ask stays above a cent."""
PRICE_CEILING: Final = Decimal(1_000_000)
"""Nor above this, so Decimal arithmetic stays exact at any volatility."""

_MID_STEP: Final = Decimal("1e-10")
_MAX_LOG_RETURN: Final = 1.0
_MAX_SPREAD_TICKS: Final = 3
_LOT: Final = 100
_MAX_LOTS: Final = 10
_MAX_TRADE_SIZE: Final = 500


def symbol_seed(symbol: str, seed: int) -> int:
    """Mix a symbol into a seed the same way in every process (unlike hash())."""
    return seed ^ zlib.crc32(symbol.encode("utf-8"))


def step_volatility(steps_per_sec: Decimal) -> float:
    """Standard deviation of one step's log-return for the annual volatility."""
    return ANNUAL_VOLATILITY / math.sqrt(TRADING_SECONDS_PER_YEAR * float(steps_per_sec))


def _on_tick(price: Decimal) -> Decimal:
    """Quantize to the tick; twice, so 0.99996 ends as 1.00 rather than 1.0000."""
    return quantize_price(quantize_price(price))


def _clamp(price: Decimal) -> Decimal:
    return min(max(price, PRICE_FLOOR), PRICE_CEILING)


class RandomWalk:
    """Geometric random walk of one symbol's price, emitting a trade and a quote per step."""

    def __init__(
        self,
        symbol: str,
        start_price: Decimal,
        seed: int,
        *,
        steps_per_sec: Decimal = DEFAULT_STEPS_PER_SEC,
    ) -> None:
        """Start the walk at start_price.

        Raises:
            ValueError: if start_price or steps_per_sec is not positive.
        """
        if not start_price.is_finite() or start_price <= 0:
            raise ValueError(f"start_price must be positive, got {start_price}")
        if not steps_per_sec.is_finite() or steps_per_sec <= 0:
            raise ValueError(f"steps_per_sec must be positive, got {steps_per_sec}")
        self.symbol: Final = symbol
        self._rng = random.Random(symbol_seed(symbol, seed))
        self._sigma = step_volatility(steps_per_sec)
        # The unrounded mid keeps sub-tick moves, which rounding each step would erase.
        self._mid = _clamp(start_price)
        self._last_price = _on_tick(self._mid)
        self._trade_id = 0

    @property
    def price(self) -> Decimal:
        """The price of the last trade (the start price, on tick, before any step)."""
        return self._last_price

    def step(self, now: datetime) -> tuple[Trade, Quote]:
        """Move the price one step and return the trade and the quote around it.

        Raises:
            ValueError: if now is a naive datetime.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        rng = self._rng
        log_return = min(max(rng.gauss(0.0, self._sigma), -_MAX_LOG_RETURN), _MAX_LOG_RETURN)
        factor = Decimal(repr(math.exp(log_return)))
        self._mid = _clamp((self._mid * factor).quantize(_MID_STEP))
        price = _on_tick(self._mid)
        tick = price_tick(price)
        spread_ticks = rng.randint(1, _MAX_SPREAD_TICKS) if price >= ONE else 1
        below = rng.randint(0, spread_ticks)
        bid = _on_tick(price - below * tick)
        ask = _on_tick(bid + spread_ticks * tick)
        self._trade_id += 1
        self._last_price = price
        trade = Trade(
            symbol=self.symbol,
            price=price,
            size=Decimal(rng.randint(1, _MAX_TRADE_SIZE)),
            timestamp=now,
            trade_id=self._trade_id,
        )
        quote = Quote(
            symbol=self.symbol,
            bid=bid,
            ask=ask,
            bid_size=Decimal(rng.randint(1, _MAX_LOTS) * _LOT),
            ask_size=Decimal(rng.randint(1, _MAX_LOTS) * _LOT),
            timestamp=now,
        )
        return trade, quote
