"""msgpack encoding of events and account state: exact Decimals, UUIDs, datetimes, enums.

Dataclasses travel as maps tagged with their class name; only registered classes
decode, so a record can never instantiate anything else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final
from uuid import UUID

import msgpack

from tradeloop.core import accounts, events, orders, positions

_DECIMAL: Final = 1
_UUID: Final = 2
_DATETIME: Final = 3
_ENUM: Final = 4
_TAG: Final = "__t"


def _registry(classes: Iterable[type]) -> dict[str, type]:
    return {cls.__name__: cls for cls in classes}


DATACLASSES: Final = _registry(
    [
        events.OrderTerms,
        events.AccountOpened,
        events.OrderAccepted,
        events.OrderFilled,
        events.OrderTriggered,
        events.OrderHwmMoved,
        events.OrderCanceled,
        events.OrderExpired,
        events.OrderReplaced,
        events.SessionClosed,
        events.CashAdjusted,
        events.KeysRotated,
        events.AccountStatusChanged,
        accounts.AccountState,
        positions.Position,
        orders.Order,
    ]
)
ENUMS: Final = _registry([orders.OrderSide, orders.OrderType, orders.TimeInForce, orders.OrderStatus])


class DecodeError(ValueError):
    """A record that does not decode to a known shape."""


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return msgpack.ExtType(_DECIMAL, str(value).encode())
    if isinstance(value, UUID):
        return msgpack.ExtType(_UUID, value.bytes)
    if isinstance(value, datetime):
        return msgpack.ExtType(_DATETIME, value.isoformat().encode())
    if isinstance(value, Enum):
        return msgpack.ExtType(_ENUM, f"{type(value).__name__}:{value.value}".encode())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ not in DATACLASSES:
            raise TypeError(f"{type(value).__name__} is not registered for encoding")
        data = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        data[_TAG] = type(value).__name__
        return data
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _DECIMAL:
        return Decimal(data.decode())
    if code == _UUID:
        return UUID(bytes=data)
    if code == _DATETIME:
        return datetime.fromisoformat(data.decode())
    if code == _ENUM:
        name, _, raw = data.decode().partition(":")
        enum = ENUMS.get(name)
        if enum is None:
            raise DecodeError(f"unknown enum {name}")
        return enum(raw)
    raise DecodeError(f"unknown extension type {code}")


def _object_hook(data: dict[Any, Any]) -> Any:
    tag = data.pop(_TAG, None)
    if tag is None:
        return data
    cls = DATACLASSES.get(tag)
    if cls is None:
        raise DecodeError(f"unknown record type {tag}")
    return cls(**data)


def encode(value: Any) -> bytes:
    """Encode an event, a state or plain data."""
    packed: bytes = msgpack.packb(value, default=_default, use_bin_type=True, strict_types=True)
    return packed


def decode(payload: bytes) -> Any:
    """Decode what `encode` produced.

    Raises:
        DecodeError: for bytes that are not a record we wrote.
    """
    try:
        return msgpack.unpackb(
            payload, ext_hook=_ext_hook, object_hook=_object_hook, raw=False, strict_map_key=False
        )
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError(str(exc)) from exc
