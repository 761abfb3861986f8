"""Rate limiting: calls per authenticated API key, failed authentications per client address and per presented key id.

Token buckets (a burst of `limit` calls, refilled evenly over a window, a
minute unless told) refuse and never wait. The /v2 surface spends one call of
the caller's key per request (`rate_limit_middleware`) and tells the budget in
X-RateLimit-* headers on every answer (`rate_limit_headers`); a failed
authentication, over REST or a stream, spends the failure budgets of the
client's address and of the key id it presented (`charge_failure`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import istr

from tradeloop.config import IPNetwork
from tradeloop.errors import RateLimited
from tradeloop.http.keys import KEY_ID, SETTINGS

REFILL_S: Final = 60.0
"""By default an empty bucket is full again after this long, whatever the limit."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Allowance:
    """The verdict on one call and what the caller has left, for the X-RateLimit-* headers."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float
    """Until the next call would be allowed; 0 when this one was."""
    full_after_s: float
    """Until the bucket is full again."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_s: float


class RateLimiter:
    """One token bucket per caller key, on an injected monotonic clock.

    A full bucket is the same as no bucket, so idle full buckets are dropped:
    only callers whose bucket is still refilling take memory (swept once a minute).
    """

    def __init__(
        self, per_min: int, clock: Callable[[], float] = time.monotonic, *, window_s: float = REFILL_S
    ) -> None:
        """`per_min` calls at once, then one more every `window_s / per_min` seconds (so per minute by default)."""
        if per_min < 1:
            raise ValueError(f"per_min must be at least 1, got {per_min}")
        if window_s <= 0:
            raise ValueError(f"window_s must be positive, got {window_s}")
        self.limit: Final = per_min
        self.window_s: Final = window_s
        self._rate_per_s: Final = per_min / window_s
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._swept_s = clock()
        self._untouched: Final = self._allowance(True, float(per_min))
        """The answer for a caller without a bucket (a full one), made once: peek's usual answer."""

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, caller: str) -> Allowance:
        """Spend one token of `caller` if there is one; a refused call spends nothing."""
        now_s = self._clock()
        self._sweep(now_s)
        bucket = self._buckets.get(caller)
        tokens = self._refill(bucket, now_s)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        if bucket is not None:
            bucket.tokens, bucket.updated_s = tokens, now_s
        elif tokens < self.limit:
            self._buckets[caller] = _Bucket(tokens, now_s)
        return self._allowance(allowed, tokens)

    def peek(self, caller: str) -> Allowance:
        """Whether `caller` could make a call now, spending nothing."""
        bucket = self._buckets.get(caller)
        if bucket is None:
            return self._untouched
        tokens = self._refill(bucket, self._clock())
        return self._allowance(tokens >= 1, tokens)

    def forget(self, caller: str) -> None:
        """Give `caller` a full bucket again, as after a long pause."""
        self._buckets.pop(caller, None)

    def _refill(self, bucket: _Bucket | None, now_s: float) -> float:
        if bucket is None:
            return float(self.limit)
        refilled = max(0.0, now_s - bucket.updated_s) * self._rate_per_s
        return min(float(self.limit), bucket.tokens + refilled)

    def _allowance(self, allowed: bool, tokens: float) -> Allowance:
        return Allowance(
            allowed=allowed,
            limit=self.limit,
            remaining=int(tokens),
            retry_after_s=0.0 if allowed else (1 - tokens) / self._rate_per_s,
            full_after_s=(self.limit - tokens) / self._rate_per_s,
        )

    def _sweep(self, now_s: float) -> None:
        """Once a minute, forget the buckets that have filled up again (a long window must not keep them longer)."""
        if now_s - self._swept_s < REFILL_S:
            return
        self._swept_s = now_s
        full = [caller for caller, bucket in self._buckets.items() if self._refill(bucket, now_s) >= self.limit]
        for caller in full:
            del self._buckets[caller]


LIMITER: Final = web.AppKey("rate_limiter", RateLimiter)
"""The application's one limiter: every key's call budget and the failure budgets."""
ALLOWANCE: Final = web.RequestKey("rate_allowance", Allowance)
"""Request key under which the rate limiter stores what the caller has left, for the response headers."""

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
