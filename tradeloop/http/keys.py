"""Typed application and request keys."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from aiohttp import web

from tradeloop.actors.engine import Engine
from tradeloop.config import Settings
from tradeloop.http.admin_sessions import AdminGate

ENGINE: Final = web.AppKey("engine", Engine)
SETTINGS: Final = web.AppKey("settings", Settings)
ADMIN: Final = web.AppKey("admin", AdminGate)
ACCOUNT_ID: Final = web.RequestKey("account_id", UUID)
"""Request key under which the authentication middleware stores the caller's account id."""
