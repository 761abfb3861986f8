"""Reply deadlines: an unanswered reply fails with Unavailable at its deadline, an answered one is left alone."""

from __future__ import annotations

import asyncio

import pytest

from tests.actors.factories import ManualTimers
from tradeloop.actors.deadlines import Deadlines
from tradeloop.errors import Unavailable

TIMEOUT_S = 0.5
STEP_S = 2.0**-20
"""About a microsecond; both are exact in binary, so the clock lands exactly on a deadline or just short of it."""


def future() -> asyncio.Future[int]:
    return asyncio.get_running_loop().create_future()


async def test_an_unanswered_reply_fails_at_its_deadline_and_not_before() -> None:
    timers = ManualTimers()
    deadlines = Deadlines(TIMEOUT_S, timers)
    reply = deadlines.watch(future())
    timers.advance(TIMEOUT_S - STEP_S)
    assert not reply.done()
    timers.advance(STEP_S)
    failure = reply.exception()  # raises InvalidStateError while the reply is still pending
    assert isinstance(failure, Unavailable) and failure.status == 503
    assert timers.pending == 0


async def test_answered_and_cancelled_replies_are_left_alone_and_dropped() -> None:
    timers = ManualTimers()
    deadlines = Deadlines(TIMEOUT_S, timers)
    answered, cancelled = deadlines.watch(future()), deadlines.watch(future())
    answered.set_result(7)
    cancelled.cancel()
    timers.advance(TIMEOUT_S)
    assert answered.result() == 7 and cancelled.cancelled()
    assert deadlines.watched == 0 and timers.pending == 0


async def test_each_reply_gets_its_own_deadline_behind_an_answered_one() -> None:
    timers = ManualTimers()
    deadlines = Deadlines(TIMEOUT_S, timers)
    first = deadlines.watch(future())
    timers.advance(TIMEOUT_S / 2)
    second = deadlines.watch(future())
    first.set_result(1)
    timers.advance(TIMEOUT_S / 2)  # the first deadline
    assert not second.done()
    timers.advance(TIMEOUT_S / 2 - STEP_S)
    assert not second.done()
    timers.advance(STEP_S)  # the second deadline
    assert isinstance(second.exception(), Unavailable)
    assert first.result() == 1


async def test_many_waiting_callers_fail_together_and_the_queue_empties() -> None:
    timers = ManualTimers()
    deadlines = Deadlines(TIMEOUT_S, timers)
    replies = [deadlines.watch(future()) for _ in range(100)]
    timers.advance(TIMEOUT_S)
    assert all(reply.done() and isinstance(reply.exception(), Unavailable) for reply in replies)
    assert deadlines.watched == 0 and timers.pending == 0


def test_deadlines_on_the_loop_s_own_clock_survive_a_new_event_loop() -> None:
    deadlines = Deadlines(0.01)  # no timers given: the replies' loop keeps the time

    async def unanswered() -> None:
        with pytest.raises(Unavailable):
            await deadlines.watch(future())

    async def left_waiting() -> None:
        deadlines.watch(future())

    asyncio.run(left_waiting())  # its loop closes with a timer still set
    asyncio.run(unanswered())  # a timer on the old loop would never fire: this would wait forever
