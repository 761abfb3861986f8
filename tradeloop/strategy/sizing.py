"""From a rule that fired to an order request: size, price and the protective exits, all in Decimal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from uuid import UUID

from tradeloop.core.money import HUNDRED, ONE, ZERO, quantize_price, quantize_qty_down
from tradeloop.core.orders import OrderClass, OrderRequest, OrderSide, OrderType, StopLoss, TakeProfit, TimeInForce
from tradeloop.strategy.definition import Orders, PriceExit, Risk, Sizing


@dataclass(frozen=True, slots=True)
class Refusal:
    """A rule fired but no order can be built: why, in the words the signal records."""

    reason: str


def entry_qty(sizing: Sizing, close: Decimal, equity: Decimal) -> Decimal:
    """Shares to buy at the bar's close: `qty` as given; `notional` and `percent_equity` in whole shares, rounded down.

    Zero when the size rounds to zero.
    """
    if sizing.type == "qty":
        qty = quantize_qty_down(sizing.value)
    else:
        amount = sizing.value if sizing.type == "notional" else equity * sizing.value / HUNDRED
        qty = (amount / close).to_integral_value(rounding=ROUND_DOWN) if close > ZERO and amount > ZERO else ZERO
    return max(qty, ZERO)


def limit_price(close: Decimal, side: OrderSide, offset_percent: Decimal) -> Decimal:
    """A limit `offset_percent` below the close for a buy, above it for a sell, rounded to the price's tick (a cent)."""
    factor = ONE - offset_percent / HUNDRED if side is OrderSide.BUY else ONE + offset_percent / HUNDRED
    return quantize_price(close * factor)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pricing:
    """What the exits' prices are measured from: the entry's reference price and the ATR values the exits read."""

    reference: Decimal
    stop_atr: float | None = None
    take_profit_atr: float | None = None


def _distance(spec: PriceExit, reference: Decimal, atr: float | None) -> Decimal | None:
    """How far an exit sits from the reference price; None while its ATR has no value."""
    if spec.percent is not None:
        return reference * spec.percent / HUNDRED
    assert spec.atr is not None
    return None if atr is None else spec.atr * Decimal(repr(atr))


def _exits(risk: Risk | None, pricing: Pricing) -> tuple[StopLoss | None, TakeProfit | None] | Refusal:
    """The protective exits risk asks for, priced from the reference price, or why they cannot be priced."""
    stop_loss: StopLoss | None = None
    take_profit: TakeProfit | None = None
    if risk is None:
        return None, None
    if risk.stop_loss is not None:
        distance = _distance(risk.stop_loss, pricing.reference, pricing.stop_atr)
        if distance is None:
            return Refusal("stop_loss: atr has no value yet")
        stop_price = quantize_price(pricing.reference - distance)
        if stop_price <= ZERO:
            return Refusal("stop_loss: the stop price would not be positive")
        stop_loss = StopLoss(stop_price=stop_price)
    elif risk.trailing_stop is not None:
        stop_loss = StopLoss(trail_percent=risk.trailing_stop.percent)
    if risk.take_profit is not None:
        distance = _distance(risk.take_profit, pricing.reference, pricing.take_profit_atr)
        if distance is None:
            return Refusal("take_profit: atr has no value yet")
        take_profit = TakeProfit(limit_price=quantize_price(pricing.reference + distance))
    return stop_loss, take_profit


def entry_request(
    *,
    symbol: str,
    qty: Decimal,
    close: Decimal,
    orders: Orders,
    risk: Risk | None,
    pricing_atr: tuple[float | None, float | None],
    client_order_id: str,
    strategy_id: UUID,
) -> OrderRequest | Refusal:
    """A buy: market, or limit below the close; a bracket (both exits) or OTO (one exit) when risk says so.

    A refusal when the size rounds to zero or an exit's price cannot be set (its ATR has no value yet, or a stop
    at or below zero).
    """
    if qty <= ZERO:
        return Refusal("size rounds to zero")
    offset = orders.offset_percent
    limit = limit_price(close, OrderSide.BUY, offset) if offset is not None else None
    pricing = Pricing(reference=limit or close, stop_atr=pricing_atr[0], take_profit_atr=pricing_atr[1])
    exits_priced = _exits(risk, pricing)
    if isinstance(exits_priced, Refusal):
        return exits_priced
    stop_loss, take_profit = exits_priced
    exits = (stop_loss is not None) + (take_profit is not None)
    order_class = OrderClass.SIMPLE if exits == 0 else OrderClass.BRACKET if exits == 2 else OrderClass.OTO
    return OrderRequest(
        symbol=symbol,
        side=OrderSide.BUY,
        type=OrderType.LIMIT if limit is not None else OrderType.MARKET,
        time_in_force=TimeInForce(orders.time_in_force),
        qty=qty,
        limit_price=limit,
        client_order_id=client_order_id,
        order_class=order_class,
        take_profit=take_profit,
        stop_loss=stop_loss,
        strategy_id=strategy_id,
    )


def exit_request(
    *, symbol: str, qty: Decimal, close: Decimal, orders: Orders, client_order_id: str, strategy_id: UUID
) -> OrderRequest:
    """A sell of the whole position: market, or limit above the close."""
    offset = orders.offset_percent
    limit = limit_price(close, OrderSide.SELL, offset) if offset is not None else None
    fractional = qty != qty.to_integral_value()
    return OrderRequest(
        symbol=symbol,
        side=OrderSide.SELL,
        type=OrderType.LIMIT if limit is not None else OrderType.MARKET,
        # fractional orders must be day orders; a whole position sells on the definition's terms
        time_in_force=TimeInForce.DAY if fractional else TimeInForce(orders.time_in_force),
        qty=qty,
        limit_price=limit,
        client_order_id=client_order_id,
        strategy_id=strategy_id,
    )
