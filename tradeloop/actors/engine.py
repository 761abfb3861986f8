"""The engine: the one way in to the account and market actors, for commands and queries.

Everything it needs is given when it is built: the journal (already open), the clock,
the accounts and halts recovered from disk, how old a price may be, queue sizes. Nothing
outside this class and its parts assigns its attributes. Who writes what:

- account states: each account's actor alone, by applying events;
- order books: each symbol's market actor alone;
- the price board: the market actors (quotes, trades) and `close_session` (previous closes);
- halts: `halt` alone (engine_halts.py, which stores them with the journal first);
- listeners: `subscribe_events`, `subscribe_ticks`, `subscribe_halts` and the subscriptions they return.

It runs no task but its actors' mailboxes: the feed, the session clock and the snapshot
clock belong to `tradeloop.actors.live.LiveEngine`, which the server runs. A backtest
drives this class alone: `ingest` ticks, `await quiesce()` after each step (it returns once
every mailbox is drained and every reply has gone out), `close_session` by hand.

Each resource's intentions and queries are a part of the class, one module each
(engine_orders.py, engine_accounts.py, engine_strategies.py, ...; engine_base.py has what
they share): a new resource gets its own `engine_<resource>.py`, added to `Engine`'s bases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Final
from uuid import UUID

from tradeloop.actors.account import AccountActor, Committed, EventListener
from tradeloop.actors.alert_watch import AlertWatch
from tradeloop.actors.deadlines import Deadlines
from tradeloop.actors.engine_accounts import AccountIntentions, Credentials
from tradeloop.actors.engine_alerts import AlertIntentions
from tradeloop.actors.engine_halts import HALTED_META, HaltIntentions, stored_halts
from tradeloop.actors.engine_orders import OrderIntentions
from tradeloop.actors.engine_risk import RiskIntentions
from tradeloop.actors.engine_strategies import StrategyIntentions
from tradeloop.actors.engine_watchlists import WatchlistIntentions
from tradeloop.actors.engine_webhooks import WebhookIntentions
from tradeloop.actors.flatten import flatten, left_to_flatten
from tradeloop.actors.ids import SYSTEM_IDS, IdSource
from tradeloop.actors.listeners import HaltListener, Listeners, Subscription, TickListener
from tradeloop.actors.market import MarketActor
from tradeloop.actors.messages import (
    ApplyTick,
    CheckRisk,
    CloseSession,
    ExpireOrders,
    SubmitOrder,
    TakeSnapshot,
)
from tradeloop.actors.order_queries import OrderQueries
from tradeloop.actors.prices import PriceBoard
from tradeloop.actors.risk_watch import RiskWatch
from tradeloop.clock import utc_now
from tradeloop.core.accounts import AccountState, Valuation, valuation
from tradeloop.core.events import TradingStateChanged
from tradeloop.core.instruments import Asset
from tradeloop.core.marketdata import Tick
from tradeloop.core.orders import Order
from tradeloop.core.working import WorkingOrder
from tradeloop.errors import JournalUnavailable, NotFound
from tradeloop.journal import Journal

REPLY_TIMEOUT_S: Final = 10.0


class Engine(
    OrderIntentions,
    AccountIntentions,
    RiskIntentions,
    StrategyIntentions,
    AlertIntentions,
    WatchlistIntentions,
    WebhookIntentions,
    HaltIntentions,
):
    """Routes commands to the account and market actors and answers queries; runs no feed and no clock.

    It holds the actors and starts, steps and stops them; its bases hold each resource's intentions.
    """

    def __init__(
        self,
        *,
        assets: Iterable[Asset],
        journal: Journal,
        clock: Callable[[], datetime] = utc_now,
        accounts: Iterable[AccountState] = (),
        halted: Mapping[str, str] | Iterable[str] = (),
        stale_after_s: float | None = None,
        queue_size: int = 10_000,
        reply_timeout_s: float = REPLY_TIMEOUT_S,
        ids: IdSource = SYSTEM_IDS,
    ) -> None:
        """`journal` is open already; `accounts` and `halted` are what recovery found (their open orders
        go back to the books at `start`); prices older than `stale_after_s` are not filled at (None: never stale);
        a caller waits `reply_timeout_s` at most for an actor's answer; `ids` draws new ids (a backtest seeds it)."""
        self._ids = ids
        self._assets = {asset.symbol: asset for asset in assets}
        self._board = PriceBoard(stale_after_s=stale_after_s)
        self._journal = journal
        self._clock = clock
        self._listeners = Listeners()
        self._halted: dict[str, str] = dict(halted) if isinstance(halted, Mapping) else dict.fromkeys(halted, "")
        """Each halted symbol's reason ("" for none); the market actors read its keys, the account actors the reasons."""
        self._queue_size = queue_size
        self._accounts: dict[UUID, AccountActor] = {}
        self._watch = RiskWatch()
        self._alert_watch = AlertWatch()
        self._flattening: set[asyncio.Task[None]] = set()
        self._listeners.events.append(self._on_committed)
        self._keys: dict[str, UUID] = {}
        self._markets: dict[str, MarketActor] = {
            symbol: MarketActor(
                symbol,
                accounts=self._accounts,
                board=self._board,
                clock=clock,
                halted=self._halted.keys(),
                journal_trouble=self._journal_trouble,
                maxsize=queue_size,
                watch=self._watch,
                alerts=self._alert_watch,
            )
            for symbol in self._assets
        }
        self._events_at_snapshot = 0
        self._restored: list[Order] = []
        self._deadlines = Deadlines(reply_timeout_s)
        self._queries = OrderQueries(account=self.account, journal=journal)
        self._started = False
        for state in accounts:
            self._spawn(state)
            self._restored.extend(state.orders.values())

    # -- what routes read -----------------------------------------------------

    @property
    def assets(self) -> Mapping[str, Asset]:
        """The listed assets by symbol."""
        return MappingProxyType(self._assets)

    @property
    def board(self) -> PriceBoard:
        """The latest prices (written by the market actors; read it, never write it)."""
        return self._board

    @property
    def clock(self) -> Callable[[], datetime]:
        """The engine's clock: the wall clock when serving, a simulated one in a backtest."""
        return self._clock

    @property
    def journal(self) -> Journal:
        """The journal, for queries (activities, audit log, verification) and the admin gate's stored step."""
        return self._journal

    @property
    def journal_trouble(self) -> str | None:
        """Why the journal cannot write now; None while it writes."""
        return self._journal.trouble

    @property
    def journal_position(self) -> int:
        """The position of the last record handed to the journal."""
        return self._journal.position

    @property
    def events_since_snapshot(self) -> int:
        """Events journaled since the last `snapshot_all`."""
        return self._journal.events_written - self._events_at_snapshot

    @property
    def started(self) -> bool:
        """Whether the actors are running (between `start` and `stop`)."""
        return self._started

    # -- listeners ------------------------------------------------------------

    def subscribe_events(self, listener: EventListener) -> Subscription[EventListener]:
        """Tell `listener` of each account's write once it is committed (trade updates); must not block."""
        return Subscription(self._listeners.events, listener)

    def subscribe_ticks(self, listener: TickListener) -> Subscription[TickListener]:
        """Tell `listener` of every tick of a listed symbol as it arrives (bars, streams); must not block."""
        return Subscription(self._listeners.ticks, listener)

    def subscribe_halts(self, listener: HaltListener) -> Subscription[HaltListener]:
        """Tell `listener` when a halt begins or ends, once it is stored (streams); must not block."""
        return Subscription(self._listeners.halts, listener)

    # -- breaches -----------------------------------------------------------

    def _on_committed(self, told: Committed) -> None:
        """A committed breach whose action is halt_and_flatten starts flattening its account."""
        for event in told.events:
            if isinstance(event, TradingStateChanged) and event.flatten:
                self._flatten(told.account_id)

    def _flatten(self, account_id: UUID) -> None:
        task = asyncio.get_running_loop().create_task(flatten(self, account_id), name=f"flatten-{account_id}")
        self._flattening.add(task)
        task.add_done_callback(self._flattening.discard)

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        """Start the actors; the recovered open orders go back to their books first."""
        for market in self._markets.values():
            market.start()
        for account in self._accounts.values():
            account.start()
        restored, self._restored = self._restored, []
        groups: dict[UUID, list[Order]] = {}
        for order in restored:
            if order.terms.group_id is not None:  # a linked group joins its book as one, as it was placed
                groups.setdefault(order.terms.group_id, []).append(order)
            elif order.terms.symbol in self._markets:
                await self._markets[order.terms.symbol].send(
                    SubmitOrder(order=WorkingOrder.from_order(order), pending=None)
                )
        for members in groups.values():
            members.sort(key=lambda member: member.terms.parent_id is not None)  # the first order first
            first, *legs = (WorkingOrder.from_order(member) for member in members)
            if first.terms.symbol in self._markets:
                await self._markets[first.terms.symbol].send(SubmitOrder(order=first, legs=tuple(legs), pending=None))
        for account in self._accounts.values():
            if account.state.risk.limits.watches_equity:
                await account.send(CheckRisk())  # watched again, and valued at the prices of now
        for account_id, account in self._accounts.items():
            if left_to_flatten(account.state):  # a flatten that a crash (or a refused close) cut short goes on
                self._flatten(account_id)
        self._started = True

    async def stop(self, *, snapshot: bool = True) -> None:
        """Drain every queue, write a final snapshot (unless told not to), then stop the actors.

        No snapshot while the journal cannot write: it reports what it could not commit as it closes.
        """
        if self._started:
            await self.quiesce()
            if snapshot and self._journal.trouble is None:
                try:
                    await self.snapshot_all()
                except JournalUnavailable:
                    pass
        for market in self._markets.values():
            await market.stop()
        for account in self._accounts.values():
            await account.stop()
        self._started = False

    async def ingest(self, tick: Tick) -> None:
        """Route a tick to its market; ticks for symbols we do not list are ignored."""
        market = self._markets.get(tick.symbol)
        if market is not None:
            for listener in self._listeners.ticks:
                listener(tick)
            await market.send(ApplyTick(tick=tick))

    async def ingest_now(self, tick: Tick) -> None:
        """`ingest`, returning once the market has handled the tick: in the caller's turn when its mailbox is empty
        (a backtest feeds ticks this way, without two turns of the loop for each)."""
        market = self._markets.get(tick.symbol)
        if market is not None:
            for listener in self._listeners.ticks:
                listener(tick)
            await market.handle_now(ApplyTick(tick=tick))

    async def quiesce(self) -> None:
        """Wait until every actor has handled everything sent so far (and replies went out).

        The way to step a backtest: after it returns, every effect of what was sent is applied.
        """
        actors: list[MarketActor | AccountActor] = [*self._markets.values(), *self._accounts.values()]
        while True:
            for actor in actors:
                await actor.idle()
            if self._flattening:
                await asyncio.gather(*self._flattening, return_exceptions=True)
            await asyncio.sleep(0)
            if not any(actor.backlog for actor in actors) and not self._flattening:
                return

    async def settle(self) -> None:
        """Wait until no actor holds a message and no flatten runs, waiting only on the busy ones.

        `quiesce` without its extra turn of the loop for other tasks, for a caller that alone sends (a backtest):
        it returns at once when nothing is in hand, which is most steps of a backtest.
        """
        while True:
            waited = False
            for market in self._markets.values():
                if market.busy:
                    await market.idle()
                    waited = True
            for account in tuple(self._accounts.values()):  # an account may open while one is waited on
                if account.busy:
                    await account.idle()
                    waited = True
            if self._flattening:
                await asyncio.gather(*self._flattening, return_exceptions=True)
            elif not waited:
                return

    async def snapshot_all(self) -> int:
        """Snapshot every account, then let the journal drop what the snapshots cover.

        Returns the number of accounts written.

        Raises:
            JournalUnavailable: the journal cannot write.
        """
        self.check_journal_writes()
        replies = []
        for account in list(self._accounts.values()):
            reply: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            await account.send(TakeSnapshot(reply=reply))
            replies.append(reply)
        await asyncio.gather(*replies)
        self._events_at_snapshot = self._journal.events_written
        await self._journal.compact(len(self._accounts))
        return len(replies)

    def _journal_trouble(self) -> str | None:
        return self._journal.trouble

    async def close_session(self, end: datetime) -> None:
        """End a session: expire day orders, record each account's closing equity."""
        self._board.close_session()
        for market in self._markets.values():
            await market.send(ExpireOrders(now=end))
        for account in self._accounts.values():
            await account.send(CloseSession(now=end))

    # -- accounts -------------------------------------------------------------

    def _spawn(self, state: AccountState) -> AccountActor:
        actor = AccountActor(
            state,
            markets=self._markets,
            assets=self._assets,
            board=self._board,
            journal=self._journal,
            clock=self._clock,
            listeners=self._listeners.events,
            halted=self._halted,
            maxsize=self._queue_size,
            watch=self._watch,
            alerts=self._alert_watch,
            ids=self._ids,
        )
        self._accounts[state.id] = actor
        self._keys[state.key_id] = state.id
        if self._started:
            actor.start()
        return actor

    def accounts(self) -> list[AccountState]:
        return [actor.state for actor in self._accounts.values()]

    def valuation(self, account_id: UUID) -> Valuation:
        return valuation(self.account(account_id), self._board.last_price)

    def market(self, symbol: str) -> MarketActor:
        market = self._markets.get(symbol)
        if market is None:
            raise NotFound(f"asset not found for {symbol}")
        return market


__all__: Sequence[str] = ("HALTED_META", "Credentials", "Engine", "stored_halts")
