"""Working orders: the market's view of an open order while it waits to fill."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from enum import IntEnum
from uuid import UUID

from tradeloop.core.money import ZERO, cents, quantize_qty_down
from tradeloop.core.orders import Order, OrderSide, OrderTerms, OrderType, is_linked_exit, trail_level

_new = object.__new__


class Stage(IntEnum):
    """Where a working order sits in the book."""

    TRIGGER = 0
    LIMIT = 1
    MARKET = 2


@dataclass(slots=True, kw_only=True)
class ExitGroup:
    """The exits of one linked group as the book sees them: together they sell at most `size - exited`.

    Shared by the group's exits, so a fill of one shrinks what the others may sell in
    the same step; an entry's fills grow `size`.
    """

    group_id: UUID
    size: Decimal
    """Shares the exits protect: the entry's filled qty (an OCO's qty)."""
    exited: Decimal
    """Shares the exits have sold."""
    entry_open: bool
    """Whether the entry may still fill (and grow `size`)."""
    seeded: bool = True
    """Whether the figures come from an exit's record; a group made by its entry alone is seeded by its first exit."""
    entry: WorkingOrder | None = None
    """The entry while it works in the book."""
    exits: dict[UUID, WorkingOrder] = field(default_factory=dict)
    parked: set[UUID] = field(default_factory=set)
    """Exits resting nowhere while there is nothing to sell (held legs)."""

    @property
    def cap(self) -> Decimal:
        """What the exits may still sell."""
        return self.size - self.exited


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
    group: ExitGroup | None = None
    """An exit's group (None for other orders): it caps what the exit may sell."""

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
        working.group = None
        if is_linked_exit(terms):
            assert terms.group_id is not None
            # The account's figures, which the book adopts unless the group is already there.
            working.group = ExitGroup(
                group_id=terms.group_id, size=order.group_size, exited=order.group_exited, entry_open=order.entry_open
            )
        return working

    def wanted_qty(self, price: Decimal) -> Decimal:
        """Shares the order still wants at `price` before liquidity and budget."""
        if self.group is not None:
            return self.group.cap
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
        elif self.group is None:  # an exit's group caps it instead (`wanted_qty`)
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
        if self.group is not None:
            self.group.exited += qty
        else:
            self.budget -= cash if self.terms.side is OrderSide.BUY else qty

    def is_done(self, price: Decimal) -> bool:
        """True when nothing more is wanted (a notional order's dust counts as done).

        An exit is done once its group has nothing left to sell and its entry can buy no more.
        """
        if self.group is not None:
            return self.group.cap <= ZERO and not self.group.entry_open
        return self.wanted_qty(price) <= ZERO

    @property
    def parked(self) -> bool:
        """An exit resting nowhere while its group has nothing to sell."""
        return self.group is not None and self.terms.id in self.group.parked

    def trail_level(self) -> Decimal | None:
        """The trailing stop's current trigger price from its high-water mark."""
        terms = self.terms
        return trail_level(terms.side, self.hwm, terms.trail_price, terms.trail_percent)
