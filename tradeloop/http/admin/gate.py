"""Admin sessions: an admin key plus a one-time TOTP code opens a short-lived token.

Failed logins are throttled without letting a stranger lock the administrator
out. Every failure counts against the caller's address, and a right key with a
wrong code also counts against the admin key's code budget; a spent budget
answers 429 with Retry-After. Only the code budget refuses a right key (else a
six-digit code could be guessed as fast as requests arrive), and only a holder of
the key can spend it: a wrong key never touches it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Final, NoReturn, Protocol

import pyotp
from aiohttp import web

from tradeloop.errors import RateLimited, Unauthorized
from tradeloop.http.ratelimit import Allowance, RateLimiter

log = logging.getLogger(__name__)

SESSION_TTL: Final = timedelta(minutes=15)
FAILURES_PER_ADDRESS: Final = 10
"""Failed logins an address may make at once; then one more every ADDRESS_WINDOW_S / FAILURES_PER_ADDRESS."""
ADDRESS_WINDOW_S: Final = 600.0
WRONG_CODES: Final = 5
"""Wrong TOTP codes the right key may send at once; then one more every CODE_WINDOW_S / WRONG_CODES."""
CODE_WINDOW_S: Final = 1_500.0
TOTP_STEP_META: Final = "admin_totp_step"
"""Meta key of the last TOTP time step that opened a session, so no code is accepted twice, restarts included."""
_CODE_BUDGET: Final = "admin"
_VALID_STEPS: Final = (-1, 0, 1)
"""A code of the step before or after the current one is accepted too (clock drift, typing time)."""


class StepStore(Protocol):
    """Where the last used step goes; the journal, whose put_meta resolves once committed."""

    def put_meta(self, key: str, value: bytes) -> Awaitable[None]: ...


def admin_key_digest(text: str) -> bytes:
    """The stored form of the admin key: a 256-bit random key needs no slow hash."""
    return _digest(text)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


class AdminGate:
    """Checks admin credentials, accepts each TOTP time step once, throttles failures and tracks session tokens."""

    def __init__(
        self,
        admin_key_hash: bytes,
        totp: pyotp.TOTP,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` is the wall clock TOTP codes and sessions go by; `monotonic` the throttles' clock."""
        self._admin_key_hash = admin_key_hash
        self._totp = totp
        self._clock = clock
        self._addresses = RateLimiter(FAILURES_PER_ADDRESS, monotonic, window_s=ADDRESS_WINDOW_S)
        self._codes = RateLimiter(WRONG_CODES, monotonic, window_s=CODE_WINDOW_S)
        self.last_step: int | None = None
        """The last TOTP time step that opened a session: it and every earlier step are refused."""
        self._sessions: dict[bytes, datetime] = {}

    @classmethod
    def create(
        cls,
        admin_key: str,
        totp_secret: str,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> AdminGate:
        return cls(_digest(admin_key), pyotp.TOTP(totp_secret), clock, monotonic)

    def restore(self, stored: bytes | None) -> None:
        """Take back the last used step stored before a restart (under TOTP_STEP_META)."""
        if stored is not None:
            self.last_step = max(self.last_step or 0, int.from_bytes(stored, "big"))

    async def open_session(self, admin_key: str, code: str, address: str, store: StepStore) -> tuple[str, datetime]:
        """Trade the admin key and a fresh TOTP code for a session token.

        The code's step is stored (committed) before the token is made, so after a
        crash or restart the same code, and any older one, is still refused.

        Raises:
            Unauthorized: wrong key, wrong or used code.
            RateLimited: as Unauthorized, once the address or the admin key's code budget is spent.
        """
        now = self._clock()
        key_ok = hmac.compare_digest(_digest(admin_key), self._admin_key_hash)
        codes = self._codes.peek(_CODE_BUDGET)
        # The code is checked (or, once the code budget is spent, not checked) the same way whether the key is right
        # or not, so neither the time taken nor the answer tells a wrong key from a right one.
        step = self._match(code.strip(), now) if codes.allowed else None
        if key_ok and step is not None:
            self.last_step = step  # before the commit: a concurrent login with the same code is refused meanwhile
            self._codes.forget(_CODE_BUDGET)
            await store.put_meta(TOTP_STEP_META, step.to_bytes(8, "big"))
            return self._grant(now)
        if key_ok and codes.allowed:
            log.warning("admin login with the right admin key and a wrong or used TOTP code from %s", address)
            codes = self._codes.take(_CODE_BUDGET)
        self._refuse(address, codes)

    def fail(self, address: str, why: str) -> NoReturn:
        """Count a login that brought no credentials to check.

        Raises:
            Unauthorized: with `why`. RateLimited: when the address or the code budget is spent.
        """
        self._refuse(address, self._codes.peek(_CODE_BUDGET), why)

    def check(self, token: str) -> None:
        """Raises: Unauthorized unless the token is a live session."""
        now = self._clock()
        for stale in [t for t, until in self._sessions.items() if until <= now]:
            del self._sessions[stale]
        if _digest(token) not in self._sessions:
            raise Unauthorized("admin session is missing or expired")

    def _match(self, code: str, now: datetime) -> int | None:
        """The unused time step whose code this is, if any; every candidate is compared, in constant time."""
        current = self._totp.timecode(now)
        found = None
        for offset in _VALID_STEPS:
            step = current + offset
            equal = hmac.compare_digest(code.encode(), self._totp.generate_otp(step).encode())
            if equal and (self.last_step is None or step > self.last_step):
                found = step
        return found

    def _refuse(
        self, address: str, codes: Allowance, why: str = "admin key or TOTP code is wrong, or the code was already used"
    ) -> NoReturn:
        """Count a failure against the address and raise: 429 when it or the code budget is spent, else 401."""
        spent = [allowance for allowance in (self._addresses.take(address), codes) if not allowance.allowed]
        if spent:
            retry_after_s = max(1, math.ceil(max(allowance.retry_after_s for allowance in spent)))
            raise RateLimited("too many failed admin logins; try again later", retry_after_s=retry_after_s)
        raise Unauthorized(why)

    def _grant(self, now: datetime) -> tuple[str, datetime]:
        token = secrets.token_urlsafe(32)
        expires_at = now + SESSION_TTL
        self._sessions[_digest(token)] = expires_at
        return token, expires_at


ADMIN: Final = web.AppKey("admin", AdminGate)
"""The application's admin gate."""
