"""One request to a real receiver: non-public targets refused at connection, no redirect followed, a bounded wait and read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from tests.webhooks.factories import receiving
from tradeloop.webhooks.schedule import MAX_RETRY_AFTER, RETRY_DELAYS, next_attempt, retry_after
from tradeloop.webhooks.sender import MAX_ANSWER_BYTES, Sender

NOW = datetime(2026, 1, 5, 15, 30, tzinfo=UTC)
BODY = b'{"type":"webhook.test"}'


@pytest.fixture
async def guarded() -> AsyncIterator[Sender]:
    """A sender as the server runs one without the operator's leave: public addresses only."""
    sender = Sender(allow_private=False, concurrency=2)
    await sender.open()
    yield sender
    await sender.close()


@pytest.fixture
async def allowed() -> AsyncIterator[Sender]:
    sender = Sender(allow_private=True, concurrency=2, timeout_s=0.3)
    await sender.open()
    yield sender
    await sender.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
async def test_without_leave_a_loopback_receiver_is_never_reached(guarded: Sender, host: str) -> None:
    async with receiving() as receiver:
        answer = await guarded.post(receiver.url.replace("127.0.0.1", host), {}, BODY, NOW)
        assert answer.status_code is None and answer.error is not None and "not a public address" in answer.error
        assert not answer.delivered and receiver.received == []


async def test_with_leave_the_receiver_is_reached(allowed: Sender) -> None:
    async with receiving() as receiver:
        answer = await allowed.post(receiver.url, {"webhook-id": "m1"}, BODY, NOW)
        assert answer.delivered and answer.status_code == 200 and answer.error is None
        (request,) = receiver.received
        assert (request.body, request.message_id) == (BODY, "m1")


async def test_a_redirect_is_an_answer_not_followed(allowed: Sender) -> None:
    async with receiving() as receiver:
        receiver.answers.append(lambda: web.Response(status=302, headers={"Location": receiver.url + "/elsewhere"}))
        answer = await allowed.post(receiver.url, {}, BODY, NOW)
        assert answer.status_code == 302 and not answer.delivered and answer.error == "answered 302 Found"
        assert len(receiver.received) == 1


async def test_a_receiver_that_does_not_answer_in_time_is_a_failure(allowed: Sender) -> None:
    hold = asyncio.Event()

    async def never(request: web.Request) -> web.StreamResponse:
        await hold.wait()
        return web.Response()

    slow = web.Application()
    slow.router.add_post("/slow", never)
    runner = web.AppRunner(slow, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        answer = await allowed.post(f"http://127.0.0.1:{runner.addresses[0][1]}/slow", {}, BODY, NOW)
    finally:
        hold.set()
        await runner.cleanup()
    assert answer.status_code is None and answer.error == "no answer within 0.3 s"


async def test_a_long_answer_is_read_no_further_than_a_few_kilobytes(allowed: Sender) -> None:
    async with receiving() as receiver:
        receiver.answers.append(lambda: web.Response(body=b"x" * (MAX_ANSWER_BYTES * 1000)))
        answer = await allowed.post(receiver.url, {}, BODY, NOW)
        assert answer.delivered


def test_retries_follow_the_schedule_within_the_jitter_and_end() -> None:
    for attempts, delay in enumerate(RETRY_DELAYS, start=1):
        low, high = next_attempt(attempts, NOW, None, lambda: 0.0), next_attempt(attempts, NOW, None, lambda: 0.999999)
        assert low is not None and high is not None
        assert NOW + delay * 0.9 <= low < high <= NOW + delay * 1.1
    assert next_attempt(len(RETRY_DELAYS) + 1, NOW, None, lambda: 0.5) is None


def test_retry_after_is_honoured_in_seconds_or_as_a_date_but_never_sooner_nor_past_a_day() -> None:
    assert retry_after("120", NOW) == timedelta(seconds=120)
    assert retry_after("Mon, 05 Jan 2026 15:40:00 GMT", NOW) == timedelta(minutes=10)
    assert retry_after("soon", NOW) is None and retry_after(None, NOW) is None
    assert next_attempt(1, NOW, timedelta(seconds=1), lambda: 0.5) == NOW + RETRY_DELAYS[0]
    assert next_attempt(1, NOW, timedelta(minutes=10), lambda: 0.5) == NOW + timedelta(minutes=10)
    assert next_attempt(1, NOW, timedelta(days=9), lambda: 0.5) == NOW + MAX_RETRY_AFTER
