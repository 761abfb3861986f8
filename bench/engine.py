"""Engine: orders per second through account and market actors with the SQLite journal on.

Each order is a marketable limit buy against a price set once, so it goes
place → account actor (accept, journal) → market actor (fill) → account actor
(apply the fill, journal) → reply after the group commit. The baseline sends
the same messages (three, between two actors' queues, then a reply future)
through bare asyncio queues, with the same number of concurrent callers.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Final
from uuid import UUID

from bench.drive import closed_loop, median
from bench.report import Row, percent, progress, rate, verdict
from tradeloop.actors.engine import Engine
from tradeloop.actors.journal import Journal, MemoryJournal
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.snapshots.journal import JournalWriter

NAME: Final = "engine"
TARGET: Final = 0.30
SYMBOL: Final = "AAPL"
PRICE: Final = Decimal("100")
ORDER: Final = OrderRequest(
    symbol=SYMBOL,
    side=OrderSide.BUY,
    type=OrderType.LIMIT,
    time_in_force=TimeInForce.DAY,
    qty=Decimal(1),
    limit_price=Decimal("101"),
)


@dataclass(frozen=True, slots=True)
class Sizes:
    orders: int
    warmup: int
    concurrency: int
    accounts: int
    rounds: int


FULL: Final = Sizes(orders=20_000, warmup=2_000, concurrency=64, accounts=16, rounds=3)
QUICK: Final = Sizes(orders=200, warmup=20, concurrency=8, accounts=2, rounds=1)


@dataclass(slots=True)
class _Hop:
    payload: int
    reply: asyncio.Future[int]
    returned: bool = False


async def bare_queue_rate(orders: int, concurrency: int) -> float:
    """Round trips per second through bare queues, with the engine's message pattern for one order.

    An order is three messages between two actors and a reply: the caller's
    command into the account's queue, the account's order into the market's,
    the market's fill back into the account's; the account then answers the
    caller's future. Here two tasks pass one message along the same path and do
    nothing else.
    """
    account: asyncio.Queue[_Hop] = asyncio.Queue(10_000)
    market: asyncio.Queue[_Hop] = asyncio.Queue(10_000)

    async def account_task() -> None:
        while True:
            message = await account.get()
            if message.returned:
                if not message.reply.done():
                    message.reply.set_result(message.payload)
            else:
                market.put_nowait(message)
            account.task_done()

    async def market_task() -> None:
        while True:
            message = await market.get()
            message.returned = True
            await account.put(message)
            market.task_done()

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(account_task(), name="bare-account"), loop.create_task(market_task(), name="bare-market")]

    async def call(index: int) -> int:
        reply: asyncio.Future[int] = loop.create_future()
        account.put_nowait(_Hop(index, reply))
        return await reply

    try:
        elapsed = await closed_loop(orders, concurrency, call)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return orders / elapsed


async def engine_rate(sizes: Sizes, journal: Journal) -> float:
    """Orders per second through a started engine over `journal` (opened by the caller)."""
    engine = Engine(assets=UNIVERSE, journal=journal, snapshot_every_events=10**12, snapshot_every_s=10**9)
    await engine.start()
    try:
        accounts: list[UUID] = []
        for _ in range(sizes.accounts):
            accounts.append((await engine.open_account(Decimal(10**9))).account_id)
        now = datetime.now(timezone.utc)
        await engine.ingest(Quote(symbol=SYMBOL, bid=PRICE, ask=PRICE, bid_size=None, ask_size=None, timestamp=now))
        await engine.ingest(Trade(symbol=SYMBOL, price=PRICE, size=None, timestamp=now))
        await engine.quiesce()
        first = await engine.place_order(accounts[0], ORDER)
        if first.status is not OrderStatus.FILLED:
            raise RuntimeError(f"the benchmark order did not fill: {first.status}")

        async def call(index: int) -> object:
            return await engine.place_order(accounts[index % len(accounts)], ORDER)

        await closed_loop(sizes.warmup, sizes.concurrency, call)
        elapsed = await closed_loop(sizes.orders, sizes.concurrency, call)
        return sizes.orders / elapsed
    finally:
        await engine.stop()


async def journaled_rate(sizes: Sizes) -> float:
    with tempfile.TemporaryDirectory(prefix="tradeloop-bench-") as tmp:
        writer = JournalWriter(Path(tmp) / "tradeloop.db")
        await writer.open()
        try:
            return await engine_rate(sizes, writer)
        finally:
            await writer.close()


async def _measure(sizes: Sizes) -> tuple[float, float, float]:
    bare: list[float] = []
    journaled: list[float] = []
    memory: list[float] = []
    for round_ in range(1, sizes.rounds + 1):
        progress(f"engine: round {round_}/{sizes.rounds}: bare queues, {sizes.orders:,} round trips")
        bare.append(await bare_queue_rate(sizes.orders, sizes.concurrency))
        progress(f"engine: round {round_}/{sizes.rounds}: engine + SQLite journal, {sizes.orders:,} orders")
        journaled.append(await journaled_rate(sizes))
        progress(f"engine: round {round_}/{sizes.rounds}: engine + in-memory journal, {sizes.orders:,} orders")
        memory.append(await engine_rate(sizes, MemoryJournal()))
    return median(bare), median(journaled), median(memory)


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    bare, journaled, memory = asyncio.run(_measure(sizes))
    setup = f"{sizes.concurrency} callers, {sizes.accounts} accounts, median of {sizes.rounds}"
    return [
        Row(
            benchmark=NAME,
            case=f"orders, SQLite journal ({setup})",
            result=rate(journaled, "orders/s"),
            baseline=rate(bare, "round trips/s bare queues"),
            ratio=percent(journaled / bare),
            target=f">= {percent(TARGET)}",
            verdict=verdict(journaled / bare >= TARGET),
        ),
        Row(
            benchmark=NAME,
            case="orders, in-memory journal (no disk)",
            result=rate(memory, "orders/s"),
            baseline=rate(bare, "round trips/s bare queues"),
            ratio=percent(memory / bare),
        ),
    ]
