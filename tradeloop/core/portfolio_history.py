"""Portfolio history: an account's equity at the end of each bucket of a timeframe, replayed from its journal.

Nothing is sampled: the equity at a moment is the cash and the positions that
the fills and cash movements before that moment leave, each position marked at
the close of its symbol's last bar ending by then (at its cost while its
symbol has no such bar), to the cent.

P&L is measured from a day's closing equity, the base (Alpaca's `pnl_reset`):
the close of the day before each point's day (`per_day`, intraday charts) or
before the first point's day (daily charts, and `no_reset`). Money moved in or
out since the base is not profit: deposits and withdrawals are taken out of it.
A moment before the account opened counts its opening cash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from tradeloop.core.bars import TimeFrame, TimeFrameUnit
from tradeloop.core.events import CashAdjusted
from tradeloop.core.money import ZERO
from tradeloop.core.orders import OrderSide
from tradeloop.core.positions import Position
from tradeloop.core.trades import Fill

DAY: Final = TimeFrame(1, TimeFrameUnit.DAY)
PCT_PLACES: Final = Decimal("1E-10")
"""P&L percentages are fractions ('0.0123' is 1.23%) to ten places."""
DEPOSIT: Final = "CSD"
WITHDRAWAL: Final = "CSW"


def flow_kind(flow: CashAdjusted) -> str:
    """Alpaca's activity type of a cash movement: CSD for a deposit, CSW for a withdrawal."""
    return DEPOSIT if flow.amount > 0 else WITHDRAWAL


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    """A symbol's close, known from `at` on (the end of its bar)."""

    symbol: str
    at: datetime
    price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryPoint:
    """One bucket: its start, the equity at its end, the P&L from its base, and the cash moved in it by type."""

    start: datetime
    equity: Decimal
    profit_loss: Decimal
    profit_loss_pct: Decimal | None
    """P&L over the base (None when the base is zero)."""
    cashflow: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioHistory:
    points: tuple[HistoryPoint, ...]
    base_value: Decimal
    """The base of the first point: the equity at the start of its day."""
    base_value_asof: date | None
    """The day whose close `base_value` is; None when the account opened after it (its opening cash is the base)."""


@dataclass(slots=True, kw_only=True)
class _Ledger:
    """The account's cash and positions moved forward through time, one moment after another."""

    cash: Decimal
    fills: Sequence[Fill]
    flows: Sequence[CashAdjusted]
    marks: Sequence[Mark]
    positions: dict[str, Position] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)
    moved: dict[str, Decimal] = field(default_factory=dict)
    """Cash moved in and out so far, by type."""
    _fill: int = 0
    _flow: int = 0
    _mark: int = 0

    def advance(self, moment: datetime) -> None:
        """Apply every fill and cash movement before `moment`, and every close known by then."""
        fills, flows, marks = self.fills, self.flows, self.marks
        while self._fill < len(fills) and fills[self._fill].timestamp < moment:
            self._apply(fills[self._fill])
            self._fill += 1
        while self._flow < len(flows) and flows[self._flow].timestamp < moment:
            flow = flows[self._flow]
            self.cash += flow.amount
            kind = flow_kind(flow)
            self.moved[kind] = self.moved.get(kind, ZERO) + flow.amount
            self._flow += 1
        while self._mark < len(marks) and marks[self._mark].at <= moment:
            mark = marks[self._mark]
            self.prices[mark.symbol] = mark.price
            self._mark += 1

    def _apply(self, fill: Fill) -> None:
        position = self.positions.get(fill.symbol)
        if position is None:
            position = self.positions[fill.symbol] = Position(symbol=fill.symbol)
        # A fee lowers the cash (so the equity) as the account applies it; it is not a cash flow.
        if fill.side is OrderSide.BUY:
            paid = fill.cash + fill.fee
            self.cash -= paid
            position.buy(fill.qty, paid)
            return
        got = fill.cash - fill.fee
        self.cash += got
        # The account never sells more than it holds; the guard keeps a damaged history from dividing by zero.
        if position.qty > ZERO:
            position.sell(min(fill.qty, position.qty), got)
        if position.qty <= ZERO:
            del self.positions[fill.symbol]  # as the account drops a flat position and starts afresh

    def equity(self) -> Decimal:
        """Cash plus each position at its last close (at cost without one), each to the cent."""
        total = self.cash
        for symbol, position in self.positions.items():
            price = self.prices.get(symbol)
            total += position.market_value(price) if price is not None else position.cost_basis
        return total

    @property
    def net_moved(self) -> Decimal:
        return sum(self.moved.values(), ZERO)


def replay(
    *,
    opening_cash: Decimal,
    opened_at: datetime,
    fills: Iterable[Fill],
    flows: Iterable[CashAdjusted],
    marks: Iterable[Mark],
    starts: Sequence[datetime],
    timeframe: TimeFrame,
    reset_daily: bool,
    flow_kinds: Iterable[str] = (),
) -> PortfolioHistory:
    """The equity and P&L at the end of each bucket starting at `starts` (in order), and the cash moved in each.

    `fills` come in the order the account applied them; `reset_daily` measures an
    intraday point's P&L from the close before its own day. `flow_kinds` are the
    cash movement types whose amounts each point carries (zero where none moved).
    """
    ledger = _Ledger(
        cash=opening_cash,
        fills=sorted(fills, key=_fill_time),  # stable: fills of one moment keep the account's order
        flows=sorted(flows, key=_flow_time),
        marks=sorted(marks, key=_mark_time),
    )
    kinds = tuple(flow_kinds)
    daily = reset_daily and timeframe.unit in (TimeFrameUnit.MINUTE, TimeFrameUnit.HOUR)
    points: list[HistoryPoint] = []
    base = base_value = ZERO
    base_moved = ZERO
    base_day: datetime | None = None
    asof: date | None = None
    for start in starts:
        day = DAY.bucket_start(start)
        if base_day is None or (daily and day != base_day):
            ledger.advance(day)
            base, base_moved = ledger.equity(), ledger.net_moved
            if base_day is None:
                base_value = base
                asof = (day - timedelta(days=1)).date() if day > opened_at else None
            base_day = day
        ledger.advance(start)
        before = dict(ledger.moved)
        ledger.advance(timeframe.next_start(start))
        equity = ledger.equity()
        profit_loss = equity - base - (ledger.net_moved - base_moved)
        points.append(
            HistoryPoint(
                start=start,
                equity=equity,
                profit_loss=profit_loss,
                profit_loss_pct=(profit_loss / base).quantize(PCT_PLACES, ROUND_HALF_EVEN) if base else None,
                cashflow={kind: ledger.moved.get(kind, ZERO) - before.get(kind, ZERO) for kind in kinds},
            )
        )
    return PortfolioHistory(points=tuple(points), base_value=base_value, base_value_asof=asof)


def symbols_held(fills: Iterable[Fill], start: datetime, end: datetime) -> set[str]:
    """The symbols the account holds at `start` or fills from then until before `end`: those a chart must mark."""
    held: dict[str, Decimal] = {}
    touched: set[str] = set()
    for fill in fills:
        if fill.timestamp < start:
            held[fill.symbol] = held.get(fill.symbol, ZERO) + (fill.qty if fill.side is OrderSide.BUY else -fill.qty)
        elif fill.timestamp < end:
            touched.add(fill.symbol)
    return touched | {symbol for symbol, qty in held.items() if qty > ZERO}


def bucket_starts(timeframe: TimeFrame, first: datetime, last: datetime) -> list[datetime]:
    """The starts of the timeframe's buckets from the one holding `first` to the one holding `last`."""
    starts: list[datetime] = []
    start, end = timeframe.bucket_start(first), timeframe.bucket_start(last)
    while start <= end:
        starts.append(start)
        start = timeframe.next_start(start)
    return starts


def _fill_time(fill: Fill) -> datetime:
    return fill.timestamp


def _flow_time(flow: CashAdjusted) -> datetime:
    return flow.timestamp


def _mark_time(mark: Mark) -> datetime:
    return mark.at
