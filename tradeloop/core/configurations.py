"""Account configurations (Alpaca's /v2/account/configurations): the owner's switches, and the order checks they make.

Only `suspend_trade` and `fractional_trading` change what the server does. A
cash account never sells short, so `no_shorting` is always true; the rest
(margin, day-trade checks, confirmation e-mails, PTP symbols, options levels)
do not apply to a paper cash account of stocks and are kept only as set.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal
from enum import StrEnum

from tradeloop.core.orders import OrderRequest, ReplaceRequest
from tradeloop.errors import InvalidField, TradingSuspended


class DayTradeCheck(StrEnum):
    """When Alpaca runs a day-trade check (dtbp_check, pdt_check): stored, no effect here."""

    BOTH = "both"
    ENTRY = "entry"
    EXIT = "exit"


class ConfirmEmail(StrEnum):
    """Whether Alpaca e-mails trade confirmations: stored, no effect here."""

    ALL = "all"
    NONE = "none"


class MarginMultiplier(StrEnum):
    """Alpaca's max_margin_multiplier: stored, no effect here (a cash account buys with its cash)."""

    ONE = "1"
    TWO = "2"
    FOUR = "4"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountConfig:
    """An account's configuration; every field has a default, so a record from before a field existed decodes."""

    suspend_trade: bool = False
    """True: new orders and replacements are refused; cancels pass."""
    fractional_trading: bool = True
    """False: fractional quantities and notional orders are refused."""
    no_shorting: bool = True
    """Always true: a cash account never sells short."""
    dtbp_check: DayTradeCheck = DayTradeCheck.ENTRY
    pdt_check: DayTradeCheck = DayTradeCheck.ENTRY
    trade_confirm_email: ConfirmEmail = ConfirmEmail.ALL
    max_margin_multiplier: MarginMultiplier = MarginMultiplier.ONE
    ptp_no_exception_entry: bool = False
    max_options_trading_level: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigChanges:
    """Fields to set; None leaves a field as it is (alpaca-py sends null for what it does not set)."""

    suspend_trade: bool | None = None
    fractional_trading: bool | None = None
    no_shorting: bool | None = None
    dtbp_check: DayTradeCheck | None = None
    pdt_check: DayTradeCheck | None = None
    trade_confirm_email: ConfirmEmail | None = None
    max_margin_multiplier: MarginMultiplier | None = None
    ptp_no_exception_entry: bool | None = None
    max_options_trading_level: int | None = None

    def applied_to(self, config: AccountConfig) -> AccountConfig:
        """The configuration with every field this sets changed."""
        changed = {each.name: getattr(self, each.name) for each in fields(self)}
        return replace(config, **{name: value for name, value in changed.items() if value is not None})

    def check(self) -> None:
        """Raises: InvalidField for no_shorting false (a cash account cannot sell short)."""
        if self.no_shorting is False:
            raise InvalidField("no_shorting", "a cash account never sells short; only true is accepted")


def check_order(config: AccountConfig, request: OrderRequest) -> None:
    """Refuse an order the configuration rules out.

    Raises:
        TradingSuspended: suspend_trade is on. InvalidField: a fractional qty or a notional while fractional_trading is off.
    """
    if config.suspend_trade:
        raise TradingSuspended("trading is suspended by the account's configuration (suspend_trade): new orders are refused")
    if not config.fractional_trading:
        if request.notional is not None:
            raise InvalidField("notional", "fractional trading is disabled for this account (fractional_trading)")
        _check_whole("qty", request.qty)


def check_replacement(config: AccountConfig, change: ReplaceRequest) -> None:
    """Refuse a replacement the configuration rules out.

    Raises:
        TradingSuspended: suspend_trade is on. InvalidField: a fractional qty while fractional_trading is off.
    """
    if config.suspend_trade:
        raise TradingSuspended("trading is suspended by the account's configuration (suspend_trade): replacements are refused")
    if not config.fractional_trading:
        _check_whole("qty", change.qty)


def _check_whole(field: str, qty: Decimal | None) -> None:
    if qty is not None and qty != qty.to_integral_value():
        raise InvalidField(field, "fractional trading is disabled for this account (fractional_trading): whole shares only")
