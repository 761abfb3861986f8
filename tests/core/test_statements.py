"""Account statements: balances at a period's ends and the movements between, reconciling to the cent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import ACCOUNT_ID, D, at
from tradeloop.core.events import CashAdjusted, OrderFilled
from tradeloop.core.money import cents
from tradeloop.core.orders import OrderSide
from tradeloop.core.statements import Holding, Movement, cash_change, statement

SYMBOLS = ("AAPL", "MSFT")


def deposit(amount: str, seconds: float) -> CashAdjusted:
    return CashAdjusted(
        account_id=ACCOUNT_ID, activity_id=uuid4(), amount=D(amount), description="", timestamp=at(seconds)
    )


def fill(
    side: OrderSide, qty: str, price: str, seconds: float, symbol: str = "AAPL", fee: Decimal | None = None
) -> OrderFilled:
    return OrderFilled(
        account_id=ACCOUNT_ID, order_id=uuid4(), fill_id=uuid4(), symbol=symbol, side=side, qty=D(qty), price=D(price),
        cash=cents(D(qty) * D(price)), order_done=True, timestamp=at(seconds), fee=fee,
    )  # fmt: skip


def test_a_period_opens_with_what_came_before_and_closes_with_what_it_added() -> None:
    history: list[Movement] = [
        deposit("500", 0),
        fill(OrderSide.BUY, "10", "100", 10),
        fill(OrderSide.BUY, "5", "130", 20),
        fill(OrderSide.SELL, "3", "120.5", 30),
        deposit("-250.25", 40),
        fill(OrderSide.SELL, "12", "90", 50),
    ]
    found = statement(D(1000), history, at(20), at(40))
    assert found.opening.cash == D(1000) + 500 - 1000  # the buy at the start itself is in the period
    assert found.opening.holdings == (Holding(symbol="AAPL", qty=D(10), cost_basis=D(1000)),)
    assert found.movements == tuple(history[2:5])
    # 3 of 15 shares that cost 1,650 remove 330 of it; they sold for 361.50.
    assert (found.buys, found.sells, found.deposits, found.withdrawals) == (D(650), D("361.50"), D(0), D("250.25"))
    assert found.realized_pl == D("31.50")
    assert found.closing.cash == found.opening.cash - 650 + D("361.50") - D("250.25")
    assert found.closing.holdings == (Holding(symbol="AAPL", qty=D(12), cost_basis=D(1320)),)
    whole = statement(D(1000), history, None, at(60))
    assert whole.opening.cash == D(1000) and whole.opening.holdings == () and whole.closing.holdings == ()
    assert whole.closing.cash == D(1000) + 500 - 1000 - 650 + D("361.50") - D("250.25") + 1080


@dataclass
class _Replay:
    """The test's own account: cash and shares per symbol, kept apart from the code under test."""

    cash: Decimal
    shares: dict[str, Decimal] = field(default_factory=dict)
    history: list[Movement] = field(default_factory=list)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Decimal, list[Movement], list[tuple[Decimal, dict[str, Decimal]]]]:
    """An opening cash, movements the account could make (no overdraft, no short sale), and the balance after each."""
    replay = _Replay(cash=Decimal(draw(st.integers(0, 100_000))) / 100)
    balances = []
    seconds = 0.0
    for _ in range(draw(st.integers(0, 30))):
        seconds += draw(st.sampled_from([0.0, 0.5, 60.0, 86_400.0]))
        kind = draw(st.sampled_from(["deposit", "withdraw", "buy", "sell"]))
        symbol = draw(st.sampled_from(SYMBOLS))
        price = Decimal(draw(st.integers(1, 50_000))) / 100
        held = replay.shares.get(symbol, Decimal(0))
        fee = Decimal(draw(st.integers(0, 500))) / 100 or None  # a fill's fee, as a fee schedule charges it
        movement: Movement
        if kind == "deposit":
            movement = deposit(str(Decimal(draw(st.integers(1, 10_000_00))) / 100), seconds)
        elif kind == "withdraw" and replay.cash > 0:
            movement = deposit(str(-Decimal(draw(st.integers(1, int(replay.cash * 100)))) / 100), seconds)
        elif kind == "buy" and replay.cash >= price + (fee or 0):
            qty = draw(st.integers(1, int((replay.cash - (fee or 0)) / price)))
            movement = fill(OrderSide.BUY, str(qty), str(price), seconds, symbol, fee)
        elif kind == "sell" and held > 0:
            qty = draw(st.integers(1, int(held)))
            movement = fill(OrderSide.SELL, str(qty), str(price), seconds, symbol, fee)
        else:
            continue
        replay.cash += (
            movement.amount
            if isinstance(movement, CashAdjusted)
            else (-movement.cash if movement.side is OrderSide.BUY else movement.cash) - (movement.fee or 0)
        )
        if isinstance(movement, OrderFilled):
            replay.shares[symbol] = held + (movement.qty if movement.side is OrderSide.BUY else -movement.qty)
        replay.history.append(movement)
        balances.append((replay.cash, {s: q for s, q in replay.shares.items() if q}))
    opening = replay.cash - sum((cash_change(m) for m in replay.history), Decimal(0))
    return opening, replay.history, balances


@given(histories(), st.data())
def test_opening_plus_deposits_less_withdrawals_plus_sells_less_buys_less_fees_is_the_closing_cash_to_the_cent(
    drawn: tuple[Decimal, list[Movement], list[tuple[Decimal, dict[str, Decimal]]]], data: st.DataObject
) -> None:
    opening_cash, history, balances = drawn
    last = len(history) + 1
    first = data.draw(st.integers(0, last), label="first movement in the period")
    end_at = data.draw(st.integers(first, last), label="movements up to")
    start = history[first].timestamp if first < len(history) else at(10**7)
    end = history[end_at - 1].timestamp if 0 < end_at <= len(history) else at(10**7)
    start, end = min(start, end), max(start, end)
    found = statement(opening_cash, history, start, end)
    totals = found.deposits - found.withdrawals + found.sells - found.buys - found.fees
    assert found.opening.cash + totals == found.closing.cash
    assert cents(found.closing.cash) == found.closing.cash  # every figure is whole cents: no rounding hides a gap
    before = [m for m in history if m.timestamp < start]
    within = [m for m in history if start <= m.timestamp <= end]
    assert list(found.movements) == within
    assert found.fees == sum((m.fee or 0 for m in within if isinstance(m, OrderFilled)), Decimal(0))
    # The balances are the test's own account after the last movement before each end.
    for moment, movements, balance in ((start, before, found.opening), (end, before + within, found.closing)):
        cash, shares = balances[len(movements) - 1] if movements else (opening_cash, {})
        assert balance.cash == cash, moment
        assert {h.symbol: h.qty for h in balance.holdings} == shares, moment
    # Periods chain: the next period opens with this one's closing balance.
    following = statement(opening_cash, history, end + timedelta(microseconds=1), at(10**8))
    assert following.opening == found.closing
    whole = statement(opening_cash, history, None, at(10**8))
    assert whole.opening.cash == opening_cash and whole.closing.cash == (balances[-1][0] if balances else opening_cash)
