"""Ids: derived UUIDs (name-based) and time-ordered ones (RFC 9562), built without `uuid.UUID`'s argument checks.

Where an id is a key of a history table's index, ids made later should sort
later: a random key lands on a random page of the index, so every commit
dirties (and writes to the WAL) a page per row, and the pages are read back
from disk once the index outgrows SQLite's cache; a time-ordered key lands on
the last page, which every commit shares.
"""

from __future__ import annotations

from hashlib import sha1
from typing import Final
from uuid import UUID, SafeUUID

_KEEP: Final = ~((0xC000 << 48) | (0xF000 << 64))
"""All bits but where RFC 4122 keeps the variant (two bits) and the version (four bits)."""
VERSION_4: Final = (0x8000 << 48) | (4 << 76)
VERSION_7: Final = (0x8000 << 48) | (7 << 76)
VERSION_8: Final = (0x8000 << 48) | (8 << 76)
_MILLIS: Final = (1 << 48) - 1
_BELOW_TIME: Final = (1 << 80) - 1
"""The 80 bits under a time-ordered id's 48-bit millisecond timestamp."""
_new = object.__new__
_set_int = UUID.__dict__["int"].__set__
_set_is_safe = UUID.__dict__["is_safe"].__set__
_UNKNOWN: Final = SafeUUID.unknown


def uuid_of(value: int, version: int) -> UUID:
    """The UUID of a 128-bit number with its variant and version bits set (`VERSION_4`, `VERSION_7`, `VERSION_8`).

    Equal to `UUID(int=value, version=n)`, built without its argument checks
    (the caller passes a 128-bit number), which dominate when ids are made per order.
    """
    made: UUID = _new(UUID)
    _set_int(made, (value & _KEEP) | version)  # UUID's own slots, as UUID.__init__ fills them
    _set_is_safe(made, _UNKNOWN)
    return made


def time_ordered_id(millis: int, random_bits: int) -> UUID:
    """An RFC 9562 version 7 UUID: Unix time in milliseconds in the top 48 bits, then random bits.

    Ids of later milliseconds sort after earlier ones, as numbers and as text.
    """
    return uuid_of(((millis & _MILLIS) << 80) | (random_bits & _BELOW_TIME), VERSION_7)


def derived_id_beside(anchor: UUID, name: str) -> UUID:
    """A version 8 (RFC 9562, custom) UUID derived from `anchor` and `name`, sorting beside `anchor`.

    The top 48 bits are the anchor's (a time-ordered order id's millisecond, so
    an order's fills sort with its time); the rest comes from SHA-1 of both,
    as uuid5 does: the same anchor and name give the same id, across restarts.
    """
    digest = sha1(anchor.int.to_bytes(16) + name.encode()).digest()
    return uuid_of((anchor.int & ~_BELOW_TIME) | int.from_bytes(digest[:10]), VERSION_8)
