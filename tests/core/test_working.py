"""Working orders: the market's view of an account's order."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import D, make_terms
from tradeloop.core.accounts import order_from_acceptance
from tradeloop.core.events import OrderAccepted
from tradeloop.core.orders import Order, OrderSide, OrderType
from tradeloop.core.working import Stage, WorkingOrder


def _reference(order: Order) -> WorkingOrder:
    """`from_order` as the plain keyword construction it replaces."""
    terms = order.terms
    triggered = order.triggered or terms.type in (OrderType.MARKET, OrderType.LIMIT)
    if not triggered:
        stage = Stage.TRIGGER
    elif terms.type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        stage = Stage.LIMIT
    else:
        stage = Stage.MARKET
    return WorkingOrder(
        terms=terms,
        hwm=order.hwm,
        whole_shares=terms.qty is not None and terms.qty == terms.qty.to_integral_value(),
        budget=order.reserved_cash if terms.side is OrderSide.BUY else order.reserved_qty,
        filled_qty=order.filled_qty,
        filled_value=order.filled_value,
        fill_count=order.fill_count,
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
    order = order_from_acceptance(
        OrderAccepted(
            terms=make_terms(
                side=side,
                type=kind,
                qty=qty,
                notional=D(50) if qty is None else None,
                limit_price=D(10),
                stop_price=D(9),
                trail_price=D(1),
            ),
            reserved_cash=D(55),
            reserved_qty=D(3),
            hwm=D(12),
        )
    )
    order.triggered = triggered
    order.filled_qty = D(filled)
    order.filled_value = D(filled * 10)
    order.fill_count = filled
    working = WorkingOrder.from_order(order)
    assert working == _reference(order)
    assert working.terms is order.terms
