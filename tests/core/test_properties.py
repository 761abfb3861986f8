"""Property tests: an account and a book driven together as the actors drive them, over random sequences.

After every step the money invariants hold: equity is contributions plus realized
and unrealized P&L to the cent, cash and buying power never go negative, fills
respect limits, liquidity and budgets, ended orders stay ended (and leave the
account, which holds exactly its open orders), and what the account holds for
its orders is exactly what its open orders (and pending replaces) hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any
from uuid import UUID, uuid4

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.core.factories import SYMBOL, T0, asset, at, make_venue, quote
from tradeloop.core.accounts import AccountState, apply_events, open_account, order_from_acceptance, valuation
from tradeloop.core.book import OrderBook
from tradeloop.core.events import (
    AccountEvent,
    AccountOpened,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderReplaced,
)
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.money import ZERO, cents, quantize_price
from tradeloop.core.orders import (
    Order,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    ReplaceRequest,
    TimeInForce,
)
from tradeloop.core.placement import Hold, accept_order, accept_replacement, hold_pending, release_pending
from tradeloop.core.sessions import session_end
from tradeloop.core.working import WorkingOrder
from tradeloop.errors import TradeloopError

MIN_PRICE = Decimal("0.50")

sizes = st.one_of(
    st.none(),
    st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1), Decimal(2), Decimal(5), Decimal(10), Decimal(100)]),
    st.integers(1, 4000).map(lambda n: Decimal(n) / 1000),
)
moves = st.integers(-60, 60)
"""A price move in tenths of a percent."""


@st.composite
def order_requests(draw: st.DrawFn, price: Decimal) -> OrderRequest:
    """Mostly valid requests of every type, priced around `price`."""

    def near() -> Decimal:
        return max(quantize_price(price * (1 + Decimal(draw(st.integers(-80, 80))) / 1000)), Decimal("0.01"))

    side = draw(st.sampled_from(OrderSide))
    kind = draw(st.sampled_from(OrderType))
    if kind in (OrderType.MARKET, OrderType.LIMIT):
        tif = draw(st.sampled_from(TimeInForce))
    else:
        tif = draw(st.sampled_from([TimeInForce.DAY, TimeInForce.GTC]))
    amount = draw(st.sampled_from(["whole", "whole", "fraction", "notional"]))
    qty: Decimal | None = None
    notional: Decimal | None = None
    if amount == "whole":
        qty = Decimal(draw(st.integers(1, 30)))
    elif amount == "fraction":
        qty = Decimal(draw(st.integers(1, 9999))) / 1000
        if kind in (OrderType.MARKET, OrderType.LIMIT):
            tif = TimeInForce.DAY
    else:
        notional = Decimal(draw(st.integers(100, 300_000))) / 100
        kind, tif = OrderType.MARKET, TimeInForce.DAY
    limit_price = near() if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None
    stop_price = near() if kind in (OrderType.STOP, OrderType.STOP_LIMIT) else None
    trail_price = trail_percent = None
    if kind is OrderType.TRAILING_STOP:
        if draw(st.booleans()):
            trail_price = quantize_price(price * Decimal(draw(st.integers(1, 50))) / 1000) or Decimal("0.01")
        else:
            trail_percent = Decimal(draw(st.integers(1, 100))) / 10
    return OrderRequest(
        symbol=SYMBOL,
        side=side,
        type=kind,
        time_in_force=tif,
        qty=qty,
        notional=notional,
        limit_price=limit_price,
        stop_price=stop_price,
        trail_price=trail_price,
        trail_percent=trail_percent,
    )


@dataclass
class PendingReplace:
    """A replace the account decided and the market has not answered yet."""

    old_id: UUID
    hold: Hold
    filled_qty: Decimal


class AccountAndBook(RuleBasedStateMachine):
    """One account trading one symbol, wired exactly as the account and market actors wire them."""

    def __init__(self) -> None:
        super().__init__()
        self.book = OrderBook(SYMBOL)
        self.state = _open(ZERO)
        self.now: datetime = T0
        self.mid = Decimal("100")
        self.quoted = False
        self.ask_left: Decimal | None = None
        self.bid_left: Decimal | None = None
        self.fill_ids: set[UUID] = set()
        self.ended: dict[UUID, tuple[Any, ...]] = {}
        self.history: dict[UUID, Order] = {}
        """Every order record the events changed, open or closed, as the journal's order history keeps them."""
        self.spent: dict[UUID, Decimal] = {}
        self.pending: list[PendingReplace] = []

    @initialize(cash=st.sampled_from([Decimal(500), Decimal(20_000), Decimal("123456.78")]), shares=st.integers(0, 40))
    def open(self, cash: Decimal, shares: int) -> None:
        """Open the account and, mostly, buy a first position so that sells have shares to sell."""
        self.state = _open(cash)
        if shares:
            self.quote(0, 1, None, None)
            self._place(
                OrderRequest(
                    symbol=SYMBOL,
                    side=OrderSide.BUY,
                    type=OrderType.MARKET,
                    time_in_force=TimeInForce.DAY,
                    qty=Decimal(shares),
                )
            )

    # -- helpers ----------------------------------------------------------------------

    def _tick_at(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def _apply(self, events: Sequence[AccountEvent]) -> None:
        """Check each event against the spec, then apply it as the account actor does."""
        for change in events:
            if not isinstance(change, OrderAccepted):
                assert isinstance(change, OrderEvent)
                order = self.state.orders.get(change.order_id) or self.history[change.order_id]
                assert order.is_open, f"{type(change).__name__} for an order already {order.status}"
                note(f"{type(change).__name__} {order.terms.side} {order.terms.type} {order.terms.time_in_force}")
                if isinstance(change, OrderFilled):
                    self._check_fill(change)
                if isinstance(change, OrderCanceled) and change.reason.startswith("insufficient"):
                    assert order.terms.limit_price is None, "a limit order's reservation covers its worst cost"
                    assert order.terms.notional is None or order.terms.side is OrderSide.SELL, "a notional buy holds all it spends"
            apply_events(self.state, [change], self.history)
        for order in self.history.values():
            if not order.is_open and order.terms.id not in self.ended:
                self.ended[order.terms.id] = _snapshot(order)

    def _check_fill(self, fill: OrderFilled) -> None:
        order = self.state.orders[fill.order_id]
        assert fill.fill_id not in self.fill_ids
        self.fill_ids.add(fill.fill_id)
        assert fill.qty > ZERO
        buy = fill.side is OrderSide.BUY
        expected_price = self.book.buy_price() if buy else self.book.sell_price()
        assert fill.price == expected_price, "fills happen at the ask (buy) or bid (sell), or the last trade"
        if order.terms.limit_price is not None:
            assert fill.price <= order.terms.limit_price if buy else fill.price >= order.terms.limit_price
        if buy:
            assert self.ask_left is None or fill.qty <= self.ask_left, "a fill takes at most the quoted size"
            self.ask_left = None if self.ask_left is None else self.ask_left - fill.qty
        else:
            assert self.bid_left is None or fill.qty <= self.bid_left, "a fill takes at most the quoted size"
            self.bid_left = None if self.bid_left is None else self.bid_left - fill.qty
        self.spent[order.terms.id] = self.spent.get(order.terms.id, ZERO) + fill.cash
        if order.terms.notional is not None:
            assert self.spent[order.terms.id] <= order.terms.notional
        assert fill.cash <= order.reserved_cash if buy else fill.qty <= order.reserved_qty

    def _open_orders(self) -> list[Order]:
        return sorted((o for o in self.state.orders.values() if o.is_open), key=lambda o: o.terms.created_at)

    def _market_tick(self, tick: Quote | Trade) -> None:
        """What the market actor does with a tick: expire what ran out, then match."""
        self._apply(self.book.expire(tick.timestamp))
        if isinstance(tick, Quote):
            self.quoted = True
            self.ask_left, self.bid_left = tick.ask_size, tick.bid_size
        elif not self.quoted:
            self.ask_left = self.bid_left = tick.size
        self._apply(self.book.on_tick(tick))

    # -- rules ----------------------------------------------------------------------------

    @rule(move=moves, spread=st.integers(0, 12), bid_size=sizes, ask_size=sizes)
    def quote(self, move: int, spread: int, bid_size: Decimal | None, ask_size: Decimal | None) -> None:
        self.mid = max(quantize_price(self.mid * (1 + Decimal(move) / 1000)), MIN_PRICE)
        ask = quantize_price(self.mid + spread * Decimal("0.01"))
        tick = Quote(
            symbol=SYMBOL, bid=self.mid, ask=ask, bid_size=bid_size, ask_size=ask_size, timestamp=self._tick_at()
        )
        self._market_tick(tick)

    @rule(move=moves, size=sizes)
    def trade(self, move: int, size: Decimal | None) -> None:
        self.mid = max(quantize_price(self.mid * (1 + Decimal(move) / 1000)), MIN_PRICE)
        self._market_tick(Trade(symbol=SYMBOL, price=self.mid, size=size, timestamp=self._tick_at()))

    @rule(data=st.data())
    def place(self, data: st.DataObject) -> None:
        self._place(data.draw(order_requests(self.mid)))

    def _place(self, request: OrderRequest) -> None:
        """What the account actor, then the market actor, do with a new order."""
        side_price = self.book.buy_price() if request.side is OrderSide.BUY else self.book.sell_price()
        try:
            accepted = accept_order(
                self.state,
                request,
                asset(),
                order_id=uuid4(),
                reference_price=side_price,
                now=self.now,
                session_end=session_end(self.now),
            )
        except TradeloopError:
            return
        self._apply([accepted])
        order = self.state.orders[accepted.terms.id]
        self._apply(self.book.add(WorkingOrder.from_order(order), self.now))
        if request.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
            assert not order.is_open, "IOC and FOK orders never rest"
        if request.time_in_force is TimeInForce.FOK:
            assert order.filled_qty in (ZERO, order.terms.qty), "FOK is all or nothing"

    @precondition(lambda self: any(o.is_open for o in self.state.orders.values()))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self._open_orders()))
        removed = self.book.remove(order.terms.id)
        if removed is not None:
            self._apply(
                [OrderCanceled(account_id=self.state.id, order_id=order.terms.id, reason="client", timestamp=self.now)]
            )

    @precondition(lambda self: any(o.is_open for o in self.state.orders.values()))
    @rule(data=st.data(), move=st.integers(-50, 50), qty=st.none() | st.integers(1, 30))
    def begin_replace(self, data: st.DataObject, move: int, qty: int | None) -> None:
        old = data.draw(st.sampled_from(self._open_orders()))
        change = ReplaceRequest(
            qty=None if qty is None else Decimal(qty),
            limit_price=_moved(old.terms.limit_price, move),
            stop_price=_moved(old.stop_price, move) if old.terms.type in (OrderType.STOP, OrderType.STOP_LIMIT) else None,
        )
        side_price = self.book.buy_price() if old.terms.side is OrderSide.BUY else self.book.sell_price()
        try:
            replacement = accept_replacement(
                self.state,
                old.terms.id,
                change,
                asset(),
                new_id=uuid4(),
                reference_price=side_price,
                now=self.now,
                session_end=session_end(self.now),
            )
        except TradeloopError:
            return
        self.pending.append(PendingReplace(old.terms.id, hold_pending(self.state, replacement), old.filled_qty))

    @precondition(lambda self: bool(self.pending))
    @rule(data=st.data())
    def finish_replace(self, data: st.DataObject) -> None:
        pending = self.pending.pop(data.draw(st.integers(0, len(self.pending) - 1)))
        events: list[OrderEvent] = []
        working = self.book.orders.get(pending.old_id)
        if working is not None and working.filled_qty == pending.filled_qty:
            assert self.book.remove(pending.old_id) is working
            replacement = pending.hold.accepted
            events.append(
                OrderReplaced(
                    account_id=self.state.id, order_id=pending.old_id, replacement=replacement, timestamp=self.now
                )
            )
            events.extend(self.book.add(WorkingOrder.from_order(order_from_acceptance(replacement)), self.now))
        else:
            note("replace refused")
        release_pending(self.state, pending.hold)
        self._apply(events)

    @rule()
    def close_session(self) -> None:
        self.now = session_end(self.now)
        self._apply(self.book.expire(self.now))
        for order in self.state.orders.values():
            assert not (order.is_open and order.terms.expires_at is not None and order.terms.expires_at <= self.now)

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def equity_is_contributions_plus_pl(self) -> None:
        value = valuation(self.state, lambda symbol: self.book.last_price())
        assert value.equity == self.state.contributions + self.state.realized_pl + value.unrealized_pl

    @invariant()
    def cash_and_buying_power_never_negative(self) -> None:
        assert self.state.cash >= ZERO
        assert self.state.buying_power >= ZERO
        for position in self.state.positions.values():
            assert position.qty >= ZERO and ZERO <= position.reserved_qty <= position.qty

    @invariant()
    def orders_never_overfill(self) -> None:
        for order in self.history.values():
            if order.terms.qty is not None:
                assert order.filled_qty <= order.terms.qty
            if order.terms.notional is not None:
                assert self.spent.get(order.terms.id, ZERO) <= order.terms.notional

    @invariant()
    def ended_orders_stay_ended(self) -> None:
        for order_id, snapshot in self.ended.items():
            assert order_id not in self.state.orders
            assert _snapshot(self.history[order_id]) == snapshot

    @invariant()
    def the_account_holds_exactly_its_open_orders(self) -> None:
        assert all(order.is_open for order in self.state.orders.values())
        assert self.state.orders == {order_id: o for order_id, o in self.history.items() if o.is_open}
        assert set(self.state.client_order_ids.values()) == set(self.history)

    @invariant()
    def reservations_are_the_sum_over_open_orders(self) -> None:
        open_orders = [o for o in self.state.orders.values() if o.is_open]
        assert self.state.reserved_cash == sum((o.reserved_cash for o in open_orders), ZERO)
        assert self.state.pending_cash == sum((p.hold.cash for p in self.pending), ZERO)
        held = sum((o.reserved_qty for o in open_orders), ZERO) + sum((p.hold.qty for p in self.pending), ZERO)
        position = self.state.positions.get(SYMBOL)
        assert (position.reserved_qty if position else ZERO) == held
        for order in self.history.values():
            if not order.is_open:
                assert order.reserved_cash == ZERO and order.reserved_qty == ZERO

    @invariant()
    def the_book_works_exactly_the_open_orders(self) -> None:
        assert set(self.book.orders) == {o.terms.id for o in self.state.orders.values() if o.is_open}
        for working in self.book.orders.values():
            order = self.state.orders[working.terms.id]
            assert working.filled_qty == order.filled_qty
            assert working.budget == (order.reserved_cash if order.terms.side is OrderSide.BUY else order.reserved_qty)


def _open(cash: Decimal) -> AccountState:
    return open_account(
        AccountOpened(
            account_id=uuid4(), account_number="PA0000000001", key_id="PK", secret_hash="x", cash=cash, created_at=T0
        )
    )


def note(what: str) -> None:
    """Label what a run exercised, for `--hypothesis-show-statistics`."""
    event(what)


def _moved(price: Decimal | None, move: int) -> Decimal | None:
    if price is None or move == 0:
        return None
    return max(quantize_price(price * (1 + Decimal(move) / 1000)), Decimal("0.01"))


def _snapshot(order: Order) -> tuple[Any, ...]:
    return (
        order.status,
        order.filled_qty,
        order.filled_value,
        order.reserved_cash,
        order.reserved_qty,
        order.stop_price,
        order.hwm,
        order.triggered,
        order.updated_at,
    )


AccountAndBook.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_account_and_book = AccountAndBook.TestCase



# -- one order, filled in pieces -----------------------------------------------------------------

prices = st.one_of(
    st.integers(100, 50_000).map(lambda n: Decimal(n) / 100),
    st.integers(1, 9999).map(lambda n: Decimal(n) / 10000),
)
pieces = st.lists(st.integers(1, 5000).map(lambda n: Decimal(n) / 1000), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(qty=st.integers(1, 20_000).map(lambda n: Decimal(n) / 1000), price=prices, sizes=pieces)
def test_limit_buy_filled_in_pieces_fills_in_full_within_its_reservation(
    qty: Decimal, price: Decimal, sizes: list[Decimal]
) -> None:
    venue = make_venue("1000000")
    venue.tick(quote(price, price, ask_size=sizes[0]))
    order = venue.place(
        OrderRequest(
            symbol=SYMBOL, side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.DAY,
            qty=qty, limit_price=price,
        )
    )
    reserved = (qty * price).quantize(Decimal("0.01"), rounding=ROUND_CEILING)  # what accept_order held
    for second, size in enumerate([*sizes[1:], None], start=1):
        venue.tick(quote(price, price, ask_size=size, when=at(second)))
    assert order.status is OrderStatus.FILLED and order.filled_qty == qty
    assert venue.state.contributions - venue.state.cash == cents(qty * price) <= reserved


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(100, 500_000).map(lambda n: Decimal(n) / 100), price=prices, sizes=pieces)
def test_notional_buy_filled_in_pieces_ends_filled_within_its_notional(
    amount: Decimal, price: Decimal, sizes: list[Decimal]
) -> None:
    venue = make_venue("1000000")
    venue.tick(quote(price, price, ask_size=sizes[0]))
    order = venue.place(
        OrderRequest(symbol=SYMBOL, side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY,
                     notional=amount)
    )
    for second, size in enumerate([*sizes[1:], None], start=1):
        venue.tick(quote(price, price, ask_size=size, when=at(second)))
    assert order.status is OrderStatus.FILLED
    assert venue.state.contributions - venue.state.cash <= amount
