"""Charging an account's fee schedule on the fills of one write, and the FEE activity each charged fill makes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final
from uuid import UUID, uuid5

from tradeloop.core.events import AccountEvent, OrderFilled
from tradeloop.core.fees import FeeSchedule, fill_fee
from tradeloop.core.money import ZERO
from tradeloop.core.orders import Order

_FEE_IDS: Final = UUID("0b8f7c2e-5d41-4f6a-8c93-7e1a2d4b6f05")
"""Namespace of fee activities' ids, derived from their fills' ids."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeCharged:
    """The fee of one fill, as the account's activities list it (Alpaca's FEE): made from the fill, never applied by itself."""

    account_id: UUID
    activity_id: UUID
    fill_id: UUID
    order_id: UUID
    symbol: str
    amount: Decimal
    """What left the cash balance, as a positive amount."""
    timestamp: datetime


def charge_fees(schedule: FeeSchedule, orders: Mapping[UUID, Order], events: Sequence[AccountEvent]) -> Sequence[AccountEvent]:
    """The events with each fill's fee set, as the schedule charges it; the very sequence when the schedule charges nothing.

    An order's fills in one write are charged one after another, each from what the order had filled before it.
    """
    if not schedule.charges:
        return events
    filled: dict[UUID, tuple[Decimal, Decimal]] = {}
    charged: list[AccountEvent] = []
    for event in events:
        if isinstance(event, OrderFilled):
            before = filled.get(event.order_id)
            if before is None:
                order = orders.get(event.order_id)  # a replacement accepted in this very write is not there yet
                before = (ZERO, ZERO) if order is None else (order.filled_qty, order.filled_value)
            qty, value = before
            fee = fill_fee(schedule, qty, value, event.qty, event.price)
            filled[event.order_id] = (qty + event.qty, value + event.qty * event.price)
            if fee:
                event = replace(event, fee=fee)
        charged.append(event)
    return charged


def fee_activity(fill: OrderFilled) -> FeeCharged:
    """The FEE activity of a fill that was charged a fee."""
    return FeeCharged(
        account_id=fill.account_id,
        activity_id=uuid5(_FEE_IDS, str(fill.fill_id)),
        fill_id=fill.fill_id,
        order_id=fill.order_id,
        symbol=fill.symbol,
        amount=fill.fee or ZERO,
        timestamp=fill.timestamp,
    )
