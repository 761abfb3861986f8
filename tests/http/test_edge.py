"""What aiohttp's parser refuses is answered as the application answers errors: problem+json, secure, one log line."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Final

import pytest
from aiohttp.http_exceptions import BadHttpMessage

from tests.factories import ADMIN_KEY, auth_headers, make_app, make_engine, totp_code
from tests.http.raw_http import RawResponse, exchange, serving
from tradeloop.actors.engine import Engine
from tradeloop.http.edge import malformed_reason
from tradeloop.http.headers import SECURITY_HEADERS

PROBLEM_FIELDS: Final = {"code", "message", "type", "title", "status", "detail"}
HOST: Final = b"Host: 127.0.0.1\r\n"
CLOSE: Final = "Host: 127.0.0.1\r\nConnection: close\r\n"
"""For answers that would keep the connection open: the test reads until it ends."""

MALFORMED: Final = {
    "request line of 100 KB": b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
    "10,000 headers": b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-H%d: y\r\n" % i for i in range(10_000)) + b"\r\n",
    "NUL in the request line": b"GET /heal\x00thz HTTP/1.1\r\n" + HOST + b"\r\n",
    "duplicate Content-Length": (
        b"POST /v2/orders HTTP/1.1\r\n" + HOST + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"
    ),
    "Content-Length with chunked": (
        b"POST /v2/orders HTTP/1.1\r\n" + HOST + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "malformed chunk size": (
        b"POST /v2/orders HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
    ),
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n",
}
ECHOES: Final = (b"aaaa", b"X-H", b"\\x00", b"Content-Length: 2", b"chunked", b"zz", b"\\x16")
"""Pieces of the requests above that aiohttp's own answers repeat, and ours must not."""


@pytest.fixture
def engine() -> Engine:
    return make_engine()


@pytest.fixture
async def port(engine: Engine) -> AsyncIterator[int]:
    async with serving(make_app(engine)) as bound:
        yield bound


def assert_problem(response: RawResponse, status: int, code: int) -> dict[str, object]:
    assert response.status == status
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_FIELDS <= set(body)
    assert (body["status"], body["code"]) == (status, code)
    assert body["message"] == body["detail"]
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    for banner in response.headers.getall("Server", []):
        assert "aiohttp" not in banner and "Python/" not in banner
    assert "Server" not in response.headers
    return dict(body)


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_request_gets_a_problem_without_echo_or_banner_and_one_log_line(
    port: int, request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.clear()
    response = await exchange(port, request_bytes)
    body = assert_problem(response, 400, 40010000)
    assert str(body["message"]).startswith("malformed request: ")
    for echo in ECHOES:
        assert echo not in response.body, echo
    assert response.closed
    assert len(caplog.records) <= 1, caplog.text
    assert all(record.exc_info is None and record.levelno < logging.WARNING for record in caplog.records)
    assert "Traceback" not in caplog.text


async def test_a_malformed_request_is_one_debug_line_without_traceback(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tradeloop.http.edge")
    await exchange(port, MALFORMED["duplicate Content-Length"])
    (line,) = [record for record in caplog.records if record.name == "tradeloop.http.edge"]
    assert line.levelno == logging.DEBUG and line.exc_info is None
    assert line.getMessage() == "refused a malformed request from 127.0.0.1: duplicate Content-Length"


def test_a_reason_never_repeats_the_parsers_quote_of_the_request() -> None:
    assert malformed_reason(BadHttpMessage("Too many headers received")) == "too many headers received"
    assert malformed_reason(BadHttpMessage("Invalid header value char:\n\n  b'X: \\x01'\n     ^")) == (
        "invalid header value char"
    )
    assert malformed_reason(BadHttpMessage("Bad header 'X-Secret: 1'")) == "the request is not valid HTTP"
    assert malformed_reason(None) == "the request is not valid HTTP"


def head_lines(headers: dict[str, str]) -> str:
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items())


async def ask(port: int, line: str, headers: dict[str, str] | None = None) -> RawResponse:
    """One bodiless request, e.g. `GET /healthz`, on a connection of its own."""
    return await exchange(port, f"{line} HTTP/1.1\r\n{CLOSE}{head_lines(headers or {})}Content-Length: 0\r\n\r\n".encode())


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "allow"),
    [
        ("GET", "/no/such/path", 404, 40410000, None),
        ("GET", "/admin/v1/no-such-thing", 404, 40410000, None),  # the admin surface asks for a session on routes only
        ("GET", "/admin/v1", 404, 40410000, None),
        ("PUT", "/admin/v1/accounts", 405, 40510000, "GET,HEAD,POST"),
        ("GET", "/admin/v1/sessions/extra", 404, 40410000, None),
        ("PUT", "/admin/v1/sessions", 405, 40510000, "POST"),
        ("GET", "/v2/no-such-thing", 401, 40110000, None),  # /v2 asks who is calling before anything else
        ("GET", "/v2/stocks/AAPL/no-such-thing", 401, 40110000, None),
        ("GET", "/v2", 401, 40110000, None),
        ("DELETE", "/v2/clock", 401, 40110000, None),
        ("GET", "/v2/iexx", 401, 40110000, None),
        ("GET", "/v2/iex/extra", 404, 40410000, None),  # the streams are surfaces of their own, without key headers
        ("POST", "/v2/iex", 405, 40510000, "GET,HEAD"),
        ("POST", "/v2/sip", 405, 40510000, "GET,HEAD"),
        ("GET", "/stream/extra", 404, 40410000, None),
        ("POST", "/stream", 405, 40510000, "GET,HEAD"),
        ("POST", "/healthz", 405, 40510000, "GET,HEAD"),
    ],
)
async def test_unknown_routes_and_methods_under_every_prefix_are_problems(
    port: int, method: str, path: str, status: int, code: int, allow: str | None
) -> None:
    response = await ask(port, f"{method} {path}")
    assert_problem(response, status, code)
    assert response.headers.get("Allow") == allow


@pytest.mark.parametrize(
    ("line", "status", "code", "allow"),
    [
        ("GET /v2/no-such-thing", 404, 40410000, None),
        ("GET /v2/stocks/AAPL/no-such-thing", 404, 40410000, None),
        ("GET /v2", 404, 40410000, None),
        ("PUT /v2/clock", 405, 40510000, "GET,HEAD"),
        ("DELETE /v2/stocks/AAPL/bars", 405, 40510000, "GET,HEAD"),
    ],
)
async def test_an_authenticated_unknown_route_and_method_are_problems(
    port: int, engine: Engine, line: str, status: int, code: int, allow: str | None
) -> None:
    credentials = await engine.open_account(Decimal(1000))
    response = await ask(port, line, auth_headers(credentials))
    assert_problem(response, status, code)
    assert response.headers.get("Allow") == allow


async def test_an_admin_session_meets_the_same_404_and_405(port: int) -> None:
    login = await ask(port, "POST /admin/v1/sessions", {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code()})
    assert login.status == 201
    session = {"Authorization": f"Bearer {login.json()['token']}"}
    assert (await ask(port, "GET /admin/v1/accounts", session)).status == 200
    assert_problem(await ask(port, "GET /admin/v1/no-such-thing", session), 404, 40410000)
    response = await ask(port, "DELETE /admin/v1/market/prices", session)
    assert_problem(response, 405, 40510000)
    assert response.headers["Allow"] == "POST"


async def test_a_body_over_the_limit_is_a_problem(port: int, engine: Engine) -> None:
    credentials = await engine.open_account(Decimal(1000))
    auth = "".join(f"{name}: {value}\r\n" for name, value in auth_headers(credentials).items())
    body = b"x" * 1_048_577
    head = f"POST /v2/orders HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
    request = head.encode() + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    assert_problem(await exchange(port, request), 413, 41310000)


@pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "authenticated"])
async def test_a_declared_length_over_the_limit_is_refused_at_once_without_reading_the_body(
    port: int, engine: Engine, authenticated: bool
) -> None:
    auth = ""
    if authenticated:
        credentials = await engine.open_account(Decimal(1000))
        auth = "".join(f"{name}: {value}\r\n" for name, value in auth_headers(credentials).items())
    head = f"POST /v2/orders HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
    request = head.encode() + b"Content-Length: 10000000000\r\n\r\n{"
    started = time.monotonic()
    response = await exchange(port, request, timeout_s=2.0)
    assert time.monotonic() - started < 2.0
    body = assert_problem(response, 413, 41310000)
    assert body["message"] == "request body is too large: 10000000000 bytes declared, at most 1048576 accepted"
    assert response.headers["Connection"] == "close"


@pytest.mark.parametrize(
    "path", ["/healthz", "/v2/account", "/admin/v1/sessions", "/admin/v1/accounts", "/v2/iex", "/stream", "/nowhere"]
)
async def test_a_declared_length_over_the_limit_is_413_under_every_prefix_before_anything_else(
    port: int, path: str
) -> None:
    request = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000000\r\n\r\n{{".encode()
    response = await exchange(port, request, timeout_s=2.0)
    assert_problem(response, 413, 41310000)
    assert response.headers["Connection"] == "close"


async def test_a_client_that_leaves_mid_body_is_no_error_in_the_log(
    port: int, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    credentials = await engine.open_account(Decimal(1000))
    auth = "".join(f"{name}: {value}\r\n" for name, value in auth_headers(credentials).items())
    head = f"POST /v2/orders HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
    caplog.set_level(logging.INFO)
    caplog.clear()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + b'Content-Length: 100\r\n\r\n{"symbol":')
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.close()
    await writer.wait_closed()
    async with asyncio.timeout(5.0):
        while not caplog.records:
            await asyncio.sleep(0.01)
    assert len(caplog.records) <= 1, caplog.text
    assert all(record.exc_info is None and record.levelno < logging.WARNING for record in caplog.records)
