"""Routes: historical bars, trades and quotes, latest bars and snapshots (Alpaca's /v2/stocks/... data API).

Ranges follow Alpaca: `start` and `end` are inclusive, RFC 3339 or a
YYYY-MM-DD date (midnight UTC); `start` defaults to the start of the current
UTC day and `end` to now. A bar is included when its start lies in the range
and covers its whole interval. Multi-symbol answers list symbols in
alphabetical order, each in time order (`sort`), and `limit` counts items
across all of them; a page that stops early carries `next_page_token`, an
opaque, stable cursor (base64 of the last item's key). Symbols that are not
listed or have no data are omitted, as Alpaca omits them; the single-symbol
routes answer 422 for an unlisted symbol.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradeloop.actors.engine import Engine
from tradeloop.codec import dumps, json_number, rfc3339
from tradeloop.core.bars import Bar, TimeFrame, TimeFrameUnit, parse_timeframe
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.sessions import session_bounds
from tradeloop.errors import InvalidParameter, NotFound, UnknownSymbol
from tradeloop.http.bodies import read_query
from tradeloop.http.keys import ENGINE
from tradeloop.http.marketdata import Feed, LatestManyQuery, LatestQuery, parse_symbols, quote_json, trade_json
from tradeloop.market.history import EARLIEST, LATEST, Entry, MarketHistory

routes = web.RouteTableDef()

MARKET_HISTORY: Final = web.AppKey("market_history", MarketHistory)
DEFAULT_LIMIT: Final = 1_000
MAX_LIMIT: Final = 10_000
ADJUSTMENTS: Final = frozenset({"raw", "split", "dividend", "spin-off", "all"})
"""Accepted as Alpaca accepts them; the built-in universe has no corporate actions, so all are the same."""
DAY: Final = TimeFrame(1, TimeFrameUnit.DAY)
_TOKEN_SEPARATOR: Final = "\x1f"
_OFFSET_AS_SPACE: Final = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
T = TypeVar("T")
Fetch = Callable[[str, int | None, int, bool], Awaitable[tuple[list[T], bool]]]
"""Loads one symbol's page: (symbol, cursor key or None, limit, check_more) -> (items, more follow)."""


class SeriesQuery(BaseModel):
    """Query of a single-symbol trades or quotes route."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    start: str | None = None
    end: str | None = None
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


def parse_time(name: str, raw: str) -> datetime:
    """An RFC 3339 time or a YYYY-MM-DD date (midnight UTC) as an aware UTC datetime.

    Raises:
        InvalidParameter: naming `name`, for anything else.
    """
    text = _OFFSET_AS_SPACE.sub(r"\1+\2", raw.strip())  # a '+' left unescaped in a URL arrives as a space
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(name, f"{raw!r} is not an RFC 3339 time or a YYYY-MM-DD date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return min(max(moment.astimezone(timezone.utc), EARLIEST), LATEST)


def read_span(query: SeriesQuery, now: datetime) -> Span:
    """The query's range with Alpaca's defaults: from the start of today (UTC) until now.

    Raises:
        InvalidParameter: a malformed time, or start after end.
    """
    start = parse_time("start", query.start) if query.start else session_bounds(now)[0]
    end = parse_time("end", query.end) if query.end else now
    if query.start and query.end and start > end:
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


def bar_json(bar: Bar) -> dict[str, Any]:
    """A bar in Alpaca's data shape, with exact numbers."""
    return {
        "t": rfc3339(bar.timestamp),
        "o": json_number(bar.open),
        "h": json_number(bar.high),
        "l": json_number(bar.low),
        "c": json_number(bar.close),
        "v": json_number(bar.volume),
        "n": bar.trade_count,
        "vw": json_number(bar.vwap),
    }


def _bar_key(bar: Bar) -> int:
    return int(bar.timestamp.timestamp())


def _entry_key(entry: Entry[Trade] | Entry[Quote]) -> int:
    return entry[0]


def _json(body: Any) -> web.Response:
    return web.Response(body=dumps(body), content_type="application/json")


def _listed(engine: Engine, raw: str) -> list[str]:
    """The listed symbols of a symbols parameter, in alphabetical order."""
    return sorted(symbol for symbol in parse_symbols(raw) if symbol in engine.assets)


def _one_listed(engine: Engine, raw: str) -> str:
    symbol = raw.strip().upper()
    if symbol not in engine.assets:
        raise UnknownSymbol(f"unknown symbol {symbol}", field="symbol")
    return symbol


def _venue(engine: Engine, symbol: str) -> str:
    return engine.assets[symbol].exchange


# -- bars ---------------------------------------------------------------------


async def _bars(request: web.Request, query: BarsQuery, symbols: list[str]) -> tuple[dict[str, list[Any]], str | None]:
    engine, history = request.app[ENGINE], request.app[MARKET_HISTORY]
    timeframe = read_timeframe(query.timeframe)
    span = read_span(query, engine.clock())

    async def fetch(symbol: str, after: int | None, limit: int, check_more: bool) -> tuple[list[Bar], bool]:
        return await history.bars(
            symbol,
            timeframe,
            start=span.start,
            end=span.end,
            after=None if after is None else datetime.fromtimestamp(after, timezone.utc),
            limit=limit,
            descending=span.descending,
            check_more=check_more,
        )

    found, token = await paginate(symbols, query.page_token, f"bars/{timeframe}", span.limit, fetch, _bar_key)
    return {symbol: [bar_json(bar) for bar in bars] for symbol, bars in found.items()}, token


@routes.get("/v2/stocks/bars")
async def bars_many(request: web.Request) -> web.Response:
    """Bars of several symbols over a range, aggregated to the timeframe."""
    query = read_query(request, BarsManyQuery)
    bars, token = await _bars(request, query, _listed(request.app[ENGINE], query.symbols))
    return _json({"bars": bars, "next_page_token": token})


@routes.get("/v2/stocks/{symbol}/bars")
async def bars_one(request: web.Request) -> web.Response:
    """Bars of one symbol over a range.

    Raises:
        UnknownSymbol: not listed.
    """
    query = read_query(request, BarsQuery)
    symbol = _one_listed(request.app[ENGINE], request.match_info["symbol"])
    bars, token = await _bars(request, query, [symbol])
    return _json({"bars": bars.get(symbol, []), "symbol": symbol, "next_page_token": token})


@routes.get("/v2/stocks/bars/latest")
async def latest_bars(request: web.Request) -> web.Response:
    """The newest minute bar (the minute in progress included) of each symbol that has one."""
    query = read_query(request, LatestManyQuery)
    history = request.app[MARKET_HISTORY]
    found: dict[str, Any] = {}
    for symbol in _listed(request.app[ENGINE], query.symbols):
        bar = await history.latest_bar(symbol)
        if bar is not None:
            found[symbol] = bar_json(bar)
    return _json({"bars": found})


@routes.get("/v2/stocks/{symbol}/bars/latest")
async def latest_bar(request: web.Request) -> web.Response:
    """The newest minute bar of one symbol.

    Raises:
        UnknownSymbol: not listed. NotFound: no bar yet.
    """
    read_query(request, LatestQuery)
    symbol = _one_listed(request.app[ENGINE], request.match_info["symbol"])
    bar = await request.app[MARKET_HISTORY].latest_bar(symbol)
    if bar is None:
        raise NotFound(f"no bar for {symbol} yet")
    return _json({"symbol": symbol, "bar": bar_json(bar)})


# -- trades and quotes --------------------------------------------------------


async def _trades(request: web.Request, query: SeriesQuery, symbols: list[str]) -> tuple[dict[str, Any], str | None]:
    engine, history = request.app[ENGINE], request.app[MARKET_HISTORY]
    span = read_span(query, engine.clock())

    async def fetch(symbol: str, after: int | None, limit: int, _: bool) -> tuple[list[Entry[Trade]], bool]:
        return history.trades(
            symbol, start=span.start, end=span.end, after=after, limit=limit, descending=span.descending
        )

    found, token = await paginate(symbols, query.page_token, "trades", span.limit, fetch, _entry_key)
    return {s: [trade_json(trade, _venue(engine, s)) for _, trade in entries] for s, entries in found.items()}, token


async def _quotes(request: web.Request, query: SeriesQuery, symbols: list[str]) -> tuple[dict[str, Any], str | None]:
    engine, history = request.app[ENGINE], request.app[MARKET_HISTORY]
    span = read_span(query, engine.clock())

    async def fetch(symbol: str, after: int | None, limit: int, _: bool) -> tuple[list[Entry[Quote]], bool]:
        return history.quotes(
            symbol, start=span.start, end=span.end, after=after, limit=limit, descending=span.descending
        )

    found, token = await paginate(symbols, query.page_token, "quotes", span.limit, fetch, _entry_key)
    return {s: [quote_json(quote, _venue(engine, s)) for _, quote in entries] for s, entries in found.items()}, token


@routes.get("/v2/stocks/trades")
async def trades_many(request: web.Request) -> web.Response:
    """Recent trades of several symbols (as many per symbol as the server keeps)."""
    query = read_query(request, SeriesManyQuery)
    trades, token = await _trades(request, query, _listed(request.app[ENGINE], query.symbols))
    return _json({"trades": trades, "next_page_token": token})


@routes.get("/v2/stocks/{symbol}/trades")
async def trades_one(request: web.Request) -> web.Response:
    """Recent trades of one symbol.

    Raises:
        UnknownSymbol: not listed.
    """
    query = read_query(request, SeriesQuery)
    symbol = _one_listed(request.app[ENGINE], request.match_info["symbol"])
    trades, token = await _trades(request, query, [symbol])
    return _json({"trades": trades.get(symbol, []), "symbol": symbol, "next_page_token": token})


@routes.get("/v2/stocks/quotes")
async def quotes_many(request: web.Request) -> web.Response:
    """Recent quotes of several symbols (as many per symbol as the server keeps)."""
    query = read_query(request, SeriesManyQuery)
    quotes, token = await _quotes(request, query, _listed(request.app[ENGINE], query.symbols))
    return _json({"quotes": quotes, "next_page_token": token})


@routes.get("/v2/stocks/{symbol}/quotes")
async def quotes_one(request: web.Request) -> web.Response:
    """Recent quotes of one symbol.

    Raises:
        UnknownSymbol: not listed.
    """
    query = read_query(request, SeriesQuery)
    symbol = _one_listed(request.app[ENGINE], request.match_info["symbol"])
    quotes, token = await _quotes(request, query, [symbol])
    return _json({"quotes": quotes.get(symbol, []), "symbol": symbol, "next_page_token": token})


# -- snapshots ----------------------------------------------------------------


async def snapshot_json(engine: Engine, history: MarketHistory, symbol: str) -> dict[str, Any]:
    """Latest trade and quote, newest minute bar, and the two newest daily bars of a listed symbol."""
    top = engine.board.top(symbol)
    venue = _venue(engine, symbol)
    minute = await history.latest_bar(symbol)
    days, _ = await history.bars(
        symbol, DAY, start=EARLIEST, end=LATEST, limit=2, descending=True, check_more=False
    )
    return {
        "latestTrade": trade_json(top.trade, venue) if top.trade is not None else None,
        "latestQuote": quote_json(top.quote, venue) if top.quote is not None else None,
        "minuteBar": bar_json(minute) if minute is not None else None,
        "dailyBar": bar_json(days[0]) if days else None,
        "prevDailyBar": bar_json(days[1]) if len(days) > 1 else None,
    }


@routes.get("/v2/stocks/snapshots")
async def snapshots_many(request: web.Request) -> web.Response:
    """Snapshots of several listed symbols, keyed by symbol at the top level as Alpaca sends them."""
    query = read_query(request, LatestManyQuery)
    engine, history = request.app[ENGINE], request.app[MARKET_HISTORY]
    return _json({symbol: await snapshot_json(engine, history, symbol) for symbol in _listed(engine, query.symbols)})


@routes.get("/v2/stocks/{symbol}/snapshot")
async def snapshot_one(request: web.Request) -> web.Response:
    """The snapshot of one symbol.

    Raises:
        UnknownSymbol: not listed.
    """
    read_query(request, LatestQuery)
    engine = request.app[ENGINE]
    symbol = _one_listed(engine, request.match_info["symbol"])
    return _json({"symbol": symbol, **await snapshot_json(engine, request.app[MARKET_HISTORY], symbol)})



def mount(
    app: web.Application,
    engine: Engine,
    market_history: MarketHistory,
    lifetime: Callable[[web.Application], AsyncIterator[None]] | None,
) -> None:
    """Serve the history: record the engine's ticks into it, and open its store (if any) before the engine starts."""
    app[MARKET_HISTORY] = market_history
    engine.tick_listeners.append(market_history.record)
    if lifetime is not None:
        app.cleanup_ctx.append(lifetime)
