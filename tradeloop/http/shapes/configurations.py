"""Shape of the account's configuration (Alpaca v2 /v2/account/configurations)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from tradeloop.core.configurations import ConfirmEmail, DayTradeCheck, MarginMultiplier

DayTradeCheckText = Annotated[str, Field(json_schema_extra={"enum": [str(each) for each in DayTradeCheck]})]
ConfirmEmailText = Annotated[str, Field(json_schema_extra={"enum": [str(each) for each in ConfirmEmail]})]
MarginMultiplierText = Annotated[str, Field(json_schema_extra={"enum": [str(each) for each in MarginMultiplier]})]


class ConfigurationJson(TypedDict):
    """The account's configuration, with every field alpaca-py's `AccountConfiguration` reads."""

    suspend_trade: bool
    fractional_trading: bool
    no_shorting: bool
    dtbp_check: DayTradeCheckText
    pdt_check: DayTradeCheckText
    trade_confirm_email: ConfirmEmailText
    max_margin_multiplier: MarginMultiplierText
    ptp_no_exception_entry: bool
    max_options_trading_level: int | None
