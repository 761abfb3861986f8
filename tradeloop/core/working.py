"""Working orders: the market's view of an open order while it waits to fill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from enum import IntEnum
from uuid import UUID

from tradeloop.core.money import HUNDRED, ZERO, cents, quantize_price, quantize_qty_down
from tradeloop.core.orders import Order, OrderSide, OrderType, TimeInForce

_new = object.__new__


class Stage(IntEnum):
    """Where a working order sits in the book."""

    TRIGGER = 0
    LIMIT = 1
    MARKET = 2


@dataclass(slots=True, kw_only=True)
class WorkingOrder:
    """An open order as the book matches it; `budget` caps what it may still take.

    For a buy the budget is cash, for a sell it is shares: a fill never spends
    more than the account set aside for the order.
    """

    id: UUID
    account_id: UUID
    side: OrderSide
    type: OrderType
    time_in_force: TimeInForce
    qty: Decimal | None
    notional: Decimal | None
    limit_price: Decimal | None
    stop_price: Decimal | None
    trail_price: Decimal | None
    trail_percent: Decimal | None
    hwm: Decimal | None
    whole_shares: bool
    budget: Decimal
    filled_qty: Decimal
    filled_value: Decimal
    fill_count: int
    expires_at: datetime | None
    stage: Stage = Stage.TRIGGER
    version: int = 0
    seq: int = 0

    @classmethod
    def from_order(cls, order: Order) -> WorkingOrder:
        """Build the market's view of an account's open order.

        Filled in slot by slot, once per order (see `order_from_terms`).
        """
        kind = order.type
        if not (order.triggered or kind in (OrderType.MARKET, OrderType.LIMIT)):
            stage = Stage.TRIGGER
        elif kind in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            stage = Stage.LIMIT
        else:
            stage = Stage.MARKET
        qty = order.qty
        working: WorkingOrder = _new(cls)
        working.id = order.id
        working.account_id = order.account_id
        working.side = order.side
        working.type = kind
        working.time_in_force = order.time_in_force
        working.qty = qty
        working.notional = order.notional
        working.limit_price = order.limit_price
        working.stop_price = order.stop_price
        working.trail_price = order.trail_price
        working.trail_percent = order.trail_percent
        working.hwm = order.hwm
        working.whole_shares = qty is not None and qty == qty.to_integral_value()
        working.budget = order.reserved_cash if order.side is OrderSide.BUY else order.reserved_qty
        working.filled_qty = order.filled_qty
        working.filled_value = order.filled_value
        working.fill_count = order.fill_count
        working.expires_at = order.expires_at
        working.stage = stage
        working.version = 0
        working.seq = 0
        return working

    def wanted_qty(self, price: Decimal) -> Decimal:
        """Shares the order still wants at `price` before liquidity and budget."""
        if self.qty is not None:
            return self.qty - self.filled_qty
        assert self.notional is not None
        left = self.notional - self.filled_value
        return quantize_qty_down(left / price) if left > ZERO else ZERO

    def fillable_qty(self, price: Decimal, liquidity: Decimal | None) -> Decimal:
        """Shares that may fill now: wanted, within liquidity, budget and share rounding."""
        qty = self.wanted_qty(price)
        if liquidity is not None:
            qty = min(qty, liquidity)
        if self.side is OrderSide.BUY:
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
        self.budget -= cash if self.side is OrderSide.BUY else qty

    def is_done(self, price: Decimal) -> bool:
        """True when nothing more is wanted (a notional order's dust counts as done)."""
        return self.wanted_qty(price) <= ZERO

    def trail_level(self) -> Decimal | None:
        """The trailing stop's current trigger price from its high-water mark."""
        return trail_level(self.side, self.hwm, self.trail_price, self.trail_percent)


def trail_level(
    side: OrderSide, hwm: Decimal | None, trail_price: Decimal | None, trail_percent: Decimal | None
) -> Decimal | None:
    """A trailing stop's trigger price: the mark less the trail for a sell, plus it for a buy."""
    if hwm is None:
        return None
    offset = trail_price if trail_price is not None else hwm * (trail_percent or ZERO) / HUNDRED
    level = hwm - offset if side is OrderSide.SELL else hwm + offset
    return quantize_price(max(level, ZERO))
