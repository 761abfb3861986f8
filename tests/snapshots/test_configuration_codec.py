"""Account configurations in the journal's codec: they round-trip, and records without a field decode to its default."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import msgpack

from tradeloop.core.configurations import AccountConfig, ConfigChanges, DayTradeCheck, MarginMultiplier
from tradeloop.core.events import AccountConfigured
from tradeloop.snapshots.codec import decode, encode


def test_a_configuration_change_round_trips() -> None:
    event = AccountConfigured(
        account_id=uuid4(),
        changes=ConfigChanges(suspend_trade=True, pdt_check=DayTradeCheck.BOTH, max_margin_multiplier=MarginMultiplier.TWO),
        timestamp=datetime(2026, 1, 5, 15, 30, tzinfo=UTC),
    )
    assert decode(encode(event)) == event
    config = AccountConfig(fractional_trading=False, max_options_trading_level=2)
    assert decode(encode(config)) == config


def test_records_that_leave_fields_out_decode_to_the_defaults() -> None:
    """A record written before a field existed lacks it: a change leaves it alone, a configuration takes its default."""
    changes = decode(msgpack.packb({"__t": "ConfigChanges", "suspend_trade": True}))
    assert changes == ConfigChanges(suspend_trade=True)
    assert decode(msgpack.packb({"__t": "AccountConfig", "suspend_trade": True})) == AccountConfig(suspend_trade=True)
