"""Reports: portfolio history, the performance report and trade history of an account with 100,000 fills over 30 days.

The account is made by the real engine: market orders on the manual market,
its clock stepping through the 30 days, each order filled at that minute's
price. The engine runs on an in-memory journal that records each write it
makes (driving 100,000 orders one commit at a time through SQLite would take
minutes); the same writes, in the same order, then go through the SQLite
journal's own write API (`JournalWriter.write`), as the server would have
written them; start-up recovers the account by replaying them. Every minute of the 30 days
has a stored bar for each symbol, on the price path the fills were made at.

The server then starts on that data directory as `tradeloop.server` starts it
(recovery, the bar store, the app) and serves on loopback in this process. In
interleaved rounds it times reading the account's fills alone (the journal's
`fills`, what each report reads first) and each report over HTTP: first with
nothing kept (`FillHistory.clear`, as after a start: every fill read and
paired), then again (what was kept is brought up to date and used); each figure
is a ratio to that read. A task beside them wakes every millisecond and keeps
the longest it was kept waiting during each request: how long the request held
the event loop, during which the server answers nobody else.
"""

from __future__ import annotations

import asyncio
import gc
import random
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Final
from uuid import UUID

from aiohttp.test_utils import TestClient, TestServer

from bench.drive import median
from bench.report import Row, goal, millis, progress, times, verdict
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.config import MarketMode, Settings
from tradeloop.core.accounts import AccountState
from tradeloop.core.bars import BarRow
from tradeloop.core.events import AccountEvent
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.http.fill_history import FILL_HISTORY
from tradeloop.http.keys import ENGINE
from tradeloop.journal import FillQuery
from tradeloop.market.manual import admin_ticks
from tradeloop.server import freeze_startup_objects, open_app, prepare, tune_collector
from tradeloop.snapshots.bars import database_path, insert_rows
from tradeloop.storage import Storage

NAME: Final = "reports"
TARGET: Final = 3.0
"""Each report within this many times the time of reading the account's fills alone."""
STALL_GOAL_S: Final = 0.05
"""The longest a request may hold the event loop (other clients wait meanwhile)."""
SYMBOLS: Final = ("AAPL", "MSFT", "NVDA", "AMZN", "SPY")
LOT: Final = Decimal(10)
LOTS_PER_SIDE: Final = 3
"""Each symbol is bought in three lots, then sold in three: a round trip per sale."""
CASH: Final = Decimal(1_000_000)
ADMIN_KEY: Final = "bench-admin-key-0123456789"
TOTP_SECRET: Final = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
WRITES_PER_WAIT: Final = 5_000
"""Writes handed to the journal before waiting for them: group commit takes many per transaction."""
BARS_PER_INSERT: Final = 10_000


@dataclass(frozen=True, slots=True)
class Sizes:
    fills: int
    days: int
    rounds: int


FULL: Final = Sizes(fills=100_000, days=30, rounds=2)
QUICK: Final = Sizes(fills=300, days=2, rounds=1)


class _Recorder(MemoryJournal):
    """An in-memory journal that also keeps every write as the engine made it, to be written again to SQLite."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[UUID, tuple[AccountEvent, ...], tuple[Order, ...]]] = []

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        # The orders are the engine's live records: copied, as the journal encodes them when handed over.
        self.writes.append((account_id, tuple(events), tuple(order.copy() for order in orders)))
        return super().write(account_id, events, orders)


class _Prices:
    """Each symbol's price at every minute of the period: a seeded random walk in cents."""

    def __init__(self, start: datetime, minutes: int) -> None:
        self.start = start
        self.minutes = minutes
        walk = random.Random(17)
        self.cents: dict[str, list[int]] = {}
        for number, symbol in enumerate(SYMBOLS):
            price, path = 10_000 + 5_000 * number, []
            for _ in range(minutes):
                price = max(1_000, price + walk.randint(-15, 15))
                path.append(price)
            self.cents[symbol] = path

    def at(self, symbol: str, minute: int) -> Decimal:
        return Decimal(self.cents[symbol][minute]) / 100

    def rows(self) -> Iterator[list[BarRow]]:
        """Every minute's bar of every symbol, as the bar store keeps them, a batch at a time."""
        first_s = int(self.start.timestamp())
        batch: list[BarRow] = []
        for symbol, path in self.cents.items():
            for minute, close in enumerate(path):
                opened = path[minute - 1] if minute else close
                high, low = max(opened, close), min(opened, close)
                price = f"{close / 100:.2f}"
                batch.append((
                    symbol, first_s + 60 * minute, f"{opened / 100:.2f}", f"{high / 100:.2f}", f"{low / 100:.2f}",
                    price, "100", 1, f"{close:d}",
                ))  # fmt: skip
                if len(batch) == BARS_PER_INSERT:
                    yield batch
                    batch = []
        if batch:
            yield batch


def _settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir, market=MarketMode.MANUAL, admin_key=ADMIN_KEY, admin_totp_secret=TOTP_SECRET,
        rate_limit_per_min=1_000_000_000,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Built:
    account_id: UUID
    headers: dict[str, str]
    start: datetime


async def _trade(sizes: Sizes, prices: _Prices) -> tuple[_Recorder, AccountState, dict[str, str]]:
    """Open the account and fill `sizes.fills` market orders through the engine, the clock stepping over the period."""
    journal = _Recorder()
    now = [prices.start]
    engine = Engine(assets=UNIVERSE, journal=journal, clock=lambda: now[0])
    await engine.start()
    try:
        credentials = await engine.open_account(CASH)
        step = timedelta(minutes=prices.minutes) / (sizes.fills + 1)
        for number in range(sizes.fills):
            now[0] = prices.start + step * (number + 1)
            minute = int((now[0] - prices.start) / timedelta(minutes=1))
            symbol = SYMBOLS[number % len(SYMBOLS)]
            trade, quote = admin_ticks(symbol, prices.at(symbol, minute), None, None, None, now[0])
            await engine.ingest(quote)
            await engine.ingest(trade)
            buying = (number // len(SYMBOLS)) % (2 * LOTS_PER_SIDE) < LOTS_PER_SIDE
            request = OrderRequest(
                symbol=symbol, side=OrderSide.BUY if buying else OrderSide.SELL, type=OrderType.MARKET,
                time_in_force=TimeInForce.DAY, qty=LOT,
            )  # fmt: skip
            order = await engine.place_order(credentials.account_id, request)
            if order.status is not OrderStatus.FILLED:
                raise RuntimeError(f"a market order did not fill: {order.status}")
            if number % 20_000 == 19_999:
                progress(f"{NAME}: {number + 1:,} orders filled")
        await engine.quiesce()
        state = engine.account(credentials.account_id)
    finally:
        await engine.stop(snapshot=False)
    headers = {"APCA-API-KEY-ID": credentials.key_id, "APCA-API-SECRET-KEY": credentials.secret_key}
    return journal, state, headers


async def _store(data_dir: Path, journal: _Recorder) -> None:
    """Write what the engine wrote, in its order, through the SQLite journal's write API (start-up replays it)."""
    async with Storage(_settings(data_dir)).open() as stored:
        pending: list[asyncio.Future[None]] = []
        for account_id, events, orders in journal.writes:
            pending.append(stored.journal.write(account_id, events, orders))
            if len(pending) == WRITES_PER_WAIT:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)


def build(data_dir: Path, sizes: Sizes) -> Built:
    """The data directory of a server holding the account's fills and the bars of the period, ending a minute ago."""
    end = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=1)
    prices = _Prices(end - timedelta(days=sizes.days), sizes.days * 24 * 60)
    started = time.perf_counter()
    journal, state, headers = asyncio.run(_trade(sizes, prices))
    progress(f"{NAME}: {sizes.fills:,} orders filled by the engine in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    asyncio.run(_store(data_dir, journal))
    written = insert_rows(database_path(data_dir), prices.rows())
    progress(f"{NAME}: {len(journal.writes):,} journal writes and {written:,} bars stored in {time.perf_counter() - started:.1f} s")
    return Built(account_id=state.id, headers=headers, start=prices.start)


class _Stalls:
    """The longest the event loop kept a task waiting past its wake-up, while watching; and the longest full collection."""

    TICK_S: Final = 0.001

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_collection = 0.0
        self._collecting_since: float | None = None
        gc.callbacks.append(self._collection)

    def _collection(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._collecting_since = time.perf_counter()
        elif self._collecting_since is not None:
            self.longest_collection = max(self.longest_collection, time.perf_counter() - self._collecting_since)

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.TICK_S
            await asyncio.sleep(self.TICK_S)
            self.longest = max(self.longest, loop.time() - due)

    async def measure(self, call: Callable[[], Awaitable[object]]) -> tuple[float, float]:
        """Seconds the call took, and the longest the loop was held meanwhile."""
        self.longest = 0.0
        task = asyncio.create_task(self._watch(), name="bench-stall-watch")
        await asyncio.sleep(0)
        started = time.perf_counter()
        try:
            await call()
        finally:
            took = time.perf_counter() - started
            task.cancel()
        return took, self.longest


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    path: str
    query: dict[str, str]


def _cases(start: datetime) -> list[Case]:
    period = {"start": start.isoformat()}
    return [
        Case("portfolio history, 1D", "/v2/account/portfolio/history", {**period, "timeframe": "1D"}),
        Case("portfolio history, 15Min", "/v2/account/portfolio/history", {**period, "timeframe": "15Min"}),
        Case("performance report (JSON)", "/v2/reports/performance", {**period, "benchmark": "SPY"}),
        Case("GET /v2/account/trades, first page", "/v2/account/trades", {}),
        Case("GET /v2/account/trades/summary", "/v2/account/trades/summary", {}),
        Case("statement (JSON), every activity of the period", "/v2/reports/statement", period),
    ]


Timed = tuple[float, float]
"""Seconds a call took, and the longest it held the event loop."""


@dataclass(frozen=True, slots=True)
class Measured:
    fills: list[Timed]
    first: dict[str, list[Timed]]
    """Each case's request with nothing kept: the fills read and paired (as the first after a start)."""
    again: dict[str, list[Timed]]
    """The same request right after: what the server kept is brought up to date (no new fill) and used."""
    collections: list[float]
    """The longest full collection of the cyclic garbage collector during the rounds (it holds every thread)."""


async def _serve_and_time(data_dir: Path, built: Built, sizes: Sizes) -> Measured:
    """Start the server on the data directory and time each case, interleaved with reading the fills alone."""
    prepared = prepare(_settings(data_dir))
    measured = Measured(fills=[], first={}, again={}, collections=[])
    tune_collector()  # as the server collects while serving
    async with open_app(prepared) as app, TestClient(TestServer(app)) as client:
        await freeze_startup_objects(app)  # as the server does once started
        engine, kept = app[ENGINE], app[FILL_HISTORY]
        stalls = _Stalls()

        async def read_fills() -> None:
            fills = await engine.journal.fills(FillQuery(account_id=built.account_id))
            if len(fills) != sizes.fills:
                raise RuntimeError(f"the journal holds {len(fills):,} fills, not {sizes.fills:,}")

        def get(case: Case) -> Callable[[], Awaitable[object]]:
            async def call() -> None:
                async with client.get(case.path, params=case.query, headers=built.headers) as response:
                    if response.status != 200:
                        raise RuntimeError(f"{case.path}: {response.status} {await response.text()}")
                    await response.read()

            return call

        cases = {case.label: get(case) for case in _cases(built.start)}
        await read_fills()  # once, unmeasured: imports done, pages cached
        for round_ in range(1, sizes.rounds + 1):
            progress(f"{NAME}: round {round_}/{sizes.rounds}")
            for label, call in cases.items():
                measured.fills.append(await stalls.measure(read_fills))
                kept.clear()
                measured.first.setdefault(label, []).append(await stalls.measure(call))
                measured.again.setdefault(label, []).append(await stalls.measure(call))
        measured.collections.append(stalls.longest_collection)
    return measured


def run(quick: bool) -> list[Row]:
    return run_sizes(QUICK if quick else FULL)


def run_sizes(sizes: Sizes) -> list[Row]:
    """Build the account, serve it, and time the reports at these sizes."""
    data_dir = Path(tempfile.mkdtemp(prefix="tradeloop-bench-reports-"))
    try:
        built = build(data_dir, sizes)
        measured = asyncio.run(_serve_and_time(data_dir, built, sizes))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    fills = median([took for took, _ in measured.fills])
    rows = [
        Row(
            benchmark=NAME,
            case=f"reading the account's {sizes.fills:,} fills alone ({sizes.days} days)",
            result=millis(fills),
            note=f"holds the event loop {millis(max(held for _, held in measured.fills))} at most",
        )
    ]
    rows.append(
        Row(
            benchmark=NAME, case="longest full collection of the garbage collector during the rounds",
            result=millis(max(measured.collections)),
        )
    )
    baseline = f"{millis(fills)} reading the fills"
    for label, first in measured.first.items():
        again = measured.again[label]
        took, took_again = median([seconds for seconds, _ in first]), median([seconds for seconds, _ in again])
        stall = max(held for _, held in first + again)
        rows += [
            Row(
                benchmark=NAME, case=label, note="nothing kept: every fill read and paired", result=millis(took),
                baseline=baseline, ratio=times(took / fills), target=f"<= {times(TARGET)}",
                verdict=verdict(took / fills <= TARGET),
            ),
            Row(
                benchmark=NAME, case=label, note="again, no new fill", result=millis(took_again), baseline=baseline,
                ratio=times(took_again / fills),
            ),
            Row(
                benchmark=NAME, case=label, note="longest event-loop stall of either", result=millis(stall),
                target=f"<= {millis(STALL_GOAL_S)}", verdict=goal(stall <= STALL_GOAL_S),
            ),
        ]  # fmt: skip
    return rows
