"""Money helpers: parsing, ticks, rounding and rendering."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeloop.core.money import (
    NotADecimal,
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
