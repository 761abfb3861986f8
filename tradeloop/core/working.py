"""Working orders: the market's view of an open order while it waits to fill."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import IntEnum

from tradeloop.core.money import ZERO, cents, quantize_qty_down
from tradeloop.core.orders import Order, OrderSide, OrderTerms, OrderType, trail_level

_new = object.__new__


class Stage(IntEnum):
    """Where a working order sits in the book."""

    TRIGGER = 0
    LIMIT = 1
    MARKET = 2


@dataclass(slots=True, kw_only=True)
class WorkingOrder:
    """An open order as the book matches it: the account's terms, shared, and what matching moves.

    `budget` caps what it may still take: for a buy it is cash, for a sell it is
    shares, so a fill never spends more than the account set aside for the order.
    """

    terms: OrderTerms
    hwm: Decimal | None
    """A trailing stop's mark, moved by the book as prices move."""
    whole_shares: bool
    """Fills in whole shares only (a whole qty); derived from the terms once, since every fill asks."""
    budget: Decimal
    filled_qty: Decimal
    filled_value: Decimal
    fill_count: int
    stage: Stage = Stage.TRIGGER
    version: int = 0
    seq: int = 0

    @classmethod
    def from_order(cls, order: Order) -> WorkingOrder:
        """Build the market's view of an account's open order, sharing its terms.

        Filled in slot by slot, once per order: `WorkingOrder(...)` with keywords costs more.
        """
        terms = order.terms
        kind = terms.type
        if not (order.triggered or kind in (OrderType.MARKET, OrderType.LIMIT)):
            stage = Stage.TRIGGER
        elif kind in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            stage = Stage.LIMIT
        else:
            stage = Stage.MARKET
        qty = terms.qty
        working: WorkingOrder = _new(cls)
        working.terms = terms
        working.hwm = order.hwm
        working.whole_shares = qty is not None and qty == qty.to_integral_value()
        working.budget = order.reserved_cash if terms.side is OrderSide.BUY else order.reserved_qty
        working.filled_qty = order.filled_qty
        working.filled_value = order.filled_value
        working.fill_count = order.fill_count
        working.stage = stage
        working.version = 0
        working.seq = 0
        return working

    def wanted_qty(self, price: Decimal) -> Decimal:
        """Shares the order still wants at `price` before liquidity and budget."""
        terms = self.terms
        if terms.qty is not None:
            return terms.qty - self.filled_qty
        assert terms.notional is not None
        left = terms.notional - self.filled_value
        return quantize_qty_down(left / price) if left > ZERO else ZERO

    def fillable_qty(self, price: Decimal, liquidity: Decimal | None) -> Decimal:
        """Shares that may fill now: wanted, within liquidity, budget and share rounding."""
        qty = self.wanted_qty(price)
        if liquidity is not None:
            qty = min(qty, liquidity)
        if self.terms.side is OrderSide.BUY:
            if self.fill_cash(qty, price) > self.budget:
                # The running value may reach what was held in all (spent + budget), never more.
                cap = cents(self.filled_value) + self.budget
                qty = quantize_qty_down((cap - self.filled_value) / price)
        else:
            qty = min(qty, self.budget)
        if self.whole_shares:
            qty = qty.to_integral_value(rounding=ROUND_DOWN)
        return max(qty, ZERO)

    def fill_cash(self, qty: Decimal, price: Decimal) -> Decimal:
        """Cash a fill moves: the change in the order's filled value rounded to the cent.

        Rounding the running total rather than each fill keeps an order's fills
        summing to its whole value to the cent, so many small fills never cost
        more than the cash held for the order.
        """
        return cents(self.filled_value + qty * price) - cents(self.filled_value)

    def record_fill(self, qty: Decimal, price: Decimal, cash: Decimal) -> None:
        self.filled_qty += qty
        self.filled_value += qty * price
        self.fill_count += 1
        self.budget -= cash if self.terms.side is OrderSide.BUY else qty

    def is_done(self, price: Decimal) -> bool:
        """True when nothing more is wanted (a notional order's dust counts as done)."""
        return self.wanted_qty(price) <= ZERO

    def trail_level(self) -> Decimal | None:
        """The trailing stop's current trigger price from its high-water mark."""
        terms = self.terms
        return trail_level(terms.side, self.hwm, terms.trail_price, terms.trail_percent)
