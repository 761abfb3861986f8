"""The reference's security schemes and the rate-limit headers, as the edge (auth.py, admin/sessions.py, ratelimit.py) uses them."""

from __future__ import annotations

from typing import Any, Final

from tradeloop.http.auth import KEY_HEADER, SECRET_HEADER
from tradeloop.http.openapi.operation import Security
from tradeloop.http.ratelimit import LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER

TOTP_HEADER: Final = "X-TOTP-Code"
"""As tradeloop.http.admin.sessions reads it (a test keeps the two equal; admin routes import this package)."""

SECURITY_SCHEMES: Final[dict[str, Any]] = {
    "apiKeyId": {"type": "apiKey", "in": "header", "name": KEY_HEADER, "description": "The account's API key id."},
    "apiSecretKey": {"type": "apiKey", "in": "header", "name": SECRET_HEADER, "description": "The account's secret key."},
    "adminSession": {
        "type": "http",
        "scheme": "bearer",
        "description": "An admin session token, from POST /admin/v1/sessions; it lasts 15 minutes.",
    },
    "adminKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "The admin key (TRADELOOP_ADMIN_KEY); only POST /admin/v1/sessions takes it.",
    },
    "totpCode": {
        "type": "apiKey",
        "in": "header",
        "name": TOTP_HEADER,
        "description": "A fresh RFC 6238 code of the admin TOTP secret; each code opens one session at most.",
    },
}

_REQUIREMENTS: Final[dict[Security, list[dict[str, list[str]]]]] = {
    Security.KEYS: [{"apiKeyId": [], "apiSecretKey": []}],
    Security.ADMIN: [{"adminSession": []}],
    Security.ADMIN_LOGIN: [{"adminKey": [], "totpCode": []}],
    Security.NONE: [],
}


def requirement(security: Security) -> list[dict[str, list[str]]]:
    """An operation's `security`: every scheme of one entry is needed together; none for a public route."""
    return [dict(entry) for entry in _REQUIREMENTS[security]]


def _integer_header(text: str) -> dict[str, Any]:
    return {"description": text, "schema": {"type": "integer"}}


RATE_LIMIT_HEADERS: Final[dict[str, Any]] = {
    str(LIMIT_HEADER): _integer_header("Calls the API key may make per minute."),
    str(REMAINING_HEADER): _integer_header("Calls left in the current budget."),
    str(RESET_HEADER): _integer_header("Unix time (seconds) when the budget is whole again."),
}
"""Headers on every answer to a call made with API keys, errors included."""
COMPONENT_HEADERS: Final[dict[str, Any]] = {
    **RATE_LIMIT_HEADERS,
    "RetryAfter": _integer_header("Seconds to wait before trying again (Retry-After)."),
}
