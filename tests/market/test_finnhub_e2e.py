"""The real server process on the finnhub market, against the local fake: start-up checks, fills, readiness."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from tests.e2e.server import RunningServer, http_json, running_server, server_env
from tests.market.fake_finnhub import API_KEY, FakeFinnhub, FakeFinnhubThread, fake_finnhub_thread

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKFINNHUBE2E000000001"
SECRET: Final = "finnhub-e2e-secret-0123456789abcdefghij"
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}


@pytest.fixture
def fake() -> Iterator[FakeFinnhubThread]:
    with fake_finnhub_thread() as running:
        running.fake.prices.update({"AAPL": 189.5, "MSFT": 415.2})
        running.fake.auto_trades_s = 0.2
        yield running


def finnhub_env(fake: FakeFinnhub, key: str = API_KEY, **extra: str) -> dict[str, str]:
    return {
        "FINNHUB_API_KEY": key,
        "TRADELOOP_FINNHUB_REST_URL": fake.rest_url,
        "TRADELOOP_FINNHUB_WS_URL": fake.ws_url,
        "TRADELOOP_SYMBOLS": "AAPL,MSFT",
        "TRADELOOP_DEMO_KEY_ID": KEY_ID,
        "TRADELOOP_DEMO_SECRET_KEY": SECRET,
        **extra,
    }


def until(check: Callable[[], Any], timeout_s: float = 15.0) -> Any:
    """Poll until check() returns something truthy, and return it."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def market_order(server: RunningServer, symbol: str) -> dict[str, Any]:
    """Place a market buy of one share once the symbol has a fresh price (503 until then)."""

    def attempt() -> dict[str, Any] | None:
        body = {"symbol": symbol, "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}
        status, answer = http_json("POST", f"{server.base_url}/v2/orders", HEADERS, body)
        if status == 503 and answer["code"] == 50310001:
            return None
        assert status == 200, answer
        assert isinstance(answer, dict)
        return answer

    return dict(until(attempt))


def test_a_market_order_fills_at_the_fakes_price(tmp_path: Path, fake: FakeFinnhubThread) -> None:
    with running_server(tmp_path, finnhub_env(fake.fake), market="finnhub") as server:
        assert http_json("GET", f"{server.base_url}/readyz")[0] == 200
        order = market_order(server, "AAPL")
        assert order["status"] == "filled"
        assert order["filled_avg_price"] == "189.50"  # the print sits at the synthetic ask
        url = f"{server.base_url}/v2/stocks/trades/latest?symbols=AAPL"
        latest = until(lambda: http_json("GET", url, HEADERS)[1]["trades"].get("AAPL"))
        assert float(latest["p"]) == 189.5 and latest["t"].endswith("Z")
    assert {"AAPL", "MSFT"} <= set(fake.fake.subscribe_log)
    assert fake.fake.calls_to("/quote") and not fake.fake.calls_to("/stock/candle")
    assert API_KEY not in server.stderr()


def test_a_rejected_key_stops_start_up_with_a_clear_error(tmp_path: Path, fake: FakeFinnhubThread) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradeloop", "serve", "--port", "0", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=server_env({**finnhub_env(fake.fake, key="not-the-key"), "TRADELOOP_MARKET": "finnhub"}),
        timeout=60,
    )
    assert result.returncode == 2
    assert "tradeloop: error: finnhub rejected the API key" in result.stderr
    assert "Traceback" not in result.stderr and "serving on" not in result.stdout
    assert "not-the-key" not in result.stderr
    assert len(fake.fake.calls) == 1  # one REST call, no retries


def test_a_key_rejected_later_shows_on_readyz(tmp_path: Path, fake: FakeFinnhubThread) -> None:
    with running_server(tmp_path, finnhub_env(fake.fake), market="finnhub") as server:
        until(lambda: fake.fake.subscribed() == {"AAPL", "MSFT"})
        fake.fake.api_key = "revoked"

        async def drop(f: FakeFinnhub) -> None:
            await f.drop_all()

        fake.run(drop)

        def unready() -> tuple[int, Any] | None:
            status, body = http_json("GET", f"{server.base_url}/readyz")
            return (status, body) if status == 503 else None

        status, body = until(unready)
        assert body == {"status": "unavailable", "reason": "finnhub rejected the API key"}
        assert server.process.poll() is None  # still serving, not crashing
        assert http_json("GET", f"{server.base_url}/healthz")[0] == 200


def test_a_symbol_that_goes_quiet_refuses_market_orders(tmp_path: Path, fake: FakeFinnhubThread) -> None:
    env = finnhub_env(fake.fake, TRADELOOP_STALE_AFTER_S="2")
    with running_server(tmp_path, env, market="finnhub") as server:
        market_order(server, "MSFT")
        fake.fake.prices.pop("MSFT")  # no more prints, and /quote now knows nothing newer
        fake.fake.prices["MSFT_GONE"] = 0.0

        def refused() -> dict[str, Any] | None:
            body = {"symbol": "MSFT", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}
            status, answer = http_json("POST", f"{server.base_url}/v2/orders", HEADERS, body)
            return answer if status == 503 else None

        answer = until(refused)
        assert answer["code"] == 50310001 and "MSFT" in answer["message"] and "stale" in answer["message"]
        assert market_order(server, "AAPL")["status"] == "filled"  # AAPL still trades


def test_symbols_beyond_the_built_in_set_are_described_by_finnhub(tmp_path: Path, fake: FakeFinnhubThread) -> None:
    fake.fake.prices["PLTR"] = 24.31
    fake.fake.profiles["PLTR"] = {"name": "Palantir Technologies Inc", "exchange": "NEW YORK STOCK EXCHANGE, INC."}
    env = finnhub_env(fake.fake, TRADELOOP_SYMBOLS="AAPL,PLTR")
    with running_server(tmp_path, env, market="finnhub") as server:
        status, asset = http_json("GET", f"{server.base_url}/v2/assets/PLTR", HEADERS)
        assert status == 200 and asset["name"] == "Palantir Technologies Inc" and asset["exchange"] == "NYSE"
        assert market_order(server, "PLTR")["filled_avg_price"] == "24.31"


def test_a_symbol_finnhub_does_not_know_stops_start_up(tmp_path: Path, fake: FakeFinnhubThread) -> None:
    fake.fake.search_results["APPL"] = ["AAPL", "APPL"]
    result = subprocess.run(
        [sys.executable, "-m", "tradeloop", "serve", "--port", "0", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=server_env({**finnhub_env(fake.fake, TRADELOOP_SYMBOLS="AAPL,APPL"), "TRADELOOP_MARKET": "finnhub"}),
        timeout=60,
    )
    assert result.returncode == 2
    assert "tradeloop: error: unknown symbols: APPL (did you mean AAPL?)" in result.stderr


def test_an_unreachable_finnhub_does_not_hold_up_start_up(tmp_path: Path) -> None:
    env = {
        "FINNHUB_API_KEY": API_KEY,
        "TRADELOOP_FINNHUB_REST_URL": "http://127.0.0.1:9/api/v1",  # the discard port: nothing listens
        "TRADELOOP_FINNHUB_WS_URL": "ws://127.0.0.1:9/ws",
        "TRADELOOP_SYMBOLS": "AAPL",
        "TRADELOOP_DEMO_KEY_ID": KEY_ID,
        "TRADELOOP_DEMO_SECRET_KEY": SECRET,
    }
    with running_server(tmp_path, env, market="finnhub") as server:
        body = {"symbol": "AAPL", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}
        status, answer = http_json("POST", f"{server.base_url}/v2/orders", HEADERS, body)
        assert status == 503 and answer["message"].startswith("no market data for AAPL yet")
    assert "could not check the finnhub API key" in server.stderr() and API_KEY not in server.stderr()
