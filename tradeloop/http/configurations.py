"""Routes: the account's configuration (Alpaca's GET/PATCH /v2/account/configurations)."""

from __future__ import annotations

from typing import Annotated, Final

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from tradeloop.actors.configuration import configure_account
from tradeloop.core.configurations import AccountConfig, ConfigChanges, ConfirmEmail, DayTradeCheck, MarginMultiplier
from tradeloop.errors import InvalidField
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_model
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.shapes.configurations import ConfigurationJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "account"


class ConfigurationBody(BaseModel):
    """Fields to set; a field left out or sent as null is left as it is (alpaca-py sends null for what it does not set)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    suspend_trade: bool | None = None
    fractional_trading: bool | None = None
    no_shorting: bool | None = None
    dtbp_check: DayTradeCheck | None = None
    pdt_check: DayTradeCheck | None = None
    trade_confirm_email: ConfirmEmail | None = None
    max_margin_multiplier: MarginMultiplier | None = None
    ptp_no_exception_entry: bool | None = None
    max_options_trading_level: Annotated[int | None, Field(ge=0, le=3)] = None

    def changes(self) -> ConfigChanges:
        """The core's changes: the same fields."""
        return ConfigChanges(**self.model_dump())


def configuration_json(config: AccountConfig) -> ConfigurationJson:
    """A configuration as Alpaca sends it."""
    return {
        "suspend_trade": config.suspend_trade,
        "fractional_trading": config.fractional_trading,
        "no_shorting": config.no_shorting,
        "dtbp_check": str(config.dtbp_check),
        "pdt_check": str(config.pdt_check),
        "trade_confirm_email": str(config.trade_confirm_email),
        "max_margin_multiplier": str(config.max_margin_multiplier),
        "ptp_no_exception_entry": config.ptp_no_exception_entry,
        "max_options_trading_level": config.max_options_trading_level,
    }


_DEFAULT_EXAMPLE: Final = configuration_json(AccountConfig())
_SUSPENDED_EXAMPLE: Final = configuration_json(AccountConfig(suspend_trade=True, fractional_trading=False))
_DESCRIPTION: Final = (
    "`suspend_trade` true refuses new orders and replacements (403, code 40310012; cancels pass). "
    "`fractional_trading` false refuses a fractional `qty` and any `notional` (422 naming the field). "
    "`no_shorting` is always true (a cash account never sells short; false is refused). "
    "`dtbp_check`, `pdt_check`, `trade_confirm_email`, `max_margin_multiplier`, `ptp_no_exception_entry` and "
    "`max_options_trading_level` do not apply to a paper cash account of stocks: they are kept as set, with no effect."
)


@routes.get("/v2/account/configurations")
@operation(
    tag=TAG,
    security=Security.KEYS,
    responses={200: ConfigurationJson},
    description=_DESCRIPTION,
    examples=[Example(name="defaults", summary="a new account's configuration", response=_DEFAULT_EXAMPLE)],
)
async def get_configurations(request: web.Request) -> web.Response:
    """The account's configuration."""
    return json_response(configuration_json(request.app[ENGINE].account(account_id(request)).config))


@routes.patch("/v2/account/configurations")
@operation(
    tag=TAG,
    security=Security.KEYS,
    body=ConfigurationBody,
    responses={200: ConfigurationJson},
    errors=(InvalidField,),
    description=_DESCRIPTION + " Fields left out or null are left as they are; the answer is the whole configuration.",
    examples=[
        Example(
            name="suspend",
            summary="suspend trading and whole shares only (the other fields are kept)",
            body={"suspend_trade": True, "fractional_trading": False, "pdt_check": None},
            response=_SUSPENDED_EXAMPLE,
        ),
    ],
)
async def patch_configurations(request: web.Request) -> web.Response:
    """Change some of the account's configuration, journaled; answers the whole configuration as it now stands."""
    body = await read_model(request, ConfigurationBody)
    config = await configure_account(request.app[ENGINE], account_id(request), body.changes())
    return json_response(configuration_json(config))
