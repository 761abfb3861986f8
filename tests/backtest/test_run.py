"""One backtest run on the real engine and host: repeatable to the byte, fills at the chosen moment, fees and slippage."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from tests.backtest.builders import price_path, run_spec
from tradeloop.backtest.run import Canceled, run_backtest
from tradeloop.backtest.spec import Commission, Fill

BARS = price_path(240)


def test_the_same_input_gives_byte_identical_results() -> None:
    first = run_backtest(run_spec(BARS))
    assert run_backtest(run_spec(BARS)) == first
    assert len(orjson.loads(first)["fills"]) >= 4


@pytest.mark.parametrize("fill", [Fill.NEXT_BAR_OPEN, Fill.BAR_CLOSE])
def test_orders_fill_at_the_next_bars_open_or_at_the_deciding_bars_close(fill: Fill) -> None:
    result = orjson.loads(run_backtest(run_spec(BARS, fill=fill)))
    by_minute = {bar.timestamp.strftime("%Y-%m-%dT%H:%M"): bar for bar in BARS}
    orders = {order["id"]: order for order in result["orders"]}
    assert result["signals"] and all(signal["order_id"] in orders for signal in result["signals"])
    for signal in result["signals"]:
        decided = by_minute[signal["bar_time"][:16]]
        order = orders[signal["order_id"]]
        if fill is Fill.BAR_CLOSE:
            assert Decimal(order["filled_avg_price"]) == decided.close
        else:
            following = BARS[BARS.index(decided) + 1] if decided is not BARS[-1] else None
            if following is not None:
                assert Decimal(order["filled_avg_price"]) == following.open


def test_commission_is_charged_per_fill_and_comes_out_of_the_equity() -> None:
    plain = orjson.loads(run_backtest(run_spec(BARS)))
    charged = orjson.loads(run_backtest(run_spec(
        BARS, commission=Commission(per_share=Decimal("0.01"), per_order=Decimal("1"), percent=Decimal("0.1"))
    )))
    fills = charged["fills"]
    assert [f["price"] for f in fills] == [f["price"] for f in plain["fills"]]
    expected = [
        (Decimal("0.01") * Decimal(f["qty"]) + Decimal("0.001") * Decimal(f["qty"]) * Decimal(f["price"]) + 1).quantize(
            Decimal("0.01")
        )
        for f in fills
    ]
    assert [Decimal(f["fee"]) for f in fills] == expected
    fees = sum(expected, Decimal(0))
    assert Decimal(charged["metrics"]["fees"]) == fees
    assert Decimal(charged["metrics"]["final_equity"]) == Decimal(plain["metrics"]["final_equity"]) - fees


def test_slippage_moves_each_fill_against_its_side() -> None:
    plain = orjson.loads(run_backtest(run_spec(BARS)))
    slipped = orjson.loads(run_backtest(run_spec(BARS, slippage_bps=Decimal("10"))))
    assert len(slipped["fills"]) == len(plain["fills"])
    for before, after in zip(plain["fills"], slipped["fills"]):
        price, moved = Decimal(before["price"]), Decimal(after["price"])
        if before["side"] == "buy":
            assert moved == (price * Decimal("1.001")).quantize(Decimal("0.01"), rounding="ROUND_CEILING")
        else:
            assert moved == (price * Decimal("0.999")).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")


def test_progress_is_reported_and_a_true_answer_stops_the_run() -> None:
    told: list[float] = []

    def report(done: float) -> bool:
        told.append(done)
        return False

    run_backtest(run_spec(price_path(1100)), report)
    assert told == sorted(told) and told[-1] == 1.0 and len(told) >= 3

    with pytest.raises(Canceled):
        run_backtest(run_spec(price_path(1100)), lambda done: done > 0.2)
