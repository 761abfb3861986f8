"""Routes: alerts (tradeloop's /v2/alerts) — price, percent change, position, account and indicator alerts."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any, Final, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradeloop.actors.ids import random_id
from tradeloop.codec import rfc3339
from tradeloop.core.alerts import (
    MAX_COOLDOWN_S,
    MAX_NOTE_LENGTH,
    AccountMetric,
    Alert,
    AlertCondition,
    AlertKind,
    AlertStatus,
    AlertTerms,
    CancelAlert,
    CreateAlert,
    PercentReference,
    Repeat,
    ReviseAlert,
)
from tradeloop.core.money import fmt
from tradeloop.errors import InvalidField, InvalidStrategy, NotFound
from tradeloop.http.alert_terms import indicator_fields, indicator_terms, session_open
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_model, read_query
from tradeloop.http.keys import ENGINE
from tradeloop.http.numbers import Money, Percent, Price
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import path_id
from tradeloop.http.shapes.alerts import AlertJson
from tradeloop.http.times import QueryTime
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "alerts"
KindText = Literal["price", "percent_change", "position", "indicator", "account"]
ConditionText = Literal["crosses_above", "crosses_below", "above", "below"]
Note = Annotated[str, Field(max_length=MAX_NOTE_LENGTH)]
Cooldown = Annotated[int, Field(ge=0, le=MAX_COOLDOWN_S)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreateBody(_Model):
    """POST /v2/alerts: the kind and the fields it takes (see docs/alerts.md), and how it repeats and ends."""

    kind: KindText
    symbol: str | None = Field(default=None, description="price, percent_change, position and indicator alerts.")
    condition: ConditionText | dict[str, Any] | None = Field(
        default=None,
        description="price and account alerts: crosses_above, crosses_below, above or below; "
        'indicator alerts: a condition of the strategy language ({"op": ">", "left": "rsi", "right": "70"}).',
    )
    price: Price = Field(default=None, description="price alerts: the level.")
    percent: Percent = Field(
        default=None,
        description="percent_change: the move from the reference (negative: down); position: the unrealized P&L "
        "in percent of cost (negative: a loss).",
    )
    reference: Literal["session_open", "created"] | None = Field(
        default=None, description="percent_change: the session's opening price, or the price now (the default)."
    )
    amount: Money = Field(default=None, description="position: the unrealized P&L in dollars (negative: a loss).")
    metric: Literal["equity", "daily_pl", "drawdown"] | None = Field(default=None, description="account alerts.")
    level: Price = Field(default=None, description="account alerts: the metric's level (drawdown in percent).")
    timeframe: str | None = Field(default=None, description="indicator alerts: the bars' timeframe (1Min, 5Min...).")
    indicators: dict[str, Any] | None = Field(default=None, description="indicator alerts: the indicators by name.")
    repeat: Literal["once", "every"] = "once"
    cooldown_s: Cooldown = Field(default=0, description="With repeat every: the least time between two firings.")
    expires_at: QueryTime = Field(default=None, description="When an alert that has not fired (for good) expires.")
    note: Note = ""


class PatchBody(_Model):
    """PATCH: the fields to change (left out: kept); the kind and the symbol stay as made."""

    condition: ConditionText | dict[str, Any] | None = None
    price: Price = None
    percent: Percent = None
    amount: Money = None
    level: Price = None
    timeframe: str | None = None
    indicators: dict[str, Any] | None = None
    repeat: Literal["once", "every"] | None = None
    cooldown_s: Cooldown | None = None
    expires_at: QueryTime = None
    note: Note | None = None


class AlertsQuery(BaseModel):
    """GET /v2/alerts: which alerts to list."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["active", "triggered", "expired", "canceled", "all"] = Field(
        default="all", description="Only alerts in this status."
    )
    symbol: str | None = Field(default=None, description="Only alerts of this symbol (any case).")

    @field_validator("symbol")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return None if value is None else value.strip().upper()


class AlertPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    alert_id: Annotated[UUID, Field(description="The alert's id.")]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


def alert_json(alert: Alert) -> AlertJson:
    terms = alert.terms
    condition: str | dict[str, Any] | None = None if terms.condition is None else terms.condition.value
    timeframe, indicators = None, None
    if terms.indicator is not None:
        condition, indicators, timeframe = indicator_fields(terms.indicator)
    return {
        "id": str(alert.id),
        "kind": terms.kind.value,
        "symbol": terms.symbol,
        "condition": condition,
        "price": _text(terms.price),
        "percent": _text(terms.percent),
        "reference": None if terms.reference is None else terms.reference.value,
        "reference_price": _text(terms.reference_price),
        "amount": _text(terms.amount),
        "metric": None if terms.metric is None else terms.metric.value,
        "level": _text(terms.level),
        "timeframe": timeframe,
        "indicators": indicators,
        "repeat": terms.repeat.value,
        "cooldown_s": terms.cooldown_s,
        "expires_at": None if terms.expires_at is None else rfc3339(terms.expires_at),
        "note": terms.note,
        "status": alert.status.value,
        "created_at": rfc3339(alert.created_at),
        "updated_at": rfc3339(alert.updated_at),
        "triggered_at": None if alert.triggered_at is None else rfc3339(alert.triggered_at),
        "trigger_count": alert.trigger_count,
    }


def _condition(value: str | dict[str, Any] | None, kind: AlertKind) -> AlertCondition | None:
    """Raises: InvalidField for a condition object on an alert other than an indicator alert."""
    if isinstance(value, dict):
        raise InvalidField("condition", f"a {kind} alert takes crosses_above, crosses_below, above or below")
    return None if value is None else AlertCondition(value)


async def _terms(request: web.Request, body: CreateBody) -> AlertTerms:
    """The terms a body asks for; a percent_change measured from the session's open gets that price here."""
    kind = AlertKind(body.kind)
    if kind is AlertKind.PERCENT_CHANGE and body.price is not None:
        raise InvalidField("price", "a percent_change alert's level comes from its percent and reference")
    reference = None if body.reference is None else PercentReference(body.reference)
    reference_price = None
    if kind is AlertKind.PERCENT_CHANGE and reference is PercentReference.SESSION_OPEN and body.symbol:
        reference_price = await session_open(request, body.symbol)
    indicator = None
    if kind is AlertKind.INDICATOR:
        indicator = indicator_terms(request, body.condition, body.indicators, body.timeframe)
    elif body.timeframe is not None or body.indicators is not None:
        raise InvalidField("indicators" if body.timeframe is None else "timeframe", f"a {kind} alert does not take it")
    return AlertTerms(
        kind=kind,
        symbol=body.symbol,
        condition=None if kind is AlertKind.INDICATOR else _condition(body.condition, kind),
        price=body.price,
        percent=body.percent,
        reference=reference,
        reference_price=reference_price,
        amount=body.amount,
        metric=None if body.metric is None else AccountMetric(body.metric),
        level=body.level,
        indicator=indicator,
        repeat=Repeat(body.repeat),
        cooldown_s=body.cooldown_s,
        expires_at=body.expires_at,
        note=body.note,
    )


def _patched(request: web.Request, terms: AlertTerms, body: PatchBody) -> AlertTerms:
    """The alert's terms with the body's changes."""
    if terms.kind is AlertKind.PERCENT_CHANGE and body.price is not None:
        raise InvalidField("price", "a percent_change alert's level comes from its percent and reference")
    changes: dict[str, Any] = {}
    for name in ("price", "percent", "amount", "level", "cooldown_s", "expires_at", "note"):
        value = getattr(body, name)
        if value is not None:
            changes[name] = value
    if body.repeat is not None:
        changes["repeat"] = Repeat(body.repeat)
        if changes["repeat"] is Repeat.ONCE and body.cooldown_s is None:
            changes["cooldown_s"] = 0
    if terms.kind is AlertKind.INDICATOR:
        if body.condition is not None or body.indicators is not None or body.timeframe is not None:
            condition, indicators, timeframe = indicator_fields(terms.indicator or "{}")
            changes["indicator"] = indicator_terms(
                request,
                condition if body.condition is None else body.condition,
                indicators if body.indicators is None else body.indicators,
                timeframe if body.timeframe is None else body.timeframe,
            )
    else:
        if body.timeframe is not None or body.indicators is not None:
            raise InvalidField("indicators" if body.timeframe is None else "timeframe", f"a {terms.kind} alert does not take it")
        if body.condition is not None:
            changes["condition"] = _condition(body.condition, terms.kind)
    if terms.kind is AlertKind.POSITION and ("amount" in changes or "percent" in changes):
        changes.setdefault("amount", None)  # one replaces the other
        changes.setdefault("percent", None)
    return replace(terms, **changes)


_ID: Final = "0195f7a2-6c4d-7e5f-8a10-3b4c5d6e7f80"
_EXAMPLE: Final[dict[str, Any]] = {
    "id": _ID, "kind": "price", "symbol": "AAPL", "condition": "crosses_above", "price": "190", "percent": None,
    "reference": None, "reference_price": None, "amount": None, "metric": None, "level": None, "timeframe": None,
    "indicators": None, "repeat": "once", "cooldown_s": 0, "expires_at": None, "note": "breakout",
    "status": "active", "created_at": "2026-01-05T15:30:00.000000Z", "updated_at": "2026-01-05T15:30:00.000000Z",
    "triggered_at": None, "trigger_count": 0,
}  # fmt: skip
_PATH: Final = {"alert_id": _ID}


@routes.post("/v2/alerts")
@operation(
    tag=TAG, security=Security.KEYS, body=CreateBody, responses={201: AlertJson}, errors=(InvalidField, InvalidStrategy),
    examples=[
        Example(name="price", summary="tell me when AAPL crosses above 190",
                body={"kind": "price", "symbol": "AAPL", "condition": "crosses_above", "price": "190.00",
                      "note": "breakout"},
                status=201, response=_EXAMPLE),
    ],
)  # fmt: skip
async def create_alert(request: web.Request) -> web.Response:
    """Make an alert (201, active); a field its kind does not take, or one it needs and lacks, is 422 naming it."""
    body = await read_model(request, CreateBody)
    terms = await _terms(request, body)
    created = await request.app[ENGINE].change_alert(account_id(request), CreateAlert(alert_id=random_id(), terms=terms))
    return json_response(alert_json(created), 201)


@routes.get("/v2/alerts")
@operation(
    tag=TAG, security=Security.KEYS, query=AlertsQuery, responses={200: list[AlertJson]},
    examples=[Example(name="active", query={"status": "active"}, response=[_EXAMPLE])],
)
async def list_alerts(request: web.Request) -> web.Response:
    """The account's alerts in the order they were made (the 500 that ended last are kept), by status and symbol."""
    query = read_query(request, AlertsQuery)
    found = request.app[ENGINE].alerts(account_id(request))
    if query.status != "all":
        found = [each for each in found if each.status is AlertStatus(query.status)]
    if query.symbol is not None:
        found = [each for each in found if each.symbol == query.symbol]
    return json_response([alert_json(each) for each in found])


@routes.get("/v2/alerts/{alert_id}")
@operation(
    tag=TAG, security=Security.KEYS, path=AlertPath, responses={200: AlertJson}, errors=(NotFound,),
    examples=[Example(name="one", path=_PATH, response=_EXAMPLE)],
)
async def get_alert(request: web.Request) -> web.Response:
    """One alert of the account."""
    return json_response(alert_json(request.app[ENGINE].alert(account_id(request), path_id(request, "alert"))))


@routes.patch("/v2/alerts/{alert_id}")
@operation(
    tag=TAG, security=Security.KEYS, path=AlertPath, body=PatchBody, responses={200: AlertJson},
    errors=(NotFound, InvalidField, InvalidStrategy),
    examples=[Example(name="level", summary="move the level", path=_PATH, body={"price": "190"}, response=_EXAMPLE)],
)
async def patch_alert(request: web.Request) -> web.Response:
    """Change an active alert's level, condition, repetition, expiry or note; it is watched afresh from now."""
    engine, account, alert_id = request.app[ENGINE], account_id(request), path_id(request, "alert")
    body = await read_model(request, PatchBody)
    terms = _patched(request, engine.alert(account, alert_id).terms, body)
    changed = await engine.change_alert(account, ReviseAlert(alert_id=alert_id, terms=terms))
    return json_response(alert_json(changed))


@routes.delete("/v2/alerts/{alert_id}")
@operation(
    tag=TAG, security=Security.KEYS, path=AlertPath, responses={204: None}, errors=(NotFound,),
    examples=[Example(name="cancel", path=_PATH, status=204)],
)
async def delete_alert(request: web.Request) -> web.Response:
    """Cancel an alert: it stops watching and is listed as canceled (one that ended already stays as it ended)."""
    await request.app[ENGINE].change_alert(account_id(request), CancelAlert(alert_id=path_id(request, "alert")))
    return web.Response(status=204)
