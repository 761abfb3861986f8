"""alpaca-py drives the calendar, the account configurations and watchlists of a real server process, across a restart."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, PDTCheck, TimeInForce
from alpaca.trading.models import AccountConfiguration, Calendar, Watchlist
from alpaca.trading.requests import CreateWatchlistRequest, GetCalendarRequest, LimitOrderRequest

from tests.e2e.server import demo_env, running_server

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKSURFACE00000000001"
SECRET_KEY: Final = "surface-secret-0123456789abcdefghijklmno"


def trading(base_url: str) -> TradingClient:
    return TradingClient(KEY_ID, SECRET_KEY, paper=True, url_override=base_url)


def test_calendar_configurations_and_watchlists_through_alpaca_py(tmp_path: Path) -> None:
    env = demo_env(KEY_ID, SECRET_KEY, demo_cash="10000")
    with running_server(tmp_path, env) as server:
        client = trading(server.base_url)
        days = client.get_calendar(GetCalendarRequest(start=date(2026, 1, 5), end=date(2026, 1, 6)))
        assert isinstance(days, list) and all(isinstance(day, Calendar) for day in days)
        assert [(day.date, day.close) for day in days] == [
            (date(2026, 1, 5), datetime(2026, 1, 5, 23, 59)),
            (date(2026, 1, 6), datetime(2026, 1, 6, 23, 59)),
        ]

        config = client.get_account_configurations()
        assert isinstance(config, AccountConfiguration)
        suspended = config.model_copy(update={"suspend_trade": True, "pdt_check": PDTCheck.BOTH})
        assert client.set_account_configurations(suspended) == suspended
        order = LimitOrderRequest(
            symbol="AAPL", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY, limit_price=Decimal("1")
        )
        with pytest.raises(APIError) as refused:
            client.submit_order(order)
        assert refused.value.status_code == 403
        assert refused.value.code == 40310012

        created = client.create_watchlist(CreateWatchlistRequest(name="tech", symbols=["AAPL", "MSFT"]))
        assert isinstance(created, Watchlist)
        client.add_asset_to_watchlist_by_id(created.id, "NVDA")

    with running_server(tmp_path, env) as server:  # the same data directory: everything comes back
        client = trading(server.base_url)
        assert client.get_account_configurations() == suspended
        found = client.get_watchlist_by_id(created.id)
        assert isinstance(found, Watchlist)
        assert [asset.symbol for asset in found.assets or []] == ["AAPL", "MSFT", "NVDA"]
