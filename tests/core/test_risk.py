"""Risk checks and the loss limits, by plain function calls on Decimal."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import ACCOUNT_ID, T0, make_terms
from tradeloop.core.events import PeakEquitySet, RiskWarned, TradingStateChanged
from tradeloop.core.orders import OrderSide, OrderType
from tradeloop.core.risk import (
    OrderContext,
    check_order,
    check_state_change,
    daily_loss_allowed,
    equity_floor,
    review_equity,
    watch_bands,
)
from tradeloop.core.risk_limits import BreachAction, RiskLimits, RiskProfile, StateSource, TradingState
from tradeloop.errors import RiskLimitExceeded, TradingStateRefused

D = Decimal
money = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2)
percents = st.decimals(min_value=D("0.01"), max_value=D("100"), places=2)


def context(**overrides: object) -> OrderContext:
    values: dict[str, object] = {
        "price": D("100"),
        "position_qty": D(0),
        "equity": D("10000"),
        "open_orders": 0,
        "orders_last_minute": 0,
    }
    values.update(overrides)
    return OrderContext(**values)  # type: ignore[arg-type]


def test_an_order_over_max_order_notional_is_refused_naming_the_limit_the_value_and_the_figure() -> None:
    risk = RiskProfile(limits=RiskLimits(max_order_notional=D("500")))
    with pytest.raises(RiskLimitExceeded) as caught:
        check_order(risk, make_terms(qty=D(6)), context())
    assert caught.value.message == "max_order_notional is 500: the order's notional would be 600.00"
    assert caught.value.extra == {"limit": "max_order_notional", "value": "500", "figure": "600.00"}


def test_checks_passed_carry_their_headroom() -> None:
    risk = RiskProfile(limits=RiskLimits(max_order_notional=D("500"), max_open_orders=3))
    checks = check_order(risk, make_terms(qty=D(4)), context(open_orders=1))
    assert [(c.limit, c.headroom) for c in checks] == [("max_order_notional", D("100.00")), ("max_open_orders", D(1))]


def test_position_limits_count_what_is_held_already() -> None:
    risk = RiskProfile(limits=RiskLimits(max_position_percent_of_equity=D("20")))
    with pytest.raises(RiskLimitExceeded, match="max_position_percent_of_equity is 20: .* would be 21.00"):
        check_order(risk, make_terms(qty=D(1)), context(position_qty=D(20)))


def test_halted_refuses_every_new_order_and_reducing_only_those_that_do_not_reduce() -> None:
    halted = RiskProfile(state=TradingState.HALTED, reason="by hand")
    with pytest.raises(TradingStateRefused, match=r"HALTED \(by hand\)"):
        check_order(halted, make_terms(side=OrderSide.SELL, qty=D(1)), context(position_qty=D(5)))
    reducing = RiskProfile(state=TradingState.REDUCING)
    with pytest.raises(TradingStateRefused, match="REDUCING"):
        check_order(reducing, make_terms(qty=D(1)), context(position_qty=D(5)))
    assert check_order(reducing, make_terms(side=OrderSide.SELL, qty=D(5)), context(position_qty=D(5))) == []


def test_a_reducing_sell_is_not_held_to_position_limits() -> None:
    risk = RiskProfile(limits=RiskLimits(max_position_notional=D("1")))
    assert check_order(risk, make_terms(side=OrderSide.SELL, qty=D(5), type=OrderType.MARKET), context(position_qty=D(5))) == []


@given(start=money, equity=money, limit=money)
def test_the_daily_loss_is_start_minus_equity_and_reaching_the_limit_halts(start: D, equity: D, limit: D) -> None:
    risk = RiskProfile(limits=RiskLimits(daily_loss_limit=limit))
    found = review_equity(risk, account_id=ACCOUNT_ID, equity=equity, start_equity=start, now=T0)
    halts = [e for e in found if isinstance(e, TradingStateChanged)]
    assert bool(halts) == (start - equity >= limit)
    if halts:
        assert halts[0].state is TradingState.HALTED and halts[0].source is StateSource.DAILY_LOSS
        assert f"the session's loss is {start - equity}" in halts[0].reason


@given(start=money, percent=st.decimals(min_value=D("0.01"), max_value=D("100"), places=2), amount=money)
def test_the_tighter_of_the_amount_and_the_percent_applies(start: D, percent: D, amount: D) -> None:
    limits = RiskLimits(daily_loss_limit=amount, daily_loss_limit_percent=percent)
    allowed = daily_loss_allowed(limits, start)
    assert allowed == min(amount, (start * percent / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP))  # money's rounding


def test_a_breach_with_the_reduce_action_sets_reducing_and_halt_and_flatten_asks_to_flatten() -> None:
    for action, state, flatten in [
        (BreachAction.REDUCE, TradingState.REDUCING, False),
        (BreachAction.HALT_AND_FLATTEN, TradingState.HALTED, True),
    ]:
        risk = RiskProfile(limits=RiskLimits(daily_loss_limit=D(100), daily_loss_action=action))
        [changed] = review_equity(risk, account_id=ACCOUNT_ID, equity=D(900), start_equity=D(1000), now=T0)
        assert isinstance(changed, TradingStateChanged)
        assert (changed.state, changed.flatten) == (state, flatten)


def test_a_loss_near_the_limit_warns_once() -> None:
    risk = RiskProfile(limits=RiskLimits(daily_loss_limit=D(100)))
    [warned] = review_equity(risk, account_id=ACCOUNT_ID, equity=D(915), start_equity=D(1000), now=T0)
    assert isinstance(warned, RiskWarned) and warned.limit == "daily_loss_limit"
    risk.warned.append("daily_loss_limit")
    assert review_equity(risk, account_id=ACCOUNT_ID, equity=D(915), start_equity=D(1000), now=T0) == []


@given(limit=money, warn_at=percents, start=money)
def test_a_daily_loss_warns_from_its_warn_at_percent_of_the_limit_not_before(limit: D, warn_at: D, start: D) -> None:
    risk = RiskProfile(limits=RiskLimits(daily_loss_limit=limit, warn_at_percent=warn_at))
    at = limit * warn_at / 100
    for loss in (at - D("0.01"), at, limit - D("0.01")):
        found = review_equity(risk, account_id=ACCOUNT_ID, equity=start - loss, start_equity=start, now=T0)
        warned = [e.limit for e in found if isinstance(e, RiskWarned)]
        assert warned == (["daily_loss_limit"] if at <= loss < limit else []), loss


def test_a_warning_at_half_the_daily_loss_limit_comes_at_half_and_the_default_is_80_percent() -> None:
    assert RiskLimits().warn_at_percent == D(80)
    half = RiskProfile(limits=RiskLimits(daily_loss_limit=D(100), warn_at_percent=D(50)))
    assert review_equity(half, account_id=ACCOUNT_ID, equity=D("950.01"), start_equity=D(1000), now=T0) == []
    [warned] = review_equity(half, account_id=ACCOUNT_ID, equity=D(950), start_equity=D(1000), now=T0)
    assert isinstance(warned, RiskWarned) and warned.message == "daily_loss_limit 100: the session's loss is 50.00"
    default = RiskProfile(limits=RiskLimits(daily_loss_limit=D(100)))
    assert review_equity(default, account_id=ACCOUNT_ID, equity=D(950), start_equity=D(1000), now=T0) == []


def test_a_drawdown_warns_from_its_warn_at_percent_of_the_limit() -> None:
    risk = RiskProfile(limits=RiskLimits(max_drawdown_percent=D(10), warn_at_percent=D(25)), peak_equity=D(1000))
    assert review_equity(risk, account_id=ACCOUNT_ID, equity=D("975.01"), start_equity=D(1000), now=T0) == []
    [warned] = review_equity(risk, account_id=ACCOUNT_ID, equity=D(975), start_equity=D(1000), now=T0)
    assert isinstance(warned, RiskWarned) and warned.limit == "max_drawdown_percent"


@given(limit=money, warn_at=percents, start=money, qty=st.integers(1, 500))
def test_the_equity_floor_and_the_band_below_a_price_sit_where_the_warning_begins(
    limit: D, warn_at: D, start: D, qty: int
) -> None:
    risk = RiskProfile(limits=RiskLimits(daily_loss_limit=limit, warn_at_percent=warn_at))
    floor = equity_floor(risk, start)
    assert floor == start - limit * warn_at / 100
    warned = review_equity(risk, account_id=ACCOUNT_ID, equity=floor, start_equity=start, now=T0)
    assert warned and all(isinstance(e, (RiskWarned, TradingStateChanged)) for e in warned)
    price = D(start) / qty + limit  # the whole equity in one position, priced so the band's low stays positive
    [(low, high)] = watch_bands(risk, holdings={"S": (D(qty), price)}, equity=start, start_equity=start).values()
    assert high is None and low == price - (start - floor) / qty


@given(peak=money, equity=money, percent=st.decimals(min_value=D("0.01"), max_value=D("99"), places=2))
def test_drawdown_from_the_peak_sets_reducing_and_the_peak_only_rises(peak: D, equity: D, percent: D) -> None:
    risk = RiskProfile(limits=RiskLimits(max_drawdown_percent=percent), peak_equity=peak)
    found = review_equity(risk, account_id=ACCOUNT_ID, equity=equity, start_equity=equity, now=T0)
    peaks = [e.peak_equity for e in found if isinstance(e, PeakEquitySet)]
    assert peaks == ([equity] if equity > peak else [])
    reducing = [e for e in found if isinstance(e, TradingStateChanged)]
    drawn = (peak - equity) / peak * 100
    assert bool(reducing) == (equity < peak and drawn.quantize(D("0.0001")) >= percent)


@given(
    cash=money,
    held=st.lists(
        st.tuples(st.integers(1, 500), st.decimals(min_value=D("1"), max_value=D("1000"), places=2)), min_size=1, max_size=4
    ),
    moves=st.lists(st.decimals(min_value=D("-0.99"), max_value=D("0.99"), places=2), min_size=4, max_size=4),
    warn_at=percents,
)
def test_while_every_price_stays_inside_its_band_no_review_finds_anything(
    cash: D, held: list[tuple[int, D]], moves: list[D], warn_at: D
) -> None:
    start = cash + sum((D(q) * p for q, p in held), D(0))
    limits = RiskLimits(daily_loss_limit=start / 4, max_drawdown_percent=D(10), warn_at_percent=warn_at)
    risk = RiskProfile(limits=limits, peak_equity=start)
    holdings = {f"S{i}": (D(q), p) for i, (q, p) in enumerate(held)}
    bands = watch_bands(risk, holdings=holdings, equity=start, start_equity=start)
    moved = {}
    for (symbol, (qty, price)), move in zip(holdings.items(), moves, strict=False):
        low, high = bands[symbol]
        assert high is not None
        target = price * (1 + move)
        if low < target < high:
            moved[symbol] = (qty, target)
        else:
            moved[symbol] = (qty, price)
    equity = cash + sum((q * p for q, p in moved.values()), D(0))
    assert review_equity(risk, account_id=ACCOUNT_ID, equity=equity, start_equity=start, now=T0) == [] or equity > start


def test_an_owner_may_tighten_any_state_but_not_lift_one_the_daily_loss_limit_or_an_administrator_set() -> None:
    breached = RiskProfile(state=TradingState.HALTED, source=StateSource.DAILY_LOSS, reason="daily_loss_limit 400 reached")
    with pytest.raises(TradingStateRefused, match=r"set by daily_loss_limit \(daily_loss_limit 400 reached\): it lasts until the next session"):
        check_state_change(breached, TradingState.ACTIVE, StateSource.USER)
    with pytest.raises(TradingStateRefused):
        check_state_change(breached, TradingState.REDUCING, StateSource.USER)
    check_state_change(breached, TradingState.ACTIVE, StateSource.ADMIN)
    check_state_change(breached, TradingState.ACTIVE, StateSource.SESSION)
    by_admin = RiskProfile(state=TradingState.REDUCING, source=StateSource.ADMIN, reason="review")
    with pytest.raises(TradingStateRefused, match="until an administrator lifts it"):
        check_state_change(by_admin, TradingState.ACTIVE, StateSource.USER)
    check_state_change(by_admin, TradingState.HALTED, StateSource.USER)  # stricter: the owner's kill switch
    drawn = RiskProfile(state=TradingState.REDUCING, source=StateSource.DRAWDOWN, reason="drawdown")
    check_state_change(drawn, TradingState.ACTIVE, StateSource.USER)
