"""The seeded random walk: determinism and the invariants every tick must keep."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.money import CENT, is_on_tick
from tradeloop.market.randomwalk import RandomWalk, symbol_seed

T0 = datetime(2024, 6, 3, 13, 30, tzinfo=UTC)


def run(walk: RandomWalk, steps: int) -> list[tuple[Trade, Quote]]:
    return [walk.step(T0 + timedelta(milliseconds=250 * i)) for i in range(steps)]


def assert_sane(trade: Trade, quote: Quote) -> None:
    prices = (trade.price, quote.bid, quote.ask)
    assert all(type(p) is Decimal for p in prices)
    assert all(p > CENT for p in prices)
    assert all(is_on_tick(p) for p in prices)
    assert quote.bid < quote.ask
    assert quote.bid <= trade.price <= quote.ask
    assert trade.symbol == quote.symbol
    assert trade.timestamp == quote.timestamp
    sizes = (trade.size, quote.bid_size, quote.ask_size)
    assert all(type(s) is Decimal and s == s.to_integral_value() for s in sizes)
    assert trade.size is not None and 1 <= trade.size <= 500
    assert quote.bid_size is not None and 100 <= quote.bid_size <= 1000
    assert quote.ask_size is not None and 100 <= quote.ask_size <= 1000


def test_same_seed_same_sequence() -> None:
    first = run(RandomWalk("AAPL", Decimal("189.50"), 7), 200)
    second = run(RandomWalk("AAPL", Decimal("189.50"), 7), 200)
    assert first == second


def test_different_seed_different_sequence() -> None:
    assert run(RandomWalk("AAPL", Decimal("189.50"), 7), 50) != run(
        RandomWalk("AAPL", Decimal("189.50"), 8), 50
    )


def test_symbols_walk_independently() -> None:
    aapl = [t.price for t, _ in run(RandomWalk("AAPL", Decimal("100.00"), 7), 200)]
    msft = [t.price for t, _ in run(RandomWalk("MSFT", Decimal("100.00"), 7), 200)]
    assert aapl != msft


def test_symbol_seed_is_stable_across_processes() -> None:
    # crc32 is fixed forever, unlike hash() under PYTHONHASHSEED.
    assert symbol_seed("AAPL", 0) == zlib.crc32(b"AAPL")
    assert symbol_seed("AAPL", 5) == 5 ^ zlib.crc32(b"AAPL")


def test_price_moves_but_stays_near_start() -> None:
    walk = RandomWalk("INTC", Decimal("30.85"), 1)
    prices = {t.price for t, _ in run(walk, 2000)}
    assert len(prices) > 5
    assert all(Decimal(25) < p < Decimal(37) for p in prices)
    assert walk.price == run(walk, 1)[0][0].price


def test_sub_dollar_quotes_are_one_tick_wide() -> None:
    for trade, quote in run(RandomWalk("PENNY", Decimal("0.5"), 3), 500):
        assert_sane(trade, quote)
        assert quote.ask - quote.bid == Decimal("0.0001")


def test_price_floor_holds_under_wild_volatility() -> None:
    walk = RandomWalk("PENNY", Decimal("0.03"), 11, steps_per_sec=Decimal("1e-9"))
    for trade, quote in run(walk, 500):
        assert_sane(trade, quote)


def test_start_price_is_quantized_to_tick() -> None:
    assert RandomWalk("AAPL", Decimal("189.5049"), 1).price == Decimal("189.50")


def test_rejects_non_positive_start_price() -> None:
    with pytest.raises(ValueError, match="start_price"):
        RandomWalk("AAPL", Decimal(0), 1)


def test_rejects_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone"):
        RandomWalk("AAPL", Decimal(10), 1).step(datetime(2024, 1, 1))


@given(
    seed=st.integers(min_value=0, max_value=2**64),
    steps=st.integers(min_value=1, max_value=300),
    symbol=st.sampled_from([asset.symbol for asset in UNIVERSE]),
    start=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(5000), places=4),
    # A glacial pace means a huge per-step volatility: it drives walks onto the floor.
    pace=st.sampled_from([Decimal(4), Decimal("1e-7")]),
)
def test_every_tick_keeps_the_invariants(
    seed: int, steps: int, symbol: str, start: Decimal, pace: Decimal
) -> None:
    walk = RandomWalk(symbol, start, seed, steps_per_sec=pace)
    for trade, quote in run(walk, steps):
        assert trade.symbol == symbol
        assert_sane(trade, quote)
    again = RandomWalk(symbol, start, seed, steps_per_sec=pace)
    assert run(again, steps)[-1][0] == trade
