"""Where a webhook may be sent: https to public addresses only, unless the operator allows private ones.

A URL is checked when an endpoint is created or changed (so the owner hears of
a refusal at once) and again on every connection: the resolver the sender uses
refuses a name that resolves to a loopback, private, link-local or metadata
address at that moment, so a name re-pointed after the check gains nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Final
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from tradeloop.errors import InvalidField

RESOLVE_TIMEOUT_S: Final = 5.0
ALLOW_HINT: Final = "(the operator may allow it with TRADELOOP_WEBHOOK_ALLOW_PRIVATE=1)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class _Refused(OSError):
    """The webhook's host resolves to an address deliveries may not reach (an OSError, as aiohttp expects of a resolver)."""


def refusal_in(exc: BaseException) -> str | None:
    """Why the guarded resolver refused the connection that failed with `exc` (None: it did not)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, _Refused):
            return str(cause)
        cause = cause.__cause__ or getattr(cause, "os_error", None)
    return None


def address_refused(address: IPAddress) -> bool:
    """Whether an address is not a public one: loopback, private, link-local (cloud metadata), shared, reserved, multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host spells out, or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse, at once, a URL deliveries could not be sent to.

    A name that does not resolve now is accepted: it is checked again on every connection.

    Raises:
        InvalidField: plain http, or a host that is (or resolves to) a non-public address, where not allowed.
    """
    if allow_private:
        return
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise InvalidField("url", f"must be an https URL {ALLOW_HINT}")
    host = (parts.hostname or "").rstrip(".").lower()
    literal = literal_address(host)
    if literal is not None:
        if address_refused(literal):
            raise InvalidField("url", f"{host} is not a public address {ALLOW_HINT}")
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise InvalidField("url", f"{host} is a loopback name {ALLOW_HINT}")
    try:
        found = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_S
        )
    except (OSError, TimeoutError):
        return
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if address_refused(address):
            raise InvalidField("url", f"{host} resolves to {address}, not a public address {ALLOW_HINT}")


class GuardedResolver(AbstractResolver):
    """Resolves as aiohttp does, refusing a name any of whose addresses is not public (checked at each connection)."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        for each in found:
            if address_refused(ipaddress.ip_address(each["host"])):
                raise _Refused(f"{host} resolves to {each['host']}, not a public address {ALLOW_HINT}")
        return found

    async def close(self) -> None:
        await self._inner.close()


def refusal_of_literal(url: str) -> str | None:
    """Why a URL whose host is a literal non-public address may not be reached (aiohttp resolves no literal), or None."""
    host = urlsplit(url).hostname or ""
    literal = literal_address(host)
    if literal is not None and address_refused(literal):
        return f"{host} is not a public address {ALLOW_HINT}"
    return None
