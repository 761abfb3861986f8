"""Routes: risk limits and trading states set by administrators, for one account or for every account at once."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from aiohttp import web

from tradeloop.actors import administration
from tradeloop.errors import NotFound
from tradeloop.http.admin.paths import known_account_id
from tradeloop.http.bodies import read_model
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import AccountPath
from tradeloop.http.risk import RISK_EXAMPLE, RiskBody, risk_json
from tradeloop.http.shapes.risk import AccountRiskJson, RiskEverywhereJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "admin"
_ACCOUNT: Final = "0b0cbb6e-4dfe-4e4f-9f3c-1d4d1b2f7a10"
_ACCOUNT_RISK_EXAMPLE: Final = {"account_id": _ACCOUNT, **RISK_EXAMPLE}


def _account_risk(request: web.Request, account_id: UUID) -> AccountRiskJson:
    risk = risk_json(request.app[ENGINE], account_id)
    return {"account_id": str(account_id), **risk}


@routes.get("/admin/v1/accounts/{account_id}/risk")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    responses={200: AccountRiskJson},
    errors=(NotFound,),
    examples=[Example(name="account", summary="an account's risk", path={"account_id": _ACCOUNT}, response=_ACCOUNT_RISK_EXAMPLE)],
)
async def get_account_risk(request: web.Request) -> web.Response:
    """An account's trading state, risk limits, their usage and its latest risk notices (as GET /v2/risk shows them)."""
    return json_response(_account_risk(request, known_account_id(request)))


@routes.patch("/admin/v1/accounts/{account_id}/risk")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    body=RiskBody,
    responses={200: AccountRiskJson},
    errors=(NotFound,),
    examples=[
        Example(
            name="limits",
            summary="set a daily loss limit that flattens",
            path={"account_id": _ACCOUNT},
            body={"limits": {"daily_loss_limit": "1000", "daily_loss_action": "halt_and_flatten"}},
            response=_ACCOUNT_RISK_EXAMPLE,
        )
    ],
)
async def patch_account_risk(request: web.Request) -> web.Response:
    """Change an account's limits and/or set its trading state; recorded in the audit log.

    As PATCH /v2/risk, but an administrator may lift any state, and a state an administrator sets can be
    lifted only by an administrator.
    """
    account_id = known_account_id(request)
    body = await read_model(request, RiskBody)
    if body.limits is not None or body.trading_state is not None:
        await administration.set_risk(
            request.app[ENGINE], account_id, limits=body.limit_changes(), state=body.trading_state, reason=body.reason
        )
    return json_response(_account_risk(request, account_id))


@routes.patch("/admin/v1/risk")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    body=RiskBody,
    responses={200: RiskEverywhereJson},
    examples=[
        Example(
            name="halt everything",
            summary="halt every account",
            body={"trading_state": "HALTED", "reason": "maintenance"},
            response={"accounts": 12},
        )
    ],
)
async def patch_risk_everywhere(request: web.Request) -> web.Response:
    """Change every account's limits and/or set every account's trading state at once; one audit log entry."""
    body = await read_model(request, RiskBody)
    count = 0
    if body.limits is not None or body.trading_state is not None:
        count = await administration.set_risk_everywhere(
            request.app[ENGINE], limits=body.limit_changes(), state=body.trading_state, reason=body.reason
        )
    found: RiskEverywhereJson = {"accounts": count}
    return json_response(found)
