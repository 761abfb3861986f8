"""Ids: derived (name-based, RFC 4122 version 5) UUIDs at a fraction of `uuid.uuid5`'s cost."""

from __future__ import annotations

from hashlib import sha1
from typing import Final
from uuid import UUID, SafeUUID

_KEEP: Final = ~((0xC000 << 48) | (0xF000 << 64))
"""All bits but where RFC 4122 keeps the variant (two bits) and the version (four bits)."""
VERSION_4: Final = (0x8000 << 48) | (4 << 76)
VERSION_5: Final = (0x8000 << 48) | (5 << 76)
_new = object.__new__
_set_int = UUID.__dict__["int"].__set__
_set_is_safe = UUID.__dict__["is_safe"].__set__
_UNKNOWN: Final = SafeUUID.unknown


def uuid_of(value: int, version: int) -> UUID:
    """The UUID of a 128-bit number with its variant and version bits set (`VERSION_4`, `VERSION_5`).

    Equal to `UUID(int=value, version=n)`, built without its argument checks
    (the caller passes a 128-bit number), which dominate when ids are made per order.
    """
    made: UUID = _new(UUID)
    _set_int(made, (value & _KEEP) | version)  # UUID's own slots, as UUID.__init__ fills them
    _set_is_safe(made, _UNKNOWN)
    return made


def derived_id(namespace: UUID, name: str) -> UUID:
    """Exactly `uuid.uuid5(namespace, name)`: ids derived this way stay the same across restarts."""
    digest = sha1(namespace.int.to_bytes(16) + name.encode()).digest()
    return uuid_of(int.from_bytes(digest) >> 32, VERSION_5)  # the first 16 of sha1's 20 bytes
