"""Each surface (/v2, /admin/v1, the streams, the top level) answers with its own authentication and headers."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.factories import HttpClient, admin_headers
from tradeloop.http.surfaces import surface

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


async def test_head_answers_as_get_does_under_every_surface(client: HttpClient, headers: dict[str, str]) -> None:
    admin = await admin_headers(client)
    for path, credentials in (("/healthz", {}), ("/v2/clock", headers), ("/admin/v1/accounts", admin)):
        response = await client.head(path, headers=credentials)
        assert response.status == 200, path
        assert await response.read() == b""


async def test_only_answers_of_v2_tell_the_rate_limit(client: HttpClient, headers: dict[str, str]) -> None:
    admin = await admin_headers(client)
    for method, path, credentials, status in (
        ("GET", "/v2/clock", headers, 200),
        ("GET", "/v2/no-such-thing", headers, 404),
        ("PUT", "/v2/clock", headers, 405),
        ("GET", "/v2/clock", {}, 401),
    ):
        response = await client.request(method, path, headers=credentials)
        assert response.status == status
        assert all(name in response.headers for name in RATE_LIMIT_HEADERS), (method, path)
    for method, path, credentials, status in (
        ("GET", "/healthz", {}, 200),
        ("GET", "/no-such-thing", headers, 404),
        ("GET", "/admin/v1/accounts", admin, 200),
        ("GET", "/admin/v1/accounts", headers, 401),
        ("POST", "/admin/v1/sessions", {}, 401),
        ("GET", "/v2/iex", headers, 400),
        ("GET", "/stream", headers, 400),
    ):
        response = await client.request(method, path, headers=credentials)
        assert response.status == status
        assert not any(name in response.headers for name in RATE_LIMIT_HEADERS), (method, path)


@pytest.mark.parametrize("path", ["/v2/iex", "/v2/sip", "/stream"])
async def test_the_streams_ask_for_no_key_headers(client: HttpClient, path: str) -> None:
    async with client.ws_connect(path) as ws:
        assert ws.closed is False
    response = await client.get(path)  # not an upgrade: refused by the stream itself, not by key authentication
    assert response.status == 400 and (await response.json())["code"] == 40010000


async def test_the_admin_surface_asks_for_a_session_on_every_route(client: HttpClient, headers: dict[str, str]) -> None:
    admin = await admin_headers(client)
    for method, path in (("GET", "/admin/v1/accounts"), ("GET", "/admin/v1/audit"), ("POST", "/admin/v1/snapshots")):
        response = await client.request(method, path, headers=headers)  # an account's keys are no admin session
        assert response.status == 401 and (await response.json())["code"] == 40110000
        assert (await client.request(method, path, headers=admin)).status in (200, 201)


def test_a_surface_refuses_a_route_outside_its_prefix() -> None:
    routes = web.RouteTableDef()

    @routes.get("/v2x/orders")
    async def elsewhere(request: web.Request) -> web.Response:
        return web.Response()

    with pytest.raises(ValueError, match="lies outside /v2"):
        surface("/v2", routes)
