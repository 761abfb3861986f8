"""Trailing stops in the book: marks that follow the price, and the stop levels they carry along."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from tradeloop.core.events import OrderEvent, OrderHwmMoved
from tradeloop.core.ladders import Ladder
from tradeloop.core.working import WorkingOrder


def follow_price(
    marks: Ladder,
    levels: Ladder,
    price: Decimal,
    rises: bool,
    orders: dict[UUID, WorkingOrder],
    now: datetime,
    events: list[OrderEvent],
) -> bool:
    """Move every mark the price went past up (`rises`: a sell's high-water mark) or down (a buy's low-water mark).

    Each moved order is keyed again at its new mark and stop level, and the account told
    where it stands. True when any mark moved, so the caller may compact its indexes.
    """
    moved: list[WorkingOrder] = []
    while (entry := marks.top(orders)) is not None:
        mark, order = entry
        if (price <= mark) if rises else (price >= mark):
            break
        marks.pop()
        order.hwm = price
        moved.append(order)
    for order in moved:
        order.version += 1
        level = order.trail_level()
        assert level is not None
        levels.push(order, level)
        marks.push(order, price)
        events.append(hwm_moved(order, price, level, now))
    return bool(moved)


def hwm_moved(order: WorkingOrder, hwm: Decimal, level: Decimal, now: datetime) -> OrderHwmMoved:
    """The event that tells the account a trailing stop's mark, and so its stop level, moved."""
    return OrderHwmMoved(
        account_id=order.terms.account_id, order_id=order.terms.id, hwm=hwm, stop_price=level, timestamp=now
    )
