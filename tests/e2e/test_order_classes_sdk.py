"""Bracket, OCO and OTO orders through alpaca-py's own request models, against a real server process.

Each test trades its own symbol on one server (manual market): the SDK places the
groups, lists them nested, replaces a leg by its id, cancels them, parses every
answer with its `Order` model (legs included), and its TradingStream reports the
legs' events.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Final

import pyotp
import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderClass, OrderSide, OrderStatus, QueryOrderStatus, TimeInForce, TradeEvent
from alpaca.trading.models import Order, TradeUpdate
from alpaca.trading.requests import (
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLossRequest,
    TakeProfitRequest,
)
from alpaca.trading.stream import TradingStream

from tests.e2e.server import RunningServer, http_json, running_server

pytestmark = pytest.mark.e2e

ADMIN_KEY: Final = "e2e-classes-admin-key-0123456789"
TOTP_SECRET: Final = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
KEY_ID: Final = "PKCLASSESE2E00000001"
SECRET_KEY: Final = "classes-e2e-secret-0123456789abcdefghijk"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {
        "TRADELOOP_ADMIN_KEY": ADMIN_KEY,
        "TRADELOOP_ADMIN_TOTP_SECRET": TOTP_SECRET,
        "TRADELOOP_DEMO_KEY_ID": KEY_ID,
        "TRADELOOP_DEMO_SECRET_KEY": SECRET_KEY,
        "TRADELOOP_DEMO_CASH": "100000",
    }
    with running_server(tmp_path_factory.mktemp("classes"), env, market="manual") as running:
        yield running


@pytest.fixture(scope="module")
def price(server: RunningServer) -> Any:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": pyotp.TOTP(TOTP_SECRET).now()}
    status, session = http_json("POST", f"{server.base_url}/admin/v1/sessions", headers)
    assert status == 201, session

    def set_price(symbol: str, value: str) -> None:
        """A quote and a trade at `value`; the answer comes once every resulting fill is applied."""
        status, answer = http_json(
            "POST",
            f"{server.base_url}/admin/v1/market/prices",
            {"Authorization": f"Bearer {session['token']}"},
            {"symbol": symbol, "price": value},
        )
        assert status == 200, answer

    return set_price


@pytest.fixture(scope="module")
def trading(server: RunningServer) -> TradingClient:
    return TradingClient(KEY_ID, SECRET_KEY, paper=True, url_override=server.base_url)


def submit(trading: TradingClient, request: Any) -> Order:
    order = trading.submit_order(request)
    assert isinstance(order, Order)
    return order


def fetch(trading: TradingClient, order_id: Any) -> Order:
    order = trading.get_order_by_id(order_id)
    assert isinstance(order, Order)
    return order


def legs_by_type(order: Order) -> dict[str, Order]:
    assert order.legs is not None
    return {str(leg.type.value if leg.type else ""): leg for leg in order.legs}


def test_a_bracket_places_with_both_legs_and_a_take_profit_fill_cancels_the_stop(
    price: Any, trading: TradingClient
) -> None:
    price("AAPL", "100")
    entry = submit(
        trading,
        MarketOrderRequest(
            symbol="AAPL",
            qty=10,
            side=OrderSide.BUY,
            time_in_force=TimeInForce.GTC,
            order_class=OrderClass.BRACKET,
            take_profit=TakeProfitRequest(limit_price=110),
            stop_loss=StopLossRequest(stop_price=90, limit_price=89.5),
        ),
    )
    assert entry.order_class is OrderClass.BRACKET and entry.status is OrderStatus.FILLED
    legs = legs_by_type(entry)
    assert set(legs) == {"limit", "stop_limit"}
    assert all(leg.status is OrderStatus.NEW and leg.qty == "10" for leg in legs.values())
    assert Decimal(str(legs["limit"].limit_price)) == 110 and Decimal(str(legs["stop_limit"].stop_price)) == 90
    price("AAPL", "111")
    after = legs_by_type(fetch(trading, entry.id))
    assert after["limit"].status is OrderStatus.FILLED and after["stop_limit"].status is OrderStatus.CANCELED
    assert all(position.symbol != "AAPL" for position in trading.get_all_positions())  # type: ignore[union-attr]


def test_held_legs_list_nested_a_leg_is_replaced_by_its_id_and_canceling_the_entry_cancels_them(
    price: Any, trading: TradingClient
) -> None:
    price("MSFT", "300")
    entry = submit(
        trading,
        LimitOrderRequest(
            symbol="MSFT",
            qty=2,
            side=OrderSide.BUY,
            time_in_force=TimeInForce.DAY,
            limit_price=290,
            order_class=OrderClass.BRACKET,
            take_profit=TakeProfitRequest(limit_price=320),
            stop_loss=StopLossRequest(stop_price=280),
        ),
    )
    assert entry.status is OrderStatus.NEW
    assert {leg.status for leg in entry.legs or []} == {OrderStatus.HELD}
    nested = trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN, symbols=["MSFT"], nested=True))
    assert isinstance(nested, list) and [str(o.id) for o in nested] == [str(entry.id)]
    assert len(nested[0].legs or []) == 2
    take_profit = legs_by_type(entry)["limit"]
    replaced = trading.replace_order_by_id(take_profit.id, ReplaceOrderRequest(limit_price=325))
    assert isinstance(replaced, Order) and replaced.replaces == take_profit.id
    assert Decimal(str(replaced.limit_price)) == 325 and replaced.status is OrderStatus.HELD
    assert legs_by_type(fetch(trading, entry.id))["limit"].id == replaced.id
    trading.cancel_order_by_id(entry.id)
    canceled = fetch(trading, entry.id)
    assert canceled.status is OrderStatus.CANCELED
    assert {leg.status for leg in canceled.legs or []} == {OrderStatus.CANCELED}


def test_an_oco_exits_a_position_and_an_oto_adds_one_exit(price: Any, trading: TradingClient) -> None:
    price("NVDA", "500")
    submit(trading, MarketOrderRequest(symbol="NVDA", qty=5, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    oco = submit(
        trading,
        LimitOrderRequest(
            symbol="NVDA",
            qty=5,
            side=OrderSide.SELL,
            time_in_force=TimeInForce.GTC,
            limit_price=550,
            order_class=OrderClass.OCO,
            take_profit=TakeProfitRequest(limit_price=550),
            stop_loss=StopLossRequest(stop_price=450),
        ),
    )
    assert oco.order_class is OrderClass.OCO and oco.status is OrderStatus.NEW
    assert [leg.type.value for leg in oco.legs or [] if leg.type] == ["stop"]
    price("NVDA", "449")
    done = fetch(trading, oco.id)
    assert done.status is OrderStatus.CANCELED and (done.legs or [])[0].status is OrderStatus.FILLED
    oto = submit(
        trading,
        MarketOrderRequest(
            symbol="NVDA",
            qty=1,
            side=OrderSide.BUY,
            time_in_force=TimeInForce.DAY,
            order_class=OrderClass.OTO,
            stop_loss=StopLossRequest(stop_price=400),
        ),
    )
    assert oto.order_class is OrderClass.OTO and len(oto.legs or []) == 1
    trading.cancel_order_by_id((oto.legs or [])[0].id)
    assert (fetch(trading, oto.id).legs or [])[0].status is OrderStatus.CANCELED


def test_a_bracket_breaking_alpacas_rules_is_refused_with_422_and_42210000(price: Any, trading: TradingClient) -> None:
    price("AMZN", "180")
    with pytest.raises(APIError) as refused:
        trading.submit_order(
            MarketOrderRequest(
                symbol="AMZN",
                qty=1,
                side=OrderSide.BUY,
                time_in_force=TimeInForce.DAY,
                order_class=OrderClass.BRACKET,
                take_profit=TakeProfitRequest(limit_price=170),
                stop_loss=StopLossRequest(stop_price=160),
            )
        )
    assert refused.value.status_code == 422 and refused.value.code == 42210000
    assert "take_profit.limit_price must be >= base_price + 0.01" in str(refused.value)


def test_the_trading_stream_reports_every_legs_events(
    server: RunningServer, price: Any, trading: TradingClient
) -> None:
    price("TSLA", "200")
    updates: queue.Queue[TradeUpdate] = queue.Queue()

    async def on_update(update: TradeUpdate) -> None:
        updates.put(update)

    stream = TradingStream(
        KEY_ID, SECRET_KEY, paper=True, url_override=server.base_url.replace("http://", "ws://", 1) + "/stream"
    )
    stream.subscribe_trade_updates(on_update)
    thread = threading.Thread(target=stream.run, name="sdk-stream", daemon=True)
    thread.start()
    try:
        seen: list[tuple[str, str]] = []
        ids: set[str] = set()
        for _ in range(50):  # place until the stream is subscribed and reports the entry
            entry = submit(
                trading,
                MarketOrderRequest(
                    symbol="TSLA",
                    qty=1,
                    side=OrderSide.BUY,
                    time_in_force=TimeInForce.GTC,
                    order_class=OrderClass.BRACKET,
                    take_profit=TakeProfitRequest(limit_price=210),
                    stop_loss=StopLossRequest(stop_price=190),
                ),
            )
            ids = {str(entry.id), *(str(leg.id) for leg in entry.legs or [])}
            try:
                update = updates.get(timeout=0.5)
            except queue.Empty:
                trading.cancel_orders()
                continue
            if str(update.order.id) in ids:
                seen.append((str(update.order.id), update.event))
                break
        price("TSLA", "189")
        while len(seen) < 6:
            update = updates.get(timeout=10)
            if str(update.order.id) in ids:
                seen.append((str(update.order.id), update.event))
    finally:
        stream.stop()
        price("TSLA", "189")  # something to receive, so the stream sees its stop
        thread.join(10)
    events = {(order_id, event) for order_id, event in seen}
    legs = ids - {str(entry.id)}
    assert (str(entry.id), TradeEvent.FILL) in events
    assert {order_id for order_id, event in events if event == TradeEvent.NEW} == ids
    assert sorted(event for order_id, event in events if order_id in legs and event != TradeEvent.NEW) == sorted(
        [TradeEvent.FILL, TradeEvent.CANCELED]
    )
