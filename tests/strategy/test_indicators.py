"""Indicators: each streaming indicator equals TA-Lib's batch function over the same bars, bar by bar."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from talib import abstract

from tradeloop.core.bars import Bar
from tradeloop.strategy.definition import COMPONENTS, IndicatorSpec
from tradeloop.strategy.indicators import INPUT_INDEX, IndicatorBank, bar_inputs, input_reader, plan_of

from .factories import SYMBOL, T0

SPEC: TypeAdapter[IndicatorSpec] = TypeAdapter(IndicatorSpec)
SOURCES = st.sampled_from(["open", "high", "low", "close", "volume", "hlc3"])
PERIOD = st.integers(min_value=2, max_value=12)


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """Any indicator the language offers, with parameters small enough for short series."""
    kind = draw(st.sampled_from(["sma", "ema", "wma", "rsi", "macd", "bbands", "atr", "stoch", "adx", "obv", "vwap"]))
    if kind in ("sma", "ema", "wma", "rsi"):
        return {"type": kind, "period": draw(PERIOD), "source": draw(SOURCES)}
    if kind == "macd":
        fast = draw(st.integers(min_value=2, max_value=8))
        slow = draw(st.integers(min_value=fast + 1, max_value=14))
        return {"type": kind, "fast_period": fast, "slow_period": slow, "signal_period": draw(PERIOD), "source": draw(SOURCES)}
    if kind == "bbands":
        deviations = st.sampled_from([0.5, 1.0, 2.0, 2.5])
        return {"type": kind, "period": draw(PERIOD), "nbdev_up": draw(deviations), "nbdev_down": draw(deviations)}
    if kind in ("atr", "adx"):
        return {"type": kind, "period": draw(PERIOD)}
    if kind == "stoch":
        small = st.integers(min_value=1, max_value=6)
        return {"type": kind, "fastk_period": draw(small), "slowk_period": draw(small), "slowd_period": draw(small)}
    if kind == "obv":
        return {"type": kind, "source": draw(SOURCES)}
    return {"type": kind}


@st.composite
def series(draw: st.DrawFn) -> list[Bar]:
    """Bars of a random walk in cents, with consistent open, high, low and close, and random volumes."""
    count = draw(st.integers(min_value=1, max_value=70))
    price = draw(st.integers(min_value=1_000, max_value=50_000))
    out = []
    for index in range(count):
        open_ = max(100, price + draw(st.integers(min_value=-300, max_value=300)))
        close = max(100, open_ + draw(st.integers(min_value=-300, max_value=300)))
        high = max(open_, close) + draw(st.integers(min_value=0, max_value=200))
        low = max(1, min(open_, close) - draw(st.integers(min_value=0, max_value=200)))
        volume = Decimal(draw(st.integers(min_value=0, max_value=10_000)))
        cent = Decimal("0.01")
        out.append(
            Bar(
                symbol=SYMBOL,
                timestamp=T0 + timedelta(minutes=index),
                open=open_ * cent,
                high=high * cent,
                low=low * cent,
                close=close * cent,
                volume=volume,
                trade_count=1,
                notional=close * cent * volume,
            )
        )
        price = close
    return out


def _close(streamed: float | None, batch: float) -> bool:
    if math.isnan(batch):
        return streamed is None
    return streamed is not None and math.isclose(streamed, batch, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(spec=specs(), bars=series())
def test_each_streaming_indicator_equals_ta_lib_s_batch_function_on_every_bar(spec: dict[str, Any], bars: list[Bar]) -> None:
    parsed = SPEC.validate_python(spec)
    plan = plan_of(parsed)
    bank = IndicatorBank({"x": parsed})
    refs = [f"x.{component}" for component in COMPONENTS[spec["type"]]] if spec["type"] in COMPONENTS else ["x"]
    inputs = [bar_inputs(bar) for bar in bars]
    history = [[row[index] for row in inputs] for index in plan.inputs]
    expected = plan.batch(history)
    for index, bar in enumerate(bars):
        bank.update(bar)
        for ref, output in zip(refs, expected, strict=True):
            assert _close(bank.value(ref), float(output[index])), (ref, index, bank.value(ref), output[index])
            if index > 0:
                assert _close(bank.previous(ref), float(output[index - 1])), (ref, index)


def test_the_batch_reference_is_ta_lib_s_own_function() -> None:
    plan = plan_of(SPEC.validate_python({"type": "sma", "period": 3}))
    closes = [1.0, 2.0, 3.0, 4.0, 5.0]
    (ours,) = plan.batch([closes])
    assert list(ours[2:]) == list(talib.SMA(np.asarray(closes), timeperiod=3)[2:]) == [2.0, 3.0, 4.0]


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "sma", "period": 30},
        {"type": "ema", "period": 7},
        {"type": "wma", "period": 12},
        {"type": "rsi", "period": 14},
        {"type": "macd", "fast_period": 12, "slow_period": 26, "signal_period": 9},
        {"type": "bbands", "period": 20},
        {"type": "atr", "period": 14},
        {"type": "adx", "period": 14},
        {"type": "stoch", "fastk_period": 5, "slowk_period": 3, "slowd_period": 4},
        {"type": "obv"},
        {"type": "vwap"},
    ],
)
def test_each_plan_s_lookback_is_ta_lib_s_and_the_bank_has_every_value_after_lookback_bars(spec: dict[str, Any]) -> None:
    parsed = SPEC.validate_python(spec)
    plan = plan_of(parsed)
    # talib.abstract's stubs describe its functions, not the Function class the lookback comes from
    assert plan.lookback == abstract.Function(plan.function, **plan.parameters).lookback  # type: ignore[attr-defined]
    bank = IndicatorBank({"x": parsed})
    assert bank.lookback == plan.lookback + 1
    walk = [Decimal(100) + Decimal(index % 7) - Decimal(index % 3) for index in range(bank.lookback)]
    for index, close in enumerate(walk):
        assert not bank.ready
        bank.update(Bar(symbol=SYMBOL, timestamp=T0 + timedelta(minutes=index), open=close, high=close + 1,
                        low=close - 1, close=close, volume=Decimal(10 + index), trade_count=1, notional=close))
    assert bank.ready


def test_a_bank_with_several_indicators_reports_the_longest_lookback_and_addresses_components() -> None:
    bank = IndicatorBank(
        {
            "fast": SPEC.validate_python({"type": "sma", "period": 3}),
            "m": SPEC.validate_python({"type": "macd", "fast_period": 3, "slow_period": 5, "signal_period": 2}),
        }
    )
    assert bank.lookback == 6
    closes = ["10", "11", "12", "13", "14", "15"]
    for index, close in enumerate(closes):
        price = Decimal(close)
        bank.update(Bar(symbol=SYMBOL, timestamp=T0 + timedelta(minutes=index), open=price, high=price, low=price,
                        close=price, volume=Decimal(1), trade_count=1, notional=price))
    assert bank.value("fast") == 14.0 and bank.previous("fast") == 13.0
    assert bank.value("m.macd") is not None and bank.value("m.signal") is not None and bank.value("m.hist") is not None
    assert bank.previous("m.signal") is None  # the signal line's first value is this bar's
    with pytest.raises(KeyError):
        bank.value("m")


def test_hlc3_is_ta_lib_s_typical_price() -> None:
    bar = Bar(symbol=SYMBOL, timestamp=T0, open=Decimal("10.01"), high=Decimal("10.37"), low=Decimal("9.89"),
              close=Decimal("10.2"), volume=Decimal(5), trade_count=1, notional=Decimal("51"))
    typical = talib.TYPPRICE(np.asarray([10.37]), np.asarray([9.89]), np.asarray([10.2]))
    assert bar_inputs(bar) == [10.01, 10.37, 9.89, 10.2, 5.0, float(typical[0])]


def test_an_input_reader_converts_only_the_fields_it_is_asked_for_and_hlc3_from_its_parts() -> None:
    bar = Bar(symbol=SYMBOL, timestamp=T0, open=Decimal("10.01"), high=Decimal("10.37"), low=Decimal("9.89"),
              close=Decimal("10.2"), volume=Decimal(5), trade_count=1, notional=Decimal("51"))
    into = [math.nan] * 6
    input_reader({INPUT_INDEX["close"]})(bar, into)
    assert into[3] == 10.2 and all(math.isnan(value) for index, value in enumerate(into) if index != 3)
    into = [math.nan] * 6
    input_reader({INPUT_INDEX["hlc3"], INPUT_INDEX["volume"]})(bar, into)
    assert into[1:] == bar_inputs(bar)[1:] and math.isnan(into[0])
