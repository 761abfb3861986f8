"""What-if: what placing an order would do now, computed without changing anything."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeloop.core.accounts import AccountState
from tradeloop.core.events import OrderAccepted
from tradeloop.core.money import ZERO, cents
from tradeloop.core.orders import OrderSide, OrderType
from tradeloop.core.risk import Check
from tradeloop.core.risk_limits import TradingState
from tradeloop.errors import TradeloopError


@dataclass(frozen=True, slots=True, kw_only=True)
class Preview:
    """The answer of a what-if: accepted or refused (and why), and the account as the order would leave it."""

    accepted: bool
    refusal: TradeloopError | None
    trading_state: TradingState
    estimated_price: Decimal | None
    """The price it would fill at now; for an order that would rest, its limit (or stop) price."""
    estimated_qty: Decimal | None
    estimated_cost: Decimal | None
    fills_now: bool
    buying_power: Decimal
    buying_power_after: Decimal
    position_qty: Decimal
    position_qty_after: Decimal
    checks: tuple[Check, ...]


def preview_of(
    state: AccountState,
    accepted: OrderAccepted | None,
    *,
    price: Decimal | None,
    checks: list[Check],
    refusal: TradeloopError | None,
    symbol: str,
) -> Preview:
    """The preview of an order `accepted` would place (None with its `refusal`) when its side of the market is at `price`."""
    position = state.positions.get(symbol)
    held = position.qty if position is not None else ZERO
    buying_power = state.buying_power
    if accepted is None or price is None:
        return Preview(
            accepted=False if accepted is None else refusal is None,
            refusal=refusal,
            trading_state=state.risk.state,
            estimated_price=price,
            estimated_qty=None,
            estimated_cost=None,
            fills_now=False,
            buying_power=buying_power,
            buying_power_after=buying_power,
            position_qty=held,
            position_qty_after=held,
            checks=tuple(checks),
        )
    terms = accepted.terms
    buy = terms.side is OrderSide.BUY
    limit = terms.limit_price
    if terms.type is OrderType.MARKET:
        fills_now, estimate = True, price
    elif terms.type is OrderType.LIMIT and limit is not None:
        fills_now = price <= limit if buy else price >= limit
        estimate = price if fills_now else limit
    else:  # a stop waits for its trigger
        fills_now, estimate = False, terms.stop_price or limit or price
    qty = terms.qty if terms.qty is not None else (terms.notional or ZERO) / estimate
    cost = terms.notional if terms.notional is not None else cents(qty * estimate)
    if buy:
        after = buying_power - (cost if fills_now else accepted.reserved_cash)
        position_after = held + qty if fills_now else held
    else:
        after = buying_power + (cost if fills_now else ZERO)
        position_after = held - qty if fills_now else held
    return Preview(
        accepted=refusal is None,
        refusal=refusal,
        trading_state=state.risk.state,
        estimated_price=estimate,
        estimated_qty=qty,
        estimated_cost=cost,
        fills_now=fills_now,
        buying_power=buying_power,
        buying_power_after=after,
        position_qty=held,
        position_qty_after=position_after,
        checks=tuple(checks),
    )
