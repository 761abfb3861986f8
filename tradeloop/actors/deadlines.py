"""Reply deadlines: a caller waiting on an actor gives up after a while, at one timer for all callers."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from tradeloop.errors import Unavailable

T = TypeVar("T")


class Timer(Protocol):
    """A timer that `Timers.call_at` set; once cancelled, its callback never runs."""

    def cancel(self) -> None: ...


class Timers(Protocol):
    """A clock and the timers set on it; an event loop is one (its `time` and `call_at`)."""

    def time(self) -> float: ...

    def call_at(self, when: float, callback: Callable[[], object], /) -> Timer: ...


class Deadlines:
    """Fails replies still unanswered `timeout_s` after they were watched.

    Every reply gets the same timeout, so deadlines come in the order replies
    are watched: a queue and one loop timer (set for the oldest unanswered
    reply) replace a timer per request, which cost more than some actor steps.
    Answered replies leave the queue as it is walked from the front.
    Time is the replies' event loop's unless `timers` is given (tests move theirs by hand).
    """

    def __init__(self, timeout_s: float, timers: Timers | None = None) -> None:
        self.timeout_s = timeout_s
        self._given = timers
        self._waiting: deque[tuple[float, asyncio.Future[Any]]] = deque()
        self._timer: Timer | None = None
        self._timers: Timers | None = None

    def watch(self, reply: asyncio.Future[T]) -> asyncio.Future[T]:
        """Fail `reply` with Unavailable unless it is done within the timeout; returns it."""
        timers: Timers = self._given if self._given is not None else reply.get_loop()
        if timers is not self._timers:  # first use, or an engine reused on a new loop
            self._forget()
            self._timers = timers
        waiting = self._waiting
        while waiting and waiting[0][1].done():
            waiting.popleft()
        waiting.append((timers.time() + self.timeout_s, reply))
        if self._timer is None:
            self._timer = timers.call_at(waiting[0][0], self._expire)
        return reply

    @property
    def watched(self) -> int:
        """Replies still in the queue (answered ones included until the queue is walked past them)."""
        return len(self._waiting)

    def _expire(self) -> None:
        self._timer = None
        assert self._timers is not None
        now = self._timers.time()
        waiting = self._waiting
        while waiting:
            deadline, reply = waiting[0]
            if not reply.done():
                if deadline > now:
                    break
                reply.set_exception(Unavailable("the engine did not answer in time; the request may still complete"))
            waiting.popleft()
        if waiting:
            self._timer = self._timers.call_at(waiting[0][0], self._expire)

    def _forget(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._waiting.clear()
