"""Accounts: reservations, buying power, held shares, P&L, replaces and the apply of every event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from tests.core.factories import ACCOUNT_ID, T0, D, asset, at, make_account, make_asset, make_request, make_venue, quote
from tradeloop.core.accounts import AccountState, apply_event, session_closed, valuation
from tradeloop.core.events import (
    AccountOpened,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderHwmMoved,
    OrderReplaced,
    OrderTriggered,
    SessionClosed,
)
from tradeloop.core.orders import OrderSide, OrderStatus, OrderType, ReplaceRequest, TimeInForce
from tradeloop.core.placement import accept_order, accept_replacement, hold_pending, release_pending
from tradeloop.core.sessions import session_end
from tradeloop.errors import (
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    InsufficientQty,
    InvalidField,
    NotFound,
    NotReplaceable,
)


def accept(state: AccountState, *, price: str | None = "100", **overrides: Any) -> OrderAccepted:
    request = make_request(**overrides)
    return accept_order(
        state,
        request,
        asset(request.symbol),
        order_id=uuid4(),
        reference_price=None if price is None else D(price),
        now=T0,
        session_end=session_end(T0),
    )


def place(state: AccountState, **overrides: Any) -> UUID:
    accepted = accept(state, **overrides)
    apply_event(state, accepted)
    return accepted.terms.id


def fill(
    state: AccountState, order_id: UUID, qty: str, price: str, *, done: bool = False, cash: str | None = None
) -> OrderFilled:
    order = state.orders[order_id]
    event = OrderFilled(
        account_id=state.id,
        order_id=order_id,
        fill_id=uuid4(),
        symbol=order.terms.symbol,
        side=order.terms.side,
        qty=D(qty),
        price=D(price),
        cash=D(cash) if cash is not None else (D(qty) * D(price)).quantize(D("0.01")),
        order_done=done,
        timestamp=at(1),
    )
    apply_event(state, event)
    return event


def holding(shares: str, cost: str, cash: str = "10000") -> AccountState:
    """An account that bought `shares` for `cost` in all."""
    state = make_account(cash)
    price = str(D(cost) / D(shares))
    order_id = place(state, type=OrderType.LIMIT, limit_price=price, qty=shares)
    fill(state, order_id, shares, price, done=True, cash=cost)
    return state


def assert_reservations_match_open_orders(state: AccountState) -> None:
    open_orders = [o for o in state.orders.values() if o.is_open]
    assert state.reserved_cash == sum((o.reserved_cash for o in open_orders), D(0))
    for position in state.positions.values():
        held = sum((o.reserved_qty for o in open_orders if o.terms.symbol == position.symbol), D(0))
        assert position.reserved_qty == held


# -- opening --------------------------------------------------------------------------


def test_open_account_starts_with_its_cash_as_equity_and_contributions() -> None:
    state = make_account("2500")
    assert (state.cash, state.last_equity, state.contributions, state.buying_power) == (D(2500),) * 4
    assert state.orders == {} and state.positions == {}


def test_account_opened_is_not_applied_to_an_existing_account() -> None:
    state = make_account()
    event = AccountOpened(
        account_id=ACCOUNT_ID, account_number="PA1", key_id="k", secret_hash="h", cash=D(1), created_at=T0
    )
    with pytest.raises(ValueError):
        apply_event(state, event)


# -- reservations and buying power ------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reserved"),
    [
        ({"type": OrderType.LIMIT, "limit_price": "10.01", "qty": "3"}, "30.03"),
        ({"type": OrderType.LIMIT, "limit_price": "10.01", "qty": "0.5"}, "5.01"),  # 5.005 rounded up
        ({"qty": "2"}, "210.00"),  # 2 × 100 × 1.05
        ({"type": OrderType.STOP, "stop_price": "120", "qty": "1"}, "126.00"),
        ({"type": OrderType.STOP, "stop_price": "80", "qty": "1"}, "105.00"),
        ({"type": OrderType.STOP_LIMIT, "stop_price": "120", "limit_price": "121", "qty": "1"}, "121.00"),
        ({"type": OrderType.TRAILING_STOP, "trail_price": "5", "qty": "1"}, "110.25"),
        ({"type": OrderType.TRAILING_STOP, "trail_percent": "10", "qty": "1"}, "115.50"),
        ({"qty": None, "notional": "250.50"}, "250.50"),
    ],
)
def test_buy_orders_reserve_their_worst_cost(overrides: dict[str, Any], reserved: str) -> None:
    state = make_account("10000")
    order_id = place(state, **overrides)
    assert state.orders[order_id].reserved_cash == D(reserved)
    assert state.reserved_cash == D(reserved)
    assert state.buying_power == D(10000) - D(reserved)
    assert state.cash == D(10000)


def test_market_buy_without_a_market_price_reserves_against_the_asset_reference() -> None:
    state = make_account()
    order_id = place(state, price=None, qty="1")
    assert state.orders[order_id].reserved_cash == (asset().reference_price * D("1.05")).quantize(D("0.01"))


def test_buy_beyond_buying_power_is_refused_and_changes_nothing() -> None:
    state = make_account("1000")
    with pytest.raises(InsufficientBuyingPower) as caught:
        accept(state, type=OrderType.LIMIT, limit_price="100.01", qty="10")
    assert caught.value.extra == {"buying_power": "1000", "required": "1000.10"}
    assert state.orders == {} and state.buying_power == D(1000)


def test_open_buys_use_up_buying_power_for_later_orders() -> None:
    state = make_account("1000")
    place(state, type=OrderType.LIMIT, limit_price="60", qty="10")
    with pytest.raises(InsufficientBuyingPower):
        accept(state, type=OrderType.LIMIT, limit_price="40.01", qty="10")
    place(state, type=OrderType.LIMIT, limit_price="40", qty="10")
    assert state.buying_power == D(0)


def test_sell_without_shares_is_refused() -> None:
    with pytest.raises(InsufficientQty) as caught:
        accept(make_account(), side=OrderSide.SELL, qty="1")
    assert caught.value.extra["available"] == "0"


def test_sell_needs_shares_not_held_by_other_sells() -> None:
    state = holding("10", "1000.00")
    first = place(state, side=OrderSide.SELL, type=OrderType.LIMIT, limit_price="200", qty="6")
    assert state.positions["AAPL"].reserved_qty == D(6)
    with pytest.raises(InsufficientQty):
        accept(state, side=OrderSide.SELL, qty="5")
    place(state, side=OrderSide.SELL, qty="4")
    apply_event(state, OrderCanceled(account_id=state.id, order_id=first, reason="test", timestamp=at(2)))
    place(state, side=OrderSide.SELL, qty="6")
    assert_reservations_match_open_orders(state)


def test_sells_hold_shares_not_cash_and_buys_hold_cash_not_shares() -> None:
    state = holding("10", "1000.00")
    sell = place(state, side=OrderSide.SELL, qty="10")
    buy = place(state, type=OrderType.LIMIT, limit_price="10", qty="1")
    assert (state.orders[sell].reserved_cash, state.orders[sell].reserved_qty) == (D(0), D(10))
    assert (state.orders[buy].reserved_cash, state.orders[buy].reserved_qty) == (D(10), D(0))


def test_notional_sell_holds_a_buffered_share_estimate() -> None:
    state = holding("10", "1000.00")
    order_id = place(state, side=OrderSide.SELL, qty=None, notional="500")
    assert state.orders[order_id].reserved_qty == D("5.25")


def test_notional_sell_of_the_whole_position_value_is_accepted_and_holds_what_there_is() -> None:
    state = holding("10", "1000.00")
    order_id = place(state, side=OrderSide.SELL, qty=None, notional="1000", price="100")
    assert state.orders[order_id].reserved_qty == D(10)
    assert state.positions["AAPL"].qty_available == 0


def test_notional_sell_beyond_the_position_value_is_refused() -> None:
    state = holding("10", "1000.00")
    with pytest.raises(InsufficientQty) as caught:
        accept(state, side=OrderSide.SELL, qty=None, notional="1000.01", price="100")
    assert caught.value.extra["requested"] == "10.000100000"


def test_duplicate_client_order_id_is_refused() -> None:
    state = make_account()
    place(state, client_order_id="mine", type=OrderType.LIMIT, limit_price="1", qty="1")
    with pytest.raises(DuplicateClientOrderId):
        accept(state, client_order_id="mine")


def test_invalid_request_is_refused_before_any_check_of_funds() -> None:
    with pytest.raises(InvalidField) as caught:
        accept(make_account("0"), type=OrderType.LIMIT)
    assert caught.value.field == "limit_price"


def test_day_orders_expire_at_session_end_and_gtc_orders_never() -> None:
    state = make_account()
    day = place(state, type=OrderType.LIMIT, limit_price="1", qty="1")
    gtc = place(state, type=OrderType.LIMIT, limit_price="1", qty="1", time_in_force=TimeInForce.GTC)
    assert state.orders[day].terms.expires_at == session_end(T0)
    assert state.orders[gtc].terms.expires_at is None


def test_trailing_stop_marks_from_the_market_price_only() -> None:
    state = make_account()
    priced = place(state, type=OrderType.TRAILING_STOP, trail_price="1", price="50")
    unpriced = place(state, type=OrderType.TRAILING_STOP, trail_price="1", price=None)
    assert state.orders[priced].hwm == D(50)
    assert state.orders[unpriced].hwm is None  # the book marks it at the first real price


# -- fills -----------------------------------------------------------------------------------


def test_buy_fills_spend_cash_release_reservation_and_build_the_position() -> None:
    state = make_account("1000")
    order_id = place(state, qty="4")  # reserves 420.00
    fill(state, order_id, "1", "101")
    order = state.orders[order_id]
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert (state.cash, order.reserved_cash, state.reserved_cash) == (D(899), D(319), D(319))
    fill(state, order_id, "3", "102", done=True)
    assert order.status is OrderStatus.FILLED and order.filled_at == at(1)
    assert state.orders == {}  # a closed order leaves the account
    assert (order.filled_qty, order.filled_avg_price) == (D(4), D("101.75"))
    assert (state.cash, state.reserved_cash, state.buying_power) == (D(593), D(0), D(593))  # buffer released
    position = state.positions["AAPL"]
    assert (position.qty, position.cost_basis) == (D(4), D(407))


def test_sell_fills_realize_pl_at_average_cost() -> None:
    state = make_account("10000")
    buy = place(state, type=OrderType.LIMIT, limit_price="20", qty="20")
    fill(state, buy, "10", "10")
    fill(state, buy, "10", "12", done=True)
    sell = place(state, side=OrderSide.SELL, type=OrderType.LIMIT, limit_price="15", qty="5")
    fill(state, sell, "5", "15", done=True)
    assert state.realized_pl == D(20)
    assert state.cash == D(10000) - D(220) + D(75)
    position = state.positions["AAPL"]
    assert (position.qty, position.cost_basis, position.reserved_qty) == (D(15), D(165), D(0))


def test_selling_the_whole_position_closes_it() -> None:
    state = holding("3", "30.00")
    sell = place(state, side=OrderSide.SELL, qty="3")
    fill(state, sell, "3", "9", done=True)
    assert "AAPL" not in state.positions
    assert state.realized_pl == D(-3)


# -- every other event ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "status", "stamp"),
    [
        (OrderCanceled, OrderStatus.CANCELED, "canceled_at"),
        (OrderExpired, OrderStatus.EXPIRED, "expired_at"),
    ],
)
def test_ending_an_order_releases_what_it_holds(event_type: type[Any], status: OrderStatus, stamp: str) -> None:
    state = holding("10", "1000.00", cash="2000")
    buy = place(state, type=OrderType.LIMIT, limit_price="50", qty="10")
    sell = place(state, side=OrderSide.SELL, type=OrderType.LIMIT, limit_price="500", qty="10")
    fill(state, buy, "2", "50")
    extra = {"reason": "test"} if event_type is OrderCanceled else {}
    for order_id in (buy, sell):
        order = state.orders[order_id]
        apply_event(state, event_type(account_id=state.id, order_id=order_id, timestamp=at(5), **extra))
        assert order_id not in state.orders
        assert order.status is status and getattr(order, stamp) == at(5) and order.updated_at == at(5)
        assert order.reserved_cash == 0 and order.reserved_qty == 0
    assert state.reserved_cash == 0 and state.buying_power == state.cash == D(900)
    assert state.positions["AAPL"].reserved_qty == 0 and state.positions["AAPL"].qty == D(12)


def test_triggered_marks_the_order_whose_stop_price_stays_where_it_fired() -> None:
    state = make_account()
    stop = place(state, type=OrderType.STOP, stop_price="110")
    trail = place(state, type=OrderType.TRAILING_STOP, trail_price="2")  # a buy marked at 100: its level is 102
    for order_id, stop_price in ((stop, "110"), (trail, "102")):
        apply_event(
            state, OrderTriggered(account_id=state.id, order_id=order_id, stop_price=D(stop_price), timestamp=at(3))
        )
        assert state.orders[order_id].triggered and state.orders[order_id].updated_at == at(3)
    assert state.orders[stop].stop_price == D(110)
    assert state.orders[trail].stop_price == D(102)


def test_hwm_moved_sets_the_mark_and_stop() -> None:
    state = make_account()
    trail = place(state, side=OrderSide.BUY, type=OrderType.TRAILING_STOP, trail_price="2")
    apply_event(
        state, OrderHwmMoved(account_id=state.id, order_id=trail, hwm=D(90), stop_price=D(92), timestamp=at(4))
    )
    order = state.orders[trail]
    assert (order.hwm, order.stop_price, order.updated_at) == (D(90), D(92), at(4))


def test_session_closed_records_last_equity() -> None:
    state = make_account()
    apply_event(state, SessionClosed(account_id=state.id, last_equity=D("12345.67"), timestamp=at(9)))
    assert state.last_equity == D("12345.67")


# -- valuation ---------------------------------------------------------------------------------


def test_valuation_marks_positions_to_market() -> None:
    state = holding("3", "300.00", cash="1000")
    value = valuation(state, lambda symbol: D("110.005"))
    assert value.long_market_value == D("330.02")
    assert value.equity == D(700) + D("330.02")
    assert value.unrealized_pl == D("30.02") and value.cost_basis == D(300)
    assert value.equity == state.contributions + state.realized_pl + value.unrealized_pl


def test_valuation_without_a_price_values_positions_at_cost() -> None:
    state = holding("3", "300.00", cash="1000")
    value = valuation(state, lambda symbol: None)
    assert (value.equity, value.unrealized_pl) == (D(1000), D(0))


def test_session_closed_event_carries_equity_to_the_cent() -> None:
    state = holding("1", "100.00", cash="1000")
    event = session_closed(state, lambda symbol: D("100.005"), at(10))
    assert (event.last_equity, event.timestamp) == (D("1000.01"), at(10))


# -- replaces -----------------------------------------------------------------------------------


def replace(state: AccountState, order_id: UUID, *, price: str | None = "100", **change: Any) -> OrderAccepted:
    for name in ("qty", "limit_price", "stop_price", "trail"):
        if isinstance(change.get(name), str):
            change[name] = D(change[name])
    old = state.orders.get(order_id)
    return accept_replacement(
        state,
        order_id,
        ReplaceRequest(**change),
        asset() if old is None or old.terms.symbol == "AAPL" else make_asset(old.terms.symbol),
        new_id=uuid4(),
        reference_price=None if price is None else D(price),
        now=at(5),
        session_end=session_end(at(5)),
    )


def swap(state: AccountState, order_id: UUID, replacement: OrderAccepted) -> None:
    apply_event(state, OrderReplaced(account_id=state.id, order_id=order_id, replacement=replacement, timestamp=at(6)))


def test_replace_counts_the_old_reservation_as_released() -> None:
    state = make_account("1000")
    old = place(state, type=OrderType.LIMIT, limit_price="100", qty="10")
    assert state.buying_power == 0
    replacement = replace(state, old, limit_price="99")
    assert replacement.reserved_cash == D(990) and replacement.terms.replaces == old
    with pytest.raises(InsufficientBuyingPower):
        replace(state, old, qty="11")


def test_replace_keeps_unchanged_fields_and_defaults_to_the_remaining_qty() -> None:
    state = make_account("1000")
    old = place(state, type=OrderType.LIMIT, limit_price="100", qty="10", time_in_force=TimeInForce.GTC)
    fill(state, old, "4", "100")
    terms = replace(state, old, limit_price="90").terms
    assert (terms.qty, terms.limit_price, terms.time_in_force) == (D(6), D(90), TimeInForce.GTC)


def test_replace_swaps_reservations_from_old_to_new() -> None:
    state = make_account("1000")
    old = place(state, type=OrderType.LIMIT, limit_price="100", qty="10")
    replacement = replace(state, old, limit_price="50")
    terms = replacement.terms
    replaced = state.orders[old]
    swap(state, old, replacement)
    assert replaced.status is OrderStatus.REPLACED and replaced.replaced_by == terms.id
    assert replaced.replaced_at == at(6)
    assert list(state.orders) == [terms.id]  # the replaced order closed and left the account
    assert state.orders[terms.id].status is OrderStatus.NEW and state.orders[terms.id].terms.replaces == old
    assert state.reserved_cash == D(500) and state.buying_power == D(500)
    assert_reservations_match_open_orders(state)


def test_replace_of_a_sell_may_reuse_its_own_shares() -> None:
    state = holding("10", "1000.00")
    old = place(state, side=OrderSide.SELL, type=OrderType.LIMIT, limit_price="200", qty="10")
    replacement = replace(state, old, limit_price="150")
    swap(state, old, replacement)
    assert state.positions["AAPL"].reserved_qty == D(10)
    with pytest.raises(InsufficientQty):
        replace(state, replacement.terms.id, qty="11")


@pytest.mark.parametrize(
    ("overrides", "change", "error", "field"),
    [
        ({"qty": None, "notional": "100"}, {"qty": "1"}, NotReplaceable, None),
        ({"type": OrderType.LIMIT, "limit_price": "10"}, {"trail": "1"}, InvalidField, "trail"),
        ({"type": OrderType.LIMIT, "limit_price": "10"}, {"stop_price": "9"}, InvalidField, "stop_price"),
        ({"type": OrderType.TRAILING_STOP, "trail_price": "1"}, {"stop_price": "9"}, InvalidField, "stop_price"),
        ({"type": OrderType.TRAILING_STOP, "trail_percent": "1"}, {"trail": "100"}, InvalidField, "trail"),
        ({"type": OrderType.LIMIT, "limit_price": "10"}, {"limit_price": "10.001"}, InvalidField, "limit_price"),
    ],
)
def test_bad_replaces_are_refused(
    overrides: dict[str, Any], change: dict[str, Any], error: type[Exception], field: str | None
) -> None:
    state = make_account()
    order_id = place(state, **overrides)
    with pytest.raises(error) as caught:
        replace(state, order_id, **change)
    if field is not None:
        assert isinstance(caught.value, InvalidField) and caught.value.field == field


def test_closed_or_unknown_orders_cannot_be_replaced() -> None:
    state = make_account()
    order_id = place(state, type=OrderType.LIMIT, limit_price="10")
    apply_event(state, OrderCanceled(account_id=state.id, order_id=order_id, reason="test", timestamp=at(1)))
    with pytest.raises(NotFound):  # the account holds open orders only; the engine refuses with the status
        replace(state, order_id, limit_price="11")
    with pytest.raises(NotFound):
        accept_replacement(
            state, uuid4(), ReplaceRequest(), asset(), new_id=uuid4(), reference_price=None, now=T0, session_end=T0
        )


def test_replaced_trailing_stop_keeps_its_high_water_mark() -> None:
    state = holding("10", "1000.00")
    old = place(state, side=OrderSide.SELL, type=OrderType.TRAILING_STOP, trail_price="2", qty="10")
    apply_event(state, OrderHwmMoved(account_id=state.id, order_id=old, hwm=D(120), stop_price=D(118), timestamp=at(2)))
    replacement = replace(state, old, trail="3", price="115")
    assert replacement.hwm == D(120) and replacement.terms.trail_price == D(3)


def test_replace_validates_against_the_given_asset() -> None:
    state = make_account()
    request = make_request(symbol="ZZZ", type=OrderType.LIMIT, limit_price="10")
    accepted = accept_order(
        state, request, make_asset("ZZZ"), order_id=uuid4(), reference_price=None, now=T0, session_end=session_end(T0)
    )
    apply_event(state, accepted)
    terms = replace(state, accepted.terms.id, limit_price="11").terms
    assert terms.symbol == "ZZZ" and terms.limit_price == D(11)


def test_replacement_client_order_id_must_be_new() -> None:
    state = make_account()
    first = place(state, type=OrderType.LIMIT, limit_price="10", client_order_id="a")
    place(state, type=OrderType.LIMIT, limit_price="10", client_order_id="b")
    with pytest.raises(DuplicateClientOrderId):
        replace(state, first, client_order_id="b")
    replacement = replace(state, first, client_order_id="c")
    hold_pending(state, replacement)
    with pytest.raises(DuplicateClientOrderId):
        accept(state, client_order_id="c")


def test_pending_replace_holds_only_the_increase_and_release_restores_it() -> None:
    state = make_account("1500")
    old = place(state, type=OrderType.LIMIT, limit_price="100", qty="10")
    larger = replace(state, old, qty="15")
    hold = hold_pending(state, larger)
    assert state.buying_power == D(0)  # 500 held beyond the old order's 1000
    release_pending(state, hold)
    assert state.buying_power == D(500) and state.pending_client_order_ids == set()
    smaller = replace(state, old, qty="5")
    hold = hold_pending(state, smaller)
    assert state.buying_power == D(500)
    release_pending(state, hold)


def test_pending_replace_held_again_after_its_old_order_closed_holds_all_it_needs() -> None:
    """A snapshot releases and holds again; by then the old order may have filled and left the account."""
    state = make_account("1500")
    old = place(state, type=OrderType.LIMIT, limit_price="100", qty="10")
    hold = hold_pending(state, replace(state, old, qty="12"))
    assert hold.cash == D(200)
    fill(state, old, "10", "100", done=True)
    assert old not in state.orders
    release_pending(state, hold)
    again = hold_pending(state, hold.accepted)
    assert again.cash == D(1200) and state.pending_cash == D(1200)  # the closed order holds nothing
    release_pending(state, again)
    assert state.pending_cash == D(0) and state.buying_power == D(500)


def test_pending_replace_of_a_buy_creates_no_position() -> None:
    state = make_account()
    old = place(state, type=OrderType.LIMIT, limit_price="10")
    hold_pending(state, replace(state, old, limit_price="11"))
    assert state.positions == {}


def test_pending_replace_of_a_sell_holds_extra_shares_only() -> None:
    state = holding("10", "1000.00")
    old = place(state, side=OrderSide.SELL, type=OrderType.LIMIT, limit_price="200", qty="6")
    hold = hold_pending(state, replace(state, old, qty="10"))
    assert state.positions["AAPL"].reserved_qty == D(10)
    release_pending(state, hold)
    assert state.positions["AAPL"].reserved_qty == D(6)


# -- the account and the book together -------------------------------------------------------------


def test_equity_identity_holds_through_trading() -> None:
    venue = make_venue("5000")
    venue.tick(quote("10.00", "10.05"))
    venue.place(make_request(qty="100"))
    venue.tick(quote("11.00", "11.05", when=at(1)))
    venue.place(make_request(side=OrderSide.SELL, qty="40"))
    value = valuation(venue.state, lambda symbol: D("10.50"))
    assert venue.state.realized_pl == D(40 * 11) - D(402)  # sold 40 at 11 against 40 × 10.05
    assert value.equity == venue.state.contributions + venue.state.realized_pl + value.unrealized_pl
    assert_reservations_match_open_orders(venue.state)


def test_day_orders_placed_near_midnight_expire_at_that_session_end() -> None:
    late = T0.replace(hour=23, minute=59)
    assert session_end(late) == (T0 + timedelta(days=1)).replace(hour=0, minute=0)
    assert isinstance(session_end(late), type(T0))
    assert session_end(T0.replace(hour=0, minute=0)) == session_end(late)


def test_order_lookup_of_an_unknown_id_is_not_found() -> None:
    with pytest.raises(NotFound):
        make_account().order(uuid4())


def test_valuation_reports_buying_power_net_of_reservations() -> None:
    state = make_account("1000")
    place(state, type=OrderType.LIMIT, limit_price="25", qty="10")
    assert valuation(state, lambda symbol: None).buying_power == D(750)
