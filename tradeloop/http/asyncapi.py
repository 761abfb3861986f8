"""The AsyncAPI 3 document of the WebSocket streams: /stream (trade updates), /v2/iex and /v2/sip (market data).

Written from the streams' own constants (paths, channels, error codes and
texts, the order's shape), so a new error code or channel shows up here.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import TypeAdapter

from tradeloop.http.shapes.notifications import NotificationJson
from tradeloop.http.shapes.trading import OrderJson
from tradeloop.http.streams.frames import MSGPACK_CONTENT_TYPE
from tradeloop.http.streams.hub import Channel
from tradeloop.http.streams.market_messages import StreamError
from tradeloop.http.streams.notifications import NOTIFICATIONS
from tradeloop.http.streams.paths import TRADING_STREAM_PATH
from tradeloop.http.streams.updates import TRADE_UPDATES

_CLOSING: Final = frozenset(
    {StreamError.AUTH_FAILED, StreamError.AUTH_TIMEOUT, StreamError.CONNECTION_LIMIT_EXCEEDED, StreamError.SLOW_CLIENT,
     StreamError.TOO_MANY_REQUESTS, StreamError.INTERNAL_ERROR}
)
"""Errors after which the server closes the connection; the others leave it open."""
_STRING: Final = {"type": "string"}
_NUMBER: Final = {"type": "number"}
_TIME: Final = {"type": "string", "format": "date-time", "description": "RFC 3339 in JSON; a msgpack timestamp in msgpack."}
_SYMBOLS: Final = {"type": "array", "items": _STRING, "description": 'Symbols, or "*" for all.'}


def _object(properties: dict[str, Any], *, title: str, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "title": title, "properties": properties, "required": list(properties)}
    if description:
        schema["description"] = description
    return schema


def _const(value: str) -> dict[str, Any]:
    return {"type": "string", "const": value}


def _error_codes() -> str:
    lines = [f"{int(code)} {code.text} ({'closes' if code in _CLOSING else 'keeps'} the connection)" for code in StreamError]
    return "Error codes: " + "; ".join(lines) + "."


def _market_schemas() -> dict[str, dict[str, Any]]:
    trade = {"T": _const("t"), "S": _STRING, "t": _TIME, "x": _STRING, "p": _NUMBER, "s": _NUMBER, "c": {"type": "array", "items": _STRING}, "i": {"type": "integer"}, "z": _STRING}
    quote = {"T": _const("q"), "S": _STRING, "t": _TIME, "ax": _STRING, "ap": _NUMBER, "as": _NUMBER, "bx": _STRING, "bp": _NUMBER, "bs": _NUMBER, "c": {"type": "array", "items": _STRING}, "z": _STRING}

    def bar(tag: str) -> dict[str, Any]:
        return {"T": _const(tag), "S": _STRING, "t": _TIME, "o": _NUMBER, "h": _NUMBER, "l": _NUMBER, "c": _NUMBER, "v": _NUMBER, "n": {"type": "integer"}, "vw": _NUMBER}

    channels = {channel.value: _SYMBOLS for channel in Channel}
    return {
        "success": _object({"T": _const("success"), "msg": {"enum": ["connected", "authenticated"]}}, title="success"),
        "error": _object(
            {"T": _const("error"), "code": {"enum": [int(code) for code in StreamError]}, "msg": {"enum": [code.text for code in StreamError]}},
            title="error",
            description=_error_codes(),
        ),
        "auth": _object({"action": _const("auth"), "key": _STRING, "secret": _STRING}, title="auth"),
        "subscribe": {**_object({"action": _const("subscribe")}, title="subscribe"), "properties": {"action": _const("subscribe"), **channels}},
        "unsubscribe": {**_object({"action": _const("unsubscribe")}, title="unsubscribe"), "properties": {"action": _const("unsubscribe"), **channels}},
        "subscription": _object({"T": _const("subscription"), **channels, "corrections": _SYMBOLS, "cancelErrors": _SYMBOLS}, title="subscription"),
        "trade": _object(trade, title="trade"),
        "quote": _object(quote, title="quote"),
        "bar": _object(bar("b"), title="bar", description="A finished one-minute bar."),
        "updatedBar": _object(bar("u"), title="updatedBar", description="A bar sent before, changed by a late trade."),
        "dailyBar": _object(bar("d"), title="dailyBar", description="The symbol's bar for the day so far."),
        "status": _object(
            {"T": _const("s"), "S": _STRING, "sc": _STRING, "sm": _STRING, "rc": _STRING, "rm": _STRING, "t": _TIME, "z": _STRING},
            title="status",
            description="A halt or resumption by an administrator, in the codes of the symbol's tape.",
        ),
    }


def _trading_schemas() -> dict[str, dict[str, Any]]:
    auth_data = _object({"key_id": _STRING, "secret_key": _STRING}, title="credentials")
    return {
        "authenticate": _object({"action": _const("authenticate"), "data": auth_data}, title="authenticate"),
        "listen": _object(
            {"action": _const("listen"), "data": _object({"streams": {"type": "array", "items": {"enum": [TRADE_UPDATES, NOTIFICATIONS]}}}, title="streams")},
            title="listen",
        ),
        "authorization": _object(
            {"stream": _const("authorization"), "data": _object({"action": {"enum": ["authenticate", "listen"]}, "status": {"enum": ["authorized", "unauthorized"]}}, title="authorization data")},
            title="authorization",
        ),
        "listening": _object({"stream": _const("listening"), "data": _object({"streams": {"type": "array", "items": _STRING}}, title="listening data")}, title="listening"),
        "tradeUpdate": _object(
            {
                "stream": _const(TRADE_UPDATES),
                "data": {
                    "type": "object",
                    "required": ["event", "timestamp", "order"],
                    "properties": {
                        "event": {"enum": ["new", "fill", "partial_fill", "canceled", "expired", "replaced"]},
                        "timestamp": _TIME,
                        "order": {"$ref": "#/components/schemas/OrderJson"},
                        "execution_id": _STRING,
                        "price": _STRING,
                        "qty": _STRING,
                        "position_qty": _STRING,
                    },
                },
            },
            title="tradeUpdate",
        ),
        "notification": _object(
            {"stream": _const(NOTIFICATIONS), "data": {"$ref": "#/components/schemas/NotificationJson"}},
            title="notification",
            description="One of the account's notifications, once journaled, in the order they were made (docs/notifications.md).",
        ),
        "streamError": _object(
            {"stream": _const("error"), "data": _object({"code": {"enum": [int(code) for code in StreamError]}, "message": _STRING}, title="error data")},
            title="streamError",
            description=_error_codes(),
        ),
    }


_MARKET_SENT: Final = ("auth", "subscribe", "unsubscribe")
_TRADING_SENT: Final = ("authenticate", "listen")


def _messages(prefix: str, schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each message twice: JSON text frames, and msgpack binary frames for a client that connected with msgpack."""
    messages: dict[str, Any] = {}
    for name, schema in schemas.items():
        messages[f"{prefix}.{name}"] = {"name": name, "contentType": "application/json", "payload": {"$ref": f"#/components/schemas/{prefix}.{name}"}}
        messages[f"{prefix}.{name}.msgpack"] = {
            "name": f"{name} (msgpack)",
            "contentType": MSGPACK_CONTENT_TYPE,
            "payload": {"$ref": f"#/components/schemas/{prefix}.{name}"},
        }
    return messages


def _channel(address: str, prefix: str, schemas: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "address": address,
        "description": description,
        "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in _messages(prefix, schemas)},
        "bindings": {"ws": {"method": "GET", "headers": {"type": "object", "properties": {"Content-Type": {"enum": ["application/json", MSGPACK_CONTENT_TYPE]}}}}},
    }


def _operations(channel: str, prefix: str, schemas: dict[str, Any], sent: tuple[str, ...]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for action, names in (("send", [n for n in schemas if n in sent]), ("receive", [n for n in schemas if n not in sent])):
        refs = [{"$ref": f"#/channels/{channel}/messages/{prefix}.{name}{suffix}"} for name in names for suffix in ("", ".msgpack")]
        operations[f"{channel}.{action}"] = {"action": action, "channel": {"$ref": f"#/channels/{channel}"}, "messages": refs}
    return operations


def asyncapi_document(version: str) -> dict[str, Any]:
    """The streams' AsyncAPI 3.0 document."""
    market, trading = _market_schemas(), _trading_schemas()
    market_text = (
        "Alpaca's market data stream; both feeds serve the same data. On connect: success 'connected'. Then, within the "
        "auth timeout, `auth` (or connect with the APCA-API-* headers): success 'authenticated'. `subscribe` and "
        "`unsubscribe` are answered with the whole subscription. Every frame is an array of messages: JSON text, or "
        "msgpack binary for a client that connected with Content-Type: application/msgpack (prices as numbers, times as "
        "msgpack timestamps). " + _error_codes()
    )
    trading_text = (
        "Alpaca's trading stream: `trade_updates` of the authenticated account, and its `notifications` (ours). "
        "`authenticate`, answered by an "
        "authorization; `listen`, answered by listening. One message per frame, JSON text or msgpack binary. " + _error_codes()
    )
    order_schema = TypeAdapter(OrderJson).json_schema(mode="serialization", ref_template="#/components/schemas/{model}")
    notification_schema = TypeAdapter(NotificationJson).json_schema(mode="serialization")
    schemas: dict[str, Any] = {"OrderJson": order_schema, "NotificationJson": notification_schema}
    schemas.update({f"market.{name}": schema for name, schema in market.items()})
    schemas.update({f"trading.{name}": schema for name, schema in trading.items()})
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "tradeloop streams",
            "version": version,
            "description": "The WebSocket streams, in Alpaca's protocols. The REST API is described at /openapi.json.",
        },
        "defaultContentType": "application/json",
        "channels": {
            "trading": _channel(TRADING_STREAM_PATH, "trading", trading, trading_text),
            "iex": _channel("/v2/iex", "market", market, market_text),
            "sip": _channel("/v2/sip", "market", market, market_text),
        },
        "operations": {
            **_operations("trading", "trading", trading, _TRADING_SENT),
            **_operations("iex", "market", market, _MARKET_SENT),
            **_operations("sip", "market", market, _MARKET_SENT),
        },
        "components": {"schemas": schemas, "messages": {**_messages("market", market), **_messages("trading", trading)}},
    }
