"""Token buckets per caller: a burst of `limit` calls, refilled evenly over a window (a minute unless told); refuses, never waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

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
