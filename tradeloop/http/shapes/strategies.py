"""Shapes of strategies, their versions and their signals (tradeloop's /v2/strategies)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from typing_extensions import TypedDict

from tradeloop.core.strategies import StrategyStatus
from tradeloop.http.openapi.fields import Timestamp, UuidText
from tradeloop.http.shapes.enums import OrderSideText

StrategyStatusText = Annotated[str, Field(json_schema_extra={"enum": [str(status.value) for status in StrategyStatus]})]
RuleText = Annotated[str, Field(json_schema_extra={"enum": ["entry", "exit"]})]


class StrategyJson(TypedDict):
    """A strategy as it stands: its current version's name and definition (`strategy/v1`, see docs/strategies.md)."""

    id: UuidText
    name: str
    version: int
    status: StrategyStatusText
    definition: dict[str, Any]
    created_at: Timestamp
    updated_at: Timestamp


class StrategyVersionJson(TypedDict):
    """One version of a strategy: the definition it traded by from `created_at` until the next version."""

    version: int
    name: str
    definition: dict[str, Any]
    created_at: Timestamp


class SignalJson(TypedDict):
    """A bar on which a rule fired: the operands' values that made it fire, and the order placed or why none was."""

    id: UuidText
    strategy_id: UuidText
    version: int
    symbol: str
    bar_time: Timestamp
    """The start of the completed bar of the strategy's timeframe."""
    created_at: Timestamp
    rule: RuleText
    side: OrderSideText
    values: dict[str, str]
    """Every operand the rule read, by its reference (`fast`, `macd.signal`, `close`, `position.qty`, `70`)."""
    client_order_id: str
    order_id: UuidText | None
    refusal: str | None
    """Why no order was placed (a risk limit, buying power, a halt, a size that rounds to zero); null when one was."""
    refusal_code: int | None
    """The error code of the refusal, as an order placed by hand would have met it; null when none."""
