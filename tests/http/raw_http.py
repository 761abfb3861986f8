"""A real server on loopback and raw HTTP over a socket: for requests no HTTP client library would send."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from multidict import CIMultiDict

from tradeloop.http.access_log import AccessLogger
from tradeloop.http.edge import EdgeAppRunner

READ_TIMEOUT_S: Final = 5.0


@dataclass(frozen=True, slots=True)
class RawResponse:
    """An answer as it came over the wire: status, headers, body bytes, and whether the server then closed."""

    status: int
    headers: CIMultiDict[str]
    body: bytes
    closed: bool

    def json(self) -> Any:
        return json.loads(self.body)


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[int]:
    """Serve `app` on a loopback port as the server does (EdgeAppRunner, tradeloop's access log); yield the port."""
    runner = EdgeAppRunner(app, access_log_class=AccessLogger)
    await runner.setup()
    sock = socket.create_server(("127.0.0.1", 0))
    try:
        await web.SockSite(runner, sock).start()
        yield int(sock.getsockname()[1])
    finally:
        await runner.cleanup()
        sock.close()


async def exchange(port: int, request: bytes, *, timeout_s: float = READ_TIMEOUT_S) -> RawResponse:
    """Send raw bytes and read one answer; the server may close before reading all of them."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        try:
            await writer.drain()
        except ConnectionError:
            pass  # refused before the rest was read: the answer is still there to read
        return await asyncio.wait_for(read_response(reader), timeout_s)
    finally:
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> RawResponse:
    """Read a status line, headers and a Content-Length body, then see whether the connection ends."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines:
        name, _, value = line.partition(":")
        headers.add(name.strip(), value.strip())
    body = await reader.readexactly(int(headers.get("Content-Length", "0")))
    try:
        closed = await asyncio.wait_for(reader.read(1), 1.0) == b""
    except asyncio.TimeoutError:
        closed = False
    except ConnectionError:
        closed = True
    return RawResponse(int(status_line.split(" ")[1]), headers, body, closed)
