"""New ids: random (RFC 4122 version 4) and time-ordered (RFC 9562 version 7), from the OS's random source in batches."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol
from uuid import UUID

from tradeloop.core.ids import VERSION_4, time_ordered_id, uuid_of

_BATCH: Final = 256
"""Ids drawn per `os.urandom` call: one system call per 256 ids rather than per id."""
_pool: list[int] = []


def random_id() -> UUID:
    """A new version 4 UUID, as random and unpredictable as `uuid.uuid4()` (both read `os.urandom`)."""
    return uuid_of(_random_bits(), VERSION_4)


def ordered_id(now: datetime) -> UUID:
    """A new version 7 UUID stamped with `now` (to the millisecond): ids of orders placed later sort later.

    80 bits below the stamp are random (74 once version and variant are set), so
    ids made in one millisecond are distinct and as hard to guess as a version 4's 122.
    """
    return time_ordered_id((now - _EPOCH) // _MILLISECOND, _random_bits())


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND: Final = timedelta(milliseconds=1)


def _random_bits() -> int:
    """128 bits from the pool, refilled from `os.urandom` when empty."""
    try:
        return _pool.pop()
    except IndexError:
        _refill()
        return _pool.pop()


def _refill() -> None:
    data = os.urandom(16 * _BATCH)
    _pool.extend(int.from_bytes(data[start : start + 16]) for start in range(0, len(data), 16))


class IdSource(Protocol):
    """Where an engine draws the ids of what it creates (accounts, orders, activities)."""

    def random_id(self) -> UUID: ...

    def ordered_id(self, now: datetime) -> UUID: ...


class SystemIds:
    """Ids from the OS's random source: unpredictable, as a server needs them."""

    def random_id(self) -> UUID:
        return random_id()

    def ordered_id(self, now: datetime) -> UUID:
        return ordered_id(now)


class SeededIds:
    """Ids from a seeded generator: the same seed and the same steps give the same ids (a backtest repeats exactly)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def random_id(self) -> UUID:
        return uuid_of(self._rng.getrandbits(128), VERSION_4)

    def ordered_id(self, now: datetime) -> UUID:
        return time_ordered_id((now - _EPOCH) // _MILLISECOND, self._rng.getrandbits(128))


SYSTEM_IDS: Final = SystemIds()


# A forked child must not hand out the ids its parent holds in the pool too.
os.register_at_fork(after_in_child=_pool.clear)
