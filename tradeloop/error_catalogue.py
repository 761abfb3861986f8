"""The error catalogue (docs/errors.md), generated from the exception tree so it never drifts from the code.

`python -m tradeloop.error_catalogue` prints it; `python -m tradeloop.error_catalogue docs/errors.md`
writes it. Every class under TradeloopError, wherever it is defined, gets its status, code, title,
problem type, the first paragraph of its docstring and an example answer rendered by the server's own
`problem_body`. A class without a docstring stops the generation, naming it; one whose constructor takes
more than a message needs an entry in EXAMPLES.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pkgutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import tradeloop
from tradeloop.errors import StartupFailure, TradeloopError
from tradeloop.http.problems import problem_body

PROBLEM_TYPE_BASE: Final = "https://tradeloop.dev/problems/"
MODULE: Final = "tradeloop.error_catalogue"
REGENERATE: Final = f"python -m {MODULE} docs/errors.md"
TURNED_INTO_FIELD: Final = (
    "Routes answer it as an [InvalidField](#invalidfield) (a body field) or an"
    " [InvalidParameter](#invalidparameter) (a query parameter) naming the field."
)
FEED_ONLY: Final = (
    "Never an HTTP answer: at start-up the server stops with it (exit 2); while serving, `GET /readyz`"
    " answers 503 with its reason."
)


def _write_kept(cls: Any) -> TradeloopError:
    loop = asyncio.new_event_loop()  # the future is never awaited: only its presence matters to the class
    try:
        message = "storage is failing (disk I/O error): taken just as storage failed, settled when it recovers"
        error: TradeloopError = cls(message, loop.create_future())
    finally:
        loop.close()
    return error


@dataclass(frozen=True, slots=True)
class Example:
    """Where an error is met and how to build one as the server raises it."""

    path: str
    build: Callable[[Any], TradeloopError]
    note: str = ""
    """Where a client meets it, when not as this HTTP answer."""


EXAMPLES: Final[dict[str, Example]] = {
    "TradeloopError": Example("/v2/orders", lambda cls: cls()),
    "BadRequest": Example("/stream", lambda cls: cls("this is a WebSocket endpoint: connect with a WebSocket client")),
    "MalformedJSON": Example("/v2/orders", lambda cls: cls("request body must be a JSON object")),
    "InvalidParameter": Example("/v2/stocks/bars", lambda cls: cls("timeframe", "unknown timeframe '7Sec'")),
    "InvalidFrame": Example(
        "/v2/iex",
        lambda cls: cls("unexpected character: line 1 column 1 (char 0)"),
        "Met on a stream connection, it is answered in the stream's protocol and the connection stays open:"
        ' `[{"T":"error","code":400,"msg":"invalid syntax"}]` on `/v2/iex` and `/v2/sip`,'
        ' `{"stream":"error","data":{"code":400,"message":"invalid syntax"}}` on `/stream`.',
    ),
    "Unauthorized": Example("/v2/account", lambda cls: cls("request is not authorized")),
    "Forbidden": Example("/v2/orders", lambda cls: cls("forbidden")),
    "InsufficientBuyingPower": Example(
        "/v2/orders",
        lambda cls: cls("insufficient buying power", buying_power="100000.00", required="199521.00"),
    ),
    "InsufficientQty": Example(
        "/v2/orders",
        lambda cls: cls(
            "insufficient qty available for order (requested: 5, available: 2)",
            available="2",
            requested="5",
            symbol="AAPL",
        ),
    ),
    "AccountDisabled": Example("/v2/orders", lambda cls: cls("account is disabled: trading is blocked")),
    "TradingSuspended": Example(
        "/v2/orders",
        lambda cls: cls("trading is suspended by the account's configuration (suspend_trade): new orders are refused"),
    ),
    "TradingHalted": Example("/v2/orders", lambda cls: cls("trading in AAPL is halted")),
    "NotFound": Example("/v2/orders/0b9e7c4e-5d0a-4d5e-9a56-1f3a3c2b7e10", lambda cls: cls("order not found")),
    "MethodNotAllowed": Example("/v2/account", lambda cls: cls("method DELETE is not allowed here")),
    "PayloadTooLarge": Example(
        "/v2/orders",
        lambda cls: cls("request body is too large: 2000000 bytes declared, at most 1048576 accepted"),
    ),
    "Unprocessable": Example("/v2/orders", lambda cls: cls("unprocessable")),
    "InvalidField": Example("/v2/orders", lambda cls: cls("qty", "must be above 0")),
    "InvalidOrderClass": Example(
        "/v2/orders", lambda cls: cls("take_profit.limit_price", "must be >= base_price + 0.01")
    ),
    "InvalidStrategy": Example("/v2/strategies", lambda cls: cls("/entry/when/all/0/left", 'unknown indicator "fsat"')),
    "InvalidValue": Example("/v2/orders", lambda cls: cls("not a number"), TURNED_INTO_FIELD),
    "NotADecimal": Example("/v2/orders", lambda cls: cls("'ten'"), TURNED_INTO_FIELD),
    "OutOfBounds": Example("/v2/orders", lambda cls: cls("at most 9 decimal places"), TURNED_INTO_FIELD),
    "InvalidAdminTick": Example(
        "/admin/v1/market/prices",
        lambda cls: cls("bid", "must not exceed ask (190.05 > 190.02)"),
        "`POST /admin/v1/market/prices` answers it as an [InvalidField](#invalidfield) naming the field.",
    ),
    "DuplicateClientOrderId": Example("/v2/orders", lambda cls: cls("client_order_id 'my-order-1' is already in use")),
    "UnknownSymbol": Example("/v2/stocks/ZZZZ/trades/latest", lambda cls: cls("unknown symbol ZZZZ", field="symbol")),
    "NotCancelable": Example(
        "/v2/orders/0b9e7c4e-5d0a-4d5e-9a56-1f3a3c2b7e10",
        lambda cls: cls("order is filled and can no longer be canceled"),
    ),
    "NotReplaceable": Example(
        "/v2/orders/0b9e7c4e-5d0a-4d5e-9a56-1f3a3c2b7e10", lambda cls: cls("notional orders cannot be replaced")
    ),
    "RateLimited": Example(
        "/v2/orders", lambda cls: cls("rate limit of 200 requests per minute exceeded", retry_after_s=1)
    ),
    "Unavailable": Example("/v2/orders", lambda cls: cls("market AAPL is overloaded, try again shortly")),
    "StaleMarketData": Example("/v2/orders", lambda cls: cls("AAPL", 75.25)),
    "JournalUnavailable": Example(
        "/v2/orders",
        lambda cls: cls("storage is failing (disk full): nothing was changed; try again once it recovers"),
    ),
    "WriteKept": Example("/v2/orders", _write_kept),
    "JournalFailed": Example(
        "/v2/orders",
        lambda cls: cls("the journal could not write; 3 records were not committed"),
        "Never an HTTP answer: the server stopped while storage was failing, logs this and exits with status 1.",
    ),
    "StreamsBusy": Example(
        "/v2/iex",
        lambda cls: cls(
            "too many stream connections waiting to authenticate (at most 512); try again later", retry_after_s=10
        ),
    ),
    "FinnhubError": Example("/v2/orders", lambda cls: cls("finnhub answered 500: internal error"), FEED_ONLY),
    "KeyRejected": Example("/v2/orders", lambda cls: cls(), FEED_ONLY),
    "FinnhubUnavailable": Example("/v2/orders", lambda cls: cls("finnhub timed out (3 attempts)"), FEED_ONLY),
    "StartupFailure": Example("/v2/orders", lambda cls: cls("the server cannot start")),
    "DecodeError": Example("/v2/orders", lambda cls: cls("unknown record type 99")),
    "CorruptData": Example(
        "/v2/orders", lambda cls: cls(Path("data/tradeloop.db"), "journal", 1042, "checksum mismatch")
    ),
    "DatabaseBusy": Example("/v2/orders", lambda cls: cls("data/tradeloop.db is in use by another process")),
    "VaultError": Example("/v2/orders", lambda cls: cls("stored secrets do not open with this master key")),
    "StartupError": Example("/v2/orders", lambda cls: cls("unknown symbols: ZZZZ")),
}
"""One example per class, by class name: messages and fields as the code that raises each one writes them."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One error class as the catalogue shows it."""

    cls: type[TradeloopError]
    depth: int
    meaning: str
    example: TradeloopError
    instance: str
    note: str

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def anchor(self) -> str:
        return self.name.lower()

    @property
    def source(self) -> str:
        return self.cls.__module__.replace(".", "/") + ".py"


def load_error_classes() -> None:
    """Import every module of the package, so classes defined beside the code that raises them are in the tree."""
    for module in pkgutil.walk_packages(tradeloop.__path__, "tradeloop."):
        if module.name != "tradeloop.__main__":
            importlib.import_module(module.name)


def error_tree(root: type[TradeloopError] = TradeloopError) -> Iterator[tuple[type[TradeloopError], int]]:
    """Every class under `root` with its depth, depth first: those of errors.py in source order, then the others."""

    def order(cls: type[TradeloopError]) -> tuple[bool, str, int]:
        return cls.__module__ != "tradeloop.errors", cls.__module__, inspect.getsourcelines(cls)[1]

    def walk(cls: type[TradeloopError], depth: int) -> Iterator[tuple[type[TradeloopError], int]]:
        yield cls, depth
        for child in sorted(cls.__subclasses__(), key=order):
            yield from walk(child, depth + 1)

    return walk(root, 0)


def entries() -> list[Entry]:
    """The catalogue's entries, in tree order.

    Raises:
        ValueError: a class has no docstring of its own, or needs an example in EXAMPLES (its constructor
            takes more than a message).
    """
    load_error_classes()
    found: list[Entry] = []
    for cls, depth in error_tree():
        doc = cls.__dict__.get("__doc__")
        if not doc:
            raise ValueError(f"{cls.__module__}.{cls.__name__} has no docstring: say in one line what it means")
        meaning = " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())
        example = EXAMPLES.get(cls.__name__) or Example("/v2/orders", lambda cls: cls(meaning))
        try:
            error = example.build(cls)
        except TypeError:
            raise ValueError(f"{cls.__module__}.{cls.__name__} takes more than a message: add it to {MODULE}.EXAMPLES")
        found.append(Entry(cls, depth, meaning, error, example.path, example.note))
    names = [entry.name for entry in found]
    if len(set(names)) != len(names):
        raise ValueError(f"two error classes share a name: {sorted(n for n in names if names.count(n) > 1)}")
    return found


def _answer(entry: Entry) -> str:
    """The HTTP answer the error renders as: status line, headers, then the body, indented for reading."""
    error = entry.example
    lines = [f"HTTP/1.1 {error.status} {error.title}", "Content-Type: application/problem+json"]
    lines += [f"{name}: {value}" for name, value in error.headers.items()]
    if error.status == 405:
        lines.append("Allow: GET")
    body = json.dumps(problem_body(error, entry.instance), indent=2, ensure_ascii=False)
    return "\n".join([*lines, "", body])


def _section(entry: Entry) -> list[str]:
    cls = entry.cls
    parent = cls.__mro__[1].__name__
    facts = f"{cls.status} {cls.title} · code `{cls.code}` · type `{PROBLEM_TYPE_BASE}{cls.slug}` · `{entry.source}`"
    if entry.depth:
        facts += f" · a [{parent}](#{parent.lower()})"
    lines = [f"## {entry.name}", "", facts, "", entry.meaning, ""]
    if entry.note:
        lines += [entry.note, ""]
    if issubclass(cls, StartupFailure):
        lines += [
            "At start-up the server prints `tradeloop: error: <why>` on stderr and exits with status 2. "
            "Met by a request, it answers a bare internal error (its message may name files):",
            "",
        ]
    lines += ["```http", _answer(entry), "```", ""]
    return lines


def render() -> str:
    """The whole catalogue, as docs/errors.md holds it."""
    found = entries()
    lines = [
        "# Error catalogue",
        "",
        "<!-- Generated from the exception tree; do not edit by hand. Regenerate with:",
        f"     {REGENERATE} -->",
        "",
        "Every error tradeloop answers with, one section per class of its exception tree",
        "(`tradeloop/errors.py` and the classes defined beside the code that raises them).",
        "Each answer is `application/problem+json` with Alpaca's `code` and `message` and the",
        "RFC 9457 fields `type`, `title`, `status`, `detail` and `instance`; some add fields of",
        "their own. A class shares its parent's status and code unless it sets its own, so match",
        "on `type` to tell them apart. How to handle them, with rate limits and `Retry-After`:",
        "[errors and rate limits](errors-and-limits.md).",
        "",
        "| Status | Code | Error | Meaning |",
        "|---|---|---|---|",
    ]
    for entry in found:
        indent = "&nbsp;&nbsp;" * entry.depth
        name = f"{indent}[{entry.name}](#{entry.anchor})"
        lines.append(f"| {entry.cls.status} | {entry.cls.code} | {name} | {entry.meaning.replace('|', '&#124;')} |")
    lines.append("")
    for entry in found:
        lines += _section(entry)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the catalogue, or write it to the one path given."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or args[:1] in (["-h"], ["--help"]):
        print(f"usage: python -m {MODULE} [PATH]  (without PATH, print to stdout)", file=sys.stderr)
        return 2
    text = render()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
