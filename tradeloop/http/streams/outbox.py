"""A connection's bounded outbox: what is waiting for the socket, and how a backlog degrades.

Below half of its size an outbox queues everything. From half on, a quote
replaces the symbol's quote still waiting (the client gets the newest quote,
later), while trades, bars, trading statuses, trade updates and replies are
still queued, never dropped, and the outbox counts as behind. At its size nothing more fits: a
quote that cannot replace one is dropped, anything else refuses and the
connection must be closed as a slow client. So its length never exceeds its
size, whatever the market does.

A newer quote never overtakes a trade, bar or status of its own symbol: such a
message closes the symbol's waiting quote to further replacement.
"""

from __future__ import annotations

import asyncio
from collections import deque
from enum import Enum, auto
from typing import Final

from tradeloop.http.streams.frames import Message


class Accepted(Enum):
    """What became of a message put in an outbox."""

    QUEUED = auto()
    COALESCED = auto()
    """It replaced an older quote of its symbol that was still waiting."""
    DROPPED = auto()
    """A quote that found the outbox full and no older quote to replace."""
    REFUSED = auto()
    """A message that must not be dropped found the outbox full: the client is too slow."""


class _Slot:
    """A place in the queue whose message a newer quote may swap (quotes only; other messages queue bare)."""

    __slots__ = ("message",)

    def __init__(self, message: Message) -> None:
        self.message = message


_QUEUED: Final = Accepted.QUEUED
_COALESCED: Final = Accepted.COALESCED
_DROPPED: Final = Accepted.DROPPED
_REFUSED: Final = Accepted.REFUSED


class Outbox:
    """Messages waiting for one connection, at most `size` of them.

    `put` runs once per message per subscriber on fan-out, so it does as little
    as it can: a message that cannot be coalesced is queued as it is, and the
    writer is woken only when it is waiting.
    """

    def __init__(self, size: int) -> None:
        if size < 2:
            raise ValueError("an outbox holds at least two messages")
        self.size = size
        self.soft_limit = size // 2
        self._queue: deque[Message | _Slot] = deque()
        self._open_quotes: dict[str, _Slot] = {}
        self._waiter: asyncio.Future[None] | None = None
        """The writer waiting for a message, if it is."""
        self._drained = asyncio.Event()
        self._drained.set()
        self.behind_since: float | None = None
        """When the outbox last went past its soft limit with messages that cannot be coalesced."""
        self.coalesced = 0
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, message: Message, now: float) -> Accepted:
        """Queue a message without waiting; see the module docstring for what happens when full."""
        queued = len(self._queue)
        if queued >= self.soft_limit:
            if message.coalescible:
                assert message.symbol is not None
                open_slot = self._open_quotes.get(message.symbol)
                if open_slot is not None:
                    open_slot.message = message
                    self.coalesced += 1
                    return _COALESCED
                if queued >= self.size:
                    self.dropped += 1
                    return _DROPPED
            elif queued >= self.size:
                return _REFUSED
            elif self.behind_since is None:
                self.behind_since = now
        symbol = message.symbol
        if message.coalescible:
            assert symbol is not None
            slot = _Slot(message)
            self._queue.append(slot)
            self._open_quotes[symbol] = slot
        else:
            self._queue.append(message)
            if symbol is not None and self._open_quotes:
                self._open_quotes.pop(symbol, None)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        self._drained.clear()
        return _QUEUED

    def behind_for(self, now: float) -> float:
        """Seconds the outbox has been behind; 0 when it is not."""
        return 0.0 if self.behind_since is None else now - self.behind_since

    async def take(self, most: int) -> list[Message]:
        """Wait for messages, then remove and return up to `most` of them, oldest first."""
        queue = self._queue
        while not queue:
            self._drained.set()
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        taken: list[Message] = []
        open_quotes = self._open_quotes
        for _ in range(min(most, len(queue))):
            item = queue.popleft()
            if isinstance(item, _Slot):
                quote = item.message
                assert quote.symbol is not None
                if open_quotes.get(quote.symbol) is item:
                    del open_quotes[quote.symbol]
                taken.append(quote)
            else:
                taken.append(item)
        if len(queue) < self.soft_limit:
            self.behind_since = None
        return taken

    def sent(self) -> None:
        """Note that what was taken is written: with nothing left, the outbox is drained."""
        if not self._queue:
            self._drained.set()

    async def drained(self) -> None:
        """Wait until everything queued so far has been taken and written."""
        await self._drained.wait()
