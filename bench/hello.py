"""A hello-world aiohttp JSON server, served the way tradeloop serves: the baseline of the HTTP benchmark.

Run as `python -m bench.hello --port 0`; it prints 'hello serving on URL' once listening.
It answers POST /v2/orders (reading the body) and GET /v2/hello with a small JSON object,
logs like `tradeloop serve` (INFO to stderr, with the same access logger), collects
garbage with the same thresholds, and runs under `web.run_app` with the options tradeloop's own
serve loop uses (which differs from run_app only in the protocol that answers malformed requests).
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Sequence

import orjson
from aiohttp import web

from tradeloop.http.access_log import AccessLogger
from tradeloop.server import SHUTDOWN_TIMEOUT_S, configure_logging, tune_collector

_BODY = orjson.dumps({"hello": "world"})


async def hello(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=_BODY, content_type="application/json")


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/v2/orders", hello)
    app.router.add_get("/v2/hello", hello)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    sock = socket.create_server((args.host, args.port), backlog=128)
    host, port = sock.getsockname()[:2]
    line = f"hello serving on http://{host}:{port}"
    tune_collector()
    web.run_app(
        make_app(),
        sock=sock,
        print=lambda *_: print(line, flush=True),
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        access_log_class=AccessLogger,
    )


if __name__ == "__main__":
    main()
