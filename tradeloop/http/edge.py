"""The connection protocol under the application: requests aiohttp's parser refuses get the application's answers.

A request line of 100 KB, 10,000 headers, a NUL in the path, a duplicate
Content-Length or a malformed chunk never reach a handler, a middleware or an
`on_response_prepare` signal: aiohttp's protocol answers them itself, in plain
text that echoes part of the input, with its version in the Server header, and
logs each at ERROR with a traceback. aiohttp offers no hook for these answers,
so the runner here builds a server whose protocol overrides the one method that
renders them, `RequestHandler.handle_error`. tests/http/test_edge.py pins what
comes out, so an aiohttp upgrade that changes this path fails there first.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from aiohttp import hdrs, web
from aiohttp.http_exceptions import (
    BadHttpMessage,
    BadHttpMethod,
    BadStatusLine,
    InvalidHeader,
    InvalidURLError,
    LineTooLong,
)
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from tradeloop.codec import dumps
from tradeloop.errors import BadRequest, TradeloopError
from tradeloop.http.headers import security_header_items
from tradeloop.http.problems import problem_body

log = logging.getLogger(__name__)

_PLAIN_REASON: Final = re.compile(r"[A-Za-z][A-Za-z '\-]{0,79}")
"""What of a parser's own message may be repeated: words only, so never a piece of the request."""


def malformed_reason(exc: BaseException | None) -> str:
    """Why the parser refused a request, in words that never repeat the request's bytes."""
    match exc:
        case LineTooLong():
            return "the request line or a header is too long"
        case InvalidHeader():
            return "a header is malformed"
        case BadHttpMethod():
            return "the method is not valid"
        case BadStatusLine():
            return "the request line is malformed"
        case InvalidURLError():
            return "the request target is malformed"
        case BadHttpMessage():
            # llhttp's messages are a description, a colon, then the offending bytes on the lines below.
            first = exc.message.partition("\n")[0].strip().rstrip(":")
            if _PLAIN_REASON.fullmatch(first):
                word = first.partition(" ")[0]
                return first[0].lower() + first[1:] if word.isalpha() and word[1:].islower() else first
    return "the request is not valid HTTP"


class _BareResponse(web.Response):
    """A response without aiohttp's default Server header (the application's hook, which drops it, is not run here)."""

    async def _prepare_headers(self) -> None:
        await super()._prepare_headers()
        self.headers.popall(hdrs.SERVER, None)


def problem_response(exc: TradeloopError, *, tls: bool) -> web.Response:
    """An error answered below the application: the error middleware's body, the security headers, no Server."""
    response = _BareResponse(
        body=dumps(problem_body(exc, None)),
        status=exc.status,
        headers=exc.headers,
        content_type="application/problem+json",
    )
    for name, value in security_header_items(tls=tls):
        response.headers[name] = value
    response.force_close()  # the parser cannot go on after a refused request: the connection ends
    return response


class EdgeProtocol(RequestHandler):
    """aiohttp's connection protocol, answering the requests its parser refuses as the application answers errors."""

    __slots__ = ()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """A 400 problem for a malformed request, logged in one line at DEBUG; a 500 that reveals nothing else."""
        if request.writer.output_size > 0:  # as aiohttp: an answer has begun, so the connection is broken
            raise ConnectionError("an answer was being sent when the request failed")
        error: TradeloopError
        if status == 400:
            reason = malformed_reason(exc)
            # The access log has the request's line already: one more per junk request only when debugging.
            log.debug("refused a malformed request from %s: %s", request.remote, reason)
            error = BadRequest(f"malformed request: {reason}")
        else:  # an error outside every handler and middleware: a fault here, not the client's
            log.error("error handling a request from %s", request.remote, exc_info=exc)
            error = TradeloopError()
        return problem_response(error, tls=request.secure)


class EdgeServer(web.Server):
    """aiohttp's server, making each connection's protocol an EdgeProtocol."""

    def __call__(self) -> RequestHandler:
        return EdgeProtocol(self, loop=self._loop, **self._kwargs)


class EdgeAppRunner(web.AppRunner):
    """aiohttp's application runner, serving through an EdgeServer; use it wherever `web.AppRunner` would be."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()  # starts the application and builds aiohttp's own server
        return EdgeServer(
            server.request_handler,
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            loop=server._loop,
            **server._kwargs,
        )
