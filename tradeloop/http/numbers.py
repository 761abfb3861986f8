"""Numbers in bodies and query strings: exact Decimals within the bounds of their kind (`tradeloop.core.money`).

Every route that takes money, a price, a quantity or a percentage declares
its field with `bounded(MONEY)`, `bounded(PRICE)`, `bounded(QUANTITY)` or
`bounded(PERCENT)`, so a number outside the bounds is refused
the same way everywhere, naming the field, before anything is changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from tradeloop.core.money import (
    MAX_AMOUNT,
    MONEY,
    PERCENT,
    PRICE,
    QUANTITY,
    Bounds,
    NotADecimal,
    OutOfBounds,
    parse_decimal,
)


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


def bounded(bounds: Bounds, *, optional: bool = False) -> BeforeValidator:
    """The validator of a field of one kind of number: `Annotated[Decimal, bounded(PRICE)]`.

    `optional` says that the field's type takes None (`Decimal | None`), so that its schema offers null too.
    """
    return BeforeValidator(_Bounded(bounds), json_schema_input_type=_input_schema(bounds, optional=optional))


def _input_schema(bounds: Bounds, *, optional: bool) -> Any:
    """What such a field takes, for the API reference: decimal text in plain notation, or a JSON number.

    The text pattern is exactly the plain notation within the bounds; the server also reads an exponent
    ("1.5e2"), a leading "+", surrounding spaces and zeros past the last place, which the reference leaves
    unsaid. A JSON number is read exactly from its text (bodies.decode_json); its decimal places are bounded
    as the text's are, which JSON Schema cannot say of a number reliably (0.3 fails multipleOf 0.01 in binary).
    """
    places = bounds.places
    digits = len(str(int(MAX_AMOUNT))) - 1  # every number below MAX_AMOUNT has at most this many integer digits
    pattern = rf"^-?[0-9]{{1,{digits}}}(\.[0-9]{{1,{places}}})?$"
    text: dict[str, Any] = {"type": "string", "pattern": pattern, "examples": [_example(bounds)]}
    number: dict[str, Any] = {"type": "number", "exclusiveMinimum": -int(MAX_AMOUNT), "exclusiveMaximum": int(MAX_AMOUNT)}
    options = [text, number, {"type": "null"}] if optional else [text, number]
    description = f"A decimal as text or a JSON number, read exactly: below {int(MAX_AMOUNT):,} in magnitude, at most {places} decimal places."
    return Annotated[Any, WithJsonSchema({"anyOf": options, "description": description})]


def _example(bounds: Bounds) -> str:
    examples = ((MONEY, "1500.25"), (PRICE, "150.25"), (QUANTITY, "2"), (PERCENT, "2.5"))
    return next((text for kind, text in examples if kind is bounds), "1")


Money = Annotated[Decimal | None, bounded(MONEY, optional=True)]
"""An optional amount of money; a required one is `Annotated[Decimal, bounded(MONEY)]`."""
Price = Annotated[Decimal | None, bounded(PRICE, optional=True)]
Quantity = Annotated[Decimal | None, bounded(QUANTITY, optional=True)]
Percent = Annotated[Decimal | None, bounded(PERCENT, optional=True)]
