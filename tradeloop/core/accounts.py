"""Accounts: cash, positions and orders; decisions on commands and the apply of events."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import assert_never
from uuid import UUID

from tradeloop.core import exits
from tradeloop.core.alerts import (
    Alert,
    AlertCanceled,
    AlertCreated,
    AlertExpired,
    AlertRevised,
    AlertTriggered,
    apply_alert_event,
)
from tradeloop.core.configurations import AccountConfig
from tradeloop.core.events import (
    AccountConfigured,
    AccountEvent,
    AccountOpened,
    AccountStatusChanged,
    CashAdjusted,
    FeeScheduleSet,
    KeysRotated,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderHwmMoved,
    OrderReplaced,
    OrderTriggered,
    PeakEquitySet,
    RiskLimitsSet,
    RiskWarned,
    SessionClosed,
    TradingStateChanged,
)
from tradeloop.core.fees import NO_FEES, FeeSchedule
from tradeloop.core.money import ZERO, cents
from tradeloop.core.notifications import NotificationsCreated, NotificationsRead
from tradeloop.core.orders import Order, OrderSide, OrderStatus, is_group_entry, is_linked_exit
from tradeloop.core.positions import Position
from tradeloop.core.risk_limits import RiskNotice, RiskProfile
from tradeloop.core.strategies import (
    Strategy,
    StrategyActivated,
    StrategyCreated,
    StrategyDeactivated,
    StrategyDeleted,
    StrategyRevised,
    StrategySignalled,
    apply_strategy_event,
)
from tradeloop.core.watchlists import (
    Watchlist,
    WatchlistCreated,
    WatchlistDeleted,
    WatchlistSymbolAdded,
    WatchlistSymbolRemoved,
    WatchlistUpdated,
    apply_watchlist_event,
)
from tradeloop.core.webhooks import (
    WebhookCreated,
    WebhookDeleted,
    WebhookDisabled,
    WebhookEndpoint,
    WebhookSecretRotated,
    WebhookUpdated,
    apply_webhook_event,
)
from tradeloop.errors import (
    NotFound,
)

PriceOf = Callable[[str], Decimal | None]
_new = object.__new__


@dataclass(slots=True, kw_only=True)
class AccountState:
    """Everything one account owns; mutated only by `apply_event` and the pending holds."""

    id: UUID
    account_number: str
    key_id: str
    secret_hash: str
    created_at: datetime
    cash: Decimal
    last_equity: Decimal
    contributions: Decimal
    """Net cash put in (opening cash plus deposits less withdrawals)."""
    active: bool = True
    """False while an administrator has disabled trading."""
    realized_pl: Decimal = ZERO
    reserved_cash: Decimal = ZERO
    pending_cash: Decimal = ZERO
    """Buying power held for replacements the market has not confirmed yet."""
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[UUID, Order] = field(default_factory=dict)
    """Open orders only: an order leaves when it closes, and the journal's order history keeps it."""
    client_order_ids: dict[str, UUID] = field(default_factory=dict)
    """Every order's client order id, open or closed: ids stay unique and can still be looked up."""
    pending_client_order_ids: set[str] = field(default_factory=set)
    risk: RiskProfile = field(default_factory=RiskProfile)
    """Risk limits, trading state and peak equity (older snapshots, without it, decode to no limits)."""
    config: AccountConfig = field(default_factory=AccountConfig)
    """The owner's configuration (older snapshots, without it, decode to the defaults)."""
    fees: FeeSchedule = NO_FEES
    """Fees charged on fills and slippage (older snapshots, without it, decode to none)."""
    watchlists: dict[UUID, Watchlist] = field(default_factory=dict)
    """The account's watchlists by id, in the order they were created."""
    strategies: dict[UUID, Strategy] = field(default_factory=dict)
    """The account's strategies by id, deleted ones included, in the order they were created (older snapshots: none)."""
    alerts: dict[UUID, Alert] = field(default_factory=dict)
    """The account's alerts by id, active and recently ended, in the order they were made (older snapshots: none)."""
    webhooks: dict[UUID, WebhookEndpoint] = field(default_factory=dict)
    """The account's webhook endpoints by id, in the order they were created (older snapshots: none)."""

    @property
    def buying_power(self) -> Decimal:
        return self.cash - self.reserved_cash - self.pending_cash

    def position(self, symbol: str) -> Position:
        found = self.positions.get(symbol)
        if found is None:
            found = self.positions[symbol] = Position(symbol=symbol)
        return found

    def order(self, order_id: UUID) -> Order:
        """An open order of the account.

        Raises: NotFound when the account has no such open order (it may have closed: ask the journal).
        """
        found = self.orders.get(order_id)
        if found is None:
            raise NotFound("order not found")
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Valuation:
    cash: Decimal
    long_market_value: Decimal
    equity: Decimal
    buying_power: Decimal
    cost_basis: Decimal
    unrealized_pl: Decimal
    realized_pl: Decimal


def open_account(event: AccountOpened) -> AccountState:
    """Build the state of a freshly opened account."""
    return AccountState(
        id=event.account_id,
        account_number=event.account_number,
        key_id=event.key_id,
        secret_hash=event.secret_hash,
        created_at=event.created_at,
        cash=event.cash,
        last_equity=event.cash,
        contributions=event.cash,
    )


def apply_events(state: AccountState, events: Iterable[AccountEvent], touched: dict[UUID, Order]) -> None:
    """Apply events in order, adding to `touched` each order record they change, by id.

    An order an event closes leaves `state.orders`, so its final record is taken
    before the event applies; an order an event opens, after.
    """
    orders = state.orders
    for event in events:
        match event:
            case OrderAccepted(terms=terms):
                apply_event(state, event)
                touched[terms.id] = orders[terms.id]
            case OrderReplaced():
                if event.order_id not in touched:
                    touched[event.order_id] = orders[event.order_id]
                apply_event(state, event)
                new_id = event.replacement.terms.id
                touched[new_id] = orders[new_id]
            case OrderFilled() | OrderTriggered() | OrderHwmMoved() | OrderCanceled() | OrderExpired():
                if event.order_id not in touched:
                    touched[event.order_id] = orders[event.order_id]
                apply_event(state, event)
            case _:
                apply_event(state, event)


def apply_event(state: AccountState, event: AccountEvent) -> None:
    """Apply one event to the account; the only way its durable state changes."""
    match event:
        case OrderAccepted():
            _add_order(state, event)
            if event.terms.parent_id is None:  # a group counts once, by its first order
                state.risk.count_order(event.terms.created_at)
        case OrderFilled():
            _apply_fill(state, event)
        case OrderTriggered():
            order = state.orders[event.order_id]
            order.triggered = True
            order.updated_at = event.timestamp
        case OrderHwmMoved():
            order = state.orders[event.order_id]
            order.hwm = event.hwm  # a trailing stop's stop price follows from it (`Order.stop_price`)
            order.updated_at = event.timestamp
        case OrderCanceled():
            order = state.orders[event.order_id]
            _close(state, order, OrderStatus.CANCELED, event.timestamp)
            order.canceled_at = event.timestamp
        case OrderExpired():
            order = state.orders[event.order_id]
            _close(state, order, OrderStatus.EXPIRED, event.timestamp)
            order.expired_at = event.timestamp
        case OrderReplaced():
            order = state.orders[event.order_id]
            held_qty = order.reserved_qty
            _close(state, order, OrderStatus.REPLACED, event.timestamp)
            order.replaced_at = event.timestamp
            order.replaced_by = event.replacement.terms.id
            _add_order(state, event.replacement, replaced=order, held_qty=held_qty)
        case SessionClosed():
            state.last_equity = event.last_equity
            state.risk.warned.clear()  # a new session: its warnings may come again
        case RiskLimitsSet():
            state.risk.limits = event.limits
            state.risk.note(RiskNotice(kind="limits_set", message=f"limits set by {event.source}", timestamp=event.timestamp))
        case TradingStateChanged():
            risk = state.risk
            risk.state, risk.reason, risk.source, risk.changed_at = event.state, event.reason, event.source, event.timestamp
            risk.note(RiskNotice(kind="state_changed", message=f"{event.state}: {event.reason}", timestamp=event.timestamp))
        case RiskWarned():
            state.risk.warned.append(event.limit)
            state.risk.note(RiskNotice(kind="warning", message=event.message, timestamp=event.timestamp))
        case PeakEquitySet():
            state.risk.peak_equity = event.peak_equity
        case CashAdjusted():
            state.cash += event.amount
            state.contributions += event.amount
        case KeysRotated():
            state.key_id = event.key_id
            state.secret_hash = event.secret_hash
        case AccountStatusChanged():
            state.active = event.active
        case AccountConfigured():
            state.config = event.changes.applied_to(state.config)
        case FeeScheduleSet():
            state.fees = event.schedule
        case WatchlistCreated() | WatchlistUpdated() | WatchlistSymbolAdded() | WatchlistSymbolRemoved() | WatchlistDeleted():
            apply_watchlist_event(state.watchlists, event)
        case (
            StrategyCreated()
            | StrategyRevised()
            | StrategyActivated()
            | StrategyDeactivated()
            | StrategyDeleted()
            | StrategySignalled()
        ):
            apply_strategy_event(state.strategies, event)
        case WebhookCreated() | WebhookUpdated() | WebhookSecretRotated() | WebhookDisabled() | WebhookDeleted():
            apply_webhook_event(state.webhooks, event)
        case AlertCreated() | AlertRevised() | AlertCanceled() | AlertExpired() | AlertTriggered():
            apply_alert_event(state.alerts, event)
        case NotificationsCreated() | NotificationsRead():
            pass  # the journal's notifications table keeps them and their read flags
        case AccountOpened():
            raise ValueError("an opened account is built with open_account")
        case _:
            assert_never(event)


def _add_order(
    state: AccountState, accepted: OrderAccepted, replaced: Order | None = None, held_qty: Decimal = ZERO
) -> None:
    order = order_from_acceptance(accepted)
    terms = order.terms
    state.orders[terms.id] = order
    state.client_order_ids[terms.client_order_id] = terms.id
    state.reserved_cash += accepted.reserved_cash
    reserved_qty = accepted.reserved_qty
    if is_linked_exit(terms):
        if replaced is None:
            exits.start_exit(order)
        else:  # the group's holding passes from the old exit (released as it closed) to its replacement
            exits.take_over(replaced, order)
            reserved_qty = order.reserved_qty = held_qty
    if reserved_qty:
        state.position(terms.symbol).reserved_qty += reserved_qty


def order_from_acceptance(accepted: OrderAccepted) -> Order:
    """A fresh order record: the accepted terms, nothing filled, holding what the acceptance holds.

    Filled in slot by slot, once per order: `Order(...)` with keywords costs three
    times as much. The fields not taken from the event get `Order`'s defaults
    (tests compare the two ways of building one).
    """
    order: Order = _new(Order)
    order.terms = accepted.terms
    order.updated_at = accepted.terms.created_at
    order.status = OrderStatus.NEW
    order.filled_qty = ZERO
    order.filled_value = ZERO
    order.fill_count = 0
    order.filled_at = None
    order.canceled_at = None
    order.expired_at = None
    order.replaced_at = None
    order.replaced_by = None
    order.hwm = accepted.hwm
    order.triggered = False
    order.reserved_cash = accepted.reserved_cash
    order.reserved_qty = accepted.reserved_qty
    order.group_size = ZERO
    order.group_exited = ZERO
    order.entry_open = False
    return order


def _apply_fill(state: AccountState, fill: OrderFilled) -> None:
    order = state.orders[fill.order_id]
    order.filled_qty += fill.qty
    order.filled_value += fill.qty * fill.price
    order.fill_count += 1
    order.filled_at = fill.timestamp
    order.updated_at = fill.timestamp
    position = state.position(fill.symbol)
    # A buy's fee is part of what the shares cost, a sale's comes off what it brought: P&L is net of fees.
    fee = fill.fee
    if fill.side is OrderSide.BUY:
        paid = fill.cash if fee is None else fill.cash + fee
        state.cash -= paid
        held = min(paid, order.reserved_cash)
        order.reserved_cash -= held
        state.reserved_cash -= held
        position.buy(fill.qty, paid)
        if is_group_entry(order.terms):
            exits.entry_filled(state.orders, order, fill.qty, fill.order_done, position)
    elif is_linked_exit(order.terms):
        got = fill.cash if fee is None else fill.cash - fee
        state.cash += got
        exits.exit_filled(state.orders, order, fill.qty, position)  # the group's one holding shrinks
        state.realized_pl += position.sell(fill.qty, got)
    else:
        got = fill.cash if fee is None else fill.cash - fee
        state.cash += got
        held = min(fill.qty, order.reserved_qty)
        order.reserved_qty -= held
        position.reserved_qty -= held
        state.realized_pl += position.sell(fill.qty, got)
    if fill.order_done:
        _close(state, order, OrderStatus.FILLED, fill.timestamp)
    else:
        order.status = OrderStatus.PARTIALLY_FILLED
    drop_if_flat(state, position)


def _close(state: AccountState, order: Order, status: OrderStatus, now: datetime) -> None:
    """End an order, release whatever it still holds, and let it go: the account keeps open orders only."""
    del state.orders[order.terms.id]
    exits.entry_ended(state.orders, order)
    order.status = status
    order.updated_at = now
    state.reserved_cash -= order.reserved_cash
    order.reserved_cash = ZERO
    if order.reserved_qty:
        position = state.position(order.terms.symbol)
        position.reserved_qty -= order.reserved_qty
        order.reserved_qty = ZERO
        drop_if_flat(state, position)


def drop_if_flat(state: AccountState, position: Position) -> None:
    if not position.qty and not position.reserved_qty:
        state.positions.pop(position.symbol, None)


def valuation(state: AccountState, price_of: PriceOf) -> Valuation:
    """Value the account at current prices (a position without a price is valued at cost)."""
    market_value = ZERO
    cost = ZERO
    for position in state.positions.values():
        price = price_of(position.symbol)
        market_value += position.market_value(price) if price is not None else position.cost_basis
        cost += position.cost_basis
    return Valuation(
        cash=state.cash,
        long_market_value=market_value,
        equity=state.cash + market_value,
        buying_power=state.buying_power,
        cost_basis=cost,
        unrealized_pl=market_value - cost,
        realized_pl=state.realized_pl,
    )


def session_closed(state: AccountState, price_of: PriceOf, now: datetime) -> SessionClosed:
    """The event that records the equity at a session's end."""
    return SessionClosed(account_id=state.id, last_equity=cents(valuation(state, price_of).equity), timestamp=now)
