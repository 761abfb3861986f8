"""Administration routes: key rotation, disabling accounts, cash movements, halts, snapshots, audit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from alpaca.trading.models import TradeAccount

from tests.factories import (
    HttpClient,
    admin_headers,
    all_orders,
    buying_power,
    fetch_order,
    limit_body,
    order_body,
    place,
    set_price,
)
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.actors.memory_journal import MemoryJournal

Headers = dict[str, str]


@pytest.fixture
async def admin(client: HttpClient) -> Headers:
    return await admin_headers(client)


async def call(
    client: HttpClient, method: str, path: str, headers: Headers, body: Any = None, status: int = 200
) -> Any:
    """One call whose status must be `status`; returns the JSON answer (None for an empty one)."""
    response = await client.request(method, path, json=body, headers=headers)
    payload = await response.json() if response.content_length else None
    assert response.status == status, payload
    return payload


async def account_of(client: HttpClient, headers: Headers) -> Any:
    return await call(client, "GET", "/v2/account", headers)


async def activities(client: HttpClient, headers: Headers) -> Any:
    return await call(client, "GET", "/v2/account/activities", headers)


# -- keys -------------------------------------------------------------------------


async def test_rotated_keys_work_and_the_old_pair_is_refused_at_once(
    client: HttpClient, admin: Headers, account: Credentials, headers: Headers
) -> None:
    rotated = await call(client, "POST", f"/admin/v1/accounts/{account.account_id}/keys", admin, status=201)
    assert rotated["id"] == str(account.account_id) and rotated["key_id"] != account.key_id
    new = {"APCA-API-KEY-ID": rotated["key_id"], "APCA-API-SECRET-KEY": rotated["secret_key"]}
    assert (await account_of(client, new))["id"] == str(account.account_id)
    refused = await call(client, "GET", "/v2/account", headers, status=401)
    assert refused["code"] == 40110000
    mixed = {"APCA-API-KEY-ID": account.key_id, "APCA-API-SECRET-KEY": rotated["secret_key"]}
    await call(client, "GET", "/v2/account", mixed, status=401)


async def test_rotating_keys_of_an_unknown_account_is_404(client: HttpClient, admin: Headers) -> None:
    await call(client, "POST", "/admin/v1/accounts/00000000-0000-0000-0000-000000000000/keys", admin, status=404)
    await call(client, "POST", "/admin/v1/accounts/not-a-uuid/keys", admin, status=404)


# -- disable and enable -------------------------------------------------------------


async def test_disabled_account_is_refused_new_orders_and_nothing_is_stored(
    client: HttpClient, engine: Engine, admin: Headers, account: Credentials, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    summary = await call(client, "POST", f"/admin/v1/accounts/{account.account_id}/disable", admin)
    assert summary["status"] == "DISABLED"
    records = engine.journal_position
    refused = await call(client, "POST", "/v2/orders", headers, order_body(), status=403)
    assert refused["code"] == 40310001
    assert await all_orders(client, headers) == []
    assert engine.account(account.account_id).orders == {}
    assert engine.journal_position == records
    assert await buying_power(client, headers) == Decimal(100_000)


async def test_disabled_account_shows_blocked_and_disabled_on_v2_account(
    client: HttpClient, admin: Headers, account: Credentials, headers: Headers
) -> None:
    before = await account_of(client, headers)
    assert before["status"] == "ACTIVE" and not before["trading_blocked"] and not before["account_blocked"]
    await call(client, "POST", f"/admin/v1/accounts/{account.account_id}/disable", admin)
    body = await account_of(client, headers)
    assert body["status"] == "DISABLED"
    assert body["trading_blocked"] is True and body["account_blocked"] is True
    assert TradeAccount(**body).status == "DISABLED"


async def test_disabled_account_can_still_cancel_but_not_replace(
    client: HttpClient, engine: Engine, admin: Headers, account: Credentials, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    order = await place(client, headers, limit_body("90", time_in_force="gtc"))
    await call(client, "POST", f"/admin/v1/accounts/{account.account_id}/disable", admin)
    refused = await call(client, "PATCH", f"/v2/orders/{order['id']}", headers, {"limit_price": "91"}, status=403)
    assert refused["code"] == 40310001
    await call(client, "DELETE", f"/v2/orders/{order['id']}", headers, status=204)
    assert (await fetch_order(client, headers, order["id"]))["status"] == "canceled"
    assert await buying_power(client, headers) == Decimal(100_000)


async def test_enabled_account_is_accepted_again(
    client: HttpClient, engine: Engine, admin: Headers, account: Credentials, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    await call(client, "POST", f"/admin/v1/accounts/{account.account_id}/disable", admin)
    await call(client, "POST", "/v2/orders", headers, order_body(qty="1"), status=403)
    summary = await call(client, "POST", f"/admin/v1/accounts/{account.account_id}/enable", admin)
    assert summary["status"] == "ACTIVE"
    order = await place(client, headers, order_body(qty="1"))
    assert order["status"] == "filled"
    body = await account_of(client, headers)
    assert body["status"] == "ACTIVE" and body["trading_blocked"] is False


# -- deposits and withdrawals ---------------------------------------------------------


async def test_deposit_raises_cash_and_lists_a_csd_activity(
    client: HttpClient, admin: Headers, account: Credentials, headers: Headers
) -> None:
    path = f"/admin/v1/accounts/{account.account_id}/deposits"
    moved = await call(client, "POST", path, admin, {"amount": "2500.50", "description": "wire"}, status=201)
    assert moved["activity_type"] == "CSD" and moved["net_amount"] == "2500.50" and moved["cash"] == "102500.50"
    assert (await account_of(client, headers))["cash"] == "102500.50"
    [activity] = await activities(client, headers)
    assert activity["activity_type"] == "CSD" and activity["net_amount"] == "2500.50"
    assert activity["description"] == "wire" and activity["id"].endswith(moved["activity_id"])


async def test_withdrawal_lowers_cash_and_lists_a_csw_activity(
    client: HttpClient, admin: Headers, account: Credentials, headers: Headers
) -> None:
    path = f"/admin/v1/accounts/{account.account_id}/withdrawals"
    moved = await call(client, "POST", path, admin, {"amount": 400}, status=201)
    assert moved["activity_type"] == "CSW" and moved["net_amount"] == "-400" and moved["description"] == "withdrawal"
    assert (await account_of(client, headers))["cash"] == "99600.00"
    [activity] = await activities(client, headers)
    assert activity["activity_type"] == "CSW" and activity["net_amount"] == "-400"


async def test_withdrawal_above_buying_power_is_refused_and_cash_unchanged(
    client: HttpClient, engine: Engine, admin: Headers, account: Credentials, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "1000")
    await place(client, headers, limit_body("900", qty="100", time_in_force="gtc"))
    assert await buying_power(client, headers) == Decimal(10_000)
    path = f"/admin/v1/accounts/{account.account_id}/withdrawals"
    refused = await call(client, "POST", path, admin, {"amount": "10000.01"}, status=403)
    assert refused["code"] == 40310000 and refused["buying_power"] == "10000.00"
    body = await account_of(client, headers)
    assert body["cash"] == "100000.00" and body["buying_power"] == "10000.00"
    assert await activities(client, headers) == []
    await call(client, "POST", path, admin, {"amount": "10000"}, status=201)
    assert await buying_power(client, headers) == Decimal(0)


@pytest.mark.parametrize("kind", ["deposits", "withdrawals"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({}, "amount"),
        ({"amount": "10", "memo": "x"}, "memo"),
    ],
)
async def test_invalid_amounts_are_422_naming_the_field(
    client: HttpClient, admin: Headers, account: Credentials, headers: Headers, kind: str, body: Any, field: str
) -> None:
    refused = await call(client, "POST", f"/admin/v1/accounts/{account.account_id}/{kind}", admin, body, status=422)
    assert refused["field"] == field and field in refused["message"]
    assert (await account_of(client, headers))["cash"] == "100000.00"


# -- halts ------------------------------------------------------------------------


async def test_orders_in_a_halted_symbol_are_refused(
    client: HttpClient, engine: Engine, admin: Headers, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    await set_price(engine, "MSFT", "100")
    halted = await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": " aapl "}, status=201)
    assert halted == {"halted": ["AAPL"]}
    refused = await call(client, "POST", "/v2/orders", headers, order_body(symbol="AAPL", qty="1"), status=403)
    assert refused["code"] == 40310003
    assert [o["symbol"] for o in await all_orders(client, headers)] == []
    assert (await place(client, headers, order_body(symbol="MSFT", qty="1")))["status"] == "filled"


async def test_a_refusal_in_a_halted_symbol_says_the_halts_reason(
    client: HttpClient, engine: Engine, admin: Headers, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    await set_price(engine, "MSFT", "100")
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "AAPL", "reason": "pending news"}, status=201)
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "MSFT"}, status=201)
    refused = await call(client, "POST", "/v2/orders", headers, order_body(symbol="AAPL", qty="1"), status=403)
    assert refused["message"] == "trading in AAPL is halted: pending news"
    refused = await call(client, "POST", "/v2/orders", headers, order_body(symbol="MSFT", qty="1"), status=403)
    assert refused["message"] == "trading in MSFT is halted"


async def test_resting_limit_does_not_fill_while_halted_and_fills_on_the_next_tick_after_resume(
    client: HttpClient, engine: Engine, admin: Headers, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    order = await place(client, headers, limit_body("95", qty="5", time_in_force="gtc"))
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "AAPL"}, status=201)
    await set_price(engine, "AAPL", "94")
    assert (await fetch_order(client, headers, order["id"]))["status"] == "new"
    await call(client, "DELETE", "/admin/v1/market/halts/AAPL", admin)
    assert (await fetch_order(client, headers, order["id"]))["status"] == "new"
    await set_price(engine, "AAPL", "94")
    filled = await fetch_order(client, headers, order["id"])
    assert filled["status"] == "filled" and filled["filled_qty"] == "5"


async def test_halts_are_listed_and_resumed(client: HttpClient, admin: Headers) -> None:
    assert await call(client, "GET", "/admin/v1/market/halts", admin) == {"halted": []}
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "MSFT"}, status=201)
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "AAPL"}, status=201)
    assert await call(client, "GET", "/admin/v1/market/halts", admin) == {"halted": ["AAPL", "MSFT"]}
    assert await call(client, "DELETE", "/admin/v1/market/halts/msft", admin) == {"halted": ["AAPL"]}
    assert await call(client, "GET", "/admin/v1/market/halts", admin) == {"halted": ["AAPL"]}


async def test_halting_an_unknown_symbol_is_404(client: HttpClient, admin: Headers) -> None:
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "NOPE"}, status=404)
    await call(client, "DELETE", "/admin/v1/market/halts/NOPE", admin, status=404)
    assert await call(client, "GET", "/admin/v1/market/halts", admin) == {"halted": []}


# -- storage ----------------------------------------------------------------------


async def test_snapshot_endpoint_snapshots_every_account(
    client: HttpClient, engine: Engine, admin: Headers, account: Credentials
) -> None:
    other = await engine.open_account(Decimal(5))
    answer = await call(client, "POST", "/admin/v1/snapshots", admin, status=201)
    assert answer == {"accounts": 2, "journal_position": engine.journal_position}
    assert isinstance(engine.journal, MemoryJournal)
    assert set(engine.journal.snapshots) == {account.account_id, other.account_id}


async def test_journal_verify_answers_ok(client: HttpClient, admin: Headers, account: Credentials) -> None:
    report = await call(client, "GET", "/admin/v1/journal/verify", admin)
    assert report["ok"] is True and report["problem"] is None and report["records"] >= 1


# -- audit and access -------------------------------------------------------------


async def test_every_admin_action_is_in_the_audit_log_newest_first(
    client: HttpClient, admin: Headers, account: Credentials
) -> None:
    base = f"/admin/v1/accounts/{account.account_id}"
    await call(client, "POST", f"{base}/keys", admin, status=201)
    await call(client, "POST", f"{base}/disable", admin)
    await call(client, "POST", f"{base}/enable", admin)
    await call(client, "POST", f"{base}/deposits", admin, {"amount": "10"}, status=201)
    await call(client, "POST", f"{base}/withdrawals", admin, {"amount": "5"}, status=201)
    await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "AAPL"}, status=201)
    await call(client, "DELETE", "/admin/v1/market/halts/AAPL", admin)
    await call(client, "POST", "/admin/v1/snapshots", admin, status=201)
    log = await call(client, "GET", "/admin/v1/audit", admin)
    expected = ["snapshot", "resume", "halt", "withdraw", "deposit", "enable_account", "disable_account", "rotate_keys"]
    assert [entry["action"] for entry in log] == expected
    assert [entry["target"] for entry in log][1:] == ["AAPL", "AAPL", *[str(account.account_id)] * 5]
    assert log[3]["detail"]["amount"] == "5" and log[4]["detail"]["amount"] == "10"
    assert all(entry["actor"] == "admin" and entry["at"].endswith("Z") for entry in log)
    stamps = [entry["at"] for entry in log]
    assert stamps == sorted(stamps, reverse=True)
    assert [e["action"] for e in await call(client, "GET", "/admin/v1/audit?limit=2", admin)] == expected[:2]


ADMIN_ROUTES = [
    ("POST", "/admin/v1/accounts/{id}/keys"),
    ("POST", "/admin/v1/accounts/{id}/disable"),
    ("POST", "/admin/v1/accounts/{id}/enable"),
    ("POST", "/admin/v1/accounts/{id}/deposits"),
    ("POST", "/admin/v1/accounts/{id}/withdrawals"),
    ("GET", "/admin/v1/market/halts"),
    ("POST", "/admin/v1/market/halts"),
    ("DELETE", "/admin/v1/market/halts/AAPL"),
    ("POST", "/admin/v1/snapshots"),
    ("GET", "/admin/v1/journal/verify"),
    ("GET", "/admin/v1/audit"),
]


@pytest.mark.parametrize(("method", "route"), ADMIN_ROUTES)
@pytest.mark.parametrize("credentials", [{}, {"Authorization": "Bearer not-a-session"}])
async def test_admin_routes_without_a_session_are_401(
    client: HttpClient,
    engine: Engine,
    account: Credentials,
    headers: Headers,
    method: str,
    route: str,
    credentials: Headers,
) -> None:
    body = {"amount": "10"} if route.endswith(("deposits", "withdrawals")) else {"symbol": "AAPL"}
    path = route.format(id=account.account_id)
    refused = await call(client, method, path, credentials, body if method == "POST" else None, status=401)
    assert refused["code"] == 40110000
    api_key_only = await call(client, method, path, headers, body if method == "POST" else None, status=401)
    assert api_key_only["code"] == 40110000
    assert engine.halted_symbols() == [] and engine.account(account.account_id).cash == Decimal(100_000)
    assert engine.account(account.account_id).key_id == account.key_id
    assert isinstance(engine.journal, MemoryJournal) and engine.journal.audit_entries == []
