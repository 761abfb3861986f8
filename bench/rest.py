"""HTTP: POST /v2/orders throughput and latency on the real server, against a hello-world aiohttp server.

Both servers run the same way (a child process with aiohttp's runner, logging at
INFO; tradeloop's differs only in the protocol that answers malformed requests), and both are driven by the same load generator (`bench.loadgen`, aiohttp,
in a process of its own) at 1, 16 and 64 concurrent keep-alive connections.
The real server is `python -m tradeloop serve --market manual` with a price set
through the admin API; every order is a marketable limit buy, so each call
places, fills and journals an order before it answers. Each level runs a
server with each journal fsync mode (`full`, the default, and `normal`), their
rounds interleaved with hello world's.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyotp

from bench import profiling
from bench.fsync import DEFAULT_FSYNC, FSYNC_MODES, fsync_label
from bench.report import Row, Verdict, millis, percent, progress, rate, verdict
from bench.serving import CpuTimes, Served, child_server, clean_env, cpu_times
from tradeloop.config import Fsync

NAME: Final = "http"
RATE_TARGET: Final = 0.35
P99_TARGET_S: Final = 0.025
ADMIN_KEY: Final = "bench-admin-key-0123456789abcdef"
TOTP_SECRET: Final = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SYMBOL: Final = "AAPL"
ORDER: Final = {
    "symbol": SYMBOL,
    "qty": "1",
    "side": "buy",
    "type": "limit",
    "time_in_force": "day",
    "limit_price": "101",
}


@dataclass(frozen=True, slots=True)
class Sizes:
    connections: tuple[int, ...]
    seconds: float
    """Measured seconds of one round; each level runs `rounds` rounds of hello world then orders."""
    warmup_s: float
    accounts: int
    rounds: int


FULL: Final = Sizes(connections=(1, 16, 64), seconds=2.0, warmup_s=0.5, accounts=64, rounds=3)
QUICK: Final = Sizes(connections=(2,), seconds=0.3, warmup_s=0.1, accounts=2, rounds=1)


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    """One JSON call from this process; raises on an error status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def prepare(base_url: str, accounts: int) -> list[dict[str, str]]:
    """Open an admin session, set the price and open funded accounts; return each account's auth headers."""
    session = call(
        "POST",
        f"{base_url}/admin/v1/sessions",
        headers={"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": pyotp.TOTP(TOTP_SECRET).now()},
    )
    admin = {"Authorization": f"Bearer {session['token']}"}
    call("POST", f"{base_url}/admin/v1/market/prices", {"symbol": SYMBOL, "price": "100"}, admin)
    keys = []
    for _ in range(accounts):
        opened = call("POST", f"{base_url}/admin/v1/accounts", {"cash": "1000000000"}, admin)
        keys.append({"APCA-API-KEY-ID": opened["key_id"], "APCA-API-SECRET-KEY": opened["secret_key"]})
    placed = call("POST", f"{base_url}/v2/orders", ORDER, keys[0])
    if placed.get("status") != "filled":
        raise RuntimeError(f"the benchmark order did not fill: {placed}")
    return keys


def load(url: str, headers: list[dict[str, str]], connections: int, sizes: Sizes) -> dict[str, Any]:
    """Run the load generator in a child process against `url`."""
    spec = {
        "url": url,
        "method": "POST",
        "body": ORDER,
        "headers": headers,
        "concurrency": connections,
        "seconds": sizes.seconds,
        "warmup_s": sizes.warmup_s,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        timeout=sizes.seconds + sizes.warmup_s + 120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} calls to {url} failed, e.g. {result['first_error']}")
    if not result["ok"]:
        raise RuntimeError(f"no call to {url} completed in the measured window")
    return result


def load_measured(server: Served, headers: list[dict[str, str]], connections: int, sizes: Sizes) -> dict[str, Any]:
    """`load` against the server's POST /v2/orders, with the server's CPU time per call where /proc tells it.

    Adds `cpu_s` (the server's own process) and `writer_cpu_s` (its children: the journal's writing
    process) per completed call, warm-up included; both None where CPU times cannot be read.
    """
    before = cpu_times(server.pid)
    result = load(f"{server.url}/v2/orders", headers, connections, sizes)
    after = cpu_times(server.pid)
    used: CpuTimes | None = None if before is None or after is None else after.since(before)
    calls = max(1, int(result["completed"]))
    result["cpu_s"] = None if used is None else used.own / calls
    result["writer_cpu_s"] = None if used is None else used.children_total / calls
    return result


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="tradeloop-bench-http-") as tmp:
        workdir = Path(tmp)
        progress("http: starting the hello-world server")
        with child_server(["-m", "bench.hello", "--host", "127.0.0.1", "--port", "0"], workdir, name="hello") as hello:
            for connections in sizes.connections:
                rows += _level(connections, hello, workdir, sizes)
    return rows


def _level(connections: int, hello: Served, workdir: Path, sizes: Sizes) -> list[Row]:
    """One connection count: a fresh server per fsync mode (so each starts from the same state), rounds interleaved."""
    with ExitStack() as stack:
        servers: dict[Fsync, Served] = {}
        for mode in FSYNC_MODES:
            data_dir = workdir / f"data-{connections}-{mode}"
            command = [
                "-m", "tradeloop", "serve", "--host", "127.0.0.1", "--port", "0", "--market", "manual",
                "--data-dir", str(data_dir), "--admin-key", ADMIN_KEY, "--admin-totp-secret", TOTP_SECRET,
                "--fsync", str(mode),
            ]  # fmt: skip
            progress(f"http: starting a fresh tradeloop server (fsync {mode}) for {connections} connections")
            servers[mode] = stack.enter_context(child_server(command, workdir, name=f"tradeloop-{connections}-{mode}"))
        keys = {mode: prepare(server.url, sizes.accounts) for mode, server in servers.items()}
        hellos: list[dict[str, Any]] = []
        orders: dict[Fsync, list[dict[str, Any]]] = {mode: [] for mode in FSYNC_MODES}
        for round_ in range(1, sizes.rounds + 1):  # interleaved, so a busy spell hits each alike
            step = f"{connections} connections, round {round_}/{sizes.rounds}, {sizes.seconds:g} s"
            progress(f"http: hello world, {step}")
            hellos.append(load_measured(hello, keys[DEFAULT_FSYNC], connections, sizes))
            for mode, server in servers.items():
                progress(f"http: POST /v2/orders, fsync {mode}, {step}")
                orders[mode].append(load_measured(server, keys[mode], connections, sizes))
        if profiling.enabled():
            server = servers[DEFAULT_FSYNC]
            progress(f"http: POST /v2/orders, fsync {DEFAULT_FSYNC}, {connections} connections, profiled round")
            with profiling.recording(server.pid, f"http-{connections}conn", children=True):
                load(f"{server.url}/v2/orders", keys[DEFAULT_FSYNC], connections, sizes)
    hello_median = _median(hellos)
    rows: list[Row] = []
    for mode in FSYNC_MODES:
        rows += _rows(
            f"{connections} conn, {fsync_label(mode)}", connections, _median(orders[mode]), hello_median, sizes
        )
    return rows


def _median(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over rounds (CPU times: None if any round could not read them)."""
    median = {key: statistics.median(result[key] for result in results) for key in ("rate", "p50_s", "p99_s")}
    for key in ("cpu_s", "writer_cpu_s"):
        values = [result[key] for result in results]
        median[key] = None if None in values else statistics.median(values)
    return median


def _rows(label: str, connections: int, orders: dict[str, Any], hello: dict[str, Any], sizes: Sizes) -> list[Row]:
    ratio = orders["rate"] / hello["rate"]
    latency_target = connections == max(FULL.connections) or connections == max(sizes.connections)
    return [
        Row(
            benchmark=NAME,
            case=f"POST /v2/orders rate, {label}",
            result=rate(orders["rate"], "req/s"),
            baseline=f"{rate(hello['rate'], 'req/s')} hello world",
            ratio=percent(ratio),
            target=f">= {percent(RATE_TARGET)}",
            verdict=verdict(ratio >= RATE_TARGET),
        ),
        Row(
            benchmark=NAME,
            case=f"latency p50 / p99, {label}, median of {sizes.rounds}",
            result=f"{millis(orders['p50_s'])} / {millis(orders['p99_s'])}",
            baseline=f"{millis(hello['p50_s'])} / {millis(hello['p99_s'])} hello world",
            ratio=f"{orders['p99_s'] / hello['p99_s']:.1f}x p99",
            target=f"p99 < {millis(P99_TARGET_S)}" if latency_target else "",
            verdict=verdict(orders["p99_s"] < P99_TARGET_S) if latency_target else Verdict.INFO,
        ),
        *_cpu_rows(label, orders, hello, sizes),
    ]


def _cpu_rows(label: str, orders: dict[str, Any], hello: dict[str, Any], sizes: Sizes) -> list[Row]:
    """The servers' CPU time per call: steadier than rates on a busy machine, and where an order's cost goes."""
    if orders["cpu_s"] is None or hello["cpu_s"] is None:
        return []
    return [
        Row(
            benchmark=NAME,
            case=f"server CPU per call, {label}, median of {sizes.rounds}",
            result=f"{orders['cpu_s'] * 1e6:,.0f} µs + {orders['writer_cpu_s'] * 1e6:,.0f} µs journal writer",
            baseline=f"{hello['cpu_s'] * 1e6:,.0f} µs hello world",
            ratio=f"{orders['cpu_s'] / hello['cpu_s']:.1f}x",
        )
    ]
