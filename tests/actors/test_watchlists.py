"""Watchlists in the actors: journaled on the account, so a restart (with or without a snapshot) recovers them."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import journal_on, make_engine
from tradeloop.actors import watchlists
from tradeloop.snapshots.recovery import recover


async def test_concurrent_additions_of_different_symbols_both_hold() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(1000))).account_id
        created = await watchlists.create(engine, account_id, "tech", ())
        await asyncio.gather(
            watchlists.add_symbol(engine, account_id, created.id, "AAPL"),
            watchlists.add_symbol(engine, account_id, "tech", "MSFT"),
        )
        assert set(watchlists.watchlist(engine, account_id, created.id).symbols) == {"AAPL", "MSFT"}
    finally:
        await engine.stop()


@pytest.mark.parametrize("snapshot", [False, True], ids=["journal only", "final snapshot"])
async def test_watchlists_survive_a_restart_on_sqlite(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "tradeloop.db"
    async with journal_on("sqlite", path) as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        account_id = (await engine.open_account(Decimal(1000))).account_id
        kept = await watchlists.create(engine, account_id, "tech", ("AAPL", "MSFT"))
        await watchlists.add_symbol(engine, account_id, kept.id, "NVDA")
        await watchlists.remove_symbol(engine, account_id, "tech", "AAPL")
        await watchlists.update(engine, account_id, kept.id, name="chips", symbols=None)
        gone = await watchlists.create(engine, account_id, "gone", ())
        await watchlists.delete(engine, account_id, gone.id)
        before = watchlists.watchlists(engine, account_id)
        await engine.stop(snapshot=snapshot)  # without a final snapshot, as a kill -9 leaves it
    recovered = recover(path).accounts[account_id]
    assert list(recovered.watchlists.values()) == before
    (only,) = before
    assert (only.name, only.symbols) == ("chips", ("MSFT", "NVDA"))
