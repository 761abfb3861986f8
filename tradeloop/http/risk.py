"""Routes: the risk extension on the trading API: GET/PATCH /v2/risk and POST /v2/orders/preview.

The bodies, and the JSON of an account's risk, serve the administrators' risk routes too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final, cast
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradeloop.actors.engine import Engine
from tradeloop.codec import rfc3339
from tradeloop.core.money import HUNDRED, ZERO, cents, fmt, fmt_qty
from tradeloop.core.preview import Preview
from tradeloop.core.risk import daily_loss_allowed, drawdown_percent
from tradeloop.core.risk_limits import (
    NO_LIMITS,
    ORDER_WINDOW,
    BreachAction,
    LimitChanges,
    RiskLimits,
    StateSource,
    TradingState,
)
from tradeloop.errors import TradingStateRefused
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_model
from tradeloop.http.keys import ENGINE
from tradeloop.http.numbers import Money, Percent
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.openapi.problem import Problem
from tradeloop.http.problems import problem_body
from tradeloop.http.schemas import PlaceOrderBody
from tradeloop.http.shapes.risk import CheckJson, LimitsJson, NoticeJson, PreviewJson, RiskJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "risk"


class LimitsBody(BaseModel):
    """Limits to set: a field sent sets that limit (null removes it); a field left out keeps what is set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_order_notional: Money = None
    max_position_notional: Money = None
    max_position_percent_of_equity: Percent = None
    max_open_orders: int | None = Field(default=None, ge=1, le=1_000_000)
    max_orders_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    daily_loss_limit: Money = None
    daily_loss_limit_percent: Percent = None
    daily_loss_action: BreachAction | None = None
    """halt (the default; null sets it back), reduce, or halt_and_flatten."""
    max_drawdown_percent: Percent = None
    warn_at_percent: Percent = None
    """The percent of the daily loss or drawdown limit at which a warning is given (80 to begin with; null sets it back)."""

    @field_validator("max_order_notional", "max_position_notional", "daily_loss_limit")
    @classmethod
    def _positive(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value <= ZERO:
            raise ValueError("must be greater than 0")
        return value

    @field_validator("max_position_percent_of_equity", "daily_loss_limit_percent", "max_drawdown_percent", "warn_at_percent")
    @classmethod
    def _share(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not ZERO < value <= HUNDRED:
            raise ValueError("must be a percent greater than 0 and at most 100")
        return value

    def changes(self) -> LimitChanges:
        """The limits this body sets, as a change that keeps the limits it leaves out."""
        # null removes a limit, or sets one that is never absent (the action, the warning's percent) back to its default
        values: dict[str, Any] = {
            name: getattr(NO_LIMITS, name) if getattr(self, name) is None else getattr(self, name)
            for name in self.model_fields_set
        }
        return LimitChanges(values)


class RiskBody(BaseModel):
    """PATCH /v2/risk: limits to change and/or a trading state to set (the kill switch: HALTED), with a reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limits: LimitsBody | None = None
    trading_state: TradingState | None = None
    reason: str | None = Field(default=None, max_length=200)

    def limit_changes(self) -> LimitChanges | None:
        return None if self.limits is None else self.limits.changes()


def money(value: Decimal) -> str:
    """Dollars to the cent, as /v2/account shows them."""
    return fmt(cents(value))


def limits_json(limits: RiskLimits) -> LimitsJson:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else fmt(value)

    return {
        "max_order_notional": text(limits.max_order_notional),
        "max_position_notional": text(limits.max_position_notional),
        "max_position_percent_of_equity": text(limits.max_position_percent_of_equity),
        "max_open_orders": limits.max_open_orders,
        "max_orders_per_minute": limits.max_orders_per_minute,
        "daily_loss_limit": text(limits.daily_loss_limit),
        "daily_loss_limit_percent": text(limits.daily_loss_limit_percent),
        "daily_loss_action": limits.daily_loss_action.value,
        "max_drawdown_percent": text(limits.max_drawdown_percent),
        "warn_at_percent": fmt(limits.warn_at_percent),
    }


def risk_json(engine: Engine, account: UUID) -> RiskJson:
    """An account's trading state, limits, usage and latest notices, valued at the prices of now."""
    state = engine.account(account)
    risk = state.risk
    equity = cents(engine.valuation(account).equity)
    start = state.last_equity
    allowed = daily_loss_allowed(risk.limits, start)
    peak = risk.peak_equity
    return {
        "trading_state": risk.state.value,
        "reason": risk.reason,
        "source": None if risk.source is None else risk.source.value,
        "changed_at": None if risk.changed_at is None else rfc3339(risk.changed_at),
        "limits": limits_json(risk.limits),
        "usage": {
            "equity": money(equity),
            "session_start_equity": money(start),
            "daily_loss": money(start - equity),
            "daily_loss_allowed": None if allowed is None else money(allowed),
            "peak_equity": None if peak is None else money(peak),
            "drawdown_percent": fmt(drawdown_percent(peak, equity)) if peak is not None else "0",
            "open_orders": len(state.orders),
            "orders_last_minute": risk.orders_since(engine.clock() - ORDER_WINDOW),
        },
        "notices": [
            cast(NoticeJson, {"kind": notice.kind, "message": notice.message, "timestamp": rfc3339(notice.timestamp)})
            for notice in risk.notices
        ],
    }


def preview_json(preview: Preview, instance: str) -> PreviewJson:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else fmt(value)

    checks: list[CheckJson] = [
        {"limit": c.limit, "value": fmt(c.value), "figure": fmt(c.figure), "headroom": fmt(c.headroom)}
        for c in preview.checks
    ]
    refusal = None if preview.refusal is None else cast(Problem, problem_body(preview.refusal, instance))
    return {
        "accepted": preview.accepted,
        "refusal": refusal,
        "trading_state": preview.trading_state.value,
        "fills_now": preview.fills_now,
        "estimated_price": text(preview.estimated_price),
        "estimated_qty": None if preview.estimated_qty is None else fmt_qty(preview.estimated_qty),
        "estimated_cost": None if preview.estimated_cost is None else money(preview.estimated_cost),
        "estimated_fee": money(preview.estimated_fee),
        "buying_power": money(preview.buying_power),
        "buying_power_after": money(preview.buying_power_after),
        "position_qty": fmt_qty(preview.position_qty),
        "position_qty_after": fmt_qty(preview.position_qty_after),
        "checks": checks,
    }


_LIMITS_EXAMPLE: Final = {
    "max_order_notional": "5000",
    "max_position_notional": None,
    "max_position_percent_of_equity": "25",
    "max_open_orders": 20,
    "max_orders_per_minute": None,
    "daily_loss_limit": "1000",
    "daily_loss_limit_percent": None,
    "daily_loss_action": "halt_and_flatten",
    "max_drawdown_percent": "10",
    "warn_at_percent": "80",
}
_LIMITS_SET: Final = {"kind": "limits_set", "message": "limits set by user", "timestamp": "2026-01-05T15:00:00.000000Z"}
RISK_EXAMPLE: Final = {
    "trading_state": "ACTIVE",
    "reason": None,
    "source": None,
    "changed_at": None,
    "limits": _LIMITS_EXAMPLE,
    "usage": {
        "equity": "99620.50",
        "session_start_equity": "100000.00",
        "daily_loss": "379.50",
        "daily_loss_allowed": "1000.00",
        "peak_equity": "100000.00",
        "drawdown_percent": "0.3795",
        "open_orders": 1,
        "orders_last_minute": 0,
    },
    "notices": [_LIMITS_SET],
}
_HALTED_EXAMPLE: Final = {
    **RISK_EXAMPLE,
    "trading_state": "HALTED",
    "reason": "kill switch",
    "source": "user",
    "changed_at": "2026-01-05T15:30:00.000000Z",
    "notices": [
        _LIMITS_SET,
        {"kind": "state_changed", "message": "HALTED: kill switch", "timestamp": "2026-01-05T15:30:00.000000Z"},
    ],
}


@routes.get("/v2/risk")
@operation(
    tag=TAG,
    security=Security.KEYS,
    responses={200: RiskJson},
    examples=[Example(name="limits", summary="an account with limits, its session down $379.50", response=RISK_EXAMPLE)],
)
async def get_risk(request: web.Request) -> web.Response:
    """The account's trading state (ACTIVE, REDUCING or HALTED) and why, its risk limits, their usage and notices."""
    return json_response(risk_json(request.app[ENGINE], account_id(request)))


@routes.patch("/v2/risk")
@operation(
    tag=TAG,
    security=Security.KEYS,
    body=RiskBody,
    responses={200: RiskJson},
    errors=(TradingStateRefused,),
    examples=[
        Example(
            name="limits",
            summary="set some limits (the others are kept)",
            body={"limits": {"max_order_notional": "5000", "daily_loss_limit": "1000", "daily_loss_action": "halt_and_flatten"}},
            response=RISK_EXAMPLE,
        ),
        Example(
            name="kill switch",
            summary="halt every new order",
            body={"trading_state": "HALTED", "reason": "kill switch"},
            response=_HALTED_EXAMPLE,
        ),
    ],
)
async def patch_risk(request: web.Request) -> web.Response:
    """Change the account's limits and/or set its trading state; answers the account's risk as it now stands.

    Limits left out are kept; a limit sent as null is removed. An owner may set any stricter state (the kill
    switch is HALTED) and lift one they or a drawdown set, but not one the daily loss limit set (it lasts until
    the next session) nor one an administrator set: that is 403 with code 40310011.
    """
    body = await read_model(request, RiskBody)
    engine, account = request.app[ENGINE], account_id(request)
    if body.limits is not None or body.trading_state is not None:
        await engine.set_risk(
            account, limits=body.limit_changes(), state=body.trading_state, reason=body.reason, source=StateSource.USER
        )
    return json_response(risk_json(engine, account))


@routes.post("/v2/orders/preview")
@operation(
    tag="orders",
    security=Security.KEYS,
    body=PlaceOrderBody,
    responses={200: PreviewJson},
    examples=[
        Example(
            name="accepted",
            summary="a market buy that passes every limit",
            body={"symbol": "AAPL", "qty": "10", "side": "buy", "type": "market", "time_in_force": "day"},
            response={
                "accepted": True,
                "refusal": None,
                "trading_state": "ACTIVE",
                "fills_now": True,
                "estimated_price": "150.3",
                "estimated_qty": "10",
                "estimated_cost": "1503.00",
                "estimated_fee": "0.00",
                "buying_power": "100000.00",
                "buying_power_after": "98497.00",
                "position_qty": "0",
                "position_qty_after": "10",
                "checks": [{"limit": "max_order_notional", "value": "5000", "figure": "1503.00", "headroom": "3497.00"}],
            },
        ),
    ],
)
async def preview_order(request: web.Request) -> web.Response:
    """What placing this order (the body of POST /v2/orders) would do now; nothing is changed or journaled.

    It answers whether the order would be accepted or the refusal placing it would meet (its code and
    message, as POST /v2/orders would answer), the estimated fill price, fee and cost (with the account's
    fee schedule and slippage, GET /v2/account/fees), the buying power and
    position after it, and the risk limits it passed with their headroom.
    """
    body = await read_model(request, PlaceOrderBody)
    preview = await request.app[ENGINE].preview_order(account_id(request), body.to_request())
    return json_response(preview_json(preview, "/v2/orders"))

