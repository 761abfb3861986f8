"""Run the real server in a child process for end-to-end tests, and talk to it over HTTP."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bench.serving import stop_child
from tests.factories import ADMIN_KEY, TOTP_SECRET
from tradeloop.http.openapi.contract import VIOLATION

READY: Final = re.compile(r"^tradeloop serving on (https?://\S+) \(market: \w+\)$")
STARTUP_TIMEOUT_S: Final = 30.0
STOP_TIMEOUT_S: Final = 10.0
E2E_RATE_LIMIT_PER_MIN: Final = "1000000"
"""High enough that load tests don't meet it; a test may set TRADELOOP_RATE_LIMIT_PER_MIN itself."""


@dataclass
class RunningServer:
    """A started server: its base URL, its stdout lines so far, and the process."""

    base_url: str
    process: subprocess.Popen[str]
    stderr_path: Path
    lines: list[str] = field(default_factory=list)

    @property
    def stdout(self) -> str:
        return "\n".join(self.lines)

    def value_after(self, label: str) -> str:
        """The text after `label` on the first stdout line that has it (banner fields)."""
        for line in self.lines:
            _, found, tail = line.partition(label)
            if found:
                return tail.strip()
        raise AssertionError(f"{label!r} not in server output:\n{self.stdout}")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """Send a signal and wait for the exit status; raises TimeoutExpired if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout_s)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def demo_env(key_id: str, secret: str, **settings: str) -> dict[str, str]:
    """A server's settings: the tests' admin credentials, a demo account with this key, and `settings` (TRADELOOP_<NAME>)."""
    env = {
        "TRADELOOP_ADMIN_KEY": ADMIN_KEY,
        "TRADELOOP_ADMIN_TOTP_SECRET": TOTP_SECRET,
        "TRADELOOP_DEMO_KEY_ID": key_id,
        "TRADELOOP_DEMO_SECRET_KEY": secret,
    }
    env.update({f"TRADELOOP_{name.upper()}": value for name, value in settings.items()})
    return env


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment without TRADELOOP_* or Finnhub settings, a high rate limit, then `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADELOOP_") and k != "FINNHUB_API_KEY"}
    env["TRADELOOP_RATE_LIMIT_PER_MIN"] = E2E_RATE_LIMIT_PER_MIN
    env["TRADELOOP_CONTRACT_CHECK"] = "true"  # every answer an end-to-end test meets is held to the API reference
    env.update(extra or {})
    return env


def _pump(stream: Any, lines: list[str], ready: queue.Queue[str | None]) -> None:
    for raw in stream:
        line = raw.rstrip("\n")
        lines.append(line)
        found = READY.match(line)
        if found:
            ready.put(found.group(1))
    ready.put(None)  # end of output: the process is gone


@contextmanager
def running_server(
    tmp_path: Path,
    env: Mapping[str, str] | None = None,
    *args: str,
    market: str = "manual",
    startup_timeout_s: float = STARTUP_TIMEOUT_S,
) -> Iterator[RunningServer]:
    """Start `python -m tradeloop serve --port 0` and yield once it prints its address.

    The server is stopped with SIGTERM (then killed) on the way out unless the test stopped it.
    """
    stderr_path = tmp_path / "server.stderr"
    command = [sys.executable, "-m", "tradeloop", "serve", "--host", "127.0.0.1", "--port", "0"]
    command += ["--market", market, "--data-dir", str(tmp_path / "data"), *args]
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=server_env(env), cwd=tmp_path,
            start_new_session=True,  # its own process group: stop_child ends what the server leaves running
        )
    lines: list[str] = []
    ready: queue.Queue[str | None] = queue.Queue()
    assert process.stdout is not None
    pump = threading.Thread(target=_pump, args=(process.stdout, lines, ready), name="server-stdout", daemon=True)
    pump.start()
    server = RunningServer(base_url="", process=process, stderr_path=stderr_path, lines=lines)
    try:
        try:
            base_url = ready.get(timeout=startup_timeout_s)
        except queue.Empty:
            base_url = None
        if base_url is None:
            raise AssertionError(f"server did not start:\n{server.stdout}\n{server.stderr()}")
        server.base_url = base_url
        yield server
    finally:
        stop_child(process, pump, STOP_TIMEOUT_S)
    violations = [line for line in server.stderr().splitlines() if VIOLATION in line]
    assert not violations, "the server answered against the API reference:\n" + "\n".join(violations)


def http_json(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    timeout_s: float = 10.0,
    tls: ssl.SSLContext | None = None,
) -> tuple[int, Any]:
    """One HTTP call with a JSON body and answer; error statuses are returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s, context=tls) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")
