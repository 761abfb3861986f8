"""Stream messages and their two wire codecs: JSON text frames and msgpack binary frames.

A message is built once per event and shared by every connection that gets it;
each codec's encoding is made on first use and kept, so a tick sent to many
clients is encoded once per codec. Market data keeps exact Decimals and
datetimes in the body: JSON renders them as exact numbers and RFC 3339 strings,
msgpack as numbers and msgpack timestamps (alpaca-py reads `t` with
`Timestamp.to_datetime()`); msgpack has no decimal type, so prices go as floats
there, as Alpaca sends them.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import msgpack
import orjson
from aiohttp import WSMessage, WSMsgType, web

from tradeloop.codec import json_number, rfc3339
from tradeloop.errors import BadRequest

MSGPACK_CONTENT_TYPE: Final = "application/msgpack"
_MSGPACK_FIXARRAY_MAX: Final = 15
_MSGPACK_ARRAY16_MAX: Final = 0xFFFF

JsonDict = dict[str, Any]


class Codec(StrEnum):
    """How a connection's frames are encoded, chosen by its Content-Type at connect."""

    JSON = "json"
    MSGPACK = "msgpack"

    @property
    def opcode(self) -> WSMsgType:
        return WSMsgType.TEXT if self is Codec.JSON else WSMsgType.BINARY


class InvalidFrame(BadRequest, ValueError):
    """A client frame that is not a JSON or msgpack document."""


def codec_for(request: web.Request) -> Codec:
    """msgpack when the client connected with `Content-Type: application/msgpack`, else JSON."""
    content_type = request.headers.get("Content-Type", "")
    return Codec.MSGPACK if content_type.split(";")[0].strip().lower() == MSGPACK_CONTENT_TYPE else Codec.JSON


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, datetime):
        return rfc3339(_aware(value))
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _msgpack_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return msgpack.Timestamp.from_datetime(_aware(value))
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def encode(codec: Codec, body: object) -> bytes:
    """One document in the codec."""
    if codec is Codec.JSON:
        return orjson.dumps(body, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    packed: bytes = msgpack.packb(body, default=_msgpack_default, datetime=False)
    return packed


class Message:
    """One outgoing message body, with its encodings made on demand and shared.

    `symbol` keeps a symbol's messages in order when quotes are coalesced;
    `coalescible` marks a message that a newer one of the same symbol may replace (quotes).
    """

    __slots__ = ("body", "symbol", "coalescible", "_json", "_msgpack")

    def __init__(self, body: JsonDict, *, symbol: str | None = None, coalescible: bool = False) -> None:
        self.body = body
        self.symbol = symbol
        self.coalescible = coalescible and symbol is not None
        self._json: bytes | None = None
        self._msgpack: bytes | None = None

    def encoded(self, codec: Codec) -> bytes:
        if codec is Codec.JSON:
            if self._json is None:
                self._json = encode(codec, self.body)
            return self._json
        if self._msgpack is None:
            self._msgpack = encode(codec, self.body)
        return self._msgpack


def encode_batch(codec: Codec, messages: Sequence[Message]) -> bytes:
    """Several messages as one array document, as Alpaca's data stream frames them."""
    parts = [message.encoded(codec) for message in messages]
    if codec is Codec.JSON:
        return b"[" + b",".join(parts) + b"]"
    count = len(parts)
    if count <= _MSGPACK_FIXARRAY_MAX:
        header = bytes([0x90 | count])
    elif count <= _MSGPACK_ARRAY16_MAX:
        header = b"\xdc" + struct.pack(">H", count)
    else:
        header = b"\xdd" + struct.pack(">I", count)
    return header + b"".join(parts)


def decode(frame: WSMessage, codec: Codec) -> Any:
    """The document a client frame carries: text is JSON; binary is msgpack on a msgpack connection.

    Raises:
        InvalidFrame: the frame does not decode.
    """
    try:
        if frame.type is WSMsgType.TEXT:
            return orjson.loads(frame.data)
        if codec is Codec.MSGPACK:
            return msgpack.unpackb(frame.data, timestamp=3, strict_map_key=False)
        return orjson.loads(frame.data)
    except (ValueError, TypeError) as exc:  # msgpack's errors are ValueErrors too
        raise InvalidFrame(str(exc)) from None
