"""What one backtest run is given: the strategy version, the span, the money, the fill rules and where its bars are.

Everything here is plain frozen data, so a run travels to a worker process by pickle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Final
from uuid import UUID

from tradeloop.core.bars import BarRow
from tradeloop.core.instruments import Asset
from tradeloop.core.money import ZERO

CENT: Final = Decimal("0.01")
BPS: Final = Decimal("10000")


class Fill(StrEnum):
    """When a decision's order reaches the market: at the next bar's open, or at the close of the bar that decided it."""

    NEXT_BAR_OPEN = "next_bar_open"
    BAR_CLOSE = "bar_close"


@dataclass(frozen=True, slots=True, kw_only=True)
class Commission:
    """Fees charged per fill: per share, per order (on its first fill) and a percent of the fill's value."""

    per_share: Decimal = ZERO
    per_order: Decimal = ZERO
    percent: Decimal = ZERO

    def fee(self, qty: Decimal, price: Decimal, *, first_fill: bool) -> Decimal:
        """The fee of one fill, rounded half up to the cent."""
        fee = self.per_share * qty + self.percent / 100 * qty * price
        if first_fill:
            fee += self.per_order
        return fee.quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def charges(self) -> bool:
        return self.per_share > ZERO or self.per_order > ZERO or self.percent > ZERO


@dataclass(frozen=True, slots=True)
class StoredBars:
    """The bar store's database file, read in the worker (a year of minutes never crosses a process boundary)."""

    path: Path


BarInput = StoredBars | tuple[BarRow, ...]
"""Where a run's one-minute bars come from: the store's file, or the rows themselves (an in-memory market)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSpec:
    """One strategy version backtested over one span: everything the worker needs, and nothing it must look up."""

    strategy_id: UUID
    version: int
    name: str
    definition: str
    """The definition's canonical JSON."""
    symbols: tuple[str, ...]
    assets: tuple[Asset, ...]
    start: datetime
    end: datetime
    """Bars starting in [start, end) are traded; bars before start warm the indicators up."""
    initial_cash: Decimal
    fill: Fill = Fill.NEXT_BAR_OPEN
    slippage_bps: Decimal = ZERO
    commission: Commission = field(default_factory=Commission)
    bars: BarInput = ()
    parameters: tuple[tuple[str, object], ...] = ()
    """The sweep's parameters this run's definition was made with (shown in the result)."""


__all__: Sequence[str] = ("BPS", "CENT", "BarInput", "Commission", "Fill", "RunSpec", "StoredBars")
