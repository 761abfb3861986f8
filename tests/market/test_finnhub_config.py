"""The Finnhub settings: endpoints, silence and staleness, from the environment and flags."""

from __future__ import annotations

import pytest

from tradeloop.config import load_settings


def test_defaults_point_at_finnhub() -> None:
    settings = load_settings([], {})
    assert settings.finnhub_rest_url == "https://finnhub.io/api/v1"
    assert settings.finnhub_ws_url == "wss://ws.finnhub.io"
    assert settings.finnhub_silence_s == 30 and settings.stale_after_s == 60


def test_environment_and_flags_override_the_endpoints() -> None:
    environ = {
        "TRADELOOP_FINNHUB_REST_URL": "http://127.0.0.1:9000/api/v1",
        "TRADELOOP_FINNHUB_WS_URL": "ws://127.0.0.1:9000/ws",
        "TRADELOOP_FINNHUB_SILENCE_S": "5",
        "TRADELOOP_STALE_AFTER_S": "90",
    }
    settings = load_settings(["--stale-after-s", "15"], environ)
    assert settings.finnhub_rest_url == "http://127.0.0.1:9000/api/v1"
    assert settings.finnhub_ws_url == "ws://127.0.0.1:9000/ws"
    assert settings.finnhub_silence_s == 5 and settings.stale_after_s == 15


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRADELOOP_FINNHUB_REST_URL", "wss://ws.finnhub.io"),
        ("TRADELOOP_FINNHUB_REST_URL", "finnhub.io/api/v1"),
        ("TRADELOOP_FINNHUB_WS_URL", "https://finnhub.io"),
        ("TRADELOOP_STALE_AFTER_S", "0"),
        ("TRADELOOP_FINNHUB_SILENCE_S", "soon"),
    ],
)
def test_bad_values_name_the_variable(capsys: pytest.CaptureFixture[str], name: str, value: str) -> None:
    with pytest.raises(SystemExit) as raised:
        load_settings([], {name: value})
    assert raised.value.code == 2 and name in capsys.readouterr().err
