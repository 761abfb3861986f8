"""Random ids for orders: RFC 4122 version 4 UUIDs from the OS's random source, fetched in batches."""

from __future__ import annotations

import os
from typing import Final
from uuid import UUID

from tradeloop.core.ids import VERSION_4, uuid_of

_BATCH: Final = 256
"""Ids drawn per `os.urandom` call: one system call per 256 ids rather than per id."""
_pool: list[int] = []


def random_id() -> UUID:
    """A new version 4 UUID, as random and unpredictable as `uuid.uuid4()` (both read `os.urandom`)."""
    try:
        value = _pool.pop()
    except IndexError:
        _refill()
        value = _pool.pop()
    return uuid_of(value, VERSION_4)


def _refill() -> None:
    data = os.urandom(16 * _BATCH)
    _pool.extend(int.from_bytes(data[start : start + 16]) for start in range(0, len(data), 16))


# A forked child must not hand out the ids its parent holds in the pool too.
os.register_at_fork(after_in_child=_pool.clear)
