"""Routes: the asset list, one asset, and the market clock (Alpaca's /v2/assets and /v2/clock)."""

from __future__ import annotations

from typing import Final, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from tradeloop.codec import json_number, rfc3339
from tradeloop.core.instruments import Asset
from tradeloop.core.money import HUNDRED
from tradeloop.core.sessions import session_bounds
from tradeloop.errors import NotFound
from tradeloop.http.bodies import read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import SymbolOrAssetPath
from tradeloop.http.shapes.trading import AssetJson, ClockJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "assets"

ASSET_CLASS: Final = "us_equity"
ASSET_STATUS: Final = "active"


class AssetQuery(BaseModel):
    """Filters of GET /v2/assets; parameters Alpaca knows but we do not are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["active", "inactive"] | None = None
    asset_class: Literal["us_equity", "us_option", "crypto"] | None = None
    exchange: str | None = None
    attributes: str | None = None

    def admits(self, asset: Asset) -> bool:
        """Tell whether an asset passes every given filter (ours are all active, plain us_equity)."""
        if self.status is not None and self.status != ASSET_STATUS:
            return False
        if self.asset_class is not None and self.asset_class != ASSET_CLASS:
            return False
        if self.exchange is not None and self.exchange.upper() != asset.exchange:
            return False
        wanted = {part.strip() for part in (self.attributes or "").split(",") if part.strip()}
        return not wanted  # no asset carries attributes, so asking for any excludes all


def asset_json(asset: Asset) -> AssetJson:
    """An asset as Alpaca sends it; nothing here is marginable or shortable."""
    return {
        "id": str(asset.id),
        "class": ASSET_CLASS,
        "exchange": asset.exchange,
        "symbol": asset.symbol,
        "name": asset.name,
        "status": ASSET_STATUS,
        "tradable": asset.tradable,
        "marginable": False,
        "shortable": False,
        "easy_to_borrow": False,
        "fractionable": asset.fractionable,
        "maintenance_margin_requirement": json_number(HUNDRED),
        "attributes": [],
    }



@routes.get("/v2/assets")
@operation(
    tag=TAG,
    security=Security.KEYS,
    query=AssetQuery,
    responses={200: list[AssetJson]},
    examples=[Example(name="arca", summary="the assets listed on ARCA", query={"exchange": "ARCA"}, response=example("trading", "arca_assets"))],
)
async def list_assets(request: web.Request) -> web.Response:
    """Every listed asset that passes the query's filters, in symbol order."""
    query = read_query(request, AssetQuery)
    assets = sorted(request.app[ENGINE].assets.values(), key=lambda asset: asset.symbol)
    return json_response([asset_json(asset) for asset in assets if query.admits(asset)])


@routes.get("/v2/assets/{symbol_or_asset_id}")
@operation(
    tag=TAG,
    security=Security.KEYS,
    path=SymbolOrAssetPath,
    responses={200: AssetJson},
    errors=(NotFound,),
    examples=[Example(name="aapl", summary="AAPL by symbol", path={"symbol_or_asset_id": "AAPL"}, response=example("trading", "asset"))],
)
async def get_asset(request: web.Request) -> web.Response:
    """One asset by symbol or by id.

    Raises:
        NotFound: no listed asset has that symbol or id.
    """
    wanted = request.match_info["symbol_or_asset_id"].strip()
    assets = request.app[ENGINE].assets
    found = assets.get(wanted.upper())
    if found is None:
        try:
            wanted_id = UUID(wanted)
        except ValueError:
            wanted_id = None
        found = next((asset for asset in assets.values() if asset.id == wanted_id), None)
    if found is None:
        raise NotFound(f"asset not found for {wanted}")
    return json_response(asset_json(found))


@routes.get("/v2/clock")
@operation(
    tag="clock",
    security=Security.KEYS,
    responses={200: ClockJson},
    examples=[Example(name="now", summary="the clock now", response=example("trading", "clock"))],
)
async def get_clock(request: web.Request) -> web.Response:
    """The simulated market is always open; its sessions turn over at 00:00 UTC."""
    now = request.app[ENGINE].clock()
    _, session_end = session_bounds(now)
    clock: ClockJson = {
        "timestamp": rfc3339(now),
        "is_open": True,
        "next_open": rfc3339(session_end),
        "next_close": rfc3339(session_end),
    }
    return json_response(clock)
