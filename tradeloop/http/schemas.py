"""Request schemas of the trading API: bodies and query strings, converted to core requests."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from tradeloop.core.orders import (
    OrderClass,
    OrderRequest,
    OrderSide,
    OrderType,
    ReplaceRequest,
    StopLoss,
    TakeProfit,
    TimeInForce,
)
from tradeloop.errors import InvalidField, InvalidOrderClass
from tradeloop.http.numbers import Money, Percent, Price, Quantity
from tradeloop.http.times import QueryTime
from tradeloop.journal import OrderQuery


class PositionIntent(StrEnum):
    BUY_TO_OPEN = "buy_to_open"
    BUY_TO_CLOSE = "buy_to_close"
    SELL_TO_OPEN = "sell_to_open"
    SELL_TO_CLOSE = "sell_to_close"


def _intent_side(intent: PositionIntent) -> OrderSide:
    return OrderSide.BUY if intent.startswith("buy") else OrderSide.SELL


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TakeProfitBody(_Body):
    """A bracket's, OCO's or OTO's take-profit exit: a limit order."""

    limit_price: Price


class StopLossBody(_Body):
    """A stop-loss exit: `stop_price` (and `limit_price` for a stop-limit), or a trailing stop (an extension)."""

    stop_price: Price = None
    limit_price: Price = None
    trail_price: Price = None
    """Extension: a trailing stop-loss, this far below the best price since the exit started to work."""
    trail_percent: Percent = None
    """Extension: a trailing stop-loss, this percent below the best price since the exit started to work."""


class PlaceOrderBody(_Body):
    """POST /v2/orders, as Alpaca documents it: simple orders, and bracket, OCO and OTO groups."""

    symbol: str = Field(min_length=1, max_length=32)
    qty: Quantity = None
    notional: Money = None
    side: OrderSide | None = None
    type: OrderType
    time_in_force: TimeInForce
    limit_price: Price = None
    stop_price: Price = None
    trail_price: Price = None
    trail_percent: Percent = None
    client_order_id: str | None = None
    extended_hours: bool | None = None
    order_class: OrderClass | None = None
    take_profit: TakeProfitBody | None = None
    stop_loss: StopLossBody | None = None
    exit_time_in_force: TimeInForce | None = None
    """Extension: the exits' time in force (day or gtc) when it differs from the entry's."""
    position_intent: PositionIntent | None = None

    @model_validator(mode="after")
    def _side_and_intent_agree(self) -> PlaceOrderBody:
        """The side may come from position_intent alone; raises InvalidField so the error names the field."""
        if self.position_intent is None:
            if self.side is None:
                raise InvalidField("side", "is required")
        elif self.side is not None and self.side is not _intent_side(self.position_intent):
            raise InvalidField("position_intent", f"{self.position_intent} contradicts side {self.side}")
        return self

    @field_validator("order_class", mode="before")
    @classmethod
    def _empty_is_simple(cls, value: object) -> object:
        """Alpaca reads an empty order_class as simple."""
        return None if value == "" else value

    def to_request(self) -> OrderRequest:
        """The core request; the symbol is upper-cased."""
        side = self.side
        if side is None:
            assert self.position_intent is not None
            side = _intent_side(self.position_intent)
        return OrderRequest(
            symbol=self.symbol.strip().upper(),
            side=side,
            type=self.type,
            time_in_force=self.time_in_force,
            qty=self.qty,
            notional=self.notional,
            limit_price=self.limit_price,
            stop_price=self.stop_price,
            trail_price=self.trail_price,
            trail_percent=self.trail_percent,
            client_order_id=self.client_order_id,
            extended_hours=bool(self.extended_hours),
            order_class=self.order_class or OrderClass.SIMPLE,
            take_profit=None if self.take_profit is None else TakeProfit(limit_price=_required(self.take_profit.limit_price)),
            stop_loss=None if self.stop_loss is None else StopLoss(**self.stop_loss.model_dump()),
            exit_time_in_force=self.exit_time_in_force,
        )


def _required(limit_price: Decimal | None) -> Decimal:
    if limit_price is None:
        raise InvalidOrderClass("take_profit.limit_price", "is required")
    return limit_price


class ReplaceOrderBody(_Body):
    """PATCH /v2/orders/{order_id}: fields left out keep their old values."""

    qty: Quantity = None
    time_in_force: TimeInForce | None = None
    limit_price: Price = None
    stop_price: Price = None
    trail: Price = None
    """A trail price or a trail percent, as the order has; both carry four decimal places."""
    client_order_id: str | None = None

    def to_request(self) -> ReplaceRequest:
        return ReplaceRequest(
            qty=self.qty,
            time_in_force=self.time_in_force,
            limit_price=self.limit_price,
            stop_price=self.stop_price,
            trail=self.trail,
            client_order_id=self.client_order_id,
        )


class _Query(BaseModel):
    """Query strings: unknown parameters are ignored, as Alpaca does."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class OrdersQuery(_Query):
    """GET /v2/orders."""

    status: Literal["open", "closed", "all"] = "open"
    limit: int = Field(default=50, ge=1, le=500)
    after: QueryTime = None
    until: QueryTime = None
    direction: Literal["asc", "desc"] = "desc"
    side: OrderSide | None = None
    symbols: frozenset[str] | None = None
    nested: bool | None = None

    @field_validator("symbols", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip().upper() for part in value.split(",") if part.strip()) or None
        return value

    def to_query(self, account_id: UUID) -> OrderQuery:
        """The engine's query of one account's orders."""
        return OrderQuery(
            account_id=account_id,
            status=self.status,
            after=self.after,
            until=self.until,
            newest_first=self.direction == "desc",
            limit=self.limit,
            side=self.side,
            symbols=self.symbols,
        )


class ByClientOrderIdQuery(_Query):
    """GET /v2/orders:by_client_order_id."""

    client_order_id: str = Field(min_length=1)


class ClosePositionQuery(_Query):
    """DELETE /v2/positions/{symbol_or_asset_id}: all of it, or a qty or a percentage."""

    qty: Quantity = None
    percentage: Percent = None


class CloseAllQuery(_Query):
    """DELETE /v2/positions."""

    cancel_orders: bool = False
