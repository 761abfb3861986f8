"""Notification rules: which account events notify, what each notification says, and ids that repeat for the same event."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4, uuid5

from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import ACCOUNT_ID, T0, at, make_terms
from tradeloop.core.accounts import order_from_acceptance
from tradeloop.core.events import (
    AccountEvent,
    CashAdjusted,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderHwmMoved,
    RiskWarned,
    SessionClosed,
    TradingStateChanged,
)
from tradeloop.core.notification_rules import NAMESPACE, notification_id, notification_id_beside, notifications_of
from tradeloop.core.notifications import NotificationType
from tradeloop.core.orders import Order, OrderSide, OrderStatus, TimeInForce
from tradeloop.core.risk_limits import StateSource, TradingState
from tradeloop.core.strategies import Signal, StrategySignalled

STRATEGY: UUID = UUID("00000000-0000-4000-8000-00000000beef")


def accepted(**terms: Any) -> OrderAccepted:
    return OrderAccepted(terms=make_terms(**terms), reserved_cash=Decimal(100), reserved_qty=Decimal(0), hwm=None)


def record(acceptance: OrderAccepted, **changes: Any) -> Order:
    order = order_from_acceptance(acceptance)
    for name, value in changes.items():
        setattr(order, name, value)
    return order


def filled(order: OrderAccepted, qty: str = "1", *, done: bool = True, cum: str = "1", leaves: str = "0") -> OrderFilled:
    terms = order.terms
    return OrderFilled(
        account_id=ACCOUNT_ID, order_id=terms.id, fill_id=uuid4(), symbol=terms.symbol, side=terms.side,
        qty=Decimal(qty), price=Decimal("190.05"), cash=Decimal("-190.05"), order_done=done,
        cum_qty=Decimal(cum), leaves_qty=Decimal(leaves), timestamp=at(1),
    )  # fmt: skip


def canceled(order: OrderAccepted, reason: str) -> OrderCanceled:
    return OrderCanceled(account_id=ACCOUNT_ID, order_id=order.terms.id, reason=reason, timestamp=at(2))


def signal(**overrides: Any) -> Signal:
    values: dict[str, Any] = {
        "id": uuid4(), "strategy_id": STRATEGY, "version": 2, "symbol": "AAPL", "bar_time": T0, "created_at": at(60),
        "rule": "entry", "side": OrderSide.BUY, "values": (("fast", "101.5"), ("slow", "99.5")),
        "client_order_id": "st-1", "order_id": uuid4(),
    }  # fmt: skip
    values.update(overrides)
    return Signal(**values)


def test_a_fill_notifies_order_filled_with_its_order_and_strategy() -> None:
    order = accepted(client_order_id="mine", strategy_id=STRATEGY)
    fill = filled(order, "3", done=False, cum="3", leaves="7")
    (made,) = notifications_of(ACCOUNT_ID, [fill], {order.terms.id: record(order)})
    assert made.type is NotificationType.ORDER_FILLED
    assert (made.account_id, made.created_at) == (ACCOUNT_ID, fill.timestamp)
    assert made.data == {
        "order_id": str(order.terms.id), "client_order_id": "mine", "fill_id": str(fill.fill_id), "symbol": "AAPL",
        "side": "buy", "qty": "3", "price": "190.05", "filled_qty": "3", "leaves_qty": "7",
        "order_status": "partially_filled", "strategy_id": str(STRATEGY),
    }  # fmt: skip
    assert made.id == notification_id_beside(NotificationType.ORDER_FILLED, fill.fill_id)


def test_an_order_filled_on_arrival_notifies_the_fill_only() -> None:
    order = accepted()
    fill = filled(order)
    made = notifications_of(ACCOUNT_ID, [order, fill], {order.terms.id: record(order)})
    assert [(n.type, n.data["order_status"], n.data["strategy_id"]) for n in made] == [
        (NotificationType.ORDER_FILLED, "filled", None)
    ]


def test_a_client_cancel_of_a_resting_order_is_order_canceled() -> None:
    order = accepted()
    (made,) = notifications_of(ACCOUNT_ID, [canceled(order, "canceled by client")], {order.terms.id: record(order)})
    assert made.type is NotificationType.ORDER_CANCELED
    assert made.data["reason"] == "canceled by client" and made.data["filled_qty"] == "0"
    assert made.id == notification_id_beside(NotificationType.ORDER_CANCELED, order.terms.id)


def test_an_order_the_server_ends_as_it_arrives_is_order_rejected() -> None:
    order = accepted()
    halted = canceled(order, "trading in AAPL is halted")
    (made,) = notifications_of(ACCOUNT_ID, [order, halted], {order.terms.id: record(order)})
    assert made.type is NotificationType.ORDER_REJECTED
    assert made.data["reason"] == "trading in AAPL is halted"
    # the same end in a later write (the order rested first) is a cancel
    (later,) = notifications_of(ACCOUNT_ID, [halted], {order.terms.id: record(order)})
    assert later.type is NotificationType.ORDER_CANCELED


def test_time_in_force_ends_and_partly_filled_orders_are_canceled_not_rejected() -> None:
    fok = accepted(time_in_force=TimeInForce.FOK)
    (made,) = notifications_of(
        ACCOUNT_ID, [fok, canceled(fok, "fok: not fillable in full at once")], {fok.terms.id: record(fok)}
    )
    assert made.type is NotificationType.ORDER_CANCELED
    starved = accepted()
    fill = filled(starved, done=False, cum="1", leaves="1")
    ended = canceled(starved, "insufficient buying power held for order")
    record_after = record(starved, filled_qty=Decimal(1), status=OrderStatus.CANCELED)
    made_all = notifications_of(ACCOUNT_ID, [starved, fill, ended], {starved.terms.id: record_after})
    assert [n.type for n in made_all] == [NotificationType.ORDER_FILLED, NotificationType.ORDER_CANCELED]


def test_risk_events_notify_with_ids_from_the_account_the_limit_and_the_time() -> None:
    warned = RiskWarned(account_id=ACCOUNT_ID, limit="daily_loss_limit", message="80% of the daily loss limit", timestamp=T0)
    changed = TradingStateChanged(
        account_id=ACCOUNT_ID, state=TradingState.HALTED, reason="daily loss limit reached",
        source=StateSource.DAILY_LOSS, timestamp=at(5), flatten=True,
    )  # fmt: skip
    warning, state = notifications_of(ACCOUNT_ID, [warned, changed], {})
    assert (warning.type, warning.data) == (
        NotificationType.RISK_LIMIT_WARNING,
        {"limit": "daily_loss_limit", "message": "80% of the daily loss limit"},
    )
    assert (state.type, state.data) == (
        NotificationType.RISK_STATE_CHANGED,
        {"state": "HALTED", "reason": "daily loss limit reached", "source": "daily_loss_limit", "flatten": True},
    )
    assert notifications_of(ACCOUNT_ID, [warned, changed], {}) == (warning, state)
    other = notifications_of(UUID(int=7), [warned], {})[0]
    assert other.id != warning.id


def test_a_signal_with_an_order_is_strategy_signal_and_a_refused_one_strategy_error() -> None:
    placed = signal()
    refused = signal(order_id=None, refusal="insufficient buying power", refusal_code=40310000)
    first, second = notifications_of(
        ACCOUNT_ID, [StrategySignalled(signal=placed), StrategySignalled(signal=refused)], {}
    )
    assert first.type is NotificationType.STRATEGY_SIGNAL and second.type is NotificationType.STRATEGY_ERROR
    assert first.created_at == placed.created_at
    assert first.data == {
        "signal_id": str(placed.id), "strategy_id": str(STRATEGY), "version": 2, "symbol": "AAPL",
        "bar_time": "2024-06-03T14:30:00.000000Z", "rule": "entry", "side": "buy",
        "values": {"fast": "101.5", "slow": "99.5"}, "client_order_id": "st-1", "order_id": str(placed.order_id),
    }  # fmt: skip
    assert (second.data["order_id"], second.data["refusal"], second.data["refusal_code"]) == (
        None, "insufficient buying power", 40310000,
    )  # fmt: skip


def test_cash_movements_notify_account_funds() -> None:
    deposit = CashAdjusted(account_id=ACCOUNT_ID, activity_id=uuid4(), amount=Decimal("500.00"), description="top up", timestamp=T0)
    withdrawal = CashAdjusted(account_id=ACCOUNT_ID, activity_id=uuid4(), amount=Decimal("-20.50"), description="", timestamp=T0)
    made = notifications_of(ACCOUNT_ID, [deposit, withdrawal], {})
    assert [(n.type, n.data["kind"], n.data["amount"]) for n in made] == [
        (NotificationType.ACCOUNT_FUNDS, "deposit", "500.00"),
        (NotificationType.ACCOUNT_FUNDS, "withdrawal", "-20.50"),
    ]
    assert made[0].data["activity_id"] == str(deposit.activity_id)


def test_events_that_notify_no_one_make_nothing() -> None:
    order = accepted()
    quiet: list[AccountEvent] = [
        order,
        OrderHwmMoved(account_id=ACCOUNT_ID, order_id=order.terms.id, hwm=Decimal(1), stop_price=Decimal(1), timestamp=T0),
        SessionClosed(account_id=ACCOUNT_ID, last_equity=Decimal(1), timestamp=T0),
    ]
    assert notifications_of(ACCOUNT_ID, quiet, {order.terms.id: record(order)}) == ()


JSON_LEAVES = (str, int, bool, type(None))


def _json_only(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(key, str) and _json_only(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_json_only(item) for item in value)
    return isinstance(value, JSON_LEAVES)


@given(
    qty=st.decimals(min_value=Decimal("0.000000001"), max_value=Decimal(10**6), places=9),
    amount=st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2).filter(bool),
)
def test_data_holds_json_values_only_and_money_as_exact_strings(qty: Decimal, amount: Decimal) -> None:
    order = accepted()
    fill = replace(filled(order), qty=qty)
    funds = CashAdjusted(account_id=ACCOUNT_ID, activity_id=uuid4(), amount=amount, description="", timestamp=T0)
    made = notifications_of(ACCOUNT_ID, [fill, funds], {order.terms.id: record(order)})
    assert all(_json_only(dict(n.data)) for n in made)
    assert Decimal(str(made[0].data["qty"])) == qty
    assert Decimal(str(made[1].data["amount"])) == amount


@given(st.text(max_size=40))
def test_name_based_ids_are_uuid5_of_the_type_and_key(key: str) -> None:
    for kind in NotificationType:
        assert notification_id(kind, key) == uuid5(NAMESPACE, f"{kind.value}/{key}")


def test_a_fills_notification_sorts_beside_the_fill() -> None:
    order = accepted(id=UUID("0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e7f"))
    made = notification_id_beside(NotificationType.ORDER_FILLED, order.terms.id)
    assert made.int >> 80 == order.terms.id.int >> 80  # the same millisecond stamp
    assert made != notification_id_beside(NotificationType.ORDER_CANCELED, order.terms.id)
