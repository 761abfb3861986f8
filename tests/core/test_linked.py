"""Order classes in the core: bracket, OCO and OTO groups in the account and the book."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from tests.core.factories import D, Venue, at, fills, make_request, make_venue, make_working, quote
from tradeloop.core.events import OrderCanceled, OrderExpired, OrderFilled
from tradeloop.core.linked import exit_qty
from tradeloop.core.orders import (
    OrderClass,
    OrderSide,
    OrderStatus,
    OrderType,
    StopLoss,
    TakeProfit,
    TimeInForce,
    is_linked_exit,
)
from tradeloop.errors import InsufficientQty, InvalidOrderClass


def bracket(qty: int = 10, tp: str = "110", stop: str = "90", **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "qty": qty,
        "time_in_force": TimeInForce.GTC,
        "order_class": OrderClass.BRACKET,
        "take_profit": TakeProfit(limit_price=D(tp)),
        "stop_loss": StopLoss(stop_price=D(stop)),
    }
    values.update(overrides)
    return make_request(**values)


def venue_at(price: str = "100", cash: str = "100000") -> Venue:
    venue = make_venue(cash)
    venue.tick(quote(price, price))
    return venue


def statuses(venue: Venue, *orders: Any) -> list[OrderStatus]:
    """The current status of each order: open ones from the account, closed ones from the last event's record."""
    found = []
    for order in orders:
        found.append(venue.state.orders[order.terms.id].status if order.terms.id in venue.state.orders else order.status)
    return found


def test_bracket_legs_are_held_until_the_entry_fills_then_work_for_what_it_filled() -> None:
    venue = venue_at("100")
    entry, take_profit, stop_loss = venue.place_group(bracket(type=OrderType.LIMIT, limit_price="99"))
    assert [take_profit.status, stop_loss.status] == [OrderStatus.HELD, OrderStatus.HELD]
    assert exit_qty(take_profit) == D(10)
    venue.tick(quote("98.5", "99", ask_size="4"))  # the entry buys 4 of 10
    assert entry.filled_qty == D(4)
    assert [take_profit.status, stop_loss.status] == [OrderStatus.NEW, OrderStatus.NEW]
    assert exit_qty(take_profit) == exit_qty(stop_loss) == D(4)
    position = venue.state.positions["AAPL"]
    assert position.qty == D(4) and position.reserved_qty == D(4)  # held once for both exits
    assert position.qty_available == D(0)


def test_a_take_profit_fill_cancels_the_stop_loss_in_the_same_step() -> None:
    venue = venue_at("100")
    entry, take_profit, stop_loss = venue.place_group(bracket())
    assert entry.status is OrderStatus.FILLED
    events = venue.tick(quote("111", "111.5"))
    assert [type(e) for e in events] == [OrderFilled, OrderCanceled]
    assert [e.order_id for e in events] == [take_profit.terms.id, stop_loss.terms.id]
    assert take_profit.status is OrderStatus.FILLED and stop_loss.status is OrderStatus.CANCELED
    assert "AAPL" not in venue.state.positions
    venue.tick(quote("80", "80.5"))  # the stop would have fired: nothing left to sell
    assert venue.state.positions == {}


def test_a_partial_exit_fill_reduces_the_other_exit() -> None:
    venue = venue_at("100")
    _, take_profit, stop_loss = venue.place_group(bracket())
    venue.tick(quote("111", "111.5", bid_size="3"))
    assert take_profit.filled_qty == D(3) and take_profit.status is OrderStatus.PARTIALLY_FILLED
    assert exit_qty(stop_loss) == D(7)
    events = venue.tick(quote("89", "89.5"))
    assert [e.qty for e in fills(events, stop_loss.terms.id)] == [D(7)]
    assert stop_loss.status is OrderStatus.FILLED and take_profit.status is OrderStatus.CANCELED
    assert "AAPL" not in venue.state.positions


def test_exits_of_a_partly_filled_entry_sell_no_more_than_it_bought_and_grow_with_it() -> None:
    venue = venue_at("100.5")
    entry, take_profit, stop_loss = venue.place_group(bracket(type=OrderType.LIMIT, limit_price="100", tp="101"))
    venue.tick(quote("99.5", "100", ask_size="6"))
    assert entry.filled_qty == D(6)
    venue.tick(quote("101", "101.5", bid_size="100"))  # the take-profit sells the 6 bought so far
    assert take_profit.filled_qty == D(6)
    assert take_profit.status is OrderStatus.PARTIALLY_FILLED and stop_loss.status is OrderStatus.NEW
    assert exit_qty(stop_loss) == D(0)
    venue.tick(quote("99.5", "100"))  # the entry buys the rest: the exits work for 4 more
    assert entry.status is OrderStatus.FILLED
    assert exit_qty(stop_loss) == D(4)
    venue.tick(quote("89", "89.5"))
    assert stop_loss.filled_qty == D(4) and stop_loss.status is OrderStatus.FILLED
    assert take_profit.status is OrderStatus.CANCELED
    assert "AAPL" not in venue.state.positions


def test_canceling_the_entry_cancels_its_legs_and_canceling_a_leg_cancels_the_rest() -> None:
    venue = venue_at("100")
    entry, take_profit, stop_loss = venue.place_group(bracket(type=OrderType.LIMIT, limit_price="95"))
    venue.cancel(entry.terms.id)
    assert statuses(venue, entry, take_profit, stop_loss) == [OrderStatus.CANCELED] * 3
    assert venue.state.reserved_cash == D(0)
    entry, take_profit, stop_loss = venue.place_group(bracket())
    venue.cancel(stop_loss.terms.id)
    assert statuses(venue, take_profit, stop_loss) == [OrderStatus.CANCELED] * 2
    assert venue.state.positions["AAPL"].reserved_qty == D(0)


def test_oco_exits_a_held_position_and_one_fill_cancels_the_other() -> None:
    venue = venue_at("100")
    venue.place(make_request(qty=5))
    oco = make_request(
        side=OrderSide.SELL,
        type=OrderType.LIMIT,
        qty=5,
        time_in_force=TimeInForce.GTC,
        order_class=OrderClass.OCO,
        take_profit=TakeProfit(limit_price=D("120")),
        stop_loss=StopLoss(stop_price=D("95"), limit_price=D("94")),
    )
    take_profit, stop_loss = venue.place_group(oco)
    assert take_profit.terms.limit_price == D(120) and stop_loss.terms.type is OrderType.STOP_LIMIT
    assert take_profit.status is OrderStatus.NEW and stop_loss.status is OrderStatus.NEW
    assert venue.state.positions["AAPL"].reserved_qty == D(5)
    venue.tick(quote("94.5", "95"))
    assert stop_loss.status is OrderStatus.FILLED and take_profit.status is OrderStatus.CANCELED
    with pytest.raises(InsufficientQty):
        venue.place_group(oco)


def test_oto_with_a_trailing_stop_loss_marks_from_the_price_when_it_starts_to_work() -> None:
    venue = venue_at("100")
    request = make_request(
        qty=2,
        time_in_force=TimeInForce.GTC,
        order_class=OrderClass.OTO,
        stop_loss=StopLoss(trail_price=D("5")),
        exit_time_in_force=TimeInForce.DAY,
    )
    entry, stop_loss = venue.place_group(request)
    assert entry.status is OrderStatus.FILLED
    assert stop_loss.terms.type is OrderType.TRAILING_STOP and stop_loss.terms.time_in_force is TimeInForce.DAY
    assert stop_loss.hwm == D(100)
    venue.tick(quote("110", "110.5"))
    assert stop_loss.stop_price == D(105)
    venue.tick(quote("104", "104.5"))
    assert stop_loss.status is OrderStatus.FILLED and "AAPL" not in venue.state.positions


def test_only_exits_of_linked_groups_are_exits() -> None:
    venue = venue_at("100")
    entry, take_profit, stop_loss = venue.place_group(bracket())
    assert [is_linked_exit(o.terms) for o in (entry, take_profit, stop_loss)] == [False, True, True]
    simple = venue.place(make_request(type=OrderType.LIMIT, limit_price="50", qty=1))
    assert not is_linked_exit(simple.terms)
    with pytest.raises(InsufficientQty):  # the exits hold the bracket's shares
        venue.place(make_request(side=OrderSide.SELL, type=OrderType.LIMIT, limit_price="130", qty=1))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"take_profit": None}, "take_profit", "take_profit is required for bracket orders"),
        ({"stop_loss": None}, "stop_loss", "stop_loss is required for bracket orders"),
        ({"tp": "100"}, "take_profit.limit_price", "take_profit.limit_price must be >= base_price + 0.01"),
        ({"stop": "100"}, "stop_loss.stop_price", "stop_loss.stop_price must be <= base_price - 0.01"),
        (
            {"type": OrderType.LIMIT, "limit_price": "95", "stop": "95"},
            "stop_loss.stop_price",
            "stop_loss.stop_price must be <= base_price - 0.01",
        ),
        ({"time_in_force": TimeInForce.IOC}, "time_in_force", "time_in_force must be day or gtc for bracket orders"),
        ({"qty": D("1.5")}, "qty", "qty must be a whole number of shares for bracket orders"),
        ({"qty": None, "notional": D("100")}, "notional", None),
        ({"side": OrderSide.SELL}, "side", None),
        ({"type": OrderType.STOP, "stop_price": "101"}, "type", None),
        ({"exit_time_in_force": TimeInForce.IOC}, "exit_time_in_force", None),
        ({"stop_loss": StopLoss(stop_price=D("90"), trail_price=D("1"))}, "stop_loss.stop_price", None),
        ({"stop_loss": StopLoss(stop_price=D("90.001"))}, "stop_loss.stop_price", None),
        ({"take_profit": TakeProfit(limit_price=D("-1"))}, "take_profit.limit_price", None),
    ],
)
def test_bracket_rules_refuse_with_code_42210000_naming_the_field(
    overrides: dict[str, Any], field: str, message: str | None
) -> None:
    venue = venue_at("100")
    args: dict[str, Any] = {}
    for name in ("tp", "stop"):
        if name in overrides:
            args[name] = overrides.pop(name)
    with pytest.raises(InvalidOrderClass) as refused:
        venue.place_group(bracket(**args, **overrides))
    assert refused.value.code == 42210000 and refused.value.status == 422
    assert refused.value.field == field
    if message is not None:
        assert refused.value.message == message
    assert venue.state.orders == {} and venue.state.reserved_cash == D(0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": OrderType.MARKET, "limit_price": None}, "type"),
        ({"side": OrderSide.BUY}, "side"),
        ({"limit_price": D("121")}, "limit_price"),
        ({"stop_loss": StopLoss(stop_price=D("120"))}, "stop_loss.stop_price"),
        ({"take_profit": None}, "take_profit"),
    ],
)
def test_oco_rules(overrides: dict[str, Any], field: str) -> None:
    venue = venue_at("100")
    venue.place(make_request(qty=5))
    values: dict[str, Any] = {
        "side": OrderSide.SELL,
        "type": OrderType.LIMIT,
        "limit_price": D("120"),
        "qty": 5,
        "order_class": OrderClass.OCO,
        "take_profit": TakeProfit(limit_price=D("120")),
        "stop_loss": StopLoss(stop_price=D("95")),
    }
    values.update(overrides)
    with pytest.raises(InvalidOrderClass) as refused:
        venue.place_group(make_request(**values))
    assert refused.value.field == field


def test_oto_takes_exactly_one_exit_and_simple_orders_take_none() -> None:
    venue = venue_at("100")
    both = bracket(order_class=OrderClass.OTO)
    with pytest.raises(InvalidOrderClass) as refused:
        venue.place_group(both)
    assert refused.value.field == "take_profit"
    with pytest.raises(InvalidOrderClass) as refused:
        venue.place_group(bracket(order_class=OrderClass.OTO, take_profit=None, stop_loss=None))
    assert refused.value.field == "take_profit"
    with pytest.raises(InvalidOrderClass) as refused:
        venue.place(bracket(order_class=OrderClass.SIMPLE, stop_loss=None))
    assert refused.value.field == "take_profit"


def test_exit_qty_of_a_simple_order_is_its_qty() -> None:
    venue = venue_at("100")
    order = venue.place(make_request(type=OrderType.LIMIT, limit_price="50", qty=3))
    assert exit_qty(order) == Decimal(3)


def test_exits_with_nothing_to_sell_rest_nowhere_so_they_block_no_one() -> None:
    venue = venue_at("100.5")
    entry, take_profit, stop_loss = venue.place_group(bracket(type=OrderType.LIMIT, limit_price="100", tp="101"))
    venue.tick(quote("99.5", "100", ask_size="4"))
    venue.tick(quote("101", "101.5", bid_size="100"))  # the take-profit sells the 4 bought so far
    assert take_profit.filled_qty == D(4) and entry.status is OrderStatus.PARTIALLY_FILLED
    other = make_working(
        account_id=uuid4(), side=OrderSide.SELL, type=OrderType.MARKET, qty="2", time_in_force=TimeInForce.GTC
    )
    events = venue.book.add(other, at(1))
    events += venue.book.on_tick(quote("88", "101.5", when=at(2)))  # below the stop; the entry's limit not reached
    assert [e.qty for e in fills(events, other.terms.id)] == [D(2)]  # another seller is not stuck behind the stop
    assert not [e for e in events if e.order_id in (take_profit.terms.id, stop_loss.terms.id)]


def test_day_legs_expire_together_at_the_sessions_end() -> None:
    venue = venue_at("100")
    entry, take_profit, stop_loss = venue.place_group(bracket(time_in_force=TimeInForce.DAY))
    assert entry.status is OrderStatus.FILLED and take_profit.terms.expires_at is not None
    events = venue.apply(venue.book.expire(take_profit.terms.expires_at))
    assert [type(e) for e in events] == [OrderExpired, OrderExpired]
    assert take_profit.status is OrderStatus.EXPIRED and stop_loss.status is OrderStatus.EXPIRED
    assert venue.state.positions["AAPL"].reserved_qty == D(0)  # the shares are free to sell again
