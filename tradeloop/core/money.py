"""Decimal money and quantity helpers: parsing, quantizing, rendering."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from tradeloop.errors import InvalidValue

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)
CENT: Final = Decimal("0.01")
SUB_PENNY: Final = Decimal("0.0001")
QTY_STEP: Final = Decimal("0.000000001")
"""Quantities carry at most nine decimal places, as Alpaca accepts."""
PCT_STEP: Final = Decimal("0.0001")
MAX_AMOUNT: Final = Decimal("1e12")
"""Every amount of money, price, quantity and percentage is below this in magnitude; keeps every Decimal step exact."""


class NotADecimal(InvalidValue):
    """Raised when text is not a finite decimal number."""


class OutOfBounds(InvalidValue):
    """Raised when a number is too large or has more decimal places than its kind allows."""


@dataclass(frozen=True, slots=True)
class Bounds:
    """What one kind of number may be: below MAX_AMOUNT in magnitude and a whole number of `step`."""

    step: Decimal

    @property
    def places(self) -> int:
        """The most decimal places a number of this kind carries."""
        return -int(self.step.as_tuple().exponent)

    def check(self, value: Decimal) -> Decimal:
        """The value when within bounds, without zeros past the last place and a negative zero made plain zero.

        Raises:
            OutOfBounds: too large, or too many decimal places.
        """
        if not value.is_finite():
            raise OutOfBounds("must be a finite number")
        if value.copy_abs() >= MAX_AMOUNT:  # copy_abs: quiet, where abs() would overflow the context at 1e999999999
            raise OutOfBounds(f"must be below {MAX_AMOUNT:f} in magnitude")
        exact = value.quantize(self.step)
        if value != exact:
            raise OutOfBounds(f"at most {self.places} decimal places")
        if int(value.as_tuple().exponent) < -self.places:  # trailing zeros past the step, as in 1.000000000000
            value = exact
        return value.copy_abs() if value.is_zero() else value


MONEY: Final = Bounds(CENT)
"""Cash, deposits, withdrawals and notional amounts: whole cents."""
PRICE: Final = Bounds(SUB_PENNY)
"""Prices and trail amounts: to 1/100 cent (an order's price must also be on its tick)."""
QUANTITY: Final = Bounds(QTY_STEP)
"""Quantities of shares: nine decimal places, as Alpaca accepts."""
PERCENT: Final = Bounds(PCT_STEP)
"""Percentages (a trail, a share of a position to close): four decimal places."""


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
