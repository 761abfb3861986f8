"""The client address behind trusted proxies: X-Forwarded-For read from the right, and only from them."""

from __future__ import annotations

from decimal import Decimal
from ipaddress import ip_network

import pytest

from tests.conftest import ClientFactory
from tests.factories import HttpClient, auth_headers, make_app, make_settings
from tradeloop.actors.engine import Engine
from tradeloop.config import IPNetwork
from tradeloop.http.ratelimit import resolve_client

PROXY = "10.0.0.5"
PROXIES: tuple[IPNetwork, ...] = (ip_network("10.0.0.0/8"), ip_network("2001:db8:f::/48"))
LIMIT = 3


def _resolve(peer: str | None, *forwarded_for: str) -> str | None:
    return resolve_client(peer, forwarded_for, PROXIES)


# --- resolution ----------------------------------------------------------------


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert resolve_client("10.0.0.5", ["203.0.113.7"], ()) == "10.0.0.5"


def test_a_trusted_peer_names_the_client() -> None:
    assert _resolve(PROXY, "203.0.113.7") == "203.0.113.7"


def test_trusted_hops_are_skipped_from_the_right() -> None:
    assert _resolve(PROXY, "203.0.113.7, 10.1.2.3, 10.0.0.9") == "203.0.113.7"


def test_the_rightmost_untrusted_entry_wins_over_what_the_client_wrote() -> None:
    # the client sent "198.51.100.1, 192.0.2.2"; the trusted proxy appended the address it saw
    assert _resolve(PROXY, "198.51.100.1, 192.0.2.2, 203.0.113.7") == "203.0.113.7"


def test_repeated_headers_read_as_one_list() -> None:
    assert _resolve(PROXY, "198.51.100.1", "203.0.113.7, 10.0.0.9") == "203.0.113.7"


def test_an_untrusted_peer_cannot_pick_its_budget() -> None:
    assert _resolve("192.0.2.99", "203.0.113.7") == "192.0.2.99"
    assert _resolve("192.0.2.99", "10.0.0.1") == "192.0.2.99"


@pytest.mark.parametrize(
    "forwarded_for",
    [
        (),
        ("",),
        ("   ",),
        ("not-an-address",),
        ("203.0.113.7:443",),
        ("203.0.113.7, ",),
        ("203.0.113.7, garbage, 10.0.0.9",),
        ("999.1.1.1",),
    ],
)
def test_a_missing_or_malformed_header_leaves_the_peer(forwarded_for: tuple[str, ...]) -> None:
    assert _resolve(PROXY, *forwarded_for) == PROXY


def test_garbage_left_of_the_client_is_never_read() -> None:
    assert _resolve(PROXY, "garbage, 203.0.113.7") == "203.0.113.7"


def test_a_header_of_only_proxies_leaves_the_peer() -> None:
    assert _resolve(PROXY, "10.0.0.1, 10.0.0.2") == PROXY


def test_an_unknown_peer_stays_unknown() -> None:
    assert _resolve(None, "203.0.113.7") is None


def test_a_malformed_peer_is_not_trusted() -> None:
    assert _resolve("unix-socket", "203.0.113.7") == "unix-socket"


def test_ipv6_proxies_and_clients() -> None:
    assert _resolve("2001:db8:f::1", "2001:db8:1::7, 2001:db8:f:2::1") == "2001:db8:1::7"
    assert _resolve("2001:db8:f::1", "2001:DB8:1:0::7") == "2001:db8:1::7"  # one budget per address, however written
    assert _resolve("2001:db8:e::1", "203.0.113.7") == "2001:db8:e::1"


def test_ipv4_mapped_peers_belong_to_ipv4_networks() -> None:
    assert _resolve("::ffff:10.0.0.5", "203.0.113.7") == "203.0.113.7"


def test_networks_of_one_family_never_hold_the_other() -> None:
    every_v6 = (ip_network("::/0"),)
    assert resolve_client("10.0.0.5", ["203.0.113.7"], every_v6) == "10.0.0.5"


def test_single_addresses_and_networks_both_trust() -> None:
    single = (ip_network("10.0.0.5"),)
    assert resolve_client("10.0.0.5", ["203.0.113.7"], single) == "203.0.113.7"
    assert resolve_client("10.0.0.6", ["203.0.113.7"], single) == "10.0.0.6"


# --- through the API -------------------------------------------------------------


async def _client(aiohttp_client: ClientFactory, engine: Engine, trusted: str) -> HttpClient:
    """A client whose peer is 127.0.0.1, of an app that trusts `trusted` (comma-separated) as proxies."""
    networks = tuple(ip_network(part, strict=False) for part in trusted.split(",") if part)
    settings = make_settings(rate_limit_per_min=LIMIT, trusted_proxies=networks)
    return await aiohttp_client(make_app(engine, settings))


async def _exhaust_then_try_another(client: HttpClient, engine: Engine) -> int:
    """Spend client A's failure budget with wrong secrets, then answer the status client B's wrong secret gets.

    B tries another key than A: failures on one key id are counted whatever the address.
    """
    wrong_a = {**auth_headers(await engine.open_account(Decimal(100_000))), "APCA-API-SECRET-KEY": "x" * 40}
    wrong_b = {**auth_headers(await engine.open_account(Decimal(100_000))), "APCA-API-SECRET-KEY": "x" * 40}
    first = {**wrong_a, "X-Forwarded-For": "203.0.113.1"}
    for _ in range(LIMIT):
        assert (await client.get("/v2/account", headers=first)).status == 401
    assert (await client.get("/v2/account", headers=first)).status == 429
    # the client wrote 203.0.113.1 itself; the proxy appended the address it saw
    forged = {**wrong_b, "X-Forwarded-For": "203.0.113.1, 203.0.113.2"}
    return (await client.get("/v2/account", headers=forged)).status


async def test_clients_behind_a_trusted_proxy_have_separate_budgets(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    client = await _client(aiohttp_client, engine, "127.0.0.1")
    assert await _exhaust_then_try_another(client, engine) == 401


async def test_forwarded_headers_from_an_untrusted_peer_share_its_budget(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    client = await _client(aiohttp_client, engine, "10.0.0.0/8,2001:db8::/32")
    assert await _exhaust_then_try_another(client, engine) == 429
