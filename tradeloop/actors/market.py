"""The market actor: one per symbol; holds the book, applies ticks, decides fills."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from decimal import Decimal
from typing import assert_never
from uuid import UUID

from tradeloop.actors.alert_watch import AlertWatch, Reached
from tradeloop.actors.base import Actor, Mailbox
from tradeloop.actors.messages import (
    AccountMessage,
    AlertsReached,
    ApplyTick,
    BookEvents,
    CheckRisk,
    ExpireOrders,
    MarketMessage,
    Pending,
    SubmitOrder,
    SwapOrder,
    WithdrawOrder,
)
from tradeloop.actors.prices import PriceBoard
from tradeloop.actors.risk_watch import RiskWatch
from tradeloop.core.accounts import order_from_acceptance
from tradeloop.core.book import OrderBook
from tradeloop.core.events import OrderCanceled, OrderEvent, OrderReplaced
from tradeloop.core.marketdata import Quote
from tradeloop.core.working import WorkingOrder


class MarketActor(Actor[MarketMessage]):
    """Owns one symbol's order book; the only one to decide its fills."""

    def __init__(
        self,
        symbol: str,
        *,
        accounts: Mapping[UUID, Mailbox[AccountMessage]],
        board: PriceBoard,
        clock: Callable[[], datetime],
        halted: AbstractSet[str],
        journal_trouble: Callable[[], str | None] = lambda: None,
        maxsize: int,
        watch: RiskWatch | None = None,
        alerts: AlertWatch | None = None,
    ) -> None:
        """`journal_trouble` says why the journal cannot write (None while it writes): nothing trades meanwhile.

        The engine always passes it; left out (a market driven alone, as by the tick benchmark), the journal never fails.
        """
        super().__init__(f"market-{symbol}", maxsize)
        self.book = OrderBook(symbol)
        self._accounts = accounts
        self._board = board
        self._clock = clock
        self._halted = halted
        self._journal_trouble = journal_trouble
        self._watch = watch
        self._alerts = alerts

    async def handle(self, message: MarketMessage) -> None:
        match message:
            case ApplyTick(tick=tick):
                top = self._board.top(tick.symbol)
                if isinstance(tick, Quote):
                    top.quote = tick
                else:
                    top.trade = tick
                events = self.book.expire(tick.timestamp)
                if self.book.symbol in self._halted or self._journal_trouble() is not None:
                    # A halted market is priced, but nothing trades; nor while fills could not be recorded.
                    self.book.observe(tick)
                else:
                    events.extend(self.book.on_tick(tick))
                await self._route(events)
                if self._watch is not None:
                    await self._check_risk(tick.symbol)
                if self._alerts is not None:
                    await self._check_alerts(tick.symbol)
            case SubmitOrder(order=order, pending=pending, legs=legs):
                await self._route(self._submit(order, legs), pending, order.terms.account_id)
            case WithdrawOrder(account_id=account_id, pending=pending):
                await self._handle_withdraw(account_id, pending)
            case SwapOrder():
                await self._handle_swap(message)
            case ExpireOrders(now=now):
                await self._route(self.book.expire(now))
            case _:
                assert_never(message)

    def _submit(self, order: WorkingOrder, legs: tuple[WorkingOrder, ...] = ()) -> list[OrderEvent]:
        """Work a new order (with its group's legs); one its account accepted just before a halt landed is canceled, never traded."""
        if self.book.symbol in self._halted:
            reason = f"trading in {self.book.symbol} is halted"
            now = self._clock()
            return [
                OrderCanceled(account_id=member.terms.account_id, order_id=member.terms.id, reason=reason, timestamp=now)
                for member in (order, *legs)
            ]
        if legs:
            return self.book.add_group([order, *legs], self._clock())
        return self.book.add(order, self._clock())

    async def _handle_withdraw(self, account_id: UUID, pending: Pending) -> None:
        removed = self.book.remove(pending.order_id)
        events: list[OrderEvent] = []
        if removed is not None:
            now = self._clock()
            events.append(
                OrderCanceled(account_id=account_id, order_id=removed.terms.id, reason="canceled by client", timestamp=now)
            )
            events.extend(self.book.cancel_linked(removed, "linked order canceled by client", now))
        await self._route(events, pending, account_id)

    async def _handle_swap(self, message: SwapOrder) -> None:
        events: list[OrderEvent] = []
        working = self.book.orders.get(message.pending.order_id)
        # A fill since the account decided would leave the replacement's reservations wrong; a halt
        # since then keeps the order as it is (the account tells the client why).
        unchanged = working is not None and working.filled_qty == message.filled_qty
        if self.book.symbol in self._halted:
            unchanged = False
        removed = self.book.remove(message.pending.order_id) if unchanged else None
        if removed is not None:
            now = self._clock()
            events.append(
                OrderReplaced(
                    account_id=message.account_id,
                    order_id=removed.terms.id,
                    replacement=message.replacement,
                    timestamp=now,
                )
            )
            events.extend(self.book.add(WorkingOrder.from_order(order_from_acceptance(message.replacement)), now))
        await self._route(events, message.pending, message.account_id)

    async def _check_risk(self, symbol: str) -> None:
        """Have the accounts this price takes out of a risk band value themselves (the rest are not looked at)."""
        assert self._watch is not None
        price = self._board.last_price(symbol)
        if price is None:
            return
        for account_id in self._watch.crossed(symbol, price):
            actor = self._accounts.get(account_id)
            if actor is not None:
                await actor.send(CheckRisk())

    async def _check_alerts(self, symbol: str) -> None:
        """Tell the accounts of the alerts this price reaches, and of those whose time ran out (the rest are not looked at)."""
        assert self._alerts is not None
        price = self._board.last_price(symbol)
        if price is not None:
            reached = self._alerts.crossed(symbol, price)
            if reached:
                await self._tell_alerts(reached, price)
        if self._alerts.expiring:
            due = self._alerts.due(self._clock())
            if due:
                await self._tell_alerts(due, None)

    async def _tell_alerts(self, reached: list[Reached], price: Decimal | None) -> None:
        by_account: dict[UUID, list[UUID]] = {}
        for account_id, alert_id in reached:
            by_account.setdefault(account_id, []).append(alert_id)
        for account_id, alert_ids in by_account.items():
            actor = self._accounts.get(account_id)
            if actor is not None:
                await actor.send(AlertsReached(alert_ids=tuple(alert_ids), price=price))

    async def _route(
        self, events: Sequence[OrderEvent], pending: Pending | None = None, pending_account: UUID | None = None
    ) -> None:
        """Send each account its events in order; the requester always hears back (first)."""
        if pending_account is not None:
            for event in events:
                if event.account_id != pending_account:
                    break
            else:  # the common case, no one else's orders touched: one message, no grouping
                actor = self._accounts.get(pending_account)
                if actor is not None:
                    await actor.send(BookEvents(events=tuple(events), pending=pending))
                return
        by_account: dict[UUID, list[OrderEvent]] = {}
        if pending_account is not None:
            by_account[pending_account] = []
        for event in events:
            by_account.setdefault(event.account_id, []).append(event)
        for account_id, own in by_account.items():
            actor = self._accounts.get(account_id)
            if actor is not None:
                answer = pending if account_id == pending_account else None
                await actor.send(BookEvents(events=tuple(own), pending=answer))
