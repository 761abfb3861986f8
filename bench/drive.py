"""Closed-loop load inside one event loop: N workers calling until a shared budget of calls is spent."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence


async def closed_loop(calls: int, concurrency: int, call: Callable[[int], Awaitable[object]]) -> float:
    """Make `calls` calls from `concurrency` workers (worker index passed in); return the seconds taken."""
    remaining = calls

    async def worker(index: int) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call(index)

    started = time.perf_counter()
    await asyncio.gather(*(worker(index) for index in range(concurrency)))
    return time.perf_counter() - started


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
