"""The access log writes what aiohttp's default access log writes, line and record fields alike."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import pytest
from aiohttp import web, web_log
from aiohttp.test_utils import TestServer, make_mocked_request

from tests.conftest import ClientFactory
from tradeloop.http.access_log import TIME_FORMAT, AccessLogger

FIELDS = ("remote_address", "request_start_time", "first_request_line", "response_status", "response_size")
TIME = re.compile(r"\[[^]]*\]")


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access() -> Any:
    logger = logging.getLogger("tests.access")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    records = Records()
    logger.addHandler(records)
    yield logger, records
    logger.removeHandler(records)


def fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in (*FIELDS, "request_header")}


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "body"),
    [
        ("POST", "/v2/orders", {"User-Agent": "alpaca-py/0.30"}, 200, b'{"id": "x"}'),
        ("GET", "/v2/orders?status=all&limit=5", {"Referer": "https://example.test/a b"}, 404, b""),
        ("DELETE", "/v2/orders/1", {"User-Agent": 'quote " inside', "Referer": "r"}, 204, None),
    ],
)
def test_the_line_and_fields_are_aiohttps(
    access: Any, method: str, path: str, headers: dict[str, str], status: int, body: bytes | None
) -> None:
    logger, records = access
    request = make_mocked_request(method, path, headers=headers)
    response = web.Response(status=status, body=body)
    elapsed_s = 0.25
    web_log.AccessLogger(logger).log(request, response, elapsed_s)
    AccessLogger(logger).log(request, response, elapsed_s)
    theirs, ours = records.records
    assert TIME.sub("[]", ours.getMessage()) == TIME.sub("[]", theirs.getMessage())
    assert {**fields(ours), "request_start_time": ""} == {**fields(theirs), "request_start_time": ""}
    started = [time.strftime(TIME_FORMAT, time.localtime(int(time.time() - elapsed_s) - lag)) for lag in (0, 1)]
    assert ours.request_start_time in started
    assert ours.getMessage().split(" ")[1] + " " + ours.getMessage().split(" ")[2] == ours.request_start_time
    assert ours.levelno == logging.INFO and ours.name == logger.name


def test_nothing_is_formatted_below_info(access: Any) -> None:
    logger, records = access
    logger.setLevel(logging.WARNING)
    access_logger = AccessLogger(logger)
    assert not access_logger.enabled
    access_logger.log(make_mocked_request("GET", "/"), web.Response(), 0.0)
    assert records.records == []


def test_another_format_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ValueError, match="format"):
        AccessLogger(logging.getLogger("tests.access"), "%a %t")


async def test_every_request_is_logged_by_a_server_using_it(aiohttp_client: ClientFactory, access: Any) -> None:
    logger, records = access

    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    app = web.Application()
    app.router.add_get("/hello", hello)
    server = TestServer(app)
    await server.start_server(access_log_class=AccessLogger, access_log=logger)  # as run_app passes them on
    client = await aiohttp_client(server)  # type: ignore[arg-type]  # pytest-aiohttp takes a server too
    for _ in range(3):
        assert (await client.get("/hello", headers={"User-Agent": "ua"})).status == 200
    for _ in range(100):  # the server logs a request after it has answered it
        if len(records.records) == 3:
            break
        await asyncio.sleep(0.01)
    assert [record.first_request_line for record in records.records] == ["GET /hello HTTP/1.1"] * 3
    assert all(re.search(r' 200 \d+ "-" "ua"$', record.getMessage()) for record in records.records)
