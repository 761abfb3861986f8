"""The server process answers what aiohttp's parser refuses as problem+json, and logs it in one line."""

from __future__ import annotations

import signal
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.e2e.server import running_server
from tests.http.raw_http import exchange
from tradeloop.http.headers import SECURITY_HEADERS

pytestmark = pytest.mark.e2e

JUNK = {
    "long request line": b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "duplicate Content-Length": b"POST /v2/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
}


async def test_malformed_requests_get_problems_and_one_log_line_each(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        port = urlparse(server.base_url).port
        assert port is not None
        before = server.stderr()
        for request in JUNK.values():
            response = await exchange(port, request)
            assert response.status == 400
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.json()["code"] == 40010000
            assert "Server" not in response.headers
            assert all(response.headers[name] == value for name, value in SECURITY_HEADERS.items())
        assert server.stop(signal.SIGTERM) == 0
    logged = server.stderr()[len(before) :].splitlines()
    refused = [line for line in logged if '" 400 ' in line]
    assert len(refused) == len(JUNK), logged
    assert not [line for line in logged if "Traceback" in line or " ERROR " in line], logged
