"""One backtest run: the real engine and strategy host on a simulated clock, fed a span of stored bars.

Nothing here evaluates a rule or fills an order: the run only feeds the engine the
ticks each bar stands for (`bar_ticks`, as a posted bar does live) and tells the
host each bar completed, in this order per minute:

1. the opening tick of every symbol's minute; with fill=next_bar_open the orders the
   host held since the last bar are placed now, so they fill at this open;
2. the rest of the minute's ticks (resting orders, stops and bracket legs fill on them);
3. the host is told the minute completed and evaluates the strategy; with
   fill=bar_close its orders are placed at once and fill at the close.

Slippage widens each tick's quote around its price (buys pay the ask, sells get the
bid), so the engine's own matching applies it; commission is charged per fill as a
cash adjustment, so the equity curve is net of fees. Runs in a worker process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import groupby
from typing import Final
from uuid import UUID

import orjson

from tradeloop.actors.engine import Engine
from tradeloop.actors.ids import SeededIds
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.actors.strategies import BarCompleted, StrategyHost
from tradeloop.backtest.bars import RunBars
from tradeloop.backtest.metrics import EquityPoint, metrics
from tradeloop.backtest.result import Collector, result_json
from tradeloop.backtest.spec import BPS, CENT, Fill, RunSpec
from tradeloop.core.bars import BAR_TICK_OFFSETS, Bar, bar_ticks
from tradeloop.core.events import CashAdjusted
from tradeloop.core.ids import derived_id_beside
from tradeloop.core.marketdata import Quote, Tick, Trade
from tradeloop.core.money import ZERO
from tradeloop.core.sessions import session_end
from tradeloop.core.strategies import StrategyActivated, StrategyCreated, StrategyRevised
from tradeloop.core.trades import round_trips
from tradeloop.strategy.definition import parse_definition, timeframe_of

SEED: Final = 20_260_101
"""Every run draws its ids from the same seed: ids depend on the run's steps alone."""
PROGRESS_EVERY: Final = 512
"""Minutes between progress reports (each may cross a process boundary)."""
OPENING_TICKS: Final = 2
"""`bar_ticks` gives each price as a quote and a trade: the first two ticks are the open."""
CLOSING_TICKS: Final = 2
"""... and the last two the close."""

Progress = Callable[[float], bool]
"""Told the share done (0 to 1); answers True when the run should stop."""


Canceled = CancelledError
"""Raised when the run was told to stop before it finished (the pool's own cancellation error)."""


class SimulatedClock:
    """The engine's clock in a backtest: the time of the tick being fed."""

    __slots__ = ("now",)

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def run_backtest(spec: RunSpec, progress: Progress | None = None) -> bytes:
    """Run one backtest to its end (blocking: it owns an event loop) and return the result JSON.

    Raises:
        Canceled: `progress` answered True.
    """
    return asyncio.run(Run(spec).drive(progress))


class Run:
    """The engine, the host and the account of one backtest, and what they have produced so far."""

    def __init__(self, spec: RunSpec) -> None:
        self.spec = spec
        self.definition = parse_definition(orjson.loads(spec.definition))
        self.timeframe = timeframe_of(self.definition)
        self.clock = SimulatedClock(spec.start)
        self.engine = Engine(assets=spec.assets, journal=MemoryJournal(), clock=self.clock, ids=SeededIds(SEED))
        self.bars = RunBars(spec.bars, spec.symbols, spec.start, spec.end)
        self.host = StrategyHost(self.engine, self.bars, hold_orders=spec.fill is Fill.NEXT_BAR_OPEN)
        self.collected = Collector()
        self.curve: list[EquityPoint] = []
        self._charged = 0
        self._ordered: set[UUID] = set()
        self._account: UUID | None = None
        self._bucket_end: datetime | None = None
        """The end of the bar of the strategy's timeframe the newest minute fell in."""
        self._unvalued: datetime | None = None
        """The newest minute, whose equity goes on the curve once a minute of a later bar comes (or the span ends)."""

    async def drive(self, progress: Progress | None = None) -> bytes:
        """Feed every minute of the span, then build the result."""
        spec, engine = self.spec, self.engine
        await engine.start()
        subscription = engine.subscribe_events(self.collected)
        try:
            account = (await engine.open_account(spec.initial_cash)).account_id
            self._account = account
            self.host.start()
            await self._activate(account)
            self.curve.append(EquityPoint(timestamp=spec.start, equity=spec.initial_cash))
            total = max(self.bars.count(), 1)
            done = 0
            session = session_end(spec.start)
            for moment, group in groupby(self.bars.minutes(), key=lambda bar: bar.timestamp):
                minutes = list(group)
                self._close_bucket(moment)
                if moment >= session:
                    self.clock.now = session
                    await engine.close_session(session)
                    await engine.settle()
                    session = session_end(moment)
                await self._step(account, minutes)
                done += len(minutes)
                if progress is not None and done % PROGRESS_EVERY < len(minutes) and progress(done / total):
                    raise Canceled("canceled")
            self._close_bucket(None)
            if progress is not None and progress(1.0):
                raise Canceled("canceled")
        finally:
            subscription.close()
            await self.host.stop()
            await engine.stop(snapshot=False)
        fills = self.collected.executions(spec.strategy_id)
        found = metrics(self.curve, fills)
        return result_json(spec, self.collected, self.curve, found, round_trips(fills), self.timeframe)

    async def _activate(self, account: UUID) -> None:
        """The account holds the strategy at the version tested, active: the host takes it up and warms it up."""
        spec, now = self.spec, self.clock()
        events: list[StrategyCreated | StrategyRevised | StrategyActivated] = [
            StrategyCreated(strategy_id=spec.strategy_id, name=spec.name, definition=spec.definition, at=now)
        ]
        if spec.version > 1:
            events.append(StrategyRevised(
                strategy_id=spec.strategy_id, version=spec.version, name=spec.name, definition=spec.definition, at=now
            ))
        events.append(StrategyActivated(strategy_id=spec.strategy_id, at=now))
        assert self._account is not None
        await self.engine.record(self._account, events)
        await self.engine.settle()
        await self.host.idle()
        await self.engine.settle()

    async def _step(self, account: UUID, minutes: Sequence[Bar]) -> None:
        """One minute of every symbol that traded in it."""
        engine, host = self.engine, self.host
        if self._quiet(account):
            # No order rests or waits: no tick of the minute can fill, trigger or expire anything, and
            # the board keeps only the last quote and trade, so the closing ones alone leave the same state.
            for minute in minutes:
                for tick in self._closing_ticks(minute):
                    self.clock.now = tick.timestamp
                    await engine.ingest_now(tick)
        else:
            ticks = [self._ticks(minute) for minute in minutes]
            for each in ticks:
                for tick in each[:OPENING_TICKS]:
                    self.clock.now = tick.timestamp
                    await engine.ingest_now(tick)
            await engine.settle()
            if host.holding:
                await host.release()
                await engine.settle()
            for each in ticks:
                for tick in each[OPENING_TICKS:]:
                    self.clock.now = tick.timestamp
                    await engine.ingest_now(tick)
        await engine.settle()
        fills = self.collected.fills
        if self._charged < len(fills):
            await self._charge()
        for minute in minutes:
            await host.handle_now(BarCompleted(minute))
        await engine.settle()
        if self._charged < len(fills):
            await self._charge()
        self._mark(minutes[0].timestamp)

    def _quiet(self, account: UUID) -> bool:
        """Whether the minute's prices can change nothing but the board: the account has no open order, the host
        holds none to release, and no risk limit watches the account's equity (a price inside the minute could breach it)."""
        state = self.engine.account(account)
        return not state.orders and not self.host.holding and not state.risk.limits.watches_equity

    def _ticks(self, minute: Bar) -> list[Tick]:
        """The minute's ticks as fed: `bar_ticks`, slipped."""
        ticks = bar_ticks(minute)
        bps = self.spec.slippage_bps
        return ticks if bps == ZERO else list(slipped(ticks, bps))

    def _closing_ticks(self, minute: Bar) -> list[Tick]:
        """The last CLOSING_TICKS of `_ticks(minute)` (its close as a quote and a trade), without making the others."""
        moment = minute.timestamp + BAR_TICK_OFFSETS[-1]
        close = minute.close
        ticks: list[Tick] = [
            Quote(symbol=minute.symbol, bid=close, ask=close, bid_size=None, ask_size=None, timestamp=moment),
            Trade(symbol=minute.symbol, price=close, size=None, timestamp=moment),
        ]
        bps = self.spec.slippage_bps
        return ticks if bps == ZERO else list(slipped(ticks, bps))

    async def _charge(self) -> None:
        """Charge the commission of the fills since the last charge, as one cash adjustment each."""
        collected, commission = self.collected, self.spec.commission
        while self._charged < len(collected.fills):
            fill = collected.fills[self._charged]
            first = fill.order_id not in self._ordered
            self._ordered.add(fill.order_id)
            fee = commission.fee(fill.qty, fill.price, first_fill=first) if commission.charges else ZERO
            collected.fees.append(fee)
            self._charged += 1
            if fee > ZERO and self._account is not None:
                await self.engine.record(self._account, [CashAdjusted(
                    account_id=self._account, activity_id=derived_id_beside(fill.fill_id, "commission"),
                    amount=-fee, description=f"commission {fill.symbol}", timestamp=self.clock(),
                )])
                await self.engine.settle()

    def _mark(self, moment: datetime) -> None:
        """After a minute: it is the newest of its bar of the strategy's timeframe, whose curve point it will be if
        no later minute of the bar comes (the equity is read then, so a 5Min strategy values the account once a bar)."""
        end = self._bucket_end
        if end is None or moment >= end:
            timeframe = self.timeframe
            # Most minutes open the bar right after the last one (every minute, for a 1Min strategy): its start
            # is the last one's end, which spares `bucket_start`.
            start = end if end is not None else timeframe.bucket_start(moment)
            end = timeframe.next_start(start)
            if moment >= end:
                end = timeframe.next_start(timeframe.bucket_start(moment))
            self._bucket_end = end
        self._unvalued = moment

    def _close_bucket(self, coming: datetime | None) -> None:
        """Before a minute's ticks (None: after the last): if it opens a later bar, the newest minute was its bar's
        last, and the account is as that minute left it, so its equity is the bar's curve point."""
        moment, end = self._unvalued, self._bucket_end
        if moment is None or end is None or (coming is not None and coming < end):
            return
        assert self._account is not None
        self.curve.append(EquityPoint(timestamp=moment, equity=self.engine.valuation(self._account).equity))
        self._unvalued = None


def slipped(ticks: Sequence[Tick], bps: Decimal) -> Iterator[Tick]:
    """The ticks with each quote widened by `bps` around its price (to the cent, away from the trader) and moved
    after its trade, so that orders meet the widened quote: buys pay the ask, sells get the bid."""
    share = bps / BPS
    pending: Quote | None = None
    for tick in ticks:
        if isinstance(tick, Quote):
            pending = tick
            continue
        yield tick
        if pending is not None:
            yield _widened(pending, tick, share)
            pending = None


def _widened(quote: Quote, trade: Trade, share: Decimal) -> Quote:
    price = trade.price
    return Quote(
        symbol=quote.symbol,
        bid=(price * (1 - share)).quantize(CENT, rounding=ROUND_FLOOR),
        ask=(price * (1 + share)).quantize(CENT, rounding=ROUND_CEILING),
        bid_size=quote.bid_size,
        ask_size=quote.ask_size,
        timestamp=quote.timestamp,
    )


__all__: Sequence[str] = ("Canceled", "Progress", "Run", "SimulatedClock", "run_backtest", "slipped")
