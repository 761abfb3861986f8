"""Property: on random order sequences of the manual market, each point of the portfolio history is the cash and the
positions at its bucket's end marked at the last price by then, worked out here from the activities, and the last
point is GET /v2/account's equity."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.factories import fee_schedules
from tests.http.report_factories import START, Flow, Step, get_json, played
from tradeloop.core.fees import FeeSchedule, order_fee
from tradeloop.core.money import cents

SYMBOLS = ("AAPL", "MSFT")
MINUTES = {"1Min": 1, "5Min": 5, "15Min": 15, "1H": 60}


steps = st.builds(
    Step,
    after_s=st.sampled_from([0, 1, 30, 59, 60, 61, 299, 300, 900, 3599, 3600, 5400]),
    symbol=st.sampled_from(SYMBOLS),
    price=st.integers(100, 20_000).map(lambda c: Decimal(c) / 100),
    action=st.sampled_from(["buy", "buy", "sell", "deposit", "withdraw", "none"]),
    amount=st.integers(1, 10),
)


schedules = fee_schedules(percent_of_notional=False)


async def play(
    plan: list[Step], timeframe: str, pnl_reset: str, fees: FeeSchedule
) -> tuple[dict[str, Any], list[Any], list[Flow], str]:
    """Run the plan on a fresh server; the history, the account's fills, its cash movements and its equity."""
    async with played(plan, SYMBOLS, cash_unit=Decimal(100), fees=fees) as run:
        client, headers = run.client, run.headers
        history = await get_json(
            client, headers, "/v2/account/portfolio/history", start=START.isoformat(), timeframe=timeframe, pnl_reset=pnl_reset
        )
        fills = await get_json(client, headers, "/v2/account/activities/FILL", direction="asc")
        equity = (await get_json(client, headers, "/v2/account"))["equity"]
        return history, fills, run.flows, equity


def expected_equity(
    end: datetime, fills: list[Any], flows: list[Flow], prices: list[tuple[datetime, str, Decimal]], fees: FeeSchedule
) -> Decimal:
    """Cash and positions after every fill and movement before `end`, each position at its last price before `end`.

    Every order fills at once on the manual market, so each fill pays its order's whole fee.
    """
    cash = Decimal(100_000) + sum((amount for at, amount in flows if at < end), Decimal(0))
    qty = dict.fromkeys(SYMBOLS, Decimal(0))
    for fill in fills:
        if datetime.fromisoformat(fill["transaction_time"]) < end:
            sign = 1 if fill["side"] == "buy" else -1
            value = Decimal(fill["qty"]) * Decimal(fill["price"])
            cash -= sign * cents(value) + order_fee(fees, Decimal(fill["qty"]), value)
            qty[fill["symbol"]] += sign * Decimal(fill["qty"])
    last = {symbol: price for at, symbol, price in prices if at < end}
    return cash + sum((cents(qty[s] * last[s]) for s in SYMBOLS if qty[s]), Decimal(0))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(steps, min_size=1, max_size=10), timeframe=st.sampled_from(sorted(MINUTES)),
       pnl_reset=st.sampled_from(["per_day", "no_reset"]), fees=schedules)  # fmt: skip
def test_each_point_is_cash_plus_positions_at_the_last_close_and_the_last_is_the_account_equity(
    plan: list[Step], timeframe: str, pnl_reset: str, fees: FeeSchedule
) -> None:
    """The account pays a random fee schedule (often none): fees lower the equity, and are no cash flow in the P&L."""
    history, fills, flows, equity = asyncio.run(play(plan, timeframe, pnl_reset, fees))
    assert all(fill["type"] == "fill" for fill in fills)
    seconds, prices = 0, []
    for step in plan:
        seconds += step.after_s
        prices.append((START + timedelta(seconds=seconds), step.symbol, step.price))
    size = timedelta(minutes=MINUTES[timeframe])
    assert history["timestamp"][0] == int(START.timestamp())
    for stamp, shown, pl in zip(history["timestamp"], history["equity"], history["profit_loss"], strict=True):
        start = datetime.fromtimestamp(stamp, START.tzinfo)
        end = start + size
        assert Decimal(str(shown)) == expected_equity(end, fills, flows, prices, fees), (stamp, shown)
        # P&L: from the close before the point's day (per_day) or the first day's, less the cash moved since
        base_at = (start if pnl_reset == "per_day" else START).replace(hour=0, minute=0)
        moved = sum((amount for at, amount in flows if base_at <= at < end), Decimal(0))
        base = expected_equity(base_at, fills, flows, prices, fees)
        assert Decimal(str(pl)) == Decimal(str(shown)) - base - moved, (stamp, pl)
    assert Decimal(str(history["equity"][-1])) == Decimal(equity)
    assert len(history["profit_loss"]) == len(history["profit_loss_pct"]) == len(history["timestamp"])
