"""Field types of the response shapes: what the wire carries (text, exact numbers), and how the reference documents it.

A shape is a `TypedDict` of these: mypy checks the code that builds it, and
pydantic renders its JSON Schema for the API reference, with no cost when the
answer is sent (a TypedDict is a plain dict at run time).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import orjson
from pydantic import Field, PlainValidator, WithJsonSchema

DECIMAL_PATTERN: Final = r"^-?[0-9]+(\.[0-9]+)?$"
"""Money, prices, quantities and ratios go out as decimal text without an exponent, as Alpaca sends them."""


def _as_is(value: Any) -> Any:
    return value


DecimalText = Annotated[str, Field(pattern=DECIMAL_PATTERN, examples=["150.25"])]
"""An exact decimal number as a JSON string, e.g. "150.25"."""
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2024-05-06T14:30:00.123456Z"]})]
"""An RFC 3339 UTC time with microseconds and a Z."""
DateText = Annotated[str, WithJsonSchema({"type": "string", "format": "date", "examples": ["2024-05-06"]})]
"""A YYYY-MM-DD day."""
UuidText = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]
"""A UUID in its canonical text."""
JsonNumber = Annotated[orjson.Fragment, PlainValidator(_as_is), WithJsonSchema({"type": "number", "examples": [150.25]})]
"""An exact JSON number rendered from a Decimal (market data sends numbers, not strings)."""
