"""Pacing for calls to an outside service: a sliding-window rate limiter and exponential backoff.

The limiter keeps a log of recent call times, so "at most N calls in any
window of P seconds" holds exactly for every window, not just on average (a
leaky bucket or token bucket lets a full burst through right after a steady
drip, which can put up to twice the limit in one window).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final

Clock = Callable[[], float]
"""Monotonic seconds."""
AsyncSleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` calls in any `period_s` seconds."""

    limit: int
    period_s: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period_s <= 0:
            raise ValueError(f"a window needs a positive limit and period, got {self.limit}/{self.period_s}s")


class SlidingWindowLimiter:
    """Admits a call only when every window still has room, waiting as long as needed otherwise."""

    def __init__(
        self,
        windows: Sequence[Window],
        *,
        clock: Clock = time.monotonic,
        sleep: AsyncSleep = asyncio.sleep,
        blocking_sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not windows:
            raise ValueError("a limiter needs at least one window")
        self.windows = tuple(sorted(windows, key=lambda w: w.period_s))
        self._clock = clock
        self._sleep = sleep
        self._blocking_sleep = blocking_sleep
        self._horizon_s = self.windows[-1].period_s
        self._log: deque[float] = deque(maxlen=max(w.limit for w in self.windows))
        """Times of the most recent admitted calls, oldest first."""

    def delay_s(self, now: float) -> float:
        """How long a call arriving at `now` must wait for every window to have room (0 if none)."""
        log = self._log
        while log and log[0] <= now - self._horizon_s:
            log.popleft()
        wait = 0.0
        for window in self.windows:
            if len(log) >= window.limit:
                # The call `limit` places back must leave the window before another may enter it.
                oldest_in_way = log[len(log) - window.limit]
                wait = max(wait, oldest_in_way + window.period_s - now)
        return wait

    def try_acquire(self) -> float:
        """Admit a call now and return 0, or admit nothing and return the seconds to wait."""
        now = self._clock()
        wait = self.delay_s(now)
        if wait <= 0:
            self._log.append(now)
            return 0.0
        return wait

    async def acquire(self) -> None:
        """Wait until a call is admitted; callers are admitted as room appears, not strictly in order."""
        while (wait := self.try_acquire()) > 0:
            await self._sleep(wait)

    def acquire_blocking(self) -> None:
        """Like acquire, for use before an event loop runs (start-up checks)."""
        while (wait := self.try_acquire()) > 0:
            self._blocking_sleep(wait)


class Backoff:
    """Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base * 2**n)]."""

    FLOOR_S: Final = 0.05
    """Never retry in a tight loop, however the dice fall."""

    def __init__(self, *, base_s: float, cap_s: float, rng: random.Random | None = None) -> None:
        if base_s <= 0 or cap_s < base_s:
            raise ValueError(f"backoff needs 0 < base <= cap, got {base_s} and {cap_s}")
        self.base_s = base_s
        self.cap_s = cap_s
        self.attempts = 0
        self._rng = rng or random.Random()

    def next_delay_s(self, at_least_s: float = 0.0) -> float:
        """The wait before the next attempt; a server's Retry-After (at_least_s) is always honoured."""
        ceiling = min(self.cap_s, self.base_s * 2**min(self.attempts, 32))
        self.attempts += 1
        return max(self._rng.uniform(0, ceiling), self.FLOOR_S, at_least_s)

    def reset(self) -> None:
        """Start over after a success."""
        self.attempts = 0
