"""Routes: the web pages /app (the trader's dashboard) and /admin (the admin console), and their files under /ui.

Every file under tradeloop/http/ui/ is read once, at start-up, and served from memory at
/ui/<hash>/<path>, where <hash> is a content hash of all of them: a page names its files
under the hash of the files it was shipped with, so they can be cached forever and a new
version is never mixed with an old one. Only the files read are served, so no path can
reach outside ui/. The pages themselves are never cached.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Any, Final

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from tradeloop.errors import NotFound
from tradeloop.http.openapi import Example, Reply, Security, operation
from tradeloop.http.report_pages import STYLE as REPORT_STYLE

routes = web.RouteTableDef()

TAG: Final = "reference"
UI_DIR: Final = Path(str(files("tradeloop.http") / "ui"))
ASSETS_MARK: Final = "{{ASSETS}}"
REPORT_STYLE_HASH: Final = "'sha256-" + base64.b64encode(hashlib.sha256(REPORT_STYLE.encode()).digest()).decode() + "'"
"""The HTML reports' one inline stylesheet: a report opened from a blob: address takes on its page's policy."""
PAGE_CSP: Final = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {REPORT_STYLE_HASH}; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The pages' policy: everything from this server only, no inline script (the API's values are text) and no inline
style but the reports' own stylesheet, allowed by its hash."""
IMMUTABLE: Final = "public, max-age=31536000, immutable"
HASH_LENGTH: Final = 16
_JS: Final = "text/javascript"
_OTHER: Final = "application/octet-stream"
MEDIA_TYPES: Final[Mapping[str, str]] = {
    ".html": "text/html",
    ".js": _JS,
    ".mjs": _JS,
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".txt": "text/plain",
    ".md": "text/plain",
    "": "text/plain",  # LICENSE, VERSIONS
}
"""Media type by suffix, named rather than guessed (guesses for .js and .mjs differ between platforms)."""
_TEXT: Final = frozenset({"text/html", _JS, "text/css", "image/svg+xml", "application/json", "text/plain"})


@dataclass(frozen=True, slots=True)
class UiFile:
    """One file of ui/, its body and media type."""

    body: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class UiBundle:
    """Every file of a ui/ directory, keyed by its path inside it, and their content hash."""

    files: Mapping[str, UiFile]
    hash: str

    @property
    def prefix(self) -> str:
        """Where the files are served: what a page's {{ASSETS}} becomes."""
        return f"/ui/{self.hash}"

    def page(self, name: str) -> str:
        """The page `name` (app.html, admin.html) with its asset links under this bundle's prefix."""
        return self.files[name].body.decode("utf-8").replace(ASSETS_MARK, self.prefix)


def read_bundle(directory: Path) -> UiBundle:
    """Read every file under `directory` (hidden files and caches left out) and hash them, paths included."""
    found: dict[str, UiFile] = {}
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if not path.is_file() or any(part.startswith(".") or part == "__pycache__" for part in PurePosixPath(relative).parts):
            continue
        body = path.read_bytes()
        digest.update(relative.encode() + b"\0" + len(body).to_bytes(8, "big") + body)
        found[relative] = UiFile(body, MEDIA_TYPES.get(path.suffix.lower(), _OTHER))
    return UiBundle(found, digest.hexdigest()[:HASH_LENGTH])


@cache
def shipped_bundle() -> UiBundle:
    """The package's own ui/ files, read once per process."""
    return read_bundle(UI_DIR)


UI_BUNDLE: Final = web.AppKey("ui_bundle", UiBundle)


def mount(app: web.Application, bundle: UiBundle | None = None) -> None:
    """Serve /app, /admin and /ui from the top-level application, from `bundle` (else the package's ui/ files)."""
    app[UI_BUNDLE] = bundle or shipped_bundle()
    app.add_routes(routes)


class UiPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    hash: str = Field(description="The content hash of the files, as the pages name it.")
    path: str = Field(description="The file's path under ui/, e.g. js/app.js.")


def _page(request: web.Request, name: str) -> web.Response:
    response = web.Response(text=request.config_dict[UI_BUNDLE].page(name), content_type="text/html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/app")
@operation(
    tag=TAG,
    security=Security.NONE,
    responses={200: Reply(content_type="text/html", description="The dashboard's page; it signs in with the account's keys.")},
    examples=[Example(name="page", summary="the page")],
)
async def app_page(request: web.Request) -> web.Response:
    """The trader's dashboard: account, positions, orders, charts, strategies, alerts and reports, in the browser."""
    return _page(request, "app.html")


@routes.get("/admin")
@operation(
    tag=TAG,
    security=Security.NONE,
    responses={200: Reply(content_type="text/html", description="The console's page; it signs in with the admin key and a TOTP code.")},
    examples=[Example(name="page", summary="the page")],
)
async def admin_page(request: web.Request) -> web.Response:
    """The admin console: accounts, halts, prices, the journal, snapshots and the audit log, in the browser."""
    return _page(request, "admin.html")


@routes.get("/ui/{hash}/{path:.+}")
@operation(
    tag=TAG,
    security=Security.NONE,
    path=UiPath,
    responses={
        200: [
            Reply(shape=dict[str, Any], description="A data file (JSON),"),
            Reply(content_type=_JS, description="a script,"),
            Reply(content_type="text/css", description="a stylesheet,"),
            Reply(content_type="text/html", description="a page's source,"),
            Reply(content_type="image/svg+xml", description="an icon"),
            Reply(content_type="image/png", description="or image"),
            Reply(content_type="image/x-icon"),
            Reply(content_type="text/plain", description="or a licence of the pages,"),
            Reply(content_type=_OTHER, description="each cached for good (the hash changes with the files)."),
        ]
    },
    errors=(NotFound,),
    examples=[
        Example(name="script", summary="the dashboard's entry point", path={"hash": "0123456789abcdef", "path": "js/app.js"}),
        Example(
            name="data",
            summary="the strategy templates",
            path={"hash": "0123456789abcdef", "path": "js/views/strategies_templates.json"},
            response={"templates": [{"id": "sma_crossover", "title": "SMA crossover"}]},
        ),
    ],
)
async def ui_file(request: web.Request) -> web.Response:
    """A file of /app or /admin; an old or unknown hash, or a path outside ui/, is a 404."""
    bundle = request.config_dict[UI_BUNDLE]
    found = bundle.files.get(request.match_info["path"]) if request.match_info["hash"] == bundle.hash else None
    if found is None:
        raise NotFound("no such file of the pages")
    response = web.Response(body=found.body, content_type=found.media_type)
    if found.media_type in _TEXT:
        response.charset = "utf-8"
    response.headers["Cache-Control"] = IMMUTABLE
    return response
