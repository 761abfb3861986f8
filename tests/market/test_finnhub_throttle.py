"""The sliding-window limiter keeps Finnhub's free-tier budget; backoff grows, jitters and resets."""

from __future__ import annotations

import asyncio
import random
from bisect import bisect_right

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeloop.market.finnhub_rest import FREE_TIER
from tradeloop.market.throttle import Backoff, SlidingWindowLimiter, Window


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now_s = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now_s

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_s += seconds
        await asyncio.sleep(0)

    def blocking_sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_s += seconds


def most_in_any_window(times: list[float], period_s: float) -> int:
    """The largest number of times inside any half-open window (t - period, t]."""
    ordered = sorted(times)
    return max(i + 1 - bisect_right(ordered, t - period_s) for i, t in enumerate(ordered))


def limiter(clock: FakeClock) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(FREE_TIER, clock=clock, sleep=clock.sleep, blocking_sleep=clock.blocking_sleep)


async def test_a_burst_gets_30_in_the_first_second_and_60_in_the_first_minute() -> None:
    clock = FakeClock()
    gate = limiter(clock)
    admitted: list[float] = []
    for _ in range(130):
        await gate.acquire()
        admitted.append(clock.now_s - 1000.0)
    assert admitted[:30] == [0.0] * 30
    assert admitted[30:60] == [pytest.approx(1.0)] * 30  # the second window opens as the first call leaves
    assert admitted[60] == pytest.approx(60.0)  # then the minute is spent until the first call leaves it
    assert most_in_any_window(admitted, 1.0) <= 30
    assert most_in_any_window(admitted, 60.0) <= 60


async def test_concurrent_callers_share_the_budget() -> None:
    clock = FakeClock()
    gate = limiter(clock)
    admitted: list[float] = []

    async def caller() -> None:
        for _ in range(10):
            await gate.acquire()
            admitted.append(clock.now_s)

    await asyncio.gather(*(caller() for _ in range(12)))
    assert len(admitted) == 120
    assert most_in_any_window(admitted, 1.0) <= 30
    assert most_in_any_window(admitted, 60.0) <= 60


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=150))
def test_never_more_than_30_a_second_or_60_a_minute(gaps_s: list[float]) -> None:
    clock = FakeClock()
    gate = limiter(clock)
    admitted: list[float] = []
    for gap_s in gaps_s:
        clock.now_s += gap_s  # callers arrive at arbitrary times
        gate.acquire_blocking()
        admitted.append(clock.now_s)
    assert most_in_any_window(admitted, 1.0) <= 30
    assert most_in_any_window(admitted, 60.0) <= 60


def test_no_wait_while_there_is_room() -> None:
    clock = FakeClock()
    gate = limiter(clock)
    for _ in range(30):
        assert gate.try_acquire() == 0.0
    assert gate.try_acquire() == pytest.approx(1.0)
    clock.now_s += 0.4
    assert gate.try_acquire() == pytest.approx(0.6)


def test_windows_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Window(0, 1.0)
    with pytest.raises(ValueError):
        SlidingWindowLimiter([])


def test_backoff_grows_to_its_cap_with_jitter_and_honours_retry_after() -> None:
    backoff = Backoff(base_s=1.0, cap_s=8.0, rng=random.Random(3))
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    delays = [backoff.next_delay_s() for _ in ceilings]
    assert all(Backoff.FLOOR_S <= d <= c for d, c in zip(delays, ceilings))
    assert backoff.next_delay_s(at_least_s=30.0) >= 30.0
    backoff.reset()
    assert backoff.attempts == 0 and backoff.next_delay_s() <= 1.0
