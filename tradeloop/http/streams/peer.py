"""One stream connection: its outbox, the task that writes it out, and how it ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Final, Protocol
from uuid import UUID

from aiohttp import WSCloseCode, WSMsgType, web

from tradeloop.errors import BadRequest
from tradeloop.http.streams.frames import (
    Codec,
    InvalidFrame,
    Message,
    codec_for,
    decode,
    encode_batch,
)
from tradeloop.http.streams.outbox import Accepted, Outbox

log = logging.getLogger(__name__)

_DROPPED: Final = Accepted.DROPPED
_REFUSED: Final = Accepted.REFUSED

BATCH_MAX: Final = 256
"""Most messages in one market data frame."""
FRAME_GAP_S: Final = 0.001
"""Least time between two market data frames of a connection: what arrives meanwhile goes out in one frame.

A message that finds the connection idle goes out at once; under a busy feed the
gap turns a frame (a socket write, a writer wake-up) per message into one per
batch, which is most of what fanning out to many clients costs.
"""
CLOSE_TIMEOUT_S: Final = 2.0
"""How long a closing connection may take to flush and say goodbye before it is cut."""


@dataclass(frozen=True, slots=True)
class Farewell:
    """Why a connection ends: the last message the client gets, and the WebSocket close code."""

    message: Message | None
    close_code: int = WSCloseCode.POLICY_VIOLATION
    urgent: bool = False
    """Skip whatever is still queued (the client is not reading it anyway)."""


GOING_AWAY: Final = Farewell(None, WSCloseCode.GOING_AWAY)
GOODBYE: Final = Farewell(None, WSCloseCode.OK)


@dataclass(frozen=True, slots=True, kw_only=True)
class Farewells:
    """How a protocol says goodbye for reasons that arise outside its session."""

    slow: Farewell
    """The client fell too far behind."""
    revoked: Farewell
    """The key the client authenticated with was replaced."""
    failed: Farewell
    """Handling a client message failed unexpectedly."""


class Session(Protocol):
    """A stream protocol spoken over a peer: what to do with each client document."""

    async def handle(self, document: Any) -> None:
        """Act on one decoded client document."""

    def invalid(self, reason: str) -> None:
        """Answer a frame that does not decode."""


class Peer:
    """A connected client: messages go in through `deliver` (never waits), out through one writer task."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        codec: Codec,
        outbox: Outbox,
        *,
        batched: bool,
        farewells: Farewells,
    ) -> None:
        self.ws = ws
        self.request = request
        self.codec = codec
        self.outbox = outbox
        self.batched = batched
        self.farewells = farewells
        self.account_id: UUID | None = None
        self._farewell: asyncio.Future[Farewell] = asyncio.get_running_loop().create_future()

    @property
    def ending(self) -> bool:
        return self._farewell.done()

    def deliver(self, message: Message, now: float) -> Accepted:
        """Queue a message for the client; a client too far behind to take it is told to go."""
        if self._farewell.done():
            return _DROPPED
        accepted = self.outbox.put(message, now)
        if accepted is _REFUSED:
            self.end(self.farewells.slow)
        return accepted

    def end(self, farewell: Farewell) -> None:
        """Ask the connection to end (without waiting); the first reason given wins."""
        if not self._farewell.done():
            self._farewell.set_result(farewell)

    async def serve(self, session: Session) -> None:
        """Read and handle client documents while the writer runs, until either side ends it; then close."""
        writer = asyncio.create_task(self._write(), name=f"stream-writer-{id(self):x}")
        reader = asyncio.create_task(self._read(session), name=f"stream-reader-{id(self):x}")
        try:
            waiting: set[asyncio.Future[Any]] = {writer, reader, self._farewell}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            reader.cancel()
            (outcome,) = await asyncio.gather(reader, return_exceptions=True)
            if isinstance(outcome, Exception):
                log.warning("stream read ended: %r", outcome)
            await self._close(writer)

    async def _read(self, session: Session) -> None:
        async for frame in self.ws:
            if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                return  # an error frame: aiohttp has already started closing
            try:
                document = decode(frame, self.codec)
            except InvalidFrame as exc:
                session.invalid(str(exc))
                continue
            try:
                await session.handle(document)
            except Exception:
                log.exception("stream session failed")
                self.end(self.farewells.failed)
            if self.ending:
                return

    async def _write(self) -> None:
        """Write the outbox out, a batch per frame on market data, a message per frame on trade updates."""
        try:
            while True:
                messages = await self.outbox.take(BATCH_MAX if self.batched else 1)
                if self.batched:
                    await self.ws.send_frame(encode_batch(self.codec, messages), self.codec.opcode)
                    self.outbox.sent()
                    await asyncio.sleep(FRAME_GAP_S)
                else:
                    for message in messages:
                        await self.ws.send_frame(message.encoded(self.codec), self.codec.opcode)
                    self.outbox.sent()
        except (ConnectionError, RuntimeError) as exc:  # the peer went away mid-write
            log.debug("stream write ended: %s", exc)
        except Exception:
            log.exception("stream write failed")

    async def _close(self, writer: asyncio.Task[None]) -> None:
        """Flush what is queued (unless the farewell is urgent), say goodbye, and cut a peer that does not answer."""
        farewell = self._farewell.result() if self._farewell.done() else GOODBYE
        self.end(farewell)
        if not farewell.urgent and not writer.done() and not self.ws.closed:
            if farewell.message is not None:
                self.outbox.put(farewell.message, 0.0)
            drained = asyncio.ensure_future(self.outbox.drained())
            await asyncio.wait({drained, writer}, timeout=CLOSE_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
            drained.cancel()
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        try:
            await asyncio.wait_for(self._goodbye(farewell), CLOSE_TIMEOUT_S)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            self._abort()  # a stalled client reads neither its last message nor the close frame

    async def _goodbye(self, farewell: Farewell) -> None:
        if farewell.urgent and farewell.message is not None and not self.ws.closed:
            await self.ws.send_frame(self._frame(farewell.message), self.codec.opcode)
        await self.ws.close(code=farewell.close_code)

    def _frame(self, message: Message) -> bytes:
        return encode_batch(self.codec, [message]) if self.batched else message.encoded(self.codec)

    def _abort(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.abort()


async def accept(
    request: web.Request,
    *,
    outbox_size: int,
    heartbeat_s: float,
    max_message_bytes: int,
    batched: bool,
    farewells: Farewells,
) -> Peer:
    """Upgrade a request to a WebSocket and wrap it in a peer, its codec chosen by the Content-Type.

    Frames are not compressed: a message is encoded once for all its clients,
    and per-client deflate would cost more than the bytes it saves on fan-out.

    Raises:
        BadRequest: the request is not a WebSocket upgrade.
    """
    ws = web.WebSocketResponse(
        heartbeat=heartbeat_s, max_msg_size=max_message_bytes, timeout=CLOSE_TIMEOUT_S, compress=False
    )
    if not ws.can_prepare(request).ok:
        raise BadRequest("this is a WebSocket endpoint: connect with a WebSocket client")
    await ws.prepare(request)
    return Peer(ws, request, codec_for(request), Outbox(outbox_size), batched=batched, farewells=farewells)
