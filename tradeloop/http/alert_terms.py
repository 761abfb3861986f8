"""What an alert's terms need from beyond the account: the session's opening price, an indicator condition checked."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from aiohttp import web

from tradeloop.core.bars import TimeFrame, TimeFrameUnit
from tradeloop.core.sessions import session_bounds
from tradeloop.errors import InvalidField
from tradeloop.http.history import MARKET_HISTORY
from tradeloop.http.keys import ENGINE

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
    """The canonical JSON of an indicator alert's condition, indicators and timeframe.

    Raises:
        InvalidField: (kind) this server does not watch indicator alerts yet.
    """
    raise InvalidField("kind", "indicator alerts are not watched by this server")
