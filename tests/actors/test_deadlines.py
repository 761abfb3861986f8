"""Reply deadlines: an unanswered reply fails with Unavailable, an answered one is left alone."""

from __future__ import annotations

import asyncio

import pytest

from tradeloop.actors.deadlines import Deadlines
from tradeloop.errors import Unavailable

TIMEOUT_S = 0.05


async def test_an_unanswered_reply_fails_after_the_timeout() -> None:
    deadlines = Deadlines(TIMEOUT_S)
    loop = asyncio.get_running_loop()
    reply: asyncio.Future[int] = loop.create_future()
    started = loop.time()
    with pytest.raises(Unavailable) as caught:
        await deadlines.watch(reply)
    assert loop.time() - started >= TIMEOUT_S * 0.9
    assert caught.value.status == 503


async def test_answered_and_cancelled_replies_are_left_alone_and_dropped() -> None:
    deadlines = Deadlines(TIMEOUT_S)
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[int] = loop.create_future()
    cancelled: asyncio.Future[int] = loop.create_future()
    deadlines.watch(answered)
    deadlines.watch(cancelled)
    answered.set_result(7)
    cancelled.cancel()
    await asyncio.sleep(TIMEOUT_S * 2)
    assert answered.result() == 7 and cancelled.cancelled()
    assert deadlines.watched == 0


async def test_each_reply_gets_its_own_deadline_behind_an_answered_one() -> None:
    deadlines = Deadlines(TIMEOUT_S)
    loop = asyncio.get_running_loop()
    first: asyncio.Future[int] = loop.create_future()
    deadlines.watch(first)
    await asyncio.sleep(TIMEOUT_S / 2)
    second: asyncio.Future[int] = loop.create_future()
    deadlines.watch(second)
    first.set_result(1)
    await asyncio.sleep(TIMEOUT_S * 0.6)  # past the first deadline, before the second
    assert not second.done()
    await asyncio.sleep(TIMEOUT_S)
    assert isinstance(second.exception(), Unavailable)


async def test_many_waiting_callers_fail_together_and_the_queue_empties() -> None:
    deadlines = Deadlines(TIMEOUT_S)
    loop = asyncio.get_running_loop()
    replies: list[asyncio.Future[int]] = [loop.create_future() for _ in range(100)]
    results = await asyncio.gather(*(deadlines.watch(reply) for reply in replies), return_exceptions=True)
    assert all(isinstance(result, Unavailable) for result in results)
    assert deadlines.watched == 0


def test_deadlines_survive_a_new_event_loop() -> None:
    deadlines = Deadlines(TIMEOUT_S)

    async def unanswered() -> None:
        reply: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        with pytest.raises(Unavailable):
            await deadlines.watch(reply)

    async def left_waiting() -> None:
        deadlines.watch(asyncio.get_running_loop().create_future())

    asyncio.run(left_waiting())  # its loop closes with a timer still set
    asyncio.run(unanswered())
