"""WebSocket fan-out: trade messages per second delivered to 100 and 1,000 market data stream subscribers.

The real server runs the simulated market for one symbol at a tick rate it cannot
keep up with, so the feed runs as fast as the server can take it (it drops the
rounds it falls behind on); every subscriber connects to /v2/iex, authenticates
and subscribes to that symbol's trades, as Alpaca's protocol has it. The
baseline is a bare aiohttp loop broadcasting one trade frame after another to
every connected client. Both are read by the same subscriber process
(`bench.subscribers`), one server at a time, so neither steals CPU from the other.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.report import Row, Verdict, percent, progress, rate, verdict
from bench.serving import child_server, clean_env

NAME: Final = "fanout"
TARGET: Final = 0.50
SYMBOL: Final = "AAPL"
KEY_ID: Final = "PKBENCHFANOUT0000000"
SECRET: Final = "bench-fanout-secret-0123456789abcdefghij"
OFFERED_TICKS_PER_S: Final = "20000"


@dataclass(frozen=True, slots=True)
class Sizes:
    subscribers: tuple[int, ...]
    seconds: float
    warmup_s: float


FULL: Final = Sizes(subscribers=(100, 1_000), seconds=5.0, warmup_s=2.0)
QUICK: Final = Sizes(subscribers=(10,), seconds=0.3, warmup_s=0.2)


def listen(url: str, count: int, sizes: Sizes, *, alpaca: bool) -> dict[str, Any]:
    """Run `count` subscribers in a child process; returns what they received."""
    spec = {
        "url": url,
        "count": count,
        "key": KEY_ID,
        "secret": SECRET,
        "symbol": SYMBOL,
        "alpaca": alpaca,
        "warmup_s": sizes.warmup_s,
        "seconds": sizes.seconds,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.subscribers"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        timeout=sizes.seconds + sizes.warmup_s + 300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"subscribers failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _ws(url: str) -> str:
    return url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/v2/iex"


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    bare: dict[int, dict[str, Any]] = {}
    streamed: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="tradeloop-bench-fanout-") as tmp:
        workdir = Path(tmp)
        env = {"TRADELOOP_STREAM_MAX_CONNECTIONS_PER_KEY": "100000", "TRADELOOP_BACKFILL_DAYS": "0"}
        for count in sizes.subscribers:  # fresh servers for each count: no leftovers from the last crowd
            progress(f"fanout: bare broadcast to {count:,} subscribers, {sizes.seconds:g} s")
            broadcast = ["-m", "bench.broadcast", "--host", "127.0.0.1", "--port", "0"]
            with child_server(broadcast, workdir, name=f"broadcast-{count}") as served:
                bare[count] = listen(_ws(served.url), count, sizes, alpaca=False)
            command = [
                "-m", "tradeloop", "serve", "--host", "127.0.0.1", "--port", "0", "--market", "simulated",
                "--symbols", SYMBOL, "--sim-ticks-per-sec", OFFERED_TICKS_PER_S,
                "--data-dir", str(workdir / f"data-{count}"), "--demo-key-id", KEY_ID, "--demo-secret-key", SECRET,
            ]  # fmt: skip
            progress(f"fanout: market data stream to {count:,} subscribers, {sizes.seconds:g} s")
            with child_server(command, workdir, name=f"tradeloop-{count}", env=env) as served:
                streamed[count] = listen(_ws(served.url), count, sizes, alpaca=True)
            if "skipped" in streamed[count]:
                break
    return _rows(sizes, bare, streamed)


def _rows(sizes: Sizes, bare: dict[int, dict[str, Any]], streamed: dict[int, dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    for count in sizes.subscribers:
        ours = streamed.get(count) or next(iter(streamed.values()))
        theirs = bare[count]
        if "skipped" in ours:
            rows.append(Row(benchmark=NAME, case=f"{count:,} subscribers", result=ours["skipped"], verdict=Verdict.SKIPPED))
            continue
        notes = []
        for who, result in (("stream", ours), ("bare", theirs)):
            if result["closed_early"]:
                notes.append(f"{who}: {result['closed_early']} closed early, {result['first_close']}")
        rows.append(
            Row(
                benchmark=NAME,
                case=f"{count:,} subscribers, trades of one symbol",
                result=rate(ours["rate"], "msgs/s"),
                baseline=f"{rate(theirs['rate'], 'msgs/s')} bare broadcast",
                ratio=percent(ours["rate"] / theirs["rate"]) if theirs["rate"] else "",
                target=f">= {percent(TARGET)}",
                verdict=verdict(bool(theirs["rate"]) and ours["rate"] / theirs["rate"] >= TARGET),
                note="; ".join(notes),
            )
        )
    return rows
