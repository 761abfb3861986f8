"""The journal's fsync modes the benchmarks measure: the server's default first, then the opt-in."""

from __future__ import annotations

from typing import Final

from tradeloop.config import Fsync, Settings

DEFAULT_FSYNC: Final = Settings().fsync
OPT_IN_FSYNC: Final = next(mode for mode in Fsync if mode is not DEFAULT_FSYNC)
FSYNC_MODES: Final = (DEFAULT_FSYNC, OPT_IN_FSYNC)


def fsync_label(mode: Fsync) -> str:
    """`fsync full (default)` or `fsync normal`, for a row's case."""
    return f"fsync {mode}{' (default)' if mode is DEFAULT_FSYNC else ''}"
