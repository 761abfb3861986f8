"""msgpack encoding of events and account state: exact Decimals, UUIDs, datetimes, enums.

Dataclasses travel as maps tagged with their class name; only registered classes
decode, so a record can never instantiate anything else.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final, cast
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


def _encode_fields(cls: type) -> Callable[[Any], dict[str, Any]]:
    names = tuple(f.name for f in dataclasses.fields(cls))
    values = operator.attrgetter(*names, *names[:1])  # two names or more, so it always returns a tuple
    tag = cls.__name__

    def encode_fields(value: Any) -> dict[str, Any]:
        data = dict(zip(names, values(value)))
        data[_TAG] = tag
        return data

    return encode_fields


def _encode_member(cls: type[Enum]) -> Callable[[Any], msgpack.ExtType]:
    packed = {member: msgpack.ExtType(_ENUM, f"{cls.__name__}:{member.value}".encode()) for member in cls}
    return packed.__getitem__


_ENCODERS: Final[dict[type, Callable[[Any], Any]]] = {
    Decimal: lambda value: msgpack.ExtType(_DECIMAL, str(value).encode()),
    UUID: lambda value: msgpack.ExtType(_UUID, value.bytes),
    datetime: lambda value: msgpack.ExtType(_DATETIME, value.isoformat().encode()),
    **{cls: _encode_fields(cls) for cls in DATACLASSES.values()},
    **{cls: _encode_member(cls) for cls in ENUMS.values()},
}
"""Encoders by exact type for what records are made of; every other value takes `_encode_other`."""


_MEMBERS: Final[dict[bytes, Enum]] = {
    f"{cls.__name__}:{member.value}".encode(): member for cls in ENUMS.values() for member in cast("type[Enum]", cls)
}
"""Registered enum members by their encoded form, so decoding one is a single lookup."""


def _default(value: Any) -> Any:
    encoder = _ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value)
    return _encode_other(value)


def _encode_other(value: Any) -> Any:
    """The general case, which the fast path by exact type must agree with."""
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
        member = _MEMBERS.get(data)
        if member is not None:
            return member
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
