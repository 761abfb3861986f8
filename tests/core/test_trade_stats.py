"""The summary of round trips: counts, sums, ratios and averages, overall and per symbol."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import T0, D, at
from tradeloop.core.trade_stats import summarize, summarize_by_symbol
from tradeloop.core.trades import RoundTrip, TradeSide


def trip(pl: str, *, symbol: str = "AAPL", held_s: float = 60, fees: str = "0") -> RoundTrip:
    """A round trip of one share bought for $100 and sold for 100 + pl + fees, held `held_s` seconds."""
    return RoundTrip(
        id=uuid4(), symbol=symbol, side=TradeSide.LONG, qty=D(1), entry_order_id=uuid4(), exit_order_id=uuid4(),
        entry_at=T0, exit_at=at(held_s), cost=D(100), proceeds=D(100) + D(pl) + D(fees), fees=D(fees), strategy_id=None,
    )  # fmt: skip


def test_the_figures_of_a_few_trips_by_hand() -> None:
    stats = summarize([trip("150", held_s=120), trip("75", fees="1"), trip("-30"), trip("0"), trip("-10.01", held_s=0)])
    assert (stats.trades, stats.winners, stats.losers, stats.win_rate) == (5, 2, 2, D("0.4"))
    assert (stats.gross_profit, stats.gross_loss, stats.realized_pl, stats.fees) == (
        D(225),
        D("-40.01"),
        D("184.99"),
        D(1),
    )
    assert stats.profit_factor == D(225) / D("40.01")
    assert stats.expectancy == D("37.00")  # 184.99 / 5 = 36.998
    assert (stats.avg_win, stats.avg_loss) == (D("112.50"), D("-20.01"))  # -40.01 / 2 = -20.005, half away from zero
    assert (stats.best, stats.worst) == (D(150), D(-30))
    assert stats.avg_holding == timedelta(seconds=60)  # (120 + 60 + 60 + 60 + 0) / 5


def test_nothing_to_summarize_leaves_the_averages_and_ratios_undefined() -> None:
    stats = summarize([])
    assert (stats.trades, stats.gross_profit, stats.gross_loss, stats.realized_pl) == (0, D(0), D(0), D(0))
    assert stats.win_rate is stats.profit_factor is stats.expectancy is stats.avg_win is stats.avg_loss is None
    assert stats.best is stats.worst is stats.avg_holding is None


def test_without_a_losing_trip_the_profit_factor_is_undefined_and_without_a_winner_it_is_zero() -> None:
    assert summarize([trip("5")]).profit_factor is None and summarize([trip("5")]).avg_loss is None
    assert summarize([trip("-5")]).profit_factor == 0 and summarize([trip("-5")]).avg_win is None


def test_per_symbol_figures_in_alphabetical_order() -> None:
    found = summarize_by_symbol([trip("5", symbol="MSFT"), trip("-1"), trip("2", symbol="MSFT")])
    assert list(found) == ["AAPL", "MSFT"]
    assert (found["AAPL"].trades, found["AAPL"].realized_pl) == (1, D(-1))
    assert (found["MSFT"].trades, found["MSFT"].realized_pl, found["MSFT"].win_rate) == (2, D(7), 1)


results = st.lists(st.decimals(min_value=Decimal(-500), max_value=Decimal(500), places=2), max_size=30)


@given(results)
def test_sums_add_up_and_the_win_rate_counts_winners_over_trades(pls: list[Decimal]) -> None:
    trips = [trip(str(pl)) for pl in pls]
    stats = summarize(trips)
    assert stats.gross_profit + stats.gross_loss == stats.realized_pl == sum(pls, D(0))
    assert stats.winners + stats.losers + pls.count(D(0)) == stats.trades == len(pls)
    assert stats.win_rate == (D(sum(1 for pl in pls if pl > 0)) / len(pls) if pls else None)
    if pls:
        assert stats.best == max(pls) and stats.worst == min(pls)
        assert stats.expectancy is not None and abs(stats.expectancy - stats.realized_pl / len(pls)) <= D("0.005")
