"""Rules: a condition tree compiled once into closures, evaluated on every completed bar.

Comparisons read each operand's value after this bar (`now`) and, for the
crosses, after the bar before (`before`). A cross is strict on both bars:
`cross_above` fires when left < right before and left > right now. A
comparison with an unknown value (an indicator warming up, or NaN) is false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from tradeloop.strategy.definition import CONSTANT, Condition

Values = Sequence[float | None]
Lookup = Callable[[str], float | None]
_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
PREVIOUS_SUFFIX: Final = "[-1]"
"""A value after the bar before is recorded under its operand's name with this suffix, as `fast[-1]`."""


@dataclass(frozen=True, slots=True)
class Operand:
    """Where a rule reads one operand: `now[index]` after this bar, `before[index]` after the bar before.

    The sequences are the owner's own, updated in place bar by bar, so a compiled rule reads them with no call.
    """

    ref: str
    now: Values
    before: Values
    index: int
    constant: bool = False


Resolve = Callable[[str], Operand]


def constant_operand(text: str) -> Operand:
    """A decimal-string constant, the same on every bar."""
    values = (float(text),)
    return Operand(text, values, values, 0, constant=True)


def lookup_resolver(now: Lookup, before: Lookup) -> Resolve:
    """Operands read once, at compile time, through two lookups by name (constants recognised first)."""

    def resolve(ref: str) -> Operand:
        if CONSTANT.match(ref):
            return constant_operand(ref)
        return Operand(ref, (now(ref),), (before(ref),), 0)

    return resolve


class Rule:
    """A compiled condition tree: `fires()` per bar, and `values()` for the record of a rule that fired."""

    __slots__ = ("fires", "_reads")

    def __init__(self, condition: Condition, resolve: Resolve) -> None:
        self._reads: dict[str, tuple[Operand, bool]] = {}
        self.fires: Callable[[], bool] = self._compile(condition, resolve)

    def values(self) -> dict[str, str]:
        """Every non-constant operand the rule reads, now (and before, for crosses), as text: floats by repr."""
        out: dict[str, str] = {}
        for ref, (operand, crossed) in self._reads.items():
            out[ref] = _text(operand.now[operand.index])
            if crossed:
                out[ref + PREVIOUS_SUFFIX] = _text(operand.before[operand.index])
        return out

    def _read(self, ref: str, resolve: Resolve, crossed: bool) -> Operand:
        if CONSTANT.match(ref):
            return constant_operand(ref)
        known = self._reads.get(ref)
        operand = known[0] if known is not None else resolve(ref)
        self._reads[ref] = (operand, crossed or (known is not None and known[1]))
        return operand

    def _compile(self, node: Condition, resolve: Resolve) -> Callable[[], bool]:
        if node.op is not None:
            assert node.left is not None and node.right is not None
            crossed = node.op in ("cross_above", "cross_below")
            left = self._read(node.left, resolve, crossed)
            right = self._read(node.right, resolve, crossed)
            if node.op == "cross_above":
                return _cross(left, right)
            if node.op == "cross_below":
                return _cross(right, left)
            return _comparison(_COMPARE[node.op], left, right)
        if node.not_ is not None:
            inner = self._compile(node.not_, resolve)
            return lambda: not inner()
        if node.all is not None:
            tests = tuple(self._compile(child, resolve) for child in node.all)
            return tests[0] if len(tests) == 1 else lambda: all(test() for test in tests)
        assert node.any is not None
        tests = tuple(self._compile(child, resolve) for child in node.any)
        return tests[0] if len(tests) == 1 else lambda: any(test() for test in tests)


def evaluate(condition: Condition, now: Lookup, before: Lookup) -> bool:
    """Whether a condition holds, its operands read through two lookups (compiles each time: for checks and tools)."""
    return Rule(condition, lookup_resolver(now, before)).fires()


def _comparison(compare: Callable[[float, float], bool], left: Operand, right: Operand) -> Callable[[], bool]:
    left_now, left_index, right_now, right_index = left.now, left.index, right.now, right.index

    def test() -> bool:
        a, b = left_now[left_index], right_now[right_index]
        return a is not None and b is not None and compare(a, b)

    return test


def _cross(rising: Operand, other: Operand) -> Callable[[], bool]:
    """`rising` crosses above `other`: strictly below on the bar before, strictly above now."""
    rising_now, rising_before, rising_index = rising.now, rising.before, rising.index
    other_now, other_before, other_index = other.now, other.before, other.index

    def test() -> bool:
        a, b = rising_now[rising_index], other_now[other_index]
        if a is None or b is None or not a > b:
            return False
        c, d = rising_before[rising_index], other_before[other_index]
        return c is not None and d is not None and c < d

    return test


def _text(value: float | None) -> str:
    return "null" if value is None else repr(value)
