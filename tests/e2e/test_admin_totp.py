"""The real server keeps each TOTP code single-use across restarts, kill -9 included (RFC 6238 §5.2)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Final

import pytest

from tests.e2e.server import RunningServer, http_json, running_server
from tests.factories import ADMIN_KEY, TOTP_SECRET, totp_code

pytestmark = pytest.mark.e2e

ENV: Final = {"TRADELOOP_ADMIN_KEY": ADMIN_KEY, "TRADELOOP_ADMIN_TOTP_SECRET": TOTP_SECRET}


def login(server: RunningServer, code: str) -> int:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": code}
    status, _ = http_json("POST", server.base_url + "/admin/v1/sessions", headers)
    return status


def test_a_used_code_and_older_ones_are_refused_after_a_restart(tmp_path: Path) -> None:
    current, previous, following = totp_code(), totp_code(offset_steps=-1), totp_code(offset_steps=1)
    with running_server(tmp_path, ENV) as server:
        assert login(server, current) == 201
        server.stop(signal.SIGKILL)  # the step was committed before the session was granted
    with running_server(tmp_path, ENV) as server:
        assert login(server, current) == 401
        assert login(server, previous) == 401
        assert login(server, following) == 201
        assert server.stop() == 0
    with running_server(tmp_path, ENV) as server:
        assert login(server, following) == 401
