"""Where the streams are served, each a surface of its own: they authenticate in the protocol, not by the key headers."""

from __future__ import annotations

from typing import Final

IEX_STREAM_PATH: Final = "/v2/iex"
SIP_STREAM_PATH: Final = "/v2/sip"
TRADING_STREAM_PATH: Final = "/stream"
