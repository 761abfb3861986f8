"""msgpack for what the database stores: journal events, account snapshots, order records and audit details.

Decimals, UUIDs, datetimes and enum members travel as msgpack extension types
and come back equal. Dataclasses travel as maps tagged with their class name;
only registered classes decode, so a record can never instantiate anything
else; records in a shape earlier versions wrote are upgraded as they decode
(`tradeloop.snapshots.legacy`). Tuples and sets come back as lists.

Encoding has a general path and a fast one that write the same bytes. The
general one is msgpack's `default` hook, which the packer calls for each value
it cannot pack itself. The fast one, `_native`, first rewrites a value into what
the packer packs natively, with a converter generated per registered dataclass,
so that the packer seldom calls back into Python. Whatever it leaves as it was
still reaches the hook, so converting can only ever save time.
"""

from __future__ import annotations

import dataclasses
import threading
import types
import typing
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final, cast
from uuid import UUID, SafeUUID

import msgpack

from tradeloop.core import (
    accounts,
    alerts,
    charges,
    configurations,
    events,
    fees,
    notifications,
    orders,
    positions,
    risk_limits,
    strategies,
    watchlists,
    webhooks,
)
from tradeloop.errors import StartupFailure
from tradeloop.snapshots.legacy import UPGRADES

_DECIMAL: Final = 1
_UUID: Final = 2
_DATETIME: Final = 3
_ENUM: Final = 4
_TAG: Final = "__t"


def _registry(classes: Iterable[type]) -> dict[str, type]:
    return {cls.__name__: cls for cls in classes}


DATACLASSES: Final = _registry(
    [
        orders.OrderTerms,
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
        events.RiskLimitsSet,
        events.TradingStateChanged,
        events.RiskWarned,
        events.PeakEquitySet,
        events.AccountConfigured,
        events.FeeScheduleSet,
        fees.FeeSchedule,
        charges.FeeCharged,
        configurations.AccountConfig,
        configurations.ConfigChanges,
        watchlists.Watchlist,
        watchlists.WatchlistCreated,
        watchlists.WatchlistUpdated,
        watchlists.WatchlistSymbolAdded,
        watchlists.WatchlistSymbolRemoved,
        watchlists.WatchlistDeleted,
        strategies.Strategy,
        strategies.StrategyVersion,
        strategies.Signal,
        strategies.StrategyCreated,
        strategies.StrategyRevised,
        strategies.StrategyActivated,
        strategies.StrategyDeactivated,
        strategies.StrategyDeleted,
        strategies.StrategySignalled,
        alerts.Alert,
        alerts.AlertTerms,
        alerts.AlertCreated,
        alerts.AlertRevised,
        alerts.AlertCanceled,
        alerts.AlertExpired,
        alerts.AlertTriggered,
        notifications.Notification,
        notifications.NotificationsCreated,
        notifications.NotificationsRead,
        webhooks.WebhookEndpoint,
        webhooks.WebhookCreated,
        webhooks.WebhookUpdated,
        webhooks.WebhookSecretRotated,
        webhooks.WebhookDisabled,
        webhooks.WebhookDeleted,
        risk_limits.RiskLimits,
        risk_limits.RiskProfile,
        risk_limits.RiskNotice,
        accounts.AccountState,
        positions.Position,
        orders.Order,
    ]
)
ENUMS: Final = _registry(
    [
        orders.OrderSide,
        orders.OrderType,
        orders.TimeInForce,
        orders.OrderStatus,
        orders.OrderClass,
        risk_limits.TradingState,
        risk_limits.BreachAction,
        risk_limits.StateSource,
        configurations.DayTradeCheck,
        configurations.ConfirmEmail,
        configurations.MarginMultiplier,
        strategies.StrategyStatus,
        notifications.NotificationType,
        alerts.AlertKind,
        alerts.AlertCondition,
        alerts.AlertStatus,
        alerts.Repeat,
        alerts.AccountMetric,
        alerts.PercentReference,
        webhooks.WebhookStatus,
    ]
)


class DecodeError(StartupFailure, ValueError):
    """A record that does not decode to a known shape."""


_EXT_TYPE: Final = msgpack.ExtType
_new_tuple: Final = tuple.__new__
"""Builds an ExtType without `ExtType.__new__`, whose argument checks cost more than packing one.

Our codes are in range and our data is bytes; the packer (with `strict_types`)
checks for exactly ExtType and reads only its `code` and `data`.
"""


def _encode_decimal(value: Decimal) -> msgpack.ExtType:
    return _new_tuple(_EXT_TYPE, (_DECIMAL, str(value).encode()))


def _encode_uuid(value: UUID) -> msgpack.ExtType:
    return _new_tuple(_EXT_TYPE, (_UUID, value.bytes))


_UTC_DATETIMES: Final[dict[datetime, msgpack.ExtType]] = {}
"""Encoded UTC moments, since events, order records and snapshots repeat them and formatting is slow.

Only UTC datetimes go in: equal UTC datetimes format alike, while equal
datetimes in other zones need not (15:00+00:00 equals 10:00-05:00).
"""
_UTC_DATETIMES_KEPT: Final = 1024


def _encode_datetime(value: datetime) -> msgpack.ExtType:
    if value.tzinfo is not UTC:
        return _new_tuple(_EXT_TYPE, (_DATETIME, value.isoformat().encode()))
    encoded = _UTC_DATETIMES.get(value)
    if encoded is None:
        if len(_UTC_DATETIMES) >= _UTC_DATETIMES_KEPT:
            _UTC_DATETIMES.clear()
        encoded = _new_tuple(_EXT_TYPE, (_DATETIME, value.isoformat().encode()))
        _UTC_DATETIMES[value] = encoded
    return encoded


def _encode_member(cls: type[Enum]) -> Callable[[Any], msgpack.ExtType]:
    packed = {
        member: msgpack.ExtType(_ENUM, f"{cls.__name__}:{member.value}".encode())
        for member in cls
    }
    return packed.__getitem__


_SCALARS: Final[dict[type, Callable[[Any], msgpack.ExtType]]] = {
    Decimal: _encode_decimal,
    UUID: _encode_uuid,
    datetime: _encode_datetime,
    **{cls: _encode_member(cls) for cls in ENUMS.values()},
}
"""Encoders by exact type of the values that become an ExtType (hashable, so also map keys)."""

_PLAIN: Final = frozenset({str, int, float, bool, bytes, type(None)})
"""Annotations of fields left to the packer as they are (a value of another type reaches the hook)."""


def _native(value: Any) -> Any:
    """Return `value` in the form the packer packs natively, as far as its parts have types we convert."""
    convert = _CONVERTERS.get(type(value))
    return value if convert is None else convert(value)


def _native_list(value: Iterable[Any]) -> list[Any]:
    return [_native(item) for item in value]


def _native_map(value: dict[Any, Any]) -> dict[Any, Any]:
    native = {}
    for key, item in value.items():
        convert = _SCALARS.get(type(key))
        native[key if convert is None else convert(key)] = _native(item)
    # Two keys merge only if the map held a value and also its ExtType (or an equal tuple):
    # then the hook packs the map instead, key by key.
    return native if len(native) == len(value) else value


def _native_fields(cls: type) -> Callable[[Any], dict[str, Any]]:
    """Generate the converter of a registered dataclass, specialized on its field annotations.

    It builds the map `_encode_other` builds. A field whose annotation names one
    type we convert is converted in line when the value has exactly that type
    (no call per field, which is most of what converting costs), and by
    `_native` otherwise; a field annotated with a plain type is left to the packer.
    """
    hints = typing.get_type_hints(cls)
    namespace: dict[str, Any] = {
        "native": _native,
        "new": _new_tuple,
        "EXT": _EXT_TYPE,
        "UTC": UTC,
        "moments": _UTC_DATETIMES,
        "encode_datetime": _encode_datetime,
    }
    reads, items = [], []
    for number, field in enumerate(dataclasses.fields(cls)):
        value = f"value{number}"
        reads.append(f"    {value} = instance.{field.name}")
        kinds = [kind for kind in _union_members(hints[field.name]) if kind not in _PLAIN]
        if not kinds:
            converted = value
        elif len(kinds) == 1 and kinds[0] in _SCALARS:
            namespace[f"kind{number}"] = kinds[0]
            converted = f"{_inline(kinds[0], value, number, namespace)} if type({value}) is kind{number} else {value}"
        else:
            converted = f"native({value})"
        items.append(f"        {field.name!r}: {converted},")
    source = "\n".join(
        [
            "def to_native(instance):",
            *reads,
            "    return {",
            *items,
            f"        {_TAG!r}: {cls.__name__!r},",
            "    }",
        ]
    )
    # The source holds only field names (identifiers) and reprs of strings; as attrs and dataclasses do,
    # a generated function reads and converts each field with no loop around it.
    exec(compile(source, f"<native {cls.__name__}>", "exec"), namespace)  # noqa: S102
    return cast("Callable[[Any], dict[str, Any]]", namespace["to_native"])


def _inline(kind: type, value: str, number: int, namespace: dict[str, Any]) -> str:
    """The expression converting `value`, known to be exactly of type `kind`, as `_SCALARS[kind]` would."""
    if kind is Decimal:
        return f"new(EXT, ({_DECIMAL}, str({value}).encode()))"
    if kind is UUID:
        return f"new(EXT, ({_UUID}, {value}.int.to_bytes(16, 'big')))"
    if kind is datetime:
        return f"(({value}.tzinfo is UTC and moments.get({value})) or encode_datetime({value}))"
    # An enum: members hash in Python, their ids in C, and a member is one object for the life of the process.
    namespace[f"members{number}"] = {id(member): _SCALARS[kind](member) for member in cast("type[Enum]", kind)}
    return f"members{number}[id({value})]"


def _union_members(hint: Any) -> tuple[Any, ...]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


_CONVERTERS: Final[dict[type, Callable[[Any], Any]]] = {
    **_SCALARS,
    list: _native_list,
    tuple: _native_list,
    set: _native_list,
    frozenset: _native_list,
    dict: _native_map,
    **{cls: _native_fields(cls) for cls in DATACLASSES.values()},
}
"""Converters by exact type for what records are made of; the packer hands anything else to `_encode_other`."""


def _encode_other(value: Any) -> Any:
    """The packer's hook: the general case, which the fast path by exact type must agree with."""
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


class _Packer(threading.local):
    """A packer per thread: making one costs more than packing an event, and one is not thread-safe."""

    def __init__(self) -> None:
        packer = msgpack.Packer(
            default=_encode_other, use_bin_type=True, strict_types=True
        )
        self.pack: Callable[[Any], bytes] = packer.pack


_PACKER: Final = _Packer()


def encode(value: Any) -> bytes:
    """Encode an event, a state or plain data."""
    try:
        native = _native(value)
    except RecursionError:
        native = value  # too deep to convert here: the packer takes it (or reports it) as it always has
    return _PACKER.pack(native)


_MEMBERS: Final[dict[bytes, Enum]] = {
    f"{cls.__name__}:{member.value}".encode(): member
    for cls in ENUMS.values()
    for member in cast("type[Enum]", cls)
}
"""Registered enum members by their encoded form, so decoding one is a single lookup."""

_new_object: Final = object.__new__
_set_attribute: Final = object.__setattr__
_int_from_bytes: Final = int.from_bytes
_UUID_SAFETY: Final = SafeUUID.unknown
"""What `UUID(bytes=...)` records as `is_safe`; looking an enum member up costs as much as the rest."""


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _DECIMAL:
        return Decimal(data.decode())
    if code == _UUID:
        if len(data) != 16:
            raise DecodeError("a UUID takes 16 bytes")
        # What UUID(bytes=data) builds, without its argument checks, which take most of its time.
        uuid = _new_object(UUID)
        _set_attribute(uuid, "int", _int_from_bytes(data))
        _set_attribute(uuid, "is_safe", _UUID_SAFETY)
        return uuid
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
    upgrade = UPGRADES.get(tag)
    return cls(**data) if upgrade is None else upgrade(data)


def decode(payload: bytes) -> Any:
    """Decode what `encode` produced.

    Raises:
        DecodeError: for bytes that are not a record we wrote.
    """
    try:
        return msgpack.unpackb(
            payload,
            ext_hook=_ext_hook,
            object_hook=_object_hook,
            raw=False,
            strict_map_key=False,
        )
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError(str(exc)) from exc
