"""Trading statuses on the market data stream: an administrator's halt and resumption, in Alpaca's `s` shape."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Final

import msgpack
import pytest
from aiohttp import ClientWebSocketResponse

from tests.factories import HttpClient, admin_headers, make_engine, set_price
from tests.http.streams_client import Json, authenticated, one, send, subscription
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.core.marketdata import HaltChanged, Quote
from tradeloop.http.streams.frames import Message
from tradeloop.http.streams.market_messages import quote_message, status_message
from tradeloop.http.streams.outbox import Accepted, Outbox

HALT_AT: Final = datetime(2024, 3, 1, 15, 30, 12, 345000, tzinfo=timezone.utc)
HALT_AT_TEXT: Final = "2024-03-01T15:30:12.345000Z"
OPERATIONS_HALT: Final = {"rc": "O1", "rm": "Operations Halt, Contact Market Operations"}
UTP_HALT: Final = {"T": "s", "S": "AAPL", "sc": "H", "sm": "Trading Halt", **OPERATIONS_HALT, "z": "C"}
UTP_RESUME: Final = {**UTP_HALT, "sc": "T", "sm": "Trading Resumption"}


@pytest.fixture
def engine() -> Engine:
    return make_engine(clock=lambda: HALT_AT)


@pytest.fixture
async def admin(client: HttpClient) -> dict[str, str]:
    return await admin_headers(client)


async def halt(client: HttpClient, admin: dict[str, str], symbol: str) -> None:
    response = await client.post("/admin/v1/market/halts", json={"symbol": symbol}, headers=admin)
    assert response.status == 201, await response.text()


async def resume(client: HttpClient, admin: dict[str, str], symbol: str) -> None:
    response = await client.delete(f"/admin/v1/market/halts/{symbol}", headers=admin)
    assert response.status == 200, await response.text()


async def subscribed(ws: ClientWebSocketResponse, *, packed: bool = False, **channels: list[str]) -> None:
    """Subscribe and check the reply lists exactly those channels."""
    await send(ws, {"action": "subscribe", **channels}, packed=packed)
    expected: dict[str, Any] = subscription(trades=channels.get("trades", []))
    expected["statuses"] = channels.get("statuses", [])
    assert await one(ws) == expected


def without_time(message: Json) -> Json:
    return {key: value for key, value in message.items() if key != "t"}


async def test_a_halt_and_a_resume_reach_a_statuses_subscriber_in_json(
    client: HttpClient, account: Credentials, admin: dict[str, str]
) -> None:
    ws = await authenticated(client, account)
    await subscribed(ws, statuses=["AAPL"])
    await halt(client, admin, "AAPL")
    halted = await one(ws)
    assert halted == {**UTP_HALT, "t": HALT_AT_TEXT}
    await resume(client, admin, "aapl")
    assert await one(ws) == {**UTP_RESUME, "t": HALT_AT_TEXT}


async def test_a_wildcard_msgpack_subscriber_gets_cta_codes_for_a_tape_a_symbol(
    client: HttpClient, account: Credentials, admin: dict[str, str]
) -> None:
    ws = await authenticated(client, account, packed=True)
    await subscribed(ws, packed=True, statuses=["*"])
    await halt(client, admin, "JPM")  # listed on NYSE: tape A, whose plan (CTA) has its own codes
    halted = await one(ws)
    assert isinstance(halted["t"], msgpack.Timestamp) and halted["t"].to_datetime() == HALT_AT
    assert without_time(halted) == {"T": "s", "S": "JPM", "sc": "2", "sm": "Trading Halt"} | {
        "rc": "X",
        "rm": "Operational",
        "z": "A",
    }
    await resume(client, admin, "JPM")
    assert without_time(await one(ws)) == {**without_time(halted), "sc": "3", "sm": "Resume"}


async def test_a_client_subscribed_only_to_trades_gets_no_status(
    client: HttpClient, engine: Engine, account: Credentials, admin: dict[str, str]
) -> None:
    ws = await authenticated(client, account)
    await subscribed(ws, trades=["AAPL"])
    await halt(client, admin, "AAPL")
    await set_price(engine, "AAPL", "150.00")  # a halted market is still priced: the trade comes next, alone
    traded = await one(ws)
    assert traded["T"] == "t" and traded["S"] == "AAPL"
    await resume(client, admin, "AAPL")
    await set_price(engine, "AAPL", "151.00")
    assert (await one(ws))["T"] == "t"


async def test_other_symbols_and_repeated_halts_send_nothing_and_subscribing_gets_no_snapshot(
    client: HttpClient, account: Credentials, admin: dict[str, str]
) -> None:
    await halt(client, admin, "AAPL")
    ws = await authenticated(client, account)
    await subscribed(ws, statuses=["AAPL"])  # Alpaca sends no current status on subscribe
    await halt(client, admin, "AAPL")  # already halted: no change, no message
    await halt(client, admin, "MSFT")  # not subscribed
    await resume(client, admin, "MSFT")
    await resume(client, admin, "AAPL")
    assert await one(ws) == {**UTP_RESUME, "t": HALT_AT_TEXT}
    await resume(client, admin, "AAPL")  # not halted: nothing
    await halt(client, admin, "AAPL")
    assert await one(ws) == {**UTP_HALT, "t": HALT_AT_TEXT}


def quote(bid: str) -> Message:
    price = Decimal(bid)
    return quote_message(
        Quote(symbol="AAPL", bid=price, ask=price, bid_size=None, ask_size=None, timestamp=HALT_AT), "NASDAQ"
    )


async def test_a_status_is_never_coalesced_and_a_newer_quote_does_not_overtake_it() -> None:
    outbox = Outbox(4)
    status = status_message(HaltChanged(symbol="AAPL", halted=True, timestamp=HALT_AT), "NASDAQ")
    assert not status.coalescible
    assert outbox.put(quote("1"), 0.0) is Accepted.QUEUED
    assert outbox.put(quote("2"), 0.0) is Accepted.QUEUED  # at the soft limit from here on
    assert outbox.put(status, 0.0) is Accepted.QUEUED
    assert outbox.put(quote("3"), 0.0) is Accepted.QUEUED  # not folded into "2", ahead of the status
    assert outbox.put(status, 0.0) is Accepted.REFUSED  # full: a status is never dropped, the client is too slow
    taken = [(message.body["T"], message.body.get("bp")) for message in await outbox.take(10)]
    assert taken == [("q", Decimal(1)), ("q", Decimal(2)), ("s", None), ("q", Decimal(3))]
