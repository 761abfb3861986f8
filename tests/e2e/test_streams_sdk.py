"""alpaca-py's stream clients against a real server process: market data and trade updates.

The SDK streams run their own event loop in `run()`; each test drives one in a
thread and stops it, with a deadline on every wait, so nothing can hang.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final, Protocol

import pyotp
import pytest
from alpaca.data.live import StockDataStream
from alpaca.data.models import Quote, Trade, TradingStatus
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, TimeInForce, TradeEvent
from alpaca.trading.models import Order, TradeUpdate
from alpaca.trading.requests import MarketOrderRequest
from alpaca.trading.stream import TradingStream

from tests.e2e.server import RunningServer, http_json, running_server

pytestmark = pytest.mark.e2e

ADMIN_KEY: Final = "e2e-stream-admin-key-0123456789"
TOTP_SECRET: Final = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
KEY_ID: Final = "PKSTREAME2E000000001"
SECRET_KEY: Final = "stream-e2e-secret-0123456789abcdefghijkl"
WAIT_S: Final = 1.0
ATTEMPTS: Final = 15
"""The SDK subscribes in its own time: set a price (or trade) once a second until data arrives."""
JOIN_S: Final = 15.0


class SdkStream(Protocol):
    def run(self) -> None: ...
    def stop(self) -> None: ...


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {
        "TRADELOOP_ADMIN_KEY": ADMIN_KEY,
        "TRADELOOP_ADMIN_TOTP_SECRET": TOTP_SECRET,
        "TRADELOOP_DEMO_KEY_ID": KEY_ID,
        "TRADELOOP_DEMO_SECRET_KEY": SECRET_KEY,
    }
    with running_server(tmp_path_factory.mktemp("streams"), env, market="manual") as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: RunningServer) -> dict[str, str]:
    """The bearer header of one admin session for the module (a TOTP code is accepted once)."""
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": pyotp.TOTP(TOTP_SECRET).now()}
    status, session = http_json("POST", f"{server.base_url}/admin/v1/sessions", headers)
    assert status == 201, session
    return {"Authorization": f"Bearer {session['token']}"}


@pytest.fixture(scope="module")
def set_price(server: RunningServer, admin: dict[str, str]) -> Callable[[str, str], None]:
    """Set a symbol's price through the admin API."""
    bearer = admin

    def price(symbol: str, value: str) -> None:
        body = {"symbol": symbol, "price": value}
        status, answer = http_json("POST", f"{server.base_url}/admin/v1/market/prices", bearer, body)
        assert status == 200, answer

    return price


def ws_url(server: RunningServer, path: str) -> str:
    return server.base_url.replace("http://", "ws://", 1) + path


@contextmanager
def running(stream: SdkStream, nudge: Callable[[], None]) -> Iterator[None]:
    """Run an SDK stream in a thread; on the way out stop it and wait for the thread to end.

    The SDK looks at its stop request between receives, so `nudge` makes the server send something.
    """
    failures: list[BaseException] = []

    def target() -> None:
        try:
            stream.run()
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    thread = threading.Thread(target=target, name="sdk-stream", daemon=True)
    thread.start()
    try:
        yield
    finally:
        try:
            stream.stop()
        finally:
            nudge()
            thread.join(JOIN_S)
    assert not thread.is_alive(), "the SDK stream did not stop"
    assert not failures, failures


def first(found: queue.Queue[Any], attempt: Callable[[], None]) -> Any:
    """Make something happen until the stream reports it; returns what it reported first."""
    for _ in range(ATTEMPTS):
        attempt()
        try:
            return found.get(timeout=WAIT_S)
        except queue.Empty:
            continue
    raise AssertionError("the SDK stream received nothing")


def test_stock_data_stream_receives_trades_and_quotes(
    server: RunningServer, set_price: Callable[[str, str], None]
) -> None:
    trades: queue.Queue[Trade] = queue.Queue()
    quotes: queue.Queue[Quote] = queue.Queue()

    async def on_trade(trade: Trade | dict[str, Any]) -> None:
        assert isinstance(trade, Trade)
        trades.put(trade)

    async def on_quote(quote: Quote | dict[str, Any]) -> None:
        assert isinstance(quote, Quote)
        quotes.put(quote)

    stream = StockDataStream(KEY_ID, SECRET_KEY, url_override=ws_url(server, "/v2/iex"))
    stream.subscribe_trades(on_trade, "AAPL")
    stream.subscribe_quotes(on_quote, "AAPL")
    with running(stream, lambda: set_price("AAPL", "151.00")):
        trade = first(trades, lambda: set_price("AAPL", "150.25"))
        quote = quotes.get(timeout=WAIT_S * 5)
    assert isinstance(trade, Trade) and trade.symbol == "AAPL" and trade.price == 150.25
    assert trade.timestamp.tzinfo is not None
    assert isinstance(quote, Quote) and quote.symbol == "AAPL"
    assert quote.bid_price == quote.ask_price == 150.25


def test_stock_data_stream_receives_a_halt_and_a_resumption(server: RunningServer, admin: dict[str, str]) -> None:
    statuses: queue.Queue[TradingStatus] = queue.Queue()

    async def on_status(status: TradingStatus | dict[str, Any]) -> None:
        assert isinstance(status, TradingStatus)
        statuses.put(status)

    def halted(on: bool) -> None:
        if on:
            status, answer = http_json("POST", f"{server.base_url}/admin/v1/market/halts", admin, {"symbol": "NVDA"})
            assert status == 201, answer
        else:
            status, answer = http_json("DELETE", f"{server.base_url}/admin/v1/market/halts/NVDA", admin)
            assert status == 200, answer

    def halt_afresh() -> None:
        halted(False)  # a repeated halt sends nothing, so end the last one first
        halted(True)

    stream = StockDataStream(KEY_ID, SECRET_KEY, url_override=ws_url(server, "/v2/iex"))
    stream.subscribe_trading_statuses(on_status, "NVDA")
    try:
        with running(stream, halt_afresh):  # a status makes the SDK look at its stop request
            status = first(statuses, halt_afresh)
            while status.status_code != "H":
                status = statuses.get(timeout=WAIT_S * 5)
            halted(False)
            resumed = statuses.get(timeout=WAIT_S * 5)
    finally:
        halted(False)
    assert status.symbol == "NVDA" and status.status_message == "Trading Halt"
    assert (status.reason_code, status.reason_message) == ("O1", "Operations Halt, Contact Market Operations")
    assert status.tape == "C" and status.timestamp.tzinfo is not None
    assert (resumed.symbol, resumed.status_code, resumed.status_message) == ("NVDA", "T", "Trading Resumption")
    assert resumed.timestamp >= status.timestamp


def test_trading_stream_receives_a_fill(server: RunningServer, set_price: Callable[[str, str], None]) -> None:
    set_price("MSFT", "300.50")
    trading = TradingClient(KEY_ID, SECRET_KEY, paper=True, url_override=server.base_url)
    placed: list[str] = []
    updates: queue.Queue[TradeUpdate] = queue.Queue()

    async def on_update(update: TradeUpdate) -> None:
        updates.put(update)

    def buy_one() -> None:
        order = trading.submit_order(
            MarketOrderRequest(symbol="MSFT", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
        )
        assert isinstance(order, Order)
        placed.append(str(order.id))

    stream = TradingStream(KEY_ID, SECRET_KEY, paper=True, url_override=ws_url(server, "/stream"))
    stream.subscribe_trade_updates(on_update)
    with running(stream, buy_one):
        update = first(updates, buy_one)
        while update.event != TradeEvent.FILL:
            update = updates.get(timeout=WAIT_S * 5)
    assert str(update.order.id) in placed
    assert update.order.symbol == "MSFT" and update.order.filled_qty == "1"
    assert update.price == 300.50 and update.qty == 1
    assert update.position_qty is not None and update.position_qty >= 1
    assert update.execution_id is not None and update.timestamp.tzinfo is not None
