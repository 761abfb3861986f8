"""Stepping actors from one caller (how a backtest drives them): `Actor.handle_now`, `Engine.ingest_now`, `Engine.settle`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.factories import make_engine
from tradeloop.actors.base import Actor
from tradeloop.actors.engine import Engine
from tradeloop.core.marketdata import Tick, Trade
from tradeloop.errors import InvalidField, TradeloopError

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)


class Recorder(Actor[str]):
    """Records what it handles and in which task; "slow" waits for `gate`, "bad" fails."""

    def __init__(self) -> None:
        super().__init__("recorder", 10)
        self.handled: list[str] = []
        self.tasks: list[asyncio.Task[object] | None] = []
        self.failures: list[tuple[str, Exception]] = []
        self.gate = asyncio.Event()

    async def handle(self, message: str) -> None:
        self.handled.append(f"{message} start")
        self.tasks.append(asyncio.current_task())
        if message == "slow":
            await self.gate.wait()
        if message == "bad":
            raise InvalidField("qty", "is bad")
        self.handled.append(f"{message} end")

    def failed(self, message: str, exc: Exception) -> None:
        self.failures.append((message, exc))


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    actor = Recorder()
    actor.start()
    yield actor
    actor.gate.set()
    await actor.stop()


async def test_handle_now_handles_the_message_in_the_callers_turn(recorder: Recorder) -> None:
    await recorder.handle_now("a")

    assert recorder.handled == ["a start", "a end"]
    assert recorder.tasks == [asyncio.current_task()]
    assert not recorder.busy


async def test_a_message_arriving_meanwhile_waits_for_the_one_handled_now(recorder: Recorder) -> None:
    stepping = asyncio.create_task(recorder.handle_now("slow"))
    await asyncio.sleep(0)
    recorder.tell("next")
    for _ in range(5):
        await asyncio.sleep(0)
    assert recorder.handled == ["slow start"]  # one message at a time: "next" has not begun
    assert recorder.busy

    recorder.gate.set()
    await stepping
    await recorder.idle()

    assert recorder.handled == ["slow start", "slow end", "next start", "next end"]


async def test_handle_now_on_a_busy_actor_queues_behind_and_returns_once_handled(recorder: Recorder) -> None:
    recorder.tell("first")

    await recorder.handle_now("second")

    assert recorder.handled == ["first start", "first end", "second start", "second end"]
    assert recorder.tasks[1] is not asyncio.current_task()  # queued, so the actor's own task handled it


async def test_handle_now_reports_a_failure_as_the_task_does(recorder: Recorder) -> None:
    await recorder.handle_now("bad")
    await recorder.handle_now("after")

    assert [(message, type(exc)) for message, exc in recorder.failures] == [("bad", InvalidField)]
    assert isinstance(recorder.failures[0][1], TradeloopError)
    assert recorder.handled == ["bad start", "after start", "after end"]


def trade(price: str) -> Tick:
    return Trade(symbol="AAPL", price=Decimal(price), size=None, timestamp=NOW)


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    made = make_engine(clock=lambda: NOW)
    await made.start()
    yield made
    await made.stop(snapshot=False)


async def test_ingest_now_returns_with_the_tick_applied_and_told(engine: Engine) -> None:
    told: list[Tick] = []
    engine.subscribe_ticks(told.append)

    await engine.ingest_now(trade("101.50"))

    assert engine.board.last_price("AAPL") == Decimal("101.50")
    assert told == [trade("101.50")]
    assert not engine.market("AAPL").busy


async def test_settle_waits_for_what_was_sent(engine: Engine) -> None:
    await engine.ingest(trade("99.00"))
    assert engine.market("AAPL").busy

    await engine.settle()

    assert not engine.market("AAPL").busy
    assert engine.board.last_price("AAPL") == Decimal("99.00")


async def test_settle_returns_without_a_turn_of_the_loop_when_nothing_is_in_hand(engine: Engine) -> None:
    others_ran: list[bool] = []
    asyncio.get_running_loop().call_soon(others_ran.append, True)

    await engine.settle()

    assert others_ran == []  # quiesce would have let it run; settle gives no turn away
    await engine.quiesce()
    assert others_ran == [True]
