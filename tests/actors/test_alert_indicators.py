"""Indicator alerts in the strategy host on a real engine: warmed up from stored bars, evaluated on each completed bar
with the strategies' evaluator, taken up and dropped as the account changes them, and never fired twice."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import pytest

from tests.actors.alert_factories import alert_notifications
from tests.actors.strategy_factories import HostedDesk
from tests.strategy_scripts import CROSSING_UP, FALLING, SYMBOL, minute_bar
from tradeloop.core.alerts import Alert, AlertKind, AlertStatus, AlertTerms, CancelAlert, CreateAlert, Repeat
from tradeloop.core.bars import bar_ticks

CROSS = json.dumps({
    "condition": {"op": "cross_above", "left": "fast", "right": "slow"}, "timeframe": "1Min",
    "indicators": {"fast": {"type": "sma", "period": 2, "source": "close"}, "slow": {"type": "sma", "period": 4, "source": "close"}},
}, sort_keys=True)  # fmt: skip
ABOVE = json.dumps({"condition": {"op": ">", "left": "close", "right": "99.5"}, "timeframe": "1Min", "indicators": {}})


class Desk(HostedDesk):
    async def post(self, close: str) -> None:
        """The next minute traded, stored, then completed: evaluated before return."""
        bar = minute_bar(self.minute, close)
        self.minute += 1
        for tick in bar_ticks(bar):
            await self.engine.ingest(tick)
        self.source.add(bar)
        self.clock.now = bar.timestamp + timedelta(minutes=1)
        self.host.bar_completed(bar)
        await self.host.idle()
        await self.engine.quiesce()

    def store(self, *closes: str) -> None:
        """Minutes before the host was told of any: what a warm-up reads."""
        for close in closes:
            self.source.add(minute_bar(self.minute, close))
            self.minute += 1

    async def alert(self, indicator: str, **more: object) -> Alert:
        terms = AlertTerms(kind=AlertKind.INDICATOR, symbol=SYMBOL, indicator=indicator, **more)  # type: ignore[arg-type]
        return await self.engine.change_alert(self.account_id, CreateAlert(alert_id=uuid4(), terms=terms))


@pytest.fixture
async def desk() -> AsyncIterator[Desk]:
    opened = await Desk.open()
    yield opened
    await opened.close()


async def test_an_alert_warmed_up_from_stored_bars_fires_on_its_first_live_bar(desk: Desk) -> None:
    desk.store(*FALLING)
    alert = await desk.alert(CROSS)
    await desk.post(CROSSING_UP)
    (told,) = await alert_notifications(desk.engine, desk.account_id)
    assert (told.data["alert_id"], told.data["price"]) == (str(alert.id), CROSSING_UP)
    assert desk.engine.alert(desk.account_id, alert.id).status is AlertStatus.TRIGGERED
    assert desk.host.alerts.watched() == []


async def test_a_fired_once_alert_is_not_fired_again_by_a_restarted_host(desk: Desk) -> None:
    once = await desk.alert(ABOVE)
    every = await desk.alert(ABOVE, repeat=Repeat.EVERY)
    await desk.post("100")  # both fire
    await desk.restart_host()
    await desk.post("101")  # still above: the repeating one held on the bar before (the warm-up saw it)
    await desk.post("99")
    await desk.post("100")  # held anew: the repeating one fires again
    told = await alert_notifications(desk.engine, desk.account_id)
    assert [(each.data["alert_id"], each.data["count"]) for each in told] == [
        (str(once.id), 1), (str(every.id), 1), (str(every.id), 2),
    ]  # fmt: skip


async def test_a_canceled_alert_is_no_longer_evaluated(desk: Desk) -> None:
    alert = await desk.alert(ABOVE)
    await desk.post("90")
    assert [each[1] for each in desk.host.alerts.watched()] == [alert.id]
    await desk.engine.change_alert(desk.account_id, CancelAlert(alert_id=alert.id))
    await desk.post("100")
    assert await alert_notifications(desk.engine, desk.account_id) == []
    assert desk.host.alerts.watched() == []
