"""The codec's reference: what the general encoder alone writes, which the fast path must match byte for byte."""

from __future__ import annotations

from typing import Any

import msgpack

from tradeloop.snapshots import codec


def general(value: Any) -> bytes:
    """What the packer writes with only the general hook: the bytes the fast path must match."""
    packed: bytes = msgpack.packb(value, default=codec._encode_other, use_bin_type=True, strict_types=True)
    return packed


def outcome(encoder: Any, value: Any) -> bytes | type[BaseException]:
    """The bytes, or the kind of error the packer reports for what it cannot pack."""
    try:
        packed: bytes = encoder(value)
    except (TypeError, ValueError) as exc:
        return type(exc)
    return packed
