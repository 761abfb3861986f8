"""Text fields drawn from a fixed set: plain `str` to the code that fills them, an enum to the reference."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Annotated

from pydantic import Field

from tradeloop.core.orders import OrderClass, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.core.risk_limits import BreachAction, StateSource, TradingState


def _values(members: Iterable[Enum]) -> list[str]:
    return [str(member.value) for member in members]


OrderSideText = Annotated[str, Field(json_schema_extra={"enum": _values(OrderSide)})]
OrderClassText = Annotated[str, Field(json_schema_extra={"enum": _values(OrderClass)})]
OrderTypeText = Annotated[str, Field(json_schema_extra={"enum": _values(OrderType)})]
OrderStatusText = Annotated[str, Field(json_schema_extra={"enum": _values(OrderStatus)})]
TimeInForceText = Annotated[str, Field(json_schema_extra={"enum": _values(TimeInForce)})]
TradingStateText = Annotated[str, Field(json_schema_extra={"enum": _values(TradingState)})]
StateSourceText = Annotated[str, Field(json_schema_extra={"enum": _values(StateSource)})]
BreachActionText = Annotated[str, Field(json_schema_extra={"enum": _values(BreachAction)})]
