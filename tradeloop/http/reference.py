"""Routes: the API reference, served by the server itself: /openapi.json, /asyncapi.json, /docs (Swagger UI) and /.

The documents are built once, when the application starts, from its own routes,
so they describe exactly what it serves. Swagger UI's files come from the
swagger-ui-bundle-v2 package and are served from here: /docs works offline.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Final, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict
from swagger_ui_bundle import swagger_ui_path
from typing_extensions import TypedDict

import tradeloop
from tradeloop.codec import dumps
from tradeloop.errors import NotFound
from tradeloop.http.asyncapi import asyncapi_document
from tradeloop.http.keys import SETTINGS
from tradeloop.http.openapi import Example, Reply, Security, build_openapi, operation, served_routes
from tradeloop.http.openapi.contract import CONTRACT
from tradeloop.http.openapi.contract import install as install_contract_check
from tradeloop.http.webhook_document import webhook_requests

routes = web.RouteTableDef()


TAG: Final = "reference"
TITLE: Final = "tradeloop"
DESCRIPTION: Final = (
    "A self-hosted paper-trading backend whose REST and WebSocket API is Alpaca v2 compatible. "
    "Money and quantities are decimal strings; times are RFC 3339 UTC. "
    "The WebSocket streams are described at /asyncapi.json."
)
TAGS: Final = {
    "orders": "Place, list, replace and cancel orders (Alpaca v2 /v2/orders).",
    "account": "The account: cash, buying power, equity (/v2/account).",
    "positions": "Positions held, and closing them at market (/v2/positions).",
    "risk": "Risk limits, trading states and the kill switch (/v2/risk), an extension; the what-if is under orders.",
    "activities": "Fills and cash movements of the account, and its risk notices (/v2/account/activities).",
    "trades": "Round trips made of the account's fills, and their summary (/v2/account/trades), an extension.",
    "reports": "The account statement and the performance report, in JSON, CSV or HTML (/v2/reports), an extension.",
    "assets": "The listed assets (/v2/assets).",
    "watchlists": "Named lists of symbols kept with the account (/v2/watchlists), by id or by name.",
    "strategies": "Indicator strategies as data: versions, activation and the signals they fired (/v2/strategies), an extension.",
    "notifications": "What the account was told of (fills, cancels, risk, strategies, funds), with read flags (/v2/notifications).",
    "alerts": "Price, percent change, position, account and indicator alerts that notify when they fire (/v2/alerts), an extension.",
    "backtests": "Backtests of a strategy on the stored bars, run by the engine in worker processes (/v2/backtests).",
    "webhooks": "Endpoints the account's notifications are sent to, signed per Standard Webhooks, and their deliveries (/v2/webhooks).",
    "clock": "The market clock and calendar (/v2/clock, /v2/calendar).",
    "market data": "Latest and historical trades, quotes and bars, and snapshots (Alpaca's /v2/stocks data API).",
    "streams": "The WebSocket streams; their messages are described at /asyncapi.json.",
    "admin": "Administration under /admin/v1: accounts, cash, halts, prices, snapshots, the journal and the audit log.",
    "health": "Liveness and readiness, for load balancers and orchestrators.",
    "reference": "This reference, the streams' AsyncAPI document, the landing page, and the web pages /app and /admin.",
}
class LinksJson(TypedDict):
    app: str
    admin: str
    docs: str
    openapi: str
    asyncapi: str
    healthz: str
    readyz: str


class LandingJson(TypedDict):
    """What this server is, its version, and where its reference and health checks are."""

    name: str
    version: str
    links: LinksJson


LINKS: Final[LinksJson] = {
    "app": "/app",
    "admin": "/admin",
    "docs": "/docs",
    "openapi": "/openapi.json",
    "asyncapi": "/asyncapi.json",
    "healthz": "/healthz",
    "readyz": "/readyz",
}
DOCS_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The page's own policy: Swagger UI sets inline styles and data: images; scripts and calls stay on this server."""
ASSET_CACHE: Final = "public, max-age=3600"
_OWN_ASSETS: Final = files("tradeloop.http") / "assets"
AssetName = Literal["swagger-ui.css", "swagger-ui-bundle.js", "docs.js", "favicon-32x32.png"]
_JS: Final = "text/javascript"
_ASSETS: Final[Mapping[str, tuple[Any, str]]] = {
    "swagger-ui.css": (swagger_ui_path / "swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": (swagger_ui_path / "swagger-ui-bundle.js", _JS),
    "favicon-32x32.png": (swagger_ui_path / "favicon-32x32.png", "image/png"),
    "docs.js": (_OWN_ASSETS / "docs.js", _JS),
}
"""Each file of the page and its media type (named, not guessed: guesses for .js differ between Python versions)."""
DOCS_PAGE: Final = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tradeloop API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/docs.js"></script>
</body>
</html>
"""


@dataclass(slots=True)
class Reference:
    """The documents, rendered once at start-up."""

    openapi: bytes = b""
    asyncapi: bytes = b""

    def build(self, app: web.Application) -> dict[str, Any]:
        """Render both documents; returns the OpenAPI one (not to be changed: it may be shared, see _rendered)."""
        key = tuple((route.method, route.path, route.handler) for route in served_routes(app))
        document, self.openapi, self.asyncapi = _rendered(key, app)
        return document


def openapi_document(app: web.Application, version: str) -> dict[str, Any]:
    """The OpenAPI document of the application's routes, with the requests the server sends to webhook endpoints."""
    document = build_openapi(app, title=TITLE, version=version, description=DESCRIPTION, tags=TAGS)
    document["webhooks"] = webhook_requests()  # what the server sends, beside what it serves
    return document


_RENDERED: dict[tuple[tuple[str, str, Any], ...], tuple[dict[str, Any], bytes, bytes]] = {}


def _rendered(key: tuple[tuple[str, str, Any], ...], app: web.Application) -> tuple[dict[str, Any], bytes, bytes]:
    """The documents of an application serving these routes with these handlers, rendered once per process.

    Building takes about a quarter of a second; a process that starts many applications of the same
    routes (the tests do) would otherwise spend it on every start.
    """
    found = _RENDERED.get(key)
    if found is None:
        version = tradeloop.__version__
        document = openapi_document(app, version)
        found = _RENDERED[key] = (document, dumps(document), dumps(asyncapi_document(version)))
    return found


REFERENCE: Final = web.AppKey("reference", Reference)


def mount(app: web.Application) -> None:
    """Serve the reference from the top-level application; its documents are built when the application starts.

    With the contract check on (`Settings.contract_check`), every answer is then held to the OpenAPI document.
    """
    app[REFERENCE] = Reference()
    app.add_routes(routes)
    settings = app.get(SETTINGS)
    if settings is not None and settings.contract_check:
        install_contract_check(app)
    app.on_startup.append(_build)


async def _build(app: web.Application) -> None:
    document = app[REFERENCE].build(app)  # every sub-application is added by now, and the router frozen
    check = app.get(CONTRACT)
    if check is not None:
        check.load(document)


class AssetPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: AssetName


_DOCUMENT = dict[str, Any]
_LANDING_EXAMPLE: Final = {"name": TITLE, "version": "0.1.0", "links": LINKS}


@routes.get("/")
@operation(
    tag=TAG,
    security=Security.NONE,
    responses={
        200: [
            Reply(shape=LandingJson, description="JSON for API clients;"),
            Reply(content_type="text/html", description="an HTML page for browsers (Accept: text/html)."),
        ]
    },
    examples=[Example(name="landing", summary="asked for JSON", response=_LANDING_EXAMPLE)],
)
async def landing(request: web.Request) -> web.Response:
    """What this server is, with links to its reference and health checks."""
    if _wants_html(request.headers.get("Accept", "")):
        response = web.Response(text=_landing_page(), content_type="text/html")
    else:
        body: LandingJson = {"name": TITLE, "version": tradeloop.__version__, "links": LINKS}
        response = web.Response(body=dumps(body), content_type="application/json")
    response.headers["Vary"] = "Accept"
    return response


@routes.get("/openapi.json")
@operation(
    tag=TAG,
    security=Security.NONE,
    responses={200: Reply(shape=_DOCUMENT, description="The OpenAPI 3.1 document of every route.")},
    examples=[Example(name="document", summary="its first fields", response={"openapi": "3.1.0", "info": {"title": TITLE, "version": "0.1.0"}})],
)
async def openapi_json(request: web.Request) -> web.Response:
    """This reference, as an OpenAPI 3.1 document generated from the routes and their models."""
    return web.Response(body=request.config_dict[REFERENCE].openapi, content_type="application/json")


@routes.get("/asyncapi.json")
@operation(
    tag=TAG,
    security=Security.NONE,
    responses={200: Reply(shape=_DOCUMENT, description="The AsyncAPI 3.0 document of the streams.")},
    examples=[Example(name="document", summary="its first fields", response={"asyncapi": "3.0.0", "info": {"title": "tradeloop streams", "version": "0.1.0"}})],
)
async def asyncapi_json(request: web.Request) -> web.Response:
    """The WebSocket streams (/stream, /v2/iex, /v2/sip) as an AsyncAPI 3.0 document: channels, messages, errors."""
    return web.Response(body=request.config_dict[REFERENCE].asyncapi, content_type="application/json")


@routes.get("/docs")
@operation(
    tag=TAG,
    security=Security.NONE,
    responses={200: Reply(content_type="text/html", description="Swagger UI on /openapi.json, every file served from here.")},
    examples=[Example(name="page", summary="the page")],
)
async def docs(request: web.Request) -> web.Response:
    """The interactive reference (Swagger UI); it fetches nothing from outside this server."""
    response = web.Response(text=DOCS_PAGE, content_type="text/html")
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@routes.get("/docs/assets/{name}")
@operation(
    tag=TAG,
    security=Security.NONE,
    path=AssetPath,
    responses={
        200: [
            Reply(content_type=_JS, description="A script,"),
            Reply(content_type="text/css", description="the stylesheet"),
            Reply(content_type="image/png", description="or the icon of /docs."),
        ]
    },
    errors=(NotFound,),
    examples=[Example(name="script", summary="our start-up script", path={"name": "docs.js"})],
)
async def docs_asset(request: web.Request) -> web.StreamResponse:
    """A file of the /docs page: Swagger UI's (swagger-ui-bundle-v2) or ours."""
    found = _ASSETS.get(request.match_info["name"])
    if found is None:
        raise NotFound("no such file of /docs")
    source, media_type = found
    response = web.FileResponse(Path(str(source)), headers={"Content-Type": media_type})
    response.headers["Cache-Control"] = ASSET_CACHE
    return response


def _wants_html(accept: str) -> bool:
    """Whether the Accept header puts HTML before JSON (browsers do); JSON for anything else, or nothing."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, index, media.lower()))
    for _, _, media in sorted(ranked):
        if media in ("application/json", "application/*", "*/*"):
            return False
        if media in ("text/html", "application/xhtml+xml", "text/*"):
            return True
    return False


def _landing_page() -> str:
    items = "\n".join(f'<li><a href="{html.escape(str(url))}">{html.escape(name)}</a></li>' for name, url in LINKS.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>tradeloop</title></head>
<body>
<h1>tradeloop {html.escape(tradeloop.__version__)}</h1>
<p>A self-hosted paper-trading backend with an Alpaca v2 compatible API.</p>
<ul>
{items}
</ul>
</body>
</html>
"""
