"""The journal codec's fast path by exact type writes the same bytes as the general encoder."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

import msgpack
import pytest

from tradeloop.core.accounts import apply_event, open_account
from tradeloop.core.events import AccountOpened, OrderFilled
from tradeloop.core.instruments import ASSETS_BY_SYMBOL
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.core.placement import accept_order
from tradeloop.snapshots import codec

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)


def _general(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, default=codec._encode_other, use_bin_type=True, strict_types=True)
    return packed


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
        limit_price=Decimal("101"),
    )
    accepted = accept_order(
        state, request, ASSETS_BY_SYMBOL["AAPL"], order_id=uuid4(), reference_price=Decimal(100), now=NOW, session_end=NOW
    )
    apply_event(state, accepted)
    filled = OrderFilled(
        account_id=account_id,
        order_id=accepted.terms.id,
        fill_id=uuid4(),
        symbol="AAPL",
        side=OrderSide.BUY,
        qty=Decimal("1.0"),
        price=Decimal("100.00"),
        cash=Decimal("100.00"),
        order_done=True,
        timestamp=NOW,
    )
    apply_event(state, filled)
    return [[opened], [accepted], [filled], state, OrderStatus.FILLED, {"n": Decimal("1E+2"), "s": {1, 2}}]


@pytest.mark.parametrize("value", _samples(), ids=lambda value: type(value).__name__)
def test_fast_path_matches_the_general_encoder(value: Any) -> None:
    assert codec.encode(value) == _general(value)
    decoded = codec.decode(codec.encode(value))
    assert codec.encode(decoded) == codec.encode(value)
