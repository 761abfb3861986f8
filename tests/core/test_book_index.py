"""The order book's indexes: removal, lazy deletion, compaction, and a tick's cost against the resting orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from tests.core.factories import ACCOUNT_ID, T0, at, book_with, fills, limit, make_working, quote, trade, trailing
from tradeloop.core.book import OrderBook
from tradeloop.core.events import OrderExpired
from tradeloop.core.orders import OrderSide, OrderType
from tradeloop.core.working import Stage, WorkingOrder


def test_removed_order_never_fills() -> None:
    book = book_with(quote("10", "11"))
    order = limit(OrderSide.BUY, "10.50")
    book.add(order, T0)
    assert book.remove(order.terms.id) is order
    assert book.remove(order.terms.id) is None
    assert book.on_tick(quote("9", "10", when=at(1))) == []


def test_remove_unknown_order_returns_none() -> None:
    assert OrderBook("AAPL").remove(uuid4()) is None


def test_many_cancels_are_compacted_away() -> None:
    book = book_with(quote("10", "11"))
    orders = [limit(OrderSide.BUY, f"{5 + i % 500 / 100:.2f}", expires_at=T0 + timedelta(days=1)) for i in range(6000)]
    for order in orders:
        book.add(order, T0)
    for order in orders[10:]:
        book.remove(order.terms.id)
    assert len(book) == 10
    assert book.index_entries() < 2000
    events = book.on_tick(quote("4", "4.5", when=at(1)))
    assert {f.order_id for f in fills(events)} == {o.terms.id for o in orders[:10]}


@pytest.mark.parametrize(
    ("order", "entries"),
    [
        (lambda: limit(OrderSide.BUY, "9", expires_at=T0 + timedelta(days=1)), 2),  # its price and its expiry
        (lambda: limit(OrderSide.SELL, "12"), 1),
        (lambda: make_working(type=OrderType.STOP, stage=Stage.TRIGGER, stop_price="12"), 1),
        (lambda: make_working(side=OrderSide.SELL, type=OrderType.STOP, stage=Stage.TRIGGER, stop_price="9"), 1),
        (lambda: trailing(OrderSide.SELL, trail_price="1", hwm="10"), 2),  # its level and its mark
        (lambda: trailing(OrderSide.BUY, trail_price="1", hwm="11"), 2),
        (lambda: make_working(qty="1"), 1),  # waits in the queue: no size on the ask
        (lambda: make_working(side=OrderSide.SELL, qty="1"), 1),
    ],
)
def test_index_entries_counts_every_index_an_order_rests_in(order: Callable[[], WorkingOrder], entries: int) -> None:
    book = book_with(quote("10", "11", size="0"))
    book.add(order(), T0)
    assert len(book) == 1 and book.index_entries() == entries


def test_a_day_order_that_fills_at_once_leaves_no_expiry_entry_behind() -> None:
    book = book_with(quote("10", "11"))
    end = T0 + timedelta(days=1)
    filled = book.add(limit(OrderSide.BUY, "11", expires_at=end), T0)
    assert fills(filled) and book.index_entries() == 0
    resting = limit(OrderSide.BUY, "10.50", expires_at=end)
    book.add(resting, T0)
    assert book.index_entries() == 2  # its price and its expiry
    assert book.expire(end) == [OrderExpired(account_id=ACCOUNT_ID, order_id=resting.terms.id, timestamp=end)]


def test_trailing_marks_moving_for_long_do_not_pile_up_entries() -> None:
    book = book_with(trade("100"))
    for _ in range(50):
        book.add(trailing(OrderSide.SELL, trail_price="5", hwm="100"), T0)
    for step in range(1, 400):
        book.on_tick(trade(str(100 + step), when=at(step)))
    assert book.index_entries() < 2000


class _CountingOrders(dict[UUID, WorkingOrder]):
    """The book's order index, counting how often the book looks an order up."""

    lookups = 0

    def get(self, key: UUID, default: Any = None) -> Any:
        type(self).lookups += 1
        return super().get(key, default)


def test_a_tick_costs_log_n_plus_fills_not_the_number_of_resting_orders() -> None:
    book = book_with(quote("10", "11", size="0"))
    for i in range(3000):
        book.add(limit(OrderSide.BUY, "9.00"), T0)
        book.add(limit(OrderSide.SELL, "12.00"), T0)
        book.add(make_working(type=OrderType.STOP, stop_price="20"), T0)
        book.add(make_working(qty="1"), T0)  # market buys waiting for liquidity
    book.orders = _CountingOrders(book.orders)
    _CountingOrders.lookups = 0
    for step in range(1, 101):
        book.on_tick(quote("10", "11", ask_size="1", bid_size="0", when=at(step)))
    assert len(book) == 4 * 3000 - 100
    assert _CountingOrders.lookups < 100 * 20
