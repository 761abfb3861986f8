"""Rules: comparisons, groups, and crosses strict on both bars; a rule records the operands it read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tradeloop.strategy.conditions import Operand, Rule, evaluate, lookup_resolver
from tradeloop.strategy.definition import Condition


def _condition(data: dict[str, Any]) -> Condition:
    return Condition.model_validate(data)


def _holds(
    data: dict[str, Any], now: Mapping[str, float | None], before: Mapping[str, float | None] | None = None
) -> bool:
    earlier = before or {}
    return evaluate(_condition(data), lambda ref: now.get(ref), lambda ref: earlier.get(ref))


@pytest.mark.parametrize(
    ("before_fast", "now_fast", "fires"),
    [
        (9.0, 11.0, True),  # below, then above
        (10.0, 11.0, False),  # equal before: touching is not being below
        (9.0, 10.0, False),  # equal now: touching is not being above
        (11.0, 12.0, False),  # above on both bars
        (9.0, 9.5, False),  # below on both bars
        (None, 11.0, False),  # no value a bar earlier (warming up)
    ],
)
def test_cross_above_is_strict_on_both_bars(before_fast: float | None, now_fast: float, fires: bool) -> None:
    rule = {"op": "cross_above", "left": "fast", "right": "slow"}
    assert _holds(rule, {"fast": now_fast, "slow": 10.0}, {"fast": before_fast, "slow": 10.0}) is fires


@pytest.mark.parametrize(
    ("before_fast", "now_fast", "fires"),
    [(11.0, 9.0, True), (10.0, 9.0, False), (11.0, 10.0, False), (9.0, 8.0, False)],
)
def test_cross_below_is_strict_on_both_bars(before_fast: float, now_fast: float, fires: bool) -> None:
    rule = {"op": "cross_below", "left": "fast", "right": "slow"}
    assert _holds(rule, {"fast": now_fast, "slow": 10.0}, {"fast": before_fast, "slow": 10.0}) is fires


def test_a_cross_against_a_constant_reads_the_same_constant_on_both_bars() -> None:
    rule = {"op": "cross_above", "left": "rsi", "right": "30"}
    assert _holds(rule, {"rsi": 31.0}, {"rsi": 29.0})
    assert not _holds(rule, {"rsi": 31.0}, {"rsi": 30.0})


@pytest.mark.parametrize(
    ("op", "left", "fires"),
    [(">", 70.5, True), (">", 70.0, False), (">=", 70.0, True), ("<", 69.9, True), ("<", 70.0, False), ("<=", 70.0, True)],
)
def test_comparisons_against_a_decimal_string_constant(op: str, left: float, fires: bool) -> None:
    assert _holds({"op": op, "left": "rsi", "right": "70"}, {"rsi": left}) is fires


def test_a_comparison_with_an_unknown_value_is_false_either_way() -> None:
    assert not _holds({"op": ">", "left": "rsi", "right": "70"}, {"rsi": None})
    assert not _holds({"op": "<=", "left": "rsi", "right": "70"}, {"rsi": None})


def test_all_any_and_not_combine_their_conditions() -> None:
    above = {"op": ">", "left": "close", "right": "100"}
    low_rsi = {"op": "<", "left": "rsi", "right": "30"}
    values = {"close": 101.0, "rsi": 45.0}
    assert not _holds({"all": [above, low_rsi]}, values)
    assert _holds({"any": [above, low_rsi]}, values)
    assert _holds({"not": low_rsi}, values)
    assert _holds({"all": [above, {"not": low_rsi}]}, values)
    assert not _holds({"any": [{"not": above}, low_rsi]}, values)


def test_a_rule_records_every_operand_it_reads_and_the_bar_before_for_crosses() -> None:
    condition = _condition(
        {
            "any": [
                {"op": ">", "left": "rsi", "right": "70"},
                {"op": "cross_below", "left": "fast", "right": "slow"},
            ]
        }
    )
    now = {"rsi": 71.25, "fast": 9.5, "slow": 10.0}
    before = {"rsi": 60.0, "fast": 10.5, "slow": 10.0}
    rule = Rule(condition, lookup_resolver(lambda ref: now.get(ref), lambda ref: before.get(ref)))
    assert rule.fires()
    assert rule.values() == {"rsi": "71.25", "fast": "9.5", "fast[-1]": "10.5", "slow": "10.0", "slow[-1]": "10.0"}


def test_a_compiled_rule_reads_its_operands_in_place_each_time_it_is_asked() -> None:
    now: list[float | None] = [99.0]
    before: list[float | None] = [98.0]
    condition = _condition({"op": ">", "left": "close", "right": "100"})
    rule = Rule(condition, lambda ref: Operand(ref, now, before, 0))
    assert not rule.fires()
    now[0] = 101.0
    assert rule.fires()
    now[0] = None
    assert not rule.fires()
