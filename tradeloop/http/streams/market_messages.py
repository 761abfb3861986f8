"""Market data stream messages (T = t, q, b, u, d, s) and the control messages of Alpaca's data stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from typing import Final, Protocol

from tradeloop.core.marketdata import HaltChanged, Quote, Trade
from tradeloop.core.money import ZERO
from tradeloop.http.marketdata import quote_json, tape, trade_json
from tradeloop.http.streams.frames import JsonDict, Message


class StreamError(IntEnum):
    """Alpaca's data stream error codes; the message text is Alpaca's too."""

    INVALID_SYNTAX = 400
    NOT_AUTHENTICATED = 401
    AUTH_FAILED = 402
    ALREADY_AUTHENTICATED = 403
    AUTH_TIMEOUT = 404
    SYMBOL_LIMIT_EXCEEDED = 405
    CONNECTION_LIMIT_EXCEEDED = 406
    SLOW_CLIENT = 407
    TOO_MANY_REQUESTS = 429
    """tradeloop's own: too many failed authentications from this address or on this key id."""
    INTERNAL_ERROR = 500

    @property
    def text(self) -> str:
        return _TEXTS[self]


_TEXTS: Final = {
    StreamError.INVALID_SYNTAX: "invalid syntax",
    StreamError.NOT_AUTHENTICATED: "not authenticated",
    StreamError.AUTH_FAILED: "auth failed",
    StreamError.ALREADY_AUTHENTICATED: "already authenticated",
    StreamError.AUTH_TIMEOUT: "auth timeout",
    StreamError.SYMBOL_LIMIT_EXCEEDED: "symbol limit exceeded",
    StreamError.CONNECTION_LIMIT_EXCEEDED: "connection limit exceeded",
    StreamError.SLOW_CLIENT: "slow client",
    StreamError.TOO_MANY_REQUESTS: "too many failed authentications, retry later",
    StreamError.INTERNAL_ERROR: "internal error",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class _StatusCodes:
    """One tape plan's trading status codes (`sc`, `sm`) and the reason (`rc`, `rm`) for an operator's halt."""

    halt: tuple[str, str]
    resume: tuple[str, str]
    reason: tuple[str, str]


# Alpaca's documented codes: CTA for tapes A and B, UTP for tapes C and O.
_CTA: Final = _StatusCodes(halt=("2", "Trading Halt"), resume=("3", "Resume"), reason=("X", "Operational"))
_UTP: Final = _StatusCodes(
    halt=("H", "Trading Halt"),
    resume=("T", "Trading Resumption"),
    reason=("O1", "Operations Halt, Contact Market Operations"),
)
_CTA_TAPES: Final = frozenset({"A", "B"})


class StreamBar(Protocol):
    """What a one-minute bar offers the stream."""

    @property
    def symbol(self) -> str: ...
    @property
    def timestamp(self) -> datetime: ...
    @property
    def open(self) -> Decimal: ...
    @property
    def high(self) -> Decimal: ...
    @property
    def low(self) -> Decimal: ...
    @property
    def close(self) -> Decimal: ...
    @property
    def volume(self) -> Decimal: ...
    @property
    def trade_count(self) -> int: ...
    @property
    def vwap(self) -> Decimal: ...


def success(text: str) -> Message:
    return Message({"T": "success", "msg": text})


def error(code: StreamError) -> Message:
    return Message({"T": "error", "code": int(code), "msg": code.text})


def subscription(channels: JsonDict) -> Message:
    return Message({"T": "subscription", **channels})


def trade_message(trade: Trade, venue: str) -> Message:
    """A `t` message: the REST trade's fields, with the exact values each codec renders its own way."""
    body: JsonDict = {"T": "t", "S": trade.symbol, **trade_json(trade, venue)}
    body.update(p=trade.price, s=trade.size if trade.size is not None else ZERO, t=trade.timestamp)
    return Message(body, symbol=trade.symbol)


def quote_message(quote: Quote, venue: str) -> Message:
    """A `q` message; quotes of one symbol may be coalesced for a client that falls behind."""
    body: JsonDict = {"T": "q", "S": quote.symbol, **quote_json(quote, venue)}
    body.update(
        ap=quote.ask,
        bp=quote.bid,
        t=quote.timestamp,
        **{
            "as": quote.ask_size if quote.ask_size is not None else ZERO,
            "bs": quote.bid_size if quote.bid_size is not None else ZERO,
        },
    )
    return Message(body, symbol=quote.symbol, coalescible=True)


def bar_message(bar: StreamBar, *, updated: bool = False) -> Message:
    """A `b` message: a finished one-minute bar; `u` for one sent before that a late trade changed."""
    return _bar("u" if updated else "b", bar)


def daily_bar_message(bar: StreamBar) -> Message:
    """A `d` message: the symbol's bar for the day so far, stamped with the day's start; fields as in `b`."""
    return _bar("d", bar)


def _bar(tag: str, bar: StreamBar) -> Message:
    body: JsonDict = {
        "T": tag,
        "S": bar.symbol,
        "o": bar.open,
        "h": bar.high,
        "l": bar.low,
        "c": bar.close,
        "v": bar.volume,
        "t": bar.timestamp,
        "n": bar.trade_count,
        "vw": bar.vwap,
    }
    return Message(body, symbol=bar.symbol)


def status_message(change: HaltChanged, venue: str) -> Message:
    """An `s` message: a halt or resumption, in the codes of the symbol's tape; a resumption names the halt's reason."""
    symbol_tape = tape(venue)
    codes = _CTA if symbol_tape in _CTA_TAPES else _UTP
    status_code, status_text = codes.halt if change.halted else codes.resume
    reason_code, reason_text = codes.reason
    body: JsonDict = {
        "T": "s",
        "S": change.symbol,
        "sc": status_code,
        "sm": status_text,
        "rc": reason_code,
        "rm": reason_text,
        "t": change.timestamp,
        "z": symbol_tape,
    }
    return Message(body, symbol=change.symbol)
