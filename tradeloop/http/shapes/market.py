"""Shapes of the market data API's answers (Alpaca's /v2/stocks/...): trades, quotes, bars, snapshots, pages.

Prices and sizes are exact JSON numbers here, as Alpaca's data API sends them.
"""

from __future__ import annotations

from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import JsonNumber, Timestamp


class TradeJson(TypedDict):
    """A trade: time, exchange code, price, size, conditions, trade id, tape."""

    t: Timestamp
    x: str
    p: JsonNumber
    s: JsonNumber
    c: list[str]
    i: int
    z: str


QuoteJson = TypedDict(
    "QuoteJson",
    {
        "t": Timestamp,
        "ax": str,
        "ap": JsonNumber,
        "as": JsonNumber,  # a keyword in Python, hence this form
        "bx": str,
        "bp": JsonNumber,
        "bs": JsonNumber,
        "c": list[str],
        "z": str,
    },
)
"""A quote: time, ask exchange, price and size, bid exchange, price and size, conditions, tape."""


class BarJson(TypedDict):
    """A bar: start time, open, high, low, close, volume, trade count, volume-weighted average price."""

    t: Timestamp
    o: JsonNumber
    h: JsonNumber
    l: JsonNumber  # noqa: E741 - Alpaca's name
    c: JsonNumber
    v: JsonNumber
    n: int
    vw: JsonNumber


class LatestJson(TypedDict):
    """The latest trade and quote of a symbol, each null until it has one."""

    symbol: str
    trade: TradeJson | None
    quote: QuoteJson | None


class LatestTradeJson(TypedDict):
    symbol: str
    trade: TradeJson


class LatestQuoteJson(TypedDict):
    symbol: str
    quote: QuoteJson


class LatestBarJson(TypedDict):
    symbol: str
    bar: BarJson


class LatestTradesJson(TypedDict):
    trades: dict[str, TradeJson]


class LatestQuotesJson(TypedDict):
    quotes: dict[str, QuoteJson]


class LatestBarsJson(TypedDict):
    bars: dict[str, BarJson]


class BarsJson(TypedDict):
    """Bars of several symbols, by symbol; `next_page_token` continues the listing."""

    bars: dict[str, list[BarJson]]
    next_page_token: str | None


class SymbolBarsJson(TypedDict):
    bars: list[BarJson]
    symbol: str
    next_page_token: str | None


class TradesJson(TypedDict):
    trades: dict[str, list[TradeJson]]
    next_page_token: str | None


class SymbolTradesJson(TypedDict):
    trades: list[TradeJson]
    symbol: str
    next_page_token: str | None


class QuotesJson(TypedDict):
    quotes: dict[str, list[QuoteJson]]
    next_page_token: str | None


class SymbolQuotesJson(TypedDict):
    quotes: list[QuoteJson]
    symbol: str
    next_page_token: str | None


class SnapshotJson(TypedDict):
    """Latest trade and quote, newest minute bar, and the two newest daily bars, as alpaca-py's `Snapshot` reads them."""

    latestTrade: TradeJson | None
    latestQuote: QuoteJson | None
    minuteBar: BarJson | None
    dailyBar: BarJson | None
    prevDailyBar: BarJson | None


class SymbolSnapshotJson(SnapshotJson):
    symbol: str


SnapshotsJson = dict[str, SnapshotJson]
"""Snapshots of several symbols, keyed by symbol at the top level."""
