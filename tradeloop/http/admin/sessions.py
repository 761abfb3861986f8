"""Routes: admin sessions under /admin/v1/sessions, and the session check every other admin call passes.

A session is opened with `Authorization: Bearer <admin key>` plus a fresh
`X-TOTP-Code`; every other admin call carries `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from aiohttp import web

from tradeloop.codec import rfc3339
from tradeloop.errors import Unauthorized
from tradeloop.http.admin.gate import ADMIN
from tradeloop.http.keys import ENGINE
from tradeloop.http.ratelimit import client_address
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TOTP_HEADER: Final = "X-TOTP-Code"
R = TypeVar("R", bound=web.StreamResponse)


def bearer(request: web.Request, what: str) -> str:
    """The credential of an `Authorization: Bearer` header.

    Raises:
        Unauthorized: the header is missing or is not a bearer credential.
    """
    scheme, _, credential = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized(f"admin calls need an 'Authorization: Bearer <{what}>' header")
    return credential.strip()


def admin_only(handler: Callable[[web.Request], Awaitable[R]]) -> Callable[[web.Request], Awaitable[R]]:
    """Run the handler only for a live admin session token; 401 otherwise."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> R:
        request.app[ADMIN].check(bearer(request, "session token"))
        return await handler(request)

    return guarded


@routes.post("/admin/v1/sessions")
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
    return json_response({"token": token, "expires_at": rfc3339(expires_at)}, status=201)
