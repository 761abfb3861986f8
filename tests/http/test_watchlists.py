"""Watchlists: CRUD by id and by name, adding and removing symbols, refusals, and alpaca-py's watchlist methods."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.models import Watchlist
from alpaca.trading.requests import CreateWatchlistRequest, UpdateWatchlistRequest

from tests.factories import HttpClient, auth_headers
from tradeloop.actors.engine import Credentials, Engine


async def call(client: HttpClient, headers: dict[str, str], method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = await client.request(method, path, headers=headers, **kwargs)
    return response.status, (await response.json() if response.status != 204 else None)


def symbols(watchlist: dict[str, Any]) -> list[str]:
    return [asset["symbol"] for asset in watchlist["assets"]]


async def test_create_read_change_and_delete_by_id(client: HttpClient, headers: dict[str, str]) -> None:
    status, created = await call(client, headers, "POST", "/v2/watchlists", json={"name": "tech", "symbols": ["aapl", "MSFT"]})
    assert status == 200
    assert symbols(created) == ["AAPL", "MSFT"]
    path = f"/v2/watchlists/{created['id']}"
    status, listed = await call(client, headers, "GET", "/v2/watchlists")
    assert listed == [{key: value for key, value in created.items() if key != "assets"}]
    status, added = await call(client, headers, "POST", path, json={"symbol": "nvda"})
    assert symbols(added) == ["AAPL", "MSFT", "NVDA"]
    status, again = await call(client, headers, "POST", path, json={"symbol": "AAPL"})
    assert symbols(again) == ["AAPL", "MSFT", "NVDA"]
    status, removed = await call(client, headers, "DELETE", f"{path}/msft")
    assert (status, symbols(removed)) == (200, ["AAPL", "NVDA"])
    status, renamed = await call(client, headers, "PUT", path, json={"name": "chips", "symbols": ["NVDA"]})
    assert (renamed["name"], symbols(renamed)) == ("chips", ["NVDA"])
    assert (await call(client, headers, "GET", path))[1] == renamed
    assert (await call(client, headers, "DELETE", path))[0] == 204
    assert (await call(client, headers, "GET", path))[0] == 404
    assert (await call(client, headers, "GET", "/v2/watchlists"))[1] == []


async def test_the_by_name_forms(client: HttpClient, headers: dict[str, str]) -> None:
    await call(client, headers, "POST", "/v2/watchlists", json={"name": "my list", "symbols": ["AAPL"]})
    by_name = {"name": "my list"}
    status, found = await call(client, headers, "GET", "/v2/watchlists:by_name", params=by_name)
    assert (status, symbols(found)) == (200, ["AAPL"])
    status, added = await call(client, headers, "POST", "/v2/watchlists:by_name", params=by_name, json={"symbol": "MSFT"})
    assert symbols(added) == ["AAPL", "MSFT"]
    status, removed = await call(client, headers, "DELETE", "/v2/watchlists:by_name/AAPL", params=by_name)
    assert symbols(removed) == ["MSFT"]
    status, changed = await call(client, headers, "PUT", "/v2/watchlists:by_name", params=by_name, json={"symbols": ["NVDA"]})
    assert symbols(changed) == ["NVDA"]
    assert (await call(client, headers, "DELETE", "/v2/watchlists:by_name", params=by_name))[0] == 204
    assert (await call(client, headers, "GET", "/v2/watchlists:by_name", params=by_name))[0] == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "symbols": []}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "tech", "symbols": ["NOPE"]}, "symbols"),
        ({"name": "taken"}, "name"),
        ({"name": "tech", "colour": "red"}, "colour"),
    ],
)
async def test_a_wrong_watchlist_is_refused_naming_the_field(
    client: HttpClient, headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    await call(client, headers, "POST", "/v2/watchlists", json={"name": "taken"})
    status, problem = await call(client, headers, "POST", "/v2/watchlists", json=body)
    assert status == 422
    assert field in problem["message"]
    assert [each["name"] for each in (await call(client, headers, "GET", "/v2/watchlists"))[1]] == ["taken"]


async def test_another_accounts_watchlist_is_not_found(client: HttpClient, headers: dict[str, str], engine: Engine) -> None:
    other_headers = auth_headers(await engine.open_account(Decimal(1000)))
    status, created = await call(client, headers, "POST", "/v2/watchlists", json={"name": "mine"})
    assert status == 200
    assert (await call(client, other_headers, "GET", f"/v2/watchlists/{created['id']}"))[0] == 404
    assert (await call(client, other_headers, "DELETE", f"/v2/watchlists/{created['id']}"))[0] == 404
    assert (await call(client, headers, "GET", "/v2/watchlists/not-a-uuid"))[0] == 404


async def test_alpaca_py_watchlist_methods(client: HttpClient, account: Credentials) -> None:
    sdk = TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))
    loop = asyncio.get_running_loop()

    async def run(function: Any, *args: Any) -> Any:
        return await loop.run_in_executor(None, function, *args)

    created = await run(sdk.create_watchlist, CreateWatchlistRequest(name="sdk", symbols=["AAPL"]))
    assert isinstance(created, Watchlist)
    assert [asset.symbol for asset in created.assets or []] == ["AAPL"]
    added = await run(sdk.add_asset_to_watchlist_by_id, created.id, "MSFT")
    assert [asset.symbol for asset in added.assets or []] == ["AAPL", "MSFT"]
    updated = await run(sdk.update_watchlist_by_id, created.id, UpdateWatchlistRequest(name="sdk2"))
    assert updated.name == "sdk2"
    removed = await run(sdk.remove_asset_from_watchlist_by_id, created.id, "AAPL")
    assert [asset.symbol for asset in removed.assets or []] == ["MSFT"]
    listed = await run(sdk.get_watchlists)
    assert [each.id for each in listed] == [created.id]
    found = await run(sdk.get_watchlist_by_id, created.id)
    assert found.account_id == account.account_id
    await run(sdk.delete_watchlist_by_id, created.id)
    with pytest.raises(APIError):
        await run(sdk.get_watchlist_by_id, created.id)
