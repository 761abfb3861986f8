"""One symbol's bars of one timeframe, built from its completed minutes as they come, for the strategies on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final, Generic, TypeVar

from tradeloop.core.bars import Bar, TimeFrame, combine

ONE_MINUTE: Final = timedelta(minutes=1)
R = TypeVar("R")


class Frame(Generic[R]):
    """Aggregates a symbol's minutes into the timeframe's buckets; holds the runs that act on each completed bucket.

    A bucket completes with its last minute, or, when that minute had no trade,
    with the first minute of a later bucket.
    """

    __slots__ = ("symbol", "timeframe", "runs", "_partial", "_end", "_is_minute")

    def __init__(self, symbol: str, timeframe: TimeFrame) -> None:
        self.symbol = symbol
        self.timeframe = timeframe
        self.runs: list[R] = []
        self._partial: Bar | None = None
        self._end: datetime | None = None
        self._is_minute = timeframe.is_minute

    def add(self, minute: Bar) -> list[Bar]:
        """Fold in a completed minute (in time order); the bars of the timeframe it completes, oldest first."""
        if self._is_minute:
            return [minute]
        done: list[Bar] = []
        partial, end = self._partial, self._end
        if partial is not None and end is not None and minute.timestamp >= end:
            done.append(partial)
            partial = None
        if partial is None:
            start = self.timeframe.bucket_start(minute.timestamp)
            end = self.timeframe.next_start(start)
            partial = replace(minute, timestamp=start)
        else:
            partial = combine((partial, minute), partial.timestamp)
        assert end is not None  # set with the partial bar
        if minute.timestamp + ONE_MINUTE >= end:
            done.append(partial)
            partial = None
        self._partial, self._end = partial, end
        return done

    def bucket_of(self, moment: datetime) -> datetime:
        """The start of the bucket holding `moment`."""
        return self.timeframe.bucket_start(moment)
