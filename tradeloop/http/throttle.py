"""Rate limiting: calls per authenticated API key; failed authentications per client address and per presented key id."""

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
    """The address whose budget a failed authentication spends; see resolve_client."""
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


KEY_ID_CHARS: Final = 64
"""A presented key id is counted by this many characters at most, so junk ids cannot take much memory."""


def _record(request: web.Request, allowance: Allowance, message: str) -> None:
    """Keep the allowance for the response headers; raise RateLimited when it refuses the call."""
    request[ALLOWANCE] = allowance
    if not allowance.allowed:
        raise RateLimited(message, retry_after_s=max(1, math.ceil(allowance.retry_after_s)))


def charge_failure(request: web.Request, key_id: str | None) -> None:
    """Count one failed authentication against the client address and against the key id it presented.

    Called only once credentials were checked and found wrong (or missing): the
    budgets it spends are apart from the per-key call budget, and nothing looks
    at them before credentials are checked, so failures made by others never
    refuse a caller whose credentials are right.

    Raises:
        RateLimited: the address or the presented key id has no failure left.
    """
    limiter = request.app[LIMITER]
    verdicts = [limiter.take(f"failed-address:{client_address(request) or 'unknown'}")]
    if key_id:
        verdicts.append(limiter.take(f"failed-key:{key_id[:KEY_ID_CHARS]}"))
    tightest = min(verdicts, key=lambda allowance: (allowance.allowed, allowance.remaining, -allowance.retry_after_s))
    _record(request, tightest, f"too many failed authentications (at most {limiter.limit} a minute); try again later")


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Spend one call of the authenticated key's budget."""
    key_id = request.get(KEY_ID)
    if key_id is not None:
        limiter = request.app[LIMITER]
        _record(request, limiter.take(f"key:{key_id}"), f"rate limit of {limiter.limit} requests per minute exceeded")
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
