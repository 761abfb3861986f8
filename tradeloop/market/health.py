"""What a feed reports about itself, for the readiness probe."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class FeedHealth:
    """None while the feed is fine; otherwise why it cannot deliver prices (shown by /readyz)."""

    problem: str | None = None
