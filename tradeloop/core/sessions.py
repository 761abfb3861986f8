"""Trading sessions: the simulated market is always open, with a daily boundary at 00:00 UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def session_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The start and end of the session holding `now` (UTC days)."""
    start = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def session_end(now: datetime) -> datetime:
    """When day orders placed at `now` expire."""
    return session_bounds(now)[1]
