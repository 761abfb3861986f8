"""The strategy host: runs every active strategy on the completed bars of its timeframe, in one actor.

Told of each completed one-minute bar (`bar_completed`), it folds the minute
into every timeframe in use on that symbol (`strategy_frames.Frame`) and, when
a bar of a timeframe completes, feeds it to each run on it, one at a time. A
decision's order goes through `Engine.place_order`, so the same checks apply as
to any order; the signal, with the order's id or the refusal, is journaled on
the account (`StrategySignalled`). An exit first cancels the strategy's open
orders on the symbol (a bracket's legs hold the shares), then sells.

Which strategies run follows the accounts: the host reads them at start (so an
active strategy resumes after a restart) and after each committed activation,
revision, deactivation or deletion. A new run, or a revised one (which switches
at the next bar), is warmed up from stored bars, so it can act on its first
live bar. It runs no task but its mailbox: a backtest drives it with
`bar_completed` and `await idle()`, and with `hold_orders` places the decisions'
orders only when it calls `release()` (after the next bar's open).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol, assert_never
from uuid import UUID

from tradeloop.actors.account import Committed, EventListener
from tradeloop.actors.base import Actor
from tradeloop.actors.engine import Engine
from tradeloop.actors.indicator_alerts import IndicatorAlerts
from tradeloop.actors.listeners import Subscription
from tradeloop.actors.strategy_frames import ONE_MINUTE, Frame
from tradeloop.core.accounts import AccountState
from tradeloop.core.bars import MINUTE, Bar, TimeFrame, minute_start
from tradeloop.core.money import ZERO
from tradeloop.core.strategies import (
    Signal,
    Strategy,
    StrategyActivated,
    StrategyDeactivated,
    StrategyDeleted,
    StrategyRevised,
    StrategySignalled,
    StrategyStatus,
)
from tradeloop.errors import DuplicateClientOrderId, NotFound, TradeloopError, Unavailable
from tradeloop.journal import SignalQuery
from tradeloop.strategy.definition import parse_definition, timeframe_of
from tradeloop.strategy.run import AccountView, Decision, StrategyRun

log = logging.getLogger(__name__)

MAILBOX_SIZE: Final = 100_000
SIGNALS_LOOKED_AT: Final = 100
"""A run's last entry and exit signals are looked for among its symbol's newest signals, this many."""
_CHANGES: Final = (StrategyActivated, StrategyRevised, StrategyDeactivated, StrategyDeleted)


class BarSource(Protocol):
    """Where stored bars come from, for warming runs up."""

    async def recent_bars(self, symbol: str, timeframe: TimeFrame, before: datetime, count: int) -> list[Bar]:
        """Up to `count` completed bars of the timeframe ending at or before `before`, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class BarCompleted:
    bar: Bar


@dataclass(frozen=True, slots=True)
class Reconcile:
    """Make the runs match an account's strategy as it stands now (None, None: every account's)."""

    account_id: UUID | None
    strategy_id: UUID | None


@dataclass(frozen=True, slots=True)
class Release:
    reply: asyncio.Future[None]


HostMessage = BarCompleted | Reconcile | Release


@dataclass(slots=True, eq=False)
class _Active:
    """One active strategy version of an account, and its runs (one per symbol) in the frames they sit in."""

    account_id: UUID
    strategy_id: UUID
    version: int
    symbols: tuple[str, ...]
    state: AccountState
    """The account's state, which its actor alone changes (read here, never written)."""
    placed: list[tuple[Frame[_Run], _Run]] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Run:
    active: _Active
    run: StrategyRun


def signal_id(strategy_id: UUID, version: int, symbol: str, bar_time: datetime, rule: str) -> UUID:
    """A signal's id, the same for the same signal: recorded twice, it is kept once (and backtests repeat exactly)."""
    return uuid.uuid5(strategy_id, f"{version}|{symbol}|{bar_time.isoformat()}|{rule}")


class StrategyHost(Actor[HostMessage]):
    """Evaluates the active strategies on completed bars and places their orders through the engine."""

    def __init__(
        self, engine: Engine, source: BarSource, *, hold_orders: bool = False, maxsize: int = MAILBOX_SIZE
    ) -> None:
        super().__init__("strategy-host", maxsize)
        self._engine = engine
        self._source = source
        self._hold_orders = hold_orders
        self._held: list[tuple[_Active, str, Decision]] = []
        self._active: dict[tuple[UUID, UUID], _Active] = {}
        self._frames: dict[str, list[Frame[_Run]]] = {}
        self._through: dict[str, datetime] = {}
        """Each symbol's end of the newest minute taken in (told, or read for a warm-up): older ones are not taken twice."""
        self._subscription: Subscription[EventListener] | None = None
        self.evaluated = 0
        """Bars fed to runs so far (how the benchmark counts)."""
        self.alerts = IndicatorAlerts(engine, source)
        """The accounts' indicator alerts, evaluated here too: the same bars, the same condition language."""

    # -- what others call ----------------------------------------------------------

    def start(self) -> None:
        """Start the mailbox, listen to the accounts' strategy changes, and take up every active strategy."""
        super().start()
        self._subscription = self._engine.subscribe_events(self._on_committed)
        self.alerts.start()
        self.tell(Reconcile(None, None))

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        self.alerts.stop()
        await super().stop()

    def bar_completed(self, bar: Bar) -> None:
        """A one-minute bar completed (a bar listener; never blocks): evaluated in the host's turn."""
        try:
            self.tell(BarCompleted(bar))
        except Unavailable:
            log.error("strategy host is overloaded: the %s bar of %s is not evaluated", bar.timestamp, bar.symbol)

    async def release(self) -> None:
        """Place the orders of the decisions held so far (with hold_orders); returns once placed."""
        reply: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.send(Release(reply))
        await reply

    @property
    def holding(self) -> bool:
        """Whether decisions' orders wait for `release` (read between steps: a backtest skips an empty release)."""
        return bool(self._held)

    def runs(self) -> list[tuple[UUID, UUID, int, str]]:
        """The runs now active: (account id, strategy id, version, symbol), for inspection."""
        return [
            (active.account_id, active.strategy_id, active.version, entry.run.symbol)
            for active in self._active.values()
            for _, entry in active.placed
        ]

    # -- the mailbox ---------------------------------------------------------------

    async def handle(self, message: HostMessage) -> None:
        match message:
            case BarCompleted(bar):
                await self._on_minute(bar)
            case Reconcile(account_id, strategy_id):
                await self._reconcile(account_id, strategy_id)
            case Release(reply):
                held, self._held = self._held, []
                for active, symbol, decision in held:
                    await self._act(active, symbol, decision)
                if not reply.done():
                    reply.set_result(None)
            case _:
                assert_never(message)

    def failed(self, message: HostMessage, exc: Exception) -> None:
        if isinstance(message, Release) and not message.reply.done():
            message.reply.set_exception(exc)

    def _on_committed(self, told: Committed) -> None:
        for event in told.events:
            if isinstance(event, _CHANGES):
                try:
                    self.tell(Reconcile(told.account_id, event.strategy_id))
                except Unavailable:
                    log.error("strategy host is overloaded: strategy %s is taken up at the next start", event.strategy_id)

    # -- which strategies run ------------------------------------------------------

    async def _reconcile(self, account_id: UUID | None, strategy_id: UUID | None) -> None:
        if account_id is None or strategy_id is None:
            for state in self._engine.accounts():
                for strategy in list(state.strategies.values()):
                    await self._sync(state.id, strategy.id, strategy)
            return
        try:
            state = self._engine.account(account_id)
        except NotFound:
            return
        await self._sync(account_id, strategy_id, state.strategies.get(strategy_id))

    async def _sync(self, account_id: UUID, strategy_id: UUID, strategy: Strategy | None) -> None:
        running = self._active.get((account_id, strategy_id))
        wanted = strategy is not None and strategy.status is StrategyStatus.ACTIVE
        if running is not None and (not wanted or strategy is None or running.version != strategy.version):
            self._drop(running)
            running = None
        if wanted and strategy is not None and running is None:
            await self._take_up(account_id, strategy)

    def _drop(self, active: _Active) -> None:
        self._active.pop((active.account_id, active.strategy_id), None)
        for frame, entry in active.placed:
            frame.runs.remove(entry)
            if not frame.runs:
                self._frames[frame.symbol].remove(frame)
        active.placed.clear()

    async def _take_up(self, account_id: UUID, strategy: Strategy) -> None:
        """Build the current version's runs, warmed up from stored bars and told where its last signals were."""
        current = strategy.current
        try:
            definition = parse_definition(json.loads(current.definition))
        except (TradeloopError, ValueError) as exc:  # stored definitions were valid when stored; a newer rule may differ
            log.error("strategy %s version %d cannot run: %s", strategy.id, current.version, exc)
            return
        timeframe = timeframe_of(definition)
        symbols = tuple(symbol for symbol in definition.symbols if symbol in self._engine.assets)
        active = _Active(
            account_id=account_id,
            strategy_id=strategy.id,
            version=current.version,
            symbols=symbols,
            state=self._engine.account(account_id),
        )
        for symbol in symbols:
            run = StrategyRun(strategy_id=strategy.id, version=current.version, definition=definition, symbol=symbol)
            frame = await self._frame(symbol, timeframe)
            bars = await self._source.recent_bars(symbol, timeframe, self._before(symbol), run.lookback)
            run.warm(bars)
            if bars:
                self._taken(symbol, timeframe.next_start(bars[-1].timestamp))
            entry_bar, exit_bar = await self._last_signals(account_id, strategy.id, symbol)
            run.restore(entry_bar=entry_bar, exit_bar=exit_bar)
            entry = _Run(active=active, run=run)
            frame.runs.append(entry)
            active.placed.append((frame, entry))
        self._active[(account_id, strategy.id)] = active

    async def _frame(self, symbol: str, timeframe: TimeFrame) -> Frame[_Run]:
        """The symbol's frame of the timeframe; a new one takes in the minutes of its bucket so far."""
        frames = self._frames.setdefault(symbol, [])
        for frame in frames:
            if frame.timeframe == timeframe:
                return frame
        frame = Frame[_Run](symbol, timeframe)
        before = self._before(symbol)
        start = timeframe.bucket_start(before)
        if start < before:
            count = (before - start) // ONE_MINUTE
            minutes = [bar for bar in await self._source.recent_bars(symbol, MINUTE, before, count) if bar.timestamp >= start]
            for minute in minutes:
                frame.add(minute)
            if minutes:
                self._taken(symbol, minutes[-1].timestamp + ONE_MINUTE)
        frames.append(frame)
        return frame

    def _before(self, symbol: str) -> datetime:
        """Where a warm-up reads up to: the newest minute taken in, else the clock's minute."""
        through = self._through.get(symbol)
        return through if through is not None else minute_start(self._engine.clock())

    def _taken(self, symbol: str, end: datetime) -> None:
        through = self._through.get(symbol)
        if through is None or end > through:
            self._through[symbol] = end

    async def _last_signals(self, account_id: UUID, strategy_id: UUID, symbol: str) -> tuple[datetime | None, datetime | None]:
        """The bars of the strategy's last entry and exit on the symbol that placed an order (any version)."""
        query = SignalQuery(
            account_id=account_id,
            strategy_id=strategy_id,
            symbols=frozenset((symbol,)),
            limit=SIGNALS_LOOKED_AT,
            direction="desc",
        )
        signals = await self._engine.signals(query)
        placed = [signal for signal in signals if signal.order_id is not None]
        entry = next((signal.bar_time for signal in placed if signal.rule == "entry"), None)
        exit_ = next((signal.bar_time for signal in placed if signal.rule == "exit"), None)
        return entry, exit_

    # -- bars ------------------------------------------------------------------------

    async def _on_minute(self, minute: Bar) -> None:
        symbol = minute.symbol
        end = minute.timestamp + ONE_MINUTE
        through = self._through.get(symbol)
        if through is not None and end <= through:
            return  # taken in already (by a warm-up that read it)
        self._through[symbol] = end
        await self.alerts.on_minute(minute)
        frames = self._frames.get(symbol)
        if not frames:
            return
        for frame in list(frames):
            for bar in frame.add(minute):
                await self._evaluate(frame, bar)

    async def _evaluate(self, frame: Frame[_Run], bar: Bar) -> None:
        """Feed a completed bar of the frame's timeframe to each run on it; act on what they decide."""
        money: dict[int, tuple[Decimal, Decimal]] = {}
        """Equity and buying power by account (by its state's identity: a UUID hashes slowly), until one acts."""
        for entry in list(frame.runs):
            active = entry.active
            try:
                view = self._view(active, frame.symbol, money)
                decision = entry.run.on_bar(bar, view)
            except Exception:  # one run's failure must not stop the others
                log.exception("strategy %s failed on the %s bar of %s", active.strategy_id, bar.timestamp, frame.symbol)
                continue
            self.evaluated += 1
            if decision is None:
                continue
            money.clear()  # the account is about to change, and others may while the order is placed
            if self._hold_orders and decision.request is not None:
                self._held.append((active, frame.symbol, decision))
            else:
                await self._act(active, frame.symbol, decision)

    def _view(self, active: _Active, symbol: str, money: dict[int, tuple[Decimal, Decimal]]) -> AccountView:
        state = active.state
        valued = money.get(id(state))
        positions = state.positions
        price_of = self._engine.board.last_price
        if valued is None:
            equity = state.cash  # as core.accounts.valuation values it, without the figures a view does not show
            for holding in positions.values():
                price = price_of(holding.symbol)
                equity += holding.market_value(price) if price is not None else holding.cost_basis
            valued = money[id(state)] = (equity, state.buying_power)
        position = positions.get(symbol)
        flat = position is None or position.qty <= ZERO
        strategy_id = active.strategy_id
        entry_pending = flat and any(
            order.terms.strategy_id == strategy_id and order.terms.symbol == symbol for order in state.orders.values()
        )
        held = 0
        for each in active.symbols:
            other = positions.get(each)
            if other is not None and other.qty > ZERO:
                held += 1
        return AccountView(
            equity=valued[0],
            buying_power=valued[1],
            position_qty=position.qty if position is not None else ZERO,
            avg_entry_price=position.avg_entry_price if position is not None else ZERO,
            last_price=price_of(symbol),
            open_positions=held,
            entry_pending=entry_pending,
        )

    # -- orders and signals --------------------------------------------------------------

    async def _act(self, active: _Active, symbol: str, decision: Decision) -> None:
        """Place the decision's order (an exit cancels the strategy's open orders on the symbol first); journal the signal."""
        engine, account_id = self._engine, active.account_id
        order_id: UUID | None = None
        refusal, code = decision.refusal, None
        if decision.request is not None:
            if decision.rule == "exit":
                await self._cancel_open(active, symbol)
            try:
                order_id = (await engine.place_order(account_id, decision.request)).terms.id
            except DuplicateClientOrderId:
                return  # this very signal was placed before (a replay): it is not placed, nor recorded, twice
            except TradeloopError as exc:
                refusal, code = str(exc), exc.code
        signal = Signal(
            id=signal_id(active.strategy_id, active.version, symbol, decision.bar_time, decision.rule),
            strategy_id=active.strategy_id,
            version=active.version,
            symbol=symbol,
            bar_time=decision.bar_time,
            created_at=engine.clock(),
            rule=decision.rule,
            side=decision.side,
            values=tuple(decision.values.items()),
            client_order_id=decision.client_order_id,
            order_id=order_id,
            refusal=refusal,
            refusal_code=code,
        )
        try:
            await engine.record(account_id, [StrategySignalled(signal=signal)])
        except TradeloopError as exc:
            log.error("strategy %s: signal %s not journaled: %s", active.strategy_id, signal.id, exc)

    async def _cancel_open(self, active: _Active, symbol: str) -> None:
        state = self._engine.account(active.account_id)
        doomed = [
            order.terms.id
            for order in state.orders.values()
            if order.terms.strategy_id == active.strategy_id and order.terms.symbol == symbol
        ]
        for order_id in doomed:
            try:
                await self._engine.cancel_order(active.account_id, order_id)
            except TradeloopError:  # closed meanwhile, or canceled with its group: nothing left to cancel
                continue


__all__: Sequence[str] = ("BarSource", "StrategyHost", "signal_id")
