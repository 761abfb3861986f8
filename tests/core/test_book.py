"""The order book: fill prices, liquidity, triggers, trailing marks, time in force, budgets (indexes and cost: test_book_index)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from tests.core.factories import T0, D, at, book_with, fills, limit, make_working, quote, trade, trailing
from tradeloop.core.book import OrderBook
from tradeloop.core.events import (
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderHwmMoved,
    OrderTriggered,
)
from tradeloop.core.orders import OrderSide, OrderType, TimeInForce


def only(events: Sequence[OrderEvent], kind: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def filled_qty(events: Sequence[OrderEvent], order_id: UUID) -> Decimal:
    return sum((f.qty for f in fills(events, order_id)), D(0))


def spent(events: Sequence[OrderEvent], order_id: UUID) -> Decimal:
    return sum((f.cash for f in fills(events, order_id)), D(0))


# -- market orders -----------------------------------------------------------------


def test_market_buy_fills_at_the_ask() -> None:
    book = book_with(quote("99.98", "100.02"))
    order = make_working(qty="3")
    [fill] = fills(book.add(order, T0))
    assert (fill.price, fill.qty, fill.cash, fill.order_done) == (D("100.02"), D(3), D("300.06"), True)
    assert order.terms.id not in book.orders


def test_market_sell_fills_at_the_bid() -> None:
    book = book_with(quote("99.98", "100.02"))
    [fill] = fills(book.add(make_working(side=OrderSide.SELL, qty="2"), T0))
    assert (fill.price, fill.qty, fill.side) == (D("99.98"), D(2), OrderSide.SELL)


def test_market_order_without_a_quote_fills_at_the_last_trade() -> None:
    book = book_with(trade("50.5"))
    [fill] = fills(book.add(make_working(qty="2"), T0))
    assert fill.price == D("50.5")


def test_market_order_with_no_price_waits_for_the_first_tick() -> None:
    book = OrderBook("AAPL")
    order = make_working(qty="2")
    assert book.add(order, T0) == []
    assert order.terms.id in book.orders
    [fill] = fills(book.on_tick(quote("10", "10.05", when=at(1))))
    assert (fill.price, fill.qty, fill.order_done, fill.timestamp) == (D("10.05"), D(2), True, at(1))


def test_fill_never_takes_more_than_the_quoted_size() -> None:
    book = book_with(quote("10", "11", size="4"))
    order = make_working(qty="10")
    [fill] = fills(book.add(order, T0))
    assert (fill.qty, fill.order_done) == (D(4), False)
    assert order.terms.id in book.orders  # the rest keeps working
    assert fills(book.on_tick(trade("11", "100", when=at(1)))) == []  # a trade does not refresh the quote's size
    [rest] = fills(book.on_tick(quote("10", "11", size="100", when=at(2))))
    assert (rest.qty, rest.order_done) == (D(6), True)


def test_quote_size_is_shared_by_orders_in_time_priority() -> None:
    book = book_with(quote("10", "11", size="5"))
    book.on_tick(quote("10", "11", size="0"))
    first, second = make_working(qty="3"), make_working(qty="3")
    book.add(first, T0)
    book.add(second, T0)
    events = book.on_tick(quote("10", "11", size="5", when=at(1)))
    assert filled_qty(events, first.terms.id) == D(3)
    assert filled_qty(events, second.terms.id) == D(2)


def test_zero_size_quote_fills_nothing() -> None:
    book = book_with(quote("10", "11", size="0"))
    order = make_working(qty="1")
    assert book.add(order, T0) == []
    assert order.terms.id in book.orders


def test_unlimited_size_fills_everything() -> None:
    book = book_with(quote("10", "11"))
    [fill] = fills(book.add(make_working(qty="1000000"), T0))
    assert fill.qty == D(1000000)


def test_whole_share_order_takes_only_whole_shares_of_fractional_liquidity() -> None:
    book = book_with(quote("10", "11", size="2.5"))
    [fill] = fills(book.add(make_working(qty="5"), T0))
    assert fill.qty == D(2)


def test_fractional_order_takes_fractional_liquidity() -> None:
    book = book_with(quote("10", "11", size="0.25"))
    [fill] = fills(book.add(make_working(qty="0.5"), T0))
    assert fill.qty == D("0.25")


# -- limit orders -------------------------------------------------------------------


def test_buy_limit_rests_above_the_ask_and_fills_at_the_ask_once_it_reaches_the_limit() -> None:
    book = book_with(quote("10.00", "10.10"))
    order = limit(OrderSide.BUY, "10.05", "2")
    assert book.add(order, T0) == []
    assert fills(book.on_tick(quote("10.01", "10.06", when=at(1)))) == []
    [fill] = fills(book.on_tick(quote("9.90", "9.95", when=at(2))))
    assert fill.price == D("9.95")  # never worse than the limit, and the ask when better


def test_buy_limit_fills_when_the_ask_equals_the_limit() -> None:
    book = book_with(quote("10.00", "10.05"))
    [fill] = fills(book.add(limit(OrderSide.BUY, "10.05"), T0))
    assert fill.price == D("10.05")


def test_sell_limit_fills_at_the_bid_once_it_reaches_the_limit() -> None:
    book = book_with(quote("9.90", "10.00"))
    order = limit(OrderSide.SELL, "10.05", "2", budget="2")
    assert book.add(order, T0) == []
    [fill] = fills(book.on_tick(quote("10.07", "10.10", when=at(1))))
    assert (fill.price, fill.qty) == (D("10.07"), D(2))


def test_limit_does_not_fill_on_a_trade_through_it_while_the_quote_is_away() -> None:
    book = book_with(quote("10.00", "10.10"))
    order = limit(OrderSide.BUY, "10.05")
    book.add(order, T0)
    assert fills(book.on_tick(trade("10.00", when=at(1)))) == []
    assert order.terms.id in book.orders


def test_limit_fills_against_the_last_trade_without_a_quote() -> None:
    book = book_with(trade("10.10"))
    order = limit(OrderSide.BUY, "10.05")
    book.add(order, T0)
    [fill] = fills(book.on_tick(trade("10.02", "5", when=at(1))))
    assert fill.price == D("10.02")


def test_limits_fill_best_price_first_then_earliest() -> None:
    book = book_with(quote("10.00", "10.50"))
    early_low = limit(OrderSide.BUY, "10.10")
    high = limit(OrderSide.BUY, "10.20")
    late_low = limit(OrderSide.BUY, "10.10")
    for order in (early_low, high, late_low):
        book.add(order, T0)
    events = book.on_tick(quote("10.00", "10.05", ask_size="2", when=at(1)))
    assert [f.order_id for f in fills(events)] == [high.terms.id, early_low.terms.id]
    events = book.on_tick(quote("10.00", "10.05", ask_size="2", when=at(2)))
    assert [f.order_id for f in fills(events)] == [late_low.terms.id]


def test_sell_limits_fill_lowest_limit_first() -> None:
    book = book_with(quote("9.00", "9.10"))
    high = limit(OrderSide.SELL, "9.50")
    low = limit(OrderSide.SELL, "9.40")
    book.add(high, T0)
    book.add(low, T0)
    events = book.on_tick(quote("9.60", "9.70", bid_size="1", when=at(1)))
    assert [f.order_id for f in fills(events)] == [low.terms.id]


# -- stops ----------------------------------------------------------------------------


def test_buy_stop_triggers_on_a_trade_at_the_stop_and_fills_at_the_ask() -> None:
    book = book_with(quote("99.90", "100.00"), trade("99.95"))
    order = make_working(type=OrderType.STOP, stop_price="101")
    assert book.add(order, T0) == []
    events = book.on_tick(trade("101", when=at(1)))
    [triggered] = only(events, OrderTriggered)
    assert triggered.stop_price == D(101)
    [fill] = fills(events)
    assert fill.price == D("100.00")  # behaves as a market order: the current ask


def test_buy_stop_triggers_when_the_ask_crosses_the_stop() -> None:
    book = book_with(quote("99.90", "100.00"))
    order = make_working(type=OrderType.STOP, stop_price="101")
    book.add(order, T0)
    assert book.on_tick(quote("100.50", "100.90", when=at(1))) == []
    events = book.on_tick(quote("101.00", "101.10", when=at(2)))
    assert len(only(events, OrderTriggered)) == 1
    assert fills(events)[0].price == D("101.10")


def test_sell_stop_triggers_when_the_bid_or_trade_falls_to_the_stop() -> None:
    book = book_with(quote("100.00", "100.10"))
    by_quote = make_working(side=OrderSide.SELL, type=OrderType.STOP, stop_price="99")
    book.add(by_quote, T0)
    [fill] = fills(book.on_tick(quote("98.90", "99.20", when=at(1))))
    assert (fill.order_id, fill.price) == (by_quote.terms.id, D("98.90"))
    by_trade = make_working(side=OrderSide.SELL, type=OrderType.STOP, stop_price="98")
    book.add(by_trade, T0)
    events = book.on_tick(trade("97.99", when=at(2)))
    assert only(events, OrderTriggered)[0].order_id == by_trade.terms.id
    assert fills(events)[0].price == D("98.90")  # the quote's bid, not the print


def test_stop_does_not_trigger_before_the_price_crosses() -> None:
    book = book_with(quote("100.00", "100.10"))
    order = make_working(side=OrderSide.SELL, type=OrderType.STOP, stop_price="99")
    book.add(order, T0)
    assert book.on_tick(trade("99.01", when=at(1))) == []
    assert book.on_tick(quote("99.01", "99.05", when=at(2))) == []


def test_stop_limit_becomes_a_limit_once_triggered() -> None:
    book = book_with(quote("99.90", "100.00"))
    order = make_working(type=OrderType.STOP_LIMIT, stop_price="101", limit_price="101.50")
    book.add(order, T0)
    events = book.on_tick(quote("101.00", "101.60", when=at(1)))
    assert len(only(events, OrderTriggered)) == 1 and fills(events) == []  # ask above the limit
    [fill] = fills(book.on_tick(quote("101.00", "101.40", when=at(2))))
    assert fill.price == D("101.40")


def test_sell_stops_trigger_highest_stop_first() -> None:
    book = book_with(quote("100.00", "100.10"))
    low = make_working(side=OrderSide.SELL, type=OrderType.STOP, stop_price="95")
    high = make_working(side=OrderSide.SELL, type=OrderType.STOP, stop_price="98")
    book.add(low, T0)
    book.add(high, T0)
    events = book.on_tick(quote("97.00", "97.10", when=at(1)))
    assert [e.order_id for e in only(events, OrderTriggered)] == [high.terms.id]


def test_sell_stop_limit_sells_only_at_or_above_its_limit() -> None:
    book = book_with(quote("100.00", "100.10"))
    order = make_working(side=OrderSide.SELL, type=OrderType.STOP_LIMIT, stop_price="99", limit_price="98.50")
    book.add(order, T0)
    events = book.on_tick(quote("98.40", "98.60", when=at(1)))
    assert len(only(events, OrderTriggered)) == 1 and fills(events) == []
    [fill] = fills(book.on_tick(quote("98.55", "98.70", when=at(2))))
    assert fill.price == D("98.55")


def test_triggered_stop_waits_for_liquidity_like_a_market_order() -> None:
    book = book_with(quote("99.90", "100.00", size="0"))
    order = make_working(type=OrderType.STOP, stop_price="101", qty="3")
    book.add(order, T0)
    events = book.on_tick(trade("101.50", when=at(1)))
    assert len(only(events, OrderTriggered)) == 1 and fills(events) == []
    [fill] = fills(book.on_tick(quote("101.40", "101.60", size="5", when=at(2))))
    assert (fill.price, fill.qty) == (D("101.60"), D(3))


def test_stop_already_crossed_when_added_triggers_at_once() -> None:
    book = book_with(quote("99.90", "100.00"))
    events = book.add(make_working(side=OrderSide.SELL, type=OrderType.STOP, stop_price="100.50"), T0)
    assert len(only(events, OrderTriggered)) == 1
    assert fills(events)[0].price == D("99.90")


# -- trailing stops ----------------------------------------------------------------------


def test_sell_trail_price_tracks_the_high_water_mark_and_triggers_on_the_fall_back() -> None:
    book = book_with(quote("100.00", "100.10"))
    order = trailing(OrderSide.SELL, trail_price="2", hwm="100.00")
    assert book.add(order, T0) == []
    [moved] = only(book.on_tick(quote("103.00", "103.10", when=at(1))), OrderHwmMoved)
    assert (moved.hwm, moved.stop_price) == (D("103.00"), D("101.00"))
    assert book.on_tick(quote("102.00", "102.10", when=at(2))) == []  # a dip does not lower the mark
    assert order.hwm == D("103.00")
    events = book.on_tick(quote("101.00", "101.10", when=at(3)))
    [triggered] = only(events, OrderTriggered)
    assert triggered.stop_price == D("101.00")
    assert fills(events)[0].price == D("101.00")


def test_sell_trail_percent_tracks_the_mark() -> None:
    book = book_with(trade("200"))
    order = trailing(OrderSide.SELL, trail_percent="5", hwm="200")
    book.add(order, T0)
    [moved] = only(book.on_tick(trade("220", when=at(1))), OrderHwmMoved)
    assert (moved.hwm, moved.stop_price) == (D(220), D(209))
    assert only(book.on_tick(trade("209.01", when=at(2))), OrderTriggered) == []
    [fill] = fills(book.on_tick(trade("209", when=at(3))))
    assert fill.price == D(209)


def test_buy_trail_price_tracks_the_low_water_mark_and_triggers_on_the_rise() -> None:
    book = book_with(quote("49.90", "50.00"))
    order = trailing(OrderSide.BUY, trail_price="1.50", hwm="50.00")
    book.add(order, T0)
    [moved] = only(book.on_tick(quote("45.90", "46.00", when=at(1))), OrderHwmMoved)
    assert (moved.hwm, moved.stop_price) == (D("46.00"), D("47.50"))
    assert book.on_tick(quote("46.90", "47.00", when=at(2))) == []
    events = book.on_tick(quote("47.40", "47.50", when=at(3)))
    assert len(only(events, OrderTriggered)) == 1
    assert fills(events)[0].price == D("47.50")


def test_buy_trail_percent_tracks_the_low_water_mark() -> None:
    book = book_with(trade("100"))
    order = trailing(OrderSide.BUY, trail_percent="10", hwm="100")
    book.add(order, T0)
    [moved] = only(book.on_tick(trade("80", when=at(1))), OrderHwmMoved)
    assert (moved.hwm, moved.stop_price) == (D(80), D(88))
    assert fills(book.on_tick(trade("87.99", when=at(2)))) == []
    assert fills(book.on_tick(trade("88", when=at(3))))[0].price == D(88)


def test_trailing_stop_placed_before_any_price_is_marked_at_the_first_tick() -> None:
    book = OrderBook("AAPL")
    order = trailing(OrderSide.SELL, trail_price="1")
    assert book.add(order, T0) == []
    [moved] = only(book.on_tick(quote("50.00", "50.10", when=at(1))), OrderHwmMoved)
    assert (moved.hwm, moved.stop_price) == (D("50.00"), D("49.00"))
    assert fills(book.on_tick(quote("49.00", "49.10", when=at(2))))[0].price == D("49.00")


def test_trailing_stop_without_a_mark_takes_the_current_price_when_added() -> None:
    book = book_with(quote("50.00", "50.10"))
    order = trailing(OrderSide.BUY, trail_price="1")
    [moved] = only(book.add(order, T0), OrderHwmMoved)
    assert (moved.hwm, moved.stop_price) == (D("50.10"), D("51.10"))


# -- time in force -------------------------------------------------------------------------


def test_ioc_fills_what_it_can_and_cancels_the_rest() -> None:
    book = book_with(quote("10", "11", size="3"))
    order = make_working(qty="5", time_in_force=TimeInForce.IOC)
    events = book.add(order, T0)
    assert filled_qty(events, order.terms.id) == D(3)
    [canceled] = only(events, OrderCanceled)
    assert canceled.order_id == order.terms.id and order.terms.id not in book.orders


def test_ioc_limit_that_cannot_fill_is_canceled() -> None:
    book = book_with(quote("10", "11"))
    events = book.add(limit(OrderSide.BUY, "10.50", time_in_force=TimeInForce.IOC), T0)
    assert fills(events) == [] and len(only(events, OrderCanceled)) == 1


def test_ioc_market_order_without_a_price_is_canceled() -> None:
    events = OrderBook("AAPL").add(make_working(time_in_force=TimeInForce.IOC), T0)
    assert len(only(events, OrderCanceled)) == 1 and fills(events) == []


def test_fok_sell_takes_the_bid_in_full() -> None:
    book = book_with(quote("10", "11", bid_size="5", ask_size="0"))
    order = make_working(side=OrderSide.SELL, qty="5", time_in_force=TimeInForce.FOK)
    [fill] = fills(book.add(order, T0))
    assert (fill.price, fill.qty, fill.order_done) == (D(10), D(5), True)


def test_fok_fills_in_full_when_the_quote_allows() -> None:
    book = book_with(quote("10", "11", size="5"))
    order = make_working(qty="5", time_in_force=TimeInForce.FOK)
    events = book.add(order, T0)
    assert filled_qty(events, order.terms.id) == D(5) and only(events, OrderCanceled) == []


def test_fok_is_canceled_without_any_fill_when_the_quote_is_short() -> None:
    book = book_with(quote("10", "11", size="4"))
    order = make_working(qty="5", time_in_force=TimeInForce.FOK)
    events = book.add(order, T0)
    assert fills(events) == [] and len(only(events, OrderCanceled)) == 1
    assert not book.orders


def test_fok_limit_away_from_the_market_is_canceled() -> None:
    book = book_with(quote("10", "11"))
    events = book.add(limit(OrderSide.BUY, "10.90", time_in_force=TimeInForce.FOK), T0)
    assert fills(events) == [] and len(only(events, OrderCanceled)) == 1


def test_day_order_expires_at_its_session_end() -> None:
    book = book_with(quote("10", "11", size="1"))
    end = T0 + timedelta(hours=8)
    day = limit(OrderSide.BUY, "10.50", expires_at=end)
    gtc = limit(OrderSide.BUY, "10.50")
    partial = make_working(qty="3", expires_at=end)
    book.add(day, T0)
    book.add(gtc, T0)
    book.add(partial, T0)
    assert book.expire(end - timedelta(microseconds=1)) == []
    expired = book.expire(end)
    assert {e.order_id for e in only(expired, OrderExpired)} == {day.terms.id, partial.terms.id}
    assert set(book.orders) == {gtc.terms.id}
    assert book.expire(end + timedelta(days=1)) == []


def test_filled_or_canceled_day_orders_do_not_expire() -> None:
    book = book_with(quote("10", "11"))
    end = T0 + timedelta(hours=8)
    book.add(make_working(expires_at=end), T0)
    canceled = limit(OrderSide.BUY, "5", expires_at=end)
    book.add(canceled, T0)
    book.remove(canceled.terms.id)
    assert book.expire(end) == []


# -- budgets ---------------------------------------------------------------------------------


def test_market_buy_never_spends_more_than_its_budget() -> None:
    book = book_with(quote("104", "110"))
    order = make_working(qty="10", budget="1050.00")  # cash held for 10 at $105
    events = book.add(order, T0)
    assert spent(events, order.terms.id) <= D("1050.00")
    assert filled_qty(events, order.terms.id) == D(9)
    [canceled] = only(events, OrderCanceled)  # the rest can never be paid for
    assert canceled.order_id == order.terms.id


def test_fractional_market_buy_spends_its_budget_to_the_cent() -> None:
    book = book_with(quote("2.99", "3.00"))
    order = make_working(qty="1000.5", whole_shares=False, budget="100.00")
    events = book.add(order, T0)
    assert spent(events, order.terms.id) <= D("100.00")
    assert filled_qty(events, order.terms.id) == D("33.333333333")


def test_notional_buy_never_spends_more_than_its_notional() -> None:
    book = book_with(quote("2.99", "3.00"))
    order = make_working(qty=None, notional="100.00", budget="100.00", whole_shares=False)
    [fill] = fills(book.add(order, T0))
    assert fill.cash <= D("100.00") and fill.order_done
    assert fill.qty == D("33.333333333")


def test_notional_buy_filled_in_pieces_ends_filled_within_its_notional() -> None:
    book = book_with(quote("3.33", "3.335", size="1"))
    order = make_working(qty=None, notional="100.00", budget="100.00", whole_shares=False)
    events = list(book.add(order, T0))
    for second in range(1, 4):
        events += book.on_tick(quote("3.33", "3.335", size="1", when=at(second)))
    events += book.on_tick(quote("3.33", "3.335", when=at(9)))
    assert spent(events, order.terms.id) <= D("100.00")
    assert fills(events)[-1].order_done
    assert only(events, OrderCanceled) == []


def test_fractional_limit_buy_filled_in_pieces_fills_in_full_within_its_reservation() -> None:
    reserved = D("3.02")  # 0.3 × 10.05, rounded up to the cent
    book = book_with(quote("10.00", "10.05", ask_size="0.1"))
    order = limit(OrderSide.BUY, "10.05", "0.3", budget=reserved)
    events = list(book.add(order, T0))
    for second in range(1, 4):
        events += book.on_tick(quote("10.00", "10.05", ask_size="0.1", when=at(second)))
    assert filled_qty(events, order.terms.id) == D("0.3")
    assert spent(events, order.terms.id) <= reserved
    assert only(events, OrderCanceled) == []


def test_fills_of_one_order_add_up_to_its_value_rounded_to_the_cent() -> None:
    book = book_with(quote("10.00", "10.05", ask_size="0.1"))
    order = limit(OrderSide.BUY, "10.05", "0.3", budget="3.02")
    events = list(book.add(order, T0))
    for second in range(1, 3):
        events += book.on_tick(quote("10.00", "10.05", ask_size="0.1", when=at(second)))
    assert spent(events, order.terms.id) == D("3.02")  # 0.3 × 10.05 = 3.015


def test_a_restored_partly_filled_order_keeps_paying_to_the_cent() -> None:
    book = book_with(quote("10.00", "10.05", ask_size="0.1"))
    order = limit(OrderSide.BUY, "10.05", "0.3", budget="3.02")
    first = fills(book.add(order, T0))
    book.remove(order.terms.id)
    restored = limit(
        OrderSide.BUY,
        "10.05",
        "0.3",
        id=order.terms.id,
        budget=D("3.02") - first[0].cash,
        filled_qty=order.filled_qty,
        filled_value=order.filled_value,
        fill_count=order.fill_count,
    )
    events = list(book.add(restored, T0))
    for second in range(1, 3):
        events += book.on_tick(quote("10.00", "10.05", ask_size="0.1", when=at(second)))
    assert first[0].cash + spent(events, order.terms.id) == D("3.02")
    assert len({f.fill_id for f in [*first, *fills(events)]}) == 3


def test_notional_sell_never_sells_more_than_its_held_shares_and_ends_when_they_run_out() -> None:
    book = book_with(quote("10", "11"))
    order = make_working(side=OrderSide.SELL, qty=None, notional="100", budget="5", whole_shares=False)
    events = book.add(order, T0)
    assert filled_qty(events, order.terms.id) == D(5)
    [canceled] = only(events, OrderCanceled)
    assert canceled.order_id == order.terms.id and not book.orders
