"""Authentication of the /v2 surface's calls by Alpaca's key headers."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from aiohttp import web
from aiohttp.typedefs import Handler

from tradeloop.errors import Unauthorized
from tradeloop.http.keys import ACCOUNT_ID, ENGINE, KEY_ID
from tradeloop.http.ratelimit import charge_failure

KEY_HEADER: Final = "APCA-API-KEY-ID"
SECRET_HEADER: Final = "APCA-API-SECRET-KEY"


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve the caller's account for every call of the /v2 surface; refuse with 401, or 429 once failures pile up.

    A path or method without a route is answered only once the caller is known,
    so an anonymous caller learns nothing of the routes (401 before 404 or 405).
    The streams are surfaces of their own: they authenticate inside their protocol.

    Credentials are checked first, always, with the same work whether they are
    right or not (see Engine.authenticate), and right ones are never refused for
    failures: a guesser behind the owner's NAT, or guessing the owner's key id,
    cannot lock the owner out. Only a failed attempt spends the failure budgets
    (per client address, per presented key id), and one made once they are spent
    is answered 429 with Retry-After instead of 401. So a throttled guesser still
    learns that a right guess is right; what keeps secrets safe from online
    guessing is their length (about 238 bits), and the budgets tell a client that
    keeps failing to back off, without refusing anyone else.
    """
    key_id = request.headers.get(KEY_HEADER)
    secret = request.headers.get(SECRET_HEADER)
    try:
        if not key_id or not secret:
            raise Unauthorized("request is not authorized: APCA-API-KEY-ID and APCA-API-SECRET-KEY are required")
        request[ACCOUNT_ID] = request.app[ENGINE].authenticate(key_id, secret).id
    except Unauthorized:
        charge_failure(request, key_id)
        raise
    request[KEY_ID] = key_id
    return await handler(request)


def account_id(request: web.Request) -> UUID:
    """The authenticated caller's account id."""
    found = request.get(ACCOUNT_ID)
    if not isinstance(found, UUID):
        raise Unauthorized("request is not authorized")
    return found
