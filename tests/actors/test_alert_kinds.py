"""Percent change and position alerts through a real engine on the manual market: a percent of a reference becomes a
price level; a position's P&L target becomes a price level that moves with the position, and fires once reached."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from tests.actors.alert_factories import alert_notifications, make_alert
from tests.factories import make_engine, set_price
from tradeloop.actors.engine import Engine
from tradeloop.core.alerts import AlertKind, AlertStatus, Repeat
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce


async def opened(engine: Engine) -> UUID:
    await engine.start()
    return (await engine.open_account(Decimal(100_000))).account_id


def market(side: OrderSide, qty: str) -> OrderRequest:
    return OrderRequest(symbol="AAPL", qty=Decimal(qty), side=side, type=OrderType.MARKET, time_in_force=TimeInForce.DAY)


async def test_a_percent_change_from_the_price_when_made_fires_at_that_move_and_not_short_of_it() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "200")
    up = await make_alert(engine, account_id, kind=AlertKind.PERCENT_CHANGE, percent=Decimal(5))
    down = await make_alert(engine, account_id, kind=AlertKind.PERCENT_CHANGE, percent=Decimal("-2.5"))
    assert (up.terms.reference_price, up.terms.price, down.terms.price) == (Decimal(200), Decimal(210), Decimal(195))
    await set_price(engine, "AAPL", "209.99")
    await set_price(engine, "AAPL", "195.01")
    assert await alert_notifications(engine, account_id) == []
    await set_price(engine, "AAPL", "210")
    await set_price(engine, "AAPL", "194")
    told = await alert_notifications(engine, account_id)
    assert [(each.data["alert_id"], each.data["price"], each.data["level"]) for each in told] == [
        (str(up.id), "210", "210.00"), (str(down.id), "194", "195.00"),
    ]  # fmt: skip
    await engine.stop()


async def test_a_position_alert_fires_when_the_unrealized_loss_reaches_its_amount() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "100")
    alert = await make_alert(engine, account_id, kind=AlertKind.POSITION, amount=Decimal(-50))
    await set_price(engine, "AAPL", "90")  # nothing held: nothing to lose
    await set_price(engine, "AAPL", "100")
    await engine.place_order(account_id, market(OrderSide.BUY, "10"))  # cost 1,000: the level is 95
    await set_price(engine, "AAPL", "95.01")
    assert await alert_notifications(engine, account_id) == []
    await set_price(engine, "AAPL", "95")
    (told,) = await alert_notifications(engine, account_id)
    assert (told.data["alert_id"], told.data["price"], told.data["value"]) == (str(alert.id), "95", "-50.00")
    assert engine.alert(account_id, alert.id).status is AlertStatus.TRIGGERED
    await engine.stop()


async def test_a_position_alerts_level_moves_with_the_position() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "100")
    await engine.place_order(account_id, market(OrderSide.BUY, "10"))  # cost 1,000
    gain = await make_alert(engine, account_id, kind=AlertKind.POSITION, percent=Decimal(10), repeat=Repeat.EVERY)
    await set_price(engine, "AAPL", "110")  # +100 on 1,000: fires
    await set_price(engine, "AAPL", "100")
    await engine.place_order(account_id, market(OrderSide.BUY, "10"))  # 20 shares for 2,000: +10% is now at 110 still
    await set_price(engine, "AAPL", "105")
    await set_price(engine, "AAPL", "105")
    await engine.place_order(account_id, market(OrderSide.BUY, "20"))  # 40 shares for 4,100: +10% is at 112.75
    await set_price(engine, "AAPL", "112.74")
    assert len(await alert_notifications(engine, account_id)) == 1
    await set_price(engine, "AAPL", "112.75")
    told = await alert_notifications(engine, account_id)
    assert [(each.data["price"], each.data["value"], each.data["count"]) for each in told] == [
        ("110", "100.00", 1), ("112.75", "410.00", 2),
    ]  # fmt: skip
    assert engine.alert(account_id, gain.id).status is AlertStatus.ACTIVE
    await engine.stop()


async def test_a_position_alert_whose_target_is_reached_already_fires_at_once() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "100")
    await engine.place_order(account_id, market(OrderSide.BUY, "10"))
    await set_price(engine, "AAPL", "80")
    alert = await make_alert(engine, account_id, kind=AlertKind.POSITION, percent=Decimal(-10))
    await engine.quiesce()
    (told,) = await alert_notifications(engine, account_id)
    assert (told.data["alert_id"], told.data["value"]) == (str(alert.id), "-200.00")
    await engine.stop()
