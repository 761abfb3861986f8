"""Settings come from defaults, then TRADELOOP_* variables, then flags."""

from __future__ import annotations

from decimal import Decimal
from ipaddress import ip_network
from pathlib import Path

import pytest

from tradeloop.config import Fsync, MarketMode, Settings, build_parser, load_settings

TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def _error(capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str]) -> str:
    with pytest.raises(SystemExit) as exc_info:
        load_settings(argv, environ)
    assert exc_info.value.code == 2
    return capsys.readouterr().err


def test_defaults_without_flags_or_environment() -> None:
    settings = load_settings([], {})
    assert settings == Settings()
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.data_dir == Path("data")
    assert settings.market is MarketMode.SIMULATED
    assert settings.seed == 42
    assert settings.sim_ticks_per_sec == Decimal(4)
    assert settings.demo_cash == Decimal(100_000)
    assert settings.rate_limit_per_min == 200
    assert settings.max_body_bytes == 1_048_576
    assert settings.queue_size == 10_000
    assert settings.symbols is None
    assert settings.log_level == "INFO"
    assert settings.finnhub_api_key is None
    assert settings.fsync is Fsync.FULL  # an acknowledged order is on disk unless normal is chosen


def test_environment_overrides_defaults() -> None:
    environ = {
        "TRADELOOP_HOST": "0.0.0.0",
        "TRADELOOP_PORT": "9001",
        "TRADELOOP_DATA_DIR": "/tmp/tl",
        "TRADELOOP_MARKET": "finnhub",
        "FINNHUB_API_KEY": "fh-key",
        "TRADELOOP_SEED": "7",
        "TRADELOOP_SIM_TICKS_PER_SEC": "0.5",
        "TRADELOOP_DEMO_KEY_ID": "PKDEMO",
        "TRADELOOP_DEMO_SECRET_KEY": "secret",
        "TRADELOOP_DEMO_CASH": "2500.75",
        "TRADELOOP_ADMIN_KEY": "admin",
        "TRADELOOP_ADMIN_TOTP_SECRET": TOTP_SECRET,
        "TRADELOOP_RATE_LIMIT_PER_MIN": "50",
        "TRADELOOP_MAX_BODY_BYTES": "2048",
        "TRADELOOP_QUEUE_SIZE": "16",
        "TRADELOOP_SYMBOLS": "aapl, MSFT,aapl",
        "TRADELOOP_LOG_LEVEL": "debug",
    }
    settings = load_settings([], environ)
    assert settings == Settings(
        host="0.0.0.0",
        port=9001,
        data_dir=Path("/tmp/tl"),
        market=MarketMode.FINNHUB,
        finnhub_api_key="fh-key",
        seed=7,
        sim_ticks_per_sec=Decimal("0.5"),
        demo_key_id="PKDEMO",
        demo_secret_key="secret",
        demo_cash=Decimal("2500.75"),
        admin_key="admin",
        admin_totp_secret=TOTP_SECRET,
        rate_limit_per_min=50,
        max_body_bytes=2048,
        queue_size=16,
        symbols=("AAPL", "MSFT"),
        log_level="DEBUG",
    )


def test_flag_beats_environment() -> None:
    environ = {"TRADELOOP_PORT": "9001", "TRADELOOP_MARKET": "manual", "TRADELOOP_SEED": "1"}
    settings = load_settings(["--port", "9002", "--market", "simulated"], environ)
    assert settings.port == 9002
    assert settings.market is MarketMode.SIMULATED
    assert settings.seed == 1


def test_empty_environment_variable_counts_as_unset() -> None:
    assert load_settings([], {"TRADELOOP_PORT": "", "TRADELOOP_SYMBOLS": " "}) == Settings()


def test_other_environment_variables_are_ignored() -> None:
    assert load_settings([], {"PORT": "1", "TRADELOOP_UNKNOWN": "x"}) == Settings()


def test_bad_port_flag_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, ["--port", "eighty"], {})
    assert "--port" in err
    assert "eighty" in err


def test_bad_port_variable_names_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, [], {"TRADELOOP_PORT": "eighty"})
    assert "TRADELOOP_PORT" in err


def test_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--port" in _error(capsys, ["--port", "70000"], {})


def test_bad_market_names_the_flag_and_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, ["--market", "nasdaq"], {})
    assert "--market" in err
    assert "simulated, manual, finnhub" in err


def test_bad_market_variable_names_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert "TRADELOOP_MARKET" in _error(capsys, [], {"TRADELOOP_MARKET": "nasdaq"})


@pytest.mark.parametrize("cash", ["-1", "NaN", "Infinity", "lots"])
def test_bad_demo_cash(capsys: pytest.CaptureFixture[str], cash: str) -> None:
    assert "--demo-cash" in _error(capsys, ["--demo-cash", cash], {})
    assert "TRADELOOP_DEMO_CASH" in _error(capsys, [], {"TRADELOOP_DEMO_CASH": cash})


def test_finnhub_market_needs_a_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert "FINNHUB_API_KEY" in _error(capsys, ["--market", "finnhub"], {})


def test_demo_credentials_come_in_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, ["--demo-key-id", "PK"], {})
    assert "--demo-secret-key" in err


def test_totp_secret_must_be_base32(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, ["--admin-key", "a", "--admin-totp-secret", "not base32!"], {})
    assert "--admin-totp-secret" in err


def test_secrets_stay_out_of_repr() -> None:
    settings = load_settings(
        ["--demo-key-id", "PK", "--demo-secret-key", "hunter2", "--finnhub-api-key", "fh-key"], {}
    )
    assert "hunter2" not in repr(settings)
    assert "fh-key" not in repr(settings)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_every_settings_field_has_a_flag() -> None:
    flags = {action.dest for action in build_parser()._actions}
    assert set(Settings.__dataclass_fields__) <= flags


def test_trusted_proxies_are_addresses_and_networks_of_both_families() -> None:
    environ = {"TRADELOOP_TRUSTED_PROXIES": " 10.0.0.1, 172.16.5.9/12,2001:DB8::/32 ,10.0.0.1"}
    settings = load_settings([], environ)
    assert settings.trusted_proxies == (
        ip_network("10.0.0.1/32"),
        ip_network("172.16.0.0/12"),
        ip_network("2001:db8::/32"),
    )
    assert load_settings(["--trusted-proxies", "::1"], environ).trusted_proxies == (ip_network("::1/128"),)
    assert load_settings(["--trusted-proxies", ""], environ).trusted_proxies == ()
    assert load_settings([], {}).trusted_proxies == ()


@pytest.mark.parametrize(
    ("proxies", "entry"),
    [
        ("proxy.internal", "'proxy.internal'"),
        ("10.0.0.1,", "''"),
        ("10.0.0.0/33", "'10.0.0.0/33'"),
        ("10.0.0.1, 10.0.0.2:8080", "'10.0.0.2:8080'"),
        ("10.0.0.1 10.0.0.2", "'10.0.0.1 10.0.0.2'"),
    ],
)
def test_a_bad_trusted_proxy_names_the_option_and_the_entry(
    capsys: pytest.CaptureFixture[str], proxies: str, entry: str
) -> None:
    err = _error(capsys, ["--trusted-proxies", proxies], {})
    assert "--trusted-proxies" in err and entry in err
    err = _error(capsys, [], {"TRADELOOP_TRUSTED_PROXIES": proxies})
    assert "TRADELOOP_TRUSTED_PROXIES" in err and entry in err
    assert "IP addresses or networks" in err
