"""The risk watch's cost, counted in heap lookups rather than timed: a tick pays for the accounts it moves, not the rest."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

from tradeloop.actors.risk_watch import RiskWatch
from tradeloop.core.risk import watch_bands
from tradeloop.core.risk_limits import RiskLimits, RiskProfile

D = Decimal
PRICE = D(100)
TAPE = [PRICE + D((i * 7) % 17 - 8) / 100 for i in range(1_000)]
"""Prices wandering between 99.92 and 100.08, inside every band registered below."""


def watched(count: int, *, far: bool = True) -> tuple[RiskWatch, list[UUID]]:
    """`count` accounts each holding 10 AAPL at 100 with a daily loss limit and a drawdown limit, registered as an
    account actor registers them; `far`: limits far from the equity (else the first tenth sit close to theirs)."""
    watch = RiskWatch()
    ids: list[UUID] = []
    for number in range(count):
        close = not far and number % 10 == 0
        loss = D(5) if close else D(500)  # 80% of 5 is lost at 99.60; of 500, at 60
        profile = RiskProfile(limits=RiskLimits(daily_loss_limit=loss, max_drawdown_percent=D(20)), peak_equity=D(10_000))
        bands = watch_bands(profile, holdings={"AAPL": (D(10), PRICE)}, equity=D(10_000), start_equity=D(10_000))
        account_id = uuid4()
        watch.register(account_id, bands)
        ids.append(account_id)
    return watch, ids


def lookups_per_tick(watch: RiskWatch) -> list[int]:
    costs = []
    for price in TAPE:
        before = watch.lookups
        assert watch.crossed("AAPL", price) == []
        costs.append(watch.lookups - before)
    return costs


def test_a_tick_costs_one_lookup_however_many_accounts_far_from_their_limits_are_watched() -> None:
    few, _ = watched(10)
    many, _ = watched(10_000)
    assert len(many) == 10_000
    assert lookups_per_tick(few) == lookups_per_tick(many) == [1] * len(TAPE)


def test_a_tick_pays_for_the_accounts_it_moves_past_their_band_once() -> None:
    watch, ids = watched(1_000, far=False)
    close = {account_id for number, account_id in enumerate(ids) if number % 10 == 0}
    before = watch.lookups
    assert set(watch.crossed("AAPL", D("99.5"))) == close
    assert watch.lookups - before == len(close) + 1
    assert len(watch) == 1_000 - len(close)  # handed back to be checked; watched again once they register
    assert lookups_per_tick(watch) == [1] * len(TAPE)


def test_a_registration_replaces_the_last_one_and_stale_entries_cost_nothing_for_long() -> None:
    watch, ids = watched(100)
    for _ in range(50):  # every change of an account registers its bands again
        for account_id in ids:
            watch.register(account_id, {"AAPL": (D(60), D(101))})
    assert len(watch) == 100
    before = watch.lookups
    assert set(watch.crossed("AAPL", D(59))) == set(ids)
    assert watch.lookups - before <= 3 * len(ids) + 64 + 1  # stale entries were compacted away as they piled up
