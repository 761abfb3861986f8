"""Admin sessions: an admin key plus a one-time TOTP code opens a short-lived token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import pyotp

from tradeloop.errors import AdminLockedOut, Unauthorized

SESSION_TTL: Final = timedelta(minutes=15)
MAX_FAILURES: Final = 5
LOCKOUT: Final = timedelta(minutes=5)


def admin_key_digest(text: str) -> bytes:
    """The stored form of the admin key: a 256-bit random key needs no slow hash."""
    return _digest(text)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


@dataclass(slots=True)
class AdminGate:
    """Checks admin credentials, spends TOTP codes once, and tracks session tokens."""

    admin_key_hash: bytes
    totp: pyotp.TOTP
    clock: Callable[[], datetime]
    failures: int = 0
    locked_until: datetime | None = None
    used_codes: dict[str, datetime] = field(default_factory=dict)
    sessions: dict[bytes, datetime] = field(default_factory=dict)

    @classmethod
    def create(cls, admin_key: str, totp_secret: str, clock: Callable[[], datetime]) -> AdminGate:
        return cls(admin_key_hash=_digest(admin_key), totp=pyotp.TOTP(totp_secret), clock=clock)

    def open_session(self, admin_key: str, code: str) -> tuple[str, datetime]:
        """Trade the admin key and a fresh TOTP code for a session token.

        Raises:
            AdminLockedOut: after repeated failures, for a while. Unauthorized: wrong key or code.
        """
        now = self.clock()
        if self.locked_until is not None and now < self.locked_until:
            raise AdminLockedOut("too many failed admin logins; try again later", retry_at=self.locked_until.isoformat())
        key_ok = hmac.compare_digest(_digest(admin_key), self.admin_key_hash)
        code_ok = self._spend(code.strip(), now)
        if not (key_ok and code_ok):
            self.failures += 1
            if self.failures >= MAX_FAILURES:
                self.locked_until = now + LOCKOUT
                self.failures = 0
            raise Unauthorized("admin key or TOTP code is wrong, or the code was already used")
        self.failures = 0
        token = secrets.token_urlsafe(32)
        expires_at = now + SESSION_TTL
        self.sessions[_digest(token)] = expires_at
        return token, expires_at

    def _spend(self, code: str, now: datetime) -> bool:
        """Accept a valid code once; a replay within its validity is refused."""
        for stamp in [s for s, seen in self.used_codes.items() if now - seen > timedelta(minutes=3)]:
            del self.used_codes[stamp]
        if not code.isdigit() or code in self.used_codes:
            return False
        if not self.totp.verify(code, for_time=now, valid_window=1):
            return False
        self.used_codes[code] = now
        return True

    def check(self, token: str) -> None:
        """Raises: Unauthorized unless the token is a live session."""
        now = self.clock()
        for stale in [t for t, until in self.sessions.items() if until <= now]:
            del self.sessions[stale]
        if _digest(token) not in self.sessions:
            raise Unauthorized("admin session is missing or expired")
