"""The order book's indexes: price ladders (heaps with lazy removal), the liquidity a quote offers, and the quiet band."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final
from uuid import UUID

from tradeloop.core.working import WorkingOrder


@dataclass(slots=True)
class Ladder:
    """A heap of orders by price; `sign` -1 makes it a max-heap."""

    sign: int
    entries: list[tuple[Decimal, int, int, UUID]] = field(default_factory=list)

    def push(self, order: WorkingOrder, price: Decimal) -> None:
        heapq.heappush(self.entries, (price * self.sign, order.seq, order.version, order.terms.id))

    def top(self, orders: dict[UUID, WorkingOrder]) -> tuple[Decimal, WorkingOrder] | None:
        """The best live entry, dropping dead ones on the way."""
        entries = self.entries
        while entries:
            key, _, version, order_id = entries[0]
            order = orders.get(order_id)
            if order is not None and order.version == version:
                return key * self.sign, order
            heapq.heappop(entries)
        return None

    def pop(self) -> None:
        heapq.heappop(self.entries)

    def compact(self, orders: dict[UUID, WorkingOrder]) -> None:
        live = [e for e in self.entries if (o := orders.get(e[3])) is not None and o.version == e[2]]
        heapq.heapify(live)
        self.entries = live


@dataclass(slots=True)
class Liquidity:
    """What the current quote (or, without one, the last trade) still offers."""

    price: Decimal | None = None
    size: Decimal | None = None


BELOW_ALL: Final = Decimal("-Infinity")
ABOVE_ALL: Final = Decimal("Infinity")


@dataclass(frozen=True, slots=True)
class QuietBand:
    """Prices inside which a tick can neither trigger, move a mark, nor fill anything.

    Buyers see `buy` prices (ask, or trade), sellers `sell` prices (bid, or trade).
    """

    buy_above: Decimal
    """The best buy limit: a buy price at or below it fills."""
    buy_at_least: Decimal
    """The highest buy trailing mark (low-water): a buy price below it moves the mark."""
    buy_below: Decimal
    """The lowest buy stop or trailing level: a buy price at or above it triggers."""
    sell_above: Decimal
    """The highest sell stop or trailing level: a sell price at or below it triggers."""
    sell_below: Decimal
    """The best sell limit: a sell price at or above it fills."""
    sell_at_most: Decimal
    """The lowest sell trailing mark (high-water): a sell price above it moves the mark."""

    def holds(self, buy_px: Decimal, sell_px: Decimal) -> bool:
        return (
            self.buy_above < buy_px < self.buy_below
            and buy_px >= self.buy_at_least
            and self.sell_above < sell_px < self.sell_below
            and sell_px <= self.sell_at_most
        )
