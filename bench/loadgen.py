"""The HTTP load generator: N concurrent keep-alive connections for a fixed time, in a process of its own.

Run as `python -m bench.loadgen` with a JSON spec on stdin; prints one JSON result on stdout:

    {"url": "http://127.0.0.1:8000/v2/orders", "method": "POST", "body": {...},
     "headers": [{...}, ...], "concurrency": 16, "seconds": 5.0, "warmup_s": 1.0}

Connection i sends headers[i % len(headers)]. Only calls that complete inside the
measured window (after the warm-up, before the end) count toward rate and latency;
`completed` counts every call, warm-up included (for CPU time per call).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import aiohttp
import orjson


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


async def generate(spec: dict[str, Any]) -> dict[str, Any]:
    concurrency = int(spec["concurrency"])
    headers: list[dict[str, str]] = spec.get("headers") or [{}]
    body = None if spec.get("body") is None else orjson.dumps(spec["body"])
    method = spec.get("method", "POST")
    url = spec["url"]
    latencies: list[float] = []
    completed = [0]
    statuses: Counter[str] = Counter()
    first_error: list[str] = []
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        measure_from = start + float(spec.get("warmup_s", 0.0))
        measure_until = measure_from + float(spec["seconds"])

        async def worker(index: int) -> None:
            sent = {**headers[index % len(headers)]}
            if body is not None:
                sent["Content-Type"] = "application/json"
            while (began := time.perf_counter()) < measure_until:
                try:
                    async with session.request(method, url, data=body, headers=sent) as response:
                        payload = await response.read()
                        status = str(response.status)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    payload, status = str(exc).encode(), type(exc).__name__
                ended = time.perf_counter()
                completed[0] += 1
                if measure_from <= began and ended <= measure_until:
                    latencies.append(ended - began)
                    statuses[status] += 1
                if not status.startswith("2") and not first_error:
                    first_error.append(f"{status}: {payload[:300].decode(errors='replace')}")

        await asyncio.gather(*(worker(index) for index in range(concurrency)))
    latencies.sort()
    window = float(spec["seconds"])
    ok = sum(count for status, count in statuses.items() if status.startswith("2"))
    return {
        "requests": len(latencies),
        "completed": completed[0],
        "ok": ok,
        "errors": len(latencies) - ok,
        "statuses": dict(statuses),
        "first_error": first_error[0] if first_error else None,
        "window_s": window,
        "rate": ok / window,
        "p50_s": _percentile(latencies, 0.50),
        "p99_s": _percentile(latencies, 0.99),
        "max_s": latencies[-1] if latencies else float("nan"),
    }


def main() -> None:
    spec = json.load(sys.stdin)
    result = asyncio.run(generate(spec))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
