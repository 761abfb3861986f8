"""StrategyRun: decisions on completed bars, sized and priced in Decimal, with cooldown, limits and stable ids."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeloop.core.instruments import Asset
from tradeloop.core.linked import validate_linked
from tradeloop.core.orders import (
    MAX_CLIENT_ORDER_ID,
    OrderClass,
    OrderRequest,
    OrderSide,
    OrderType,
    StopLoss,
    TakeProfit,
    TimeInForce,
    validate_request,
)
from tradeloop.strategy.definition import parse_definition
from tradeloop.strategy.run import Decision, strategy_client_order_id

from .factories import (
    STRATEGY_ID,
    SYMBOL,
    T0,
    bar,
    bars,
    close_above,
    example,
    flat,
    holding,
    make_run,
    threshold_definition,
)

ASSET = Asset(symbol=SYMBOL, name="Apple", exchange="NASDAQ", reference_price=Decimal("100"))


def _entry(decision: Decision | None, close: str | None = None) -> OrderRequest:
    """The entry's request, checked by the core validation any order meets (the linked rules at `close`, if given)."""
    assert decision is not None and decision.rule == "entry" and decision.refusal is None, decision
    request = decision.request
    assert request is not None
    validate_request(request, ASSET)
    if close is not None:
        validate_linked(request, Decimal(close))
    return request


def _first_decision(definition_changes: dict[str, Any], close: str, view: Any = None) -> Decision | None:
    run = make_run(threshold_definition(**definition_changes))
    return run.on_bar(bar(close), view or flat())


def test_qty_sizing_buys_the_given_quantity_as_a_decimal_market_order() -> None:
    request = _entry(_first_decision({}, "101.37"))
    assert request.qty == Decimal("10") and isinstance(request.qty, Decimal)
    assert (request.side, request.type, request.time_in_force) == (OrderSide.BUY, OrderType.MARKET, TimeInForce.DAY)
    assert request.order_class is OrderClass.SIMPLE and request.strategy_id == STRATEGY_ID


def test_fractional_qty_sizing_keeps_its_fraction() -> None:
    request = _entry(_first_decision({"sizing": {"type": "qty", "value": "0.25"}}, "101.37"))
    assert request.qty == Decimal("0.25")


def test_notional_sizing_buys_whole_shares_at_the_close_rounded_down() -> None:
    request = _entry(_first_decision({"sizing": {"type": "notional", "value": "1000"}}, "101.37"))
    assert request.qty == Decimal(9)  # 1000 / 101.37 = 9.86


@given(
    equity_cents=st.integers(min_value=0, max_value=10**11),
    percent=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2),
    close_cents=st.integers(min_value=10_001, max_value=10**7),
)
def test_percent_equity_sizing_spends_at_most_the_share_of_equity_in_whole_shares(
    equity_cents: int, percent: Decimal, close_cents: int
) -> None:
    equity, close = Decimal(equity_cents) / 100, Decimal(close_cents) / 100
    view = flat(equity=str(equity))
    decision = _first_decision({"sizing": {"type": "percent_equity", "value": str(percent)}}, str(close), view)
    assert decision is not None
    budget = equity * percent / 100
    if decision.request is None:
        assert decision.refusal == "size rounds to zero" and budget < close
        return
    qty = decision.request.qty
    assert qty is not None and qty == qty.to_integral_value() and qty >= 1
    assert qty * close <= budget < (qty + 1) * close


def test_a_size_that_rounds_to_zero_is_a_refusal_with_no_request() -> None:
    decision = _first_decision({"sizing": {"type": "notional", "value": "50"}}, "101.37")
    assert decision is not None and decision.request is None and decision.refusal == "size rounds to zero"


def test_limit_orders_are_offset_from_the_close_and_rounded_to_the_cent() -> None:
    orders = {"type": "limit", "time_in_force": "gtc", "offset_percent": "1.5"}
    request = _entry(_first_decision({"orders": orders}, "100.37"))
    assert request.type is OrderType.LIMIT and request.time_in_force is TimeInForce.GTC
    assert request.limit_price == Decimal("98.86")  # 100.37 × 0.985 = 98.86445
    run = make_run(threshold_definition(orders=orders))
    exit_ = run.on_bar(bar("110.37"), holding("10", "100"))
    assert exit_ is not None and exit_.request is not None
    assert exit_.request.limit_price == Decimal("112.03")  # 110.37 × 1.015 = 112.02555, half up


def test_stop_loss_and_take_profit_percent_make_a_bracket_priced_from_the_close() -> None:
    risk = {"stop_loss": {"percent": "2"}, "take_profit": {"percent": "5"}}
    request = _entry(_first_decision({"risk": risk}, "100.37"), "100.37")
    assert request.order_class is OrderClass.BRACKET
    assert request.stop_loss == StopLoss(stop_price=Decimal("98.36"))  # 98.3626
    assert request.take_profit == TakeProfit(limit_price=Decimal("105.39"))  # 105.3885


def test_a_limit_entry_prices_its_exits_from_the_limit_price() -> None:
    orders = {"type": "limit", "offset_percent": "1"}
    risk = {"stop_loss": {"percent": "2"}, "take_profit": {"percent": "5"}}
    request = _entry(_first_decision({"orders": orders, "risk": risk}, "100.50"), "100.50")
    assert request.limit_price == Decimal("99.50")  # 99.495, half up
    assert request.stop_loss == StopLoss(stop_price=Decimal("97.51"))  # 99.50 - 1.99
    assert request.take_profit == TakeProfit(limit_price=Decimal("104.48"))  # 99.50 + 4.975, half up


def test_one_protective_exit_makes_an_oto_and_a_trailing_stop_trails_by_percent() -> None:
    only_profit = _entry(_first_decision({"risk": {"take_profit": {"percent": "5"}}}, "101"), "101")
    assert only_profit.order_class is OrderClass.OTO and only_profit.stop_loss is None
    trailing = _entry(_first_decision({"risk": {"trailing_stop": {"percent": "3"}}}, "101"), "101")
    assert trailing.order_class is OrderClass.OTO and trailing.stop_loss == StopLoss(trail_percent=Decimal("3"))
    risk = {"trailing_stop": {"percent": "3"}, "take_profit": {"percent": "5"}}
    both = _entry(_first_decision({"risk": risk}, "101"), "101")
    assert both.order_class is OrderClass.BRACKET


def test_atr_multiple_exits_read_the_definition_s_atr_indicator() -> None:
    definition = threshold_definition(
        indicators={"vol": {"type": "atr", "period": 3}},
        risk={"stop_loss": {"atr": "2"}, "take_profit": {"atr": "3"}},
    )
    run = make_run(definition)
    run.warm([bar("100.37", minute, spread="0.40") for minute in range(4)])  # a true range of 0.80 on every bar
    decision = run.on_bar(bar("100.37", 4, spread="0.40"), flat())
    request = _entry(decision, "100.37")
    atr = run.value("vol")
    assert atr is not None and abs(atr - 0.8) < 1e-9
    assert request.stop_loss == StopLoss(stop_price=Decimal("98.77"))  # 100.37 - 2 × 0.8
    assert request.take_profit == TakeProfit(limit_price=Decimal("102.77"))  # 100.37 + 3 × 0.8


def test_an_atr_exit_with_no_atr_indicator_uses_an_implicit_atr_14_and_waits_for_it() -> None:
    definition = threshold_definition(risk={"stop_loss": {"atr": "1"}})
    run = make_run(definition)
    assert run.lookback == 16  # atr(14) needs 15 bars, and one more for the values a bar earlier
    assert run.on_bar(bar("100.37", spread="0.25"), flat()) is None  # warming up: no decision at all
    run.warm([bar("100.37", minute, spread="0.25") for minute in range(1, 15)])  # true range 0.50 on every bar
    request = _entry(run.on_bar(bar("100.37", 15, spread="0.25"), flat()), "100.37")
    assert request.stop_loss == StopLoss(stop_price=Decimal("99.87"))


def test_an_exit_sells_the_whole_position_at_market_and_names_its_operands() -> None:
    run = make_run(threshold_definition())
    decision = run.on_bar(bar("110.50"), holding("7", "100"))
    assert decision is not None and decision.rule == "exit" and decision.side is OrderSide.SELL
    assert decision.request is not None
    assert (decision.request.qty, decision.request.type) == (Decimal("7"), OrderType.MARKET)
    assert decision.request.order_class is OrderClass.SIMPLE
    assert decision.values == {"close": "110.5"}
    validate_request(decision.request, ASSET)


def test_the_exit_is_evaluated_only_when_open_and_the_entry_only_when_flat() -> None:
    run = make_run(threshold_definition())
    assert run.on_bar(bar("111", 0), holding("5", "100")) is not None  # would enter too, but the position is open
    decision = run.on_bar(bar("111", 1), flat())
    assert decision is not None and decision.rule == "entry"
    assert make_run(threshold_definition()).on_bar(bar("105"), holding("5", "100")) is None


def test_position_fields_are_operands_of_the_exit() -> None:
    definition = threshold_definition(
        exit={"when": {"any": [{"op": ">=", "left": "position.bars_held", "right": "3"},
                               {"op": ">", "left": "position.unrealized_plpc", "right": "0.05"}]}},
    )
    run = make_run(definition)
    assert _entry(run.on_bar(bar("101", 0), flat()))
    assert run.on_bar(bar("101", 1), holding("10", "101")) is None  # held 1 bar
    assert run.on_bar(bar("101", 2), holding("10", "101")) is None  # held 2 bars
    decision = run.on_bar(bar("101", 3), holding("10", "101"))
    assert decision is not None and decision.rule == "exit"
    assert decision.values["position.bars_held"] == "3.0"
    gain = make_run(definition)
    decision = gain.on_bar(bar("106", 0), holding("10", "100", last_price="106"))
    assert decision is not None and decision.rule == "exit" and decision.values["position.unrealized_plpc"] == "0.06"


def test_cooldown_bars_refuse_entries_until_that_many_bars_passed_since_the_exit() -> None:
    run = make_run(threshold_definition(limits={"cooldown_bars": 2}))
    exit_ = run.on_bar(bar("111", 0), holding("10", "100"))
    assert exit_ is not None and exit_.rule == "exit"
    for minute in (1, 2):
        refused = run.on_bar(bar("105", minute), flat())
        assert refused is not None and refused.request is None
        assert refused.refusal == f"cooldown: {minute} of 2 bars since the last exit"
    assert _entry(run.on_bar(bar("105", 3), flat())).qty == Decimal(10)


def test_a_position_closed_outside_the_rules_starts_the_cooldown_too() -> None:
    run = make_run(threshold_definition(limits={"cooldown_bars": 1}))
    assert _entry(run.on_bar(bar("101", 0), flat()))
    assert run.on_bar(bar("101", 1), holding("10", "101")) is None
    stopped = run.on_bar(bar("101", 2), flat())  # the stop-loss filled during this bar
    assert stopped is not None and stopped.refusal == "cooldown: 1 of 1 bars since the last exit"
    assert _entry(run.on_bar(bar("101", 3), flat()))


def test_max_open_positions_refuses_an_entry_when_the_strategy_holds_that_many() -> None:
    definition = threshold_definition(limits={"max_open_positions": 2})
    refused = make_run(definition).on_bar(bar("101"), flat(open_positions=2))
    assert refused is not None and refused.request is None and refused.refusal == "max_open_positions reached (2)"
    assert _entry(make_run(definition).on_bar(bar("101"), flat(open_positions=1)))


def test_the_client_order_id_is_deterministic_short_and_carried_by_the_request() -> None:
    decision = _first_decision({}, "101")
    assert decision is not None and decision.request is not None
    expected = strategy_client_order_id(STRATEGY_ID, 1, SYMBOL, T0, "entry")
    assert decision.client_order_id == decision.request.client_order_id == expected
    assert expected == strategy_client_order_id(STRATEGY_ID, 1, SYMBOL, T0, "entry")
    assert len(expected) <= 48 <= MAX_CLIENT_ORDER_ID
    others = {
        strategy_client_order_id(UUID(int=1), 1, SYMBOL, T0, "entry"),
        strategy_client_order_id(STRATEGY_ID, 2, SYMBOL, T0, "entry"),
        strategy_client_order_id(STRATEGY_ID, 1, "MSFT", T0, "entry"),
        strategy_client_order_id(STRATEGY_ID, 1, SYMBOL, T0 + timedelta(minutes=5), "entry"),
        strategy_client_order_id(STRATEGY_ID, 1, SYMBOL, T0, "exit"),
    }
    assert len(others) == 5 and expected not in others
    replayed = _first_decision({}, "101")
    assert replayed is not None and replayed.client_order_id == expected  # a replay of the same bar: the same id


def test_a_warmed_run_acts_on_its_first_live_bar() -> None:
    definition = parse_definition(
        example(
            symbols=[SYMBOL],
            timeframe="1Min",
            indicators={"fast": {"type": "sma", "period": 2}, "slow": {"type": "sma", "period": 4}},
            exit=None,
            risk=None,
            limits=None,
        )
    )
    run = make_run(definition)
    assert run.lookback == 5
    run.warm(bars(["10", "10", "10", "10", "9"]))  # fast 9.5 < slow 9.75 on the last warm-up bar
    decision = run.on_bar(bar("12", 5), flat())  # fast 10.5 > slow 10.25: a cross
    assert decision is not None and decision.rule == "entry" and decision.bar_time == T0 + timedelta(minutes=5)
    assert decision.values == {"fast": "10.5", "fast[-1]": "9.5", "slow": "10.25", "slow[-1]": "9.75"}
    assert _entry(decision).qty == Decimal(833)  # 10% of 100000 at 12, whole shares


def test_warm_up_bars_never_decide_and_a_short_warm_up_waits_for_live_bars() -> None:
    definition = threshold_definition(indicators={"slow": {"type": "sma", "period": 3}})
    run = make_run(definition)
    run.warm(bars(["101"]))
    assert run.on_bar(bar("101", 1), flat()) is None  # sma(3) has no value after two bars
    assert run.on_bar(bar("101", 2), flat()) is not None


def test_restore_counts_bars_held_from_the_entry_signal_among_the_warm_up_bars() -> None:
    definition = threshold_definition(exit={"when": {"op": ">=", "left": "position.bars_held", "right": "4"}})
    run = make_run(definition)
    run.warm(bars(["101"] * 5))
    run.restore(entry_bar=T0 + timedelta(minutes=2), exit_bar=None)  # bars 3 and 4 came after the entry's bar
    assert run.on_bar(bar("101", 5), holding("10", "101")) is None  # held 3 bars
    decision = run.on_bar(bar("101", 6), holding("10", "101"))
    assert decision is not None and decision.rule == "exit"


def test_restore_resumes_the_cooldown_from_the_exit_signal() -> None:
    run = make_run(threshold_definition(limits={"cooldown_bars": 3}))
    run.restore(entry_bar=None, exit_bar=T0)
    run.warm(bars(["99", "99"], first_minute=1))
    refused = run.on_bar(bar("101", 3), flat())
    assert refused is not None and refused.refusal == "cooldown: 3 of 3 bars since the last exit"
    assert _entry(run.on_bar(bar("101", 4), flat()))


@pytest.mark.parametrize("rule", [close_above("100")])
def test_a_run_without_exit_rules_never_exits(rule: dict[str, Any]) -> None:
    run = make_run(threshold_definition(entry=rule, exit=None))
    assert run.on_bar(bar("200"), holding("10", "100")) is None
