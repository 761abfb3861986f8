"""Money helpers: parsing, ticks, rounding and rendering."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeloop.core.money import (
    MAX_AMOUNT,
    MONEY,
    PERCENT,
    PRICE,
    QUANTITY,
    Bounds,
    NotADecimal,
    OutOfBounds,
    cents,
    fmt,
    fmt_qty,
    is_on_tick,
    notional,
    parse_decimal,
    quantize_price,
    quantize_qty_down,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.50", Decimal("1.50")), (" 2 ", Decimal(2)), (3, Decimal(3)), (0.1, Decimal("0.1")), (Decimal("4"), Decimal(4))],
)
def test_parse_decimal_accepts_numbers_and_numeric_text(value: object, expected: Decimal) -> None:
    assert parse_decimal(value) == expected


@pytest.mark.parametrize("value", [True, None, "abc", "NaN", "Infinity", float("inf"), float("nan"), [1]])
def test_parse_decimal_refuses_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises(NotADecimal):
        parse_decimal(value)


@pytest.mark.parametrize(
    ("price", "on_tick"),
    [("1.00", True), ("1.005", False), ("0.9999", True), ("0.99995", False), ("150.10", True)],
)
def test_prices_from_a_dollar_up_tick_in_cents_and_below_in_hundredths_of_a_cent(price: str, on_tick: bool) -> None:
    assert is_on_tick(Decimal(price)) is on_tick


def test_rounding_helpers() -> None:
    assert quantize_price(Decimal("10.005")) == Decimal("10.01")
    assert quantize_price(Decimal("0.12345")) == Decimal("0.1235")
    assert quantize_qty_down(Decimal("1.9999999999")) == Decimal("1.999999999")
    assert cents(Decimal("2.675")) == Decimal("2.68")
    assert notional(Decimal("3"), Decimal("33.335")) == Decimal("100.01")


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1.50"), "1.50"), (Decimal("-0"), "0"), (Decimal("-0.00"), "0.00"), (Decimal("1E+2"), "100")],
)
def test_fmt_renders_without_exponent_or_negative_zero(value: Decimal, text: str) -> None:
    assert fmt(value) == text


@pytest.mark.parametrize(("value", "text"), [(Decimal("10.000"), "10"), (Decimal("0.500"), "0.5"), (Decimal("1E+1"), "10")])
def test_fmt_qty_drops_needless_zeros(value: Decimal, text: str) -> None:
    assert fmt_qty(value) == text


any_decimal = st.decimals(allow_nan=True, allow_infinity=True) | st.builds(
    lambda digits, exponent: Decimal(f"{digits}e{exponent}"), st.integers(-(10**30), 10**30), st.integers(-999999999, 999999999)
)


@pytest.mark.parametrize("bounds", [MONEY, PRICE, QUANTITY, PERCENT], ids=["money", "price", "quantity", "percent"])
@given(value=any_decimal)
def test_bounds_keep_the_value_or_say_why_not(bounds: Bounds, value: Decimal) -> None:
    """Any Decimal at all, exponents near the context's limits included: the same number back, or OutOfBounds."""
    try:
        kept = bounds.check(value)
    except OutOfBounds:
        assert not value.is_finite() or value.copy_abs() >= MAX_AMOUNT or value != value.quantize(bounds.step)
        return
    assert kept == value and -MAX_AMOUNT < kept < MAX_AMOUNT and not (kept.is_zero() and kept.is_signed())
    assert -int(kept.as_tuple().exponent) <= bounds.places
