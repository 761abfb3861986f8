"""Shape of a watchlist (Alpaca v2 /v2/watchlists)."""

from __future__ import annotations

from typing_extensions import NotRequired, TypedDict

from tradeloop.http.openapi.fields import Timestamp, UuidText
from tradeloop.http.shapes.trading import AssetJson


class WatchlistJson(TypedDict):
    """A watchlist; `assets` (its symbols in order, as assets) is left out of the list of all watchlists, as Alpaca does."""

    id: UuidText
    account_id: UuidText
    name: str
    created_at: Timestamp
    updated_at: Timestamp
    assets: NotRequired[list[AssetJson]]
