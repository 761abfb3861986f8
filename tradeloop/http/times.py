"""Times in query strings: one parser for every parameter that takes a time or a date, clamped to the stored range.

A time is RFC 3339 (an offset is optional and means UTC when left out) or a
YYYY-MM-DD date (midnight UTC). Whatever the calendar allows is accepted, and
a moment before EARLIEST (1970-01-01) or after LATEST (9998-01-01) is read as
that bound: nothing the server stores lies outside it, so the answer is the
same, and arithmetic on the result (a day's end, a page's edge) cannot run
off the calendar's ends.
"""

from __future__ import annotations

import re
from datetime import MINYEAR, date, datetime, timedelta, timezone
from typing import Annotated, Final

from pydantic import BeforeValidator

from tradeloop.market.history import EARLIEST, LATEST

_OFFSET_AS_SPACE: Final = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
_LATEST_EPOCH_S: Final = int(LATEST.timestamp())
_DAY: Final = timedelta(days=1)


def clamp(moment: datetime) -> datetime:
    """The moment in UTC held within [EARLIEST, LATEST]; a naive moment is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        in_utc = moment.astimezone(timezone.utc)
    except OverflowError:  # an offset pushed it past the first or last day of the calendar
        return EARLIEST if moment.year == MINYEAR else LATEST
    return min(max(in_utc, EARLIEST), LATEST)


def shift(moment: datetime, delta: timedelta) -> datetime:
    """`clamp(moment + delta)`, also where the sum would fall off the calendar."""
    try:
        return clamp(moment + delta)
    except OverflowError:
        return EARLIEST if delta < timedelta(0) else LATEST


def from_epoch_s(seconds: int) -> datetime:
    """The UTC moment of a count of seconds since 1970 (a page cursor), clamped."""
    return LATEST if seconds >= _LATEST_EPOCH_S else clamp(datetime.fromtimestamp(max(seconds, 0), timezone.utc))


def parse_time(raw: str) -> datetime:
    """An RFC 3339 time or a YYYY-MM-DD date as a clamped UTC datetime.

    Raises:
        ValueError: anything else.
    """
    text = _OFFSET_AS_SPACE.sub(r"\1+\2", raw.strip())  # a '+' left unescaped in a URL arrives as a space
    try:
        return clamp(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(f"{raw!r} is not an RFC 3339 time or a YYYY-MM-DD date") from None


def parse_day(raw: object) -> object:
    """A YYYY-MM-DD date; anything but text is left to pydantic's own date check."""
    if not isinstance(raw, str):
        return raw
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a YYYY-MM-DD date") from None


def day_span(day: date) -> tuple[datetime, datetime]:
    """The first moment of a UTC day and of the next, clamped."""
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return clamp(start), shift(start, _DAY)


def _query_time(raw: object) -> object:
    if isinstance(raw, str):
        return parse_time(raw) if raw.strip() else None
    return clamp(raw) if isinstance(raw, datetime) else raw


def _query_day(raw: object) -> object:
    if isinstance(raw, str) and not raw.strip():
        return None
    return parse_day(raw)


QueryTime = Annotated[datetime | None, BeforeValidator(_query_time)]
"""A query model's optional time, read by `parse_time`; an empty parameter counts as left out."""
QueryDay = Annotated[date | None, BeforeValidator(_query_day)]
"""A query model's optional date; an empty parameter counts as left out."""
