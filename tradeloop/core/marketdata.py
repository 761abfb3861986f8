"""Market data as the core sees it: quotes and trades, and halts of trading in a symbol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    """Best bid and offer; a size of None means unlimited liquidity."""

    symbol: str
    bid: Decimal
    ask: Decimal
    bid_size: Decimal | None
    ask_size: Decimal | None
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Trade:
    """A print on the tape; a size of None means unlimited liquidity."""

    symbol: str
    price: Decimal
    size: Decimal | None
    timestamp: datetime
    trade_id: int = 0


Tick = Quote | Trade


@dataclass(frozen=True, slots=True, kw_only=True)
class HaltChanged:
    """Trading in a symbol was halted or resumed (by an administrator)."""

    symbol: str
    halted: bool
    timestamp: datetime
