"""Decimal money and quantity helpers: parsing, quantizing, rendering."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)
CENT: Final = Decimal("0.01")
SUB_PENNY: Final = Decimal("0.0001")
QTY_STEP: Final = Decimal("0.000000001")
"""Quantities carry at most nine decimal places, as Alpaca accepts."""
PCT_STEP: Final = Decimal("0.0001")


class NotADecimal(ValueError):
    """Raised when text is not a finite decimal number."""


def parse_decimal(value: object) -> Decimal:
    """Parse a JSON number or string into a finite Decimal.

    Raises:
        NotADecimal: for NaN, infinities, booleans and anything unparsable.
    """
    if isinstance(value, bool) or value is None:
        raise NotADecimal(repr(value))
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise NotADecimal(value) from exc
    else:
        raise NotADecimal(repr(value))
    if not result.is_finite():
        raise NotADecimal(str(value))
    return result


def price_tick(price: Decimal) -> Decimal:
    """Return the price increment for a price: a cent from $1 up, else 1/100 cent."""
    return CENT if price >= ONE else SUB_PENNY


def is_on_tick(price: Decimal) -> bool:
    """Tell whether a price is a whole number of its tick."""
    return price == price.quantize(price_tick(price))


def quantize_price(price: Decimal) -> Decimal:
    """Round a price to its tick, half up."""
    return price.quantize(price_tick(price), rounding=ROUND_HALF_UP)


def quantize_qty_down(qty: Decimal) -> Decimal:
    """Round a quantity down to the nine-decimal step (never buy more than asked)."""
    return qty.quantize(QTY_STEP, rounding=ROUND_DOWN)


def cents(amount: Decimal) -> Decimal:
    """Round an amount of money to the cent, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def notional(qty: Decimal, price: Decimal) -> Decimal:
    """Cash value of a fill, rounded to the cent: what changes hands."""
    return cents(qty * price)


def fmt(value: Decimal) -> str:
    """Render a Decimal for the wire without exponent, trailing zeros kept as given."""
    return format(abs(value) if value.is_zero() else value, "f")


def fmt_qty(value: Decimal) -> str:
    """Render a quantity without needless trailing zeros: '10', '0.5'."""
    if value == value.to_integral_value():
        return format(value.quantize(ONE), "f")
    return format(value.normalize(), "f")
