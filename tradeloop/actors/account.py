"""The account actor: decides on a user's commands and applies every event to its account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TypeVar, assert_never
from uuid import UUID

from tradeloop.actors.account_alerts import AccountAlerts
from tradeloop.actors.account_risk import AccountRisk
from tradeloop.actors.alert_watch import AlertWatch
from tradeloop.actors.base import Actor, Mailbox
from tradeloop.actors.ids import SYSTEM_IDS, IdSource
from tradeloop.actors.messages import (
    AccountMessage,
    AdjustCash,
    AlertsReached,
    BookEvents,
    CancelOrder,
    ChangeAlert,
    ChangeStrategy,
    ChangeWatchlist,
    ChangeWebhook,
    CheckRisk,
    CloseSession,
    IndicatorAlertMet,
    Intent,
    MarketMessage,
    Pending,
    PlaceOrder,
    PreviewOrder,
    RecordEvents,
    ReplaceOrder,
    SetRisk,
    SubmitOrder,
    SwapOrder,
    TakeSnapshot,
    WithdrawOrder,
)
from tradeloop.actors.prices import PriceBoard
from tradeloop.actors.risk_watch import RiskWatch
from tradeloop.core.accounts import AccountState, apply_event, apply_events, session_closed
from tradeloop.core.alerts import AlertKind, CreateAlert, apply_alert_event, decide_alert
from tradeloop.core.charges import charge_fees
from tradeloop.core.configurations import check_order, check_replacement
from tradeloop.core.events import AccountEvent, OrderAccepted, OrderCanceled, OrderFilled
from tradeloop.core.fees import NO_FEES
from tradeloop.core.funding import adjust_cash
from tradeloop.core.instruments import Asset
from tradeloop.core.linked import accept_linked
from tradeloop.core.money import ZERO
from tradeloop.core.notification_rules import notifications_of
from tradeloop.core.notifications import NotificationsCreated
from tradeloop.core.orders import Order, OrderClass, OrderRequest, OrderSide, OrderType
from tradeloop.core.placement import (
    Hold,
    accept_order,
    accept_replacement,
    hold_pending,
    release_pending,
)
from tradeloop.core.preview import preview_of
from tradeloop.core.sessions import session_end
from tradeloop.core.strategies import apply_strategy_event, decide_strategy
from tradeloop.core.watchlists import apply_watchlist_event, decide_watchlist
from tradeloop.core.webhooks import apply_webhook_event, decide_webhook
from tradeloop.core.working import WorkingOrder
from tradeloop.errors import (
    AccountDisabled,
    InvalidField,
    NotReplaceable,
    StaleMarketData,
    TradeloopError,
    TradingHalted,
    Unavailable,
    UnknownSymbol,
    WriteKept,
)
from tradeloop.journal import Journal, refusal

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Committed:
    """One journal write of an account, as the write left it: what listeners are told once it is committed.

    Taken when the write is made, not when it commits: a later write may change
    the account before this one commits, and must not show through until it commits too.
    """

    account_id: UUID
    events: Sequence[AccountEvent]
    orders: Mapping[UUID, Order]
    """Detached copies of the order records the events changed, by id (closed ones too)."""
    positions: Mapping[str, Decimal]
    """The quantity held after the write, of each symbol the write filled."""


EventListener = Callable[[Committed], None]
"""Told of each committed write of an account."""


def resolve(future: asyncio.Future[T], value: T) -> None:
    """Answer a waiting caller unless it already gave up."""
    if not future.done():
        future.set_result(value)


def reject(future: asyncio.Future[T], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def settle(future: asyncio.Future[None], outcome: asyncio.Future[None]) -> None:
    """Pass a finished write's outcome on to a waiting caller."""
    failure = Unavailable("journal write was cancelled") if outcome.cancelled() else outcome.exception()
    if failure is not None:
        reject(future, failure)
    else:
        resolve(future, None)


class AccountActor(Actor[AccountMessage]):
    """Owns one account; the only writer of its state."""

    def __init__(
        self,
        state: AccountState,
        *,
        markets: Mapping[str, Mailbox[MarketMessage]],
        assets: Mapping[str, Asset],
        board: PriceBoard,
        journal: Journal,
        clock: Callable[[], datetime],
        listeners: Sequence[EventListener],
        halted: Mapping[str, str],
        maxsize: int,
        watch: RiskWatch | None = None,
        alerts: AlertWatch | None = None,
        ids: IdSource = SYSTEM_IDS,
    ) -> None:
        super().__init__(f"account-{state.id}", maxsize)
        self.state = state
        self._ids = ids
        self._markets = markets
        self._assets = assets
        self._board = board
        self._journal = journal
        self._clock = clock
        self._listeners = listeners
        self._halted = halted
        self._last_write: asyncio.Future[None] | None = None
        self._holds: dict[UUID, Hold] = {}
        self._risk = AccountRisk(state, board=board, watch=watch if watch is not None else RiskWatch())
        """Replacements waiting on the market, by the id of the order they replace."""
        self._unwritten: dict[UUID, tuple[OrderAccepted, ...]] = {}
        """Acceptances applied but not journaled yet, by order id (a group's, by its first order's): each is journaled
        with the market's answer.

        A snapshot taken meanwhile holds the order; recovery then skips the
        acceptance it finds after the snapshot (see `snapshots.recovery`).
        """
        self._alerts = AccountAlerts(state, board=board, watch=alerts if alerts is not None else AlertWatch())
        self._reach_now(self._alerts.watch_all())

    async def handle(self, message: AccountMessage) -> None:
        # A client's command is refused before anything is applied while the journal cannot write: what
        # memory holds must be what the journal holds (or will, once it writes again). What no client
        # asked for (a market's answer to a command taken earlier, a session's close) is applied and
        # kept by the journal in order.
        match message:  # the two messages of every order first
            case PlaceOrder():
                self._check_journal_writes()
                self._handle_place_order(message)
            case BookEvents():
                self._handle_book_events(message)
            case CancelOrder():
                self._check_journal_writes()
                self._handle_cancel_order(message)
            case ReplaceOrder():
                self._check_journal_writes()
                self._handle_replace_order(message)
            case RecordEvents():
                self._check_journal_writes()
                done = message.reply
                self._record(message.events, None if done is None else lambda _: resolve(done, None), reply=done)
            case CloseSession():
                closed = session_closed(self.state, self._board.last_price, message.now)
                self._record([closed, *self._risk.session_began(message.now)])
            case PreviewOrder():
                self._handle_preview_order(message)
            case SetRisk():
                self._check_journal_writes()
                self._handle_set_risk(message)
            case CheckRisk():
                self._review_risk()
            case TakeSnapshot(reply=reply):
                self._handle_take_snapshot(reply)
            case AdjustCash():
                self._check_journal_writes()
                self._handle_adjust_cash(message)
            case ChangeWatchlist():
                self._check_journal_writes()
                self._handle_change_watchlist(message)
            case ChangeStrategy():
                self._check_journal_writes()
                self._handle_change_strategy(message)
            case ChangeAlert():
                self._check_journal_writes()
                self._handle_change_alert(message)
            case AlertsReached():
                events = self._alerts.reached(message.alert_ids, message.price, self._clock())
                if events:
                    self._record(events)
            case IndicatorAlertMet():
                events = self._alerts.indicator_met(message.alert_id, message.values, message.price, self._clock())
                if events:
                    self._record(events)
            case ChangeWebhook():
                self._check_journal_writes()
                self._handle_change_webhook(message)
            case _:
                assert_never(message)

    def failed(self, message: AccountMessage, exc: Exception) -> None:
        match message:
            case PlaceOrder() | CancelOrder() | ReplaceOrder():
                reject(message.reply, exc)
            case BookEvents(pending=Pending() as pending):
                reject(pending.reply, exc)
            case RecordEvents(reply=asyncio.Future() as reply) | TakeSnapshot(reply=reply):
                reject(reply, exc)
            case AdjustCash(reply=adjusted):
                reject(adjusted, exc)
            case ChangeWatchlist(reply=changed):
                reject(changed, exc)
            case ChangeStrategy(reply=strategy):
                reject(strategy, exc)
            case ChangeAlert(reply=alert):
                reject(alert, exc)
            case ChangeWebhook(reply=endpoint):
                reject(endpoint, exc)
            case PreviewOrder(reply=previewed):
                reject(previewed, exc)
            case SetRisk(reply=done):
                reject(done, exc)
            case _:
                pass

    def _check_journal_writes(self) -> None:
        """Raises: JournalUnavailable while the journal cannot write."""
        trouble = self._journal.trouble
        if trouble is not None:
            raise refusal(trouble)

    def _market(self, symbol: str) -> Mailbox[MarketMessage]:
        market = self._markets.get(symbol)
        if market is None:
            raise UnknownSymbol(f"unknown symbol {symbol!r}")
        if not market.has_room():
            raise Unavailable(f"market {symbol} is overloaded, try again shortly")
        return market

    def _check_may_trade(self, symbol: str) -> None:
        """Raises: AccountDisabled, TradingHalted."""
        if not self.state.active:
            raise AccountDisabled("account is disabled: trading is blocked")
        if symbol in self._halted:
            reason = self._halted[symbol]
            raise TradingHalted(f"trading in {symbol} is halted" + (f": {reason}" if reason else ""))

    def _handle_adjust_cash(self, message: AdjustCash) -> None:
        event = adjust_cash(
            self.state, message.amount, activity_id=self._ids.random_id(), description=message.description, now=self._clock()
        )
        self._record([event], lambda _: resolve(message.reply, event), reply=message.reply)

    def _handle_change_watchlist(self, message: ChangeWatchlist) -> None:
        held = self.state.watchlists
        watchlist_id, event = decide_watchlist(
            held, message.command, account_id=self.state.id, listed=self._assets, now=self._clock()
        )
        after = dict(held)  # the answer is the watchlist as this write leaves it, not as a later one may
        if event is not None:
            apply_watchlist_event(after, event)
        answer = after.get(watchlist_id)
        self._record([] if event is None else [event], lambda _: resolve(message.reply, answer), reply=message.reply)

    def _handle_change_strategy(self, message: ChangeStrategy) -> None:
        held = self.state.strategies
        strategy_id, event = decide_strategy(held, message.command, new_id=self._ids.random_id(), now=self._clock())
        after = dict(held)  # the answer is the strategy as this write leaves it, not as a later one may
        if event is not None:
            apply_strategy_event(after, event)
        answer = after[strategy_id].copy()
        self._record([] if event is None else [event], lambda _: resolve(message.reply, answer), reply=message.reply)

    def _handle_change_alert(self, message: ChangeAlert) -> None:
        command = message.command
        if isinstance(command, CreateAlert) and command.terms.kind is AlertKind.PERCENT_CHANGE:
            terms = command.terms
            if terms.reference_price is None:  # the price when it is made: the board's, in the account's turn
                price = self._board.last_price(terms.symbol.strip().upper()) if terms.symbol else None
                if price is None:
                    raise InvalidField("reference", f"{terms.symbol} has no price yet to measure the change from")
                command = replace(command, terms=replace(terms, reference_price=price))
        held = self.state.alerts
        alert_id, event = decide_alert(held, command, account_id=self.state.id, listed=self._assets, now=self._clock())
        after = dict(held)  # the answer is the alert as this write leaves it, not as a later one may
        if event is not None:
            apply_alert_event(after, event)
        answer = after[alert_id]
        self._record([] if event is None else [event], lambda _: resolve(message.reply, answer), reply=message.reply)

    def _reach_now(self, alert_ids: list[UUID]) -> None:
        """Have the alerts whose condition holds at the price of now decided in a turn of their own (a write of their own)."""
        alerts = self.state.alerts
        for alert_id in alert_ids:
            symbol = alerts[alert_id].symbol
            price = None if symbol is None else self._board.last_price(symbol)
            try:
                self.tell(AlertsReached(alert_ids=(alert_id,), price=price))
            except Unavailable:
                pass  # still registered at its level: the next price that reaches it fires it

    def _handle_change_webhook(self, message: ChangeWebhook) -> None:
        held = self.state.webhooks
        webhook_id, event = decide_webhook(held, message.command, account_id=self.state.id, now=self._clock())
        after = dict(held)  # the answer is the endpoint as this write leaves it, not as a later one may
        if event is not None:
            apply_webhook_event(after, event)
        answer = after.get(webhook_id)
        self._record([] if event is None else [event], lambda _: resolve(message.reply, answer), reply=message.reply)

    def _handle_place_order(self, message: PlaceOrder) -> None:
        request = message.request
        self._check_may_trade(request.symbol)
        if not message.exempt:  # the server's own closing orders (a flatten) pass the owner's switches
            check_order(self.state.config, request)
        now = self._clock()
        group = self._accept(request, now)
        accepted = group[0]
        if not message.exempt:
            self._risk.check(accepted.terms, now)
        self._check_fresh(request, now)
        market = self._market(request.symbol)
        # Applied now, so its reservations and client order id count at once; journaled with the
        # market's answer, so an order that fills on arrival is one record and one commit.
        for member in group:
            apply_event(self.state, member)
        self._unwritten[accepted.terms.id] = tuple(group)
        orders = self.state.orders
        pending = Pending(intent=Intent.PLACE, order_id=accepted.terms.id, reply=message.reply)
        market.tell(
            SubmitOrder(
                order=WorkingOrder.from_order(orders[accepted.terms.id]),
                legs=tuple(WorkingOrder.from_order(orders[leg.terms.id]) for leg in group[1:]),
                pending=pending,
            )
        )

    def _handle_cancel_order(self, message: CancelOrder) -> None:
        """Raises: NotFound for an order that is not open (the engine tells a closed one from an unknown one)."""
        order = self.state.order(message.order_id)
        pending = Pending(intent=Intent.CANCEL, order_id=message.order_id, reply=message.reply)
        self._market(order.terms.symbol).tell(WithdrawOrder(account_id=self.state.id, pending=pending))

    def _handle_replace_order(self, message: ReplaceOrder) -> None:
        old = self.state.order(message.order_id)
        terms = old.terms
        self._check_may_trade(terms.symbol)
        check_replacement(self.state.config, message.change)
        now = self._clock()
        side_price = self._board.buy_price if terms.side is OrderSide.BUY else self._board.sell_price
        replacement = accept_replacement(
            self.state,
            terms.id,
            message.change,
            self._assets.get(terms.symbol),
            new_id=self._ids.ordered_id(now),
            reference_price=side_price(terms.symbol),
            now=now,
            session_end=session_end(now),
        )
        self._risk.check(replacement.terms, now, replacing=True)
        market = self._market(terms.symbol)
        held = self._holds[terms.id] = hold_pending(self.state, replacement)
        pending = Pending(intent=Intent.REPLACE, order_id=terms.id, reply=message.reply, held=held)
        market.tell(
            SwapOrder(account_id=self.state.id, replacement=replacement, filled_qty=old.filled_qty, pending=pending)
        )

    def _accept(self, request: OrderRequest, now: datetime) -> list[OrderAccepted]:
        """The acceptance of an order (a group's, its first order's first), not applied yet.

        Raises: whatever accepting refuses the order with.
        """
        side_price = self._board.buy_price if request.side is OrderSide.BUY else self._board.sell_price
        if request.order_class is OrderClass.SIMPLE:
            return [
                accept_order(
                    self.state,
                    request,
                    self._assets.get(request.symbol),
                    order_id=self._ids.ordered_id(now),
                    reference_price=side_price(request.symbol),
                    now=now,
                    session_end=session_end(now),
                )
            ]
        return accept_linked(
            self.state,
            request,
            self._assets.get(request.symbol),
            new_id=lambda: self._ids.ordered_id(now),
            reference_price=side_price(request.symbol),
            now=now,
            session_end=session_end(now),
        )

    def _check_fresh(self, request: OrderRequest, now: datetime) -> None:
        """Raises: StaleMarketData for a market order when the price is too old to fill at."""
        if (request.type is OrderType.MARKET or request.notional is not None) and self._board.is_stale(
            request.symbol, now
        ):
            # A market order would fill at whatever old price the board holds.
            raise StaleMarketData(request.symbol, self._board.age_s(request.symbol, now))

    def _handle_preview_order(self, message: PreviewOrder) -> None:
        """Decide the order as placing it would, and answer what it would do; nothing is applied or journaled."""
        request = message.request
        now = self._clock()
        side_price = self._board.buy_price if request.side is OrderSide.BUY else self._board.sell_price
        price = side_price(request.symbol)
        accepted: OrderAccepted | None = None
        checks = []
        refusal: TradeloopError | None = None
        try:
            self._check_may_trade(request.symbol)
            check_order(self.state.config, request)
            accepted = self._accept(request, now)[0]
            checks = self._risk.check(accepted.terms, now)
            self._check_fresh(request, now)
        except TradeloopError as exc:
            refusal = exc
        resolve(
            message.reply,
            preview_of(self.state, accepted, price=price, checks=checks, refusal=refusal, symbol=request.symbol),
        )

    def _handle_set_risk(self, message: SetRisk) -> None:
        now = self._clock()
        events = self._risk.setting(
            limits=message.limits, trading_state=message.state, reason=message.reason, source=message.source, now=now
        )
        self._record(events, lambda _: resolve(message.reply, None), reply=message.reply)

    def _review_risk(self) -> None:
        """Value the account against its loss limits, record what that calls for, and watch it again."""
        events = self._risk.review(self._clock())
        if events:
            self._record(events)
        self._risk.rewatch()

    def _handle_book_events(self, message: BookEvents) -> None:
        events: list[AccountEvent] = list(message.events)
        fees = self.state.fees
        if fees is not NO_FEES and fees.charges:  # charged here, so the fee is journaled and applied with its fill
            events = list(charge_fees(fees, self.state.orders, events))
        pending = message.pending
        if pending is None:
            self._record(events)
            return
        accepted = self._unwritten.pop(pending.order_id, ()) if pending.intent is Intent.PLACE else ()
        if pending.held is not None:
            release_pending(self.state, self._holds.pop(pending.order_id))
        if pending.intent is Intent.CANCEL and not events:
            # NotFound if it closed meanwhile: the engine finds it in the journal and refuses with its status.
            order = self.state.order(pending.order_id)
            # The market no longer works it and no fill is on its way: end it here.
            events.append(
                OrderCanceled(
                    account_id=self.state.id,
                    order_id=order.terms.id,
                    reason="canceled by client",
                    timestamp=self._clock(),
                )
            )
        if pending.intent is Intent.REPLACE and not events:
            order = self.state.order(pending.order_id)  # NotFound if it closed meanwhile, as for a cancel
            self._check_may_trade(order.terms.symbol)  # a halt landed while the replacement was on its way
            raise NotReplaceable("order filled while being replaced; try again")
        answer_id = pending.held.accepted.terms.id if pending.held is not None else pending.order_id
        self._record(
            events,
            lambda touched: resolve(pending.reply, touched[answer_id].copy()),
            reply=pending.reply,
            applied=accepted,
        )

    def _handle_take_snapshot(self, reply: asyncio.Future[None]) -> None:
        """Snapshot the durable state: replacements still in flight are left out."""
        for hold in self._holds.values():
            release_pending(self.state, hold)
        try:
            written = self._journal.snapshot(self.state.id, self.state, self._clock())
        finally:
            for old_id, hold in list(self._holds.items()):
                self._holds[old_id] = hold_pending(self.state, hold.accepted)
        written.add_done_callback(lambda done: settle(reply, done))

    def _record(
        self,
        events: Sequence[AccountEvent],
        then: Callable[[Mapping[UUID, Order]], object] | None = None,
        *,
        reply: asyncio.Future[T] | None = None,
        applied: Sequence[OrderAccepted] = (),
    ) -> None:
        """Apply events now and journal them; once committed, run `then` and tell listeners.

        Both get the order records as this write left them, by id: copies taken
        now, so an answer never shows a later write that may not commit. An order
        that closed is no longer in the state, but its final record is among them.
        `applied`, acceptances applied earlier and not journaled yet (an order, or a group's orders), lead the record;
        the notifications the events make (`NotificationsCreated`) close it.
        With no events, `then` still waits for the last write: an answer must not
        get ahead of the events it reports.
        If the journal fails, `reply` (the caller waiting on `then`) is told so; a write
        it keeps to commit later (`WriteKept`) is told to listeners once committed.
        """
        touched: dict[UUID, Order] = {}
        for acceptance in applied:
            touched[acceptance.terms.id] = self.state.orders[acceptance.terms.id]
        apply_events(self.state, events, touched)
        self._reach_now(self._alerts.after(events))
        if applied:
            events = [*applied, *events]
        records = {order_id: order.copy() for order_id, order in touched.items()}
        notifications = notifications_of(self.state.id, events, records)
        if notifications:  # journaled with what they tell of, so none is delivered that the journal lacks
            events = [*events, NotificationsCreated(notifications=notifications)]
        if not events:
            last = self._last_write
            if last is None or last.done():
                if then is not None:
                    then(records)
                return
            committed = last
        else:
            committed = self._last_write = self._journal.write(self.state.id, events, list(records.values()))
        told = Committed(account_id=self.state.id, events=events, orders=records, positions=self._positions(events))

        def on_commit(done: asyncio.Future[None]) -> None:
            failure = Unavailable("journal write was cancelled") if done.cancelled() else done.exception()
            if failure is not None:
                if reply is not None:
                    reject(reply, failure)
                if events and isinstance(failure, WriteKept):  # committed later: listeners hear of it then
                    failure.committed.add_done_callback(lambda _: self._tell(told))
                return
            if then is not None:
                then(records)
            if events:
                self._tell(told)

        committed.add_done_callback(on_commit)
        if events:
            # Every change may move the account towards (or away from) its limits; a review of
            # what a review recorded finds nothing more to record, so this ends.
            self._review_risk()

    def _tell(self, told: Committed) -> None:
        """Tell every listener of a committed write."""
        for listener in self._listeners:
            listener(told)

    def _positions(self, events: Sequence[AccountEvent]) -> dict[str, Decimal]:
        """The quantity now held of each symbol the events filled."""
        positions = self.state.positions
        held: dict[str, Decimal] = {}
        for event in events:
            if isinstance(event, OrderFilled) and event.symbol not in held:
                position = positions.get(event.symbol)
                held[event.symbol] = position.qty if position is not None else ZERO
        return held
