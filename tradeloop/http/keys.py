"""Typed keys every surface reads: the engine, the settings, the authenticated caller (others live beside what they hold)."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from aiohttp import web

from tradeloop.actors.engine import Engine
from tradeloop.actors.strategies import StrategyHost
from tradeloop.config import Settings

ENGINE: Final = web.AppKey("engine", Engine)
SETTINGS: Final = web.AppKey("settings", Settings)
STRATEGY_HOST: Final = web.AppKey("strategy_host", StrategyHost)
"""The actor evaluating the accounts' strategies on completed bars (posted bars wait for it)."""
ACCOUNT_ID: Final = web.RequestKey("account_id", UUID)
"""Request key under which the authentication middleware stores the caller's account id."""
KEY_ID: Final = web.RequestKey("key_id", str)
"""Request key under which the authentication middleware stores the caller's API key id."""
