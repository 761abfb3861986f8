"""Instruments: the asset record and the built-in universe of US equities."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

_ASSET_NAMESPACE: Final = uuid.UUID("6f1c1a3e-0d1b-4c55-9a8e-5b8f0e7a2c10")


@dataclass(frozen=True, slots=True, kw_only=True)
class Asset:
    """A tradable instrument; ids are stable across restarts (uuid5 of the symbol)."""

    symbol: str
    name: str
    exchange: str
    reference_price: Decimal
    tradable: bool = True
    fractionable: bool = True

    @property
    def id(self) -> uuid.UUID:
        return asset_id(self.symbol)


def asset_id(symbol: str) -> uuid.UUID:
    """Return the stable asset id of a symbol."""
    found = _ASSET_IDS.get(symbol)
    if found is None:
        found = uuid.uuid5(_ASSET_NAMESPACE, symbol)
        if len(_ASSET_IDS) < _ASSET_IDS_KEPT:
            _ASSET_IDS[symbol] = found
    return found


_ASSET_IDS: dict[str, uuid.UUID] = {}
"""Ids already derived (uuid5 costs microseconds, and every order answer names its asset)."""
_ASSET_IDS_KEPT: Final = 100_000


def _asset(symbol: str, name: str, exchange: str, price: str) -> Asset:
    return Asset(symbol=symbol, name=name, exchange=exchange, reference_price=Decimal(price))


UNIVERSE: Final[tuple[Asset, ...]] = (
    _asset("AAPL", "Apple Inc. Common Stock", "NASDAQ", "189.50"),
    _asset("MSFT", "Microsoft Corporation Common Stock", "NASDAQ", "415.20"),
    _asset("NVDA", "NVIDIA Corporation Common Stock", "NASDAQ", "121.40"),
    _asset("AMZN", "Amazon.com, Inc. Common Stock", "NASDAQ", "183.10"),
    _asset("GOOGL", "Alphabet Inc. Class A Common Stock", "NASDAQ", "171.30"),
    _asset("META", "Meta Platforms, Inc. Class A Common Stock", "NASDAQ", "498.60"),
    _asset("TSLA", "Tesla, Inc. Common Stock", "NASDAQ", "182.70"),
    _asset("AMD", "Advanced Micro Devices, Inc. Common Stock", "NASDAQ", "158.90"),
    _asset("NFLX", "Netflix, Inc. Common Stock", "NASDAQ", "640.10"),
    _asset("INTC", "Intel Corporation Common Stock", "NASDAQ", "30.85"),
    _asset("CSCO", "Cisco Systems, Inc. Common Stock", "NASDAQ", "47.35"),
    _asset("ADBE", "Adobe Inc. Common Stock", "NASDAQ", "520.40"),
    _asset("JPM", "JPMorgan Chase & Co. Common Stock", "NYSE", "198.20"),
    _asset("BAC", "Bank of America Corporation Common Stock", "NYSE", "39.40"),
    _asset("V", "Visa Inc.", "NYSE", "275.60"),
    _asset("MA", "Mastercard Incorporated Common Stock", "NYSE", "455.30"),
    _asset("JNJ", "Johnson & Johnson Common Stock", "NYSE", "152.10"),
    _asset("PFE", "Pfizer, Inc. Common Stock", "NYSE", "28.45"),
    _asset("XOM", "Exxon Mobil Corporation Common Stock", "NYSE", "113.70"),
    _asset("CVX", "Chevron Corporation Common Stock", "NYSE", "156.80"),
    _asset("WMT", "Walmart Inc. Common Stock", "NYSE", "67.90"),
    _asset("KO", "Coca-Cola Company (The) Common Stock", "NYSE", "62.75"),
    _asset("DIS", "Walt Disney Company (The) Common Stock", "NYSE", "101.30"),
    _asset("SPY", "SPDR S&P 500 ETF Trust", "ARCA", "528.40"),
    _asset("QQQ", "Invesco QQQ Trust, Series 1", "NASDAQ", "451.90"),
)

ASSETS_BY_SYMBOL: Final[dict[str, Asset]] = {asset.symbol: asset for asset in UNIVERSE}
