"""Authentication of API calls by Alpaca's key headers."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from aiohttp import web
from aiohttp.typedefs import Handler

from tradeloop.errors import Unauthorized
from tradeloop.http.keys import ACCOUNT_ID, ENGINE, KEY_ID
from tradeloop.http.streams.paths import STREAM_PATHS
from tradeloop.http.throttle import charge_address, refuse_exhausted_address

KEY_HEADER: Final = "APCA-API-KEY-ID"
SECRET_HEADER: Final = "APCA-API-SECRET-KEY"
PROTECTED_PREFIXES: Final = ("/v2/",)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve the caller's account for every /v2/ call; refuse with 401 otherwise.

    The WebSocket streams are left alone: they authenticate inside their protocol.

    Failed attempts spend the remote address's rate budget, and an address that
    spent it is refused before its credentials are checked, so keys cannot be guessed fast.
    """
    if request.path.startswith(PROTECTED_PREFIXES) and request.path not in STREAM_PATHS:
        refuse_exhausted_address(request)
        key_id = request.headers.get(KEY_HEADER)
        secret = request.headers.get(SECRET_HEADER)
        try:
            if not key_id or not secret:
                raise Unauthorized("request is not authorized: APCA-API-KEY-ID and APCA-API-SECRET-KEY are required")
            request[ACCOUNT_ID] = request.app[ENGINE].authenticate(key_id, secret).id
        except Unauthorized:
            charge_address(request)
            raise
        request[KEY_ID] = key_id
    return await handler(request)


def account_id(request: web.Request) -> UUID:
    """The authenticated caller's account id."""
    found = request.get(ACCOUNT_ID)
    if not isinstance(found, UUID):
        raise Unauthorized("request is not authorized")
    return found
