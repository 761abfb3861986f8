"""strategy/v1 definitions: the example parses, refusals name the field by JSON pointer, the stored form is canonical."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tradeloop.core.bars import TimeFrame, TimeFrameUnit
from tradeloop.errors import InvalidField, InvalidStrategy
from tradeloop.strategy.definition import canonical_json, parse_definition, timeframe_of, with_parameters

from .factories import EXAMPLE, example


def test_the_example_definition_parses_with_decimals_for_money_and_defaults_filled_in() -> None:
    definition = parse_definition(EXAMPLE)
    assert definition.sizing.value == Decimal("10")
    assert definition.risk is not None and definition.risk.stop_loss is not None
    assert definition.risk.stop_loss.percent == Decimal("2")
    assert definition.indicators["rsi"].type == "rsi"
    assert definition.limits.max_open_positions == 2
    assert timeframe_of(definition) == TimeFrame(5, TimeFrameUnit.MINUTE)


def test_the_stored_form_has_sorted_keys_no_spaces_and_reads_back_equal() -> None:
    definition = parse_definition(EXAMPLE)
    text = canonical_json(definition)
    assert " " not in text.replace("sma 10/30 with rsi exit", "")
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert parse_definition(text) == definition
    assert canonical_json(parse_definition(text)) == text


def test_equal_definitions_written_differently_store_the_same_text() -> None:
    explicit = example(indicators={**EXAMPLE["indicators"], "rsi": {"type": "rsi", "period": 14, "source": "close"}})
    reordered = dict(reversed(list(EXAMPLE.items())))
    assert canonical_json(parse_definition(explicit)) == canonical_json(parse_definition(EXAMPLE))
    assert canonical_json(parse_definition(reordered)) == canonical_json(parse_definition(EXAMPLE))


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the example at a slash-separated path (list indexes as numbers)."""

    def change(data: dict[str, Any]) -> None:
        node: Any = data
        *parents, last = path.split("/")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        *parents, last = path.split("/")
        for part in parents:
            node = node[part]
        del node[last]

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("entry/when/all/0/left", "fsat"), '/entry/when/all/0/left: unknown indicator "fsat"'),
        (_set("exit/when/any/1/right", "slwo"), '/exit/when/any/1/right: unknown indicator "slwo"'),
        (_set("indicators/fast/type", "smaa"), "/indicators/fast/type: unknown indicator type"),
        (_set("indicators/fast/period", 1), "/indicators/fast/period: input should be greater than or equal to 2"),
        (_set("indicators/fast/period", 1001), "/indicators/fast/period: input should be less than or equal to 1000"),
        (_set("indicators/fast/source", "typical"), "/indicators/fast/source: input should be"),
        (_set("indicators/fast/perod", 3), "/indicators/fast/perod: unknown field"),
        (_set("indicators/close", {"type": "sma", "period": 3}), "/indicators/close: "),
        (_set("indicators/m", {"type": "macd", "fast_period": 26, "slow_period": 12}), "/indicators/m/fast_period: "),
        (_set("timeframe", "2Min"), "/timeframe: input should be '1Min', '5Min', '15Min', '30Min', '1Hour' or '1Day'"),
        (_set("symbols/1", "msft"), '/symbols/1: "msft" is not a symbol'),
        (_set("symbols/1", "AAPL"), "/symbols/1: AAPL is listed twice"),
        (_set("entry/side", "sell"), '/entry/side: must be "buy": accounts here are long only'),
        (_set("exit/when/any/0/op", "=="), "/exit/when/any/0/op: input should be"),
        (_set("exit/when/any/0/right", 70), "/exit/when/any/0/right: input should be a valid string"),
        (_set("exit/when/any/0/left", "position.size"), '/exit/when/any/0/left: unknown position field "position.size"'),
        (_set("exit/when/any/0/left", "rsi.k"), '/exit/when/any/0/left: unknown component "k" of rsi'),
        (_set("exit/when/any/0/left", "1"), "/exit/when/any/0/left: compares two constants"),
        (_set("exit/when/any", []), "/exit/when/any: needs at least one condition"),
        (_set("exit/when/any/0", {"op": ">", "left": "rsi"}), "/exit/when/any/0/right: is required"),
        (_set("exit/when", {"any": [], "all": []}), "/exit/when: must be exactly one of"),
        (_set("sizing/value", 10.5), '/sizing/value: must be a decimal string such as "10"'),
        (_set("sizing/value", "ten"), '/sizing/value: must be a decimal string such as "10"'),
        (_set("sizing/value", "0"), "/sizing/value: must be positive"),
        (_set("sizing/value", "101"), "/sizing/value: a percent of equity is at most 100"),
        (_set("sizing/type", "shares"), "/sizing/type: input should be 'qty', 'notional' or 'percent_equity'"),
        (_set("orders/type", "limit"), "/orders/offset_percent: is required for limit orders"),
        (_set("orders/offset_percent", "1"), "/orders/offset_percent: is only for limit orders"),
        (_set("risk/stop_loss", {"percent": "2", "atr": "1"}), '/risk/stop_loss: give one of "percent" or "atr"'),
        (_set("risk/stop_loss/percent", "100"), "/risk/stop_loss/percent: must be below 100"),
        (_set("risk/trailing_stop", {"percent": "3"}), "/risk/trailing_stop: give one of stop_loss or trailing_stop"),
        (_set("risk/take_profit", {"atr": "2", "indicator": "rsi"}), '/risk/take_profit/indicator: no atr indicator'),
        (_set("limits/cooldown_bars", -1), "/limits/cooldown_bars: input should be greater than or equal to 0"),
        (_set("limits/max_open_positions", "2"), "/limits/max_open_positions: input should be a valid integer"),
        (_drop("sizing"), "/sizing: is required"),
        (_set("colour", "blue"), "/colour: unknown field"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_field_by_json_pointer(
    change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = example()
    change(data)
    with pytest.raises(InvalidStrategy) as caught:
        parse_definition(data)
    assert str(caught.value).startswith(expected), str(caught.value)
    assert caught.value.field == expected.split(":")[0]
    assert isinstance(caught.value, InvalidField) and caught.value.status == 422 and caught.value.code == 42210001


def test_the_issue_s_example_of_a_misspelt_indicator_reads_exactly() -> None:
    data = example()
    data["entry"]["when"]["all"][0]["left"] = "fsat"
    with pytest.raises(InvalidStrategy) as caught:
        parse_definition(data)
    assert str(caught.value) == '/entry/when/all/0/left: unknown indicator "fsat"'
    assert caught.value.field == "/entry/when/all/0/left"


def test_components_are_addressed_by_name_and_a_multi_value_indicator_needs_one() -> None:
    indicators = {"m": {"type": "macd"}, "bb": {"type": "bbands"}, "st": {"type": "stoch"}}
    rule = {
        "all": [
            {"op": "cross_above", "left": "m.macd", "right": "m.signal"},
            {"op": ">", "left": "m.hist", "right": "0"},
            {"op": "<", "left": "close", "right": "bb.lower"},
            {"op": "<", "left": "st.k", "right": "st.d"},
            {"op": "<=", "left": "hlc3", "right": "bb.middle"},
        ]
    }
    parse_definition(example(indicators=indicators, entry={"when": rule}, exit=None))
    bare = {"op": ">", "left": "m", "right": "0"}
    with pytest.raises(InvalidStrategy, match="^/entry/when/left: m has components macd, signal, hist"):
        parse_definition(example(indicators=indicators, entry={"when": bare}, exit=None))


def test_fractional_shares_cannot_carry_protective_orders() -> None:
    with pytest.raises(InvalidStrategy, match="^/sizing/value: must be whole shares"):
        parse_definition(example(sizing={"type": "qty", "value": "0.5"}))
    parse_definition(example(sizing={"type": "qty", "value": "0.5"}, risk=None))


def test_several_atr_indicators_need_the_exit_to_name_one() -> None:
    indicators = {**EXAMPLE["indicators"], "a1": {"type": "atr", "period": 5}, "a2": {"type": "atr"}}
    with pytest.raises(InvalidStrategy, match="^/risk/stop_loss/indicator: name the atr indicator"):
        parse_definition(example(indicators=indicators, risk={"stop_loss": {"atr": "2"}}))
    parse_definition(example(indicators=indicators, risk={"stop_loss": {"atr": "2", "indicator": "a2"}}))


def test_definition_text_that_is_not_json_is_refused_at_the_root() -> None:
    with pytest.raises(InvalidStrategy, match="^: not a JSON object"):
        parse_definition("{")
    with pytest.raises(InvalidStrategy, match="^: must be a JSON object"):
        parse_definition([EXAMPLE])


def test_with_parameters_sets_indicator_parameters_and_other_values_and_validates_again() -> None:
    base = parse_definition(EXAMPLE)
    swept = with_parameters(base, {"fast.period": 5, "slow.period": 50, "sizing.value": "20", "limits.cooldown_bars": 0})
    assert swept.indicators["fast"] == parse_definition(EXAMPLE).indicators["fast"].model_copy(update={"period": 5})
    assert swept.indicators["slow"].model_dump()["period"] == 50
    assert swept.sizing.value == Decimal("20") and swept.limits.cooldown_bars == 0
    assert base.indicators["fast"].model_dump()["period"] == 10  # the original is untouched
    rsi_default = with_parameters(base, {"rsi.source": "hlc3"})
    assert rsi_default.indicators["rsi"].model_dump()["source"] == "hlc3"


def test_with_parameters_refuses_an_unknown_parameter_or_a_value_the_definition_refuses() -> None:
    base = parse_definition(EXAMPLE)
    with pytest.raises(InvalidStrategy) as unknown:
        with_parameters(base, {"fast.length": 5})
    assert str(unknown.value) == "/parameters/fast.length: unknown parameter 'fast.length'"
    with pytest.raises(InvalidStrategy, match="^/parameters/nothing.here: "):
        with_parameters(base, {"nothing.here": 1})
    with pytest.raises(InvalidStrategy, match="^/indicators/fast/period: "):
        with_parameters(base, {"fast.period": 1})
