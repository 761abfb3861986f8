"""Account alerts through a real engine on the manual market: the equity, the day's P&L or the drawdown crossing a
level, watched through a band per held symbol and looked at again after every write of the account."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from uuid import UUID

from tests.actors.alert_factories import alert_notifications, make_alert
from tests.factories import make_engine, set_price
from tradeloop.actors.engine import Engine
from tradeloop.core.alerts import AccountMetric, AlertCondition, AlertKind, AlertStatus
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce


async def opened(engine: Engine, cash: int = 10_000) -> UUID:
    await engine.start()
    return (await engine.open_account(Decimal(cash))).account_id


def buy(symbol: str, qty: str) -> OrderRequest:
    return OrderRequest(symbol=symbol, qty=Decimal(qty), side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY)


async def account_alert(engine: Engine, account_id: UUID, metric: AccountMetric, condition: AlertCondition, level: str) -> UUID:
    made = await make_alert(
        engine, account_id, kind=AlertKind.ACCOUNT, symbol=None, metric=metric, condition=condition, level=Decimal(level)
    )
    return made.id


async def test_equity_crossing_below_a_level_fires_once_at_the_price_that_takes_it_there() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "100")
    await engine.place_order(account_id, buy("AAPL", "10"))  # 9,000 cash and 1,000 of AAPL
    alert_id = await account_alert(engine, account_id, AccountMetric.EQUITY, AlertCondition.CROSSES_BELOW, "9950")
    await set_price(engine, "AAPL", "95.01")
    assert await alert_notifications(engine, account_id) == []
    await set_price(engine, "AAPL", "95")
    await set_price(engine, "AAPL", "90")
    (told,) = await alert_notifications(engine, account_id)
    assert (told.data["alert_id"], told.data["kind"], Decimal(str(told.data["value"])), told.data["level"]) == (
        str(alert_id), "account", Decimal(9950), "9950",
    )  # fmt: skip
    assert engine.alert(account_id, alert_id).status is AlertStatus.TRIGGERED
    await engine.stop()


async def test_the_bands_share_the_way_among_holdings_and_are_drawn_again_when_one_is_reached() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    for symbol in ("AAPL", "MSFT"):
        await set_price(engine, symbol, "100")
        await engine.place_order(account_id, buy(symbol, "10"))  # 8,000 cash, 1,000 of each
    await account_alert(engine, account_id, AccountMetric.EQUITY, AlertCondition.BELOW, "9900")
    watch = engine.alert_watch
    await set_price(engine, "AAPL", "94")  # past AAPL's band (95): equity 9,940, not there yet
    assert await alert_notifications(engine, account_id) == []
    assert watch.crossed("MSFT", Decimal("98.01")) == [] and watch.crossed("AAPL", Decimal("92.01")) == []
    await set_price(engine, "MSFT", "95")  # past MSFT's new band (98): equity 9,890
    (told,) = await alert_notifications(engine, account_id)
    assert Decimal(str(told.data["value"])) == Decimal(9890)
    await engine.stop()


async def test_a_deposit_alone_takes_the_equity_past_a_level() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    alert_id = await account_alert(engine, account_id, AccountMetric.EQUITY, AlertCondition.CROSSES_ABOVE, "15000")
    await engine.adjust_cash(account_id, Decimal(4_999), "top up")
    await engine.quiesce()
    assert await alert_notifications(engine, account_id) == []
    await engine.adjust_cash(account_id, Decimal(1), "top up")
    await engine.quiesce()
    (told,) = await alert_notifications(engine, account_id)
    assert (told.data["alert_id"], Decimal(str(told.data["value"]))) == (str(alert_id), Decimal(15_000))
    await engine.stop()


async def test_the_days_loss_and_the_drawdown_fire_at_their_levels() -> None:
    engine = make_engine()
    account_id = await opened(engine)
    await set_price(engine, "AAPL", "100")
    await engine.place_order(account_id, buy("AAPL", "50"))  # 5,000 cash, 5,000 of AAPL
    await set_price(engine, "AAPL", "110")
    await engine.close_session(datetime(2026, 1, 6, tzinfo=timezone.utc))  # the day closes at 10,500
    await engine.quiesce()
    loss = await account_alert(engine, account_id, AccountMetric.DAILY_PL, AlertCondition.BELOW, "-300")
    drawdown = await account_alert(engine, account_id, AccountMetric.DRAWDOWN, AlertCondition.ABOVE, "5")
    await set_price(engine, "AAPL", "104.01")  # 10,200.50: -299.50 today, 2.85% below the peak (10,500)
    assert await alert_notifications(engine, account_id) == []
    await set_price(engine, "AAPL", "104")  # 10,200: -300 today
    await set_price(engine, "AAPL", "99.75")  # 9,987.50: 4.88% down
    await set_price(engine, "AAPL", "99.5")  # 9,975: 5% down
    told = await alert_notifications(engine, account_id)
    assert [(each.data["alert_id"], each.data["value"]) for each in told] == [
        (str(loss), "-300.00"), (str(drawdown), "5.0000"),
    ]  # fmt: skip
    await engine.stop()
