"""The official alpaca-py SDK drives a real server process, as a user's bot would.

One server (manual market) serves the whole module; prices move only through
the admin API. Each test trades its own symbols, so the tests stay independent
of one another, and the last test reconciles the account's cash with every
order filled before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Final
from uuid import UUID

import pyotp
import pytest
from alpaca.common.enums import Sort
from alpaca.common.exceptions import APIError
from alpaca.data.historical import StockHistoricalDataClient
from alpaca.data.models import Quote, Trade
from alpaca.data.requests import StockLatestQuoteRequest, StockLatestTradeRequest
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, OrderStatus, QueryOrderStatus, TimeInForce
from alpaca.trading.models import Asset, Clock, ClosePositionResponse, Order, Position, TradeAccount
from alpaca.trading.requests import (
    ClosePositionRequest,
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLimitOrderRequest,
    StopOrderRequest,
    TrailingStopOrderRequest,
)

from tests.e2e.server import RunningServer, http_json, running_server

pytestmark = pytest.mark.e2e

ADMIN_KEY: Final = "e2e-sdk-admin-key-0123456789"
TOTP_SECRET: Final = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
KEY_ID: Final = "PKSDKE2E000000000001"
SECRET_KEY: Final = "sdk-e2e-secret-0123456789abcdefghijklmno"
STARTING_CASH: Final = Decimal("100000.00")
CENT: Final = Decimal("0.01")


@dataclass(frozen=True)
class Admin:
    """An open admin session on the server: sets manual prices."""

    base_url: str
    token: str

    def price(
        self, symbol: str, price: str, *, bid: str | None = None, ask: str | None = None, size: str | None = None
    ) -> Any:
        """Post a quote and a trade; the answer comes once every resulting fill is applied."""
        body = {"symbol": symbol, "price": price, "bid": bid, "ask": ask, "size": size}
        status, latest = http_json(
            "POST",
            f"{self.base_url}/admin/v1/market/prices",
            {"Authorization": f"Bearer {self.token}"},
            {key: value for key, value in body.items() if value is not None},
        )
        assert status == 200, latest
        return latest


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {
        "TRADELOOP_ADMIN_KEY": ADMIN_KEY,
        "TRADELOOP_ADMIN_TOTP_SECRET": TOTP_SECRET,
        "TRADELOOP_DEMO_KEY_ID": KEY_ID,
        "TRADELOOP_DEMO_SECRET_KEY": SECRET_KEY,
        "TRADELOOP_DEMO_CASH": str(STARTING_CASH),
    }
    with running_server(tmp_path_factory.mktemp("sdk"), env, market="manual") as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: RunningServer) -> Admin:
    """One admin session for the module: each TOTP code opens one session only."""
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": pyotp.TOTP(TOTP_SECRET).now()}
    status, session = http_json("POST", f"{server.base_url}/admin/v1/sessions", headers)
    assert status == 201, session
    return Admin(server.base_url, session["token"])


@pytest.fixture(scope="module")
def trading(server: RunningServer) -> TradingClient:
    return TradingClient(KEY_ID, SECRET_KEY, paper=True, url_override=server.base_url)


@pytest.fixture(scope="module")
def data(server: RunningServer) -> StockHistoricalDataClient:
    return StockHistoricalDataClient(KEY_ID, SECRET_KEY, url_override=server.base_url)


def money(value: str | float | None) -> Decimal:
    """A money or quantity field of an SDK model, exactly as the server sent it."""
    assert isinstance(value, str), value
    return Decimal(value)


def submit(trading: TradingClient, request: Any) -> Order:
    order = trading.submit_order(request)
    assert isinstance(order, Order)
    return order


def fetch(trading: TradingClient, order_id: UUID) -> Order:
    """One GET, no polling: the admin price call returns only after fills are applied."""
    order = trading.get_order_by_id(order_id)
    assert isinstance(order, Order)
    return order


def account(trading: TradingClient) -> TradeAccount:
    found = trading.get_account()
    assert isinstance(found, TradeAccount)
    return found


def assert_filled(order: Order, qty: str, price: str) -> None:
    assert order.status is OrderStatus.FILLED, order
    assert order.filled_qty == qty and money(order.filled_avg_price) == Decimal(price)
    assert order.filled_at is not None


def refusal(call: Any, *args: Any) -> APIError:
    with pytest.raises(APIError) as refused:
        call(*args)
    return refused.value


# -- account, assets, clock, market data ----------------------------------------------


def test_account_starts_funded_and_its_money_fields_parse(trading: TradingClient) -> None:
    start = account(trading)
    assert start.status is not None and start.status.value == "ACTIVE" and start.currency == "USD"
    assert money(start.cash) == STARTING_CASH and start.cash == "100000.00"
    assert money(start.buying_power) == STARTING_CASH and money(start.long_market_value) == 0
    assert money(start.equity) == money(start.cash) + money(start.long_market_value)


def test_assets_and_clock(trading: TradingClient) -> None:
    assets = trading.get_all_assets()
    assert isinstance(assets, list) and len(assets) == 25
    symbols = [asset.symbol for asset in assets if isinstance(asset, Asset)]
    assert symbols == sorted(symbols) and {"AAPL", "MSFT", "SPY"} <= set(symbols)

    aapl = trading.get_asset("AAPL")
    assert isinstance(aapl, Asset) and aapl.tradable and aapl.fractionable and aapl.exchange.value == "NASDAQ"
    by_id = trading.get_asset(str(aapl.id))
    assert isinstance(by_id, Asset) and by_id.symbol == "AAPL"
    missing = refusal(trading.get_asset, "NOPE")
    assert missing.status_code == 404 and missing.code == 40410000

    clock = trading.get_clock()
    assert isinstance(clock, Clock) and clock.is_open
    assert clock.timestamp < clock.next_close and clock.next_close.hour == 0 and clock.next_close.minute == 0


def test_latest_trade_and_quote(admin: Admin, data: StockHistoricalDataClient) -> None:
    admin.price("AAPL", "150", bid="149.95", ask="150.05", size="500")
    admin.price("MSFT", "410.25")

    trades = data.get_stock_latest_trade(StockLatestTradeRequest(symbol_or_symbols="AAPL"))
    assert isinstance(trades, dict)
    trade = trades["AAPL"]
    assert isinstance(trade, Trade) and trade.price == 150 and trade.size == 500

    quotes = data.get_stock_latest_quote(StockLatestQuoteRequest(symbol_or_symbols=["AAPL", "MSFT"]))
    assert isinstance(quotes, dict) and set(quotes) == {"AAPL", "MSFT"}
    quote = quotes["AAPL"]
    assert isinstance(quote, Quote) and (quote.bid_price, quote.ask_price) == (149.95, 150.05)
    assert quote.bid_size == 500 and quote.ask_size == 500
    assert isinstance(quotes["MSFT"], Quote) and quotes["MSFT"].ask_price == 410.25


# -- order types ----------------------------------------------------------------------


def test_market_orders_fill_at_once_at_the_ask_and_the_bid(admin: Admin, trading: TradingClient) -> None:
    admin.price("AMD", "160", bid="159.90", ask="160.10")
    buy = submit(trading, MarketOrderRequest(symbol="AMD", qty=3, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    assert_filled(buy, "3", "160.10")
    assert buy.expires_at is not None and buy.expires_at.hour == 0  # day orders end at 00:00 UTC
    sell = submit(trading, MarketOrderRequest(symbol="AMD", qty=1, side=OrderSide.SELL, time_in_force=TimeInForce.GTC))
    assert_filled(sell, "1", "159.90")
    assert_filled(fetch(trading, buy.id), "3", "160.10")


def test_notional_market_order_buys_fractional_shares(admin: Admin, trading: TradingClient) -> None:
    admin.price("INTC", "30")
    cash_before = money(account(trading).cash)
    order = submit(
        trading, MarketOrderRequest(symbol="INTC", notional=100, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
    )
    expected_qty = (Decimal(100) / 30).quantize(Decimal("0.000000001"), rounding=ROUND_DOWN)
    assert money(order.notional) == 100 and order.qty is None
    assert_filled(order, str(expected_qty), "30")
    assert money(account(trading).cash) == cash_before - Decimal("100.00")


def test_limit_orders_rest_then_fill_never_worse_than_the_limit(admin: Admin, trading: TradingClient) -> None:
    admin.price("GOOGL", "170")
    buy = submit(
        trading,
        LimitOrderRequest(symbol="GOOGL", qty=4, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, limit_price=165),
    )
    assert buy.status is OrderStatus.NEW and money(buy.limit_price) == 165
    held = money(account(trading).cash) - money(account(trading).buying_power)
    assert held == Decimal("660.00")  # a limit buy holds qty x limit
    admin.price("GOOGL", "165.01")
    assert fetch(trading, buy.id).status is OrderStatus.NEW
    admin.price("GOOGL", "164.50")
    assert_filled(fetch(trading, buy.id), "4", "164.50")  # the ask was better than the limit

    sell = submit(
        trading,
        LimitOrderRequest(symbol="GOOGL", qty=2, side=OrderSide.SELL, time_in_force=TimeInForce.DAY, limit_price=170),
    )
    assert sell.status is OrderStatus.NEW
    admin.price("GOOGL", "171.25")
    assert_filled(fetch(trading, sell.id), "2", "171.25")


def test_stop_orders_trigger_on_the_price_and_fill_at_market(admin: Admin, trading: TradingClient) -> None:
    admin.price("META", "500")
    buy = submit(
        trading,
        StopOrderRequest(symbol="META", qty=2, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, stop_price=510),
    )
    assert buy.status is OrderStatus.NEW and money(buy.stop_price) == 510
    admin.price("META", "509.99")
    assert fetch(trading, buy.id).status is OrderStatus.NEW
    admin.price("META", "511")
    assert_filled(fetch(trading, buy.id), "2", "511")

    sell = submit(
        trading,
        StopOrderRequest(symbol="META", qty=2, side=OrderSide.SELL, time_in_force=TimeInForce.DAY, stop_price=495),
    )
    admin.price("META", "495.01")
    assert fetch(trading, sell.id).status is OrderStatus.NEW
    admin.price("META", "494.50")
    assert_filled(fetch(trading, sell.id), "2", "494.50")


def test_stop_limit_order_triggers_then_waits_for_its_limit(admin: Admin, trading: TradingClient) -> None:
    admin.price("AMZN", "180")
    order = submit(
        trading,
        StopLimitOrderRequest(
            symbol="AMZN", qty=3, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, stop_price=185, limit_price=186
        ),
    )
    assert order.status is OrderStatus.NEW
    admin.price("AMZN", "187")  # triggers, but the ask is above the limit
    assert fetch(trading, order.id).status is OrderStatus.NEW
    admin.price("AMZN", "185.50")
    assert_filled(fetch(trading, order.id), "3", "185.50")


def test_trailing_stop_by_price_follows_the_high_water_mark(admin: Admin, trading: TradingClient) -> None:
    admin.price("JPM", "200")
    submit(trading, MarketOrderRequest(symbol="JPM", qty=3, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    order = submit(
        trading,
        TrailingStopOrderRequest(
            symbol="JPM", qty=3, side=OrderSide.SELL, time_in_force=TimeInForce.GTC, trail_price=4
        ),
    )
    assert order.status is OrderStatus.NEW and money(order.hwm) == 200 and money(order.trail_price) == 4
    admin.price("JPM", "210")
    moved = fetch(trading, order.id)
    assert money(moved.hwm) == 210 and money(moved.stop_price) == 206 and moved.status is OrderStatus.NEW
    admin.price("JPM", "206.01")
    assert fetch(trading, order.id).status is OrderStatus.NEW
    admin.price("JPM", "205.99")
    assert_filled(fetch(trading, order.id), "3", "205.99")


def test_trailing_stop_by_percent_buys_on_the_rebound(admin: Admin, trading: TradingClient) -> None:
    admin.price("NVDA", "100")
    order = submit(
        trading,
        TrailingStopOrderRequest(
            symbol="NVDA", qty=5, side=OrderSide.BUY, time_in_force=TimeInForce.DAY, trail_percent=2
        ),
    )
    assert money(order.hwm) == 100 and money(order.trail_percent) == 2
    admin.price("NVDA", "95")
    low = fetch(trading, order.id)
    assert money(low.hwm) == 95 and money(low.stop_price) == Decimal("96.90") and low.status is OrderStatus.NEW
    admin.price("NVDA", "96.89")
    assert fetch(trading, order.id).status is OrderStatus.NEW
    admin.price("NVDA", "96.95")
    assert_filled(fetch(trading, order.id), "5", "96.95")


def test_trailing_stop_shows_its_stop_level_from_the_start(admin: Admin, trading: TradingClient) -> None:
    admin.price("DIS", "100")
    order = submit(
        trading,
        TrailingStopOrderRequest(
            symbol="DIS", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, trail_price=2
        ),
    )
    try:
        assert money(fetch(trading, order.id).stop_price) == 102
    finally:
        trading.cancel_order_by_id(order.id)


def test_ioc_fills_what_the_quote_offers_and_fok_all_or_nothing(admin: Admin, trading: TradingClient) -> None:
    admin.price("TSLA", "180", bid="179.90", ask="180.10", size="4")
    ioc = submit(trading, MarketOrderRequest(symbol="TSLA", qty=10, side=OrderSide.BUY, time_in_force=TimeInForce.IOC))
    assert ioc.status is OrderStatus.CANCELED and ioc.filled_qty == "4"  # the quote offered only 4
    assert money(ioc.filled_avg_price) == Decimal("180.10")

    fok = LimitOrderRequest(symbol="TSLA", qty=10, side=OrderSide.BUY, time_in_force=TimeInForce.FOK, limit_price=181)
    refused = submit(trading, fok)
    assert refused.status is OrderStatus.CANCELED and refused.filled_qty == "0"
    admin.price("TSLA", "180", bid="179.90", ask="180.10", size="10")
    assert_filled(submit(trading, fok), "10", "180.10")
    admin.price("TSLA", "180")  # unlimited size again, so later closes fill in one go


# -- managing orders ------------------------------------------------------------------


def test_client_order_id_finds_the_order_and_may_not_be_reused(admin: Admin, trading: TradingClient) -> None:
    admin.price("KO", "62.50")
    request = LimitOrderRequest(
        symbol="KO",
        qty=2,
        side=OrderSide.BUY,
        time_in_force=TimeInForce.GTC,
        limit_price=60,
        client_order_id="e2e-ko-1",
    )
    placed = submit(trading, request)
    found = trading.get_order_by_client_id("e2e-ko-1")
    assert isinstance(found, Order) and found.id == placed.id and found.client_order_id == "e2e-ko-1"

    duplicate = refusal(trading.submit_order, request)
    assert duplicate.status_code == 422 and duplicate.code == 40010001 and "e2e-ko-1" in str(duplicate)
    missing = refusal(trading.get_order_by_client_id, "e2e-nobody")
    assert missing.status_code == 404 and missing.code == 40410000
    trading.cancel_order_by_id(placed.id)


def test_replace_then_cancel(admin: Admin, trading: TradingClient) -> None:
    admin.price("CSCO", "47")
    original = submit(
        trading,
        LimitOrderRequest(symbol="CSCO", qty=2, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, limit_price=40),
    )
    replacement = trading.replace_order_by_id(original.id, ReplaceOrderRequest(qty=3, limit_price=41))
    assert isinstance(replacement, Order) and replacement.replaces == original.id
    assert replacement.qty == "3" and money(replacement.limit_price) == 41 and replacement.status is OrderStatus.NEW
    old = fetch(trading, original.id)
    assert old.status is OrderStatus.REPLACED and old.replaced_by == replacement.id

    trading.cancel_order_by_id(replacement.id)
    assert fetch(trading, replacement.id).status is OrderStatus.CANCELED
    again = refusal(trading.cancel_order_by_id, replacement.id)
    assert again.status_code == 422 and again.code == 42210000
    stale = refusal(trading.replace_order_by_id, original.id, ReplaceOrderRequest(qty=1))
    assert stale.status_code == 422 and stale.code == 42210000


def test_cancel_orders_answers_one_line_per_open_order(admin: Admin, trading: TradingClient) -> None:
    admin.price("BAC", "40")
    placed = [
        submit(
            trading,
            LimitOrderRequest(symbol="BAC", qty=qty, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, limit_price=35),
        )
        for qty in (1, 2)
    ]
    lines = trading.cancel_orders()
    assert isinstance(lines, list)
    assert {line.id for line in lines} == {order.id for order in placed}  # nothing else was open
    assert all(line.status == 200 for line in lines)
    assert all(fetch(trading, order.id).status is OrderStatus.CANCELED for order in placed)
    assert trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN)) == []


def test_get_orders_filters_by_status_symbols_side_and_limit(admin: Admin, trading: TradingClient) -> None:
    admin.price("CVX", "156")
    admin.price("ADBE", "520")
    bought = submit(trading, MarketOrderRequest(symbol="CVX", qty=2, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    sold = submit(trading, MarketOrderRequest(symbol="CVX", qty=1, side=OrderSide.SELL, time_in_force=TimeInForce.DAY))
    resting = [
        submit(
            trading,
            LimitOrderRequest(symbol=symbol, qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, limit_price=100),
        )
        for symbol in ("CVX", "ADBE")
    ]

    def ids(request: GetOrdersRequest) -> list[UUID]:
        found = trading.get_orders(request)
        assert isinstance(found, list)
        return [order.id for order in found if isinstance(order, Order)]

    try:
        closed = ids(GetOrdersRequest(status=QueryOrderStatus.CLOSED, symbols=["CVX"]))
        assert closed == [sold.id, bought.id]  # newest first by default
        oldest_first = ids(GetOrdersRequest(status=QueryOrderStatus.CLOSED, symbols=["CVX"], direction=Sort.ASC))
        assert oldest_first == [bought.id, sold.id]
        assert ids(GetOrdersRequest(status=QueryOrderStatus.OPEN, symbols=["CVX"])) == [resting[0].id]
        newest = ids(GetOrdersRequest(status=QueryOrderStatus.ALL, symbols=["CVX", "ADBE"], limit=1))
        assert newest == [resting[1].id]
        both = ids(GetOrdersRequest(status=QueryOrderStatus.ALL, symbols=["CVX", "ADBE"]))
        assert set(both) == {bought.id, sold.id, *(order.id for order in resting)}
        assert ids(GetOrdersRequest(status=QueryOrderStatus.ALL, side=OrderSide.SELL, symbols=["CVX"])) == [sold.id]
    finally:
        for order in resting:
            trading.cancel_order_by_id(order.id)


# -- positions ------------------------------------------------------------------------


def test_positions_and_partial_closes(admin: Admin, trading: TradingClient) -> None:
    admin.price("XOM", "100")
    submit(trading, MarketOrderRequest(symbol="XOM", qty=10, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    admin.price("XOM", "110")

    held = trading.get_all_positions()
    assert isinstance(held, list) and "XOM" in {p.symbol for p in held if isinstance(p, Position)}
    xom = trading.get_open_position("XOM")
    assert isinstance(xom, Position) and xom.qty == "10" and money(xom.avg_entry_price) == 100
    assert money(xom.market_value) == 1100 and money(xom.unrealized_pl) == 100
    now = account(trading)
    assert money(now.equity) == money(now.cash) + money(now.long_market_value)
    assert money(now.long_market_value) == sum(money(p.market_value) for p in held if isinstance(p, Position))

    by_qty = trading.close_position("XOM", ClosePositionRequest(qty="4"))
    assert isinstance(by_qty, Order)
    assert_filled(by_qty, "4", "110")
    by_share = trading.close_position("XOM", ClosePositionRequest(percentage="50"))
    assert isinstance(by_share, Order)
    assert_filled(by_share, "3", "110")
    rest = trading.get_open_position("XOM")
    assert isinstance(rest, Position) and rest.qty == "3"

    too_many = refusal(trading.close_position, "XOM", ClosePositionRequest(qty="4"))
    assert too_many.status_code == 422 and too_many.code == 40010001


def test_refusals_surface_as_api_errors(admin: Admin, trading: TradingClient) -> None:
    admin.price("SPY", "530")
    big = MarketOrderRequest(symbol="SPY", qty=1000, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
    poor = refusal(trading.submit_order, big)
    assert poor.status_code == 403 and poor.code == 40310000 and "buying power" in str(poor)

    unknown = MarketOrderRequest(symbol="NOPE", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
    nope = refusal(trading.submit_order, unknown)
    assert nope.status_code == 422 and nope.code == 40010001 and "NOPE" in str(nope)

    short = MarketOrderRequest(symbol="SPY", qty=1, side=OrderSide.SELL, time_in_force=TimeInForce.DAY)
    unheld = refusal(trading.submit_order, short)
    assert unheld.status_code == 403 and unheld.code == 40310000

    missing = refusal(trading.get_open_position, "SPY")
    assert missing.status_code == 404 and missing.code == 40410000
    assert trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL, symbols=["SPY", "NOPE"])) == []


def test_risk_refusals_surface_as_api_errors_with_their_codes(
    server: RunningServer, admin: Admin, trading: TradingClient
) -> None:
    admin.price("SPY", "530")
    keys = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET_KEY}

    def set_risk(body: dict[str, Any]) -> None:
        status, answer = http_json("PATCH", f"{server.base_url}/v2/risk", keys, body)
        assert status == 200, answer

    order = MarketOrderRequest(symbol="SPY", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
    set_risk({"limits": {"max_order_notional": "100"}})
    over = refusal(trading.submit_order, order)
    assert over.status_code == 403 and over.code == 40310010 and "max_order_notional is 100" in str(over)
    set_risk({"limits": {"max_order_notional": None}, "trading_state": "HALTED", "reason": "kill switch"})
    halted = refusal(trading.submit_order, order)
    assert halted.status_code == 403 and halted.code == 40310011 and "kill switch" in str(halted)
    set_risk({"trading_state": "ACTIVE"})
    assert trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL, symbols=["SPY"])) == []


def test_close_all_positions_cancels_open_orders_first(admin: Admin, trading: TradingClient) -> None:
    admin.price("WMT", "68")
    submit(trading, MarketOrderRequest(symbol="WMT", qty=5, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    resting_sell = submit(
        trading,
        LimitOrderRequest(symbol="WMT", qty=5, side=OrderSide.SELL, time_in_force=TimeInForce.GTC, limit_price=80),
    )
    resting_buy = submit(
        trading,
        LimitOrderRequest(symbol="WMT", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, limit_price=50),
    )
    held = {p.symbol for p in trading.get_all_positions() if isinstance(p, Position)}
    assert "WMT" in held

    lines = trading.close_all_positions(cancel_orders=True)
    assert isinstance(lines, list) and all(isinstance(line, ClosePositionResponse) for line in lines)
    assert {line.symbol for line in lines} == held and all(line.status == 200 for line in lines)
    for line in lines:
        assert isinstance(line.body, Order) and line.body.status is OrderStatus.FILLED
    assert trading.get_all_positions() == []
    assert trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN)) == []
    assert fetch(trading, resting_sell.id).status is OrderStatus.CANCELED
    assert fetch(trading, resting_buy.id).status is OrderStatus.CANCELED


# -- reconciliation -------------------------------------------------------------------


def test_cash_reconciles_with_every_filled_order(admin: Admin, trading: TradingClient) -> None:
    """Cash moved by exactly each order's value to the cent: every order in this module filled at one price."""
    admin.price("PFE", "28.45", bid="28.44", ask="28.46")
    for side in (OrderSide.BUY, OrderSide.SELL):  # a round trip of its own, so the test stands alone too
        submit(trading, MarketOrderRequest(symbol="PFE", qty=7, side=side, time_in_force=TimeInForce.DAY))
    orders = trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL, limit=500))
    assert isinstance(orders, list) and len(orders) < 500
    expected = STARTING_CASH
    filled = 0
    for order in orders:
        assert isinstance(order, Order)
        qty = money(order.filled_qty)
        if not qty:
            continue
        filled += 1
        value = (qty * money(order.filled_avg_price)).quantize(CENT, rounding=ROUND_HALF_UP)
        expected += value if order.side is OrderSide.SELL else -value
    assert filled >= 2
    final = account(trading)
    assert money(final.cash) == expected
    assert money(final.equity) == money(final.cash) + money(final.long_market_value)
    assert money(final.buying_power) == money(final.cash)  # nothing open holds cash any more
