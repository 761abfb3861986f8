"""Rate limiting of calls: per API key once authenticated, per remote address before that."""

from __future__ import annotations

import math
import time
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import istr

from tradeloop.errors import RateLimited
from tradeloop.http.keys import ALLOWANCE, KEY_ID, LIMITER
from tradeloop.http.ratelimit import Allowance

SESSIONS_PATH: Final = "/admin/v1/sessions"
LIMIT_HEADER: Final = istr("X-RateLimit-Limit")
REMAINING_HEADER: Final = istr("X-RateLimit-Remaining")
RESET_HEADER: Final = istr("X-RateLimit-Reset")


def _address(request: web.Request) -> str:
    return f"address:{request.remote or 'unknown'}"


def _record(request: web.Request, allowance: Allowance) -> None:
    """Keep the allowance for the response headers; raise RateLimited when it refuses the call."""
    request[ALLOWANCE] = allowance
    if not allowance.allowed:
        raise RateLimited(
            f"rate limit of {allowance.limit} requests per minute exceeded",
            retry_after_s=max(1, math.ceil(allowance.retry_after_s)),
        )


def refuse_exhausted_address(request: web.Request) -> None:
    """Refuse a call from an address that spent its budget, before any credential is checked.

    Raises:
        RateLimited: the remote address has no call left.
    """
    allowance = request.app[LIMITER].peek(_address(request))
    if not allowance.allowed:
        _record(request, allowance)


def charge_address(request: web.Request) -> None:
    """Spend one call of the remote address's budget.

    Raises:
        RateLimited: the remote address had no call left.
    """
    _record(request, request.app[LIMITER].take(_address(request)))


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Spend one call of the authenticated key's budget, or of the address's for a session attempt."""
    key_id = request.get(KEY_ID)
    if key_id is not None:
        _record(request, request.app[LIMITER].take(f"key:{key_id}"))
    elif request.method == "POST" and request.path == SESSIONS_PATH:
        charge_address(request)
    return await handler(request)


async def rate_limit_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Tell a rate-limited caller its budget on every answer, errors included, as Alpaca does."""
    allowance = request.get(ALLOWANCE)
    if allowance is None:
        return
    headers = response.headers
    headers[LIMIT_HEADER] = str(allowance.limit)
    headers[REMAINING_HEADER] = str(allowance.remaining)
    headers[RESET_HEADER] = str(math.ceil(time.time() + allowance.full_after_s))
