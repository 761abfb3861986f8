"""The engine and its actors: orders placed, canceled and replaced through account and market actors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from tests.factories import make_engine, set_price
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.actors.messages import ApplyTick
from tradeloop.core.accounts import AccountState, valuation
from tradeloop.core.events import AccountEvent, OrderCanceled, OrderFilled
from tradeloop.core.marketdata import Quote
from tradeloop.core.money import cents
from tradeloop.core.orders import (
    Order,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    ReplaceRequest,
    TimeInForce,
)
from tradeloop.core.sessions import session_end
from tradeloop.errors import NotCancelable, NotReplaceable, TradingHalted, Unavailable

CASH = Decimal(100_000)


def D(value: str | int) -> Decimal:
    return Decimal(value)


def request(side: OrderSide = OrderSide.BUY, qty: str = "10", **overrides: Any) -> OrderRequest:
    values: dict[str, Any] = {
        "symbol": "AAPL",
        "side": side,
        "type": OrderType.MARKET,
        "time_in_force": TimeInForce.DAY,
        "qty": D(qty),
    }
    values.update(overrides)
    return OrderRequest(**values)


def limit(side: OrderSide, price: str, qty: str = "10", **overrides: Any) -> OrderRequest:
    return request(side, qty, type=OrderType.LIMIT, limit_price=D(price), **overrides)


def tick_quote(price: str, size: str | None = None, *, bid: str | None = None) -> Quote:
    return Quote(
        symbol="AAPL",
        bid=D(bid or price),
        ask=D(price),
        bid_size=None if size is None else D(size),
        ask_size=None if size is None else D(size),
        timestamp=datetime.now(UTC),
    )


def events_of(engine: Engine, account_id: UUID) -> list[AccountEvent]:
    journal = engine.journal
    assert isinstance(journal, MemoryJournal)
    return [event for owner, event in journal.records if owner == account_id]


def fills_of(engine: Engine, account_id: UUID) -> list[OrderFilled]:
    return [e for e in events_of(engine, account_id) if isinstance(e, OrderFilled)]


def assert_books_balance(engine: Engine, state: AccountState, opening_cash: Decimal = CASH) -> None:
    """Cash, positions and holds agree with the journaled fills and the open orders."""
    fills = fills_of(engine, state.id)
    bought = sum((f.cash for f in fills if f.side is OrderSide.BUY), D(0))
    sold = sum((f.cash for f in fills if f.side is OrderSide.SELL), D(0))
    assert state.cash == opening_cash - bought + sold
    net = sum((f.qty if f.side is OrderSide.BUY else -f.qty for f in fills), D(0))
    assert sum((p.qty for p in state.positions.values()), D(0)) == net
    open_orders = [o for o in state.orders.values() if o.is_open]
    assert state.reserved_cash == sum((o.reserved_cash for o in open_orders), D(0))
    assert state.pending_cash == 0 and state.buying_power >= 0 and state.cash >= 0
    for position in state.positions.values():
        assert position.reserved_qty == sum((o.reserved_qty for o in open_orders if o.terms.symbol == position.symbol), D(0))
    value = valuation(state, engine.board.last_price)
    assert value.equity == state.contributions + state.realized_pl + value.unrealized_pl


async def closed_order(engine: Engine, state: AccountState, order_id: UUID) -> Order:
    """An order that has closed: gone from the account's memory, still served (from the journal)."""
    assert order_id not in state.orders
    found = await engine.order(state.id, order_id)
    assert not found.is_open
    return found


@pytest.fixture
async def running() -> AsyncIterator[Engine]:
    engine = make_engine()
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


async def open_funded(engine: Engine, cash: Decimal = CASH) -> AccountState:
    credentials = await engine.open_account(cash)
    return engine.account(credentials.account_id)


async def quote_now(engine: Engine, price: str, size: str | None = None) -> None:
    """Feed one quote (ask and bid at `price`, `size` a side) and wait until it is handled."""
    await engine.ingest(tick_quote(price, size))
    await engine.quiesce()


async def step(engine: Engine, *actors: Any) -> None:
    """Let only the given actors handle what is queued for them, in this order."""
    for actor in actors:
        actor.start()
        await actor.idle()
        await actor.stop()


# -- place, cancel, replace ---------------------------------------------------------------


async def test_market_buy_fills_at_the_ask_through_the_actors(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "150", bid="149.99", ask="150.01")
    order = await running.place_order(state.id, request(qty="10"))
    assert order.status is OrderStatus.FILLED and order.filled_avg_price == D("150.01")
    assert state.cash == CASH - D("1500.10") and state.positions["AAPL"].qty == 10
    assert_books_balance(running, state)


async def test_reply_is_a_detached_copy(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "150")
    order = await running.place_order(state.id, limit(OrderSide.BUY, "100"))
    order.status = OrderStatus.FILLED
    assert state.orders[order.terms.id].status is OrderStatus.NEW


async def test_limit_order_rests_then_fills_at_the_ask_once_it_reaches_the_limit(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "150", bid="149.99", ask="150.01")
    order = await running.place_order(state.id, limit(OrderSide.BUY, "149.00"))
    assert order.status is OrderStatus.NEW and state.buying_power == CASH - D(1490)
    await set_price(running, "AAPL", "148.55", bid="148.50", ask="148.60")
    filled = await closed_order(running, state, order.terms.id)
    assert filled.status is OrderStatus.FILLED and filled.filled_avg_price == D("148.60")
    assert state.buying_power == state.cash == CASH - D(1486)
    assert_books_balance(running, state)


async def test_market_order_placed_before_any_price_fills_at_the_first_tick(running: Engine) -> None:
    state = await open_funded(running)
    order = await running.place_order(state.id, request(qty="2"))
    assert order.status is OrderStatus.NEW
    await set_price(running, "AAPL", "180", bid="179.95", ask="180.05")
    filled = await closed_order(running, state, order.terms.id)
    assert filled.status is OrderStatus.FILLED and filled.filled_avg_price == D("180.05")
    assert_books_balance(running, state)


async def test_cancel_releases_the_reservation_and_cannot_be_repeated(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "150")
    order = await running.place_order(state.id, limit(OrderSide.BUY, "140"))
    canceled = await running.cancel_order(state.id, order.terms.id)
    assert canceled.status is OrderStatus.CANCELED and state.buying_power == CASH
    with pytest.raises(NotCancelable, match="order is canceled and can no longer be canceled"):
        await running.cancel_order(state.id, order.terms.id)
    assert_books_balance(running, state)


async def test_replace_swaps_the_order_and_its_reservation(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "150")
    old = await running.place_order(state.id, limit(OrderSide.BUY, "140"))
    new = await running.replace_order(state.id, old.terms.id, ReplaceRequest(limit_price=D("139"), qty=D("5")))
    assert new.terms.replaces == old.terms.id and new.status is OrderStatus.NEW and new.terms.limit_price == D(139)
    replaced = await closed_order(running, state, old.terms.id)
    assert replaced.status is OrderStatus.REPLACED and replaced.replaced_by == new.terms.id
    assert list(state.orders) == [new.terms.id]
    assert state.buying_power == CASH - D(695)
    await set_price(running, "AAPL", "138.5", bid="138.40", ask="138.60")
    filled = await closed_order(running, state, new.terms.id)
    assert filled.status is OrderStatus.FILLED and filled.filled_qty == 5
    assert_books_balance(running, state)


async def test_replace_of_a_filled_order_is_refused_and_holds_nothing(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "150")
    order = await running.place_order(state.id, request(qty="1"))
    with pytest.raises(NotReplaceable, match="order is filled and can no longer be replaced"):
        await running.replace_order(state.id, order.terms.id, ReplaceRequest(qty=D("2")))
    assert state.pending_cash == 0 and not state.pending_client_order_ids
    assert_books_balance(running, state)


# -- several accounts, one symbol ------------------------------------------------------------


async def test_concurrent_orders_from_several_accounts_share_the_quote(running: Engine) -> None:
    states = [await open_funded(running) for _ in range(5)]
    await set_price(running, "AAPL", "100", size="10")
    orders = await asyncio.gather(*(running.place_order(s.id, request(qty="4")) for s in states))
    filled = [o.filled_qty for o in orders]
    assert sum(filled) == 10  # the quote offered ten shares
    assert sorted(filled, reverse=True) == [4, 4, 2, 0, 0]
    await set_price(running, "AAPL", "100", size="10")
    assert sum(s.positions["AAPL"].qty for s in states) == 20
    for state, order in zip(states, orders):
        assert (await closed_order(running, state, order.terms.id)).status is OrderStatus.FILLED
        assert state.orders == {}
        assert_books_balance(running, state)


async def test_limits_from_several_accounts_fill_best_price_then_earliest(running: Engine) -> None:
    states = [await open_funded(running) for _ in range(3)]
    await set_price(running, "AAPL", "100")
    first = await running.place_order(states[0].id, limit(OrderSide.BUY, "95", qty="3"))
    second = await running.place_order(states[1].id, limit(OrderSide.BUY, "95", qty="3"))
    better = await running.place_order(states[2].id, limit(OrderSide.BUY, "96", qty="3"))
    await set_price(running, "AAPL", "94.9", bid="94.80", ask="94.90", size="5")
    assert (await closed_order(running, states[2], better.terms.id)).filled_qty == 3
    assert states[0].orders[first.terms.id].filled_qty == 2
    assert states[1].orders[second.terms.id].filled_qty == 0
    for state in states:
        assert_books_balance(running, state)


async def test_buyers_and_sellers_from_different_accounts_trade_against_the_quote(running: Engine) -> None:
    seller, buyer = await open_funded(running), await open_funded(running)
    await set_price(running, "AAPL", "50")
    await running.place_order(seller.id, request(qty="20"))
    await asyncio.gather(
        running.place_order(seller.id, limit(OrderSide.SELL, "52", qty="20")),
        running.place_order(buyer.id, limit(OrderSide.BUY, "49", qty="20")),
    )
    await set_price(running, "AAPL", "52", bid="52.00", ask="52.05")
    assert "AAPL" not in seller.positions and seller.realized_pl == D(40)
    assert not buyer.positions
    await set_price(running, "AAPL", "49", bid="48.95", ask="49.00")
    assert buyer.positions["AAPL"].qty == 20
    for state in (seller, buyer):
        assert_books_balance(running, state)


# -- overload --------------------------------------------------------------------------------


async def test_full_market_queue_refuses_a_new_order_with_503_and_changes_nothing() -> None:
    engine = make_engine(queue_size=1)
    state = await open_funded(engine)
    engine.market("AAPL").tell(ApplyTick(tick=tick_quote("100")))  # fills the market's only slot
    account = engine.account_actor(state.id)
    account.start()
    try:
        with pytest.raises(Unavailable) as caught:
            await engine.place_order(state.id, request(qty="1"))
        assert caught.value.status == 503
    finally:
        await account.stop()
    assert state.orders == {} and state.client_order_ids == {}
    assert state.cash == state.buying_power == CASH and state.reserved_cash == 0
    assert [type(e).__name__ for e in events_of(engine, state.id)] == ["AccountOpened"]


async def test_full_market_queue_refuses_cancel_and_replace_and_changes_nothing() -> None:
    engine = make_engine(queue_size=1)
    await engine.start()
    state = await open_funded(engine)
    await set_price(engine, "AAPL", "100")
    order = await engine.place_order(state.id, limit(OrderSide.BUY, "90"))
    await engine.stop()
    before = (state.orders[order.terms.id].copy(), state.buying_power, len(events_of(engine, state.id)))
    engine.market("AAPL").tell(ApplyTick(tick=tick_quote("100")))
    account = engine.account_actor(state.id)
    account.start()
    try:
        with pytest.raises(Unavailable):
            await engine.cancel_order(state.id, order.terms.id)
        with pytest.raises(Unavailable):
            await engine.replace_order(state.id, order.terms.id, ReplaceRequest(limit_price=D("91")))
    finally:
        await account.stop()
    assert (state.orders[order.terms.id], state.buying_power, len(events_of(engine, state.id))) == before
    assert state.pending_cash == 0 and not state.pending_client_order_ids


async def test_full_account_queue_refuses_at_once_with_503() -> None:
    engine = make_engine(queue_size=1)
    state = await open_funded(engine)
    waiting = asyncio.create_task(engine.place_order(state.id, request(qty="1")))
    await asyncio.sleep(0)
    with pytest.raises(Unavailable):
        await engine.place_order(state.id, request(qty="1"))
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_a_request_the_engine_does_not_answer_in_time_fails_with_503_and_is_skipped_later() -> None:
    engine = make_engine(reply_timeout_s=0.05)
    state = await open_funded(engine)  # the account actor is not running: nothing answers
    with pytest.raises(Unavailable) as caught:
        await engine.place_order(state.id, request(qty="1"))
    assert caught.value.status == 503
    await engine.start()  # the actor now takes the request, and finds no one waiting for it
    try:
        await engine.quiesce()
    finally:
        await engine.stop()
    assert len(state.orders) == 1


# -- races -------------------------------------------------------------------------------------


async def test_cancel_after_the_fill_is_refused_and_the_fill_counts_once(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "100")
    order = await running.place_order(state.id, limit(OrderSide.BUY, "99"))
    await running.stop()
    await running.ingest(tick_quote("98.50"))  # the market will fill it first
    cancel = asyncio.create_task(running.cancel_order(state.id, order.terms.id))
    await asyncio.sleep(0)
    await running.start()
    with pytest.raises(NotCancelable, match="order is filled"):
        await cancel
    assert (await closed_order(running, state, order.terms.id)).status is OrderStatus.FILLED
    assert len(fills_of(running, state.id)) == 1
    assert_books_balance(running, state)


async def test_cancel_before_the_fill_wins_and_nothing_fills(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "100")
    order = await running.place_order(state.id, limit(OrderSide.BUY, "99"))
    await running.stop()
    cancel = asyncio.create_task(running.cancel_order(state.id, order.terms.id))
    await asyncio.sleep(0)
    await step(running, running.account_actor(state.id))  # the withdrawal reaches the market first
    await running.ingest(tick_quote("98.50"))
    await running.start()
    assert (await cancel).status is OrderStatus.CANCELED
    await running.quiesce()
    assert fills_of(running, state.id) == [] and state.buying_power == CASH
    assert_books_balance(running, state)


async def test_cancel_racing_a_partial_fill_counts_the_fill_once_and_cancels_the_rest(running: Engine) -> None:
    state = await open_funded(running)
    await quote_now(running, "100", size="0")
    order = await running.place_order(state.id, limit(OrderSide.BUY, "99"))
    await running.stop()
    await running.ingest(tick_quote("98.50", size="4"))
    cancel = asyncio.create_task(running.cancel_order(state.id, order.terms.id))
    await asyncio.sleep(0)
    await running.start()
    canceled = await cancel
    assert canceled.status is OrderStatus.CANCELED and canceled.filled_qty == 4
    events = [e for e in events_of(running, state.id) if getattr(e, "order_id", None) == order.terms.id]
    assert [type(e) for e in events] == [OrderFilled, OrderCanceled]
    assert state.positions["AAPL"].qty == 4
    assert_books_balance(running, state)


async def test_many_cancels_racing_many_ticks_never_double_count(running: Engine) -> None:
    states = [await open_funded(running) for _ in range(4)]
    await quote_now(running, "100", size="0")
    orders = []
    for state in states:
        for price in ("99", "98", "97"):
            orders.append((state, await running.place_order(state.id, limit(OrderSide.BUY, price, qty="5"))))

    async def cancel(state: AccountState, order_id: UUID) -> None:
        try:
            await running.cancel_order(state.id, order_id)
        except NotCancelable:
            pass

    async def ticks() -> None:
        for price in ("99.00", "98.00", "97.00", "96.00"):
            await running.ingest(tick_quote(price, size="3"))
            await asyncio.sleep(0)

    await asyncio.gather(ticks(), *(cancel(state, order.terms.id) for state, order in orders))
    await running.quiesce()
    for state in states:
        assert state.orders == {}
        for order in [await closed_order(running, state, o.terms.id) for owner, o in orders if owner is state]:
            ends = [e for e in events_of(running, state.id) if isinstance(e, OrderCanceled) and e.order_id == order.terms.id]
            assert len(ends) == (0 if order.status is OrderStatus.FILLED else 1)
            assert order.filled_qty == sum((f.qty for f in fills_of(running, state.id) if f.order_id == order.terms.id), D(0))
        assert_books_balance(running, state)


async def test_replace_racing_a_fill_of_the_old_order_is_refused_and_keeps_holds_right(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "100")
    await running.place_order(state.id, request(qty="10"))
    old = await running.place_order(state.id, limit(OrderSide.SELL, "101", qty="10"))
    await running.stop()
    await running.ingest(tick_quote("101.50", size="4"))  # fills 4 of the old order first
    replace = asyncio.create_task(running.replace_order(state.id, old.terms.id, ReplaceRequest(limit_price=D("102"))))
    await asyncio.sleep(0)
    await running.start()
    with pytest.raises(NotReplaceable):
        await replace
    position = state.positions["AAPL"]
    assert (position.qty, position.reserved_qty) == (D(6), D(6))  # never more held for sale than owned
    assert state.orders[old.terms.id].status is OrderStatus.PARTIALLY_FILLED
    assert_books_balance(running, state)


async def test_buying_power_never_goes_negative_while_a_replace_is_pending() -> None:
    engine = make_engine()
    await engine.start()
    state = await open_funded(engine, D(1000))
    await set_price(engine, "AAPL", "101")
    old = await engine.place_order(state.id, limit(OrderSide.BUY, "100", qty="10"))
    assert state.buying_power == 0
    await engine.stop()
    replace = asyncio.create_task(engine.replace_order(state.id, old.terms.id, ReplaceRequest(limit_price=D("99"))))
    await asyncio.sleep(0)
    await step(engine, engine.account_actor(state.id))  # decided, the market has not answered yet
    assert state.buying_power >= 0
    await engine.start()
    new = await replace
    assert state.buying_power == D(10) and new.reserved_cash == D(990)
    await engine.stop()


# -- sessions ------------------------------------------------------------------------------------


async def test_session_close_expires_day_orders_and_records_last_equity(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "100", bid="99.99", ask="100.01")
    await running.place_order(state.id, request(qty="10"))
    day = await running.place_order(state.id, limit(OrderSide.BUY, "90"))
    gtc = await running.place_order(state.id, limit(OrderSide.BUY, "90", time_in_force=TimeInForce.GTC))
    await set_price(running, "AAPL", "105")
    end = session_end(datetime.now(UTC))
    await running.close_session(end)
    await running.quiesce()
    expired = await closed_order(running, state, day.terms.id)
    assert expired.status is OrderStatus.EXPIRED and expired.expired_at == end
    assert state.orders[gtc.terms.id].status is OrderStatus.NEW
    assert state.last_equity == cents(CASH - D("1000.10") + D(1050)) == D("100049.90")
    assert running.board.top("AAPL").previous_close == D(105)
    assert_books_balance(running, state)


# -- durability ------------------------------------------------------------------------------------


class GatedJournal(MemoryJournal):
    """A journal whose commits wait until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate: asyncio.Future[None] | None = None

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        done = super().write(account_id, events, orders)
        if self.gate is None:
            return done
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def commit(_: asyncio.Future[None]) -> None:
            if not committed.done():
                committed.set_result(None)

        self.gate.add_done_callback(commit)
        return committed


async def test_an_order_is_acknowledged_only_once_its_acceptance_is_committed() -> None:
    journal = GatedJournal()
    engine = make_engine(journal=journal)
    await engine.start()
    try:
        state = await open_funded(engine)
        await set_price(engine, "AAPL", "100")
        journal.gate = asyncio.get_running_loop().create_future()
        placing = asyncio.create_task(engine.place_order(state.id, limit(OrderSide.BUY, "90")))
        await engine.quiesce()
        await asyncio.sleep(0.01)
        assert not placing.done()  # the order rests, but its acceptance is not durable yet
        journal.gate.set_result(None)
        assert (await placing).status is OrderStatus.NEW
    finally:
        await engine.stop()


async def test_an_order_on_its_way_to_the_market_when_a_halt_lands_is_canceled_not_filled(running: Engine) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "100")
    await running.stop()
    placing = asyncio.create_task(running.place_order(state.id, request(qty="10")))
    await asyncio.sleep(0)
    await step(running, running.account_actor(state.id))  # accepted; the market has not seen it yet
    await running.halt("AAPL", True)
    await running.start()
    order = await placing
    assert order.status is OrderStatus.CANCELED
    assert order.filled_qty == 0
    assert fills_of(running, state.id) == []
    assert "AAPL" not in state.positions or state.positions["AAPL"].qty == 0
    assert state.cash == CASH and state.reserved_cash == 0
    assert (await closed_order(running, state, order.terms.id)).status is OrderStatus.CANCELED
    assert_books_balance(running, state)


async def test_a_replacement_on_its_way_when_a_halt_lands_is_refused_as_halted_and_keeps_the_order(
    running: Engine,
) -> None:
    state = await open_funded(running)
    await set_price(running, "AAPL", "100")
    old = await running.place_order(state.id, limit(OrderSide.BUY, "90", qty="10"))
    await running.stop()
    replacing = asyncio.create_task(running.replace_order(state.id, old.terms.id, ReplaceRequest(limit_price=D("101"))))
    await asyncio.sleep(0)
    await step(running, running.account_actor(state.id))  # decided; the market has not swapped yet
    await running.halt("AAPL", True)
    await running.start()
    with pytest.raises(TradingHalted):
        await replacing
    kept = state.orders[old.terms.id]
    assert (kept.status, kept.terms.limit_price) == (OrderStatus.NEW, D(90))
    assert state.reserved_cash == kept.reserved_cash and state.pending_cash == 0
    assert fills_of(running, state.id) == []
    assert_books_balance(running, state)
