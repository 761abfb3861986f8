"""The journal codec's fast path writes the same bytes as the general encoder, and decodes them back."""

from __future__ import annotations

import dataclasses
import pickle
import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, SafeUUID, uuid4

import msgpack
import pytest

from tests.snapshots.codec_reference import general, outcome
from tradeloop.core.accounts import apply_event, open_account
from tradeloop.core.events import AccountOpened, OrderFilled
from tradeloop.core.instruments import ASSETS_BY_SYMBOL
from tradeloop.core.orders import (
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from tradeloop.core.placement import accept_order
from tradeloop.snapshots import codec

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def _filled(account_id: UUID, order_id: UUID) -> OrderFilled:
    return OrderFilled(
        account_id=account_id,
        order_id=order_id,
        fill_id=uuid4(),
        symbol="AAPL",
        side=OrderSide.BUY,
        qty=Decimal("1.0"),
        price=Decimal("100.00"),
        cash=Decimal("100.00"),
        order_done=True,
        timestamp=NOW,
    )


def _samples() -> list[Any]:
    account_id = uuid4()
    opened = AccountOpened(
        account_id=account_id,
        account_number="PA0000000001",
        key_id="PKTEST",
        secret_hash="sha256$x$y",
        cash=Decimal("1000.50"),
        created_at=NOW,
    )
    state = open_account(opened)
    request = OrderRequest(
        symbol="AAPL",
        side=OrderSide.BUY,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.DAY,
        qty=Decimal("1.0"),
        limit_price=Decimal(101),
    )
    accepted = accept_order(
        state,
        request,
        ASSETS_BY_SYMBOL["AAPL"],
        order_id=uuid4(),
        reference_price=Decimal(100),
        now=NOW,
        session_end=NOW,
    )
    apply_event(state, accepted)
    order = state.orders[accepted.terms.id]
    filled = _filled(account_id, accepted.terms.id)
    apply_event(state, filled)  # the filled order leaves the state; `order` is its final record
    return [
        [opened],
        [accepted],
        [filled],
        order,
        state,
        OrderStatus.FILLED,
        {"n": Decimal("1E+2"), "s": {1, 2}},
    ]


@pytest.mark.parametrize("value", _samples(), ids=lambda value: type(value).__name__)
def test_fast_path_matches_the_general_encoder(value: Any) -> None:
    assert codec.encode(value) == general(value)
    decoded = codec.decode(codec.encode(value))
    assert codec.encode(decoded) == codec.encode(value)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Unregistered:
    amount: Decimal


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FilledLater(OrderFilled):
    """A subclass of a registered record: the exact type is not registered."""


def test_unregistered_dataclasses_and_subclasses_do_not_encode() -> None:
    filled = _filled(uuid4(), uuid4())
    subclassed = FilledLater(
        **{f.name: getattr(filled, f.name) for f in dataclasses.fields(filled)}
    )
    for value in (
        Unregistered(amount=Decimal(1)),
        [Unregistered(amount=Decimal(1))],
        subclassed,
    ):
        with pytest.raises(TypeError):
            codec.encode(value)
        assert outcome(general, value) is TypeError


def test_fields_holding_other_types_than_annotated_encode_as_the_general_encoder_does() -> (
    None
):
    filled = dataclasses.replace(
        _filled(uuid4(), uuid4()),
        account_id="not a uuid",  # type: ignore[arg-type]
        qty=3,  # type: ignore[arg-type]
        price=("1", Decimal("2.5"), {OrderSide.SELL}),  # type: ignore[arg-type]
        symbol=OrderSide.BUY,
        side="buy",  # type: ignore[arg-type]
        order_done=Decimal(1),  # type: ignore[arg-type]
        timestamp=None,  # type: ignore[arg-type]
    )
    assert codec.encode(filled) == general(filled)


def test_containers_keys_and_enums_encode_as_the_general_encoder_does() -> None:
    uuid = uuid4()
    values: list[Any] = [
        (1, (2, 3), frozenset({"a"})),
        {
            (1, 2): "tuple key",
            uuid: "uuid key",
            OrderSide.BUY: "enum key",
            NOW: "moment",
        },
        {uuid: "a value", msgpack.ExtType(2, uuid.bytes): "and its encoding"},
        {uuid: "a value", (2, uuid.bytes): "and a tuple equal to its encoding"},
        [True, 1, 1.5, b"raw", bytearray(b"raw"), None, "text", 2**64 - 1, -(2**63)],
    ]
    for value in values:
        assert codec.encode(value) == general(value)


def test_what_the_packer_refuses_fails_as_it_did() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    for value in ([2**64], {"a": object()}, cycle, [{1, 2}, complex(1, 2)]):
        assert outcome(codec.encode, value) == outcome(general, value)
        assert isinstance(outcome(codec.encode, value), type)


def test_values_too_deep_to_convert_encode_as_the_general_encoder_does() -> None:
    deep: Any = Decimal(1)
    for _ in range(
        500
    ):  # within the packer's limit, beyond what the converter's recursion allows
        deep = (deep,)
    assert codec.encode(deep) == general(deep)


def test_equal_moments_in_other_zones_keep_their_own_form() -> None:
    utc = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    eastern = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    naive = datetime(2026, 1, 5, 15, 0)
    assert utc == eastern
    for value in (utc, eastern, naive, utc):
        assert codec.encode(value) == general(value)
        assert codec.decode(codec.encode(value)).utcoffset() == value.utcoffset()


def test_the_moment_cache_stays_bounded() -> None:
    for seconds in range(codec._UTC_DATETIMES_KEPT * 2):
        moment = NOW + timedelta(seconds=seconds)
        assert codec.encode(moment) == general(moment)
    assert len(codec._UTC_DATETIMES) <= codec._UTC_DATETIMES_KEPT


def test_threads_encoding_at_once_each_get_their_own_bytes() -> None:
    values = [[_filled(uuid4(), uuid4()), {"n": (n, Decimal(n))}] for n in range(8)]
    expected = [general(value) for value in values]
    results: list[list[bytes]] = [[] for _ in values]

    def encode_many(index: int) -> None:
        results[index] = [codec.encode(values[index]) for _ in range(300)]

    threads = [
        threading.Thread(target=encode_many, args=(index,))
        for index in range(len(values))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(
        result == [packed] * 300
        for result, packed in zip(results, expected, strict=True)
    )


def test_decoded_uuids_are_whole_uuids() -> None:
    uuid = uuid4()
    decoded = codec.decode(codec.encode(uuid))
    assert type(decoded) is UUID
    assert decoded == uuid
    assert hash(decoded) == hash(uuid)
    assert str(decoded) == str(uuid)
    assert decoded.is_safe is SafeUUID.unknown
    assert pickle.loads(pickle.dumps(decoded)) == uuid
    assert {decoded: 1}[uuid] == 1


@pytest.mark.parametrize(
    "payload",
    [
        msgpack.packb(msgpack.ExtType(2, b"short")),
        msgpack.packb(msgpack.ExtType(9, b"")),
        msgpack.packb(msgpack.ExtType(4, b"Unknown:x")),
        msgpack.packb(msgpack.ExtType(4, b"OrderSide:sideways")),
        msgpack.packb({"__t": "Unregistered", "amount": 1}),
        msgpack.packb({"__t": "OrderFilled", "no_such_field": 1}),
        b"\xc1",
    ],
)
def test_what_we_did_not_write_does_not_decode(payload: bytes) -> None:
    with pytest.raises(codec.DecodeError):
        codec.decode(payload)
