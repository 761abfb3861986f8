"""Account statements: the cash and positions at a period's start, every movement in it, and the cash and positions at its end.

A statement replays the account's movements (fills and cash adjustments) in
the order the account applied them, from the cash it was opened with, so the
opening and closing balances are what the account held at those moments, and
opening + deposits − withdrawals + sells − buys − fees = closing holds to the
cent by construction: each movement is counted once, as the cash it moved (a
fill's fee apart from its price, in `fees`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradeloop.core.events import CashAdjusted, OrderFilled
from tradeloop.core.money import ZERO
from tradeloop.core.orders import OrderSide
from tradeloop.core.positions import Position

Movement = OrderFilled | CashAdjusted
"""What changes an account's cash or positions: a fill, a deposit or a withdrawal."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Holding:
    """One position held at a moment: its quantity and what it cost (the account's average cost, as Alpaca keeps it)."""

    symbol: str
    qty: Decimal
    cost_basis: Decimal

    @property
    def avg_entry_price(self) -> Decimal:
        return self.cost_basis / self.qty


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    """The account's cash and positions at a moment, positions by symbol."""

    cash: Decimal
    holdings: tuple[Holding, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One period of an account: the balance before it, its movements, their totals, and the balance after it."""

    start: datetime | None
    """Movements at or after this moment (None: from the account's opening)."""
    end: datetime
    """Movements at or before this moment."""
    opening: Balance
    movements: tuple[Movement, ...]
    deposits: Decimal
    withdrawals: Decimal
    """What left the account as withdrawals, as a positive amount."""
    buys: Decimal
    """Cash paid for shares bought."""
    sells: Decimal
    """Cash received for shares sold."""
    fees: Decimal
    """Fees charged on the period's fills (`core.fees`)."""
    realized_pl: Decimal
    """Profit or loss realized by the period's sales, at the account's average cost, net of fees."""
    closing: Balance


def cash_change(movement: Movement) -> Decimal:
    """What a movement did to the cash balance: a deposit or a sale adds, a withdrawal or a purchase takes."""
    if isinstance(movement, CashAdjusted):
        return movement.amount
    fee = movement.fee or ZERO
    return -movement.cash - fee if movement.side is OrderSide.BUY else movement.cash - fee


class _Ledger:
    """Cash and positions as movements apply, the way the account applies them."""

    def __init__(self, cash: Decimal) -> None:
        self.cash = cash
        self.positions: dict[str, Position] = {}

    def apply(self, movement: Movement) -> Decimal:
        """Apply one movement; returns the P&L it realized (zero but for a sale)."""
        self.cash += cash_change(movement)
        if isinstance(movement, CashAdjusted):
            return ZERO
        position = self.positions.setdefault(movement.symbol, Position(symbol=movement.symbol))
        fee = movement.fee or ZERO  # as the account applies it: part of a buy's cost, off a sale's proceeds
        if movement.side is OrderSide.BUY:
            position.buy(movement.qty, movement.cash + fee)
            return ZERO
        realized = position.sell(movement.qty, movement.cash - fee)
        if not position.qty:
            del self.positions[movement.symbol]
        return realized

    def balance(self) -> Balance:
        holdings = tuple(
            Holding(symbol=symbol, qty=position.qty, cost_basis=position.cost_basis)
            for symbol, position in sorted(self.positions.items())
        )
        return Balance(cash=self.cash, holdings=holdings)


class StatementReplay:
    """A statement built one movement at a time, oldest first; `keep` False forgets the movements (only totals and balances)."""

    def __init__(self, opening_cash: Decimal, start: datetime | None, end: datetime, *, keep: bool = True) -> None:
        self.start, self.end, self._keep = start, end, keep
        self._ledger = _Ledger(opening_cash)
        self._opening: Balance | None = None if start is not None else self._ledger.balance()
        self._within: list[Movement] = []
        self.deposits = self.withdrawals = self.buys = self.sells = self.fees = self.realized = ZERO

    def add(self, movement: Movement) -> bool:
        """Apply one movement; False once past the end (it and any later one are ignored)."""
        if movement.timestamp > self.end:
            return False
        if self._opening is None:
            assert self.start is not None
            if movement.timestamp < self.start:
                self._ledger.apply(movement)
                return True
            self._opening = self._ledger.balance()
        self.realized += self._ledger.apply(movement)
        if self._keep:
            self._within.append(movement)
        if isinstance(movement, CashAdjusted):
            if movement.amount > 0:
                self.deposits += movement.amount
            else:
                self.withdrawals -= movement.amount
        else:
            if movement.fee:
                self.fees += movement.fee
            if movement.side is OrderSide.BUY:
                self.buys += movement.cash
            else:
                self.sells += movement.cash
        return True

    def result(self) -> Statement:
        closing = self._ledger.balance()
        return Statement(
            start=self.start,
            end=self.end,
            opening=closing if self._opening is None else self._opening,
            movements=tuple(self._within),
            deposits=self.deposits,
            withdrawals=self.withdrawals,
            buys=self.buys,
            sells=self.sells,
            fees=self.fees,
            realized_pl=self.realized,
            closing=closing,
        )


def statement(opening_cash: Decimal, movements: Iterable[Movement], start: datetime | None, end: datetime) -> Statement:
    """The statement of [start, end] for an account opened with `opening_cash` that made `movements`, oldest first.

    Movements after `end` are ignored, so the whole history may be passed.
    """
    replay = StatementReplay(opening_cash, start, end)
    for movement in movements:
        if not replay.add(movement):
            break
    return replay.result()
