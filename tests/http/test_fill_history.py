"""The fills and round trips kept between requests: new fills appear, another account's never do, a restart reads again."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import UUID

from tests.conftest import ClientFactory
from tests.factories import auth_headers, journal_on, make_app, make_engine, set_price
from tradeloop.actors.engine import Engine
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.core.trades import round_trips
from tradeloop.http.fill_history import FillHistory
from tradeloop.journal import FillQuery, Journal
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import recover


async def _fill(engine: Engine, account_id: UUID, side: OrderSide, price: str, symbol: str = "AAPL") -> None:
    """A market order of 10 shares filled at `price`."""
    await set_price(engine, symbol, price)
    request = OrderRequest(symbol=symbol, side=side, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=Decimal(10))
    assert (await engine.place_order(account_id, request)).status is OrderStatus.FILLED


async def _round_trip(engine: Engine, account_id: UUID, buy: str, sell: str, symbol: str = "AAPL") -> None:
    await _fill(engine, account_id, OrderSide.BUY, buy, symbol)
    await _fill(engine, account_id, OrderSide.SELL, sell, symbol)


async def _expected(journal: Journal, account_id: UUID) -> tuple[list[object], list[object]]:
    """What reading the journal whole gives: the account's fills and their round trips."""
    fills = await journal.fills(FillQuery(account_id=account_id))
    return list(fills), list(round_trips(fills))


async def test_fills_after_a_kept_answer_appear_in_the_next(journal: Journal) -> None:
    engine = make_engine(journal=journal)
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(100_000))).account_id
        kept = FillHistory(journal)
        await _round_trip(engine, account_id, "100", "110")
        assert len(await kept.round_trips(account_id)) == 1
        await _round_trip(engine, account_id, "120", "115")
        await _fill(engine, account_id, OrderSide.BUY, "90", "MSFT")
        fills, trips = await _expected(journal, account_id)
        assert len(fills) == 5 and len(trips) == 2
        assert list(await kept.fills(account_id)) == fills
        assert list(await kept.round_trips(account_id)) == trips
        await _fill(engine, account_id, OrderSide.SELL, "95", "MSFT")  # after the trips were paired: paired again
        fills, trips = await _expected(journal, account_id)
        assert list(await kept.round_trips(account_id)) == trips and len(trips) == 3
        assert list(await kept.fills(account_id)) == fills
    finally:
        await engine.stop()


async def test_another_accounts_fills_never_appear(journal: Journal) -> None:
    engine = make_engine(journal=journal)
    await engine.start()
    try:
        mine = (await engine.open_account(Decimal(100_000))).account_id
        theirs = (await engine.open_account(Decimal(100_000))).account_id
        kept = FillHistory(journal, accounts=1)  # one account kept: asking for the other forgets it
        await _round_trip(engine, mine, "100", "110")
        assert len(await kept.round_trips(mine)) == 1
        await _round_trip(engine, theirs, "50", "40", "MSFT")
        await _round_trip(engine, theirs, "60", "70", "MSFT")
        assert list(await kept.round_trips(mine)) == (await _expected(journal, mine))[1]
        assert list(await kept.fills(theirs)) == (await _expected(journal, theirs))[0]
        await _round_trip(engine, mine, "100", "90")
        for account_id in (mine, theirs, mine):
            fills, trips = await _expected(journal, account_id)
            assert list(await kept.fills(account_id)) == fills
            assert list(await kept.round_trips(account_id)) == trips
        assert {trip.symbol for trip in await kept.round_trips(mine)} == {"AAPL"}
        assert {fill.symbol for fill in await kept.fills(theirs)} == {"MSFT"}
    finally:
        await engine.stop()


async def test_the_journal_reads_the_fills_after_a_place(journal: Journal) -> None:
    engine = make_engine(journal=journal)
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(100_000))).account_id
        other = (await engine.open_account(Decimal(100_000))).account_id
        query = FillQuery(account_id=account_id)
        assert await journal.fills_after(query, 0) == ([], 0)
        await _round_trip(engine, account_id, "100", "110")
        first, place = await journal.fills_after(query, 0)
        assert [fill.side for fill in first] == [OrderSide.BUY, OrderSide.SELL]
        assert await journal.fills_after(query, place) == ([], place)
        await _round_trip(engine, other, "100", "110")
        assert await journal.fills_after(query, place) == ([], place)
        await _fill(engine, account_id, OrderSide.BUY, "80", "MSFT")
        await _fill(engine, account_id, OrderSide.BUY, "81")
        later, _ = await journal.fills_after(query, place)
        assert first + later == await journal.fills(query)
        msft, _ = await journal.fills_after(FillQuery(account_id=account_id, symbols=frozenset({"MSFT"})), place)
        assert [(fill.symbol, fill.price) for fill in msft] == [("MSFT", Decimal("80"))]
    finally:
        await engine.stop()


async def test_a_restarted_server_reads_the_journal_again(tmp_path: Path, aiohttp_client: ClientFactory) -> None:
    path = tmp_path / "tradeloop.db"
    async with journal_on("sqlite", path) as journal:
        engine = make_engine(journal=journal)
        client = await aiohttp_client(make_app(engine))
        credentials = await engine.open_account(Decimal(100_000))
        await _round_trip(engine, credentials.account_id, "100", "110")
        before = await (await client.get("/v2/account/trades", headers=auth_headers(credentials))).json()
        assert len(before["trades"]) == 1
        await client.close()  # the app stops the engine, before the journal closes
    recovered = recover(path)
    writer = JournalWriter(path, last_seq=recovered.last_seq, last_hash=recovered.last_hash)
    await writer.open()
    try:
        engine = make_engine(journal=writer, accounts=tuple(recovered.accounts.values()))
        client = await aiohttp_client(make_app(engine))
        headers = auth_headers(credentials)
        assert await (await client.get("/v2/account/trades", headers=headers)).json() == before
        await _round_trip(engine, credentials.account_id, "100", "90")
        after = await (await client.get("/v2/account/trades", headers=headers)).json()
        assert [trade["realized_pl"] for trade in after["trades"]] == ["-100.00", "100.00"]
        await client.close()
    finally:
        await writer.close()
