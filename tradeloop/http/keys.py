"""Typed application and request keys."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from aiohttp import web

from tradeloop.actors.engine import Engine
from tradeloop.config import Settings
from tradeloop.http.ratelimit import Allowance, RateLimiter

ENGINE: Final = web.AppKey("engine", Engine)
SETTINGS: Final = web.AppKey("settings", Settings)
LIMITER: Final = web.AppKey("rate_limiter", RateLimiter)
ACCOUNT_ID: Final = web.RequestKey("account_id", UUID)
"""Request key under which the authentication middleware stores the caller's account id."""
KEY_ID: Final = web.RequestKey("key_id", str)
"""Request key under which the authentication middleware stores the caller's API key id."""
ALLOWANCE: Final = web.RequestKey("rate_allowance", Allowance)
"""Request key under which the rate limiter stores what the caller has left, for the response headers."""
