"""Which account events notify the owner, and what each notification says.

`notifications_of` runs on every journal write of an account, so it looks at
each event's class once and builds nothing for the events that notify no one
(the most frequent writes, an order accepted or a trailing stop's mark moving,
cost one dictionary lookup per event).

Ids come from the ids of what they tell of (a fill's id, a cash movement's, a
signal's, an order's for its end), or for risk notices from the account, the
limit and the time, so the same event always makes the same notification id:
a record sent twice, or a receiver told twice, can tell it is the same one.
A fill's and an order's notifications sort beside the fill's and order's
time-ordered ids (`notification_id_beside`), so the table's key index grows at
its end; the others are name-based (`notification_id`, uuid5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from hashlib import sha1
from typing import Final
from uuid import UUID

from tradeloop.core.alerts import AlertTriggered
from tradeloop.core.events import (
    AccountEvent,
    CashAdjusted,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    RiskWarned,
    TradingStateChanged,
)
from tradeloop.core.ids import VERSION_8, uuid_of
from tradeloop.core.money import fmt, fmt_qty
from tradeloop.core.notifications import Notification, NotificationType
from tradeloop.core.orders import Order, TimeInForce
from tradeloop.core.strategies import Signal, StrategySignalled
from tradeloop.core.webhooks import WebhookDisabled

NAMESPACE: Final = UUID("6b1f5c8e-3d0a-5e7b-9c4f-2a8d1e6b0f37")
"""The namespace of notification ids (UUID version 5 of the type and the id of what they tell of)."""
_VERSION_5: Final = (0x8000 << 48) | (5 << 76)
CLIENT_CANCEL: Final = "canceled by client"
"""The reason of a cancel the owner asked for."""
_TIME_IN_FORCE_ENDS: Final = frozenset({TimeInForce.IOC, TimeInForce.FOK})


def notification_id(kind: NotificationType, key: str) -> UUID:
    """The id of the notification of `kind` about `key`: `uuid5(NAMESPACE, "<kind>/<key>")`, without UUID's checks."""
    digest = sha1(NAMESPACE.bytes + f"{kind.value}/{key}".encode()).digest()
    return uuid_of(int.from_bytes(digest[:16]), _VERSION_5)


def notification_id_beside(kind: NotificationType, anchor: UUID) -> UUID:
    """The id of the notification of `kind` about `anchor`, sorting beside it (RFC 9562 version 8).

    For what has a time-ordered id (a fill, an order): notifications made later
    then land on the last page of the table's key index, as fills and orders do.
    The anchor's 80 bits below its millisecond stamp are XORed with a mask drawn
    from the type's name: 0.9 µs against 3.4 µs for hashing the anchor per
    notification (`derived_id_beside`), on the path of every fill; two anchors
    give the same id only if they differ by the XOR of two masks, a chance of 2^-74.
    """
    return uuid_of(anchor.int ^ _MASKS[kind], VERSION_8)


_MASKS: Final = {kind: int.from_bytes(sha1(kind.value.encode()).digest()[:10]) for kind in NotificationType}
"""Per type, 80 bits below a time-ordered id's millisecond stamp."""


class _Write:
    """One write's events as the rules need them: its account, its orders as it left them, the orders it accepted."""

    __slots__ = ("account_id", "orders", "_events", "_accepted")

    def __init__(self, account_id: UUID, orders: Mapping[UUID, Order], events: Sequence[AccountEvent]) -> None:
        self.account_id = account_id
        self.orders = orders
        self._events = events
        self._accepted: set[UUID] | None = None

    @property
    def accepted(self) -> set[UUID]:
        """The ids of the orders the write accepted (found when a cancel first asks)."""
        if self._accepted is None:
            self._accepted = {e.terms.id for e in self._events if isinstance(e, OrderAccepted)}
        return self._accepted


def notifications_of(
    account_id: UUID, events: Sequence[AccountEvent], orders: Mapping[UUID, Order]
) -> tuple[Notification, ...]:
    """The notifications of one journal write of an account, in the order of its events.

    `orders` are the records of the orders the write changed, as it left them, by id
    (the account actor's copies; a closed order's final record among them).
    """
    made: list[Notification] = []
    write: _Write | None = None
    for event in events:
        rule = _RULES.get(type(event))
        if rule is None:
            continue
        if write is None:
            write = _Write(account_id, orders, events)
        notification = rule(write, event)
        if notification is not None:
            made.append(notification)
    return tuple(made)


def _filled(write: _Write, event: AccountEvent) -> Notification:
    assert isinstance(event, OrderFilled)
    order = write.orders.get(event.order_id)
    data: dict[str, object] = {
        "order_id": str(event.order_id),
        "client_order_id": None if order is None else order.terms.client_order_id,
        "fill_id": str(event.fill_id),
        "symbol": event.symbol,
        "side": event.side.value,
        "qty": fmt_qty(event.qty),
        "price": fmt(event.price),
        "filled_qty": fmt_qty(event.cum_qty),
        "leaves_qty": fmt_qty(event.leaves_qty),
        "order_status": "filled" if event.order_done else "partially_filled",
        "strategy_id": _strategy_id(order),
    }
    kind = NotificationType.ORDER_FILLED
    return Notification(
        id=notification_id_beside(kind, event.fill_id),
        type=kind,
        created_at=event.timestamp,
        account_id=write.account_id,
        data=data,
    )


def _canceled(write: _Write, event: AccountEvent) -> Notification:
    """A cancel; an order the server ended in the write that accepted it, never worked, is a rejection."""
    assert isinstance(event, OrderCanceled)
    order = write.orders.get(event.order_id)
    rejected = (
        event.order_id in write.accepted
        and event.reason != CLIENT_CANCEL
        and order is not None
        and not order.filled_qty
        and order.terms.time_in_force not in _TIME_IN_FORCE_ENDS
    )
    kind = NotificationType.ORDER_REJECTED if rejected else NotificationType.ORDER_CANCELED
    data: dict[str, object] = {
        "order_id": str(event.order_id),
        "client_order_id": None if order is None else order.terms.client_order_id,
        "symbol": None if order is None else order.terms.symbol,
        "side": None if order is None else order.terms.side.value,
        "reason": event.reason,
        "filled_qty": None if order is None else fmt_qty(order.filled_qty),
        "strategy_id": _strategy_id(order),
    }
    return Notification(
        id=notification_id_beside(kind, event.order_id),
        type=kind,
        created_at=event.timestamp,
        account_id=write.account_id,
        data=data,
    )


def _warned(write: _Write, event: AccountEvent) -> Notification:
    assert isinstance(event, RiskWarned)
    kind = NotificationType.RISK_LIMIT_WARNING
    return Notification(
        id=notification_id(kind, f"{write.account_id}/{event.limit}/{_time(event.timestamp)}"),
        type=kind,
        created_at=event.timestamp,
        account_id=write.account_id,
        data={"limit": event.limit, "message": event.message},
    )


def _state_changed(write: _Write, event: AccountEvent) -> Notification:
    assert isinstance(event, TradingStateChanged)
    kind = NotificationType.RISK_STATE_CHANGED
    return Notification(
        id=notification_id(kind, f"{write.account_id}/{event.state.value}/{_time(event.timestamp)}"),
        type=kind,
        created_at=event.timestamp,
        account_id=write.account_id,
        data={
            "state": event.state.value,
            "reason": event.reason,
            "source": event.source.value,
            "flatten": event.flatten,
        },
    )


def _signalled(write: _Write, event: AccountEvent) -> Notification:
    """A strategy's rule fired: a signal when it placed its order, an error when the order was refused."""
    assert isinstance(event, StrategySignalled)
    signal = event.signal
    kind = NotificationType.STRATEGY_SIGNAL if signal.refusal is None else NotificationType.STRATEGY_ERROR
    return Notification(
        id=notification_id_beside(kind, signal.id),
        type=kind,
        created_at=signal.created_at,
        account_id=write.account_id,
        data=_signal_data(signal),
    )


def _signal_data(signal: Signal) -> dict[str, object]:
    data: dict[str, object] = {
        "signal_id": str(signal.id),
        "strategy_id": str(signal.strategy_id),
        "version": signal.version,
        "symbol": signal.symbol,
        "bar_time": _time(signal.bar_time),
        "rule": signal.rule,
        "side": signal.side.value,
        "values": dict(signal.values),
        "client_order_id": signal.client_order_id,
        "order_id": None if signal.order_id is None else str(signal.order_id),
    }
    if signal.refusal is not None:
        data["refusal"] = signal.refusal
        data["refusal_code"] = signal.refusal_code
    return data


def _funds(write: _Write, event: AccountEvent) -> Notification:
    assert isinstance(event, CashAdjusted)
    kind = NotificationType.ACCOUNT_FUNDS
    return Notification(
        id=notification_id(kind, str(event.activity_id)),
        type=kind,
        created_at=event.timestamp,
        account_id=write.account_id,
        data={
            "activity_id": str(event.activity_id),
            "kind": "deposit" if event.amount > 0 else "withdrawal",
            "amount": fmt(event.amount),
            "description": event.description,
        },
    )


def _webhook_disabled(write: _Write, event: AccountEvent) -> Notification:
    assert isinstance(event, WebhookDisabled)
    kind = NotificationType.WEBHOOK_DISABLED
    return Notification(
        id=notification_id(kind, f"{event.webhook_id}/{_time(event.timestamp)}"),
        type=kind,
        created_at=event.timestamp,
        account_id=write.account_id,
        data={"webhook_id": str(event.webhook_id), "url": event.url, "reason": event.reason},
    )


def _alerted(write: _Write, event: AccountEvent) -> Notification:
    """An alert fired; its n-th firing makes the n-th id, so each firing is told once."""
    assert isinstance(event, AlertTriggered)
    alert, terms = event.alert, event.alert.terms
    kind = NotificationType.ALERT_TRIGGERED

    def text(value: Decimal | None) -> str | None:
        return None if value is None else fmt(value)

    return Notification(
        id=notification_id(kind, f"{alert.id}/{event.count}"),
        type=kind,
        created_at=event.at,
        account_id=write.account_id,
        data={
            "alert_id": str(alert.id),
            "kind": terms.kind.value,
            "symbol": terms.symbol,
            "condition": None if terms.condition is None else terms.condition.value,
            "level": text(terms.price if terms.level is None else terms.level),
            "price": text(event.price),
            "value": text(event.value),
            "values": dict(event.values),
            "note": terms.note,
            "repeat": terms.repeat.value,
            "count": event.count,
            "status": "triggered" if event.ends else "active",
        },
    )


def _time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds, as the API writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _strategy_id(order: Order | None) -> str | None:
    if order is None or order.terms.strategy_id is None:
        return None
    return str(order.terms.strategy_id)


_RULES: Final[dict[type, Callable[[_Write, AccountEvent], Notification | None]]] = {
    OrderFilled: _filled,
    OrderCanceled: _canceled,
    RiskWarned: _warned,
    TradingStateChanged: _state_changed,
    StrategySignalled: _signalled,
    CashAdjusted: _funds,
    AlertTriggered: _alerted,
    WebhookDisabled: _webhook_disabled,
}
"""The rule of each class of event that notifies; every other class notifies no one."""
