"""Account configurations in the core: changes leave unset fields alone, and the switches that act refuse orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeloop.core.configurations import (
    AccountConfig,
    ConfigChanges,
    DayTradeCheck,
    MarginMultiplier,
    check_order,
    check_replacement,
)
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, ReplaceRequest, TimeInForce
from tradeloop.errors import InvalidField, TradingSuspended

D = Decimal


def buy(qty: str | None = None, notional: str | None = None) -> OrderRequest:
    return OrderRequest(
        symbol="AAPL",
        side=OrderSide.BUY,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.DAY,
        qty=None if qty is None else D(qty),
        notional=None if notional is None else D(notional),
    )


def test_changes_set_only_the_fields_they_name() -> None:
    config = AccountConfig(pdt_check=DayTradeCheck.BOTH)
    changed = ConfigChanges(suspend_trade=True, max_margin_multiplier=MarginMultiplier.TWO).applied_to(config)
    assert changed == AccountConfig(
        suspend_trade=True, max_margin_multiplier=MarginMultiplier.TWO, pdt_check=DayTradeCheck.BOTH
    )
    assert ConfigChanges().applied_to(changed) == changed


def test_false_is_a_change_not_a_missing_field() -> None:
    assert ConfigChanges(fractional_trading=False).applied_to(AccountConfig()).fractional_trading is False


def test_no_shorting_false_is_refused_naming_it() -> None:
    with pytest.raises(InvalidField, match="no_shorting"):
        ConfigChanges(no_shorting=False).check()
    ConfigChanges(no_shorting=True).check()


def test_suspended_trading_refuses_orders_and_replacements() -> None:
    suspended = AccountConfig(suspend_trade=True)
    with pytest.raises(TradingSuspended):
        check_order(suspended, buy("1"))
    with pytest.raises(TradingSuspended):
        check_replacement(suspended, ReplaceRequest(limit_price=D(1)))
    check_order(AccountConfig(), buy("1"))


def test_without_fractional_trading_only_whole_shares_pass() -> None:
    whole_only = AccountConfig(fractional_trading=False)
    check_order(whole_only, buy("3"))
    check_order(whole_only, buy("3.000"))
    with pytest.raises(InvalidField, match="qty"):
        check_order(whole_only, buy("0.5"))
    with pytest.raises(InvalidField, match="notional"):
        check_order(whole_only, buy(notional="250"))
    with pytest.raises(InvalidField, match="qty"):
        check_replacement(whole_only, ReplaceRequest(qty=D("1.5")))
    check_order(AccountConfig(), buy("0.5"))
