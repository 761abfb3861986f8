"""What an alert's terms need from beyond the account: the session's opening price, an indicator condition checked."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from aiohttp import web

from tradeloop.core.bars import TimeFrame, TimeFrameUnit
from tradeloop.core.sessions import session_bounds
from tradeloop.errors import InvalidField, InvalidStrategy
from tradeloop.http.history import MARKET_HISTORY
from tradeloop.http.keys import ENGINE
from tradeloop.strategy.definition import POSITION_FIELDS, canonical_json, parse_definition, references

_MINUTE = TimeFrame(1, TimeFrameUnit.MINUTE)


async def session_open(request: web.Request, symbol: str) -> Decimal:
    """The opening price of the symbol's session now: the open of its first minute bar.

    Raises:
        InvalidField: (reference) the symbol has not traded this session, or is not listed.
    """
    engine = request.app[ENGINE]
    listed = symbol.strip().upper()
    if listed not in engine.assets:
        raise InvalidField("symbol", f"unknown symbol {listed!r}")
    history = request.app.get(MARKET_HISTORY)
    now = engine.clock()
    start, _ = session_bounds(now)
    if history is not None:
        bars, _ = await history.bars(listed, _MINUTE, start=start, end=now, limit=1)
        if bars:
            return bars[0].open
    raise InvalidField("reference", f"{listed} has not traded this session: no opening price to measure from")


def indicator_fields(stored: str) -> tuple[Any, Any, Any]:
    """An indicator alert's condition, indicators and timeframe as its stored JSON holds them."""
    found = json.loads(stored)
    return found.get("condition"), found.get("indicators"), found.get("timeframe")


def indicator_terms(request: web.Request, condition: object, indicators: object, timeframe: object) -> str:
    """The canonical JSON of an indicator alert's condition, indicators and timeframe, checked as a strategy's are.

    Raises:
        InvalidStrategy: naming the field by JSON pointer (`/condition/left`, `/indicators/rsi/period`, `/timeframe`).
    """
    if condition is None:
        raise InvalidStrategy("/condition", "an indicator alert needs a condition")
    draft = {
        "name": "alert", "symbols": ["SPY"], "timeframe": timeframe, "indicators": indicators or {},
        "entry": {"when": condition}, "sizing": {"type": "notional", "value": "1"},
    }  # fmt: skip
    try:
        definition = parse_definition(draft)
    except InvalidStrategy as exc:
        raise InvalidStrategy(_pointer(exc.field), exc.message.split(": ", 1)[-1]) from None
    for ref in references(definition.entry.when):
        if ref in POSITION_FIELDS:
            raise InvalidStrategy("/condition", f"{ref} is for strategies: an alert holds no position")
    stored = json.loads(canonical_json(definition))
    return json.dumps(
        {"condition": stored["entry"]["when"], "indicators": stored["indicators"], "timeframe": stored["timeframe"]},
        sort_keys=True, separators=(",", ":"),
    )  # fmt: skip


def _pointer(field: str) -> str:
    """A strategy definition's pointer as the alert's body names it."""
    if field.startswith("/entry/when"):
        return "/condition" + field.removeprefix("/entry/when")
    return field
