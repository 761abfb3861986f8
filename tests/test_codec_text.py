"""The shared codec's timestamp text and the journal's record framing agree with their plain definitions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tradeloop.codec import rfc3339
from tradeloop.core.instruments import asset_id
from tradeloop.snapshots.codec import encode
from tradeloop.snapshots.journal import _array_header


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 28, 17, 50, 1, 123456, tzinfo=timezone.utc),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 1, 2, 3, 4, 5),
        datetime(999, 12, 31, 23, 59, 59, tzinfo=timezone.utc),
        datetime(1, 1, 1),
    ],
)
def test_rfc3339_writes_what_strftime_writes(moment: datetime) -> None:
    assert rfc3339(moment) == moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize("length", [0, 1, 2, 15, 16, 17, 65_536])
def test_a_record_framed_from_its_parts_is_the_encoded_list(length: int) -> None:
    items = [{"n": i} for i in range(length)]
    assert _array_header(length) + b"".join(encode(item) for item in items) == encode(items)


def test_asset_id_is_the_uuid5_of_the_symbol_every_time() -> None:
    expected = uuid.uuid5(uuid.UUID("6f1c1a3e-0d1b-4c55-9a8e-5b8f0e7a2c10"), "AAPL")
    assert asset_id("AAPL") == expected
    assert asset_id("AAPL") == expected
