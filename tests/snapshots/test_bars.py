"""The bar store: exact round trips, batched writes by one task, newest bars, ranged reads."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from tradeloop.core.bars import Bar
from tradeloop.snapshots.bars import BarStore, bar_row, insert_rows, is_empty, row_bar

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)


def bar(minute: int, symbol: str = "AAPL", close: str = "100.25") -> Bar:
    return Bar(
        symbol=symbol,
        timestamp=T0 + timedelta(minutes=minute),
        open=Decimal("100.00"),
        high=Decimal("101.123456789012345678"),
        low=Decimal("99.0001"),
        close=Decimal(close),
        volume=Decimal("1234.000000001"),
        trade_count=7,
        notional=Decimal("123456.789012345678901234"),
    )


def test_rows_round_trip_exactly() -> None:
    original = bar(3)
    restored = row_bar(bar_row(original))
    assert restored == original
    assert str(restored.high) == "101.123456789012345678" and str(restored.notional) == str(original.notional)


def test_bulk_insert_fills_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "marketdata.db"
    assert is_empty(path)
    written = insert_rows(path, [[bar_row(bar(m)) for m in range(3)], [bar_row(bar(0, "KO"))]])
    assert written == 4 and not is_empty(path)


async def test_queued_bars_are_committed_and_read_back_in_order(tmp_path: Path) -> None:
    store = BarStore(tmp_path / "marketdata.db", batch_delay_s=0.01)
    await store.open()
    try:
        for minute in range(10):
            store.add(bar(minute))
        store.add(bar(0, "KO"))
        store.add(bar(9, close="100.30"))  # a later version of a minute replaces the earlier one
        await store.flush()
        window = (T0 + timedelta(minutes=2), T0 + timedelta(minutes=6))
        with contextlib.closing(store.read("AAPL", *window, descending=False)) as rows:
            ascending = list(rows)
        assert [b.timestamp.minute for b in ascending] == [2, 3, 4, 5] and ascending[0] == bar(2)
        with contextlib.closing(store.read("AAPL", T0, T0 + timedelta(hours=1), descending=True)) as rows:
            newest = next(rows)
        assert newest == bar(9, close="100.30")
        assert await store.last_bars(["AAPL", "KO", "MSFT"]) == {"AAPL": newest, "KO": bar(0, "KO")}
        store.add(bar(10))
    finally:
        await store.close()  # commits what is still queued
    db = sqlite3.connect(tmp_path / "marketdata.db")
    try:
        assert db.execute("SELECT COUNT(*) FROM bars").fetchone() == (12,)
    finally:
        db.close()
