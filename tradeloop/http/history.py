"""Routes: historical bars, trades and quotes, latest bars and snapshots (Alpaca's /v2/stocks/... data API).

A bar is included when its start lies in the range and covers its whole
interval. Multi-symbol answers list symbols in alphabetical order, each in
time order (`sort`), paged as `tradeloop.http.series` describes. Symbols that
are not listed or have no data are omitted, as Alpaca omits them; the
single-symbol routes answer 422 for an unlisted symbol. Trades and quotes are
the recent ones the server keeps in memory (TRADELOOP_HISTORY_TICKS per symbol).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Final

from aiohttp import web

from tradeloop.actors.engine import Engine
from tradeloop.codec import json_number, rfc3339
from tradeloop.core.bars import Bar, TimeFrame, TimeFrameUnit
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.errors import InvalidParameter, NotFound, UnknownSymbol
from tradeloop.http.bodies import read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.marketdata import (
    LatestManyQuery,
    LatestQuery,
    parse_symbols,
    quote_json,
    trade_json,
)
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import SymbolPath
from tradeloop.http.series import (
    BarsManyQuery,
    BarsQuery,
    SeriesManyQuery,
    SeriesQuery,
    paginate,
    read_span,
    read_timeframe,
)
from tradeloop.http.shapes.market import (
    BarJson,
    BarsJson,
    LatestBarJson,
    LatestBarsJson,
    QuotesJson,
    SnapshotJson,
    SnapshotsJson,
    SymbolBarsJson,
    SymbolQuotesJson,
    SymbolSnapshotJson,
    SymbolTradesJson,
    TradesJson,
)
from tradeloop.http.times import from_epoch_s
from tradeloop.http.wire import json_response
from tradeloop.market.history import EARLIEST, LATEST, Entry, MarketHistory

routes = web.RouteTableDef()

TAG: Final = "market data"
_AAPL: Final = {"symbol": "AAPL"}
_AAPL_QUERY: Final = {"symbols": "AAPL"}
_TWO: Final = {"limit": "2"}
_TRADES: Final = example("market", "trades")
_QUOTES: Final = example("market", "quotes")
_TRADES_TOKEN: Final = example("market", "trades_page_token")
_QUOTES_TOKEN: Final = example("market", "quotes_page_token")

MARKET_HISTORY: Final = web.AppKey("market_history", MarketHistory)
DAY: Final = TimeFrame(1, TimeFrameUnit.DAY)


def bar_json(bar: Bar) -> BarJson:
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
            after=None if after is None else from_epoch_s(after),
            limit=limit,
            descending=span.descending,
            check_more=check_more,
        )

    found, token = await paginate(symbols, query.page_token, f"bars/{timeframe}", span.limit, fetch, _bar_key)
    return {symbol: [bar_json(bar) for bar in bars] for symbol, bars in found.items()}, token


@routes.get("/v2/stocks/bars")
@operation(
    tag=TAG, security=Security.KEYS, query=BarsManyQuery, responses={200: BarsJson}, errors=(InvalidParameter,),
    examples=[
        Example(
            name="minutes", summary="the day's first two minute bars of AAPL", query={**_AAPL_QUERY, **_TWO, "timeframe": "1Min"},
            response={"bars": {"AAPL": example("market", "minute_bars")}, "next_page_token": example("market", "bars_page_token")},
        )
    ],
)
async def bars_many(request: web.Request) -> web.Response:
    """Bars of several symbols over a range, aggregated to the timeframe."""
    query = read_query(request, BarsManyQuery)
    bars, token = await _bars(request, query, _listed(request.app[ENGINE], query.symbols))
    return json_response({"bars": bars, "next_page_token": token})


@routes.get("/v2/stocks/{symbol}/bars")
@operation(
    tag=TAG, security=Security.KEYS, path=SymbolPath, query=BarsQuery, responses={200: SymbolBarsJson},
    errors=(InvalidParameter, UnknownSymbol),
    examples=[
        Example(
            name="days", summary="daily bars of AAPL", path=_AAPL, query={**_TWO, "timeframe": "1Day"},
            response={"bars": [example("market", "daily_bar")], "symbol": "AAPL", "next_page_token": None},
        )
    ],
)
async def bars_one(request: web.Request) -> web.Response:
    """Bars of one symbol over a range.

    Raises:
        UnknownSymbol: not listed.
    """
    query = read_query(request, BarsQuery)
    symbol = _one_listed(request.app[ENGINE], request.match_info["symbol"])
    bars, token = await _bars(request, query, [symbol])
    return json_response({"bars": bars.get(symbol, []), "symbol": symbol, "next_page_token": token})


@routes.get("/v2/stocks/bars/latest")
@operation(
    tag=TAG, security=Security.KEYS, query=LatestManyQuery, responses={200: LatestBarsJson}, errors=(InvalidParameter,),
    examples=[Example(name="one", summary="AAPL", query=_AAPL_QUERY, response={"bars": {"AAPL": example("market", "minute_bar")}})],
)
async def latest_bars(request: web.Request) -> web.Response:
    """The newest minute bar (the minute in progress included) of each symbol that has one."""
    query = read_query(request, LatestManyQuery)
    history = request.app[MARKET_HISTORY]
    found: dict[str, Any] = {}
    for symbol in _listed(request.app[ENGINE], query.symbols):
        bar = await history.latest_bar(symbol)
        if bar is not None:
            found[symbol] = bar_json(bar)
    return json_response({"bars": found})


@routes.get("/v2/stocks/{symbol}/bars/latest")
@operation(
    tag=TAG, security=Security.KEYS, path=SymbolPath, query=LatestQuery, responses={200: LatestBarJson},
    errors=(UnknownSymbol, NotFound),
    examples=[Example(name="aapl", summary="AAPL", path=_AAPL, response={"symbol": "AAPL", "bar": example("market", "minute_bar")})],
)
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
    return json_response({"symbol": symbol, "bar": bar_json(bar)})


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
@operation(
    tag=TAG, security=Security.KEYS, query=SeriesManyQuery, responses={200: TradesJson}, errors=(InvalidParameter,),
    examples=[
        Example(
            name="two", summary="the first two AAPL trades kept", query={**_AAPL_QUERY, **_TWO},
            response={"trades": {"AAPL": _TRADES}, "next_page_token": _TRADES_TOKEN},
        )
    ],
)
async def trades_many(request: web.Request) -> web.Response:
    """Recent trades of several symbols (as many per symbol as the server keeps)."""
    query = read_query(request, SeriesManyQuery)
    trades, token = await _trades(request, query, _listed(request.app[ENGINE], query.symbols))
    return json_response({"trades": trades, "next_page_token": token})


@routes.get("/v2/stocks/{symbol}/trades")
@operation(
    tag=TAG, security=Security.KEYS, path=SymbolPath, query=SeriesQuery, responses={200: SymbolTradesJson},
    errors=(InvalidParameter, UnknownSymbol),
    examples=[
        Example(
            name="two", summary="the first two AAPL trades kept", path=_AAPL, query=_TWO,
            response={"trades": _TRADES, "symbol": "AAPL", "next_page_token": _TRADES_TOKEN},
        )
    ],
)
async def trades_one(request: web.Request) -> web.Response:
    """Recent trades of one symbol.

    Raises:
        UnknownSymbol: not listed.
    """
    query = read_query(request, SeriesQuery)
    symbol = _one_listed(request.app[ENGINE], request.match_info["symbol"])
    trades, token = await _trades(request, query, [symbol])
    return json_response({"trades": trades.get(symbol, []), "symbol": symbol, "next_page_token": token})


@routes.get("/v2/stocks/quotes")
@operation(
    tag=TAG, security=Security.KEYS, query=SeriesManyQuery, responses={200: QuotesJson}, errors=(InvalidParameter,),
    examples=[
        Example(
            name="two", summary="the first two AAPL quotes kept", query={**_AAPL_QUERY, **_TWO},
            response={"quotes": {"AAPL": _QUOTES}, "next_page_token": _QUOTES_TOKEN},
        )
    ],
)
async def quotes_many(request: web.Request) -> web.Response:
    """Recent quotes of several symbols (as many per symbol as the server keeps)."""
    query = read_query(request, SeriesManyQuery)
    quotes, token = await _quotes(request, query, _listed(request.app[ENGINE], query.symbols))
    return json_response({"quotes": quotes, "next_page_token": token})


@routes.get("/v2/stocks/{symbol}/quotes")
@operation(
    tag=TAG, security=Security.KEYS, path=SymbolPath, query=SeriesQuery, responses={200: SymbolQuotesJson},
    errors=(InvalidParameter, UnknownSymbol),
    examples=[
        Example(
            name="two", summary="the first two AAPL quotes kept", path=_AAPL, query=_TWO,
            response={"quotes": _QUOTES, "symbol": "AAPL", "next_page_token": _QUOTES_TOKEN},
        )
    ],
)
async def quotes_one(request: web.Request) -> web.Response:
    """Recent quotes of one symbol.

    Raises:
        UnknownSymbol: not listed.
    """
    query = read_query(request, SeriesQuery)
    symbol = _one_listed(request.app[ENGINE], request.match_info["symbol"])
    quotes, token = await _quotes(request, query, [symbol])
    return json_response({"quotes": quotes.get(symbol, []), "symbol": symbol, "next_page_token": token})


# -- snapshots ----------------------------------------------------------------


async def snapshot_json(engine: Engine, history: MarketHistory, symbol: str) -> SnapshotJson:
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
@operation(
    tag=TAG, security=Security.KEYS, query=LatestManyQuery, responses={200: SnapshotsJson}, errors=(InvalidParameter,),
    examples=[Example(name="one", summary="AAPL", query=_AAPL_QUERY, response={"AAPL": example("market", "snapshot")})],
)
async def snapshots_many(request: web.Request) -> web.Response:
    """Snapshots of several listed symbols, keyed by symbol at the top level as Alpaca sends them."""
    query = read_query(request, LatestManyQuery)
    engine, history = request.app[ENGINE], request.app[MARKET_HISTORY]
    return json_response({symbol: await snapshot_json(engine, history, symbol) for symbol in _listed(engine, query.symbols)})


@routes.get("/v2/stocks/{symbol}/snapshot")
@operation(
    tag=TAG, security=Security.KEYS, path=SymbolPath, query=LatestQuery, responses={200: SymbolSnapshotJson},
    errors=(UnknownSymbol,),
    examples=[Example(name="aapl", summary="AAPL", path=_AAPL, response={"symbol": "AAPL", **example("market", "snapshot")})],
)
async def snapshot_one(request: web.Request) -> web.Response:
    """The snapshot of one symbol.

    Raises:
        UnknownSymbol: not listed.
    """
    read_query(request, LatestQuery)
    engine = request.app[ENGINE]
    symbol = _one_listed(engine, request.match_info["symbol"])
    return json_response({"symbol": symbol, **await snapshot_json(engine, request.app[MARKET_HISTORY], symbol)})



def mount(
    app: web.Application,
    engine: Engine,
    market_history: MarketHistory,
    lifetime: Callable[[web.Application], AsyncIterator[None]] | None,
) -> None:
    """Serve the history: record the engine's ticks into it, and open its store (if any) before the engine starts."""
    app[MARKET_HISTORY] = market_history
    engine.subscribe_ticks(market_history.record)  # for the app's whole life
    if lifetime is not None:
        app.cleanup_ctx.append(lifetime)
