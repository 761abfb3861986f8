"""The account an admin route's path names."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from tradeloop.http.keys import ENGINE
from tradeloop.http.paths import path_id


def known_account_id(request: web.Request) -> UUID:
    """The path's account_id. Raises: NotFound for an id that is no UUID or names no account."""
    account_id = path_id(request, "account")
    request.app[ENGINE].account(account_id)  # NotFound when unknown
    return account_id
