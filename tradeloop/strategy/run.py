"""One strategy version on one symbol: fed completed bars of its timeframe, it decides entries and exits.

The live host and the backtests drive this same class. It knows the account
only through an `AccountView` taken when the bar completes, and it places
nothing itself: it returns a `Decision` whose request the caller places
through the same checks as any order.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal
from uuid import UUID

from tradeloop.core.bars import Bar
from tradeloop.core.money import ZERO
from tradeloop.core.orders import OrderRequest, OrderSide
from tradeloop.strategy.conditions import Operand, Rule, constant_operand
from tradeloop.strategy.definition import (
    CONSTANT,
    POSITION_FIELDS,
    Atr,
    IndicatorSpec,
    PriceExit,
    StrategyDefinition,
    atr_indicator,
)
from tradeloop.strategy.indicators import INPUT_INDEX, IndicatorBank, input_reader
from tradeloop.strategy.sizing import Refusal, entry_qty, entry_request, exit_request

IMPLICIT_ATR: Final = "_atr"
"""The atr(14) added for ATR-multiple exits when the definition has no atr indicator (users' names start with a letter)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountView:
    """What the run may know of the account when a bar completes."""

    equity: Decimal
    buying_power: Decimal
    position_qty: Decimal
    """This symbol's position; 0 when flat."""
    avg_entry_price: Decimal
    """0 when flat."""
    last_price: Decimal | None
    """This symbol's latest price."""
    open_positions: int
    """Positions this strategy holds, all symbols (for max_open_positions)."""
    entry_pending: bool = False
    """An order of this strategy on this symbol is still open while flat (a limit entry not filled yet): no new entry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """A rule fired on a bar: the order to place, or why there is none."""

    rule: Literal["entry", "exit"]
    side: OrderSide
    bar_time: datetime
    """The start of the completed bar of the strategy's timeframe."""
    values: Mapping[str, str]
    """Every operand the firing rule read, as text (floats by repr; `name[-1]` is the value a bar earlier)."""
    request: OrderRequest | None
    """None when no order can be built; `refusal` says why."""
    refusal: str | None
    client_order_id: str


def strategy_client_order_id(strategy_id: UUID, version: int, symbol: str, bar_time: datetime, rule: str) -> str:
    """The client order id of a decision: the same for the same signal, so a replay can never place it twice."""
    parts = f"{strategy_id}|{version}|{symbol}|{bar_time.isoformat()}|{rule}"
    return f"st-{hashlib.sha256(parts.encode()).hexdigest()[:16]}-{rule}"


class StrategyRun:
    """One strategy version on one symbol; `on_bar` once per completed bar of the strategy's timeframe."""

    def __init__(self, *, strategy_id: UUID, version: int, definition: StrategyDefinition, symbol: str) -> None:
        self.strategy_id = strategy_id
        self.version = version
        self.definition = definition
        self.symbol = symbol
        indicators: dict[str, IndicatorSpec] = dict(definition.indicators)
        risk = definition.risk
        self._atr_refs: tuple[str | None, str | None] = (None, None)
        if risk is not None:
            refs = tuple(self._atr_ref(spec) for spec in (risk.stop_loss, risk.take_profit))
            if IMPLICIT_ATR in refs:
                indicators[IMPLICIT_ATR] = Atr(type="atr", period=14)
            self._atr_refs = (refs[0], refs[1])
        self._bank = IndicatorBank(indicators)
        self.lookback: int = self._bank.lookback + 1
        """Completed bars of the timeframe wanted for warm-up: every indicator's value, and the one before."""
        # bar fields and position fields as the rules read them: lists updated in place, by INPUT_INDEX and
        # POSITION_FIELDS; a bar field no one reads is never converted (NaN, unequal to anything)
        self._bar_now: list[float] = [math.nan] * len(INPUT_INDEX)
        self._bar_before: list[float] = [math.nan] * len(INPUT_INDEX)
        self._position_now: list[float | None] = [0.0, 0.0, 0.0]
        self._position_before: list[float | None] = [0.0, 0.0, 0.0]
        self._bar_fields: set[int] = set(self._bank.inputs_read)
        self._reads_bar = self._reads_position = False  # set while the rules compile, by the operands they name
        self._entry_rule = Rule(definition.entry.when, self._resolve)
        self._exit_rule = Rule(definition.exit.when, self._resolve) if definition.exit is not None else None
        self._entry_bar: datetime | None = None
        self._exit_bar: datetime | None = None
        self._since_entry = 0
        self._since_exit = 0
        self._last_time: datetime | None = None
        self._last_before: datetime | None = None
        self._was_open: bool | None = None
        self._warm_times: list[datetime] = []
        self._read_bar = input_reader(self._bar_fields)

    def warm(self, bars: Sequence[Bar]) -> None:
        """Feed bars of the timeframe (oldest first) without deciding anything: the warm-up from stored bars."""
        for bar in bars:
            self._advance(bar)
            self._warm_times.append(bar.timestamp)

    def restore(self, *, entry_bar: datetime | None, exit_bar: datetime | None) -> None:
        """Where the last entry and exit signals were, after a restart: bars_held and the cooldown count from them.

        Bars are counted among those seen (warm-up included); an entry before the warm-up window counts from its start.
        """
        self._entry_bar, self._exit_bar = entry_bar, exit_bar
        self._since_entry = sum(1 for t in self._warm_times if entry_bar is not None and t > entry_bar)
        self._since_exit = sum(1 for t in self._warm_times if exit_bar is not None and t > exit_bar)

    def on_bar(self, bar: Bar, view: AccountView) -> Decision | None:
        """Feed one completed bar of the timeframe and decide: an exit when the position is open, an entry when flat."""
        self._advance(bar)
        is_open = view.position_qty > ZERO
        if not (is_open or self._was_open):  # flat, as on the bar before: the common case, kept short
            if self._bank.ready and not view.entry_pending and self._entry_rule.fires():
                return self._entry(bar, view)
            return None
        if self._was_open and not is_open and (self._exit_bar is None or self._since_exit > 1):
            # closed outside the rules (a stop-loss or take-profit filled, or a manual sale): the cooldown runs from here
            self._exit_bar, self._since_exit = self._last_before, 1
        if is_open and self._entry_bar is None:
            self._entry_bar, self._since_entry = bar.timestamp, 0  # opened by no signal of this run: count from now
        if self._reads_position and (is_open or self._was_open):
            self._set_position(view, bar, is_open)  # flat after flat: the fields are zero already
        self._was_open = is_open
        if not self._bank.ready:
            return None
        if is_open:
            if self._exit_rule is None or not self._exit_rule.fires():
                return None
            return self._exit(bar, view)
        if view.entry_pending or not self._entry_rule.fires():
            return None
        return self._entry(bar, view)

    def value(self, ref: str) -> float | None:
        """An indicator's value after the last bar, as `fast` or `macd.signal`; None while warming."""
        return self._bank.value(ref)

    def _advance(self, bar: Bar) -> None:
        if self._reads_bar:
            self._bar_before[:] = self._bar_now
        self._read_bar(bar, self._bar_now)
        self._bank.update_inputs(self._bar_now)
        self._last_before = self._last_time
        self._last_time = bar.timestamp
        if self._entry_bar is not None and bar.timestamp > self._entry_bar:
            self._since_entry += 1
        if self._exit_bar is not None and bar.timestamp > self._exit_bar:
            self._since_exit += 1

    def _set_position(self, view: AccountView, bar: Bar, is_open: bool) -> None:
        now = self._position_now
        self._position_before[:] = now
        if not is_open:
            now[0] = now[1] = now[2] = 0.0
            return
        price = view.last_price if view.last_price is not None else bar.close
        basis = view.avg_entry_price
        now[0] = float(view.position_qty)
        now[1] = float((price - basis) / basis) if basis > ZERO else 0.0
        now[2] = float(self._since_entry)

    def _exit(self, bar: Bar, view: AccountView) -> Decision:
        client_order_id = strategy_client_order_id(self.strategy_id, self.version, self.symbol, bar.timestamp, "exit")
        assert self._exit_rule is not None
        request = exit_request(
            symbol=self.symbol,
            qty=view.position_qty,
            close=bar.close,
            orders=self.definition.orders,
            client_order_id=client_order_id,
            strategy_id=self.strategy_id,
        )
        self._exit_bar, self._since_exit = bar.timestamp, 0
        return Decision(
            rule="exit",
            side=OrderSide.SELL,
            bar_time=bar.timestamp,
            values=self._exit_rule.values(),
            request=request,
            refusal=None,
            client_order_id=client_order_id,
        )

    def _entry(self, bar: Bar, view: AccountView) -> Decision:
        client_order_id = strategy_client_order_id(self.strategy_id, self.version, self.symbol, bar.timestamp, "entry")
        limits = self.definition.limits
        built: OrderRequest | Refusal
        if self._exit_bar is not None and self._since_exit <= limits.cooldown_bars:
            built = Refusal(f"cooldown: {self._since_exit} of {limits.cooldown_bars} bars since the last exit")
        elif limits.max_open_positions is not None and view.open_positions >= limits.max_open_positions:
            built = Refusal(f"max_open_positions reached ({limits.max_open_positions})")
        else:
            built = entry_request(
                symbol=self.symbol,
                qty=entry_qty(self.definition.sizing, bar.close, view.equity),
                close=bar.close,
                orders=self.definition.orders,
                risk=self.definition.risk,
                pricing_atr=(self._atr_value(self._atr_refs[0]), self._atr_value(self._atr_refs[1])),
                client_order_id=client_order_id,
                strategy_id=self.strategy_id,
            )
        if isinstance(built, Refusal):
            request, refusal = None, built.reason
        else:
            request, refusal = built, None
            self._entry_bar, self._since_entry = bar.timestamp, 0
        return Decision(
            rule="entry",
            side=OrderSide.BUY,
            bar_time=bar.timestamp,
            values=self._entry_rule.values(),
            request=request,
            refusal=refusal,
            client_order_id=client_order_id,
        )

    def _atr_ref(self, spec: PriceExit | None) -> str | None:
        if spec is None or spec.atr is None:
            return None
        return atr_indicator(self.definition, spec) or IMPLICIT_ATR

    def _atr_value(self, ref: str | None) -> float | None:
        return None if ref is None else self._bank.value(ref)

    def _resolve(self, ref: str) -> Operand:
        """How a rule reads an operand: a constant, a bar field, a position field or an indicator value."""
        if CONSTANT.match(ref):
            return constant_operand(ref)
        if ref in INPUT_INDEX:
            self._reads_bar = True
            self._bar_fields.add(INPUT_INDEX[ref])
            return Operand(ref, self._bar_now, self._bar_before, INPUT_INDEX[ref])
        if ref in POSITION_FIELDS:
            self._reads_position = True
            return Operand(ref, self._position_now, self._position_before, POSITION_FIELDS.index(ref))
        return Operand(ref, self._bank.now, self._bank.before, self._bank.slot(ref))
