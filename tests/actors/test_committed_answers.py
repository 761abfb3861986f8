"""Answers and trade updates describe committed state only: a write's own result, never a later write's."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import pytest

from tests.actors.factories import limit_buy
from tests.factories import make_engine, set_price
from tradeloop.actors.account import Committed
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.events import AccountEvent, OrderAccepted, OrderFilled
from tradeloop.core.orders import Order, OrderStatus


class InOrderJournal(MemoryJournal):
    """A journal whose writes commit one at a time, in order, when the test says so (as group commit does)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = False
        self.waiting: deque[asyncio.Future[None]] = deque()

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        done = super().write(account_id, events, orders)
        if not self.holding:
            return done
        held: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(held)
        return held

    def commit_next(self) -> None:
        self.waiting.popleft().set_result(None)


async def until_writes(journal: InOrderJournal, count: int) -> None:
    for _ in range(200):
        if len(journal.waiting) >= count:
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"expected {count} writes waiting, saw {len(journal.waiting)}")


@dataclass
class Held:
    """A running engine on a journal that holds every write until the test commits it, and what listeners were told."""

    engine: Engine
    journal: InOrderJournal
    account_id: UUID
    told: list[Committed]


@pytest.fixture
async def held() -> AsyncIterator[Held]:
    journal = InOrderJournal()
    engine = make_engine(journal=journal)
    told: list[Committed] = []
    engine.subscribe_events(told.append)
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(100_000))).account_id
        await set_price(engine, "AAPL", "100")
        journal.holding = True
        yield Held(engine=engine, journal=journal, account_id=account_id, told=told)
    finally:
        journal.holding = False
        while journal.waiting:
            journal.commit_next()
        await engine.stop()


async def test_a_placed_order_is_answered_as_its_own_write_left_it_not_as_a_cancel_still_uncommitted(
    held: Held,
) -> None:
    engine, journal, account_id, told = held.engine, held.journal, held.account_id, held.told
    placing = asyncio.create_task(engine.place_order(account_id, limit_buy("90")))
    await until_writes(journal, 1)
    order_id = next(iter(engine.account(account_id).orders))
    canceling = asyncio.create_task(engine.cancel_order(account_id, order_id))
    await until_writes(journal, 2)

    journal.commit_next()  # the acceptance commits; the cancel is still on its way to the disk
    answer = await placing
    assert answer.status is OrderStatus.NEW and answer.canceled_at is None
    assert not canceling.done()
    assert [type(event) for event in told[-1].events] == [OrderAccepted]
    assert told[-1].orders[order_id].status is OrderStatus.NEW

    journal.commit_next()
    assert (await canceling).status is OrderStatus.CANCELED
    assert told[-1].orders[order_id].status is OrderStatus.CANCELED


async def test_a_fill_is_told_with_the_position_its_write_left_not_a_later_one(held: Held) -> None:
    engine, journal, account_id, told = held.engine, held.journal, held.account_id, held.told
    first = asyncio.create_task(engine.place_order(account_id, limit_buy("101", qty="3")))
    await until_writes(journal, 1)
    second = asyncio.create_task(engine.place_order(account_id, limit_buy("101", qty="4")))
    await until_writes(journal, 2)

    journal.commit_next()
    answer = await first
    assert answer.status is OrderStatus.FILLED and answer.filled_qty == 3
    fills = [event for event in told[-1].events if isinstance(event, OrderFilled)]
    assert len(fills) == 1 and told[-1].positions == {"AAPL": Decimal(3)}
    assert not second.done()

    journal.commit_next()
    assert (await second).filled_qty == 4
    assert told[-1].positions == {"AAPL": Decimal(7)}
