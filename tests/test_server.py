"""The real server process: start-up, credentials, graceful stop, start-up errors."""

from __future__ import annotations

import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from tests.e2e.server import http_json, running_server, server_env

pytestmark = pytest.mark.e2e

ADMIN_KEY = "e2e-admin-key-0123456789"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_KEY_ID = "PKDEMO00000000000001"
DEMO_SECRET = "demo-secret-0123456789abcdefghijklmnopqr"


def open_admin_session(base_url: str, admin_key: str, totp_secret: str) -> int:
    headers = {"Authorization": f"Bearer {admin_key}", "X-TOTP-Code": pyotp.TOTP(totp_secret).now()}
    status, _ = http_json("POST", f"{base_url}/admin/v1/sessions", headers)
    return status


def test_configured_server_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {
        "TRADELOOP_ADMIN_KEY": ADMIN_KEY,
        "TRADELOOP_ADMIN_TOTP_SECRET": TOTP_SECRET,
        "TRADELOOP_DEMO_KEY_ID": DEMO_KEY_ID,
        "TRADELOOP_DEMO_SECRET_KEY": DEMO_SECRET,
        "TRADELOOP_DEMO_CASH": "2500",
    }
    with running_server(tmp_path, env) as server:
        assert server.base_url.startswith("http://127.0.0.1:") and not server.base_url.endswith(":0")
        assert http_json("GET", f"{server.base_url}/healthz") == (200, {"status": "ok"})
        keys = {"APCA-API-KEY-ID": DEMO_KEY_ID, "APCA-API-SECRET-KEY": DEMO_SECRET}
        status, account = http_json("GET", f"{server.base_url}/v2/account", keys)
        assert status == 200 and Decimal(account["cash"]) == 2500
        assert open_admin_session(server.base_url, ADMIN_KEY, TOTP_SECRET) == 201
        assert server.stop(signal.SIGTERM, timeout_s=5) == 0
    output = server.stdout + server.stderr()
    assert DEMO_SECRET not in output and ADMIN_KEY not in output and TOTP_SECRET not in output
    assert (tmp_path / "data").is_dir()


def test_generated_credentials_are_printed_once_and_work(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        key_id = server.value_after("APCA-API-KEY-ID:")
        secret = server.value_after("APCA-API-SECRET-KEY:")
        assert key_id.startswith("PK") and len(secret) == 40
        assert f"curl -s {server.base_url}/v2/account" in server.stdout
        keys = {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret}
        assert http_json("GET", f"{server.base_url}/v2/account", keys)[0] == 200
        wrong = {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": "x" * 40}
        assert http_json("GET", f"{server.base_url}/v2/account", wrong)[0] == 401

        admin_key = server.value_after("Admin key:")
        totp_secret = server.value_after("TOTP secret:")
        uri = urlparse(server.value_after("TOTP URI:"))
        assert uri.scheme == "otpauth" and parse_qs(uri.query) == {"secret": [totp_secret], "issuer": ["tradeloop"]}
        assert open_admin_session(server.base_url, admin_key, totp_secret) == 201

        assert server.stdout.count(secret) == 2  # the secret line and the curl line, once each
        assert server.stop(signal.SIGINT, timeout_s=5) == 0
    assert secret not in server.stderr() and admin_key not in server.stderr()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--market", "manual", "--symbols", "AAPL,NOPE"], {}, "unknown symbols: NOPE"),
    ],
)
def test_startup_errors_exit_2_without_traceback(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradeloop", "serve", "--port", "0", "--data-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        env=server_env(env),
        timeout=30,
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "serving on" not in result.stdout
