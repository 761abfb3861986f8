"""A run's one-minute bars, read in the worker: the span to trade, merged across symbols, and the bars before it.

The bars before the span warm the strategy's indicators up, as stored bars do for a
strategy activated live (the host asks `recent_bars`, the `BarSource` it is built with).
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from itertools import islice
from typing import Final

from tradeloop.backtest.spec import BarInput, StoredBars
from tradeloop.core.bars import Bar, TimeFrame, aggregate, epoch_seconds
from tradeloop.snapshots.bars import BarStore, row_bar

EARLIEST: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)


class RunBars:
    """The minutes a run reads, from the store's file or from rows handed over."""

    def __init__(self, source: BarInput, symbols: Sequence[str], start: datetime, end: datetime) -> None:
        self._source = source
        self._symbols = tuple(symbols)
        self._start = start
        self._end = end
        self._rows: dict[str, list[Bar]] = {}
        if not isinstance(source, StoredBars):
            for row in source:
                if row[0] in self._symbols:
                    self._rows.setdefault(row[0], []).append(row_bar(row))
            for bars in self._rows.values():
                bars.sort(key=lambda bar: bar.timestamp)

    def count(self) -> int:
        """How many minutes the span holds, all symbols together (progress is measured against it)."""
        if isinstance(self._source, StoredBars):
            db = sqlite3.connect(self._source.path)
            try:
                marks = ",".join("?" for _ in self._symbols)
                sql = f"SELECT COUNT(*) FROM bars WHERE symbol IN ({marks}) AND start_s >= ? AND start_s < ?"
                found = db.execute(sql, (*self._symbols, epoch_seconds(self._start), epoch_seconds(self._end)))
                return int(found.fetchone()[0])
            except sqlite3.OperationalError:  # no bars table yet: nothing stored
                return 0
            finally:
                db.close()
        return sum(1 for bar in self._all(ascending=True) if self._start <= bar.timestamp < self._end)

    def minutes(self) -> Iterator[Bar]:
        """The span's minutes in time order; minutes of the same start in the order the symbols were given."""
        order = {symbol: index for index, symbol in enumerate(self._symbols)}
        streams = [self._read(symbol, self._start, self._end, descending=False) for symbol in self._symbols]
        return heapq.merge(*streams, key=lambda bar: (bar.timestamp, order[bar.symbol]))

    async def recent_bars(self, symbol: str, timeframe: TimeFrame, before: datetime, count: int) -> list[Bar]:
        """Up to `count` completed bars of the timeframe ending at or before `before`, oldest first."""
        if count < 1:
            return []
        newest_first = self._read(symbol, EARLIEST, before, descending=True)
        try:
            found = list(islice(aggregate(newest_first, timeframe), count + 1))
        finally:
            close = getattr(newest_first, "close", None)
            if close is not None:
                close()
        done = [bar for bar in found if timeframe.next_start(bar.timestamp) <= before][:count]
        done.reverse()
        return done

    def _read(self, symbol: str, start: datetime, end: datetime, *, descending: bool) -> Iterator[Bar]:
        if isinstance(self._source, StoredBars):
            return BarStore(self._source.path).read(symbol, start, end, descending=descending)
        bars = [bar for bar in self._rows.get(symbol, ()) if start <= bar.timestamp < end]
        return reversed(bars) if descending else iter(bars)

    def _all(self, *, ascending: bool) -> Iterator[Bar]:
        for symbol in self._symbols:
            yield from self._rows.get(symbol, ())


__all__: Sequence[str] = ("RunBars",)
