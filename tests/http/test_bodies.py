"""Reading JSON bodies: every number exact, and anything that is not JSON a 400, never a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeloop.errors import MalformedJSON
from tradeloop.http.bodies import decode_json


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"qty": 123456789012.123456789}', {"qty": Decimal("123456789012.123456789")}),
        (b'{"cash": 1e400}', {"cash": Decimal("1e400")}),
        (b'{"a": [0.1, {"b": -0.0}]}', {"a": [Decimal("0.1"), {"b": Decimal("-0.0")}]}),
        (b'{"n": 99999999999999999999999999999999999999}', {"n": 10**38 - 1}),
        (b'{"n": 1e999999999999999999999}', {"n": "1e999999999999999999999"}),
        (b'{"qty": "10", "n": 3}', {"qty": "10", "n": 3}),
    ],
)
def test_numbers_are_read_exactly(raw: bytes, expected: object) -> None:
    decoded = decode_json(raw)
    assert decoded == expected
    assert not any(isinstance(value, float) for value in _leaves(decoded))


@pytest.mark.parametrize(
    "raw",
    [b"[1e400, NaN]", b"[1e400, Infinity]", b"[1e400, " + b"[" * 100_000 + b"]" * 100_000 + b"]", b"[1e400,", b"NaN"],
)
def test_what_is_not_json_is_malformed_even_after_a_huge_number(raw: bytes) -> None:
    with pytest.raises(MalformedJSON):
        decode_json(raw)


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]
