"""Positions: quantity, exact cost basis, realized P&L at average cost."""

from __future__ import annotations

from tests.core.factories import D
from tradeloop.core.positions import Position


def test_buys_add_qty_and_cost() -> None:
    position = Position(symbol="AAPL")
    position.buy(D(10), D("100.00"))
    position.buy(D(10), D("120.00"))
    assert (position.qty, position.cost_basis, position.avg_entry_price) == (D(20), D("220.00"), D(11))


def test_sale_realizes_pl_against_average_cost() -> None:
    position = Position(symbol="AAPL")
    position.buy(D(10), D("100.00"))
    position.buy(D(10), D("120.00"))
    assert position.sell(D(5), D("75.00")) == D("20.00")  # 5 × (15 − 11)
    assert (position.qty, position.cost_basis) == (D(15), D("165.00"))
    assert position.avg_entry_price == D(11)


def test_sale_at_a_loss_realizes_a_negative_pl() -> None:
    position = Position(symbol="AAPL", qty=D(4), cost_basis=D("40.00"))
    assert position.sell(D(1), D("8.00")) == D("-2.00")


def test_cost_removed_is_rounded_and_what_remains_is_exact() -> None:
    position = Position(symbol="AAPL", qty=D(3), cost_basis=D("10.00"))
    realized = position.sell(D(1), D("4.00"))
    assert realized == D("0.67")  # 4.00 − 3.33
    assert position.cost_basis == D("6.67")
    assert position.sell(D(2), D("7.00")) == D("0.33")
    assert (position.qty, position.cost_basis) == (D(0), D(0))


def test_selling_everything_removes_all_cost() -> None:
    position = Position(symbol="AAPL", qty=D("0.333333333"), cost_basis=D("33.33"))
    assert position.sell(D("0.333333333"), D("40.00")) == D("6.67")
    assert position.cost_basis == 0 and position.avg_entry_price == 0


def test_available_qty_excludes_reserved_shares() -> None:
    position = Position(symbol="AAPL", qty=D(10), reserved_qty=D(4))
    assert position.qty_available == D(6)


def test_market_value_is_rounded_to_the_cent() -> None:
    position = Position(symbol="AAPL", qty=D("0.5"), cost_basis=D("5.00"))
    assert position.market_value(D("10.005")) == D("5.00")
    assert position.market_value(D("10.01")) == D("5.01")  # 5.005 rounds half up
