"""The day's running bar of each symbol, for `d` messages: the minutes sent on the stream so far, combined.

Each one-minute bar the stream sends (on `bars`, or again on `updatedBars`)
folds into its symbol's bar for the day, which is then sent whole. Days are
the REST API's 1Day buckets (UTC days, the sessions of `tradeloop.core.sessions`),
and the bar keeps the exact notional, so a `d` bar equals the REST day bar up to
the newest minute sent. A late trade only ever changes the newest minute (the
market history counts it in the minute in progress), so the day keeps that
minute apart from the combination of the ones before it.

The first minute a symbol sends in a day may not be the day's first: the
server may have started, or the stream begun following, mid-day. The day's
earlier minutes are then read from the history in the background; until they
are in, that symbol's day bar is held back, and then sent once, complete.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from tradeloop.core.bars import MINUTE, Bar, TimeFrame, TimeFrameUnit, combine

log = logging.getLogger(__name__)

DAY: Final = TimeFrame(1, TimeFrameUnit.DAY)
MINUTES_PER_DAY: Final = 1440
_ONE_MINUTE: Final = timedelta(minutes=1)


class DaySource(Protocol):
    """Where the minutes a day had before the stream saw it are kept (the market history)."""

    async def bars(
        self, symbol: str, timeframe: TimeFrame, *, start: datetime, end: datetime, limit: int, check_more: bool = ...
    ) -> tuple[list[Bar], bool]: ...


@dataclass(slots=True)
class _Day:
    """One symbol's day so far: the newest minute sent, and the day's earlier minutes combined."""

    start: datetime
    earlier: Bar | None = None
    newest: Bar | None = None
    ready: bool = True
    """False while the minutes before the stream's first are being read."""

    def add(self, minute: Bar) -> bool:
        """Fold in a minute sent, or sent again changed; False for an older minute, which cannot be folded exactly."""
        newest = self.newest
        if newest is None or minute.timestamp > newest.timestamp:
            if newest is not None:
                self.earlier = newest if self.earlier is None else combine((self.earlier, newest), self.start)
            self.newest = minute
            return True
        if minute.timestamp == newest.timestamp:
            self.newest = minute
            return True
        return False

    def precede(self, minutes: list[Bar]) -> None:
        """Put minutes older than every minute folded in so far at the start of the day."""
        if self.earlier is not None:
            minutes = [*minutes, self.earlier]
        if minutes:
            self.earlier = combine(minutes, self.start)

    def bar(self) -> Bar | None:
        if self.newest is None:
            return None
        if self.earlier is None:
            return combine((self.newest,), self.start)
        return combine((self.earlier, self.newest), self.start)


class DailyBars:
    """Keeps each symbol's bar for the day and publishes it whenever a minute of the day is sent."""

    def __init__(self, source: DaySource | None, publish: Callable[[Bar], None]) -> None:
        """`publish(bar)` sends a day bar; without a source, a day starts at the first minute seen."""
        self._source = source
        self._publish = publish
        self._days: dict[str, _Day] = {}
        self._reading: set[asyncio.Task[None]] = set()

    def minute(self, bar: Bar) -> None:
        """Fold a one-minute bar just sent into its day, and publish the day's bar (or hold it while it is read)."""
        start = DAY.bucket_start(bar.timestamp)
        day = self._days.get(bar.symbol)
        if day is None or day.start < start:
            day = self._days[bar.symbol] = _Day(start=start)
            if self._source is not None and bar.timestamp > start:
                day.ready = False
                self._read_earlier(bar.symbol, day, bar.timestamp)
        elif day.start > start:
            return  # a minute of a day already over
        if day.add(bar) and day.ready:
            self._send(day)

    def _read_earlier(self, symbol: str, day: _Day, first: datetime) -> None:
        task = asyncio.get_running_loop().create_task(
            self._earlier(symbol, day, first), name=f"stream-day-bar-{symbol}"
        )
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    async def _earlier(self, symbol: str, day: _Day, first: datetime) -> None:
        """Read the day's minutes before `first`, put them in, and send the day's bar."""
        assert self._source is not None
        try:
            minutes, _ = await self._source.bars(
                symbol, MINUTE, start=day.start, end=first - _ONE_MINUTE, limit=MINUTES_PER_DAY, check_more=False
            )
        except Exception:
            log.exception("the earlier minutes of %s's day were not read; its day bar starts at %s", symbol, first)
            minutes = []
        day.precede([minute for minute in minutes if day.start <= minute.timestamp < first])
        day.ready = True
        if self._days.get(symbol) is day:
            self._send(day)

    def _send(self, day: _Day) -> None:
        bar = day.bar()
        if bar is not None:
            self._publish(bar)

    async def close(self) -> None:
        """Stop reading earlier minutes."""
        for task in list(self._reading):
            task.cancel()
        await asyncio.gather(*self._reading, return_exceptions=True)
        self._reading.clear()
