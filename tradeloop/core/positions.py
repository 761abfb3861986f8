"""Positions: quantity and cost basis per symbol, and realized P&L on sales."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeloop.core.money import ZERO, cents


@dataclass(slots=True, kw_only=True)
class Position:
    """A long holding; cost_basis is the exact cash paid for the shares still held."""

    symbol: str
    qty: Decimal = ZERO
    cost_basis: Decimal = ZERO
    reserved_qty: Decimal = ZERO
    """Shares held for open sell orders."""

    @property
    def qty_available(self) -> Decimal:
        return self.qty - self.reserved_qty

    @property
    def avg_entry_price(self) -> Decimal:
        return self.cost_basis / self.qty if self.qty else ZERO

    def buy(self, qty: Decimal, cash: Decimal) -> None:
        """Add shares bought for `cash`."""
        self.qty += qty
        self.cost_basis += cash

    def sell(self, qty: Decimal, cash: Decimal) -> Decimal:
        """Remove sold shares at average cost and return the realized P&L.

        The cost removed is rounded to the cent and subtracted exactly, so
        cost removed plus cost remaining always equals cost paid.
        """
        removed = self.cost_basis if qty == self.qty else cents(self.cost_basis * qty / self.qty)
        self.qty -= qty
        self.cost_basis -= removed
        return cash - removed

    def market_value(self, price: Decimal) -> Decimal:
        return cents(self.qty * price)
