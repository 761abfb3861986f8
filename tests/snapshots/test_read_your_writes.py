"""Read-your-writes on the SQLite journal: once an order is answered, every read of it finds it."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from tests.factories import make_engine, set_price
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.journal import OrderQuery
from tradeloop.snapshots.journal import JournalWriter

ROUNDS = 150
CLIENTS = 4


def market_buy() -> OrderRequest:
    return OrderRequest(
        symbol="AAPL", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=Decimal(1)
    )


async def test_every_answered_order_is_found_by_the_reads_that_follow_it_under_concurrency(tmp_path: Path) -> None:
    writer = JournalWriter(tmp_path / "tradeloop.db")
    await writer.open()
    engine = make_engine(journal=writer)
    await engine.start()
    missed: list[str] = []
    try:
        account_id = (await engine.open_account(Decimal(10_000_000))).account_id
        await set_price(engine, "AAPL", "100")

        async def client() -> None:
            for _ in range(ROUNDS // CLIENTS):
                placed = await engine.place_order(account_id, market_buy())
                found = await writer.order(account_id, placed.terms.id)  # filled on arrival: only the journal has it
                if found is None or found.status != placed.status:
                    missed.append(f"{placed.terms.id} by id: {found and found.status}")
                listed = await writer.orders(OrderQuery(account_id=account_id, status="closed", limit=5))
                if placed.terms.id not in {order.terms.id for order in listed}:
                    missed.append(f"{placed.terms.id} not among the newest closed orders")

        async def lister() -> None:
            # Reads that start and end on their own schedule share the reading connection with the clients'.
            query = OrderQuery(account_id=account_id, status="all", limit=500, side=OrderSide.BUY)
            while not stop.is_set():
                await writer.orders(query)

        stop = asyncio.Event()
        listing = asyncio.create_task(lister())
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        stop.set()
        await listing
    finally:
        await engine.stop()
        await writer.close()
    assert missed == []
