"""The actor: a named task draining one bounded queue, one message at a time."""

from __future__ import annotations

import asyncio
import logging
from typing import Generic, Protocol, TypeVar

from tradeloop.errors import TradeloopError, Unavailable

M = TypeVar("M")
M_contra = TypeVar("M_contra", contravariant=True)
log = logging.getLogger(__name__)


class Mailbox(Protocol[M_contra]):
    """How one actor reaches another: by its messages alone, without knowing the other's class."""

    def tell(self, message: M_contra) -> None: ...

    async def send(self, message: M_contra) -> None: ...

    def has_room(self) -> bool: ...


class Actor(Generic[M]):
    """Owns its state; handles one message at a time, so it needs no locks."""

    def __init__(self, name: str, maxsize: int) -> None:
        self.name = name
        self._queue: asyncio.Queue[M] = asyncio.Queue(maxsize)
        self._task: asyncio.Task[None] | None = None
        self._in_hand = False
        """A message is being handled, by the task or in a caller's turn (`handle_now`)."""
        self._turn: asyncio.Future[None] | None = None
        """Set while the task waits for a message handled in a caller's turn to finish."""

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    def tell(self, message: M) -> None:
        """Enqueue without waiting.

        Raises:
            Unavailable: when the queue is full; the message is not taken.
        """
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            raise Unavailable(f"{self.name} is overloaded, try again shortly") from None

    def has_room(self) -> bool:
        return not self._queue.full()

    async def send(self, message: M) -> None:
        """Enqueue, waiting for room: back-pressure for actor-to-actor traffic."""
        queue = self._queue
        if queue.full():
            await queue.put(message)
        else:
            queue.put_nowait(message)  # what `put` does when there is room, without its coroutine

    async def handle_now(self, message: M) -> None:
        """Handle `message` in the caller's turn when nothing waits or is in hand, else queue it and wait until it is
        handled: the effect of `send` then `idle`, without two turns of the loop (a backtest steps actors this way).

        Still one message at a time: a message arriving meanwhile waits for this one.
        """
        if self.busy:
            await self.send(message)
            await self.idle()
            return
        self._in_hand = True
        try:
            await self.handle(message)
        except TradeloopError as exc:
            self.failed(message, exc)
        except Exception as exc:  # as in the task: an actor outlives a bad message
            log.exception("%s failed on %s", self.name, type(message).__name__)
            self.failed(message, exc)
        finally:
            self._in_hand = False
            turn, self._turn = self._turn, None
            if turn is not None and not turn.done():
                turn.set_result(None)

    async def idle(self) -> None:
        """Wait until every message enqueued so far has been handled."""
        await self._queue.join()

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    @property
    def busy(self) -> bool:
        """Whether a message waits or is being handled (`idle` would wait)."""
        return self._in_hand or bool(self._queue.qsize())

    async def stop(self) -> None:
        """Let the queue drain, then end the task."""
        if self._task is None:
            return
        await self._queue.join()
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None

    async def _run(self) -> None:
        queue = self._queue
        while True:
            # `get` returns at once when a message waits; skip its coroutine then.
            message = queue.get_nowait() if queue.qsize() else await queue.get()
            if self._in_hand:  # a caller is handling one in its turn (`handle_now`): this one waits for it
                self._turn = asyncio.get_running_loop().create_future()
                await self._turn
            self._in_hand = True
            try:
                await self.handle(message)
            except TradeloopError as exc:
                self.failed(message, exc)
            except Exception as exc:  # an actor outlives a bad message
                log.exception("%s failed on %s", self.name, type(message).__name__)
                self.failed(message, exc)
            finally:
                self._in_hand = False
                queue.task_done()

    async def handle(self, message: M) -> None:
        raise NotImplementedError

    def failed(self, message: M, exc: Exception) -> None:
        """Tell whoever waits on `message` that it failed."""
