"""New ids: version 4 and time-ordered version 7 UUIDs, never repeated, not shared with a forked child."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from tests.factories import make_engine, set_price
from tradeloop.actors.ids import SeededIds, ordered_id, random_id
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce


def test_random_ids_are_distinct_version_4_uuids_across_many_batches() -> None:
    made = [random_id() for _ in range(5_000)]
    assert len(set(made)) == len(made)
    assert all(made_id.version == 4 and made_id.variant == uuid.RFC_4122 for made_id in made)
    assert all(uuid.UUID(str(made_id)) == made_id for made_id in made)


def test_ordered_ids_carry_their_millisecond_sort_by_it_and_never_repeat_within_one() -> None:
    now = datetime(2026, 11, 28, 21, 0, 0, 123_456, tzinfo=UTC)
    same_moment = [ordered_id(now) for _ in range(5_000)]
    assert len(set(same_moment)) == len(same_moment)
    assert all(made.version == 7 and made.variant == uuid.RFC_4122 for made in same_moment)
    assert {made.int >> 80 for made in same_moment} == {int(now.timestamp() * 1000)}
    later = ordered_id(now + timedelta(milliseconds=1))
    assert all(made < later and str(made) < str(later) for made in same_moment)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_draws_fresh_ids_not_the_ones_its_parent_draws_next() -> None:
    random_id()  # the parent now holds drawn ids it has not handed out yet
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        os.write(write_end, random_id().bytes + ordered_id(datetime.now(UTC)).bytes)
        os._exit(0)
    os.close(write_end)
    try:
        drawn = b""
        while len(drawn) < 32:
            chunk = os.read(read_end, 32 - len(drawn))
            assert chunk, "the child wrote no ids"
            drawn += chunk
    finally:
        os.close(read_end)
        os.waitpid(child, 0)
    now = datetime.now(UTC)
    parents_next = random_id().bytes + ordered_id(now).bytes
    assert drawn[:16] != parents_next[:16]
    assert drawn[22:32] != parents_next[22:32]  # the random tail below the stamp


async def test_an_engine_with_seeded_ids_names_the_same_steps_the_same() -> None:
    """A backtest's results repeat byte for byte: its engine's account, order and activity ids repeat too."""
    async def run(seed: int) -> tuple[UUID, UUID, UUID]:
        moment = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
        engine = make_engine(ids=SeededIds(seed), clock=lambda: moment)
        await engine.start()
        try:
            account = (await engine.open_account(Decimal("1000"))).account_id
            await set_price(engine, "AAPL", "10")
            order = await engine.place_order(account, OrderRequest(
                symbol="AAPL", qty=Decimal("1"), side=OrderSide.BUY, type=OrderType.LIMIT,
                time_in_force=TimeInForce.DAY, limit_price=Decimal("5"),
            ))
            deposit = await engine.adjust_cash(account, Decimal("5"), "deposit")
            return account, order.terms.id, deposit.activity_id
        finally:
            await engine.stop(snapshot=False)

    first, again, other = await run(7), await run(7), await run(8)
    assert first == again
    assert all(a != b for a, b in zip(first, other))
