"""New ids: version 4 and time-ordered version 7 UUIDs, never repeated, not shared with a forked child."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

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
