"""Watchlists in the actors: journaled on the account, so a restart (with or without a snapshot) recovers them."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import journal_on, make_engine
from tradeloop.actors import watchlists
from tradeloop.core.watchlists import MAX_WATCHLISTS, Watchlist
from tradeloop.errors import InvalidField
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


async def test_two_creates_with_one_name_at_once_make_one_watchlist() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(1000))).account_id
        outcomes = await asyncio.gather(
            watchlists.create(engine, account_id, "tech", ("AAPL",)),
            watchlists.create(engine, account_id, "tech", ("MSFT",)),
            return_exceptions=True,
        )
        made = [each for each in outcomes if isinstance(each, Watchlist)]
        refused = [each for each in outcomes if isinstance(each, InvalidField)]
        assert (len(made), len(refused)) == (1, 1)
        with pytest.raises(InvalidField) as sequential:
            await watchlists.create(engine, account_id, "tech", ())
        assert (refused[0].code, str(refused[0])) == (sequential.value.code, str(sequential.value))
        assert watchlists.watchlists(engine, account_id) == made
    finally:
        await engine.stop()


async def test_two_creates_at_once_past_the_last_free_place_make_one_watchlist() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(1000))).account_id
        for number in range(MAX_WATCHLISTS - 1):
            await watchlists.create(engine, account_id, f"list {number}", ())
        outcomes = await asyncio.gather(
            watchlists.create(engine, account_id, "one more", ()),
            watchlists.create(engine, account_id, "and another", ()),
            return_exceptions=True,
        )
        assert sorted(type(each).__name__ for each in outcomes) == ["InvalidField", "Watchlist"]
        assert len(watchlists.watchlists(engine, account_id)) == MAX_WATCHLISTS
    finally:
        await engine.stop()
