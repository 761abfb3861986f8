"""Backfill: deterministic for a seed, sane bars, only into an empty store, at full size too."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from tradeloop.bar_history import backfill, history_lifetime
from tradeloop.core.bars import epoch_seconds, parse_timeframe
from tradeloop.core.instruments import ASSETS_BY_SYMBOL, UNIVERSE
from tradeloop.core.money import price_tick
from tradeloop.market.backfill import MINUTES_PER_DAY, Backfill, minute_rows
from tradeloop.market.history import EARLIEST, LATEST, MarketHistory
from tradeloop.snapshots.bars import BarStore, row_bar
from tradeloop.snapshots.recovery import CorruptData

END = datetime(2024, 3, 4, 15, 0, 42, tzinfo=timezone.utc)
SMALL = tuple(ASSETS_BY_SYMBOL[symbol] for symbol in ("AAPL", "KO", "INTC"))


def digest(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT * FROM bars ORDER BY symbol, start_s").fetchall()
    finally:
        db.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_rows_are_sane_continuous_and_on_tick() -> None:
    first_s = epoch_seconds(datetime(2024, 3, 1, tzinfo=timezone.utc))
    bars = [row_bar(row) for row in minute_rows("AAPL", Decimal("189.50"), 42, first_s, 3 * MINUTES_PER_DAY)]
    assert len(bars) == 3 * MINUTES_PER_DAY and bars[0].open == Decimal("189.50")
    for before, after in zip(bars, bars[1:]):
        assert after.open == before.close
        assert after.timestamp - before.timestamp == timedelta(minutes=1)
    for bar in bars:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.low <= bar.notional / bar.volume <= bar.high and bar.trade_count > 0
        for price in (bar.open, bar.high, bar.low, bar.close):
            assert price == price.quantize(price_tick(price))


def test_the_same_seed_gives_the_same_bars(tmp_path: Path) -> None:
    plan = Backfill(assets=SMALL, seed=7, days=2, end=END)
    assert backfill(tmp_path / "a.db", plan) == backfill(tmp_path / "b.db", plan) == 3 * 2 * MINUTES_PER_DAY
    assert digest(tmp_path / "a.db") == digest(tmp_path / "b.db")
    backfill(tmp_path / "c.db", Backfill(assets=SMALL, seed=8, days=2, end=END))
    assert digest(tmp_path / "c.db") != digest(tmp_path / "a.db")


def test_only_an_empty_store_is_filled(tmp_path: Path) -> None:
    path = tmp_path / "marketdata.db"
    assert backfill(path, Backfill(assets=SMALL, seed=1, days=1, end=END)) == 3 * MINUTES_PER_DAY
    assert backfill(path, Backfill(assets=SMALL, seed=1, days=5, end=END + timedelta(days=3))) == 0
    assert backfill(tmp_path / "none.db", Backfill(assets=SMALL, seed=1, days=0, end=END)) == 0


async def test_start_up_backfills_and_resumes_from_the_last_close(tmp_path: Path) -> None:
    store = BarStore(tmp_path / "marketdata.db")
    history = MarketHistory(archive=store)
    resumed: dict[str, Decimal] = {}
    plan = Backfill(assets=SMALL, seed=3, days=1, end=END)
    lifetime = history_lifetime(store, history, symbols=["AAPL", "KO"], plan=plan, resume=resumed.update)
    async with contextlib.asynccontextmanager(lifetime)(object()):
        latest = await history.latest_bar("AAPL")
        assert latest is not None and latest.timestamp == datetime(2024, 3, 4, 14, 59, tzinfo=timezone.utc)
        assert set(resumed) == {"AAPL", "KO"} and resumed["AAPL"] == latest.close
        bars, _ = await history.bars("KO", parse_timeframe("1Hour"), start=EARLIEST, end=LATEST, limit=10)
        assert [bar.timestamp.hour for bar in bars][:2] == [15, 16] and sum(bar.volume for bar in bars) > 0
    assert history.archive is store


def test_the_default_backfill_completes(tmp_path: Path) -> None:
    """Thirty days of every built-in symbol: about 1.1 million bars; the time is printed, not asserted."""
    plan = Backfill(assets=UNIVERSE, seed=42, days=30, end=END)
    started = time.perf_counter()
    written = backfill(tmp_path / "marketdata.db", plan)
    elapsed_s = time.perf_counter() - started
    assert written == len(UNIVERSE) * 30 * MINUTES_PER_DAY
    print(f"backfilled {written} bars in {elapsed_s:.1f} s ({written / elapsed_s:,.0f} bars/s)")


async def test_a_damaged_bar_database_stops_start_up_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "marketdata.db"
    path.write_bytes(b"this is not a database" * 100)
    store = BarStore(path)
    lifetime = history_lifetime(store, MarketHistory(archive=store), symbols=["AAPL"], plan=None)
    with pytest.raises(CorruptData, match="marketdata.db"):
        async with contextlib.asynccontextmanager(lifetime)(object()):
            pass
