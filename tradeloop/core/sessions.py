"""Trading sessions: the simulated market is always open, with a daily boundary at 00:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_last: tuple[datetime, datetime] = (datetime.max.replace(tzinfo=UTC),) * 2
"""The bounds found last: nearly every call falls in the same session as the one before."""


def session_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The start and end of the session holding `now` (UTC days)."""
    global _last
    last = _last
    if now.tzinfo is UTC and last[0] <= now < last[1]:
        return last
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    _last = bounds = (start, start + timedelta(days=1))
    return bounds


def session_end(now: datetime) -> datetime:
    """When day orders placed at `now` expire."""
    return session_bounds(now)[1]
