"""The one renderer of errors: Alpaca's code and message plus RFC 9457 problem fields."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

from tradeloop.codec import dumps
from tradeloop.errors import (
    BadRequest,
    InvalidField,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    StartupFailure,
    TradeloopError,
)

log = logging.getLogger(__name__)


def problem_body(exc: TradeloopError, instance: str | None) -> dict[str, Any]:
    """The JSON body of an error, understood by Alpaca clients and RFC 9457 clients alike.

    `instance` is the request's path; None leaves it out, for a request too malformed to have one.
    """
    body: dict[str, Any] = {
        "code": exc.code,
        "message": exc.message,
        "type": f"https://tradeloop.dev/problems/{exc.slug}",
        "title": exc.title,
        "status": exc.status,
        "detail": exc.message,
    }
    if instance is not None:
        body["instance"] = instance
    body.update(exc.extra)
    return body


def render(exc: TradeloopError, request: web.Request) -> web.Response:
    """Render an error; code, status and title are class attributes, so subclasses inherit them."""
    response = web.Response(
        body=dumps(problem_body(exc, request.path)),
        status=exc.status,
        headers=exc.headers,
        content_type="application/problem+json",
    )
    if isinstance(exc, PayloadTooLarge):
        response.force_close()  # the rest of a refused body is not worth reading to keep the connection
    return response


def from_validation(exc: ValidationError) -> TradeloopError:
    """Turn pydantic's first complaint into an error naming the field."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "body"
    if first.get("type") == "extra_forbidden":
        return InvalidField(field, "unknown field")
    if first.get("type") == "missing":
        return InvalidField(field, "is required")
    if first.get("type") == "value_error" and "error" in first.get("ctx", {}):
        # A validator's own ValueError: its message, without pydantic's "Value error, " prefix.
        return InvalidField(field, str(first["ctx"]["error"]))
    return InvalidField(field, str(first.get("msg", "invalid value")))


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every failure; an unknown exception becomes a 500 that reveals nothing."""
    try:
        return await handler(request)
    except TradeloopError as exc:
        if isinstance(exc, StartupFailure):  # damaged data met by a request: rendered bare, logged in full
            log.exception("unhandled error on %s %s", request.method, request.path)
        return render(exc, request)
    except ValidationError as exc:
        return render(from_validation(exc), request)
    except web.HTTPRequestEntityTooLarge:
        return render(PayloadTooLarge("request body is too large"), request)
    except web.HTTPNotFound:
        return render(NotFound("endpoint not found"), request)
    except web.HTTPMethodNotAllowed as exc:
        response = render(MethodNotAllowed(f"method {request.method} is not allowed here"), request)
        response.headers["Allow"] = ",".join(sorted(exc.allowed_methods))
        return response
    except web.HTTPException as exc:
        if exc.status >= 400:
            return render(BadRequest(exc.reason), request) if exc.status == 400 else exc
        raise
    except Exception as exc:
        if isinstance(exc, ConnectionResetError) and _client_left(request):  # while its body was being read
            log.debug("the client of %s %s left before its body ended", request.method, request.path)
            return render(BadRequest("the request body ended early"), request)  # to no one: aiohttp drops it
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render(TradeloopError(), request)


def _client_left(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()
