"""Finnhub's WebSocket messages as ticks, and the quotes synthesized around its prices.

Finnhub's free tier sends trades but no bid or ask, and the order book fills
only against a quote. So every new price gets a synthetic quote one tick wide
with the last print on one side of it, the side the tick test says it traded
against: a print above the previous one was most likely a buyer lifting the
offer (ask = price, bid = price - tick), one below a seller hitting the bid
(bid = price, ask = price + tick), and an unchanged one keeps the side of
the print before. The first print of a symbol is compared with the previous
close when known, else counts as an uptick. Sizes are None (unlimited): the
feed knows nothing about depth, and any invented size would be as arbitrary
as the quote itself, so an order fills whole at the synthetic touch.

JSON numbers are read through repr of the float (never float arithmetic)
and quantized to the price tick.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

import orjson

from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.money import NotADecimal, parse_decimal, price_tick, quantize_price

log = logging.getLogger(__name__)

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TradeBatch:
    """A `trade` message: the prints in it that parsed."""

    trades: tuple[Trade, ...]


@dataclass(frozen=True, slots=True)
class Ping:
    """A `ping` message: the connection is alive."""


@dataclass(frozen=True, slots=True)
class ServerError:
    """An `error` message, e.g. a symbol Finnhub will not stream."""

    message: str


@dataclass(frozen=True, slots=True)
class Unrecognized:
    """Anything else: not JSON, or a type this feed does not use."""

    kind: str


Message = TradeBatch | Ping | ServerError | Unrecognized


def from_ms(epoch_ms: int) -> datetime:
    """A UTC datetime from Unix milliseconds, exactly (no float division)."""
    return EPOCH + timedelta(milliseconds=epoch_ms)


def parse_message(raw: str | bytes, trade_ids: Iterator[int] | None = None) -> Message:
    """Read one WebSocket text frame; malformed prints inside a batch are skipped."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return Unrecognized("not json")
    if not isinstance(body, Mapping):
        return Unrecognized("not an object")
    kind = body.get("type")
    if kind == "ping":
        return Ping()
    if kind == "error":
        return ServerError(str(body.get("msg", "")))
    if kind != "trade":
        return Unrecognized(str(kind))
    ids = trade_ids if trade_ids is not None else itertools.count(1)
    data = body.get("data")
    prints = data if isinstance(data, list) else []
    trades = tuple(trade for item in prints if (trade := parse_trade(item, ids)) is not None)
    return TradeBatch(trades)


def parse_trade(item: object, trade_ids: Iterator[int]) -> Trade | None:
    """One print {s, p, t, v}; None (and a debug line) when it is unusable or the price is not positive."""
    if not isinstance(item, Mapping):
        return None
    symbol, epoch_ms = item.get("s"), item.get("t")
    if not isinstance(symbol, str) or not symbol or not isinstance(epoch_ms, int) or isinstance(epoch_ms, bool):
        log.debug("skipping a malformed finnhub print: %r", item)
        return None
    try:
        price = parse_decimal(item.get("p"))
        volume = parse_decimal(item.get("v", 0))
    except NotADecimal:
        log.debug("skipping a finnhub print without a usable price or volume: %r", item)
        return None
    if price <= 0:
        log.debug("skipping a finnhub print at a non-positive price: %r", item)
        return None
    return Trade(
        symbol=symbol,
        price=quantize_price(price),
        size=volume if volume > 0 else None,
        timestamp=from_ms(epoch_ms),
        trade_id=next(trade_ids),
    )


class QuoteMaker:
    """Keeps each symbol's last price and side, and synthesizes its quote (see the module docstring)."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[Decimal, bool]] = {}
        self._quotes: dict[str, Quote] = {}

    def last_price(self, symbol: str) -> Decimal | None:
        found = self._last.get(symbol)
        return None if found is None else found[0]

    def quote(
        self,
        symbol: str,
        price: Decimal,
        timestamp: datetime,
        *,
        previous_close: Decimal | None = None,
        refresh: bool = False,
    ) -> Quote | None:
        """The quote around a new print; None when it would not change the quote in force, unless refresh."""
        last = self._last.get(symbol)
        reference = last[0] if last is not None else previous_close
        if reference is None or price > reference:
            at_ask = True
        elif price < reference:
            at_ask = False
        else:
            at_ask = last[1] if last is not None else True
        self._last[symbol] = (price, at_ask)
        tick = price_tick(price)
        if at_ask and price - tick > 0:
            bid, ask = price - tick, price
        else:
            bid, ask = price, price + tick
        current = self._quotes.get(symbol)
        if not refresh and current is not None and (current.bid, current.ask) == (bid, ask):
            return None
        quote = Quote(symbol=symbol, bid=bid, ask=ask, bid_size=None, ask_size=None, timestamp=timestamp)
        self._quotes[symbol] = quote
        return quote
