"""The journal's fills for trade history: in the order applied, with their orders' strategies, after compaction and a restart."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

from tests.factories import make_engine, set_price
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.core.trades import Fill
from tradeloop.journal import FillQuery, Journal
from tradeloop.snapshots.journal import JournalWriter


def market(symbol: str, side: OrderSide, qty: int, strategy_id: UUID | None = None) -> OrderRequest:
    return OrderRequest(
        symbol=symbol, side=side, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=Decimal(qty),
        strategy_id=strategy_id,
    )  # fmt: skip


async def trade(journal: Journal, strategy_id: UUID) -> UUID:
    """Buy AAPL for a strategy and by hand, buy MSFT, sell AAPL; stop (a final snapshot, the journal compacted)."""
    engine = make_engine(journal=journal)
    await engine.start()
    try:
        await set_price(engine, "AAPL", "100")
        await set_price(engine, "MSFT", "50")
        account_id = (await engine.open_account(Decimal(100_000))).account_id
        for request in [
            market("AAPL", OrderSide.BUY, 2, strategy_id),
            market("AAPL", OrderSide.BUY, 3),
            market("MSFT", OrderSide.BUY, 1),
            market("AAPL", OrderSide.SELL, 4),
        ]:
            await engine.place_order(account_id, request)
    finally:
        await engine.stop()
    return account_id


def described(fills: list[Fill]) -> list[tuple[str, OrderSide, Decimal, Decimal, UUID | None]]:
    return [(f.symbol, f.side, f.qty, f.cash, f.strategy_id) for f in fills]


async def test_fills_come_back_in_order_with_strategies_after_compaction_and_a_restart(tmp_path: Path) -> None:
    strategy_id = uuid4()
    writer = JournalWriter(tmp_path / "db.sqlite")
    await writer.open()
    try:
        account_id = await trade(writer, strategy_id)
    finally:
        await writer.close()
    reopened = JournalWriter(tmp_path / "db.sqlite")
    await reopened.open()
    try:
        found = await reopened.fills(FillQuery(account_id=account_id))
        aapl = await reopened.fills(FillQuery(account_id=account_id, symbols=frozenset({"AAPL"})))
        other = await reopened.fills(FillQuery(account_id=uuid4()))
    finally:
        await reopened.close()
    assert described(found) == [
        ("AAPL", OrderSide.BUY, Decimal(2), Decimal(200), strategy_id),
        ("AAPL", OrderSide.BUY, Decimal(3), Decimal(300), None),
        ("MSFT", OrderSide.BUY, Decimal(1), Decimal(50), None),
        ("AAPL", OrderSide.SELL, Decimal(4), Decimal(400), None),
    ]
    assert described(aapl) == [described(found)[i] for i in (0, 1, 3)]
    assert other == []


async def test_the_memory_journal_gives_the_same_fills() -> None:
    strategy_id = uuid4()
    journal = MemoryJournal()
    account_id = await trade(journal, strategy_id)
    found = await journal.fills(FillQuery(account_id=account_id))
    assert [(f.symbol, f.side, f.strategy_id) for f in found] == [
        ("AAPL", OrderSide.BUY, strategy_id),
        ("AAPL", OrderSide.BUY, None),
        ("MSFT", OrderSide.BUY, None),
        ("AAPL", OrderSide.SELL, None),
    ]
    assert [f.symbol for f in await journal.fills(FillQuery(account_id=account_id, symbols=frozenset({"MSFT"})))] == [
        "MSFT"
    ]
