"""Route: the real-time market data stream at /v2/iex and /v2/sip, in Alpaca's protocol.

On connect the client gets `[{"T":"success","msg":"connected"}]`, then has the
auth timeout to send `{"action":"auth","key":..,"secret":..}` (or to have
connected with the APCA-API-KEY-ID and APCA-API-SECRET-KEY headers). Then
`subscribe` and `unsubscribe` add and remove symbols (`"*"` for all) on the
channels, each answered with the whole subscription. Every frame is an array
of messages, JSON text or, for a client that connected with `Content-Type:
application/msgpack`, msgpack binary. Both feeds serve the same data.

Errors follow Alpaca's codes. These leave the connection open: 400 invalid
syntax (undecodable frame, unknown action, malformed field), 401 not
authenticated, 403 already authenticated, 405 symbol limit exceeded (the whole
subscribe is refused). These close it: 402 auth failed, 404 auth timeout, 406
connection limit exceeded, 407 slow client, 429 too many failed
authentications from the address, 500 internal error. Bars are the market
history's one-minute bars, sent once their minute is over; updatedBars carries
a bar again when a late trade changed it; dailyBars carries a `d` message, the
symbol's bar for the day so far (the REST 1Day bar up to that minute), each
time one of its minutes goes out. statuses carries an `s` message when
an administrator halts or resumes a symbol, in Alpaca's codes for the symbol's
tape; a subscriber is not told the current status (Alpaca documents no such
snapshot). lulds is accepted and listed but carries no data here;
corrections and cancelErrors mirror trades, as on Alpaca.
"""

from __future__ import annotations

import re
from typing import Any, Final

from aiohttp import web

from tradeloop.errors import BadRequest, RateLimited, StreamsBusy
from tradeloop.http.auth import KEY_HEADER, SECRET_HEADER
from tradeloop.http.openapi import Example, Reply, Security, operation
from tradeloop.http.streams.frames import JsonDict, Message
from tradeloop.http.streams.hub import WILDCARD, Channel, StreamHub, StreamKind
from tradeloop.http.streams.market_messages import (
    StreamError,
    error,
    subscription,
    success,
)
from tradeloop.http.streams.paths import IEX_STREAM_PATH, SIP_STREAM_PATH
from tradeloop.http.streams.peer import Farewell, Farewells, Peer
from tradeloop.http.streams.session import Session, serve

routes = web.RouteTableDef()

_SYMBOL: Final = re.compile(r"^[A-Z][A-Z0-9.\-/]{0,20}$")
_MIRRORS_TRADES: Final = ("corrections", "cancelErrors")


def _closing(code: StreamError) -> Farewell:
    return Farewell(error(code))


FAREWELLS: Final = Farewells(
    slow=Farewell(error(StreamError.SLOW_CLIENT), urgent=True),
    revoked=_closing(StreamError.AUTH_FAILED),
    failed=_closing(StreamError.INTERNAL_ERROR),
)


def parse_channels(document: JsonDict) -> dict[Channel, list[str]] | None:
    """The symbols a subscribe or unsubscribe names by channel, upper-cased; None when malformed."""
    changes: dict[Channel, list[str]] = {}
    for channel in Channel:
        raw = document.get(channel.value)
        if raw is None:
            continue
        if not isinstance(raw, list):
            return None
        symbols: list[str] = []
        for item in raw:
            if not isinstance(item, str):
                return None
            symbol = item.strip().upper()
            if symbol != WILDCARD and not _SYMBOL.match(symbol):
                return None
            symbols.append(symbol)
        changes[channel] = list(dict.fromkeys(symbols))
    return changes


class MarketSession(Session):
    """One market data client's side of the protocol."""

    def __init__(self, hub: StreamHub, peer: Peer) -> None:
        super().__init__(hub, peer, error)

    async def handle(self, document: Any) -> None:
        if not isinstance(document, dict):
            self.invalid("not an object")
            return
        action = document.get("action")
        if action == "auth":
            key_id, secret = document.get("key"), document.get("secret")
            if not isinstance(key_id, str) or not isinstance(secret, str):
                self.invalid("key and secret must be strings")
            else:
                self.authenticate(key_id, secret)
        elif action in ("subscribe", "unsubscribe"):
            self._change(document, subscribe=action == "subscribe")
        else:
            self.invalid("unknown action")

    def authenticate(self, key_id: str, secret: str) -> None:
        if self.admit(key_id, secret, StreamKind.MARKET, _closing(StreamError.AUTH_FAILED)):
            self.reply(success("authenticated"))

    def _change(self, document: JsonDict, *, subscribe: bool) -> None:
        if not self.authenticated:
            self.reply(error(StreamError.NOT_AUTHENTICATED))
            return
        changes = parse_channels(document)
        if changes is None:
            self.invalid("channels must be lists of symbols")
            return
        if subscribe:
            if not self.hub.subscribe(self.peer, changes):
                self.reply(error(StreamError.SYMBOL_LIMIT_EXCEEDED))
                return
        else:
            self.hub.unsubscribe(self.peer, changes)
        self.reply(self._subscription())

    def _subscription(self) -> Message:
        current = self.hub.subscriptions(self.peer)
        channels: JsonDict = {channel.value: list(current.get(channel, ())) for channel in Channel}
        for mirror in _MIRRORS_TRADES:
            channels[mirror] = list(channels[Channel.TRADES.value])
        return subscription(channels)


@routes.get(IEX_STREAM_PATH)
@routes.get(SIP_STREAM_PATH)
@operation(
    tag="streams",
    security=Security.NONE,
    responses={101: Reply(description="Switching to the WebSocket protocol; the stream is described at /asyncapi.json.")},
    errors=(BadRequest, RateLimited, StreamsBusy),
    examples=[Example(name="upgrade", summary="a WebSocket client connects", status=101)],
)
async def market_stream(request: web.Request) -> web.StreamResponse:
    """Serve one market data stream client until it leaves or is closed."""

    def open_session(hub: StreamHub, peer: Peer) -> MarketSession:
        session = MarketSession(hub, peer)
        session.reply(success("connected"))
        key_id, secret = request.headers.get(KEY_HEADER), request.headers.get(SECRET_HEADER)
        if key_id and secret:
            session.authenticate(key_id, secret)
        return session

    return await serve(request, StreamKind.MARKET, batched=True, farewells=FAREWELLS, open_session=open_session)
