"""What-if: what placing an order would do now, computed without changing anything."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeloop.core.accounts import AccountState
from tradeloop.core.events import OrderAccepted
from tradeloop.core.fees import order_fee, slipped_price
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
    """The price it would fill at now, slipped as its fill would be; for an order that would rest, its limit (or stop) price."""
    estimated_qty: Decimal | None
    estimated_cost: Decimal | None
    """What it would move in cash filled whole at the estimated price: a buy's value plus its fee, a sale's value less it."""
    estimated_fee: Decimal
    """The fee the account's schedule would charge it filled whole at the estimated price (0 with no schedule)."""
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
            estimated_fee=ZERO,
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
    if fills_now and terms.slippage_bps is not None:  # a fill at the market slips as the book would slip it
        estimate = slipped_price(estimate, terms.side, terms.slippage_bps, limit)
    qty = terms.qty if terms.qty is not None else (terms.notional or ZERO) / estimate
    value = terms.notional if terms.notional is not None else cents(qty * estimate)
    fee = order_fee(state.fees, qty, qty * estimate)  # as the fills would be charged: on the unrounded value
    cost = value + fee if buy else value - fee
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
        estimated_fee=fee,
        fills_now=fills_now,
        buying_power=buying_power,
        buying_power_after=after,
        position_qty=held,
        position_qty_after=position_after,
        checks=tuple(checks),
    )
