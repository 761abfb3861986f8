"""Security headers on every answer, and no Server header advertising software versions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from aiohttp import hdrs, web
from multidict import istr

ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]

SECURITY_HEADERS: Final[Mapping[str, str]] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
HSTS: Final = "max-age=31536000"


def security_header_items(*, tls: bool) -> tuple[tuple[istr, str], ...]:
    """The security headers every answer carries, HSTS included when serving TLS."""
    added = {**SECURITY_HEADERS, **({"Strict-Transport-Security": HSTS} if tls else {})}
    return tuple((istr(name), value) for name, value in added.items())  # istr: no case folding per answer


def security_headers(*, tls: bool) -> ResponseHook:
    """An `on_response_prepare` hook; a signal, not a middleware, so rendered errors get the headers too."""
    headers = security_header_items(tls=tls)

    async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
        answer = response.headers
        for name, value in headers:
            answer.setdefault(name, value)
        answer.popall(hdrs.SERVER, None)

    return add_security_headers
