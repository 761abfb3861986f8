"""What the market data and trading stream sessions share: the peer, replies and the auth deadline."""

from __future__ import annotations

from collections.abc import Callable

from tradeloop.http.streams.frames import Message
from tradeloop.http.streams.hub import StreamHub
from tradeloop.http.streams.market_messages import StreamError
from tradeloop.http.streams.peer import Farewell, Peer


class Session:
    """One client's side of a stream protocol; each stream renders its errors its own way."""

    def __init__(self, hub: StreamHub, peer: Peer, render_error: Callable[[StreamError], Message]) -> None:
        self.hub = hub
        self.peer = peer
        self.authenticated = False
        self._render_error = render_error

    def reply(self, message: Message) -> None:
        self.peer.deliver(message, self.hub.clock())

    def invalid(self, reason: str) -> None:
        self.reply(self._render_error(StreamError.INVALID_SYNTAX))

    def auth_timeout(self) -> None:
        if not self.authenticated:
            self.peer.end(Farewell(self._render_error(StreamError.AUTH_TIMEOUT)))
