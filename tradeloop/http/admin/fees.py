"""Routes: an account's fee schedule and slippage, read and set by administrators (audited)."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from tradeloop.actors import administration
from tradeloop.core.fees import FeeSchedule
from tradeloop.errors import InvalidField, NotFound
from tradeloop.http.admin.paths import known_account_id
from tradeloop.http.bodies import read_model
from tradeloop.http.fees import BROKER_LIKE, DESCRIPTION, FeesBody, fees_json
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import AccountPath
from tradeloop.http.shapes.fees import AccountFeeScheduleJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "admin"
_ACCOUNT: Final = "0b0cbb6e-4dfe-4e4f-9f3c-1d4d1b2f7a10"
_PATH: Final = "/admin/v1/accounts/{account_id}/fees"


def _account_fees(account_id: str, schedule: FeeSchedule) -> AccountFeeScheduleJson:
    return {"account_id": account_id, **fees_json(schedule)}


@routes.get(_PATH)
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    responses={200: AccountFeeScheduleJson},
    errors=(NotFound,),
    description=DESCRIPTION,
    examples=[
        Example(
            name="account",
            summary="an account's fee schedule",
            path={"account_id": _ACCOUNT},
            response=_account_fees(_ACCOUNT, BROKER_LIKE),
        )
    ],
)
async def get_account_fees(request: web.Request) -> web.Response:
    """An account's fee schedule and slippage (as GET /v2/account/fees shows them)."""
    account_id = known_account_id(request)
    return json_response(_account_fees(str(account_id), request.app[ENGINE].account(account_id).fees))


@routes.put(_PATH)
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    body=FeesBody,
    responses={200: AccountFeeScheduleJson},
    errors=(NotFound, InvalidField),
    description=DESCRIPTION
    + " PUT replaces the whole schedule (a field left out is 0), as PUT /v2/account/fees does, and is recorded in "
    "the audit log (`set_fees`). A negative or out-of-bounds value is refused (422 naming the field) and nothing "
    "changes.",
    examples=[
        Example(
            name="per_share",
            summary="half a cent a share, at least $1 an order, 5 bps of slippage",
            path={"account_id": _ACCOUNT},
            body={"per_share": "0.005", "minimum": "1.00", "slippage_bps": "5"},
            response=_account_fees(_ACCOUNT, BROKER_LIKE),
        )
    ],
)
async def put_account_fees(request: web.Request) -> web.Response:
    """Replace an account's fee schedule and slippage, journaled and audited; answers the schedule now in force."""
    account_id = known_account_id(request)
    body = await read_model(request, FeesBody)
    schedule = await administration.set_fees(request.app[ENGINE], account_id, body.schedule())
    return json_response(_account_fees(str(account_id), schedule))
