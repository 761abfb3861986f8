"""The one exception tree of tradeloop; the HTTP layer renders it.

    TradeloopError                      500 50010000 internal error
    ├── BadRequest                      400 40010000 malformed request
    │   ├── MalformedJSON               400 40010000
    │   ├── InvalidParameter            400 40010001 (query parameter)
    │   └── InvalidFrame                400 40010000 (a stream frame neither JSON nor msgpack; a ValueError too)
    ├── Unauthorized                    401 40110000
    ├── Forbidden                       403 40310000
    │   ├── InsufficientBuyingPower     403 40310000
    │   ├── InsufficientQty             403 40310000
    │   ├── AccountDisabled             403 40310001
    │   ├── TradingHalted               403 40310003
    │   ├── RiskLimitExceeded           403 40310010 (names the limit, its value and the order's figure)
    │   ├── TradingStateRefused         403 40310011 (the account's trading state is REDUCING or HALTED)
    │   └── TradingSuspended            403 40310012 (the account's configuration has suspend_trade on)
    ├── NotFound                        404 40410000
    ├── MethodNotAllowed                405 40510000
    ├── PayloadTooLarge                 413 41310000
    ├── Unprocessable                   422 40010001
    │   ├── InvalidField                422 40010001 (names the field)
    │   │   ├── InvalidOrderClass       422 42210000 (a bracket, OCO or OTO breaks one of Alpaca's rules; names the field)
    │   │   └── InvalidStrategy         422 42210001 (strategy.definition: names the field by JSON pointer)
    │   ├── InvalidValue                422 40010001 (a value a pure function refuses; a ValueError too)
    │   │   ├── NotADecimal             422 40010001 (core.money: callers name the field)
    │   │   ├── OutOfBounds             422 40010001 (core.money: callers name the field)
    │   │   └── InvalidAdminTick        422 40010001 (market.manual: names the field)
    │   ├── DuplicateClientOrderId      422 40010001
    │   ├── UnknownSymbol               422 42210000
    │   ├── NotCancelable               422 42210000
    │   ├── NotReplaceable              422 42210000
    │   └── ResultNotReady              422 42210000 (a backtest's result before it is done)
    ├── RateLimited                     429 42910000 (Retry-After)
    ├── Unavailable                     503 50310000 (queue full, feed lost)
    │   ├── StaleMarketData             503 50310001 (names the symbol and the price's age)
    │   ├── JournalUnavailable          503 50310002 (storage is failing: no new command until it recovers)
    │   │   ├── WriteKept               503 50310002 (a write kept until storage recovers; `committed` says when)
    │   │   └── JournalFailed           503 50310002 (storage.py: still failing when the server stopped; exit 1)
    │   ├── StreamsBusy                 503 50310003 (every stream slot waiting to authenticate is taken; Retry-After)
    │   └── FinnhubError                503 50310000 (market.finnhub_rest: Finnhub did not answer as hoped)
    │       ├── KeyRejected             503 50310000 (Finnhub refused the API key)
    │       └── FinnhubUnavailable      503 50310000 (Finnhub kept failing after every retry)
    └── StartupFailure                  500 50010000 (the server cannot start or keep its data; exit 2)
        ├── StartupError                500 50010000 (server.py: the configuration cannot be served)
        ├── VaultError                  500 50010000 (vault.py: the master key is missing or wrong)
        ├── DatabaseBusy                500 50010000 (snapshots.lock: another process holds the data directory)
        ├── CorruptData                 500 50010000 (snapshots.recovery: names the file and position)
        ├── DecodeError                 500 50010000 (snapshots.codec: a stored record of no known shape; a ValueError too)
        ├── DocumentError               500 50010000 (http.openapi.document: the routes' descriptions contradict each other)
        └── ContractUnavailable         500 50010000 (http.openapi.contract: the contract check is on but jsonschema-rs is missing)

Classes outside this module are defined beside the code that raises them.
A StartupFailure renders as a bare internal error: its message may name files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import asyncio


class TradeloopError(Exception):
    """Base of every error a client may see; carries code, status and title."""

    code: ClassVar[int] = 50010000
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"
    slug: ClassVar[str] = "internal-error"

    def __init__(self, message: str = "internal server error", **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra: dict[str, object] = extra

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the rendered answer carries besides its body: `Retry-After` when the error says when to retry."""
        retry_after = self.extra.get("retry_after")
        return {} if retry_after is None else {"Retry-After": str(retry_after)}


class BadRequest(TradeloopError):
    """The request cannot be read: not valid HTTP, a body cut short, or plain HTTP sent to a WebSocket endpoint."""

    code = 40010000
    status = 400
    title = "Bad Request"
    slug = "bad-request"


class MalformedJSON(BadRequest):
    """The request body is empty, not JSON, or not a JSON object."""

    slug = "malformed-json"


class InvalidParameter(BadRequest):
    """A query-string parameter is wrong; `field` names it."""

    code = 40010001
    slug = "invalid-parameter"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid {field}: {message}", field=field)
        self.field = field


class Unauthorized(TradeloopError):
    """Credentials are missing or wrong: API key and secret, admin key, TOTP code or admin session."""

    code = 40110000
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(TradeloopError):
    """The caller is known but may not do this; a subclass says why."""

    code = 40310000
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class InsufficientBuyingPower(Forbidden):
    """A buy or withdrawal needs more cash than is free of open orders; `buying_power` says what is."""

    slug = "insufficient-buying-power"


class InsufficientQty(Forbidden):
    """A sell needs more shares than the position has free of open orders; `available` says how many."""

    slug = "insufficient-qty"


class AccountDisabled(Forbidden):
    """An administrator disabled the account: it may cancel orders, not place or replace them."""

    code = 40310001
    slug = "account-disabled"


class TradingHalted(Forbidden):
    """An administrator halted trading in the symbol: its orders are refused until it resumes."""

    code = 40310003
    slug = "trading-halted"


class RiskLimitExceeded(Forbidden):
    """An order would pass one of the account's risk limits (`limit`, `value`, `figure` say which and by what)."""

    code = 40310010
    slug = "risk-limit-exceeded"


class TradingStateRefused(Forbidden):
    """The account's trading state refuses the order: REDUCING takes only orders that reduce a position, HALTED none."""

    code = 40310011
    slug = "trading-state-refused"


class TradingSuspended(Forbidden):
    """The account's owner suspended trading (suspend_trade in /v2/account/configurations): orders are refused, cancels pass."""

    code = 40310012
    slug = "trading-suspended"


class NotFound(TradeloopError):
    """No such order, position, asset, account or endpoint (another account's order id included)."""

    code = 40410000
    status = 404
    title = "Not Found"
    slug = "not-found"


class MethodNotAllowed(TradeloopError):
    """The path exists but not with this method; the `Allow` header lists those it takes."""

    code = 40510000
    status = 405
    title = "Method Not Allowed"
    slug = "method-not-allowed"


class PayloadTooLarge(TradeloopError):
    """The request body is over the configured limit (`--max-body-bytes`)."""

    code = 41310000
    status = 413
    title = "Payload Too Large"
    slug = "payload-too-large"


class Unprocessable(TradeloopError):
    """The request reads well but a value in it is refused; nothing was changed."""

    code = 40010001
    status = 422
    title = "Unprocessable Entity"
    slug = "unprocessable"


class InvalidField(Unprocessable):
    """A body field is wrong; `field` names it."""

    slug = "invalid-field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid {field}: {message}", field=field)
        self.field = field


class InvalidOrderClass(InvalidField):
    """A bracket, OCO or OTO order breaks one of its class's rules; `field` names the field, as Alpaca's message does."""

    code = 42210000
    slug = "invalid-order-class"

    def __init__(self, field: str, rule: str) -> None:
        Unprocessable.__init__(self, f"{field} {rule}", field=field)
        self.field = field


class InvalidStrategy(InvalidField):
    """A strategy definition is refused; `field` is the JSON pointer of the offending value, as in `/entry/when/all/0/left`."""

    code = 42210001
    slug = "invalid-strategy"

    def __init__(self, field: str, message: str) -> None:
        Unprocessable.__init__(self, f"{field}: {message}", field=field)
        self.field = field
        self.reason = message


class InvalidValue(Unprocessable, ValueError):
    """A value a pure function refuses; callers that know the field turn it into InvalidField or InvalidParameter."""

    slug = "invalid-value"


class DuplicateClientOrderId(Unprocessable):
    """Another order of the account already has this `client_order_id`."""

    slug = "duplicate-client-order-id"


class UnknownSymbol(Unprocessable):
    """A market data or admin route names a symbol this server does not list; `field` names the parameter."""

    code = 42210000
    slug = "unknown-symbol"


class NotCancelable(Unprocessable):
    """The order is no longer open (filled, canceled, expired or replaced), so it cannot be canceled."""

    code = 42210000
    slug = "not-cancelable"


class NotReplaceable(Unprocessable):
    """The order cannot be replaced: it is no longer open, it is a notional order, or it filled meanwhile."""

    code = 42210000
    slug = "not-replaceable"


class ResultNotReady(Unprocessable):
    """A backtest's result was asked for before the backtest was done (queued, running, failed or canceled)."""

    code = 42210000
    slug = "result-not-ready"


class RateLimited(TradeloopError):
    """The caller spent a request or failure budget; `retry_after_s` (the `Retry-After` header) says when to try again."""

    code = 42910000
    status = 429
    title = "Too Many Requests"
    slug = "rate-limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, retry_after=retry_after_s)
        self.retry_after_s = retry_after_s


class Unavailable(TradeloopError):
    """The server cannot take the request now (a full queue, no answer in time); try again shortly."""

    code = 50310000
    status = 503
    title = "Service Unavailable"
    slug = "unavailable"


class StaleMarketData(Unavailable):
    """The last price of `symbol` is too old to fill a market order at; `age_s` (`age_seconds`) is None when there is none yet."""

    code = 50310001
    slug = "stale-market-data"

    def __init__(self, symbol: str, age_s: float | None) -> None:
        if age_s is None:
            message = f"no market data for {symbol} yet; market orders are refused until a price arrives"
        else:
            message = f"market data for {symbol} is stale (last price {age_s:.0f} s old); market orders are refused"
        super().__init__(message, symbol=symbol, age_seconds=None if age_s is None else round(age_s, 3))
        self.symbol = symbol
        self.age_s = age_s


class JournalUnavailable(Unavailable):
    """Storage is failing (a disk error, the journal's writing process gone): commands are refused until it recovers by itself."""

    code = 50310002
    slug = "journal-unavailable"


class WriteKept(JournalUnavailable):
    """Storage failed with this write on its way: the journal keeps it, and `committed` resolves once it is written."""

    def __init__(self, message: str, committed: asyncio.Future[None]) -> None:
        super().__init__(message)
        self.committed = committed


class StreamsBusy(Unavailable):
    """Every slot for stream connections waiting to authenticate is taken; `retry_after_s` (`Retry-After`) says when to retry."""

    code = 50310003
    slug = "streams-busy"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, retry_after=retry_after_s)
        self.retry_after_s = retry_after_s


class StartupFailure(TradeloopError):
    """The server cannot start as configured or cannot keep its data; `str()` says why, for the operator.

    The server's entry point stops on any of these with the message and exit
    status 2. Met inside a request, one renders as a bare internal error, since
    its message may name files of the data directory.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = "internal server error"
