"""Admin API: TOTP sessions, account creation and listing, manual prices."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from ipaddress import ip_network
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import ClientFactory
from tests.factories import (
    ADMIN_KEY,
    TOTP_SECRET,
    FakeClock,
    HttpClient,
    admin_headers,
    auth_headers,
    fetch_order,
    limit_body,
    make_app,
    make_engine,
    make_settings,
    place,
    totp_code,
)
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.actors.live import LiveEngine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.errors import JournalUnavailable
from tradeloop.http.admin.gate import (
    ADDRESS_WINDOW_S,
    CODE_WINDOW_S,
    FAILURES_PER_ADDRESS,
    SESSION_TTL,
    WRONG_CODES,
    AdminGate,
)
from tradeloop.http.app import create_app


class RefusingMeta(MemoryJournal):
    """A journal whose named values do not commit while `refusing`, as when the disk fails."""

    refusing = True

    def put_meta(self, key: str, value: bytes) -> asyncio.Future[None]:
        if not self.refusing:
            return super().put_meta(key, value)
        failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        failed.set_exception(JournalUnavailable("the journal cannot write"))
        return failed


async def open_session(client: HttpClient, key: str = ADMIN_KEY, code: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}", "X-TOTP-Code": totp_code() if code is None else code}
    return await client.post("/admin/v1/sessions", headers=headers)


# -- sessions -------------------------------------------------------------------


async def test_session_opens_with_key_and_fresh_code(client: HttpClient) -> None:
    response = await open_session(client)
    assert response.status == 201
    body = await response.json()
    assert set(body) == {"token", "expires_at"} and len(body["token"]) >= 32
    expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(0) < expires_at - datetime.now(timezone.utc) <= SESSION_TTL


async def test_wrong_admin_key_is_401(client: HttpClient) -> None:
    response = await open_session(client, key="not-the-admin-key")
    assert response.status == 401
    assert (await response.json())["code"] == 40110000


async def test_wrong_code_is_401(client: HttpClient) -> None:
    response = await open_session(client, code=totp_code(offset_steps=10))
    assert response.status == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-TOTP-Code": "123456"},
        {"Authorization": f"Bearer {ADMIN_KEY}"},
        {"Authorization": f"Basic {ADMIN_KEY}", "X-TOTP-Code": "123456"},
    ],
)
async def test_missing_credentials_are_401(client: HttpClient, headers: dict[str, str]) -> None:
    response = await client.post("/admin/v1/sessions", headers=headers)
    assert response.status == 401


async def test_a_code_is_accepted_once(client: HttpClient) -> None:
    code = totp_code()
    assert (await open_session(client, code=code)).status == 201
    assert (await open_session(client, code=code)).status == 401


async def test_an_older_code_is_refused_once_a_newer_one_was_used(client: HttpClient) -> None:
    assert (await open_session(client, code=totp_code(offset_steps=1))).status == 201
    assert (await open_session(client, code=totp_code())).status == 401
    assert (await open_session(client, code=totp_code(offset_steps=-1))).status == 401


# -- throttling of failed logins ----------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def proxied(aiohttp_client: ClientFactory, engine: Engine, clock: FakeClock) -> HttpClient:
    """A client behind a trusted proxy (the test client's own address), so each call may name its client."""
    settings = make_settings(trusted_proxies=(ip_network("127.0.0.1/32"),))
    return await aiohttp_client(make_app(engine, settings, monotonic=clock))


async def login(client: HttpClient, address: str, key: str = ADMIN_KEY, code: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}", "X-TOTP-Code": totp_code() if code is None else code}
    return await client.post("/admin/v1/sessions", headers={**headers, "X-Forwarded-For": address})


def retry_after(window_s: float, limit: int) -> str:
    return str(int(window_s / limit))


async def test_a_strangers_wrong_keys_never_lock_the_admin_out(client: HttpClient) -> None:
    for _ in range(3 * FAILURES_PER_ADDRESS):
        assert (await open_session(client, key="guess")).status in (401, 429)
    response = await open_session(client)  # the right key and a fresh code, from the same address
    assert response.status == 201


async def test_wrong_keys_are_throttled_per_address_with_retry_after(proxied: HttpClient, clock: FakeClock) -> None:
    for _ in range(FAILURES_PER_ADDRESS):
        assert (await login(proxied, "203.0.113.1", key="guess")).status == 401
    response = await login(proxied, "203.0.113.1", key="guess")
    assert response.status == 429
    assert response.headers["Retry-After"] == retry_after(ADDRESS_WINDOW_S, FAILURES_PER_ADDRESS)
    assert (await response.json())["code"] == 42910000
    assert (await login(proxied, "203.0.113.1", key="guess", code="")).status == 429  # no code: a failure too
    assert (await login(proxied, "203.0.113.2", key="guess")).status == 401  # another address has its own budget
    clock.advance(ADDRESS_WINDOW_S / FAILURES_PER_ADDRESS)
    assert (await login(proxied, "203.0.113.1", key="guess")).status == 401


async def test_wrong_keys_never_spend_the_admin_keys_code_budget(proxied: HttpClient) -> None:
    for n in range(2 * WRONG_CODES):
        assert (await login(proxied, f"203.0.113.{n}", key="guess")).status == 401
    for _ in range(WRONG_CODES):  # the owner's own mistakes have the whole budget
        assert (await login(proxied, "198.51.100.1", code=totp_code(offset_steps=10))).status == 401
    assert (await login(proxied, "198.51.100.1", code=totp_code(offset_steps=10))).status == 429


async def test_wrong_codes_with_the_right_key_refuse_even_the_right_code_for_a_while(
    proxied: HttpClient, clock: FakeClock
) -> None:
    for n in range(WRONG_CODES):
        assert (await login(proxied, f"203.0.113.{n}", code=totp_code(offset_steps=10))).status == 401
    refused = await login(proxied, "198.51.100.1")  # six digits cannot be tried as fast as requests come
    assert refused.status == 429
    assert refused.headers["Retry-After"] == retry_after(CODE_WINDOW_S, WRONG_CODES)
    # once the budget is spent, a wrong key is answered alike: the answer never tells a right key from a wrong one
    stranger = await login(proxied, "198.51.100.2", key="guess")
    assert stranger.status == 429 and stranger.headers["Retry-After"] == refused.headers["Retry-After"]
    clock.advance(CODE_WINDOW_S / WRONG_CODES)
    assert (await login(proxied, "198.51.100.1")).status == 201  # the refused code was not spent


async def test_a_successful_login_gives_the_code_budget_back(proxied: HttpClient) -> None:
    for _ in range(WRONG_CODES - 1):
        assert (await login(proxied, "198.51.100.1", code=totp_code(offset_steps=10))).status == 401
    assert (await login(proxied, "198.51.100.1")).status == 201
    for _ in range(WRONG_CODES):
        assert (await login(proxied, "198.51.100.1", code=totp_code(offset_steps=10))).status == 401


async def test_a_failed_commit_of_the_step_grants_nothing_and_spends_the_code(aiohttp_client: ClientFactory) -> None:
    journal = RefusingMeta()
    client = await aiohttp_client(make_app(make_engine(journal=journal)))
    code = totp_code()
    response = await open_session(client, code=code)
    assert response.status == 503
    journal.refusing = False
    assert (await open_session(client, code=code)).status == 401


async def test_session_expires(aiohttp_client: ClientFactory) -> None:
    now = [datetime.now(timezone.utc)]
    gate = AdminGate.create(ADMIN_KEY, TOTP_SECRET, lambda: now[0])
    client = await aiohttp_client(create_app(LiveEngine(make_engine()), make_settings(), gate))
    headers = await admin_headers(client)
    assert (await client.get("/admin/v1/accounts", headers=headers)).status == 200
    now[0] += SESSION_TTL
    assert (await client.get("/admin/v1/accounts", headers=headers)).status == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/admin/v1/accounts"), ("POST", "/admin/v1/accounts"), ("POST", "/admin/v1/market/prices")],
)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-session"}, {"Authorization": f"Bearer {ADMIN_KEY}"}, {"Authorization": "x"}],
)
async def test_admin_routes_need_a_session_token(
    client: HttpClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = await client.request(method, path, json={"cash": "1"}, headers=headers)
    assert response.status == 401
    assert (await response.json())["code"] == 40110000


# -- accounts -------------------------------------------------------------------


async def test_created_account_keys_work(client: HttpClient, engine: Engine) -> None:
    admin = await admin_headers(client)
    response = await client.post("/admin/v1/accounts", json={"cash": "5000"}, headers=admin)
    assert response.status == 201
    body = await response.json()
    assert set(body) == {"id", "key_id", "secret_key", "account_number", "cash"}
    assert body["cash"] == "5000" and body["key_id"].startswith("PK")
    assert str(engine.authenticate(body["key_id"], body["secret_key"]).id) == body["id"]

    keys = {"APCA-API-KEY-ID": body["key_id"], "APCA-API-SECRET-KEY": body["secret_key"]}
    account = await client.get("/v2/account", headers=keys)
    assert account.status == 200
    payload = await account.json()
    assert payload["id"] == body["id"] and payload["account_number"] == body["account_number"]
    assert Decimal(payload["cash"]) == Decimal(5000)


async def test_cash_may_be_a_json_number_or_left_to_the_default(client: HttpClient, engine: Engine) -> None:
    admin = await admin_headers(client)
    response = await client.post("/admin/v1/accounts", json={"cash": 2500.5}, headers=admin)
    assert (await response.json())["cash"] == "2500.5"
    response = await client.post("/admin/v1/accounts", json={}, headers=admin)
    assert Decimal((await response.json())["cash"]) == make_settings().demo_cash


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cash": "-1"}, "cash"),
        ({"cash": "lots"}, "cash"),
        ({"cash": "NaN"}, "cash"),
        ({"cash": True}, "cash"),
        ({"cash": [1]}, "cash"),
        ({"cash": "1", "key_id": "PKMINE"}, "key_id"),
    ],
)
async def test_bad_account_bodies_are_422_naming_the_field(
    client: HttpClient, engine: Engine, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/admin/v1/accounts", json=body, headers=await admin_headers(client))
    assert response.status == 422
    assert (await response.json())["field"] == field
    assert engine.accounts() == []


async def test_list_accounts_shows_balances_never_secrets(
    client: HttpClient, engine: Engine, account: Credentials
) -> None:
    admin = await admin_headers(client)
    created = await (await client.post("/admin/v1/accounts", json={"cash": "10"}, headers=admin)).json()
    response = await client.get("/admin/v1/accounts", headers=admin)
    assert response.status == 200
    listed = await response.json()
    assert [row["key_id"] for row in listed] == [account.key_id, created["key_id"]]
    for row in listed:
        assert set(row) == {"id", "account_number", "key_id", "status", "cash", "equity", "created_at"}
    text = await response.text()
    assert account.secret_key not in text and created["secret_key"] not in text
    assert "sha256$" not in text
    assert listed[1]["cash"] == listed[1]["equity"] == "10"


# -- prices ---------------------------------------------------------------------


async def test_price_post_updates_the_board(client: HttpClient, engine: Engine) -> None:
    body = {"symbol": "aapl", "price": "150.25", "bid": "150.20", "ask": 150.3, "size": "200"}
    response = await client.post("/admin/v1/market/prices", json=body, headers=await admin_headers(client))
    assert response.status == 200
    payload = await response.json()
    assert payload["symbol"] == "AAPL"
    assert payload["trade"]["p"] == 150.25 and payload["trade"]["s"] == 200
    assert (payload["quote"]["bp"], payload["quote"]["ap"]) == (150.2, 150.3)
    top = engine.board.top("AAPL")
    assert top.trade is not None and top.trade.price == Decimal("150.25")
    assert top.quote is not None and (top.quote.bid, top.quote.ask) == (Decimal("150.20"), Decimal("150.3"))


async def test_price_post_fills_resting_orders(client: HttpClient, engine: Engine, account: Credentials) -> None:
    admin = await admin_headers(client)
    headers = auth_headers(account)
    await client.post("/admin/v1/market/prices", json={"symbol": "AAPL", "price": "100"}, headers=admin)
    order = await place(client, headers, limit_body("95", qty="1"))
    assert order["status"] != "filled"
    await client.post(
        "/admin/v1/market/prices", json={"symbol": "AAPL", "price": "94", "bid": "93.9", "ask": "94"}, headers=admin
    )
    filled = await fetch_order(client, headers, order["id"])
    assert filled["status"] == "filled" and Decimal(filled["filled_avg_price"]) <= Decimal(95)


async def test_unknown_symbol_is_422(client: HttpClient) -> None:
    body = {"symbol": "ZZZZ", "price": "1"}
    response = await client.post("/admin/v1/market/prices", json=body, headers=await admin_headers(client))
    assert response.status == 422
    payload = await response.json()
    assert payload["code"] == 42210000 and payload["field"] == "symbol"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"symbol": "AAPL", "price": "0"}, "price"),
        ({"symbol": "AAPL", "price": "-3"}, "price"),
        ({"symbol": "AAPL", "price": "abc"}, "price"),
        ({"symbol": "AAPL"}, "price"),
        ({"symbol": "AAPL", "price": "10", "bid": "10.02", "ask": "10.01"}, "bid"),
        ({"symbol": "AAPL", "price": "10", "ask": "0"}, "ask"),
        ({"symbol": "AAPL", "price": "10", "size": "-1"}, "size"),
        ({"symbol": "AAPL", "price": "10", "last": "10"}, "last"),
        ({"symbol": 7, "price": "10"}, "symbol"),
    ],
)
async def test_bad_prices_are_422_naming_the_field(
    client: HttpClient, engine: Engine, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/admin/v1/market/prices", json=body, headers=await admin_headers(client))
    assert response.status == 422
    assert (await response.json())["field"] == field
    assert engine.board.last_price("AAPL") is None


async def test_admin_routes_are_not_behind_api_keys(client: HttpClient, account: Credentials) -> None:
    response = await client.get("/admin/v1/accounts", headers=auth_headers(account))
    assert response.status == 401
    assert isinstance(client.app, web.Application)
