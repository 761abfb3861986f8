"""The journal's order history: lookups and listings on both journals, and recovery that no longer reads it."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Literal
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_engine, set_price
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.accounts import AccountState, apply_events, open_account
from tradeloop.core.events import AccountEvent, AccountOpened, OrderCanceled, OrderFilled, OrderReplaced
from tradeloop.core.instruments import ASSETS_BY_SYMBOL
from tradeloop.core.orders import Order, OrderRequest, OrderSide, OrderType, ReplaceRequest, TimeInForce
from tradeloop.core.placement import accept_order, accept_replacement
from tradeloop.journal import Journal, OrderQuery, select_orders
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import recover

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)
SYMBOLS = ("AAPL", "MSFT")


class Account:
    """One account's orders, decided by the core and journaled as the account actor journals them."""

    def __init__(self, journals: list[Journal]) -> None:
        opened = AccountOpened(
            account_id=uuid4(),
            account_number="PA0000000001",
            key_id="PKTEST",
            secret_hash="x",
            cash=Decimal(10_000_000),
            created_at=T0,
        )
        self.state: AccountState = open_account(opened)
        self.journals = journals
        self.history: dict[UUID, Order] = {}
        """Every order ever placed, as the account kept them all before closed ones left it."""

    def record(self, events: list[AccountEvent]) -> None:
        touched: dict[UUID, Order] = {}
        apply_events(self.state, events, touched)
        self.history.update(touched)
        for journal in self.journals:
            journal.write(self.state.id, events, list(touched.values()))

    def place(self, side: OrderSide, symbol: str, at: datetime, qty: int = 1) -> Order:
        request = OrderRequest(
            symbol=symbol,
            side=side,
            type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            qty=Decimal(qty),
            limit_price=Decimal(10),
        )
        accepted = accept_order(
            self.state,
            request,
            ASSETS_BY_SYMBOL[symbol],
            order_id=uuid4(),
            reference_price=Decimal(10),
            now=at,
            session_end=at,
        )
        self.record([accepted])
        return self.state.orders[accepted.terms.id]

    def fill(self, order: Order, at: datetime) -> None:
        qty = (order.terms.qty or Decimal(0)) - order.filled_qty
        price = order.terms.limit_price or Decimal(10)
        fill = OrderFilled(
            account_id=self.state.id,
            order_id=order.terms.id,
            fill_id=uuid4(),
            symbol=order.terms.symbol,
            side=order.terms.side,
            qty=qty,
            price=price,
            cash=qty * price,
            order_done=True,
            timestamp=at,
        )
        self.record([fill])

    def cancel(self, order: Order, at: datetime) -> None:
        self.record([OrderCanceled(account_id=self.state.id, order_id=order.terms.id, reason="test", timestamp=at)])

    def replace(self, order: Order, at: datetime) -> None:
        terms = accept_replacement(
            self.state,
            order.terms.id,
            ReplaceRequest(limit_price=Decimal(11)),
            ASSETS_BY_SYMBOL[order.terms.symbol],
            new_id=uuid4(),
            reference_price=Decimal(10),
            now=at,
            session_end=at,
        )
        self.record([OrderReplaced(account_id=self.state.id, order_id=order.terms.id, replacement=terms, timestamp=at)])

    def stock_up(self) -> None:
        """Own shares of every symbol, so that sells are accepted."""
        for symbol in SYMBOLS:
            self.fill(self.place(OrderSide.BUY, symbol, T0, qty=1000), T0)


@asynccontextmanager
async def sqlite_journal(directory: Path) -> AsyncIterator[JournalWriter]:
    writer = JournalWriter(directory / "tradeloop.db")
    await writer.open()
    try:
        yield writer
    finally:
        await writer.close()


# -- the property: memory plus journal lists what keeping every order in memory listed ------------

Op = tuple[Literal["place", "fill", "cancel", "replace"], int, int]
"""What to do, a choice (side and symbol, or which open order), and a second (few: many ties in time)."""

ops = st.lists(
    st.tuples(st.sampled_from(["place", "place", "fill", "cancel", "replace"]), st.integers(0, 50), st.integers(0, 3)),
    max_size=30,
)
queries = st.tuples(
    st.sampled_from(["open", "closed", "all"]),
    st.none() | st.integers(-1, 4),
    st.none() | st.integers(-1, 4),
    st.booleans(),
    st.integers(1, 12),
    st.none() | st.sampled_from(OrderSide),
    st.none() | st.sampled_from([frozenset({"AAPL"}), frozenset({"MSFT", "NVDA"}), frozenset(SYMBOLS)]),
)
Query = tuple[
    Literal["open", "closed", "all"], int | None, int | None, bool, int, OrderSide | None, frozenset[str] | None
]


def play(account: Account, steps: list[Op]) -> None:
    for kind, choice, second in steps:
        at = T0 + timedelta(seconds=second)
        open_orders = list(account.state.orders.values())
        if kind == "place":
            account.place(OrderSide.BUY if choice % 2 else OrderSide.SELL, SYMBOLS[choice // 2 % 2], at)
        elif open_orders:
            order = open_orders[choice % len(open_orders)]
            {"fill": account.fill, "cancel": account.cancel, "replace": account.replace}[kind](order, at)


def as_query(account_id: UUID, drawn: Query) -> OrderQuery:
    status, after, until, newest_first, limit, side, symbols = drawn

    def moment(second: int | None) -> datetime | None:
        return None if second is None else T0 + timedelta(seconds=second)

    return OrderQuery(
        account_id=account_id,
        status=status,
        after=moment(after),
        until=moment(until),
        newest_first=newest_first,
        limit=limit,
        side=side,
        symbols=symbols,
    )


@settings(max_examples=40, deadline=None)
@given(steps=ops, drawn=st.lists(queries, min_size=1, max_size=6))
def test_open_orders_in_memory_and_closed_ones_in_the_journal_list_as_all_in_memory_did(
    steps: list[Op], drawn: list[Query]
) -> None:
    async def check() -> None:
        with tempfile.TemporaryDirectory() as directory:
            async with sqlite_journal(Path(directory)) as writer:
                memory = MemoryJournal()
                account = Account([memory, writer])
                account.stock_up()
                play(account, steps)
                assert account.state.orders == {i: o for i, o in account.history.items() if o.is_open}
                for journal in (memory, writer):
                    engine = make_engine(journal=journal, accounts=[account.state])
                    for query in (as_query(account.state.id, q) for q in drawn):
                        expected = select_orders(account.history.values(), query)
                        assert await engine.orders(query) == expected
                        assert await journal.orders(query) == expected  # the journal holds every order's latest record
                    for order_id, order in account.history.items():
                        assert await engine.order(account.state.id, order_id) == order
                        assert await journal.order(account.state.id, order_id) == order
                        assert await journal.order(uuid4(), order_id) is None

    asyncio.run(check())


# -- listings by side read in pages -----------------------------------------------------------------


async def test_a_listing_by_side_reads_past_a_page_of_the_other_side_and_keeps_its_limit(tmp_path: Path) -> None:
    async with sqlite_journal(tmp_path) as writer:
        memory = MemoryJournal()
        account = Account([memory, writer])
        account.stock_up()
        sells = [account.place(OrderSide.SELL, "AAPL", T0 + timedelta(seconds=1 + i)) for i in range(5)]
        for sell in sells:
            account.cancel(sell, T0 + timedelta(seconds=10))
        buys = [account.place(OrderSide.BUY, "AAPL", T0 + timedelta(seconds=100 + i)) for i in range(450)]
        for buy in buys:
            account.fill(buy, T0 + timedelta(seconds=1000))
        assert account.state.orders == {}
        for journal in (memory, writer):
            query = OrderQuery(account_id=account.state.id, status="closed", side=OrderSide.SELL, limit=3)
            assert [o.terms.id for o in await journal.orders(query)] == [o.terms.id for o in reversed(sells)][:3]
            query = OrderQuery(account_id=account.state.id, status="closed", side=OrderSide.BUY, limit=300)
            assert [o.terms.id for o in await journal.orders(query)] == [o.terms.id for o in reversed(buys)][:300]
            query = OrderQuery(account_id=account.state.id, status="all", side=OrderSide.SELL, newest_first=False)
            assert [o.terms.id for o in await journal.orders(query)] == [o.terms.id for o in sells]


# -- recovery --------------------------------------------------------------------------------------


async def _trade(path: Path, fills: int, *, crash: bool = False) -> dict[UUID, AccountState]:
    """Run an engine on the SQLite journal: orders that fill, orders that rest.

    Then stop cleanly (a final snapshot, and the journal compacted), or crash: no snapshot at all.
    """
    writer = JournalWriter(path)
    await writer.open()
    engine = make_engine(journal=writer)
    await engine.start()
    try:
        await set_price(engine, "AAPL", "100")
        account_id = (await engine.open_account(Decimal(1_000_000))).account_id
        request = OrderRequest(
            symbol="AAPL", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=Decimal(1)
        )
        await asyncio.gather(*(engine.place_order(account_id, request) for _ in range(fills)))
        resting = OrderRequest(
            symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC,
            qty=Decimal(1), limit_price=Decimal(90),
        )  # fmt: skip
        for _ in range(3):
            await engine.place_order(account_id, resting)
        state = engine.account(account_id)
        assert len(state.orders) == 3 and all(order.is_open for order in state.orders.values())
        assert len(state.client_order_ids) == fills + 3
    finally:
        if crash:
            await engine.quiesce()
        else:
            await engine.stop()
        await writer.close()
    return {state.id: state for state in engine.accounts()}


def _spoil_closed_orders(path: Path) -> int:
    """Make every closed order's record unreadable: recovery must not need them."""
    db = sqlite3.connect(path)
    try:
        spoiled = db.execute("UPDATE orders SET payload = x'c1' WHERE status = 'filled'").rowcount
        db.commit()
        return spoiled
    finally:
        db.close()


async def test_recovery_reads_no_closed_order_and_still_equals_live_state(tmp_path: Path) -> None:
    for crash in (False, True):
        path = tmp_path / f"crash-{crash}.db"
        live = await _trade(path, fills=60, crash=crash)
        assert _spoil_closed_orders(path) == 60
        recovered = recover(path)  # from the final snapshot, or (after a crash) from the journal alone
        assert recovered.replayed_records == (1 + 60 + 3 if crash else 0)  # opened, filled, resting
        assert recovered.accounts == live


async def test_memory_holds_only_open_orders_after_many_fills(tmp_path: Path) -> None:
    path = tmp_path / "tradeloop.db"
    live = await _trade(path, fills=300)
    (state,) = live.values()
    assert len(state.orders) == 3
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status").fetchall() == [
            ("filled", 300),
            ("new", 3),
        ]
    finally:
        db.close()
    writer = JournalWriter(path, last_seq=recover(path).last_seq)
    await writer.open()
    try:
        query = OrderQuery(account_id=state.id, status="closed", limit=500)
        closed = await writer.orders(query)
        assert len(closed) == 300 and all(order.status == "filled" for order in closed)
    finally:
        await writer.close()
