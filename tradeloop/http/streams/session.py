"""What the market data and trading stream sessions share: the peer, replies and the auth deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tradeloop.errors import RateLimited
from tradeloop.http.ratelimit import client_address
from tradeloop.http.streams.admission import WAITING, Slot
from tradeloop.http.streams.frames import Message
from tradeloop.http.streams.hub import HUB, StreamHub, StreamKind
from tradeloop.http.streams.market_messages import StreamError
from tradeloop.http.streams.peer import Farewell, Farewells, Peer, accept


class Session:
    """One client's side of a stream protocol; each stream renders its errors its own way."""

    def __init__(self, hub: StreamHub, peer: Peer, render_error: Callable[[StreamError], Message]) -> None:
        self.hub = hub
        self.peer = peer
        self.authenticated = False
        self._render_error = render_error
        self._waiting: Slot | None = None

    def wait_in(self, slot: Slot) -> None:
        """Count this connection among those waiting to authenticate until it does (at once if it has)."""
        self._waiting = slot
        if self.authenticated:
            slot.release()

    def reply(self, message: Message) -> None:
        self.peer.deliver(message, self.hub.clock())

    def invalid(self, reason: str) -> None:
        self.reply(self._render_error(StreamError.INVALID_SYNTAX))

    def admit(self, key_id: str, secret: str, kind: StreamKind, refused: Farewell) -> bool:
        """Authenticate the client and take it in as a `kind` connection; False, with the peer ended or told, if not.

        `refused` ends a connection whose key and secret are wrong: each protocol says so its own way.
        """
        if self.authenticated:
            self.reply(self._render_error(StreamError.ALREADY_AUTHENTICATED))
            return False
        try:
            state = self.hub.authenticate(self.peer.request, key_id, secret)
        except RateLimited:
            self.peer.end(Farewell(self._render_error(StreamError.TOO_MANY_REQUESTS)))
            return False
        if state is None:
            self.peer.end(refused)
            return False
        if not self.hub.admit(self.peer, state.id, kind):
            self.peer.end(Farewell(self._render_error(StreamError.CONNECTION_LIMIT_EXCEEDED)))
            return False
        self.authenticated = True
        if self._waiting is not None:
            self._waiting.release()
        return True

    def auth_timeout(self) -> None:
        if not self.authenticated:
            self.peer.end(Farewell(self._render_error(StreamError.AUTH_TIMEOUT)))

    async def handle(self, document: Any) -> None:
        raise NotImplementedError


async def serve(
    request: web.Request,
    kind: StreamKind,
    *,
    batched: bool,
    farewells: Farewells,
    open_session: Callable[[StreamHub, Peer], Session],
) -> web.WebSocketResponse:
    """Upgrade, register and serve one stream client until it leaves or is closed, under the auth deadline.

    Raises:
        RateLimited, StreamsBusy: too many connections wait to authenticate (see admission); nothing was upgraded.
    """
    hub = request.app[HUB]
    limits = hub.limits
    slot = request.app[WAITING].enter(client_address(request) or "unknown")
    try:
        peer = await accept(
            request,
            outbox_size=limits.outbox_size,
            heartbeat_s=limits.heartbeat_s,
            max_message_bytes=limits.max_message_bytes,
            batched=batched,
            farewells=farewells,
        )
        hub.join(peer)
        session = open_session(hub, peer)
        session.wait_in(slot)
        timer = asyncio.get_running_loop().call_later(limits.auth_timeout_s, session.auth_timeout)
        try:
            await peer.serve(session)
        finally:
            timer.cancel()
            hub.leave(peer, kind)
    finally:
        slot.release()
    return peer.ws
