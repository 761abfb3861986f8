"""Security headers on every answer, and no Server header advertising software versions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from aiohttp import hdrs, web

ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]

SECURITY_HEADERS: Final[Mapping[str, str]] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
HSTS: Final = "max-age=31536000"


def security_headers(*, tls: bool) -> ResponseHook:
    """An `on_response_prepare` hook; a signal, not a middleware, so rendered errors get the headers too."""
    headers = {**SECURITY_HEADERS, **({"Strict-Transport-Security": HSTS} if tls else {})}

    async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        response.headers.popall(hdrs.SERVER, None)

    return add_security_headers
