"""The portfolio history replay: equity at each bucket's end from fills, cash movements and closes, P&L from a day's close."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

from tradeloop.core.bars import TimeFrame, TimeFrameUnit
from tradeloop.core.events import CashAdjusted
from tradeloop.core.money import cents
from tradeloop.core.orders import OrderSide
from tradeloop.core.portfolio_history import Mark, PortfolioHistory, bucket_starts, replay, symbols_held
from tradeloop.core.trades import Fill

HOUR = TimeFrame(1, TimeFrameUnit.HOUR)
DAY = TimeFrame(1, TimeFrameUnit.DAY)
OPENED = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
ACCOUNT = uuid4()


def at(hours: float) -> datetime:
    """`hours` after 2026-01-05 00:00 UTC."""
    return datetime(2026, 1, 5, tzinfo=timezone.utc) + timedelta(hours=hours)


def fill(side: OrderSide, qty: str, price: str, hours: float, symbol: str = "AAPL") -> Fill:
    q, p = Decimal(qty), Decimal(price)
    return Fill(
        fill_id=uuid4(),
        order_id=uuid4(),
        symbol=symbol,
        side=side,
        qty=q,
        price=p,
        cash=cents(q * p),
        timestamp=at(hours),
    )


def flow(amount: str, hours: float) -> CashAdjusted:
    return CashAdjusted(
        account_id=ACCOUNT, activity_id=uuid4(), amount=Decimal(amount), description="", timestamp=at(hours)
    )


def mark(price: str, bar_hour: int, symbol: str = "AAPL") -> Mark:
    """The close of the hour bar starting `bar_hour` hours after midnight, known from its end."""
    return Mark(symbol=symbol, at=at(bar_hour + 1), price=Decimal(price))


def test_a_position_is_marked_at_the_last_close_by_the_end_of_each_bucket_and_at_cost_before_any() -> None:
    fills = [fill(OrderSide.BUY, "10", "100", 10.5), fill(OrderSide.BUY, "5", "50", 10.6, symbol="MSFT")]
    marks = [mark("104", 11), mark("99", 13)]  # MSFT never has a bar: held at its cost, 250
    history = replay(
        opening_cash=Decimal(10_000), opened_at=OPENED, fills=fills, flows=[], marks=marks,
        starts=bucket_starts(HOUR, at(10), at(13.5)), timeframe=HOUR, reset_daily=True,
    )  # fmt: skip
    assert [p.start for p in history.points] == [at(10), at(11), at(12), at(13)]
    # 10:00-11:00 has no AAPL close yet: both at cost; then 104 from 12:00, and 99 from 14:00
    assert [p.equity for p in history.points] == [Decimal("10000"), Decimal("10040"), Decimal("10040"), Decimal("9990")]
    assert [p.profit_loss_pct for p in history.points][-1] == Decimal("-0.001")
    assert (history.base_value, history.base_value_asof) == (Decimal(10_000), None)


def test_sales_deposits_and_withdrawals_move_cash_and_pl_leaves_the_movements_out() -> None:
    fills = [fill(OrderSide.BUY, "10", "100", 30), fill(OrderSide.SELL, "10", "110", 50)]
    flows = [flow("1000", 40), flow("-300", 52)]
    marks = [mark("100", 30), mark("105", 40), mark("110", 50)]
    history = replay(
        opening_cash=Decimal(5_000), opened_at=OPENED, fills=fills, flows=flows, marks=marks,
        starts=bucket_starts(DAY, at(30), at(60)), timeframe=DAY, reset_daily=True, flow_kinds=("CSD", "CSW", "DIV"),
    )  # fmt: skip
    day2, day3 = history.points
    assert (day2.start, day3.start) == (at(24), at(48))
    # the day after the purchase closes at 105 with the deposit: 4,000 + 1,000 + 1,050
    assert (day2.equity, day2.profit_loss) == (Decimal("6050"), Decimal("50"))
    assert (day3.equity, day3.profit_loss) == (Decimal("5800"), Decimal("100"))  # sold for 1,100, 300 withdrawn
    assert day2.cashflow == {"CSD": Decimal(1000), "CSW": Decimal(0), "DIV": Decimal(0)}
    assert day3.cashflow == {"CSD": Decimal(0), "CSW": Decimal(-300), "DIV": Decimal(0)}
    # daily charts measure from the close before the first day: 2026-01-05, when the account already held its cash
    assert (history.base_value, history.base_value_asof) == (Decimal(5_000), date(2026, 1, 5))


def test_intraday_pl_starts_again_each_day_unless_asked_not_to() -> None:
    fills = [fill(OrderSide.BUY, "10", "100", 23)]
    marks = [mark("100", 23), mark("120", 24), mark("90", 47), mark("95", 48)]

    def chart(reset_daily: bool) -> PortfolioHistory:
        return replay(
            opening_cash=Decimal(1_000), opened_at=OPENED, fills=fills, flows=[], marks=marks,
            starts=bucket_starts(HOUR, at(23), at(48)), timeframe=HOUR, reset_daily=reset_daily,
        )  # fmt: skip

    per_day, kept = chart(True), chart(False)
    assert per_day.points[-1].equity == kept.points[-1].equity == Decimal("950")
    assert kept.points[-1].profit_loss == Decimal("-50")  # from the first day's base, 1,000
    assert per_day.points[-1].profit_loss == Decimal("50")  # from the close of 2026-01-06: 900
    assert per_day.points[0].profit_loss == kept.points[0].profit_loss == Decimal("0")


def test_a_zero_base_has_no_percentage() -> None:
    history = replay(
        opening_cash=Decimal(0), opened_at=OPENED, fills=[], flows=[flow("100", 11)], marks=[],
        starts=bucket_starts(HOUR, at(11), at(11)), timeframe=HOUR, reset_daily=True,
    )  # fmt: skip
    (point,) = history.points
    assert (point.equity, point.profit_loss, point.profit_loss_pct) == (Decimal(100), Decimal(0), None)


def test_the_symbols_to_mark_are_those_held_at_the_start_or_filled_within() -> None:
    fills = [
        fill(OrderSide.BUY, "1", "10", 1, "AAPL"), fill(OrderSide.SELL, "1", "10", 2, "AAPL"),
        fill(OrderSide.BUY, "1", "10", 1, "MSFT"), fill(OrderSide.BUY, "1", "10", 5, "TSLA"),
        fill(OrderSide.BUY, "1", "10", 9, "NVDA"),
    ]  # fmt: skip
    assert symbols_held(fills, at(3), at(8)) == {"MSFT", "TSLA"}
