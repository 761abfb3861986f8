"""Working orders: the market's view of an account's order."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import ACCOUNT_ID, T0, D
from tradeloop.core.accounts import order_from_terms
from tradeloop.core.events import OrderTerms
from tradeloop.core.orders import Order, OrderSide, OrderType, TimeInForce
from tradeloop.core.working import Stage, WorkingOrder


def _reference(order: Order) -> WorkingOrder:
    """`from_order` as the plain keyword construction it replaces."""
    triggered = order.triggered or order.type in (OrderType.MARKET, OrderType.LIMIT)
    if not triggered:
        stage = Stage.TRIGGER
    elif order.type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        stage = Stage.LIMIT
    else:
        stage = Stage.MARKET
    return WorkingOrder(
        id=order.id,
        account_id=order.account_id,
        side=order.side,
        type=order.type,
        time_in_force=order.time_in_force,
        qty=order.qty,
        notional=order.notional,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        trail_price=order.trail_price,
        trail_percent=order.trail_percent,
        hwm=order.hwm,
        whole_shares=order.qty is not None and order.qty == order.qty.to_integral_value(),
        budget=order.reserved_cash if order.side is OrderSide.BUY else order.reserved_qty,
        filled_qty=order.filled_qty,
        filled_value=order.filled_value,
        fill_count=order.fill_count,
        expires_at=order.expires_at,
        stage=stage,
    )


@given(
    side=st.sampled_from(OrderSide),
    kind=st.sampled_from(OrderType),
    triggered=st.booleans(),
    qty=st.none() | st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3),
    filled=st.integers(min_value=0, max_value=3),
)
def test_from_order_matches_the_keyword_construction(
    side: OrderSide, kind: OrderType, triggered: bool, qty: Decimal | None, filled: int
) -> None:
    order = order_from_terms(
        OrderTerms(
            id=ACCOUNT_ID,
            client_order_id="c",
            account_id=ACCOUNT_ID,
            symbol="AAPL",
            side=side,
            type=kind,
            time_in_force=TimeInForce.GTC,
            qty=qty,
            notional=D(50) if qty is None else None,
            limit_price=D(10),
            stop_price=D(9),
            trail_price=D(1),
            trail_percent=None,
            extended_hours=False,
            created_at=T0,
            expires_at=None,
            replaces=None,
            reserved_cash=D(55),
            reserved_qty=D(3),
            hwm=D(12),
            whole_shares=False,
        )
    )
    order.triggered = triggered
    order.filled_qty = D(filled)
    order.filled_value = D(filled * 10)
    order.fill_count = filled
    assert WorkingOrder.from_order(order) == _reference(order)
