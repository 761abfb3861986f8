"""Where the streams are served; they authenticate in the protocol, not by the key headers."""

from __future__ import annotations

from typing import Final

MARKET_STREAM_ROUTE: Final = "/v2/{feed:iex|sip}"
MARKET_STREAM_PATHS: Final = frozenset({"/v2/iex", "/v2/sip"})
TRADING_STREAM_PATH: Final = "/stream"
STREAM_PATHS: Final = MARKET_STREAM_PATHS | {TRADING_STREAM_PATH}
