"""alpaca-py's StockHistoricalDataClient reads backfilled and live history from a real simulated-market server.

The server backfills three days (TRADELOOP_BACKFILL_DAYS) rather than thirty
to start quickly. Ranges end at the start of the current UTC day, so the bars
compared are all backfilled and cannot change while the test runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Final
from urllib.parse import urlencode

import pytest
from alpaca.data.historical import StockHistoricalDataClient
from alpaca.data.models import Bar, BarSet, Quote, QuoteSet, Snapshot, Trade, TradeSet
from alpaca.data.requests import (
    StockBarsRequest,
    StockLatestBarRequest,
    StockQuotesRequest,
    StockSnapshotRequest,
    StockTradesRequest,
)
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

from tests.e2e.server import RunningServer, http_json, running_server
from tradeloop.core.instruments import UNIVERSE

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKHISTORYE2E00000001"
SECRET_KEY: Final = "history-e2e-secret-0123456789abcdefghijk"
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET_KEY}
ENV: Final = {
    "TRADELOOP_DEMO_KEY_ID": KEY_ID,
    "TRADELOOP_DEMO_SECRET_KEY": SECRET_KEY,
    "TRADELOOP_BACKFILL_DAYS": "3",
    "TRADELOOP_SIM_TICKS_PER_SEC": "20",
    "TRADELOOP_LOG_LEVEL": "WARNING",
}
ALL: Final = sorted(asset.symbol for asset in UNIVERSE)
FIVE: Final = ALL[:5]
MINUTES: Final = 2 * 1_440


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("history"), ENV, market="simulated") as server:
        yield server


@pytest.fixture(scope="module")
def data(server: RunningServer) -> StockHistoricalDataClient:
    return StockHistoricalDataClient(KEY_ID, SECRET_KEY, url_override=server.base_url)


def two_days() -> tuple[datetime, datetime]:
    """The two whole UTC days before today: backfilled, and no longer changing."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=2), today - timedelta(microseconds=1)


def bars_of(
    data: StockHistoricalDataClient, symbols: list[str], timeframe: TimeFrame, limit: int | None = None
) -> dict[str, list[Bar]]:
    start, end = two_days()
    request = StockBarsRequest(symbol_or_symbols=symbols, timeframe=timeframe, start=start, end=end, limit=limit)
    found = data.get_stock_bars(request)
    assert isinstance(found, BarSet)
    return found.data


def test_more_bars_than_a_page_arrive_over_several_pages(
    server: RunningServer, data: StockHistoricalDataClient
) -> None:
    start, end = two_days()
    query = {"symbols": ",".join(FIVE), "timeframe": "1Min", "start": start.isoformat(), "end": end.isoformat()}
    url = f"{server.base_url}/v2/stocks/bars?{urlencode({**query, 'limit': 10_000})}"
    status, first_page = http_json("GET", url, HEADERS)
    assert status == 200 and first_page["next_page_token"], "one page must not hold them all"

    everything = bars_of(data, FIVE, TimeFrame.Minute)
    assert list(everything) == FIVE and all(len(bars) == MINUTES for bars in everything.values())
    for bars in everything.values():
        stamps = [bar.timestamp for bar in bars]
        assert stamps[0] == start and all(b - a == timedelta(minutes=1) for a, b in zip(stamps, stamps[1:]))

    capped = bars_of(data, FIVE, TimeFrame.Minute, limit=12_000)  # 10,000 then 2,000
    assert sum(len(bars) for bars in capped.values()) == 12_000
    assert capped[FIVE[0]] == everything[FIVE[0]] and capped[FIVE[4]] == everything[FIVE[4]][: 12_000 - 4 * MINUTES]

    five_minutes = bars_of(data, ALL, TimeFrame(5, TimeFrameUnit.Minute))  # 25 × 576 = 14,400: two pages
    assert list(five_minutes) == ALL and all(len(bars) == MINUTES // 5 for bars in five_minutes.values())


def test_timeframes_agree_with_the_minutes(data: StockHistoricalDataClient) -> None:
    minutes = bars_of(data, FIVE, TimeFrame.Minute)
    for timeframe, size in ((TimeFrame(5, TimeFrameUnit.Minute), 5), (TimeFrame.Hour, 60), (TimeFrame.Day, 1_440)):
        coarse = bars_of(data, FIVE, timeframe)
        for symbol in FIVE:
            fine, bars = minutes[symbol], coarse[symbol]
            assert len(bars) == MINUTES // size
            for index, bar in enumerate(bars):
                inside = fine[index * size : (index + 1) * size]
                assert bar.timestamp == inside[0].timestamp
                assert (bar.open, bar.close) == (inside[0].open, inside[-1].close)
                assert bar.high == max(m.high for m in inside) and bar.low == min(m.low for m in inside)
                assert bar.volume == sum(m.volume for m in inside)
                assert bar.trade_count == sum(m.trade_count or 0 for m in inside)
                assert bar.vwap is not None and bar.low <= bar.vwap <= bar.high


def test_latest_bar_snapshot_trades_and_quotes(server: RunningServer, data: StockHistoricalDataClient) -> None:
    now = datetime.now(timezone.utc)
    latest = data.get_stock_latest_bar(StockLatestBarRequest(symbol_or_symbols=["AAPL", "KO"]))
    assert isinstance(latest, dict) and set(latest) == {"AAPL", "KO"}
    assert all(isinstance(bar, Bar) and now - bar.timestamp < timedelta(minutes=2) for bar in latest.values())

    snapshots = data.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols=["AAPL", "KO"]))
    assert isinstance(snapshots, dict) and set(snapshots) == {"AAPL", "KO"}
    for symbol, snapshot in snapshots.items():
        assert isinstance(snapshot, Snapshot) and snapshot.symbol == symbol
        assert snapshot.latest_trade is not None and snapshot.latest_quote is not None
        assert snapshot.minute_bar is not None and snapshot.daily_bar is not None
        assert snapshot.previous_daily_bar is not None
        assert snapshot.previous_daily_bar.timestamp + timedelta(days=1) == snapshot.daily_bar.timestamp
        assert snapshot.daily_bar.low <= snapshot.latest_trade.price <= snapshot.daily_bar.high

    start, end = now - timedelta(minutes=5), datetime.now(timezone.utc)
    trades = data.get_stock_trades(StockTradesRequest(symbol_or_symbols=["AAPL", "KO"], start=start, end=end))
    assert isinstance(trades, TradeSet) and set(trades.data) == {"AAPL", "KO"}
    for symbol, ticks in trades.data.items():
        assert ticks and all(isinstance(t, Trade) and t.symbol == symbol and t.price > 0 for t in ticks)
        assert [t.timestamp for t in ticks] == sorted(t.timestamp for t in ticks)
    quotes = data.get_stock_quotes(StockQuotesRequest(symbol_or_symbols="AAPL", limit=3, start=start, end=end))
    assert isinstance(quotes, QuoteSet) and len(quotes.data["AAPL"]) == 3
    assert all(isinstance(q, Quote) and q.bid_price <= q.ask_price for q in quotes.data["AAPL"])

    query = urlencode({"symbols": "AAPL", "limit": 2, "start": start.isoformat()})
    status, page = http_json("GET", f"{server.base_url}/v2/stocks/trades?{query}", HEADERS)
    assert status == 200 and len(page["trades"]["AAPL"]) == 2 and page["next_page_token"]
