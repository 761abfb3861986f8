"""Numbers in bodies and query strings: exact Decimals within the bounds of their kind (`tradeloop.core.money`).

Every route that takes money, a price, a quantity or a percentage declares
its field with `bounded(MONEY)`, `bounded(PRICE)`, `bounded(QUANTITY)` or
`bounded(PERCENT)`, so a number outside the bounds is refused
the same way everywhere, naming the field, before anything is changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator

from tradeloop.core.money import MONEY, PERCENT, PRICE, QUANTITY, Bounds, NotADecimal, OutOfBounds, parse_decimal


class _Bounded:
    """A JSON number or string read exactly, within `bounds`; None is left to the field's type to allow or refuse."""

    __slots__ = ("bounds",)

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds

    def __call__(self, value: object) -> Decimal | None:
        if value is None:
            return None
        try:
            return self.bounds.check(parse_decimal(value))
        except NotADecimal:
            raise ValueError("must be a finite number") from None
        except OutOfBounds as exc:
            raise ValueError(str(exc)) from None


def bounded(bounds: Bounds) -> BeforeValidator:
    """The validator of a field of one kind of number: `Annotated[Decimal | None, bounded(PRICE)]`."""
    return BeforeValidator(_Bounded(bounds))


Money = Annotated[Decimal | None, bounded(MONEY)]
"""An optional amount of money; a required one is `Annotated[Decimal, bounded(MONEY)]`."""
Price = Annotated[Decimal | None, bounded(PRICE)]
Quantity = Annotated[Decimal | None, bounded(QUANTITY)]
Percent = Annotated[Decimal | None, bounded(PERCENT)]
