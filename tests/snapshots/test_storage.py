"""The data directory across restarts: what survives, what is never stored in clear, what stops start-up."""

from __future__ import annotations

import base64
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from uuid import uuid4

import pyotp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet

from tests.e2e.server import http_json, running_server, server_env
from tests.factories import ADMIN_KEY, TOTP_SECRET, HttpClient, admin_headers, limit_body, make_settings
from tests.snapshots.factories import open_journal
from tradeloop.config import Fsync, Settings
from tradeloop.core.events import AccountOpened, CashAdjusted
from tradeloop.http.keys import ENGINE
from tradeloop.server import open_app, prepare
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.storage import DATABASE_FILE, Storage
from tradeloop.vault import MASTER_KEY_FILE

KEY_ID: Final = "PKSTORAGE00000000001"
SECRET: Final = "storage-secret-0123456789abcdefghijklmno"
KEYS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "demo_key_id": KEY_ID, "demo_secret_key": SECRET}
    values.update(overrides)
    return make_settings(**values)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[HttpClient]:
    """The whole server (storage, recovery, journal) in this process, built as the server builds it; stopped on the way out."""
    async with open_app(prepare(settings)) as app, TestClient(TestServer(app)) as client:
        yield client


async def call(
    client: HttpClient, method: str, path: str, headers: Mapping[str, str], body: Any = None, status: int = 200
) -> Any:
    response = await client.request(method, path, json=body, headers=dict(headers))
    payload = await response.json() if response.content_length else None
    assert response.status == status, payload
    return payload


def files_holding(data_dir: Path, secrets: Iterable[bytes]) -> list[tuple[str, Path]]:
    """Every (secret, file) pair where a file under `data_dir` holds the secret's bytes anywhere."""
    found = []
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert files, f"nothing under {data_dir}"
    for path in files:
        content = path.read_bytes()
        found += [(secret.decode(errors="replace"), path) for secret in secrets if secret in content]
    return found


# -- what survives a restart ----------------------------------------------------------


async def test_halts_survive_a_restart(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with serving(settings) as client:
        admin = await admin_headers(client)
        await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "AAPL"}, status=201)
        await call(client, "POST", "/admin/v1/market/halts", admin, {"symbol": "MSFT"}, status=201)
        await call(client, "DELETE", "/admin/v1/market/halts/MSFT", admin)
    async with serving(settings) as client:
        admin = await admin_headers(client)
        assert await call(client, "GET", "/admin/v1/market/halts", admin) == {"halted": ["AAPL"]}
        refused = await call(client, "POST", "/v2/orders", KEYS, limit_body("10", qty="1"), status=403)
        assert refused["code"] == 40310003
        await call(client, "POST", "/v2/orders", KEYS, limit_body("10", symbol="MSFT", qty="1"))


async def test_rotated_keys_survive_a_restart(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with serving(settings) as client:
        account = await call(client, "GET", "/v2/account", KEYS)
        admin = await admin_headers(client)
        rotated = await call(client, "POST", f"/admin/v1/accounts/{account['id']}/keys", admin, status=201)
    new = {"APCA-API-KEY-ID": rotated["key_id"], "APCA-API-SECRET-KEY": rotated["secret_key"]}
    async with serving(settings) as client:
        assert (await call(client, "GET", "/v2/account", new))["id"] == account["id"]
        await call(client, "GET", "/v2/account", KEYS, status=401)


async def test_deposits_and_withdrawals_survive_a_restart(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with serving(settings) as client:
        account = await call(client, "GET", "/v2/account", KEYS)
        admin = await admin_headers(client)
        base = f"/admin/v1/accounts/{account['id']}"
        await call(client, "POST", f"{base}/deposits", admin, {"amount": "1234.56"}, status=201)
        await call(client, "POST", f"{base}/withdrawals", admin, {"amount": "34.56"}, status=201)
    async with serving(settings) as client:
        assert (await call(client, "GET", "/v2/account", KEYS))["cash"] == "101200.00"
        listed = await call(client, "GET", "/v2/account/activities", KEYS)
        assert [(a["activity_type"], a["net_amount"]) for a in listed] == [("CSW", "-34.56"), ("CSD", "1234.56")]
        admin = await admin_headers(client)
        actions = [entry["action"] for entry in await call(client, "GET", "/admin/v1/audit", admin)]
        assert actions[:2] == ["withdraw", "deposit"]
        report = await call(client, "GET", "/admin/v1/journal/verify", admin)
        assert report["ok"] is True and report["problem"] is None


def first_start(tmp_path: Path) -> Settings:
    """A data directory as a first start leaves it: a master key file and sealed, generated admin secrets."""
    settings = settings_for(tmp_path, admin_key=None, admin_totp_secret=None)
    settings.data_dir.mkdir(parents=True)
    assert Storage(settings).admin_secrets().generated_key is not None
    return settings


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads the writing process's command line")
@pytest.mark.parametrize(("fsync", "synchronous"), [(None, b"FULL"), (Fsync.NORMAL, b"NORMAL")])
async def test_the_journal_commits_to_disk_unless_normal_is_chosen(
    tmp_path: Path, fsync: Fsync | None, synchronous: bytes
) -> None:
    """By default an acknowledged order is on disk (`synchronous=FULL`); `normal` is an opt-in."""
    settings = settings_for(tmp_path) if fsync is None else settings_for(tmp_path, fsync=fsync)
    async with serving(settings) as client:
        app = client.app
        assert app is not None
        journal = app[ENGINE].journal
        assert isinstance(journal, JournalWriter) and journal.pid is not None
        arguments = Path(f"/proc/{journal.pid}/cmdline").read_bytes().split(b"\0")
        assert arguments[arguments.index(b"tradeloop.snapshots.commits") + 2] == synchronous


# -- secrets at rest ------------------------------------------------------------------


async def test_api_and_configured_admin_secrets_are_not_in_the_data_dir_in_clear(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with serving(settings) as client:
        admin = await admin_headers(client)
        opened = await call(client, "POST", "/admin/v1/accounts", admin, {"cash": "10"}, status=201)
        rotated = await call(client, "POST", f"/admin/v1/accounts/{opened['id']}/keys", admin, status=201)
        account = await call(client, "GET", "/v2/account", KEYS)
        demo_rotated = await call(client, "POST", f"/admin/v1/accounts/{account['id']}/keys", admin, status=201)
        secrets = [SECRET, opened["secret_key"], rotated["secret_key"], demo_rotated["secret_key"]]
        secrets += [ADMIN_KEY, TOTP_SECRET]
        assert files_holding(settings.data_dir, [s.encode() for s in secrets]) == []
    assert files_holding(settings.data_dir, [s.encode() for s in secrets]) == []
    assert files_holding(settings.data_dir, [KEY_ID.encode()]) != []  # key ids are stored: the scan sees them


def test_master_key_file_is_created_owner_only(tmp_path: Path) -> None:
    settings = first_start(tmp_path)
    master = settings.data_dir / MASTER_KEY_FILE
    assert master.stat().st_mode & 0o777 == 0o600
    Fernet(master.read_bytes().strip())


@pytest.mark.e2e
def test_generated_admin_credentials_are_never_stored_in_clear_and_work_after_a_restart(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        admin_key = server.value_after("Admin key:")
        totp_secret = server.value_after("TOTP secret:")
        assert server.stop() == 0
    data_dir = tmp_path / "data"
    clear = [admin_key.encode(), totp_secret.encode(), base64.b32decode(totp_secret)]
    assert files_holding(data_dir, clear) == []
    assert (data_dir / MASTER_KEY_FILE).stat().st_mode & 0o777 == 0o600
    with running_server(tmp_path) as server:
        assert "Admin key:" not in server.stdout and "TOTP secret:" not in server.stdout
        headers = {"Authorization": f"Bearer {admin_key}", "X-TOTP-Code": pyotp.TOTP(totp_secret).now()}
        status, session = http_json("POST", f"{server.base_url}/admin/v1/sessions", headers)
        assert status == 201, session
        token = {"Authorization": f"Bearer {session['token']}"}
        assert http_json("GET", f"{server.base_url}/admin/v1/audit", token)[0] == 200
        assert server.stop() == 0
    assert files_holding(data_dir, clear) == []


# -- what stops start-up ----------------------------------------------------------------


def serve_once(data_dir: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Start the real server on `data_dir` expecting it to refuse; its exit status and output."""
    command = [sys.executable, "-m", "tradeloop", "serve", "--port", "0", "--market", "manual"]
    command += ["--data-dir", str(data_dir)]
    return subprocess.run(command, capture_output=True, text=True, env=server_env(env), timeout=60)


def assert_refused_cleanly(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "serving on" not in result.stdout
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("tradeloop: error: ")]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in error_lines[0], result.stderr


@pytest.mark.e2e
def test_master_key_file_readable_by_others_stops_startup(tmp_path: Path) -> None:
    settings = first_start(tmp_path)
    master = settings.data_dir / MASTER_KEY_FILE
    master.chmod(0o644)
    assert_refused_cleanly(serve_once(settings.data_dir), str(master), "chmod 600")


@pytest.mark.e2e
def test_an_empty_master_key_file_stops_startup_naming_it_and_its_likely_cause(tmp_path: Path) -> None:
    settings = first_start(tmp_path)
    master = settings.data_dir / MASTER_KEY_FILE
    master.write_bytes(b"")
    assert_refused_cleanly(serve_once(settings.data_dir), f"{master} is empty", "crash", "TRADELOOP_MASTER_KEY")


@pytest.mark.e2e
def test_wrong_master_key_for_an_existing_data_dir_stops_startup(tmp_path: Path) -> None:
    settings = first_start(tmp_path)
    other_key = Fernet.generate_key().decode()
    result = serve_once(settings.data_dir, {"TRADELOOP_MASTER_KEY": other_key})
    assert_refused_cleanly(result, "master key")
    assert other_key not in result.stderr


async def write_journal(path: Path, records: int) -> None:
    """One account opened, then `records - 1` deposits, each its own journal record."""
    account_id, now = uuid4(), datetime.now(timezone.utc)
    opened = AccountOpened(
        account_id=account_id,
        account_number="PA0000000001",
        key_id=KEY_ID,
        secret_hash="sha256$00$00",
        cash=Decimal(100),
        created_at=now,
    )
    async with open_journal(path) as writer:
        await writer.write(account_id, [opened])
        for _ in range(records - 1):
            deposit = CashAdjusted(
                account_id=account_id, activity_id=uuid4(), amount=Decimal(1), description="d", timestamp=now
            )
            await writer.write(account_id, [deposit])


@pytest.mark.e2e
async def test_journal_damaged_in_the_middle_stops_startup_naming_file_and_position(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / DATABASE_FILE
    await write_journal(database, records=6)
    db = sqlite3.connect(database)
    (payload,) = db.execute("SELECT payload FROM journal WHERE seq = 3").fetchone()
    with db:
        db.execute("UPDATE journal SET payload = ? WHERE seq = 3", (bytes([payload[0] ^ 0xFF]) + payload[1:],))
    db.close()
    assert_refused_cleanly(serve_once(data_dir), str(database), "position 3", "corrupt")


@pytest.mark.e2e
async def test_database_file_damaged_in_the_middle_stops_startup_naming_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / DATABASE_FILE
    await write_journal(database, records=200)
    content = bytearray(database.read_bytes())
    page = 4096
    assert len(content) > 4 * page
    content[page : len(content) - page] = b"\x55" * (len(content) - 2 * page)
    database.write_bytes(bytes(content))
    assert_refused_cleanly(serve_once(data_dir), str(database), "corrupt")
