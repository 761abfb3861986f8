"""The engine: spawns and routes to the actors, runs the feed and the session clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final
from uuid import UUID, uuid4

from tradeloop.actors.account import AccountActor, EventListener
from tradeloop.actors.deadlines import Deadlines
from tradeloop.actors.market import MarketActor
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.actors.messages import (
    AdjustCash,
    ApplyTick,
    CancelOrder,
    CloseSession,
    ExpireOrders,
    PlaceOrder,
    RecordEvents,
    ReplaceOrder,
    SubmitOrder,
    TakeSnapshot,
)
from tradeloop.actors.prices import PriceBoard
from tradeloop.clock import utc_now
from tradeloop.core.accounts import AccountState, Valuation, open_account, valuation
from tradeloop.core.events import AccountEvent, AccountOpened, CashAdjusted
from tradeloop.core.instruments import Asset
from tradeloop.core.marketdata import HaltChanged, Tick
from tradeloop.core.money import ZERO
from tradeloop.core.orders import Order, OrderRequest, ReplaceRequest
from tradeloop.core.sessions import session_end
from tradeloop.core.working import WorkingOrder
from tradeloop.errors import (
    InvalidField,
    JournalUnavailable,
    NotCancelable,
    NotFound,
    NotReplaceable,
    TradeloopError,
    Unauthorized,
)
from tradeloop.journal import Journal, OrderQuery, refusal, select_orders
from tradeloop.market.feed import Feed
from tradeloop.security import hash_secret, new_key_id, new_secret, verify_secret

log = logging.getLogger(__name__)

REPLY_TIMEOUT_S: Final = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """A new account's key pair; the secret is shown once and never stored."""

    account_id: UUID
    key_id: str
    secret_key: str


class Engine:
    """The running system: accounts, markets, the feed and the session clock."""

    def __init__(
        self,
        *,
        assets: Iterable[Asset],
        journal: Journal | None = None,
        feed: Feed | None = None,
        clock: Callable[[], datetime] = utc_now,
        queue_size: int = 10_000,
        snapshot_every_events: int = 10_000,
        snapshot_every_s: float = 300.0,
    ) -> None:
        self.assets = {asset.symbol: asset for asset in assets}
        self.board = PriceBoard()
        self.journal: Journal = journal or MemoryJournal()
        self.clock = clock
        self.listeners: list[EventListener] = []
        """Called with each account's events once they are committed (trade updates)."""
        self.tick_listeners: list[Callable[[Tick], None]] = []
        """Called with every tick of a listed symbol as it arrives (bars, streams); must not block."""
        self.halt_listeners: list[Callable[[HaltChanged], None]] = []
        """Called when a halt begins or ends, once it is stored (streams); must not block."""
        self._feed = feed
        self._queue_size = queue_size
        self.halted: set[str] = set()
        """Halted symbols; read by every actor, changed only by administration.set_halted and restore_halts."""
        self._accounts: dict[UUID, AccountActor] = {}
        self._keys: dict[str, UUID] = {}
        self._markets: dict[str, MarketActor] = {
            symbol: MarketActor(
                symbol,
                accounts=self._accounts,
                board=self.board,
                clock=clock,
                halted=self.halted,
                journal_trouble=self._journal_trouble,
                maxsize=queue_size,
            )
            for symbol in self.assets
        }
        self._tasks: list[asyncio.Task[None]] = []
        self._snapshot_every_events = snapshot_every_events
        self._snapshot_every_s = snapshot_every_s
        self._events_at_snapshot = 0
        self._restored: list[Order] = []
        self._deadlines = Deadlines(REPLY_TIMEOUT_S)
        self.started = False

    def restore(self, states: Iterable[AccountState]) -> None:
        """Adopt accounts recovered from disk; their open orders go back to the books at start."""
        for state in states:
            self._spawn(state)
            self._restored.extend(state.orders.values())

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for market in self._markets.values():
            market.start()
        for account in self._accounts.values():
            account.start()
        restored, self._restored = self._restored, []
        for order in restored:
            if order.terms.symbol in self._markets:
                await self._markets[order.terms.symbol].send(
                    SubmitOrder(order=WorkingOrder.from_order(order), pending=None)
                )
        if self._feed is not None:
            self._tasks.append(loop.create_task(self._feed.run(self.ingest), name=f"feed-{self._feed.name}"))
        self._tasks.append(loop.create_task(self._run_sessions(), name="session-clock"))
        self._tasks.append(loop.create_task(self._run_snapshots(), name="snapshot-clock"))
        self.started = True

    async def stop(self) -> None:
        """Stop the feed and the clocks, drain every queue, then write a final snapshot."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.started:
            await self.quiesce()
            if self.journal.trouble is None:  # else the journal reports what it could not commit as it closes
                with contextlib.suppress(JournalUnavailable):
                    await self.snapshot_all()
        for market in self._markets.values():
            await market.stop()
        for account in self._accounts.values():
            await account.stop()
        self.started = False

    async def ingest(self, tick: Tick) -> None:
        """Route a tick to its market; ticks for symbols we do not list are ignored."""
        market = self._markets.get(tick.symbol)
        if market is not None:
            for listener in self.tick_listeners:
                listener(tick)
            await market.send(ApplyTick(tick=tick))

    async def quiesce(self) -> None:
        """Wait until every actor has handled everything sent so far (and replies went out)."""
        actors: list[MarketActor | AccountActor] = [*self._markets.values(), *self._accounts.values()]
        while True:
            for actor in actors:
                await actor.idle()
            await asyncio.sleep(0)
            if not any(actor.backlog for actor in actors):
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
        self._events_at_snapshot = self.journal.events_written
        await self.journal.compact(len(self._accounts))
        return len(replies)

    async def _run_snapshots(self) -> None:
        """Snapshot every `snapshot_every_s` seconds, or sooner after `snapshot_every_events` events; not while the journal cannot write."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(min(1.0, self._snapshot_every_s))
            if self.journal.trouble is not None:
                continue
            due_by_events = self.journal.events_written - self._events_at_snapshot >= self._snapshot_every_events
            if due_by_events or loop.time() - last >= self._snapshot_every_s:
                try:
                    await self.snapshot_all()
                except Exception:
                    log.exception("snapshot failed; the journal still holds everything")
                last = loop.time()

    def check_journal_writes(self) -> None:
        """Raises: JournalUnavailable while the journal cannot write (before anything is changed)."""
        trouble = self.journal.trouble
        if trouble is not None:
            raise refusal(trouble)

    def _journal_trouble(self) -> str | None:
        return self.journal.trouble

    async def _run_sessions(self) -> None:
        closed: datetime | None = None
        while True:
            now = self.clock()
            # The loop's timer may wake before the wall clock reaches `end`: never close a session twice.
            end = session_end(now if closed is None or now >= closed else closed)
            await asyncio.sleep(max((end - now).total_seconds(), 0.0))
            await self.close_session(end)
            closed = end

    async def close_session(self, end: datetime) -> None:
        """End a session: expire day orders, record each account's closing equity."""
        self.board.close_session()
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
            account_id=uuid4(),
            account_number="PA" + "".join(secrets.choice("0123456789") for _ in range(10)),
            key_id=key_id,
            secret_hash=hash_secret(secret_key),
            cash=cash,
            created_at=self.clock(),
        )
        try:
            await self.journal.write(event.account_id, [event])
        finally:  # a write that failed is kept by the journal, to be committed once it writes again
            self._spawn(open_account(event))
        return Credentials(account_id=event.account_id, key_id=key_id, secret_key=secret_key)

    def _spawn(self, state: AccountState) -> AccountActor:
        actor = AccountActor(
            state,
            markets=self._markets,
            assets=self.assets,
            board=self.board,
            journal=self.journal,
            clock=self.clock,
            listeners=self.listeners,
            halted=self.halted,
            maxsize=self._queue_size,
        )
        self._accounts[state.id] = actor
        self._keys[state.key_id] = state.id
        if self.started:
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
        return valuation(self.account(account_id), self.board.last_price)

    def market(self, symbol: str) -> MarketActor:
        market = self._markets.get(symbol)
        if market is None:
            raise NotFound(f"asset not found for {symbol}")
        return market

    # -- orders ---------------------------------------------------------------

    # Each request waits on its reply with a deadline (`Deadlines`): past it the caller gets
    # Unavailable, and the actor, finding the reply done, skips answering.

    async def place_order(self, account_id: UUID, request: OrderRequest) -> Order:
        reply = self._future()
        self._actor(account_id).tell(PlaceOrder(request=request, reply=reply))
        return await self._deadlines.watch(reply)

    async def cancel_order(self, account_id: UUID, order_id: UUID) -> Order:
        """Raises: NotFound for an unknown order, NotCancelable for a closed one."""
        reply = self._future()
        self._actor(account_id).tell(CancelOrder(order_id=order_id, reply=reply))
        return await self._answer_about(account_id, order_id, reply, NotCancelable, "canceled")

    async def replace_order(self, account_id: UUID, order_id: UUID, change: ReplaceRequest) -> Order:
        """Raises: NotFound for an unknown order, NotReplaceable for a closed one, and whatever placing raises."""
        reply = self._future()
        self._actor(account_id).tell(ReplaceOrder(order_id=order_id, change=change, reply=reply))
        return await self._answer_about(account_id, order_id, reply, NotReplaceable, "replaced")

    async def _answer_about(
        self,
        account_id: UUID,
        order_id: UUID,
        reply: asyncio.Future[Order],
        refusal: Callable[[str], TradeloopError],
        done_to_it: str,
    ) -> Order:
        """The answer to a command on an order; one the account no longer holds but the journal does is closed.

        Raises: NotFound for an order the account never had; `refusal`, naming its status, for a closed one.
        """
        try:
            return await self._deadlines.watch(reply)
        except NotFound:
            closed = await self.journal.order(account_id, order_id)
            if closed is None:
                raise
            raise refusal(f"order is {closed.status} and can no longer be {done_to_it}") from None

    # An account holds its open orders; the journal every order's latest record. An order that
    # is not open is closed, and the write that closed it was handed to the journal before it
    # left the account, so the journal (which flushes before reading) has it.

    async def order(self, account_id: UUID, order_id: UUID) -> Order:
        """One order of the account, open or closed.

        Raises: NotFound when the account never had it.
        """
        found = self.account(account_id).orders.get(order_id)
        if found is not None:
            return found.copy()
        closed = await self.journal.order(account_id, order_id)
        if closed is None:
            raise NotFound("order not found")
        return closed

    async def order_by_client_order_id(self, account_id: UUID, client_order_id: str) -> Order:
        """Raises: NotFound when no order of the account has that client order id."""
        order_id = self.account(account_id).client_order_ids.get(client_order_id)
        if order_id is None:
            raise NotFound("order not found")
        return await self.order(account_id, order_id)

    async def orders(self, query: OrderQuery) -> list[Order]:
        """The account's orders a listing asks for: open ones from the account, closed ones from the journal."""
        state = self.account(query.account_id)
        # The open ones are read first: one that closes while the journal is read is then in one listing
        # or the other (the journal's record wins), never in neither.
        open_now = [] if query.status == "closed" else [o.copy() for o in select_orders(state.orders.values(), query)]
        if query.status == "open":
            return open_now
        closed = await self.journal.orders(replace(query, status="closed"))
        merged = {order.terms.id: order for order in open_now}
        merged.update((order.terms.id, order) for order in closed)
        return select_orders(merged.values(), query)

    async def record(self, account_id: UUID, events: Sequence[AccountEvent]) -> None:
        """Have an account journal and apply events decided outside it (administration)."""
        reply: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._actor(account_id).tell(RecordEvents(events=tuple(events), reply=reply))
        await self._deadlines.watch(reply)

    async def adjust_cash(self, account_id: UUID, amount: Decimal, description: str) -> CashAdjusted:
        """Deposit or withdraw cash, decided by the account against its buying power."""
        reply: asyncio.Future[CashAdjusted] = asyncio.get_running_loop().create_future()
        self._actor(account_id).tell(AdjustCash(amount=amount, description=description, reply=reply))
        return await self._deadlines.watch(reply)

    def rekey(self, account_id: UUID, old_key_id: str, new_key_id: str) -> None:
        """Point authentication at an account's new key id; the old one stops working at once."""
        self._keys.pop(old_key_id, None)
        self._keys[new_key_id] = account_id

    def _actor(self, account_id: UUID) -> AccountActor:
        actor = self._accounts.get(account_id)
        if actor is None:
            raise NotFound("account not found")
        return actor

    @staticmethod
    def _future() -> asyncio.Future[Order]:
        return asyncio.get_running_loop().create_future()


__all__: Sequence[str] = ("Credentials", "Engine")
