"""A database written before orders held their terms as one value still recovers, and its orders still trade.

The fixture (tests/snapshots/fixtures/legacy_journal.sqlite) was written by
make_legacy_journal.py beside it, with the code of that time; the JSON holds
what that code read from it and what the same ticks did to it after recovery.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from uuid import UUID

from tradeloop.actors.engine import Engine
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import recover

FIXTURES: Final = Path(__file__).parent / "fixtures"
EXPECTED: Final[dict[str, Any]] = json.loads((FIXTURES / "legacy_journal.json").read_text())


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _ticks() -> list[Quote]:
    return [
        Quote(
            symbol=tick["symbol"],
            bid=Decimal(tick["bid"]),
            ask=Decimal(tick["ask"]),
            bid_size=None if tick["size"] is None else Decimal(tick["size"]),
            ask_size=None if tick["size"] is None else Decimal(tick["size"]),
            timestamp=datetime.fromisoformat(tick["timestamp"]),
        )
        for tick in EXPECTED["ticks_after"]
    ]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def _read_state(engine: Engine, account_id: UUID, names: dict[str, UUID]) -> dict[str, Any]:
    """The fields make_legacy_journal.py read, through the engine's API."""
    orders: dict[str, Any] = {}
    for name, order_id in names.items():
        order = await engine.order(account_id, order_id)
        orders[name] = {
            "id": str(order_id),
            "status": str(order.status),
            "filled_qty": str(order.filled_qty),
            "filled_avg_price": _text(order.filled_avg_price),
            "reserved_cash": str(order.reserved_cash),
            "reserved_qty": str(order.reserved_qty),
            "stop_price": _text(order.stop_price),
            "hwm": _text(order.hwm),
            "triggered": order.triggered,
            "replaced_by": None if order.replaced_by is None else str(order.replaced_by),
        }
    state = engine.account(account_id)
    return {
        "account_id": str(account_id),
        "cash": str(state.cash),
        "reserved_cash": str(state.reserved_cash),
        "buying_power": str(state.buying_power),
        "realized_pl": str(state.realized_pl),
        "open_orders": sorted(str(order_id) for order_id in state.orders),
        "positions": {
            symbol: {
                "qty": str(position.qty),
                "cost_basis": str(position.cost_basis),
                "reserved_qty": str(position.reserved_qty),
            }
            for symbol, position in sorted(state.positions.items())
        },
        "orders": orders,
    }


@asynccontextmanager
async def _recovered_engine(tmp_path: Path, clock: Clock) -> AsyncIterator[Engine]:
    """The fixture copied to `tmp_path` and recovered as the server starts: snapshot, then the journal after it."""
    path = tmp_path / "tradeloop.db"
    shutil.copyfile(FIXTURES / "legacy_journal.sqlite", path)
    recovered = recover(path)
    writer = JournalWriter(path, last_seq=recovered.last_seq, last_hash=recovered.last_hash)
    await writer.open()
    engine = Engine(assets=UNIVERSE, journal=writer, clock=clock, accounts=recovered.accounts.values())
    try:
        await engine.start()
        await engine.quiesce()
        yield engine
    finally:
        await engine.stop()
        await writer.close()


def _names(state: dict[str, Any]) -> dict[str, UUID]:
    return {name: UUID(order["id"]) for name, order in state["orders"].items()}


async def test_a_legacy_database_recovers_to_the_state_it_was_written_in(tmp_path: Path) -> None:
    expected = EXPECTED["recovered"]
    clock = Clock(_ticks()[0].timestamp - timedelta(seconds=1))
    async with _recovered_engine(tmp_path, clock) as engine:
        assert await _read_state(engine, UUID(expected["account_id"]), _names(expected)) == expected


async def test_resting_orders_of_a_legacy_database_trigger_and_fill_as_they_did(tmp_path: Path) -> None:
    expected = EXPECTED["after_ticks"]
    ticks = _ticks()
    clock = Clock(ticks[0].timestamp - timedelta(seconds=1))
    async with _recovered_engine(tmp_path, clock) as engine:
        for tick in ticks:
            clock.now = tick.timestamp
            await engine.ingest(tick)
            await engine.quiesce()
        state = await _read_state(engine, UUID(expected["account_id"]), _names(expected))
    assert state == expected
    assert {order["status"] for order in state["orders"].values()} == {"filled", "canceled", "replaced"}
    assert state["orders"]["trailing_sell"]["triggered"] and state["orders"]["stop_sell"]["triggered"]
