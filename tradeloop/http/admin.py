"""Routes: admin sessions, accounts and manual prices under /admin/v1/.

A session is opened with `Authorization: Bearer <admin key>` plus a fresh
`X-TOTP-Code`; every other admin call carries `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Final, TypeVar

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict

from tradeloop.actors.administration import audit
from tradeloop.codec import rfc3339
from tradeloop.core.money import PRICE
from tradeloop.errors import InvalidField, Unauthorized, UnknownSymbol
from tradeloop.http.bodies import read_model
from tradeloop.http.keys import ADMIN, ENGINE, SETTINGS
from tradeloop.http.marketdata import latest_json
from tradeloop.http.numbers import Money, Price, Quantity, bounded
from tradeloop.http.throttle import client_address
from tradeloop.http.wire import json_response
from tradeloop.market.manual import InvalidAdminTick, admin_ticks

routes = web.RouteTableDef()

TOTP_HEADER: Final = "X-TOTP-Code"
R = TypeVar("R", bound=web.StreamResponse)


def _not_negative(value: Decimal | None) -> Decimal | None:
    if value is not None and value < 0:
        raise ValueError("must be zero or more")
    return value


class NewAccount(BaseModel):
    """Body of POST /admin/v1/accounts; cash defaults to the configured demo cash."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cash: Annotated[Money, AfterValidator(_not_negative)] = None


class PriceUpdate(BaseModel):
    """Body of POST /admin/v1/market/prices; bid and ask default to price, size to unlimited."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str
    price: Annotated[Decimal, bounded(PRICE)]
    bid: Price = None
    ask: Price = None
    size: Quantity = None


def _bearer(request: web.Request, what: str) -> str:
    """The credential of an `Authorization: Bearer` header.

    Raises:
        Unauthorized: the header is missing or is not a bearer credential.
    """
    scheme, _, credential = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized(f"admin calls need an 'Authorization: Bearer <{what}>' header")
    return credential.strip()


def admin_only(handler: Callable[[web.Request], Awaitable[R]]) -> Callable[[web.Request], Awaitable[R]]:
    """Run the handler only for a live admin session token; 401 otherwise."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> R:
        request.app[ADMIN].check(_bearer(request, "session token"))
        return await handler(request)

    return guarded



@routes.post("/admin/v1/sessions")
async def open_session(request: web.Request) -> web.Response:
    """Trade the admin key and a one-time TOTP code for a short-lived session token; failures are throttled (429)."""
    gate, address = request.app[ADMIN], client_address(request) or "unknown"
    try:
        admin_key = _bearer(request, "admin key")
    except Unauthorized as exc:
        gate.fail(address, exc.message)
    code = request.headers.get(TOTP_HEADER, "").strip()
    if not code:
        gate.fail(address, f"the {TOTP_HEADER} header is required")
    token, expires_at = await gate.open_session(admin_key, code, address, request.app[ENGINE].journal)
    return json_response({"token": token, "expires_at": rfc3339(expires_at)}, status=201)


@routes.post("/admin/v1/accounts")
@admin_only
async def create_account(request: web.Request) -> web.Response:
    """Open an account; its secret key is in this answer and nowhere else, ever."""
    body = await read_model(request, NewAccount)
    engine = request.app[ENGINE]
    cash = body.cash if body.cash is not None else request.app[SETTINGS].demo_cash
    credentials = await engine.open_account(cash)
    state = engine.account(credentials.account_id)
    await audit(engine, "create_account", str(state.id), cash=str(cash), key_id=credentials.key_id)
    return json_response(
        {
            "id": str(state.id),
            "key_id": credentials.key_id,
            "secret_key": credentials.secret_key,
            "account_number": state.account_number,
            "cash": state.cash,
        },
        status=201,
    )


@routes.get("/admin/v1/accounts")
@admin_only
async def list_accounts(request: web.Request) -> web.Response:
    """Every account, oldest first, with its cash and equity; secrets are never shown."""
    engine = request.app[ENGINE]
    states = sorted(engine.accounts(), key=lambda state: state.created_at)
    return json_response(
        [
            {
                "id": str(state.id),
                "account_number": state.account_number,
                "key_id": state.key_id,
                "cash": state.cash,
                "equity": engine.valuation(state.id).equity,
                "created_at": rfc3339(state.created_at),
            }
            for state in states
        ]
    )


@routes.post("/admin/v1/market/prices")
@admin_only
async def set_price(request: web.Request) -> web.Response:
    """Feed a quote then a trade through the markets, as the feed would, and show the result.

    Raises:
        UnknownSymbol: the symbol is not listed. InvalidField: a number is not positive, or bid > ask.
    """
    body = await read_model(request, PriceUpdate)
    engine = request.app[ENGINE]
    symbol = body.symbol.strip().upper()
    if symbol not in engine.assets:
        raise UnknownSymbol(f"unknown symbol {symbol}", field="symbol")
    try:
        trade, quote = admin_ticks(symbol, body.price, body.bid, body.ask, body.size, engine.clock())
    except InvalidAdminTick as exc:
        raise InvalidField(exc.field, str(exc).removeprefix(f"{exc.field}: ")) from None
    await engine.ingest(quote)  # the quote first, so a triggered stop fills at the new bid or ask
    await engine.ingest(trade)
    await engine.quiesce()
    await audit(engine, "set_price", symbol, price=str(body.price), bid=str(quote.bid), ask=str(quote.ask))
    return json_response(latest_json(engine, symbol))
