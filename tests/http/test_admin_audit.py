"""GET /admin/v1/audit pages the whole log newest first: `page_token` from an entry's id, `until` by time."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import ClientFactory
from tests.factories import HttpClient, admin_headers, make_app, make_engine
from tradeloop.actors import administration
from tradeloop.actors.engine import Engine
from tradeloop.journal import Journal

Headers = dict[str, str]


@pytest.fixture
def engine(journal: Journal) -> Engine:
    """On the in-memory journal and on a SQLite file."""
    return make_engine(journal=journal)


@pytest.fixture
async def client(engine: Engine, aiohttp_client: ClientFactory) -> HttpClient:
    """The app on the engine; `engine` first, so the app stops before its journal closes."""
    return await aiohttp_client(make_app(engine))


@pytest.fixture
async def admin(client: HttpClient) -> Headers:
    return await admin_headers(client)


async def audit(client: HttpClient, admin: Headers, status: int = 200, **query: str) -> Any:
    response = await client.get("/admin/v1/audit", params=query, headers=admin)
    payload = await response.json()
    assert response.status == status, payload
    return payload


async def write_actions(engine: Engine, count: int) -> None:
    """`count` actions, numbered by their `price` detail in the order written (handed over at once, as a burst)."""
    await asyncio.gather(*(administration.audit(engine, "set_price", "AAPL", price=str(n)) for n in range(count)))


async def test_page_tokens_and_until_walk_the_log_newest_first(client: HttpClient, admin: Headers, engine: Engine) -> None:
    await write_actions(engine, 7)
    everything = await audit(client, admin)
    assert [e["detail"]["price"] for e in everything[:7]] == [str(n) for n in reversed(range(7))]

    walked: list[Any] = []
    page = await audit(client, admin, limit="3")
    while page:
        walked += page
        page = await audit(client, admin, limit="3", page_token=page[-1]["id"])
    assert walked == everything
    assert len({entry["id"] for entry in walked}) == len(walked)

    until = everything[2]["at"]
    kept = [entry for entry in everything if entry["at"] <= until]
    assert await audit(client, admin, until=until) == kept
    first = await audit(client, admin, until=until, limit="2")
    assert first + await audit(client, admin, until=until, page_token=first[-1]["id"]) == kept
    assert await audit(client, admin, until="2000-01-01T00:00:00Z") == []


async def test_entries_beyond_the_largest_limit_are_reached(client: HttpClient, admin: Headers, engine: Engine) -> None:
    await write_actions(engine, 1005)
    first = await audit(client, admin, limit="1000")
    rest = await audit(client, admin, limit="1000", page_token=first[-1]["id"])
    assert len(first) == 1000 and {e["id"] for e in first}.isdisjoint(e["id"] for e in rest)
    assert first[0]["detail"]["price"] == "1004"
    assert [e["detail"]["price"] for e in rest if e["action"] == "set_price"] == ["4", "3", "2", "1", "0"]


async def test_a_page_token_that_is_no_entry_id_is_refused(client: HttpClient, admin: Headers, engine: Engine) -> None:
    await write_actions(engine, 2)
    # Not base64; an entry's form with no number; a token of the market data listings.
    for token in ("not-a-token", "YWRtaW4fYXVkaXQfeA", "YmFycy8xTWluH0FBUEwfNQ"):
        problem = await audit(client, admin, status=400, page_token=token)
        assert problem["code"] == 40010001 and "page_token" in problem["message"], token
