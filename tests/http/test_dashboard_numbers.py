"""The dashboard's own arithmetic and number formats (ui/js/decimal.js, ui/js/dom.js), run by Node against Python's Decimal.

The page works out day P&L and a position's value at a live price itself, and formats every amount the API
sends: both must be exact (no floating point), so each is compared with Decimal on generated values.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeloop.http.dashboard import UI_DIR

NODE: Final = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js to run the page's modules")
SCRIPT: Final = """
const dom = await import(process.argv[1]);
const decimal = await import(process.argv[2]);
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map(([a, b]) => ({
  difference: decimal.subtract(a, b),
  product: decimal.multiply(a, b, 2),
  sum: decimal.add(a, b, 2),
  money: dom.money(a),
  qty: dom.qty(a),
}));
process.stdout.write(JSON.stringify(out));
"""
CENT: Final = Decimal("0.01")
decimals = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6, allow_nan=False, allow_infinity=False)


def run(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    assert NODE is not None
    found = subprocess.run(
        [NODE, "--input-type=module", "-e", SCRIPT, str(UI_DIR / "js" / "dom.js"), str(UI_DIR / "js" / "decimal.js")],
        input=json.dumps(pairs), capture_output=True, text=True, check=True, timeout=30,
    )
    result: list[dict[str, Any]] = json.loads(found.stdout)
    return result


def plain(value: Decimal) -> str:
    """A Decimal as the page writes it: fixed point, never an exponent."""
    return format(value, "f")


def money(value: Decimal) -> str:
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "−" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


def qty(value: Decimal) -> str:
    text = plain(value).rstrip("0").rstrip(".") if "." in plain(value) else plain(value)
    whole, _, fraction = text.lstrip("-").partition(".")
    sign = "−" if value < 0 and text.strip("-0.") else ""
    return sign + f"{int(whole):,}" + (f".{fraction}" if fraction else "")


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(decimals, decimals), min_size=40, max_size=40))
def test_the_pages_sums_products_and_formats_are_those_of_decimal(pairs: list[tuple[Decimal, Decimal]]) -> None:
    answers = run([(plain(a), plain(b)) for a, b in pairs])
    for (a, b), answer in zip(pairs, answers, strict=True):
        assert Decimal(answer["difference"]) == a - b, (a, b)
        assert Decimal(answer["product"]) == (a * b).quantize(CENT, rounding=ROUND_HALF_UP), (a, b)
        assert Decimal(answer["sum"]) == (a + b).quantize(CENT, rounding=ROUND_HALF_UP), (a, b)
        assert answer["money"] == money(a), a
        assert answer["qty"] == qty(a), a


def test_amounts_beyond_a_float_s_precision_stay_exact() -> None:
    [answer] = run([("12345678901234.995", "0.01")])
    assert answer["money"] == "$12,345,678,901,235.00"  # a float would print ...234.99
    assert answer["difference"] == "12345678901234.985"
