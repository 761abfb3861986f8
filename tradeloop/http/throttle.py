"""Rate limiting of calls: per API key once authenticated, per client address before that."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import istr

from tradeloop.config import IPNetwork
from tradeloop.errors import RateLimited
from tradeloop.http.keys import ALLOWANCE, KEY_ID, LIMITER, SETTINGS
from tradeloop.http.ratelimit import Allowance

SESSIONS_PATH: Final = "/admin/v1/sessions"
LIMIT_HEADER: Final = istr("X-RateLimit-Limit")
REMAINING_HEADER: Final = istr("X-RateLimit-Remaining")
RESET_HEADER: Final = istr("X-RateLimit-Reset")
FORWARDED_FOR_HEADER: Final = istr("X-Forwarded-For")


def resolve_client(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]) -> str | None:
    """The caller's address: the peer's, or the one a trusted proxy peer forwarded for; never raises.

    X-Forwarded-For is read from the right, past the trusted proxies' own
    entries: each proxy appends the address it saw, so the rightmost untrusted
    entry is the last one a trusted proxy vouched for, and anything left of it
    is whatever the client chose to send. A header from an untrusted peer is
    ignored, and a missing or malformed one leaves the peer's address.
    """
    if not trusted or peer is None or not _is_trusted(_parse(peer), trusted):
        return peer
    for entry in reversed(",".join(forwarded_for).split(",")):
        address = _parse(entry)
        if address is None:
            return peer
        if not _is_trusted(address, trusted):
            return str(address)
    return peer


def client_address(request: web.Request) -> str | None:
    """The address whose budget an unauthenticated call spends; see resolve_client."""
    trusted = request.app[SETTINGS].trusted_proxies
    if not trusted:  # the usual case, on every call: no header to read
        return request.remote
    return resolve_client(request.remote, request.headers.getall(FORWARDED_FOR_HEADER, []), trusted)


def _parse(raw: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(raw.strip())
    except ValueError:
        return None
    # A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; they belong to the IPv4 networks.
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPv4Address | IPv6Address | None, trusted: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address.version == network.version and address in network for network in trusted)


def _address(request: web.Request) -> str:
    return f"address:{client_address(request) or 'unknown'}"


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
        RateLimited: the client address has no call left.
    """
    allowance = request.app[LIMITER].peek(_address(request))
    if not allowance.allowed:
        _record(request, allowance)


def charge_address(request: web.Request) -> None:
    """Spend one call of the client address's budget.

    Raises:
        RateLimited: the client address had no call left.
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
