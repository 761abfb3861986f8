"""The engine: the one way in to the account and market actors, for commands and queries.

Everything it needs is given when it is built: the journal (already open), the clock,
the accounts and halts recovered from disk, how old a price may be, queue sizes. Nothing
outside this module assigns its attributes. Who writes what:

- account states: each account's actor alone, by applying events;
- order books: each symbol's market actor alone;
- the price board: the market actors (quotes, trades) and `close_session` (previous closes);
- halts: `halt` alone (which stores them with the journal first);
- listeners: `subscribe_events`, `subscribe_ticks`, `subscribe_halts` and the subscriptions they return.

It runs no task but its actors' mailboxes: the feed, the session clock and the snapshot
clock belong to `tradeloop.actors.live.LiveEngine`, which the server runs. A backtest
drives this class alone: `ingest` ticks, `await quiesce()` after each step (it returns once
every mailbox is drained and every reply has gone out), `close_session` by hand.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Final
from uuid import UUID

import msgpack

from tradeloop.actors.account import AccountActor, Committed, EventListener
from tradeloop.actors.alert_watch import AlertWatch
from tradeloop.actors.deadlines import Deadlines
from tradeloop.actors.flatten import flatten, left_to_flatten
from tradeloop.actors.ids import SYSTEM_IDS, IdSource
from tradeloop.actors.listeners import HaltListener, Listeners, Subscription, TickListener
from tradeloop.actors.market import MarketActor
from tradeloop.actors.messages import (
    AdjustCash,
    ApplyTick,
    CancelOrder,
    ChangeAlert,
    ChangeStrategy,
    ChangeWatchlist,
    ChangeWebhook,
    CheckRisk,
    CloseSession,
    ExpireOrders,
    IndicatorAlertMet,
    PlaceOrder,
    PreviewOrder,
    RecordEvents,
    ReplaceOrder,
    SetRisk,
    SubmitOrder,
    TakeSnapshot,
)
from tradeloop.actors.order_queries import OrderQueries
from tradeloop.actors.prices import PriceBoard
from tradeloop.actors.risk_watch import RiskWatch
from tradeloop.clock import utc_now
from tradeloop.core.accounts import AccountState, Valuation, open_account, valuation
from tradeloop.core.alerts import Alert, AlertCommand
from tradeloop.core.alerts import find as find_alert
from tradeloop.core.events import AccountEvent, AccountOpened, CashAdjusted, TradingStateChanged
from tradeloop.core.instruments import Asset
from tradeloop.core.marketdata import HaltChanged, Tick
from tradeloop.core.money import ZERO
from tradeloop.core.orders import Order, OrderRequest, ReplaceRequest
from tradeloop.core.preview import Preview
from tradeloop.core.risk_limits import LimitChanges, RiskLimits, StateSource, TradingState
from tradeloop.core.strategies import Signal, Strategy, StrategyCommand
from tradeloop.core.strategies import find as find_strategy
from tradeloop.core.watchlists import Watchlist, WatchlistCommand
from tradeloop.core.webhooks import WebhookCommand, WebhookEndpoint
from tradeloop.core.working import WorkingOrder
from tradeloop.errors import (
    InvalidField,
    JournalUnavailable,
    NotCancelable,
    NotFound,
    NotReplaceable,
    Unauthorized,
)
from tradeloop.journal import Journal, OrderQuery, SignalQuery, refusal
from tradeloop.security import hash_secret, new_key_id, new_secret, verify_secret

REPLY_TIMEOUT_S: Final = 10.0
HALTED_META: Final = "halted_symbols"
"""The journal's named value holding the halted symbols (a sorted msgpack list)."""


def stored_halts(stored: bytes | None) -> frozenset[str]:
    """The halted symbols as `halt` stored them under HALTED_META (None: nothing stored, nothing halted)."""
    return frozenset() if stored is None else frozenset(msgpack.unpackb(stored))


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """A new account's key pair; the secret is shown once and never stored."""

    account_id: UUID
    key_id: str
    secret_key: str


class Engine:
    """Routes commands to the account and market actors and answers queries; runs no feed and no clock."""

    def __init__(
        self,
        *,
        assets: Iterable[Asset],
        journal: Journal,
        clock: Callable[[], datetime] = utc_now,
        accounts: Iterable[AccountState] = (),
        halted: Iterable[str] = (),
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
        self._halted: set[str] = set(halted)
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
                halted=self._halted,
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

    # -- halts ----------------------------------------------------------------

    def is_halted(self, symbol: str) -> bool:
        return symbol in self._halted

    def halted_symbols(self) -> list[str]:
        """The halted symbols, sorted."""
        return sorted(self._halted)

    async def halt(self, symbol: str, halted: bool) -> None:
        """Halt or resume trading in a symbol; the halt list is stored in order with the journal.

        A halt that begins or ends (not one repeated) is told to the halt listeners once stored.

        Raises:
            NotFound: the symbol is not listed.
            JournalUnavailable: the journal cannot write (nothing is changed).
        """
        if symbol not in self._assets:
            raise NotFound(f"asset not found for {symbol}")
        self.check_journal_writes()
        changed = (symbol in self._halted) != halted
        (self._halted.add if halted else self._halted.discard)(symbol)
        await self._journal.put_meta(HALTED_META, msgpack.packb(sorted(self._halted)))
        if changed:
            change = HaltChanged(symbol=symbol, halted=halted, timestamp=self._clock())
            for listener in self._listeners.halts:
                listener(change)

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

    def check_journal_writes(self) -> None:
        """Raises: JournalUnavailable while the journal cannot write (before anything is changed)."""
        trouble = self._journal.trouble
        if trouble is not None:
            raise refusal(trouble)

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

    async def open_account(
        self, cash: Decimal, *, key_id: str | None = None, secret_key: str | None = None
    ) -> Credentials:
        """Open an account with its first key pair; the event is journaled before return."""
        if cash < ZERO:
            raise InvalidField("cash", "must not be negative")
        key_id = key_id or new_key_id()
        if key_id in self._keys:
            raise InvalidField("key_id", "already in use")
        self.check_journal_writes()
        secret_key = secret_key or new_secret()
        event = AccountOpened(
            account_id=self._ids.random_id(),
            account_number="PA" + "".join(secrets.choice("0123456789") for _ in range(10)),
            key_id=key_id,
            secret_hash=hash_secret(secret_key),
            cash=cash,
            created_at=self._clock(),
        )
        try:
            await self._journal.write(event.account_id, [event])
        finally:  # a write that failed is kept by the journal, to be committed once it writes again
            self._spawn(open_account(event))
        return Credentials(account_id=event.account_id, key_id=key_id, secret_key=secret_key)

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

    def authenticate(self, key_id: str, secret_key: str) -> AccountState:
        """Raises: Unauthorized for an unknown key or a wrong secret."""
        account_id = self._keys.get(key_id)
        if account_id is not None:
            state = self._accounts[account_id].state
            if verify_secret(secret_key, state.secret_hash):
                return state
        else:
            verify_secret(secret_key, hash_secret("", "0" * 32))  # same work either way
        raise Unauthorized("request is not authorized")

    def account(self, account_id: UUID) -> AccountState:
        actor = self._accounts.get(account_id)
        if actor is None:
            raise NotFound("account not found")
        return actor.state

    def accounts(self) -> list[AccountState]:
        return [actor.state for actor in self._accounts.values()]

    def valuation(self, account_id: UUID) -> Valuation:
        return valuation(self.account(account_id), self._board.last_price)

    def market(self, symbol: str) -> MarketActor:
        market = self._markets.get(symbol)
        if market is None:
            raise NotFound(f"asset not found for {symbol}")
        return market

    # -- orders ---------------------------------------------------------------

    # Each request waits on its reply with a deadline (`Deadlines`): past it the caller gets
    # Unavailable, and the actor, finding the reply done, skips answering.

    async def place_order(self, account_id: UUID, request: OrderRequest, *, exempt: bool = False) -> Order:
        """Place an order; `exempt` skips the risk checks (the server's own orders closing positions on a breach)."""
        reply = self._future()
        self.account_actor(account_id).tell(PlaceOrder(request=request, reply=reply, exempt=exempt))
        return await self._deadlines.watch(reply)

    async def preview_order(self, account_id: UUID, request: OrderRequest) -> Preview:
        """What placing the order would do now; nothing changes and nothing is journaled."""
        reply: asyncio.Future[Preview] = asyncio.get_running_loop().create_future()
        self.account_actor(account_id).tell(PreviewOrder(request=request, reply=reply))
        return await self._deadlines.watch(reply)

    async def set_risk(
        self,
        account_id: UUID,
        *,
        limits: RiskLimits | LimitChanges | None,
        state: TradingState | None,
        reason: str | None,
        source: StateSource,
    ) -> None:
        """Replace (or change some of) an account's risk limits and/or set its trading state; returns once journaled."""
        reply: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.account_actor(account_id).tell(
            SetRisk(limits=limits, state=state, reason=reason, source=source, reply=reply)
        )
        await self._deadlines.watch(reply)

    async def cancel_order(self, account_id: UUID, order_id: UUID) -> Order:
        """Raises: NotFound for an unknown order, NotCancelable for a closed one."""
        reply = self._future()
        self.account_actor(account_id).tell(CancelOrder(order_id=order_id, reply=reply))
        return await self._queries.answer_about(
            self._deadlines.watch(reply), account_id, order_id, NotCancelable, "canceled"
        )

    async def replace_order(self, account_id: UUID, order_id: UUID, change: ReplaceRequest) -> Order:
        """Raises: NotFound for an unknown order, NotReplaceable for a closed one, and whatever placing raises."""
        reply = self._future()
        self.account_actor(account_id).tell(ReplaceOrder(order_id=order_id, change=change, reply=reply))
        return await self._queries.answer_about(
            self._deadlines.watch(reply), account_id, order_id, NotReplaceable, "replaced"
        )

    # -- order queries (OrderQueries: open orders from the account, closed ones from the journal) --

    async def order(self, account_id: UUID, order_id: UUID) -> Order:
        """One order of the account, open or closed. Raises: NotFound when the account never had it."""
        return await self._queries.order(account_id, order_id)

    async def order_by_client_order_id(self, account_id: UUID, client_order_id: str) -> Order:
        """Raises: NotFound when no order of the account has that client order id."""
        return await self._queries.order_by_client_order_id(account_id, client_order_id)

    async def orders(self, query: OrderQuery) -> list[Order]:
        """The account's orders a listing asks for, open and closed."""
        return await self._queries.orders(query)

    async def legs(self, account_id: UUID, order: Order) -> list[Order] | None:
        """The legs of a group's first order as they stand, open and closed (None for a simple order or a leg)."""
        return await self._queries.legs(account_id, order)

    async def record(self, account_id: UUID, events: Sequence[AccountEvent]) -> None:
        """Have an account journal and apply events decided outside it (administration)."""
        reply: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.account_actor(account_id).tell(RecordEvents(events=tuple(events), reply=reply))
        await self._deadlines.watch(reply)

    async def adjust_cash(self, account_id: UUID, amount: Decimal, description: str) -> CashAdjusted:
        """Deposit or withdraw cash, decided by the account against its buying power."""
        reply: asyncio.Future[CashAdjusted] = asyncio.get_running_loop().create_future()
        self.account_actor(account_id).tell(AdjustCash(amount=amount, description=description, reply=reply))
        return await self._deadlines.watch(reply)

    async def change_watchlist(self, account_id: UUID, command: WatchlistCommand) -> Watchlist | None:
        """Change a watchlist, decided by the account in its turn; the watchlist as it then stands (None: deleted)."""
        reply: asyncio.Future[Watchlist | None] = asyncio.get_running_loop().create_future()
        self.account_actor(account_id).tell(ChangeWatchlist(command=command, reply=reply))
        return await self._deadlines.watch(reply)

    async def change_strategy(self, account_id: UUID, command: StrategyCommand) -> Strategy:
        """Create, revise, (de)activate or delete a strategy, decided by the account in its turn; the strategy as the
        change left it (a detached copy), once journaled.

        Raises: NotFound for a strategy the account does not have (or deleted), InvalidField for a bad name.
        """
        reply: asyncio.Future[Strategy] = asyncio.get_running_loop().create_future()
        self.account_actor(account_id).tell(ChangeStrategy(command=command, reply=reply))
        return await self._deadlines.watch(reply)

    async def change_webhook(self, account_id: UUID, command: WebhookCommand) -> WebhookEndpoint | None:
        """Change a webhook endpoint, decided by the account in its turn; the endpoint as it then stands (None: deleted).

        Raises: NotFound for an endpoint the account does not have, InvalidField for a bad URL or pattern.
        """
        reply: asyncio.Future[WebhookEndpoint | None] = asyncio.get_running_loop().create_future()
        self.account_actor(account_id).tell(ChangeWebhook(command=command, reply=reply))
        return await self._deadlines.watch(reply)

    def strategies(self, account_id: UUID) -> list[Strategy]:
        """The account's strategies (detached copies), deleted ones included, in the order they were created."""
        return [strategy.copy() for strategy in self.account(account_id).strategies.values()]

    def strategy(self, account_id: UUID, strategy_id: UUID) -> Strategy:
        """One strategy of the account (a detached copy), deleted or not. Raises: NotFound (another account's too)."""
        return find_strategy(self.account(account_id).strategies, strategy_id).copy()

    async def change_alert(self, account_id: UUID, command: AlertCommand) -> Alert:
        """Create, revise or cancel an alert, decided by the account in its turn; the alert as the change left it, once
        journaled.

        Raises: NotFound for an alert the account does not have, InvalidField for terms its kind does not take.
        """
        reply: asyncio.Future[Alert] = asyncio.get_running_loop().create_future()
        self.account_actor(account_id).tell(ChangeAlert(command=command, reply=reply))
        return await self._deadlines.watch(reply)

    async def indicator_alert_met(
        self, account_id: UUID, alert_id: UUID, *, values: tuple[tuple[str, str], ...], price: Decimal | None
    ) -> None:
        """Tell an account that one of its indicator alerts' conditions held on a completed bar (it decides the rest)."""
        await self.account_actor(account_id).send(IndicatorAlertMet(alert_id=alert_id, values=values, price=price))

    def alerts(self, account_id: UUID) -> list[Alert]:
        """The account's alerts, active and recently ended, in the order they were made."""
        return list(self.account(account_id).alerts.values())

    def alert(self, account_id: UUID, alert_id: UUID) -> Alert:
        """One alert of the account. Raises: NotFound (another account's too)."""
        return find_alert(self.account(account_id).alerts, alert_id)

    @property
    def alert_watch(self) -> AlertWatch:
        """The index of alert triggers the market actors read (a benchmark counts its lookups)."""
        return self._alert_watch

    async def signals(self, query: SignalQuery) -> list[Signal]:
        """A page of the account's signals, from the journal. Raises: InvalidField for a page token it never listed."""
        return await self._journal.signals(query)

    def rekey(self, account_id: UUID, old_key_id: str, new_key_id: str) -> None:
        """Point authentication at an account's new key id; the old one stops working at once."""
        self._keys.pop(old_key_id, None)
        self._keys[new_key_id] = account_id

    def account_actor(self, account_id: UUID) -> AccountActor:
        """The account's actor (a test may step it alone).

        Raises: NotFound for an unknown account.
        """
        actor = self._accounts.get(account_id)
        if actor is None:
            raise NotFound("account not found")
        return actor

    @staticmethod
    def _future() -> asyncio.Future[Order]:
        return asyncio.get_running_loop().create_future()


__all__: Sequence[str] = ("HALTED_META", "Credentials", "Engine", "stored_halts")
