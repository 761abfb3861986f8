"""Settings: one frozen object read from TRADELOOP_* variables and command-line flags."""

from __future__ import annotations

import argparse
import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any, Final, TypeAlias

import tradeloop

ENV_PREFIX: Final = "TRADELOOP_"
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

IPNetwork: TypeAlias = IPv4Network | IPv6Network


class Fsync(StrEnum):
    """How hard a journal commit presses data to disk before its orders are acknowledged."""

    NORMAL = "normal"
    """Survives a crash of the process; a power loss or disk error may take the last acknowledged commits."""
    FULL = "full"
    """Survives a power loss or disk error too, at the cost of an fsync per commit (shared by its batch)."""


class MarketMode(StrEnum):
    """Where market data comes from."""

    SIMULATED = "simulated"
    MANUAL = "manual"
    FINNHUB = "finnhub"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the server is configured with; secrets are kept out of repr."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    market: MarketMode = MarketMode.SIMULATED
    seed: int = 42
    sim_ticks_per_sec: Decimal = Decimal(4)
    backfill_days: int = 30
    history_ticks: int = 1_000
    demo_key_id: str | None = None
    demo_secret_key: str | None = field(default=None, repr=False)
    demo_cash: Decimal = Decimal(100_000)
    admin_key: str | None = field(default=None, repr=False)
    admin_totp_secret: str | None = field(default=None, repr=False)
    rate_limit_per_min: int = 200
    trusted_proxies: tuple[IPNetwork, ...] = ()
    """Peers whose X-Forwarded-For names the client, for the per-address rate budget."""
    max_body_bytes: int = 1_048_576
    queue_size: int = 10_000
    finnhub_api_key: str | None = field(default=None, repr=False)
    finnhub_rest_url: str = "https://finnhub.io/api/v1"
    finnhub_ws_url: str = "wss://ws.finnhub.io"
    finnhub_silence_s: int = 30
    stale_after_s: int = 60
    symbols: tuple[str, ...] | None = None
    log_level: str = "INFO"
    fsync: Fsync = Fsync.FULL
    """An acknowledged order is on disk by default; `normal` is the faster opt-in."""
    snapshot_every: int = 10_000
    snapshot_seconds: int = 300
    master_key: str | None = field(default=None, repr=False)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    stream_max_connections_per_key: int = 4
    stream_max_symbols: int = 1000
    stream_outbox_size: int = 2000
    stream_slow_client_s: float = 5.0
    stream_auth_timeout_s: float = 10.0
    stream_heartbeat_s: float = 30.0
    stream_max_unauthenticated_per_address: int = 32
    """Stream connections one client address may hold before they authenticate; more get 429 before the upgrade."""
    stream_max_unauthenticated: int = 512
    """Stream connections the server holds before they authenticate; more get 503 before the upgrade."""
    contract_check: bool = False
    """A developer aid: hold every answer to the OpenAPI document, a mismatch answered as a 500 and logged."""
    webhook_allow_private: bool = False
    """Let webhooks go to loopback, private and link-local addresses, and over plain http (a local receiver, tests)."""


def _text(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def _integer(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {raw!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def _decimal(*, positive: bool) -> Callable[[str], Decimal]:
    def parse(raw: str) -> Decimal:
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise argparse.ArgumentTypeError(f"not a decimal number: {raw!r}") from None
        if not value.is_finite():
            raise argparse.ArgumentTypeError(f"must be finite, got {raw!r}")
        if value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(
                f"must be {'positive' if positive else 'zero or more'}, got {value}"
            )
        return value

    parse.__name__ = "decimal"
    return parse


def _seconds(raw: str) -> float:
    return float(_decimal(positive=True)(raw))


def _market(raw: str) -> MarketMode:
    try:
        return MarketMode(raw.strip().lower())
    except ValueError:
        choices = ", ".join(mode.value for mode in MarketMode)
        raise argparse.ArgumentTypeError(f"must be one of {choices}, got {raw!r}") from None


def _fsync(raw: str) -> Fsync:
    try:
        return Fsync(raw.strip().lower())
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be normal or full, got {raw!r}") from None


def _master_key(raw: str) -> str:
    value = _text(raw)
    try:
        if len(base64.urlsafe_b64decode(value.encode())) != 32:
            raise ValueError
    except (ValueError, binascii.Error):
        raise argparse.ArgumentTypeError("must be 32 bytes in url-safe base64 (a Fernet key)") from None
    return value


def _path(raw: str) -> Path:
    return Path(_text(raw)).expanduser()


def _totp_secret(raw: str) -> str:
    value = _text(raw).replace(" ", "").upper()
    try:
        base64.b32decode(value + "=" * (-len(value) % 8))
    except binascii.Error:
        raise argparse.ArgumentTypeError("must be a base32 TOTP secret") from None
    return value


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = _text(raw)
        scheme, sep, rest = value.partition("://")
        if not sep or scheme.lower() not in schemes or not rest.strip("/"):
            raise argparse.ArgumentTypeError(f"must be a {' or '.join(schemes)} URL, got {raw!r}")
        return value

    parse.__name__ = "url"
    return parse


def _symbols(raw: str) -> tuple[str, ...]:
    symbols = [part.strip().upper() for part in raw.split(",")]
    if not all(symbols) or any(" " in symbol for symbol in symbols):
        raise argparse.ArgumentTypeError(f"must be comma-separated symbols, got {raw!r}")
    return tuple(dict.fromkeys(symbols))


def _networks(raw: str) -> tuple[IPNetwork, ...]:
    if not raw.strip():
        return ()
    networks: list[IPNetwork] = []
    for part in raw.split(","):
        try:
            networks.append(ip_network(part.strip(), strict=False))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be comma-separated IP addresses or networks, got {part.strip()!r}"
            ) from None
    return tuple(dict.fromkeys(networks))


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"must be true or false, got {raw!r}")


def _log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class _Option:
    """How one Settings field is read from the environment and the command line."""

    name: str
    metavar: str
    parse: Callable[[str], Any]
    help: str
    env: str = ""

    @property
    def env_var(self) -> str:
        return self.env or ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


_OPTIONS: Final = (
    _Option("host", "HOST", _text, "address to listen on"),
    _Option("port", "PORT", _integer(0, 65535), "TCP port to listen on (0 picks a free one)"),
    _Option("data_dir", "DIR", _path, "directory for the journal, snapshots and history"),
    _Option("market", "MODE", _market, "market data source: simulated, manual or finnhub"),
    _Option("seed", "INT", _integer(0), "random seed of the simulated market"),
    _Option("sim_ticks_per_sec", "N", _decimal(positive=True), "simulated ticks per second"),
    _Option("backfill_days", "DAYS", _integer(0, 3650), "days of minute bars simulated at first start (0: none)"),
    _Option("history_ticks", "N", _integer(1), "recent trades and quotes kept in memory per symbol"),
    _Option("demo_key_id", "KEY", _text, "API key id of a demo account created at start-up"),
    _Option("demo_secret_key", "SECRET", _text, "API secret key of the demo account"),
    _Option("demo_cash", "AMOUNT", _decimal(positive=False), "demo account's starting cash"),
    _Option("admin_key", "KEY", _text, "admin API key"),
    _Option("admin_totp_secret", "SECRET", _totp_secret, "base32 TOTP secret of the admin"),
    _Option(
        "rate_limit_per_min",
        "N",
        _integer(1),
        "requests per minute per API key (per client address when unauthenticated)",
    ),
    _Option(
        "trusted_proxies",
        "LIST",
        _networks,
        "comma-separated proxy addresses or networks whose X-Forwarded-For names the client",
    ),
    _Option("max_body_bytes", "BYTES", _integer(1), "largest accepted request body in bytes"),
    _Option("queue_size", "N", _integer(1), "capacity of each actor's message queue"),
    _Option("finnhub_api_key", "KEY", _text, "Finnhub API key", env="FINNHUB_API_KEY"),
    _Option("finnhub_rest_url", "URL", _url("http", "https"), "base URL of Finnhub's REST API"),
    _Option("finnhub_ws_url", "URL", _url("ws", "wss"), "URL of Finnhub's trade WebSocket"),
    _Option("finnhub_silence_s", "SECONDS", _integer(1), "reconnect when Finnhub's stream says nothing this long"),
    _Option("stale_after_s", "SECONDS", _integer(1), "refuse market orders when a Finnhub price is older than this"),
    _Option("symbols", "LIST", _symbols, "comma-separated symbols; none means the built-in set"),
    _Option("log_level", "LEVEL", _log_level, f"log level: {', '.join(LOG_LEVELS)}"),
    _Option(
        "fsync",
        "MODE",
        _fsync,
        "journal durability: full (every acknowledged commit on disk) or normal (faster; survives a process crash only)",
    ),
    _Option("snapshot_every", "EVENTS", _integer(1), "snapshot all accounts after this many events"),
    _Option("snapshot_seconds", "SECONDS", _integer(1), "snapshot all accounts at least this often"),
    _Option("master_key", "KEY", _master_key, "key that encrypts secrets at rest (else DATA_DIR/master.key)"),
    _Option("tls_cert", "FILE", _path, "TLS certificate chain (PEM); serves HTTPS with --tls-key"),
    _Option("tls_key", "FILE", _path, "TLS private key (PEM)"),
    _Option(
        "stream_max_connections_per_key", "N", _integer(1), "WebSocket connections per API key on each stream kind"
    ),
    _Option("stream_max_symbols", "N", _integer(1), "symbols one market data stream connection may subscribe to"),
    _Option("stream_outbox_size", "N", _integer(2), "messages waiting for one stream client before it is too slow"),
    _Option("stream_slow_client_s", "SECONDS", _seconds, "time a stream client may lag before it is closed (407)"),
    _Option("stream_auth_timeout_s", "SECONDS", _seconds, "time a stream client has to authenticate"),
    _Option("stream_heartbeat_s", "SECONDS", _seconds, "WebSocket ping interval that detects dead stream clients"),
    _Option(
        "stream_max_unauthenticated_per_address",
        "N",
        _integer(1),
        "stream connections one client address may hold before they authenticate (more get 429)",
    ),
    _Option(
        "stream_max_unauthenticated",
        "N",
        _integer(1),
        "stream connections the server holds before they authenticate (more get 503)",
    ),
    _Option(
        "contract_check",
        "BOOL",
        _boolean,
        "developer aid: hold every answer to /openapi.json, a mismatch answered as a 500 and logged (needs jsonschema-rs)",
    ),
    _Option(
        "webhook_allow_private",
        "BOOL",
        _boolean,
        "let webhooks reach loopback, private and link-local addresses, and plain http (off: public https only)",
    ),
)

_DEFAULTS: Final[Mapping[str, object]] = {
    f.name: f.default for f in fields(Settings) if f.default is not MISSING
}


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the server's flags; each flag overrides its environment variable."""
    parser = argparse.ArgumentParser(
        prog="tradeloop serve",
        description="Run the tradeloop server (serve is the default command).",
    )
    parser.add_argument("--version", action="version", version=tradeloop.__version__)
    for option in _OPTIONS:
        default = _DEFAULTS[option.name]
        shown = "none" if default is None or default == () else str(default)
        parser.add_argument(
            option.flag,
            dest=option.name,
            type=option.parse,
            default=None,
            metavar=option.metavar,
            help=f"{option.help} [env {option.env_var}; default {shown}]",
        )
    return parser


def load_settings(argv: Sequence[str] | None, environ: Mapping[str, str]) -> Settings:
    """Read Settings from flags, then environment variables, then defaults.

    Empty environment variables count as unset. Raises SystemExit(2) with a
    message naming the flag or variable when a value is invalid.
    """
    parser = build_parser()
    namespace = parser.parse_args(argv)
    values: dict[str, Any] = {}
    for option in _OPTIONS:
        value = getattr(namespace, option.name)
        raw = environ.get(option.env_var, "")
        if value is None and raw.strip():
            try:
                value = option.parse(raw)
            except argparse.ArgumentTypeError as exc:
                parser.error(f"environment variable {option.env_var}: {exc}")
        if value is not None:
            values[option.name] = value
    settings = Settings(**values)
    _check_consistent(settings, parser)
    return settings


def _check_consistent(settings: Settings, parser: argparse.ArgumentParser) -> None:
    if settings.market is MarketMode.FINNHUB and settings.finnhub_api_key is None:
        parser.error(f"--market finnhub needs {_describe('finnhub_api_key')}")
    for first, second in (
        ("demo_key_id", "demo_secret_key"),
        ("admin_key", "admin_totp_secret"),
        ("tls_cert", "tls_key"),
    ):
        if (getattr(settings, first) is None) != (getattr(settings, second) is None):
            parser.error(f"set both or neither of {_describe(first)} and {_describe(second)}")


def _describe(name: str) -> str:
    option = next(option for option in _OPTIONS if option.name == name)
    return f"{option.flag} ({option.env_var})"
