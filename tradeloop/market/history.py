"""Market history: recent trades and quotes per symbol, and one-minute bars built from the trades.

`MarketHistory.record` listens to every tick the engine ingests. Trades and
quotes go into bounded per-symbol deques. Trades also build the bar of the
minute in progress, kept in memory; when a trade of a later minute arrives,
that bar is complete and goes to the archive (the bar store) and to a short
in-memory tail that covers what the archive has not committed yet. Queries
merge the archive with the tail and the minute in progress, and aggregate
coarser timeframes from the minutes on the way.

Bar listeners (strategies) are told of each minute once, as soon as it is
complete: when a trade of a later minute arrives, when the clock is a moment
past the minute's end (`complete_due`, so a quiet symbol's bar is not late), or
at once for a bar posted whole (`complete_minute`). A late trade still lands in
its minute (stored again), but the minute is not told twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from itertools import islice
from typing import Final, Protocol, TypeVar

from tradeloop.core.bars import MINUTE, Bar, TimeFrame, add_trade, aggregate, bar_from_trade, minute_start
from tradeloop.core.marketdata import Quote, Tick, Trade

DEFAULT_MAX_TICKS: Final = 1_000
DEFAULT_RECENT_BARS: Final = 1_440
"""Completed minutes kept in memory without an archive: one day."""
ARCHIVED_RECENT_BARS: Final = 60
"""Completed minutes kept in memory beside an archive: enough to cover its commit delay."""
EARLIEST: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST: Final = datetime(9998, 1, 1, tzinfo=timezone.utc)
"""The last moment a query reaches: a year short of the calendar's end, so the bucket after it (12Month) still exists."""
COMPLETION_DELAY_S: Final = 2.0
"""How long after a minute ends `complete_due` waits for late trades before it tells the minute anyway."""
_ONE_MINUTE: Final = timedelta(minutes=1)

BarListener = Callable[[Bar], None]
"""Told of each completed one-minute bar, once; must not block."""

TickT = TypeVar("TickT", Trade, Quote)
Entry = tuple[int, TickT]
"""A recorded tick with its sequence number, which orders ticks and serves as a page cursor."""


class BarArchive(Protocol):
    """Where completed one-minute bars are kept for good."""

    def add(self, bar: Bar) -> None:
        """Queue a completed bar for storage; must not block."""
        ...

    def read(self, symbol: str, start: datetime, end: datetime, *, descending: bool) -> Generator[Bar, None, None]:
        """Stored bars with start <= timestamp < end in time order; blocking, so run in a worker thread."""
        ...

    async def flush(self) -> None:
        """Wait until every bar added so far is stored."""
        ...


class MarketHistory:
    """Recent ticks and bars of every symbol; fed by the engine's tick listeners."""

    def __init__(
        self,
        *,
        max_ticks: int = DEFAULT_MAX_TICKS,
        recent_bars: int | None = None,
        archive: BarArchive | None = None,
    ) -> None:
        """Keep up to max_ticks trades and as many quotes per symbol.

        Raises:
            ValueError: if max_ticks or recent_bars is not positive.
        """
        if recent_bars is None:
            recent_bars = DEFAULT_RECENT_BARS if archive is None else ARCHIVED_RECENT_BARS
        if max_ticks < 1 or recent_bars < 1:
            raise ValueError("max_ticks and recent_bars must be positive")
        self.archive = archive
        self._max_ticks = max_ticks
        self._recent_bars = recent_bars
        self._seq = 0
        self._trades: dict[str, deque[Entry[Trade]]] = {}
        self._quotes: dict[str, deque[Entry[Quote]]] = {}
        self._current: dict[str, Bar] = {}
        self._recent: dict[str, deque[Bar]] = {}
        self._told: dict[str, datetime] = {}
        """Each symbol's newest minute told to the bar listeners."""
        self._listeners: list[BarListener] = []
        self._posting: set[str] = set()
        """Symbols whose whole bar is being traded through the markets: their minute completes only as that bar."""
        self._posting_turn: asyncio.Lock | None = None

    # -- recording -------------------------------------------------------------

    def record(self, tick: Tick) -> None:
        """Remember a tick; a trade also extends the bar of its minute (a tick listener)."""
        self._seq += 1
        symbol = tick.symbol
        if isinstance(tick, Quote):
            quotes = self._quotes.get(symbol)
            if quotes is None:
                quotes = self._quotes[symbol] = deque(maxlen=self._max_ticks)
            quotes.append((self._seq, tick))
            return
        trades = self._trades.get(symbol)
        if trades is None:
            trades = self._trades[symbol] = deque(maxlen=self._max_ticks)
        trades.append((self._seq, tick))
        current = self._current.get(symbol)
        if current is None:
            recent = self._recent.get(symbol)
            if recent and recent[-1].timestamp >= minute_start(tick.timestamp):
                # a trade in (or before) a minute posted whole: it continues that minute, stored again when complete
                self._current[symbol] = add_trade(recent[-1], tick)
            else:
                self._current[symbol] = bar_from_trade(tick)
        elif minute_start(tick.timestamp) > current.timestamp:
            self._complete(current)
            self._current[symbol] = bar_from_trade(tick)
        else:  # the same minute, or a late trade: counted in the minute in progress, so no volume is lost
            self._current[symbol] = add_trade(current, tick)

    def resume(self, bars: Iterable[Bar]) -> None:
        """Continue each symbol's last stored minute, so trades later in that minute add to it."""
        for bar in bars:
            self._current.setdefault(bar.symbol, bar)

    def close(self) -> None:
        """Hand every minute in progress to the archive, before it closes."""
        if self.archive is not None:
            for bar in self._current.values():
                self.archive.add(bar)

    def listen(self, listener: BarListener) -> Callable[[], None]:
        """Tell `listener` of each minute as it completes, from now on; returns what stops telling it."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    def complete_due(self, now: datetime, *, delay_s: float = COMPLETION_DELAY_S) -> None:
        """Tell (and store) each minute in progress that ended `delay_s` ago or more: its symbol has gone quiet."""
        due = now - _ONE_MINUTE - timedelta(seconds=delay_s)
        for bar in list(self._current.values()):
            if bar.symbol in self._posting:
                continue  # the bar being posted completes this minute, whatever the clock says meanwhile
            if bar.timestamp <= due and self._told.get(bar.symbol, EARLIEST) < bar.timestamp:
                if self.archive is not None:
                    self.archive.add(bar)
                self._tell(bar)

    def posting_refusal(self, symbol: str, timestamp: datetime) -> str | None:
        """Why a whole bar for that minute cannot be posted now (None: it can): only the newest minute or a later one."""
        newest = self._current.get(symbol)
        recent = self._recent.get(symbol)
        told = self._told.get(symbol)
        moments = [bar.timestamp for bar in (newest, recent[-1] if recent else None) if bar is not None]
        floor = max(moments, default=None)
        if floor is not None and timestamp < floor:
            return f"must not be before {symbol}'s newest minute ({floor.isoformat()})"
        if told is not None and timestamp <= told:
            return f"must be after {symbol}'s newest completed minute ({told.isoformat()})"
        return None

    @contextlib.asynccontextmanager
    async def posting(self, symbol: str) -> AsyncIterator[None]:
        """Post whole bars one at a time, and keep `symbol`'s minute in progress from completing by the clock meanwhile.

        A posted bar's own trades build its minute while they go through the markets; without this, a past minute
        could complete on its own between `posting_refusal` and `complete_minute`, which would then refuse it.
        """
        if self._posting_turn is None:
            self._posting_turn = asyncio.Lock()
        async with self._posting_turn:
            self._posting.add(symbol)
            try:
                yield
            finally:
                self._posting.discard(symbol)

    def complete_minute(self, bar: Bar) -> None:
        """Take a whole one-minute bar as its minute, complete at once (replacing what its trades built).

        Raises:
            ValueError: `posting_refusal` names a reason.
        """
        reason = self.posting_refusal(bar.symbol, bar.timestamp)
        if reason is not None:
            raise ValueError(reason)
        current = self._current.pop(bar.symbol, None)
        if current is not None and current.timestamp < bar.timestamp:
            self._complete(current)
        self._complete(bar)

    async def flush(self) -> None:
        """Wait until every minute handed to the archive so far is stored (at once without an archive)."""
        if self.archive is not None:
            await self.archive.flush()

    def _complete(self, bar: Bar) -> None:
        recent = self._recent.get(bar.symbol)
        if recent is None:
            recent = self._recent[bar.symbol] = deque(maxlen=self._recent_bars)
        if recent and recent[-1].timestamp == bar.timestamp:
            recent[-1] = bar  # the minute continued after a posted bar, or after a late trade
        else:
            recent.append(bar)
        if self.archive is not None:
            self.archive.add(bar)
        self._tell(bar)

    def _tell(self, bar: Bar) -> None:
        if self._told.get(bar.symbol, EARLIEST) >= bar.timestamp:
            return
        self._told[bar.symbol] = bar.timestamp
        for listener in self._listeners:
            listener(bar)

    # -- bars ------------------------------------------------------------------

    def minute_in_progress(self, symbol: str) -> Bar | None:
        """The bar of the newest minute that has trades, still open to more."""
        return self._current.get(symbol)

    async def latest_bar(self, symbol: str) -> Bar | None:
        """The newest one-minute bar: the minute in progress, else the newest on record."""
        current = self._current.get(symbol)
        if current is not None:
            return current
        found, _ = await self.bars(symbol, MINUTE, start=EARLIEST, end=LATEST, limit=1, descending=True)
        return found[0] if found else None

    async def bars(
        self,
        symbol: str,
        timeframe: TimeFrame,
        *,
        start: datetime,
        end: datetime,
        after: datetime | None = None,
        limit: int,
        descending: bool = False,
        check_more: bool = True,
    ) -> tuple[list[Bar], bool]:
        """Up to `limit` bars whose start lies in [start, end], after the cursor, and whether more follow.

        A bar covers its whole interval even where that reaches past `end`.
        `after` is the start of the last bar of the previous page. Without
        check_more, the flag is always False (and the query stops sooner).
        """
        window = _window(timeframe, start, end, after, descending)
        if window is None or limit < 1:
            return [], False
        low, high = window
        recent = [bar for bar in self._memory_bars(symbol) if low <= bar.timestamp < high]
        if descending:
            recent.reverse()
        archive = self.archive
        if archive is None:
            return _collect(iter(recent), timeframe, limit, check_more)
        return await asyncio.get_running_loop().run_in_executor(
            None, _read_archive, archive, symbol, low, high, recent, timeframe, limit, descending, check_more
        )

    async def recent_bars(self, symbol: str, timeframe: TimeFrame, before: datetime, count: int) -> list[Bar]:
        """Up to `count` bars of the timeframe that end at or before `before`, oldest first (warming strategies up)."""
        if count < 1:
            return []
        found, _ = await self.bars(
            symbol, timeframe, start=EARLIEST, end=before, limit=count + 1, descending=True, check_more=False
        )
        done = [bar for bar in found if timeframe.next_start(bar.timestamp) <= before][:count]
        done.reverse()
        return done

    def _memory_bars(self, symbol: str) -> list[Bar]:
        """Completed minutes still in memory, then the minute in progress, oldest first."""
        bars = list(self._recent.get(symbol, ()))
        current = self._current.get(symbol)
        if current is not None:
            if bars and bars[-1].timestamp >= current.timestamp:
                bars = [bar for bar in bars if bar.timestamp < current.timestamp]
            bars.append(current)
        return bars

    # -- ticks -----------------------------------------------------------------

    def trades(
        self, symbol: str, *, start: datetime, end: datetime, after: int | None, limit: int, descending: bool
    ) -> tuple[list[Entry[Trade]], bool]:
        """Up to `limit` recorded trades with start <= timestamp <= end, after the cursor, and whether more follow."""
        return _select_ticks(list(self._trades.get(symbol, ())), start, end, after, limit, descending)

    def quotes(
        self, symbol: str, *, start: datetime, end: datetime, after: int | None, limit: int, descending: bool
    ) -> tuple[list[Entry[Quote]], bool]:
        """Up to `limit` recorded quotes with start <= timestamp <= end, after the cursor, and whether more follow."""
        return _select_ticks(list(self._quotes.get(symbol, ())), start, end, after, limit, descending)


def _window(
    timeframe: TimeFrame, start: datetime, end: datetime, after: datetime | None, descending: bool
) -> tuple[datetime, datetime] | None:
    """The minutes [low, high) that make up the buckets starting in [start, end], past the cursor."""
    low = timeframe.bucket_start(start)
    if low < start:
        low = timeframe.next_start(low)
    high = timeframe.next_start(timeframe.bucket_start(end))
    if after is not None:
        if descending:
            high = min(high, timeframe.bucket_start(after))
        else:
            low = max(low, timeframe.next_start(timeframe.bucket_start(after)))
    return (low, high) if low < high else None


def _collect(minutes: Iterator[Bar], timeframe: TimeFrame, limit: int, check_more: bool) -> tuple[list[Bar], bool]:
    source = minutes if timeframe.is_minute else aggregate(minutes, timeframe)
    found = list(islice(source, limit + 1 if check_more else limit))
    return found[:limit], len(found) > limit


def _read_archive(
    archive: BarArchive,
    symbol: str,
    low: datetime,
    high: datetime,
    recent: list[Bar],
    timeframe: TimeFrame,
    limit: int,
    descending: bool,
    check_more: bool,
) -> tuple[list[Bar], bool]:
    """Merge stored minutes with those in memory (memory wins) and collect a page; runs in a worker thread."""
    with contextlib.closing(archive.read(symbol, low, high, descending=descending)) as stored:
        if not recent:
            return _collect(stored, timeframe, limit, check_more)
        fresh = {bar.timestamp for bar in recent}
        older = (bar for bar in stored if bar.timestamp not in fresh)
        merged = heapq.merge(older, recent, key=_timestamp, reverse=descending)
        return _collect(merged, timeframe, limit, check_more)


def _timestamp(bar: Bar) -> datetime:
    return bar.timestamp


def _select_ticks(
    entries: list[Entry[TickT]], start: datetime, end: datetime, after: int | None, limit: int, descending: bool
) -> tuple[list[Entry[TickT]], bool]:
    if descending:
        entries.reverse()
    found: list[Entry[TickT]] = []
    for seq, tick in entries:
        if after is not None and (seq >= after if descending else seq <= after):
            continue
        if start <= tick.timestamp <= end:
            found.append((seq, tick))
            if len(found) > limit:
                break
    return found[:limit], len(found) > limit
