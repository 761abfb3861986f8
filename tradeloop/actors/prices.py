"""The price board: the latest quote and trade of every symbol.

Written by each symbol's market actor alone (its quotes and trades) and by the engine's
`close_session` (previous closes); read by account actors, the engine and routes. How old
a price may be is fixed when the engine builds the board.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradeloop.core.marketdata import Quote, Trade


@dataclass(slots=True)
class Top:
    """What is known now about one symbol."""

    quote: Quote | None = None
    trade: Trade | None = None
    previous_close: Decimal | None = None


class PriceBoard:
    """Read by anyone; written by each symbol's market actor (quote, trade) and the engine's session close."""

    def __init__(self, *, stale_after_s: float | None = None) -> None:
        self._tops: dict[str, Top] = {}
        self._stale_after_s = stale_after_s

    @property
    def stale_after_s(self) -> float | None:
        """Prices older than this are stale; None (simulated and manual markets) means never."""
        return self._stale_after_s

    def top(self, symbol: str) -> Top:
        found = self._tops.get(symbol)
        if found is None:
            found = self._tops[symbol] = Top()
        return found

    def last_price(self, symbol: str) -> Decimal | None:
        """The last trade, else the quote's midpoint, else None."""
        top = self._tops.get(symbol)
        if top is None:
            return None
        if top.trade is not None:
            return top.trade.price
        if top.quote is not None:
            return (top.quote.bid + top.quote.ask) / 2
        return None

    def buy_price(self, symbol: str) -> Decimal | None:
        top = self._tops.get(symbol)
        if top is not None and top.quote is not None:
            return top.quote.ask
        return self.last_price(symbol)

    def sell_price(self, symbol: str) -> Decimal | None:
        top = self._tops.get(symbol)
        if top is not None and top.quote is not None:
            return top.quote.bid
        return self.last_price(symbol)

    def age_s(self, symbol: str, now: datetime) -> float | None:
        """Seconds since the symbol's newest quote or trade; None before the first."""
        top = self._tops.get(symbol)
        stamps = [] if top is None else [tick.timestamp for tick in (top.quote, top.trade) if tick is not None]
        return (now - max(stamps)).total_seconds() if stamps else None

    def is_stale(self, symbol: str, now: datetime) -> bool:
        """Whether the symbol's price is too old (or missing) to fill at; always False without stale_after_s."""
        stale_after_s = self._stale_after_s
        if stale_after_s is None:
            return False
        age_s = self.age_s(symbol, now)
        return age_s is None or age_s > stale_after_s

    def close_session(self) -> None:
        """Remember each symbol's last price as the previous close."""
        for symbol, top in self._tops.items():
            top.previous_close = self.last_price(symbol)
