"""When a failed delivery is tried again: a fixed schedule with jitter, never sooner than the receiver's Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final

RETRY_DELAYS: Final = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=24),
)
"""The wait before the 2nd, 3rd, ... attempt (the 1st is at once): eight attempts over about 41 hours."""
MAX_ATTEMPTS: Final = len(RETRY_DELAYS) + 1
JITTER: Final = 0.1
"""Each wait is stretched or shrunk by up to this share, so deliveries that failed together do not retry together."""
MAX_RETRY_AFTER: Final = timedelta(hours=24)
"""The longest Retry-After honoured; a receiver asking for more is tried again after this."""
FAILING_FOR: Final = timedelta(days=1)
"""An endpoint failing this long, without a success in between, is disabled."""


def next_attempt(attempts: int, now: datetime, retry_after: timedelta | None, draw: Callable[[], float]) -> datetime | None:
    """When to try again after `attempts` failed attempts (None: give up); `draw` gives a number in [0, 1) for the jitter."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait = RETRY_DELAYS[attempts - 1] * (1 + JITTER * (2 * draw() - 1))
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return now + wait


def retry_after(header: str | None, now: datetime) -> timedelta | None:
    """The wait a Retry-After header asks for, in seconds or as an HTTP date (None: none, or one not understood)."""
    if header is None:
        return None
    text = header.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))
