"""New ids: version 4 and time-ordered version 7 UUIDs, never repeated, not shared with a forked child."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tradeloop.actors import ids
from tradeloop.actors.ids import ordered_id, random_id


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
def test_a_forked_child_draws_fresh_ids_not_its_parents_pool() -> None:
    random_id()  # leave ids in the pool
    assert ids._pool
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        os.write(write_end, b"1" if not ids._pool else b"0")
        os._exit(0)
    os.close(write_end)
    try:
        assert os.read(read_end, 1) == b"1"
    finally:
        os.close(read_end)
        os.waitpid(child, 0)
