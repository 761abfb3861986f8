"""The engine while its journal cannot write: commands refused before anything changes, no trading, then back by itself."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from tests.actors.factories import limit_buy
from tests.factories import make_engine, set_price
from tests.snapshots.factories import allow_writes, refuse_writes, until
from tradeloop.actors.account import Committed
from tradeloop.actors.administration import rotate_account_keys, set_account_active, set_halted
from tradeloop.actors.engine import Engine
from tradeloop.core.accounts import AccountState
from tradeloop.core.events import CashAdjusted
from tradeloop.core.notifications import NotificationsCreated
from tradeloop.core.orders import OrderStatus, ReplaceRequest
from tradeloop.errors import JournalUnavailable
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import recover

NO_CHECKPOINTS_S = 3600.0
"""A checkpoint would start the WAL over, under the size limit that makes commits fail."""


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    """A started engine on a real SQLite journal whose WAL is never checkpointed."""
    writer = JournalWriter(tmp_path / "db.sqlite", checkpoint_every_s=NO_CHECKPOINTS_S)
    await writer.open()
    engine = make_engine(journal=writer)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
        await writer.close()


def writer_of(engine: Engine) -> JournalWriter:
    assert isinstance(engine.journal, JournalWriter)
    return engine.journal


async def break_the_disk(engine: Engine, account_id: UUID) -> int:
    """Make the journal's commits fail, and a deposit the first write to meet it; returns the writing process's id."""
    writer = writer_of(engine)
    assert writer.pid is not None
    refuse_writes(writer.path, writer.pid)
    with pytest.raises(JournalUnavailable, match="settled when it recovers"):
        await engine.adjust_cash(account_id, Decimal(1), "in the failing batch")  # applied; kept by the journal
    assert writer.trouble is not None
    return writer.pid


async def test_while_the_journal_cannot_write_commands_are_refused_without_changing_anything(engine: Engine) -> None:
    account = await engine.open_account(Decimal(10_000))
    account_id = account.account_id
    await set_price(engine, "AAPL", "100")
    resting = await engine.place_order(account_id, limit_buy("90"))
    pid = await break_the_disk(engine, account_id)
    state = engine.account(account_id)
    before: AccountState = copy.deepcopy(state)
    assert before.cash == 10_001  # the deposit in the failing batch is applied, and will be committed

    refused: list[Callable[[], Awaitable[object]]] = [
        lambda: engine.place_order(account_id, limit_buy("80")),
        lambda: engine.cancel_order(account_id, resting.terms.id),
        lambda: engine.replace_order(account_id, resting.terms.id, ReplaceRequest(limit_price=Decimal("85"))),
        lambda: engine.adjust_cash(account_id, Decimal(5), "refused"),
        lambda: engine.open_account(Decimal(1)),
        lambda: rotate_account_keys(engine, account_id),
        lambda: set_account_active(engine, account_id, False),
        lambda: set_halted(engine, "AAPL", True),
        lambda: engine.snapshot_all(),
    ]
    for command in refused:
        with pytest.raises(JournalUnavailable, match=r"storage is failing \(I/O error.*nothing was changed"):
            await command()
    await engine.quiesce()
    assert state == before
    assert len(engine.accounts()) == 1 and engine.halted_symbols() == []
    assert engine.authenticate(account.key_id, account.secret_key) is state

    allow_writes(pid)
    await until(lambda: engine.journal_trouble is None)
    placed = await engine.place_order(account_id, limit_buy("80"))
    await engine.adjust_cash(account_id, Decimal(5), "after")
    await engine.quiesce()
    assert state.cash == 10_006 and set(state.orders) == {resting.terms.id, placed.terms.id}
    assert (await engine.journal.verify()).ok
    assert recover(writer_of(engine).path).accounts == {account_id: state}  # disk holds what memory holds


async def test_a_write_kept_while_the_journal_cannot_write_is_told_to_listeners_once_committed(engine: Engine) -> None:
    """Trade updates report what was committed: the kept write, once it is, and only then."""
    account_id = (await engine.open_account(Decimal(10_000))).account_id
    told: list[Committed] = []
    engine.subscribe_events(told.append)
    pid = await break_the_disk(engine, account_id)
    await engine.quiesce()
    assert told == []

    allow_writes(pid)
    await until(lambda: engine.journal_trouble is None)
    await until(lambda: len(told) == 1)
    deposit, notices = told[0].events  # the deposit and, in the same write, the owner's notification of it
    assert isinstance(deposit, CashAdjusted) and deposit.description == "in the failing batch"
    assert isinstance(notices, NotificationsCreated)


async def test_markets_stop_matching_while_the_journal_cannot_write_and_trade_again_after(engine: Engine) -> None:
    account_id = (await engine.open_account(Decimal(10_000))).account_id
    await set_price(engine, "AAPL", "100")
    resting = await engine.place_order(account_id, limit_buy("90"))
    pid = await break_the_disk(engine, account_id)

    await set_price(engine, "AAPL", "85")  # crosses the limit: a fill nobody could record
    state = engine.account(account_id)
    assert state.orders[resting.terms.id].status is OrderStatus.NEW and "AAPL" not in state.positions
    assert engine.board.last_price("AAPL") == Decimal("85")  # still priced

    allow_writes(pid)
    await until(lambda: engine.journal_trouble is None)
    await set_price(engine, "AAPL", "85")
    assert resting.terms.id not in state.orders and state.positions["AAPL"].qty == 1
    assert (await engine.order(account_id, resting.terms.id)).status is OrderStatus.FILLED
    assert recover(writer_of(engine).path).accounts == {account_id: state}
