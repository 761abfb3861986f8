"""Server entry point."""

from __future__ import annotations

from tradeloop.config import Settings


def run(settings: Settings) -> None:
    """Run the server until it is stopped."""
    raise NotImplementedError
