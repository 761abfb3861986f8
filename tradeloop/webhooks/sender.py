"""Sending one signed request to an endpoint: a 10 s budget, no redirect followed, at most 4 KB of the answer read."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import aiohttp

from tradeloop.webhooks.schedule import retry_after
from tradeloop.webhooks.targets import GuardedResolver, refusal_in, refusal_of_literal

TIMEOUT_S: Final = 10.0
MAX_ANSWER_BYTES: Final = 4096
USER_AGENT: Final = "tradeloop-webhooks/1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What one attempt met: the endpoint's status (None: no answer), how long it took, what went wrong, its Retry-After."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender:
    """Posts deliveries through one client session (its connections pooled, bounded by the dispatcher's concurrency)."""

    def __init__(self, *, allow_private: bool, concurrency: int, timeout_s: float = TIMEOUT_S) -> None:
        self._allow_private = allow_private
        self._concurrency = concurrency
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        resolver = None if self._allow_private else GuardedResolver()
        connector = aiohttp.TCPConnector(limit=self._concurrency, resolver=resolver)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=self._timeout, headers={"User-Agent": USER_AGENT}, trust_env=False
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, url: str, headers: dict[str, str], body: bytes, now: datetime) -> Answer:
        """One attempt; every failure (refused address, no connection, timeout) is an answer, never an exception."""
        assert self._session is not None, "the sender is not open"
        if not self._allow_private:
            refused = refusal_of_literal(url)
            if refused is not None:
                return Answer(status_code=None, latency_ms=0, error=refused)
        started = time.monotonic()
        try:
            async with self._session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                await response.content.read(MAX_ANSWER_BYTES)  # a receiver's answer is not ours to store
                return Answer(
                    status_code=response.status,
                    latency_ms=_since(started),
                    error=None if 200 <= response.status < 300 else f"answered {response.status} {response.reason or ''}".strip(),
                    retry_after=retry_after(response.headers.get("Retry-After"), now),
                )
        except TimeoutError:
            return Answer(status_code=None, latency_ms=_since(started), error=f"no answer within {self._timeout.total:g} s")
        except (aiohttp.ClientError, OSError) as exc:
            return Answer(status_code=None, latency_ms=_since(started), error=_describe(exc))


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _describe(exc: BaseException) -> str:
    """A failure in one line, naming the refused address when the guarded resolver refused it."""
    refused = refusal_in(exc)
    if refused is not None:
        return refused
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
