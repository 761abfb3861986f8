"""Route: admin sessions at /admin/v1/sessions; and the middleware that checks a session on every other admin call.

A session is opened with `Authorization: Bearer <admin key>` plus a fresh
`X-TOTP-Code`; every other admin call carries `Authorization: Bearer <token>`.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from tradeloop.codec import rfc3339
from tradeloop.errors import JournalUnavailable, Unauthorized
from tradeloop.http.admin.gate import ADMIN
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.ratelimit import client_address
from tradeloop.http.shapes.admin import SessionJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TOTP_HEADER: Final = "X-TOTP-Code"


def bearer(request: web.Request, what: str) -> str:
    """The credential of an `Authorization: Bearer` header.

    Raises:
        Unauthorized: the header is missing or is not a bearer credential.
    """
    scheme, _, credential = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized(f"admin calls need an 'Authorization: Bearer <{what}>' header")
    return credential.strip()


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Admit a call of the admin surface only with a live session token; 401 otherwise.

    A path or method without a route is answered 404 or 405 without asking for
    a session; every route asks for one.
    """
    if request.match_info.http_exception is None:
        request.app[ADMIN].check(bearer(request, "session token"))
    return await handler(request)


@routes.post("/admin/v1/sessions")
@operation(
    tag="admin",
    security=Security.ADMIN_LOGIN,
    responses={201: SessionJson},
    errors=(JournalUnavailable,),
    examples=[Example(name="open", summary="the admin key and a fresh TOTP code", status=201, response=example("admin", "session"))],
)
async def open_session(request: web.Request) -> web.Response:
    """Trade the admin key and a one-time TOTP code for a short-lived session token; failures are throttled (429)."""
    gate, address = request.app[ADMIN], client_address(request) or "unknown"
    try:
        admin_key = bearer(request, "admin key")
    except Unauthorized as exc:
        gate.fail(address, exc.message)
    code = request.headers.get(TOTP_HEADER, "").strip()
    if not code:
        gate.fail(address, f"the {TOTP_HEADER} header is required")
    token, expires_at = await gate.open_session(admin_key, code, address, request.app[ENGINE].journal)
    session: SessionJson = {"token": token, "expires_at": rfc3339(expires_at)}
    return json_response(session, status=201)
