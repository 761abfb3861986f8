"""Finnhub stream messages as ticks, and the quotes synthesized around their prices."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from decimal import Decimal

from tradeloop.core.marketdata import Trade
from tradeloop.market.finnhub_ticks import (
    Ping,
    QuoteMaker,
    ServerError,
    TradeBatch,
    Unrecognized,
    from_ms,
    parse_message,
)

T0 = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_milliseconds_become_exact_utc_datetimes() -> None:
    assert from_ms(1_700_000_000_000) == T0
    assert from_ms(1_700_000_000_123) == T0.replace(microsecond=123_000)
    assert from_ms(1_700_000_000_123).tzinfo is UTC


def test_a_trade_batch_becomes_decimal_trades() -> None:
    raw = json.dumps(
        {
            "type": "trade",
            "data": [
                {"s": "AAPL", "p": 189.5, "t": 1_700_000_000_000, "v": 100, "c": ["1", "12"]},
                {"s": "MSFT", "p": 0.1 + 0.2, "t": 1_700_000_000_001, "v": 3.5},
            ],
        }
    )
    message = parse_message(raw, itertools.count(7))
    assert message == TradeBatch(
        (
            Trade(symbol="AAPL", price=Decimal("189.50"), size=Decimal(100), timestamp=T0, trade_id=7),
            Trade(
                symbol="MSFT",
                price=Decimal("0.3000"),  # repr 0.30000000000000004, to the sub-penny tick
                size=Decimal("3.5"),
                timestamp=T0.replace(microsecond=1000),
                trade_id=8,
            ),
        )
    )
    first = message.trades[0]
    assert isinstance(first.price, Decimal) and str(first.price) == "189.50"


def test_prices_are_read_through_repr_not_float_arithmetic() -> None:
    raw = json.dumps({"type": "trade", "data": [{"s": "X", "p": 2.675, "t": 1, "v": 1}]})
    (trade,) = parse_message(raw).trades  # type: ignore[union-attr]
    # Decimal(2.675) is 2.67499999...; through repr it is 2.675, which rounds half up to 2.68.
    assert trade.price == Decimal("2.68")


def test_unusable_prints_are_skipped_and_the_rest_kept() -> None:
    prints = [
        {"s": "AAPL", "p": 0, "t": 1, "v": 1},
        {"s": "AAPL", "p": -1.0, "t": 1, "v": 1},
        {"s": "AAPL", "p": "nan", "t": 1, "v": 1},
        {"s": "", "p": 1.0, "t": 1, "v": 1},
        {"s": "AAPL", "p": 1.0, "t": "soon", "v": 1},
        "junk",
        {"s": "AAPL", "p": 10.0, "t": 1, "v": 0},
    ]
    message = parse_message(json.dumps({"type": "trade", "data": prints}))
    assert isinstance(message, TradeBatch)
    assert [(t.price, t.size) for t in message.trades] == [(Decimal("10.00"), None)]


def test_pings_errors_and_other_messages() -> None:
    assert parse_message('{"type":"ping"}') == Ping()
    assert parse_message('{"type":"error","msg":"Invalid symbol"}') == ServerError("Invalid symbol")
    assert parse_message('{"type":"news"}') == Unrecognized("news")
    assert parse_message("not json") == Unrecognized("not json")
    assert parse_message("[1]") == Unrecognized("not an object")


def test_an_uptick_prints_at_the_ask_and_a_downtick_at_the_bid() -> None:
    maker = QuoteMaker()
    first = maker.quote("AAPL", Decimal("189.50"), T0)
    assert first is not None and (first.bid, first.ask) == (Decimal("189.49"), Decimal("189.50"))
    assert first.bid_size is None and first.ask_size is None
    down = maker.quote("AAPL", Decimal("189.40"), T0)
    assert down is not None and (down.bid, down.ask) == (Decimal("189.40"), Decimal("189.41"))
    assert maker.quote("AAPL", Decimal("189.40"), T0) is None  # unchanged: keeps the side, no new quote
    up = maker.quote("AAPL", Decimal("189.45"), T0)
    assert up is not None and (up.bid, up.ask) == (Decimal("189.44"), Decimal("189.45"))


def test_the_first_print_compares_with_the_previous_close() -> None:
    quote = QuoteMaker().quote("AAPL", Decimal("100.00"), T0, previous_close=Decimal("101.00"))
    assert quote is not None and (quote.bid, quote.ask) == (Decimal("100.00"), Decimal("100.01"))


def test_refresh_repeats_an_unchanged_quote_with_the_new_time() -> None:
    maker = QuoteMaker()
    maker.quote("AAPL", Decimal("10.00"), T0)
    later = T0.replace(minute=30)
    again = maker.quote("AAPL", Decimal("10.00"), later, refresh=True)
    assert again is not None and again.timestamp == later


def test_sub_dollar_prices_use_the_sub_penny_tick_and_never_a_zero_bid() -> None:
    maker = QuoteMaker()
    quote = maker.quote("PENNY", Decimal("0.5000"), T0)
    assert quote is not None and (quote.bid, quote.ask) == (Decimal("0.4999"), Decimal("0.5000"))
    tiny = QuoteMaker().quote("TINY", Decimal("0.0001"), T0)
    assert tiny is not None and tiny.bid > 0 and tiny.ask - tiny.bid == Decimal("0.0001")
