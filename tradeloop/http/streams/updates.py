"""Trade updates: Alpaca's `trade_updates` messages, built from an account's committed events.

Events map to Alpaca's event names: an accepted order is `new`; a fill is
`fill` or `partial_fill`; `canceled`, `expired`; a replacement is `replaced`
(carrying the old order, as Alpaca does) followed by `new` for the order that
replaces it. A stop's trigger and a trailing stop's high-water mark moving
produce no message, as on Alpaca. Other account events are not trade updates.

Listeners are told of a write once it is committed, with the order records
and positions as that write left them (never a later write's, which may not
commit). One write can hold several events of one order, so each message shows
the order as of its event: a new order is built from its acceptance, an order an
event ends can change no more, and a partial fill that a later fill of the same
write has overtaken shows its own filled quantity and status (with the write's
average price). `position_qty` is the position after the write.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal

from tradeloop.actors.account import Committed
from tradeloop.codec import rfc3339
from tradeloop.core.accounts import order_from_acceptance
from tradeloop.core.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderReplaced,
)
from tradeloop.core.exits import start_exit
from tradeloop.core.money import ZERO, fmt, fmt_qty
from tradeloop.core.orders import Order, OrderStatus, is_linked_exit
from tradeloop.http.streams.frames import JsonDict, Message
from tradeloop.http.wire import order_json

TRADE_UPDATES = "trade_updates"


def trade_updates(committed: Committed) -> Iterator[Message]:
    """The trade update messages of a committed write's events, in order."""
    orders = committed.orders
    for event in committed.events:
        match event:
            case OrderAccepted(terms=terms):
                yield _update("new", _accepted(event), terms.created_at)
            case OrderFilled():
                yield _fill(committed.positions, orders[event.order_id].copy(), event)
            case OrderCanceled():
                yield _update("canceled", orders[event.order_id].copy(), event.timestamp)
            case OrderExpired():
                yield _update("expired", orders[event.order_id].copy(), event.timestamp)
            case OrderReplaced():
                yield _update("replaced", orders[event.order_id].copy(), event.timestamp)
                yield _update("new", order_from_acceptance(event.replacement), event.timestamp)
            case _:
                pass


def _accepted(event: OrderAccepted) -> Order:
    """A new order as it was accepted: a bracket's or OTO's exits start `held`."""
    order = order_from_acceptance(event)
    if is_linked_exit(order.terms):
        start_exit(order)
    return order


def _fill(positions: Mapping[str, Decimal], order: Order, fill: OrderFilled) -> Message:
    if order.filled_qty != fill.cum_qty and fill.cum_qty:
        average = order.filled_avg_price or fill.price
        order.filled_qty = fill.cum_qty
        order.filled_value = average * fill.cum_qty
        order.status = OrderStatus.FILLED if fill.order_done else OrderStatus.PARTIALLY_FILLED
        order.filled_at = fill.timestamp
        order.updated_at = fill.timestamp
    return _update(
        "fill" if fill.order_done else "partial_fill",
        order,
        fill.timestamp,
        execution_id=str(fill.fill_id),
        price=fmt(fill.price),
        qty=fmt_qty(fill.qty),
        position_qty=fmt_qty(positions.get(fill.symbol, ZERO)),
    )


def _update(event: str, order: Order, timestamp: datetime, **extra: str) -> Message:
    data: JsonDict = {"event": event, "timestamp": rfc3339(timestamp), "order": order_json(order), **extra}
    return Message({"stream": TRADE_UPDATES, "data": data})
