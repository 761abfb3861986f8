"""An account's fee schedule and slippage: what a fill costs beyond its price, and how far a market-priced fill slips.

Fees are charged per order, cumulatively: after its fills an order has been
charged `order_fee` of everything it filled, and each fill is charged the step
in that figure, so an order's fills always add up to the schedule applied to
the whole filled order (a minimum or a per-order fee is met once, not per fill).

Slippage moves the price a fill is made at against the trader by a number of
basis points, rounded away from the trader to the price's tick; a limit price
is never crossed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Final

from tradeloop.core.money import HUNDRED, MONEY, PERCENT, PRICE, SUB_PENNY, ZERO, Bounds, OutOfBounds, cents, price_tick
from tradeloop.core.orders import OrderSide
from tradeloop.errors import InvalidField

BASIS_POINTS: Final = Decimal(10_000)
MAX_SLIPPAGE_BPS: Final = Decimal(500)
"""At most 5%: the buffer a market buy holds above the price (`placement.MARKET_BUFFER`), so a slipped fill stays within it."""
BPS: Final = Bounds(Decimal("0.01"))
"""Basis points: two decimal places."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeSchedule:
    """What an account pays on its fills; every field defaults to zero (no fees, no slippage, as Alpaca's paper account)."""

    per_share: Decimal = ZERO
    """Dollars per share filled (to 1/100 cent)."""
    per_order: Decimal = ZERO
    """Dollars per order that fills at all, charged with its first fill."""
    percent_of_notional: Decimal = ZERO
    """Percent of the filled value."""
    minimum: Decimal = ZERO
    """The least an order that fills at all is charged, in dollars."""
    slippage_bps: Decimal = ZERO
    """Basis points a fill's price moves against the trader."""

    @property
    def charges(self) -> bool:
        """Whether any fill could cost a fee (False keeps fills untouched)."""
        return bool(self.per_share or self.per_order or self.percent_of_notional or self.minimum)

    def check(self) -> FeeSchedule:
        """The schedule when every field is within its bounds, without needless trailing zeros.

        Raises:
            InvalidField: a negative value, too many decimal places, a percent above 100 or slippage above 500 bps.
        """
        checked: dict[str, Decimal] = {}
        for each in fields(self):
            name = each.name
            value: Decimal = getattr(self, name)
            try:
                value = _BOUNDS[name].check(value)
            except OutOfBounds as exc:
                raise InvalidField(name, str(exc)) from None
            if value < ZERO:
                raise InvalidField(name, "must not be negative")
            checked[name] = value
        if checked["percent_of_notional"] > HUNDRED:
            raise InvalidField("percent_of_notional", "must be at most 100")
        if checked["slippage_bps"] > MAX_SLIPPAGE_BPS:
            raise InvalidField("slippage_bps", f"must be at most {MAX_SLIPPAGE_BPS} (5%)")
        return FeeSchedule(**checked) if any(checked.values()) else NO_FEES


NO_FEES: Final = FeeSchedule()

_BOUNDS: Final = {
    "per_share": PRICE,
    "per_order": MONEY,
    "percent_of_notional": PERCENT,
    "minimum": MONEY,
    "slippage_bps": BPS,
}


def order_fee(schedule: FeeSchedule, filled_qty: Decimal, filled_value: Decimal) -> Decimal:
    """What an order that filled `filled_qty` shares worth `filled_value` pays in all: nothing if nothing filled."""
    if filled_qty <= ZERO:
        return ZERO
    raw = schedule.per_order + schedule.per_share * filled_qty + schedule.percent_of_notional / HUNDRED * filled_value
    return cents(max(schedule.minimum, raw))


def fill_fee(schedule: FeeSchedule, filled_qty: Decimal, filled_value: Decimal, qty: Decimal, price: Decimal) -> Decimal:
    """The fee of one fill of `qty` at `price` of an order that had filled `filled_qty` worth `filled_value` before it.

    The step in the order's fee; never negative, so a schedule changed while an order fills never refunds.
    """
    before = order_fee(schedule, filled_qty, filled_value)
    after = order_fee(schedule, filled_qty + qty, filled_value + qty * price)
    return max(after - before, ZERO)


def slipped_price(price: Decimal, side: OrderSide, bps: Decimal, limit: Decimal | None) -> Decimal:
    """The price a fill is made at with `bps` of slippage: a buy pays more, a sale gets less, never past `limit`.

    Rounded away from the trader to the price's tick (a cent from $1, else 1/100 cent); a sale never goes below 1/100 cent.
    """
    moved = price * bps / BASIS_POINTS
    if side is OrderSide.BUY:
        worse = price + moved
        worse = worse.quantize(price_tick(worse), rounding=ROUND_CEILING)
        return worse if limit is None else min(worse, max(limit, price))
    worse = price - moved
    worse = max(worse.quantize(price_tick(worse), rounding=ROUND_FLOOR), SUB_PENNY)
    return worse if limit is None else max(worse, min(limit, price))
