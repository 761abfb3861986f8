"""Trade updates: Alpaca's `trade_updates` messages, built from an account's committed events.

Events map to Alpaca's event names: an accepted order is `new`; a fill is
`fill` or `partial_fill`; `canceled`, `expired`; a replacement is `replaced`
(carrying the old order, as Alpaca does) followed by `new` for the order that
replaces it. A stop's trigger and a trailing stop's high-water mark moving
produce no message, as on Alpaca. Other account events are not trade updates.

Listeners are told of events once they are committed, and by then the account
may have applied later ones, so each message shows the order as of its event:
a new order is built from its terms, an order an event ends can change no more,
and a partial fill that a later fill has overtaken shows its own filled
quantity and status (with the order's latest average price). `position_qty` is
the position as the message is built.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from tradeloop.codec import rfc3339
from tradeloop.core.accounts import AccountState, order_from_terms
from tradeloop.core.events import (
    AccountEvent,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderReplaced,
)
from tradeloop.core.money import ZERO, fmt, fmt_qty
from tradeloop.core.orders import Order, OrderStatus
from tradeloop.http.streams.frames import JsonDict, Message
from tradeloop.http.wire import order_json

TRADE_UPDATES = "trade_updates"


def trade_updates(
    state: AccountState, events: Sequence[AccountEvent], orders: Mapping[UUID, Order]
) -> Iterator[Message]:
    """The trade update messages of a batch of committed events, in order; `orders` are the records they changed."""
    for event in events:
        match event:
            case OrderAccepted(terms=terms):
                yield _update("new", order_from_terms(terms), terms.created_at)
            case OrderFilled():
                yield _fill(state, orders[event.order_id].copy(), event)
            case OrderCanceled():
                yield _update("canceled", orders[event.order_id].copy(), event.timestamp)
            case OrderExpired():
                yield _update("expired", orders[event.order_id].copy(), event.timestamp)
            case OrderReplaced():
                yield _update("replaced", orders[event.order_id].copy(), event.timestamp)
                yield _update("new", order_from_terms(event.replacement), event.timestamp)
            case _:
                pass


def _fill(state: AccountState, order: Order, fill: OrderFilled) -> Message:
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
        position_qty=fmt_qty(_position_qty(state, fill.symbol)),
    )


def _update(event: str, order: Order, timestamp: datetime, **extra: str) -> Message:
    data: JsonDict = {"event": event, "timestamp": rfc3339(timestamp), "order": order_json(order), **extra}
    return Message({"stream": TRADE_UPDATES, "data": data})


def _position_qty(state: AccountState, symbol: str) -> Decimal:
    position = state.positions.get(symbol)
    return position.qty if position is not None else ZERO
