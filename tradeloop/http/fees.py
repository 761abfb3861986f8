"""Routes: the account's fee schedule and slippage (GET/PUT /v2/account/fees, ours: Alpaca's paper account has none)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Final

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from tradeloop.actors.fees import set_fee_schedule
from tradeloop.core.fees import BPS, NO_FEES, FeeSchedule
from tradeloop.core.money import ZERO, fmt
from tradeloop.errors import InvalidField
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_model
from tradeloop.http.keys import ENGINE
from tradeloop.http.numbers import Money, Percent, Price, bounded
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.shapes.fees import FeeScheduleJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "account"


class FeesBody(BaseModel):
    """The whole schedule: a field left out or null is 0, so a PUT of `{}` removes every fee and the slippage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_share: Price = None
    per_order: Money = None
    percent_of_notional: Percent = None
    minimum: Money = None
    slippage_bps: Annotated[Decimal | None, bounded(BPS, optional=True)] = None

    def schedule(self) -> FeeSchedule:
        """The core's schedule, not checked yet: the same fields, 0 where none is given."""
        return FeeSchedule(**{name: ZERO if value is None else value for name, value in self.model_dump().items()})


def fees_json(schedule: FeeSchedule) -> FeeScheduleJson:
    return {
        "per_share": fmt(schedule.per_share),
        "per_order": fmt(schedule.per_order),
        "percent_of_notional": fmt(schedule.percent_of_notional),
        "minimum": fmt(schedule.minimum),
        "slippage_bps": fmt(schedule.slippage_bps),
    }


BROKER_LIKE: Final = FeeSchedule(
    per_share=Decimal("0.005"), minimum=Decimal("1.00"), slippage_bps=Decimal("5")
)
DESCRIPTION: Final = (
    "An order that fills is charged, over all its fills, max(`minimum`, `per_order` + `per_share` × shares filled + "
    "`percent_of_notional`/100 × value filled), rounded half up to the cent; each fill pays the step in that figure, "
    "taken from cash with the fill and listed as a FEE activity. A fill's price moves `slippage_bps` basis points "
    "against the trader (a buy pays more, a sale gets less), rounded to the tick away from the trader and never past "
    "a limit price. Every field is 0 by default (no fees and no slippage, as Alpaca's paper account)."
)


@routes.get("/v2/account/fees")
@operation(
    tag=TAG,
    security=Security.KEYS,
    responses={200: FeeScheduleJson},
    description=DESCRIPTION,
    examples=[Example(name="none", summary="a new account: no fees, no slippage", response=fees_json(NO_FEES))],
)
async def get_fees(request: web.Request) -> web.Response:
    """The account's fee schedule and slippage."""
    return json_response(fees_json(request.app[ENGINE].account(account_id(request)).fees))


@routes.put("/v2/account/fees")
@operation(
    tag=TAG,
    security=Security.KEYS,
    body=FeesBody,
    responses={200: FeeScheduleJson},
    errors=(InvalidField,),
    description=DESCRIPTION
    + " PUT replaces the whole schedule (a field left out is 0): its fees apply to fills recorded after it, its "
    "slippage to orders accepted after it. A negative or out-of-bounds value is refused (422 naming the field) "
    "and nothing changes.",
    examples=[
        Example(
            name="per_share",
            summary="half a cent a share, at least $1 an order, 5 bps of slippage",
            body={"per_share": "0.005", "minimum": "1.00", "slippage_bps": "5"},
            response=fees_json(BROKER_LIKE),
        ),
    ],
)
async def put_fees(request: web.Request) -> web.Response:
    """Replace the account's fee schedule and slippage, journaled; answers the schedule now in force."""
    body = await read_model(request, FeesBody)
    schedule = await set_fee_schedule(request.app[ENGINE], account_id(request), body.schedule())
    return json_response(fees_json(schedule))
