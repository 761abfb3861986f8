"""What the admin console reads: each account's status in the list, the market's mode, and a halt's reason in the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.factories import HttpClient, admin_headers, make_app, make_settings
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.config import MarketMode


async def call(client: HttpClient, method: str, path: str, headers: dict[str, str], body: Any = None, status: int = 200) -> Any:
    """One call whose status must be `status`; returns the JSON answer."""
    response = await client.request(method, path, json=body, headers=headers)
    payload = await response.json()
    assert response.status == status, payload
    return payload


async def test_the_account_list_says_which_accounts_are_disabled(client: HttpClient, account: Credentials) -> None:
    admin = await admin_headers(client)
    other = await call(client, "POST", "/admin/v1/accounts", admin, {"cash": "10"}, status=201)
    await call(client, "POST", f"/admin/v1/accounts/{account.account_id}/disable", admin)
    listed = {entry["id"]: entry["status"] for entry in await call(client, "GET", "/admin/v1/accounts", admin)}
    assert listed == {str(account.account_id): "DISABLED", other["id"]: "ACTIVE"}


async def test_the_market_state_names_the_manual_mode_and_the_halted_symbols(client: HttpClient) -> None:
    admin = await admin_headers(client)
    assert await call(client, "GET", "/admin/v1/market", admin) == {"mode": "manual", "halted": []}
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "MSFT"}, status=201)
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "AAPL"}, status=201)
    assert await call(client, "GET", "/admin/v1/market", admin) == {"mode": "manual", "halted": ["AAPL", "MSFT"]}


async def test_the_market_state_names_the_simulated_mode(aiohttp_client: Any, engine: Engine) -> None:
    client: TestClient[Any, Any] = await aiohttp_client(make_app(engine, make_settings(market=MarketMode.SIMULATED)))
    admin = await admin_headers(client)
    assert (await call(client, "GET", "/admin/v1/market", admin))["mode"] == "simulated"


async def test_the_market_state_needs_a_session(client: HttpClient) -> None:
    response = await client.get("/admin/v1/market")
    assert response.status == 401


async def test_a_halts_reason_is_in_the_audit_log_entry(client: HttpClient) -> None:
    admin = await admin_headers(client)
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "aapl", "reason": " pending news "}, status=201)
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "MSFT"}, status=201)
    newest, older = await call(client, "GET", "/admin/v1/audit?limit=2", admin)
    assert (older["action"], older["target"], older["detail"]) == ("halt", "AAPL", {"reason": "pending news"})
    assert (newest["action"], newest["target"], newest["detail"]) == ("halt", "MSFT", {})


async def test_a_halt_reason_over_200_characters_is_refused_and_halts_nothing(client: HttpClient) -> None:
    admin = await admin_headers(client)
    problem = await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "AAPL", "reason": "x" * 201}, status=422)
    assert "reason" in problem["message"]
    assert await call(client, "GET", "/admin/v1/market/halts", admin) == {"halted": []}
