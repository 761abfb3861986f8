"""Route: the trading stream at /stream, Alpaca's `trade_updates` and our `notifications`, for the authenticated account only.

The client sends `{"action":"authenticate","data":{"key_id":..,"secret_key":..}}`
and gets `{"stream":"authorization","data":{"status":"authorized","action":"authenticate"}}`
(or `"unauthorized"`, and the connection closes). `{"action":"listen","data":{"streams":[..]}}`
sets the streams it listens to (an empty list stops them) and is answered with
those it got, `{"stream":"listening","data":{"streams":["trade_updates"]}}`. `notifications`
carries the account's notifications (`{"stream":"notifications","data":{id, type, created_at,
account_id, data}}`), once journaled and in order; see `tradeloop.http.streams.notifications`.
Each message is its own frame: JSON text, as alpaca-py sends and reads, or
msgpack binary for a client that connected with `Content-Type: application/msgpack`.

Listening before authenticating is answered with an `unauthorized` authorization
for the `listen` action. Other errors are `{"stream":"error","data":{"code":..,"message":..}}`
with the data stream's codes: 400 invalid syntax and 403 already authenticated
leave the connection open; 404 auth timeout, 406 connection limit exceeded,
407 slow client, 429 too many failed authentications and 500 close it.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from tradeloop.errors import BadRequest, RateLimited, StreamsBusy
from tradeloop.http.openapi import Example, Reply, Security, operation
from tradeloop.http.streams.frames import Message
from tradeloop.http.streams.hub import StreamHub, StreamKind
from tradeloop.http.streams.market_messages import StreamError
from tradeloop.http.streams.notifications import NOTIFICATIONS
from tradeloop.http.streams.paths import TRADING_STREAM_PATH
from tradeloop.http.streams.peer import Farewell, Farewells, Peer
from tradeloop.http.streams.session import Session, serve
from tradeloop.http.streams.updates import TRADE_UPDATES

routes = web.RouteTableDef()

STREAMS: Final = (TRADE_UPDATES, NOTIFICATIONS)


def authorization(action: str, status: str) -> Message:
    return Message({"stream": "authorization", "data": {"action": action, "status": status}})


def listening(streams: list[str]) -> Message:
    return Message({"stream": "listening", "data": {"streams": streams}})


def stream_error(code: StreamError) -> Message:
    return Message({"stream": "error", "data": {"code": int(code), "message": code.text}})


def _closing(code: StreamError) -> Farewell:
    return Farewell(stream_error(code))


UNAUTHORIZED: Final = Farewell(authorization("authenticate", "unauthorized"))
FAREWELLS: Final = Farewells(
    slow=Farewell(stream_error(StreamError.SLOW_CLIENT), urgent=True),
    revoked=UNAUTHORIZED,
    failed=_closing(StreamError.INTERNAL_ERROR),
)


class TradingSession(Session):
    """One trading stream client's side of the protocol."""

    def __init__(self, hub: StreamHub, peer: Peer) -> None:
        super().__init__(hub, peer, stream_error)

    async def handle(self, document: Any) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
            self.invalid("not an object with data")
            return
        action, data = document.get("action"), document["data"]
        if action == "authenticate":
            key_id, secret = data.get("key_id"), data.get("secret_key")
            if not isinstance(key_id, str) or not isinstance(secret, str):
                self.invalid("key_id and secret_key must be strings")
            else:
                self._authenticate(key_id, secret)
        elif action == "listen":
            streams = data.get("streams")
            if not isinstance(streams, list) or not all(isinstance(name, str) for name in streams):
                self.invalid("streams must be a list of names")
            else:
                self._listen(streams)
        else:
            self.invalid("unknown action")

    def _authenticate(self, key_id: str, secret: str) -> None:
        if self.admit(key_id, secret, StreamKind.TRADING, UNAUTHORIZED):
            self.reply(authorization("authenticate", "authorized"))

    def _listen(self, streams: list[str]) -> None:
        if not self.authenticated:
            self.reply(authorization("listen", "unauthorized"))
            return
        granted = [name for name in STREAMS if name in streams]
        for name in STREAMS:
            self.hub.listen(self.peer, name in granted, name)
        self.reply(listening(granted))


@routes.get(TRADING_STREAM_PATH)
@operation(
    tag="streams",
    security=Security.NONE,
    responses={101: Reply(description="Switching to the WebSocket protocol; the stream is described at /asyncapi.json.")},
    errors=(BadRequest, RateLimited, StreamsBusy),
    examples=[Example(name="upgrade", summary="a WebSocket client connects", status=101)],
)
async def trading_stream(request: web.Request) -> web.StreamResponse:
    """Serve one trading stream client until it leaves or is closed."""
    return await serve(request, StreamKind.TRADING, batched=False, farewells=FAREWELLS, open_session=TradingSession)
