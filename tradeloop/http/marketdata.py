"""Routes: latest trades and quotes (Alpaca's market data /v2/stocks/... endpoints).

Prices and sizes go out as exact JSON numbers, as Alpaca's data API sends
them, rendered from the Decimal without passing through float. A multi-symbol
request omits symbols that are not listed or have no data yet, as Alpaca
does; the single-symbol routes answer 422 for an unlisted symbol and 404
when there is no data yet.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from tradeloop.actors.engine import Engine
from tradeloop.actors.prices import Top
from tradeloop.codec import json_number, rfc3339
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.money import ZERO
from tradeloop.errors import InvalidParameter, NotFound, UnknownSymbol
from tradeloop.http.bodies import read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import SymbolPath
from tradeloop.http.shapes.market import (
    LatestJson,
    LatestQuoteJson,
    LatestQuotesJson,
    LatestTradeJson,
    LatestTradesJson,
    QuoteJson,
    TradeJson,
)
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "market data"

_SYMBOL: Final = re.compile(r"^[A-Z][A-Z0-9.\-/]{0,20}$")
# Alpaca's exchange and tape codes of each listing venue; IEX stands in for anything else.
_EXCHANGE_CODES: Final = {"NASDAQ": "Q", "NYSE": "N", "ARCA": "P", "AMEX": "A", "BATS": "Z"}
_TAPES: Final = {"NASDAQ": "C", "NYSE": "A", "ARCA": "B", "AMEX": "B", "BATS": "B"}
_TRADE_CONDITIONS: Final = ("@",)
_QUOTE_CONDITIONS: Final = ("R",)

Feed = Literal["iex", "sip", "delayed_sip", "otc", "boats", "overnight"]


class LatestQuery(BaseModel):
    """Query of the single-symbol latest routes: the feed is accepted and every feed is the same."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    feed: Feed | None = None
    currency: Literal["USD"] | None = None


class LatestManyQuery(LatestQuery):
    """Query of the multi-symbol latest routes."""

    symbols: str


def parse_symbols(raw: str) -> list[str]:
    """Split a comma-separated symbols parameter, upper-cased, without duplicates.

    Raises:
        InvalidParameter: empty, or a symbol that cannot be one.
    """
    symbols = list(dict.fromkeys(part.strip().upper() for part in raw.split(",") if part.strip()))
    if not symbols:
        raise InvalidParameter("symbols", "at least one symbol is required")
    for symbol in symbols:
        if not _SYMBOL.match(symbol):
            raise InvalidParameter("symbols", f"{symbol!r} is not a symbol")
    return symbols


def _venue(engine: Engine, symbol: str) -> str:
    asset = engine.assets.get(symbol)
    return asset.exchange if asset is not None else ""


def tape(venue: str) -> str:
    """The consolidated tape (A, B or C) of a listing venue."""
    return _TAPES.get(venue, "C")


def trade_json(trade: Trade, venue: str) -> TradeJson:
    """A trade in Alpaca's data shape; an unlimited size is sent as 0 (no size reported)."""
    return {
        "t": rfc3339(trade.timestamp),
        "x": _EXCHANGE_CODES.get(venue, "V"),
        "p": json_number(trade.price),
        "s": json_number(trade.size if trade.size is not None else ZERO),
        "c": list(_TRADE_CONDITIONS),
        "i": trade.trade_id,
        "z": tape(venue),
    }


def quote_json(quote: Quote, venue: str) -> QuoteJson:
    """A quote in Alpaca's data shape; an unlimited size is sent as 0 (no size reported)."""
    exchange = _EXCHANGE_CODES.get(venue, "V")
    return {
        "t": rfc3339(quote.timestamp),
        "ax": exchange,
        "ap": json_number(quote.ask),
        "as": json_number(quote.ask_size if quote.ask_size is not None else ZERO),
        "bx": exchange,
        "bp": json_number(quote.bid),
        "bs": json_number(quote.bid_size if quote.bid_size is not None else ZERO),
        "c": list(_QUOTE_CONDITIONS),
        "z": tape(venue),
    }


def latest_json(engine: Engine, symbol: str) -> LatestJson:
    """The latest trade and quote of a listed symbol, each None until it has one."""
    top = engine.board.top(symbol)
    venue = _venue(engine, symbol)
    return {
        "symbol": symbol,
        "trade": trade_json(top.trade, venue) if top.trade is not None else None,
        "quote": quote_json(top.quote, venue) if top.quote is not None else None,
    }


def _tops(engine: Engine, symbols: list[str]) -> dict[str, Top]:
    """The board entries of the listed symbols among those asked for."""
    return {symbol: engine.board.top(symbol) for symbol in symbols if symbol in engine.assets}


def _listed_top(engine: Engine, raw_symbol: str) -> tuple[str, Top]:
    symbol = raw_symbol.strip().upper()
    if symbol not in engine.assets:
        raise UnknownSymbol(f"unknown symbol {symbol}", field="symbol")
    return symbol, engine.board.top(symbol)



@routes.get("/v2/stocks/trades/latest")
@operation(
    tag=TAG,
    security=Security.KEYS,
    query=LatestManyQuery,
    responses={200: LatestTradesJson},
    errors=(InvalidParameter,),
    examples=[
        Example(
            name="two",
            summary="AAPL and MSFT",
            query={"symbols": "AAPL,MSFT"},
            response={"trades": {"AAPL": example("market", "trade"), "MSFT": example("market", "msft_trade")}},
        )
    ],
)
async def latest_trades(request: web.Request) -> web.Response:
    """The latest trade of each listed symbol asked for that has traded."""
    query = read_query(request, LatestManyQuery)
    engine = request.app[ENGINE]
    tops = _tops(engine, parse_symbols(query.symbols))
    trades = {s: trade_json(top.trade, _venue(engine, s)) for s, top in tops.items() if top.trade is not None}
    return json_response({"trades": trades})


@routes.get("/v2/stocks/quotes/latest")
@operation(
    tag=TAG,
    security=Security.KEYS,
    query=LatestManyQuery,
    responses={200: LatestQuotesJson},
    errors=(InvalidParameter,),
    examples=[Example(name="one", summary="AAPL", query={"symbols": "AAPL"}, response={"quotes": {"AAPL": example("market", "quote")}})],
)
async def latest_quotes(request: web.Request) -> web.Response:
    """The latest quote of each listed symbol asked for that has been quoted."""
    query = read_query(request, LatestManyQuery)
    engine = request.app[ENGINE]
    tops = _tops(engine, parse_symbols(query.symbols))
    quotes = {s: quote_json(top.quote, _venue(engine, s)) for s, top in tops.items() if top.quote is not None}
    return json_response({"quotes": quotes})


@routes.get("/v2/stocks/{symbol}/trades/latest")
@operation(
    tag=TAG,
    security=Security.KEYS,
    path=SymbolPath,
    query=LatestQuery,
    responses={200: LatestTradeJson},
    errors=(UnknownSymbol, NotFound),
    examples=[
        Example(name="aapl", summary="AAPL", path={"symbol": "AAPL"}, response={"symbol": "AAPL", "trade": example("market", "trade")})
    ],
)
async def latest_trade(request: web.Request) -> web.Response:
    """The latest trade of one symbol.

    Raises:
        UnknownSymbol: not listed. NotFound: no trade yet.
    """
    read_query(request, LatestQuery)
    engine = request.app[ENGINE]
    symbol, top = _listed_top(engine, request.match_info["symbol"])
    if top.trade is None:
        raise NotFound(f"no trade for {symbol} yet")
    return json_response({"symbol": symbol, "trade": trade_json(top.trade, _venue(engine, symbol))})


@routes.get("/v2/stocks/{symbol}/quotes/latest")
@operation(
    tag=TAG,
    security=Security.KEYS,
    path=SymbolPath,
    query=LatestQuery,
    responses={200: LatestQuoteJson},
    errors=(UnknownSymbol, NotFound),
    examples=[
        Example(name="aapl", summary="AAPL", path={"symbol": "AAPL"}, response={"symbol": "AAPL", "quote": example("market", "quote")})
    ],
)
async def latest_quote(request: web.Request) -> web.Response:
    """The latest quote of one symbol.

    Raises:
        UnknownSymbol: not listed. NotFound: no quote yet.
    """
    read_query(request, LatestQuery)
    engine = request.app[ENGINE]
    symbol, top = _listed_top(engine, request.match_info["symbol"])
    if top.quote is None:
        raise NotFound(f"no quote for {symbol} yet")
    return json_response({"symbol": symbol, "quote": quote_json(top.quote, _venue(engine, symbol))})
