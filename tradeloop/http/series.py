"""Queries of the market data series routes: ranges, page sizes, sort order and opaque page tokens.

Ranges follow Alpaca: `start` and `end` are inclusive, RFC 3339 or a
YYYY-MM-DD date (midnight UTC); `start` defaults to the start of the current
UTC day and `end` to now. `limit` counts items across all symbols of a
multi-symbol query, taken in the order given; a page that stops early carries
a token, base64 of the series kind, the symbol and the last item's key, so the
same query always yields the same token.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradeloop.core.bars import TimeFrame, parse_timeframe
from tradeloop.core.sessions import session_bounds
from tradeloop.errors import InvalidParameter
from tradeloop.http.marketdata import Feed
from tradeloop.http.times import QueryTime

DEFAULT_LIMIT: Final = 1_000
MAX_LIMIT: Final = 10_000
ADJUSTMENTS: Final = frozenset({"raw", "split", "dividend", "spin-off", "all"})
"""Accepted as Alpaca accepts them; the built-in universe has no corporate actions, so all are the same."""
_TOKEN_SEPARATOR: Final = "\x1f"
T = TypeVar("T")
Fetch = Callable[[str, int | None, int, bool], Awaitable[tuple[list[T], bool]]]
"""Loads one symbol's page: (symbol, cursor key or None, limit, check_more) -> (items, more follow)."""


class SeriesQuery(BaseModel):
    """Query of a single-symbol trades or quotes route."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    start: QueryTime = None
    end: QueryTime = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    sort: Literal["asc", "desc"] = "asc"
    page_token: str | None = None
    feed: Feed | None = None
    currency: Literal["USD"] | None = None
    asof: str | None = None


class SeriesManyQuery(SeriesQuery):
    """Query of the multi-symbol trades or quotes route."""

    symbols: str


class BarsQuery(SeriesQuery):
    """Query of the single-symbol bars route."""

    timeframe: str
    adjustment: str | None = None

    @field_validator("adjustment")
    @classmethod
    def _known_adjustment(cls, value: str | None) -> str | None:
        if value is not None and not set(value.split(",")) <= ADJUSTMENTS:
            raise ValueError(f"must be {', '.join(sorted(ADJUSTMENTS))} or a comma-separated list of them")
        return value


class BarsManyQuery(BarsQuery):
    """Query of the multi-symbol bars route."""

    symbols: str


@dataclass(frozen=True, slots=True)
class Span:
    """A query's validated range, order and page size."""

    start: datetime
    end: datetime
    limit: int
    descending: bool


def read_span(query: SeriesQuery, now: datetime) -> Span:
    """The query's range with Alpaca's defaults: from the start of today (UTC) until now.

    Raises:
        InvalidParameter: start after end.
    """
    start = query.start if query.start is not None else session_bounds(now)[0]
    end = query.end if query.end is not None else now
    if query.start is not None and query.end is not None and start > end:
        raise InvalidParameter("start", "must not be after end")
    return Span(start=start, end=end, limit=query.limit, descending=query.sort == "desc")


def read_timeframe(raw: str) -> TimeFrame:
    """Raises: InvalidParameter naming timeframe."""
    try:
        return parse_timeframe(raw)
    except ValueError as exc:
        raise InvalidParameter("timeframe", str(exc)) from None


def encode_token(kind: str, symbol: str, key: int) -> str:
    """An opaque cursor: the kind of series, the symbol and the last item's key, in url-safe base64."""
    raw = _TOKEN_SEPARATOR.join((kind, symbol, str(key))).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, kind: str, symbols: Sequence[str]) -> tuple[int, int]:
    """The index of the token's symbol among `symbols` and its key.

    Raises:
        InvalidParameter: naming page_token, for a token not made for this query.
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        token_kind, symbol, key = raw.split(_TOKEN_SEPARATOR)
        if token_kind != kind or symbol not in symbols or not key.isdigit():
            raise ValueError(token)
        return symbols.index(symbol), int(key)
    except ValueError:
        raise InvalidParameter("page_token", "is not a page token of this query") from None


async def paginate(
    symbols: Sequence[str], token: str | None, kind: str, limit: int, fetch: Fetch[T], key: Callable[[T], int]
) -> tuple[dict[str, list[T]], str | None]:
    """Up to `limit` items over the symbols in order, resuming after the token; and the next token."""
    first, after = decode_token(token, kind, symbols) if token else (0, None)
    found: dict[str, list[T]] = {}
    remaining = limit
    for index in range(first, len(symbols)):
        symbol = symbols[index]
        items, more = await fetch(symbol, after if index == first else None, remaining, True)
        if items:
            found[symbol] = items
            remaining -= len(items)
        if remaining == 0:
            if more or await _any_data(symbols[index + 1 :], fetch):
                return found, encode_token(kind, symbol, key(items[-1]))
            break
    return found, None


async def _any_data(symbols: Sequence[str], fetch: Fetch[T]) -> bool:
    for symbol in symbols:
        items, _ = await fetch(symbol, None, 1, False)
        if items:
            return True
    return False
