"""Bars: one-minute bars built from trades, and coarser timeframes aggregated from them.

A bar keeps the exact notional (sum of price × size) beside its volume, so a
volume-weighted average survives any number of aggregations without rounding;
only the vwap shown to clients is rounded, and never outside [low, high].
Buckets are aligned to UTC: minutes and hours on the epoch, days at 00:00 UTC
(the simulated market's session boundary), weeks on Mondays, months on the 1st.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Final

from tradeloop.core.marketdata import Quote, Tick, Trade
from tradeloop.core.money import ZERO

VWAP_STEP: Final = Decimal("0.000001")
"""The vwap sent to clients is rounded to this, then kept within the bar's range."""
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MONDAY: Final = datetime(1970, 1, 5, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bar:
    """Open, high, low, close, volume and trade count of the trades in one interval."""

    symbol: str
    timestamp: datetime
    """Start of the interval, UTC."""
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    trade_count: int
    notional: Decimal
    """Sum of price × size over the interval's trades: the exact numerator of the vwap."""

    @property
    def vwap(self) -> Decimal:
        """Volume-weighted average price, rounded to VWAP_STEP; the close when nothing was sized."""
        if self.volume <= ZERO:
            return self.close
        with localcontext() as context:
            context.prec = 60
            average = (self.notional / self.volume).quantize(VWAP_STEP)
        return min(max(average, self.low), self.high).normalize()


BarRow = tuple[str, int, str, str, str, str, str, int, str]
"""A bar as plain fields, the form it is generated and stored in: symbol, start in epoch seconds,
open, high, low, close, volume, trade count, notional."""


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch (floored), the stored form of a bar's start."""
    return (moment - _EPOCH) // timedelta(seconds=1)


def minute_start(moment: datetime) -> datetime:
    """The start of the UTC minute holding `moment`."""
    return moment.astimezone(timezone.utc).replace(second=0, microsecond=0)


def bar_from_trade(trade: Trade) -> Bar:
    """A one-minute bar holding a single trade; a size of None (unlimited) counts as no volume."""
    size = trade.size if trade.size is not None else ZERO
    return Bar(
        symbol=trade.symbol,
        timestamp=minute_start(trade.timestamp),
        open=trade.price,
        high=trade.price,
        low=trade.price,
        close=trade.price,
        volume=size,
        trade_count=1,
        notional=trade.price * size,
    )


def add_trade(bar: Bar, trade: Trade) -> Bar:
    """The bar with one more trade, which comes after every trade already in it."""
    size = trade.size if trade.size is not None else ZERO
    return Bar(
        symbol=bar.symbol,
        timestamp=bar.timestamp,
        open=bar.open,
        high=max(bar.high, trade.price),
        low=min(bar.low, trade.price),
        close=trade.price,
        volume=bar.volume + size,
        trade_count=bar.trade_count + 1,
        notional=bar.notional + trade.price * size,
    )


BAR_TICK_OFFSETS: Final = (timedelta(0), timedelta(seconds=15), timedelta(seconds=30), timedelta(seconds=45))
"""When, within its minute, each of a bar's four prices trades in `bar_ticks`."""


def bar_ticks(bar: Bar) -> list[Tick]:
    """The quotes and trades a completed bar stands for, in time order: its open, the extreme nearer the
    open, the other extreme, its close.

    Each price comes as a quote (bid = ask = price) then a trade, both of unlimited size,
    so resting orders trigger and fill as the price passes through the bar's range. A
    tie between the extremes goes to the high first. Posted bars and backtests feed these.
    """
    high_first = bar.high - bar.open <= bar.open - bar.low
    prices = (bar.open, *((bar.high, bar.low) if high_first else (bar.low, bar.high)), bar.close)
    ticks: list[Tick] = []
    for price, offset in zip(prices, BAR_TICK_OFFSETS):
        moment = bar.timestamp + offset
        ticks.append(Quote(symbol=bar.symbol, bid=price, ask=price, bid_size=None, ask_size=None, timestamp=moment))
        ticks.append(Trade(symbol=bar.symbol, price=price, size=None, timestamp=moment))
    return ticks


def combine(bars: Sequence[Bar], timestamp: datetime) -> Bar:
    """One bar stamped `timestamp` from bars given in time order.

    Raises:
        ValueError: if bars is empty.
    """
    if not bars:
        raise ValueError("cannot combine no bars")
    first, last = bars[0], bars[-1]
    return Bar(
        symbol=first.symbol,
        timestamp=timestamp,
        open=first.open,
        high=max(bar.high for bar in bars),
        low=min(bar.low for bar in bars),
        close=last.close,
        volume=sum((bar.volume for bar in bars), ZERO),
        trade_count=sum(bar.trade_count for bar in bars),
        notional=sum((bar.notional for bar in bars), ZERO),
    )


class TimeFrameUnit(StrEnum):
    """Units of a timeframe, spelled as Alpaca spells them."""

    MINUTE = "Min"
    HOUR = "Hour"
    DAY = "Day"
    WEEK = "Week"
    MONTH = "Month"


_MAX_AMOUNT: Final = {
    TimeFrameUnit.MINUTE: 59,
    TimeFrameUnit.HOUR: 23,
    TimeFrameUnit.DAY: 1,
    TimeFrameUnit.WEEK: 1,
    TimeFrameUnit.MONTH: 12,
}
_MONTH_AMOUNTS: Final = (1, 2, 3, 4, 6, 12)
_UNIT_NAMES: Final = {
    "Min": TimeFrameUnit.MINUTE,
    "T": TimeFrameUnit.MINUTE,
    "Hour": TimeFrameUnit.HOUR,
    "H": TimeFrameUnit.HOUR,
    "Day": TimeFrameUnit.DAY,
    "D": TimeFrameUnit.DAY,
    "Week": TimeFrameUnit.WEEK,
    "W": TimeFrameUnit.WEEK,
    "Month": TimeFrameUnit.MONTH,
    "M": TimeFrameUnit.MONTH,
}
_TIMEFRAME: Final = re.compile(r"^(\d{1,2})([A-Za-z]+)$")


@dataclass(frozen=True, slots=True)
class TimeFrame:
    """A bar interval: an amount of a unit, within the bounds Alpaca accepts."""

    amount: int
    unit: TimeFrameUnit

    def __post_init__(self) -> None:
        """Raises: ValueError for an amount the unit does not allow."""
        if not 1 <= self.amount <= _MAX_AMOUNT[self.unit]:
            raise ValueError(f"{self.unit.value} takes an amount from 1 to {_MAX_AMOUNT[self.unit]}")
        if self.unit is TimeFrameUnit.MONTH and self.amount not in _MONTH_AMOUNTS:
            raise ValueError(f"Month takes an amount of {', '.join(map(str, _MONTH_AMOUNTS))}")

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"

    @property
    def is_minute(self) -> bool:
        """True for the one-minute timeframe that bars are stored in."""
        return self.amount == 1 and self.unit is TimeFrameUnit.MINUTE

    def bucket_start(self, moment: datetime) -> datetime:
        """The start of the bucket holding `moment`."""
        moment = moment.astimezone(timezone.utc)
        unit = self.unit
        if unit is TimeFrameUnit.MINUTE or unit is TimeFrameUnit.HOUR:
            size_s = self.amount * (60 if unit is TimeFrameUnit.MINUTE else 3600)
            elapsed_s = (moment - _EPOCH) // timedelta(seconds=1)
            return _EPOCH + timedelta(seconds=elapsed_s - elapsed_s % size_s)
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit is TimeFrameUnit.DAY:
            return day
        if unit is TimeFrameUnit.WEEK:
            return day - timedelta(days=(day - _MONDAY).days % 7)
        month = (day.month - 1) // self.amount * self.amount + 1
        return day.replace(month=month, day=1)

    def next_start(self, start: datetime) -> datetime:
        """The start of the bucket after the one starting at `start`."""
        unit = self.unit
        if unit is TimeFrameUnit.MINUTE:
            return start + timedelta(minutes=self.amount)
        if unit is TimeFrameUnit.HOUR:
            return start + timedelta(hours=self.amount)
        if unit is TimeFrameUnit.DAY:
            return start + timedelta(days=1)
        if unit is TimeFrameUnit.WEEK:
            return start + timedelta(weeks=1)
        months = start.month - 1 + self.amount
        return start.replace(year=start.year + months // 12, month=months % 12 + 1)


MINUTE: Final = TimeFrame(1, TimeFrameUnit.MINUTE)


def parse_timeframe(text: str) -> TimeFrame:
    """Read Alpaca's timeframe notation: 1-59Min (or T), 1-23Hour (or H), 1Day, 1Week, 1-12Month.

    Raises:
        ValueError: not a timeframe, or an amount the unit does not allow.
    """
    found = _TIMEFRAME.match(text.strip())
    unit = None
    if found is not None:
        name = found.group(2)
        unit = _UNIT_NAMES.get(name) or _UNIT_NAMES.get(name.capitalize() if len(name) > 1 else "")
    if found is None or unit is None:
        raise ValueError(f"{text!r} is not a timeframe such as 1Min, 5Min, 15Min, 1Hour, 1Day, 1Week or 1Month")
    return TimeFrame(int(found.group(1)), unit)


def aggregate(bars: Iterable[Bar], timeframe: TimeFrame) -> Iterator[Bar]:
    """Group time-ordered bars (oldest or newest first) into the timeframe's buckets, lazily.

    Each bucket is emitted once the first bar of another bucket arrives, or at
    the end; buckets come in the order the bars came.
    """
    group: list[Bar] = []
    bucket = bucket_end = _EPOCH
    for bar in bars:
        if not bucket <= bar.timestamp < bucket_end:
            if group:
                yield _combined(group, bucket)
            bucket = timeframe.bucket_start(bar.timestamp)
            bucket_end = timeframe.next_start(bucket)
            group = []
        group.append(bar)
    if group:
        yield _combined(group, bucket)


def _combined(group: list[Bar], bucket: datetime) -> Bar:
    if len(group) > 1 and group[0].timestamp > group[-1].timestamp:
        group.reverse()
    return combine(group, bucket)
