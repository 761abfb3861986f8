"""Price alerts through a real engine on the manual market: each fires exactly when a price crosses its level, once
(or, repeating, again after its cooldown), expires, and is kept across restarts without firing twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from tests.actors.alert_factories import alert_notifications, price_alert
from tests.actors.factories import SimulatedClock
from tests.actors.strategy_factories import stored_engine
from tests.factories import journal_on, make_engine, set_price
from tradeloop.actors.engine import Engine
from tradeloop.core.alerts import AlertCondition, AlertStatus, CancelAlert, Repeat, ReviseAlert
from tradeloop.core.notifications import NotificationType

START = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)


async def opened(engine: Engine) -> UUID:
    await engine.start()
    return (await engine.open_account(Decimal(10_000))).account_id


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_a_crossing_alert_fires_once_when_the_price_crosses_its_level_and_not_before(tmp_path: Path, kind: str) -> None:
    async with journal_on(kind, tmp_path / "tradeloop.db") as journal:
        engine = make_engine(journal=journal)
        account_id = await opened(engine)
        try:
            await set_price(engine, "AAPL", "185")
            alert = await price_alert(engine, account_id, AlertCondition.CROSSES_ABOVE, "190", note="breakout")
            await set_price(engine, "AAPL", "189.99")
            await set_price(engine, "MSFT", "500")
            assert await alert_notifications(engine, account_id) == []
            await set_price(engine, "AAPL", "190.50")
            await set_price(engine, "AAPL", "185")
            await set_price(engine, "AAPL", "195")
            (told,) = await alert_notifications(engine, account_id)
            assert told.type is NotificationType.ALERT_TRIGGERED
            assert told.data["alert_id"] == str(alert.id)
            assert (told.data["price"], told.data["level"], told.data["note"], told.data["count"]) == (
                "190.50", "190", "breakout", 1,
            )  # fmt: skip
            assert told.data["status"] == "triggered"
            found = engine.alert(account_id, alert.id)
            assert (found.status, found.trigger_count) == (AlertStatus.TRIGGERED, 1)
        finally:
            await engine.stop()


async def test_a_crossing_alert_made_past_its_level_waits_for_the_price_to_come_back_and_cross() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "200")
    alert = await price_alert(engine, account_id, AlertCondition.CROSSES_ABOVE, "190")
    await set_price(engine, "AAPL", "201")
    assert await alert_notifications(engine, account_id) == []
    await set_price(engine, "AAPL", "189")
    assert await alert_notifications(engine, account_id) == []
    await set_price(engine, "AAPL", "190")
    assert [each.data["alert_id"] for each in await alert_notifications(engine, account_id)] == [str(alert.id)]
    await engine.stop()


async def test_a_below_alert_whose_condition_holds_already_fires_at_once() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "150")
    alert = await price_alert(engine, account_id, AlertCondition.BELOW, "160")
    await engine.quiesce()
    (told,) = await alert_notifications(engine, account_id)
    assert told.data["price"] == "150"
    assert engine.alert(account_id, alert.id).status is AlertStatus.TRIGGERED
    await set_price(engine, "AAPL", "140")
    assert len(await alert_notifications(engine, account_id)) == 1
    await engine.stop()


async def test_a_repeating_alert_fires_each_time_it_is_met_anew_but_not_within_its_cooldown() -> None:
    clock = SimulatedClock(START)
    engine = make_engine(clock=clock)
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "100")
    alert = await price_alert(engine, account_id, AlertCondition.ABOVE, "110", repeat=Repeat.EVERY, cooldown_s=60)
    await set_price(engine, "AAPL", "111")  # fires
    await set_price(engine, "AAPL", "112")  # still above: not met anew
    clock.advance(seconds=30)
    await set_price(engine, "AAPL", "105")
    await set_price(engine, "AAPL", "111")  # met anew within the cooldown: skipped
    clock.advance(seconds=60)
    await set_price(engine, "AAPL", "111.5")  # still above since: not met anew
    await set_price(engine, "AAPL", "105")
    await set_price(engine, "AAPL", "113")  # met anew after the cooldown: fires
    told = await alert_notifications(engine, account_id)
    assert [(each.data["price"], each.data["count"]) for each in told] == [("111", 1), ("113", 2)]
    assert len({each.id for each in told}) == 2
    found = engine.alert(account_id, alert.id)
    assert (found.status, found.trigger_count, found.triggered_at) == (AlertStatus.ACTIVE, 2, START + timedelta(seconds=90))
    await engine.stop()


async def test_an_alert_expires_at_its_time_and_never_fires_after() -> None:
    clock = SimulatedClock(START)
    engine = make_engine(clock=clock)
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "100")
    alert = await price_alert(
        engine, account_id, AlertCondition.CROSSES_ABOVE, "110", expires_at=START + timedelta(minutes=5)
    )
    clock.advance(minutes=6)
    await set_price(engine, "MSFT", "500")  # any tick after the expiry
    assert engine.alert(account_id, alert.id).status is AlertStatus.EXPIRED
    await set_price(engine, "AAPL", "120")
    assert await alert_notifications(engine, account_id) == []
    await engine.stop()


async def test_a_revised_level_is_watched_and_a_canceled_alert_is_not() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "100")
    moved = await price_alert(engine, account_id, AlertCondition.CROSSES_ABOVE, "110")
    canceled = await price_alert(engine, account_id, AlertCondition.CROSSES_ABOVE, "105")
    await engine.change_alert(account_id, ReviseAlert(alert_id=moved.id, terms=replace(moved.terms, price=Decimal(120))))
    await engine.change_alert(account_id, CancelAlert(alert_id=canceled.id))
    assert engine.alert(account_id, canceled.id).status is AlertStatus.CANCELED
    await set_price(engine, "AAPL", "115")
    assert await alert_notifications(engine, account_id) == []
    await set_price(engine, "AAPL", "121")
    assert [each.data["alert_id"] for each in await alert_notifications(engine, account_id)] == [str(moved.id)]
    await engine.stop()


@pytest.mark.parametrize("snapshot", [True, False])
async def test_a_restart_keeps_alerts_watching_and_never_fires_a_fired_alert_again(tmp_path: Path, snapshot: bool) -> None:
    async with stored_engine(tmp_path) as engine:
        account_id = (await engine.open_account(Decimal(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        fired = await price_alert(engine, account_id, AlertCondition.CROSSES_ABOVE, "105")
        waiting = await price_alert(engine, account_id, AlertCondition.CROSSES_ABOVE, "110")
        await set_price(engine, "AAPL", "106")
        await engine.stop(snapshot=snapshot)
    async with stored_engine(tmp_path) as engine:
        assert engine.alert(account_id, fired.id).status is AlertStatus.TRIGGERED
        assert engine.alert(account_id, waiting.id).status is AlertStatus.ACTIVE
        await set_price(engine, "AAPL", "104")
        await set_price(engine, "AAPL", "111")
        told = await alert_notifications(engine, account_id)
        assert [each.data["alert_id"] for each in told] == [str(fired.id), str(waiting.id)]
        await engine.stop()
