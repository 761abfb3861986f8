"""The alert watch: which triggers a price reaches (inclusive and strict), each once, and a tick's cost that does not
grow with the alerts it does not reach."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import T0
from tradeloop.actors.alert_watch import AlertWatch, Trigger

ACCOUNT = UUID(int=1)


def ids(found: list[tuple[UUID, UUID]]) -> set[int]:
    return {alert_id.int for _, alert_id in found}


def test_rising_and_falling_triggers_are_reached_at_their_price_and_strict_ones_only_past_it() -> None:
    watch = AlertWatch()
    watch.register(ACCOUNT, UUID(int=1), [Trigger("AAPL", Decimal(190), rising=True)])
    watch.register(ACCOUNT, UUID(int=2), [Trigger("AAPL", Decimal(190), rising=True, strict=True)])
    watch.register(ACCOUNT, UUID(int=3), [Trigger("AAPL", Decimal(180), rising=False)])
    watch.register(ACCOUNT, UUID(int=4), [Trigger("AAPL", Decimal(180), rising=False, strict=True)])
    assert watch.crossed("AAPL", Decimal(185)) == []
    assert watch.crossed("MSFT", Decimal(500)) == []
    assert ids(watch.crossed("AAPL", Decimal(190))) == {1}
    assert ids(watch.crossed("AAPL", Decimal("190.01"))) == {2}
    assert ids(watch.crossed("AAPL", Decimal(180))) == {3}
    assert ids(watch.crossed("AAPL", Decimal("179.99"))) == {4}
    assert len(watch) == 0  # each is handed back once, then no longer watched
    assert watch.crossed("AAPL", Decimal(1)) == [] and watch.crossed("AAPL", Decimal(1000)) == []


def test_a_registration_replaces_the_last_and_forget_drops_it() -> None:
    watch = AlertWatch()
    alert = UUID(int=1)
    watch.register(ACCOUNT, alert, [Trigger("AAPL", Decimal(190), rising=True)])
    watch.register(ACCOUNT, alert, [Trigger("AAPL", Decimal(200), rising=True)])
    assert watch.crossed("AAPL", Decimal(195)) == []
    assert watch.crossed("AAPL", Decimal(200)) == [(ACCOUNT, alert)]
    watch.register(ACCOUNT, alert, [Trigger("AAPL", Decimal(190), rising=True)])
    watch.forget(alert)
    assert watch.crossed("AAPL", Decimal(300)) == []


def test_expiries_come_due_once_in_time_order_and_forget_drops_them() -> None:
    watch = AlertWatch()
    watch.expire_at(ACCOUNT, UUID(int=1), T0 + timedelta(minutes=1))
    watch.expire_at(ACCOUNT, UUID(int=2), T0 + timedelta(minutes=2))
    watch.expire_at(ACCOUNT, UUID(int=3), T0 + timedelta(minutes=1))
    watch.forget(UUID(int=3))
    assert watch.due(T0) == []
    assert ids(watch.due(T0 + timedelta(minutes=1))) == {1}
    assert ids(watch.due(T0 + timedelta(hours=1))) == {2}
    assert watch.due(T0 + timedelta(days=1)) == []


@pytest.mark.parametrize("alerts", [0, 10, 10_000])
def test_a_tick_that_reaches_no_trigger_looks_at_the_same_few_entries_however_many_alerts_wait(alerts: int) -> None:
    watch = AlertWatch()
    for number in range(alerts):  # levels above and below, never reached by the prices below
        rising = number % 2 == 0
        level = Decimal(200 + number % 50) if rising else Decimal(100 - number % 50)
        watch.register(ACCOUNT, UUID(int=number + 1), [Trigger("AAPL", level, rising=rising)])
    watch.lookups = 0
    for cents in range(15_000, 15_100):
        assert watch.crossed("AAPL", Decimal(cents) / 100) == []
    assert watch.lookups <= 100  # at most one look at the heaps' tops per tick
    assert len(watch) == alerts


def test_many_re_registrations_keep_the_heaps_small() -> None:
    watch = AlertWatch()
    alert = UUID(int=1)
    for step in range(10_000):
        watch.register(ACCOUNT, alert, [Trigger("AAPL", Decimal(200 + step % 7), rising=True)])
    heaps = watch._symbols["AAPL"]  # noqa: SLF001 - the size of what it keeps is what is under test
    assert len(heaps.rising) + len(heaps.falling) < 200
    assert watch.crossed("AAPL", Decimal(1000)) == [(ACCOUNT, alert)]


prices = st.decimals(min_value=Decimal(1), max_value=Decimal(300), places=2)
triggers = st.tuples(prices, st.booleans(), st.booleans())


def reaches(trigger: Trigger, price: Decimal) -> bool:
    """What a trigger means, said plainly."""
    if trigger.rising:
        return price > trigger.price if trigger.strict else price >= trigger.price
    return price < trigger.price if trigger.strict else price <= trigger.price


@given(st.lists(triggers, max_size=40), st.lists(prices, min_size=1, max_size=20))
def test_each_price_hands_back_exactly_the_triggers_it_reaches_each_once(
    registered: list[tuple[Decimal, bool, bool]], ticks: list[Decimal]
) -> None:
    watch = AlertWatch()
    waiting = {UUID(int=n + 1): Trigger("AAPL", price, rising, strict) for n, (price, rising, strict) in enumerate(registered)}
    for alert_id, trigger in waiting.items():
        watch.register(ACCOUNT, alert_id, [trigger])
    for price in ticks:
        expected = {alert_id for alert_id, trigger in waiting.items() if reaches(trigger, price)}
        assert {alert_id for _, alert_id in watch.crossed("AAPL", price)} == expected
        for alert_id in expected:
            del waiting[alert_id]
    assert len(watch) == len(waiting)
