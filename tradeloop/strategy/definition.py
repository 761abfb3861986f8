"""The `strategy/v1` definition: indicator rules as data, validated, with every error named by JSON pointer.

A definition is what a user stores; it never runs code. Pydantic checks the
shapes; `parse_definition` then checks what shapes cannot say (references to
indicators and their components, operand syntax, combinations of sizing,
orders and risk), so every refusal names one field as `/entry/when/all/0/left`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationError

from tradeloop.core.bars import TimeFrame, parse_timeframe
from tradeloop.core.money import HUNDRED, MONEY, QUANTITY, ZERO, OutOfBounds
from tradeloop.errors import InvalidStrategy

TIMEFRAMES: Final = ("1Min", "5Min", "15Min", "30Min", "1Hour", "1Day")
SOURCES: Final = ("open", "high", "low", "close", "volume", "hlc3")
"""Bar fields an indicator reads, and operands a condition may name."""
POSITION_FIELDS: Final = ("position.qty", "position.unrealized_plpc", "position.bars_held")
MAX_PERIOD: Final = 1000
"""Longest period an indicator takes: the warm-up reads that many stored bars."""
MAX_INDICATORS: Final = 32
MAX_CONDITIONS: Final = 64
"""Comparisons and groups in one rule, all told: keeps evaluation per bar small and bounded."""
MAX_DEPTH: Final = 8
_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_SYMBOL: Final = re.compile(r"^[A-Z][A-Z0-9./-]{0,20}$")
CONSTANT: Final = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
"""A decimal-string constant operand, as "70" or "-0.5"."""


def _decimal_text(value: object) -> Decimal:
    """A decimal written as a string (or a whole number): never a float, which would carry binary rounding."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('must be a decimal string such as "10"')
    try:
        parsed = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError('must be a decimal string such as "10"') from None
    if not parsed.is_finite():
        raise ValueError("must be a finite number")
    return parsed


def _decimal_string(value: Decimal) -> str:
    return format(value, "f")


DecimalText = Annotated[Decimal, BeforeValidator(_decimal_text), PlainSerializer(_decimal_string, return_type=str)]
Period = Annotated[int, Field(ge=1, le=MAX_PERIOD, strict=True)]
Source = Literal["open", "high", "low", "close", "volume", "hlc3"]
Deviations = Annotated[float, Field(gt=0, le=10)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MovingAverage(_Model):
    """A simple, exponential or weighted moving average of one source."""

    type: Literal["sma", "ema", "wma"]
    period: Annotated[int, Field(ge=2, le=MAX_PERIOD, strict=True)]
    source: Source = "close"


class Rsi(_Model):
    type: Literal["rsi"]
    period: Annotated[int, Field(ge=2, le=MAX_PERIOD, strict=True)] = 14
    source: Source = "close"


class Macd(_Model):
    """Components `macd`, `signal`, `hist`."""

    type: Literal["macd"]
    fast_period: Annotated[int, Field(ge=2, le=MAX_PERIOD, strict=True)] = 12
    slow_period: Annotated[int, Field(ge=2, le=MAX_PERIOD, strict=True)] = 26
    signal_period: Period = 9
    source: Source = "close"


class Bbands(_Model):
    """Bollinger bands: components `upper`, `middle`, `lower`."""

    type: Literal["bbands"]
    period: Annotated[int, Field(ge=2, le=MAX_PERIOD, strict=True)] = 20
    nbdev_up: Deviations = 2.0
    nbdev_down: Deviations = 2.0
    source: Source = "close"


class Atr(_Model):
    type: Literal["atr"]
    period: Period = 14


class Adx(_Model):
    type: Literal["adx"]
    period: Annotated[int, Field(ge=2, le=MAX_PERIOD, strict=True)] = 14


class Stoch(_Model):
    """The slow stochastic oscillator: components `k`, `d`."""

    type: Literal["stoch"]
    fastk_period: Period = 5
    slowk_period: Period = 3
    slowd_period: Period = 3


class Obv(_Model):
    """On-balance volume of a source's moves, cumulative from the first bar it saw."""

    type: Literal["obv"]
    source: Source = "close"


class Vwap(_Model):
    """Volume-weighted average of the typical price, cumulative from the first bar it saw."""

    type: Literal["vwap"]


IndicatorSpec = Annotated[
    MovingAverage | Rsi | Macd | Bbands | Atr | Adx | Stoch | Obv | Vwap, Field(discriminator="type")
]
INDICATOR_TYPES: Final = ("sma", "ema", "wma", "rsi", "macd", "bbands", "atr", "stoch", "adx", "obv", "vwap")
_SPEC_CLASSES: Final[Mapping[str, type[_Model]]] = {
    "sma": MovingAverage, "ema": MovingAverage, "wma": MovingAverage, "rsi": Rsi, "macd": Macd, "bbands": Bbands,
    "atr": Atr, "stoch": Stoch, "adx": Adx, "obv": Obv, "vwap": Vwap,
}
COMPONENTS: Final[Mapping[str, tuple[str, ...]]] = {
    "macd": ("macd", "signal", "hist"),
    "bbands": ("upper", "middle", "lower"),
    "stoch": ("k", "d"),
}
"""Multi-output indicators and their components, in TA-Lib's output order; the others have one value."""


class Condition(_Model):
    """One node of a rule: a group (`all`, `any`, `not`) or a comparison (`op`, `left`, `right`)."""

    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    op: Literal[">", "<", ">=", "<=", "cross_above", "cross_below"] | None = None
    left: str | None = None
    right: str | None = None


class Entry(_Model):
    side: Literal["buy", "sell"] = "buy"
    when: Condition


class Exit(_Model):
    when: Condition


class Sizing(_Model):
    """`qty` shares, a `notional` amount, or a `percent_equity` of the account's equity, sized at the bar's close."""

    type: Literal["qty", "notional", "percent_equity"]
    value: DecimalText


class Orders(_Model):
    """Market orders, or limit orders `offset_percent` below the close (buys) or above it (sells)."""

    type: Literal["market", "limit"] = "market"
    time_in_force: Literal["day", "gtc"] = "day"
    offset_percent: DecimalText | None = None


class PriceExit(_Model):
    """A stop-loss or take-profit distance: a percent of the entry's price, or a multiple of an ATR indicator."""

    percent: DecimalText | None = None
    atr: DecimalText | None = None
    indicator: str | None = None
    """The atr indicator to use; by default the definition's only atr indicator, or an implicit atr(14)."""


class TrailingStop(_Model):
    percent: DecimalText


class Risk(_Model):
    stop_loss: PriceExit | None = None
    take_profit: PriceExit | None = None
    trailing_stop: TrailingStop | None = None


class Limits(_Model):
    max_open_positions: Annotated[int, Field(ge=1, le=10_000, strict=True)] | None = None
    cooldown_bars: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 0


class StrategyDefinition(_Model):
    """A whole `strategy/v1` definition, as the user wrote it plus defaults."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    symbols: Annotated[tuple[str, ...], Field(min_length=1, max_length=100)]
    timeframe: Literal["1Min", "5Min", "15Min", "30Min", "1Hour", "1Day"]
    indicators: Annotated[dict[str, IndicatorSpec], Field(max_length=MAX_INDICATORS)] = Field(default_factory=dict)
    entry: Entry
    exit: Exit | None = None
    sizing: Sizing
    orders: Orders = Orders()
    risk: Risk | None = None
    limits: Limits = Limits()


def parse_definition(data: object) -> StrategyDefinition:
    """Validate a definition (a JSON object, or its text) and every reference in it.

    Raises:
        InvalidStrategy: naming the first offending field by JSON pointer.
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError:
            raise InvalidStrategy("", "not a JSON object") from None
    if not isinstance(data, Mapping):
        raise InvalidStrategy("", "must be a JSON object")
    try:
        definition = StrategyDefinition.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc) from None
    _check(definition)
    return definition


def canonical_json(definition: StrategyDefinition) -> str:
    """The stored form: sorted keys, no spaces, defaults written out, so equal definitions are equal strings."""
    return json.dumps(
        definition.model_dump(mode="json", by_alias=True, exclude_none=True),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def with_parameters(definition: StrategyDefinition, parameters: Mapping[str, object]) -> StrategyDefinition:
    """The definition with some values replaced, re-validated: `{"fast.period": 5}` sets indicator fast's period.

    A key names an indicator's parameter as `name.parameter`, or any other value by its dotted path from the
    top (`sizing.value`, `limits.cooldown_bars`, `risk.stop_loss.percent`).

    Raises:
        InvalidStrategy: an unknown parameter (`/parameters/<key>`), or a value the definition refuses.
    """
    data: dict[str, Any] = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    for key, value in parameters.items():
        parts = key.split(".")
        if parts[0] in data["indicators"] and len(parts) == 2:
            parts = ["indicators", *parts]
        node: Any = data
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or parts[-1] not in _settable(node, parts):
            raise InvalidStrategy(f"/parameters/{_escape(key)}", f"unknown parameter {key!r}")
        node[parts[-1]] = value
    return parse_definition(data)


def timeframe_of(definition: StrategyDefinition) -> TimeFrame:
    """The timeframe whose completed bars the strategy evaluates."""
    return parse_timeframe(definition.timeframe)


def atr_indicator(definition: StrategyDefinition, exit_spec: PriceExit) -> str | None:
    """The name of the atr indicator an ATR-multiple exit reads; None for the implicit atr(14)."""
    if exit_spec.indicator is not None:
        return exit_spec.indicator
    names = [name for name, spec in definition.indicators.items() if spec.type == "atr"]
    return names[0] if len(names) == 1 else None


def _settable(node: dict[str, Any], parts: list[str]) -> set[str]:
    """Keys a parameter may set in this node: those present, and an indicator's optional parameters."""
    keys = set(node)
    if len(parts) == 3 and parts[0] == "indicators":
        keys |= set(_SPEC_CLASSES[node["type"]].model_fields)
    return keys


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _first_error(exc: ValidationError) -> InvalidStrategy:
    """Pydantic's first error, named by JSON pointer in plain words."""
    error = exc.errors(include_url=False)[0]
    loc = list(error["loc"])
    if len(loc) >= 3 and loc[0] == "indicators" and loc[2] in INDICATOR_TYPES:
        del loc[2]  # the discriminator's tag: not a field of the document
    kind, message = error["type"], error["msg"]
    if kind in ("union_tag_invalid", "union_tag_not_found") and loc[:1] == ["indicators"]:
        loc.append("type")
        found = error.get("ctx", {}).get("tag")
        message = f"unknown indicator type {json.dumps(found)}; one of {', '.join(INDICATOR_TYPES)}"
    elif kind == "extra_forbidden":
        message = "unknown field"
    elif kind == "missing":
        message = "is required"
    else:
        message = message.removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
    return InvalidStrategy("".join(f"/{_escape(part)}" for part in loc), message)


def _check(definition: StrategyDefinition) -> None:
    """What the shapes cannot say: references, names, symbols and combinations."""
    seen: set[str] = set()
    for index, symbol in enumerate(definition.symbols):
        if not _SYMBOL.match(symbol):
            raise InvalidStrategy(f"/symbols/{index}", f"{json.dumps(symbol)} is not a symbol: write it upper case, as AAPL")
        if symbol in seen:
            raise InvalidStrategy(f"/symbols/{index}", f"{symbol} is listed twice")
        seen.add(symbol)
    for name, spec in definition.indicators.items():
        where = f"/indicators/{_escape(name)}"
        if not _NAME.match(name) or name in SOURCES or name == "position":
            raise InvalidStrategy(
                where, f"{json.dumps(name)} is not an indicator name: lower case letters, digits and _, not a bar field"
            )
        if isinstance(spec, Macd) and spec.fast_period >= spec.slow_period:
            raise InvalidStrategy(f"{where}/fast_period", "must be below slow_period")
    if definition.entry.side == "sell":
        raise InvalidStrategy("/entry/side", 'must be "buy": accounts here are long only')
    _check_condition(definition, definition.entry.when, "/entry/when", 1, [0])
    if definition.exit is not None:
        _check_condition(definition, definition.exit.when, "/exit/when", 1, [0])
    _check_sizing(definition)
    _check_orders(definition.orders)
    if definition.risk is not None:
        _check_risk(definition, definition.risk)


def _check_condition(definition: StrategyDefinition, node: Condition, where: str, depth: int, count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_CONDITIONS:
        raise InvalidStrategy(where, f"a rule holds at most {MAX_CONDITIONS} conditions")
    if depth > MAX_DEPTH:
        raise InvalidStrategy(where, f"conditions nest at most {MAX_DEPTH} deep")
    shapes = [key for key in ("all", "any", "not", "op") if getattr(node, "not_" if key == "not" else key) is not None]
    if len(shapes) != 1:
        raise InvalidStrategy(where, 'must be exactly one of {"all": [...]}, {"any": [...]}, {"not": {...}} or a comparison')
    if shapes[0] == "op":
        for side in ("left", "right"):
            operand = getattr(node, side)
            if operand is None:
                raise InvalidStrategy(f"{where}/{side}", "is required")
            _check_operand(definition, operand, f"{where}/{side}")
        if CONSTANT.match(node.left or "") and CONSTANT.match(node.right or ""):
            raise InvalidStrategy(f"{where}/left", "compares two constants")
        return
    if node.left is not None or node.right is not None:
        raise InvalidStrategy(f"{where}/{'left' if node.left is not None else 'right'}", "is only for comparisons")
    if shapes[0] == "not":
        assert node.not_ is not None
        _check_condition(definition, node.not_, f"{where}/not", depth + 1, count)
        return
    children = node.all if shapes[0] == "all" else node.any
    assert children is not None
    if not children:
        raise InvalidStrategy(f"{where}/{shapes[0]}", "needs at least one condition")
    for index, child in enumerate(children):
        _check_condition(definition, child, f"{where}/{shapes[0]}/{index}", depth + 1, count)


def _check_operand(definition: StrategyDefinition, operand: str, where: str) -> None:
    if CONSTANT.match(operand) or operand in SOURCES or operand in POSITION_FIELDS:
        return
    if operand.startswith("position."):
        raise InvalidStrategy(where, f"unknown position field {json.dumps(operand)}; one of {', '.join(POSITION_FIELDS)}")
    name, _, component = operand.partition(".")
    spec = definition.indicators.get(name)
    if spec is None:
        raise InvalidStrategy(where, f"unknown indicator {json.dumps(name)}")
    components = COMPONENTS.get(spec.type, ())
    if not component and components:
        raise InvalidStrategy(where, f"{name} has components {', '.join(components)}: write {name}.{components[0]}")
    if component and component not in components:
        raise InvalidStrategy(
            where,
            f"unknown component {json.dumps(component)} of {name}"
            + (f"; one of {', '.join(components)}" if components else f": {spec.type} has one value"),
        )


def _check_sizing(definition: StrategyDefinition) -> None:
    sizing = definition.sizing
    if sizing.value <= ZERO:
        raise InvalidStrategy("/sizing/value", "must be positive")
    try:
        (QUANTITY if sizing.type == "qty" else MONEY).check(sizing.value)
    except OutOfBounds as exc:
        raise InvalidStrategy("/sizing/value", str(exc)) from None
    if sizing.type == "percent_equity" and sizing.value > HUNDRED:
        raise InvalidStrategy("/sizing/value", "a percent of equity is at most 100")
    risk = definition.risk
    linked = risk is not None and any(x is not None for x in (risk.stop_loss, risk.take_profit, risk.trailing_stop))
    if sizing.type == "qty" and sizing.value != sizing.value.to_integral_value():
        if linked:
            raise InvalidStrategy("/sizing/value", "must be whole shares when risk places stop-loss or take-profit orders")
        if definition.orders.time_in_force != "day":
            raise InvalidStrategy("/orders/time_in_force", 'fractional quantities need "day"')


def _check_orders(orders: Orders) -> None:
    if orders.type == "limit" and orders.offset_percent is None:
        raise InvalidStrategy("/orders/offset_percent", 'is required for limit orders ("0" for the close)')
    if orders.type == "market" and orders.offset_percent is not None:
        raise InvalidStrategy("/orders/offset_percent", "is only for limit orders")
    if orders.offset_percent is not None and not ZERO <= orders.offset_percent < HUNDRED:
        raise InvalidStrategy("/orders/offset_percent", "must be from 0 to below 100")


def _check_risk(definition: StrategyDefinition, risk: Risk) -> None:
    if risk.stop_loss is not None and risk.trailing_stop is not None:
        raise InvalidStrategy("/risk/trailing_stop", "give one of stop_loss or trailing_stop")
    for field, spec in (("stop_loss", risk.stop_loss), ("take_profit", risk.take_profit)):
        if spec is None:
            continue
        where = f"/risk/{field}"
        if (spec.percent is None) == (spec.atr is None):
            raise InvalidStrategy(where, 'give one of "percent" or "atr"')
        amount, key = (spec.percent, "percent") if spec.percent is not None else (spec.atr, "atr")
        assert amount is not None
        if amount <= ZERO:
            raise InvalidStrategy(f"{where}/{key}", "must be positive")
        if key == "percent" and field == "stop_loss" and amount >= HUNDRED:
            raise InvalidStrategy(f"{where}/percent", "must be below 100")
        if spec.indicator is not None:
            if spec.atr is None:
                raise InvalidStrategy(f"{where}/indicator", 'is only for "atr"')
            named = definition.indicators.get(spec.indicator)
            if named is None or named.type != "atr":
                raise InvalidStrategy(f"{where}/indicator", f"no atr indicator named {json.dumps(spec.indicator)}")
        elif spec.atr is not None and sum(1 for s in definition.indicators.values() if s.type == "atr") > 1:
            raise InvalidStrategy(f"{where}/indicator", "name the atr indicator: the definition has several")
    if risk.trailing_stop is not None and not ZERO < risk.trailing_stop.percent < HUNDRED:
        raise InvalidStrategy("/risk/trailing_stop/percent", "must be above 0 and below 100")


def references(condition: Condition) -> Iterator[str]:
    """Every operand a rule names, constants included, in document order."""
    if condition.op is not None:
        assert condition.left is not None and condition.right is not None
        yield condition.left
        yield condition.right
        return
    if condition.not_ is not None:
        yield from references(condition.not_)
    for child in condition.all or condition.any or ():
        yield from references(child)
