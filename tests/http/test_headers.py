"""Security headers: on every answer, errors included, and no Server header naming versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import ClientResponse

from tests.conftest import ClientFactory
from tests.factories import HttpClient, make_app, make_settings
from tradeloop.http.headers import HSTS, SECURITY_HEADERS

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def assert_secure(response: ClientResponse) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    assert "Server" not in response.headers


def test_the_expected_set_is_the_served_set() -> None:
    assert dict(SECURITY_HEADERS) == EXPECTED


async def test_a_successful_answer_has_them(client: HttpClient, headers: dict[str, str]) -> None:
    response = await client.get("/v2/account", headers=headers)
    assert response.status == 200
    assert_secure(response)
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/v2/account", 401),
        ("GET", "/no/such/path", 404),
        ("PATCH", "/healthz", 405),
        ("POST", "/admin/v1/sessions", 401),
    ],
)
async def test_every_answer_has_them(client: HttpClient, method: str, path: str, status: int) -> None:
    response = await client.request(method, path)
    assert response.status == status
    assert_secure(response)


async def test_a_rejected_body_has_them(client: HttpClient, headers: dict[str, str]) -> None:
    json_headers = {**headers, "Content-Type": "application/json"}
    response = await client.post("/v2/orders", data=b"{not json", headers=json_headers)
    assert response.status == 400
    assert_secure(response)


async def test_hsts_only_when_serving_tls(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    settings = make_settings(tls_cert=tmp_path / "cert.pem", tls_key=tmp_path / "key.pem")
    client = await aiohttp_client(make_app(settings=settings))
    for path in ("/healthz", "/v2/account"):
        response = await client.get(path)
        assert response.headers["Strict-Transport-Security"] == HSTS
        assert_secure(response)
