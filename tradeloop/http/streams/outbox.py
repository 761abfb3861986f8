"""A connection's bounded outbox: what is waiting for the socket, and how a backlog degrades.

Below half of its size an outbox queues everything. From half on, a quote
replaces the symbol's quote still waiting (the client gets the newest quote,
later), while trades, bars, trade updates and replies are still queued, never
dropped, and the outbox counts as behind. At its size nothing more fits: a
quote that cannot replace one is dropped, anything else refuses and the
connection must be closed as a slow client. So its length never exceeds its
size, whatever the market does.

A newer quote never overtakes a trade or bar of its own symbol: such a message
closes the symbol's waiting quote to further replacement.
"""

from __future__ import annotations

import asyncio
from collections import deque
from enum import Enum, auto

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
    """A place in the queue whose message a newer quote may swap."""

    __slots__ = ("message",)

    def __init__(self, message: Message) -> None:
        self.message = message


class Outbox:
    """Messages waiting for one connection, at most `size` of them."""

    def __init__(self, size: int) -> None:
        if size < 2:
            raise ValueError("an outbox holds at least two messages")
        self.size = size
        self.soft_limit = size // 2
        self._queue: deque[_Slot] = deque()
        self._open_quotes: dict[str, _Slot] = {}
        self._ready = asyncio.Event()
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
        if queued >= self.soft_limit and message.coalescible:
            assert message.symbol is not None
            slot = self._open_quotes.get(message.symbol)
            if slot is not None:
                slot.message = message
                self.coalesced += 1
                return Accepted.COALESCED
        if queued >= self.size:
            if message.coalescible:
                self.dropped += 1
                return Accepted.DROPPED
            return Accepted.REFUSED
        if queued >= self.soft_limit and not message.coalescible and self.behind_since is None:
            self.behind_since = now
        slot = _Slot(message)
        self._queue.append(slot)
        if message.symbol is not None:
            if message.coalescible:
                self._open_quotes[message.symbol] = slot
            else:
                self._open_quotes.pop(message.symbol, None)
        self._ready.set()
        self._drained.clear()
        return Accepted.QUEUED

    def behind_for(self, now: float) -> float:
        """Seconds the outbox has been behind; 0 when it is not."""
        return 0.0 if self.behind_since is None else now - self.behind_since

    async def take(self, most: int) -> list[Message]:
        """Wait for messages, then remove and return up to `most` of them, oldest first."""
        while not self._queue:
            self._drained.set()
            self._ready.clear()
            await self._ready.wait()
        taken: list[Message] = []
        while self._queue and len(taken) < most:
            slot = self._queue.popleft()
            symbol = slot.message.symbol
            if symbol is not None and self._open_quotes.get(symbol) is slot:
                del self._open_quotes[symbol]
            taken.append(slot.message)
        if len(self._queue) < self.soft_limit:
            self.behind_since = None
        return taken

    def sent(self) -> None:
        """Note that what was taken is written: with nothing left, the outbox is drained."""
        if not self._queue:
            self._drained.set()

    async def drained(self) -> None:
        """Wait until everything queued so far has been taken and written."""
        await self._drained.wait()
