"""/v2/backtests: queued (202), watched to done, its result repeatable to the byte, a sweep ranked, canceled, private."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import orjson

from tests.backtest.builders import definition, price_path
from tests.factories import HttpClient, auth_headers
from tests.http.page_checks import self_contained
from tradeloop.actors.engine import Engine
from tradeloop.core.bars import bar_ticks

BARS = price_path(200)
SPAN = {"start": "2025-03-03T14:30:00Z", "end": "2025-03-03T18:00:00Z"}


async def feed(engine: Engine) -> None:
    """The scripted minutes as the market's ticks: the history builds the bars the backtest reads."""
    for bar in BARS:
        for tick in bar_ticks(bar):
            await engine.ingest(tick)
    await engine.quiesce()


async def until_finished(client: HttpClient, headers: dict[str, str], backtest_id: str) -> dict[str, Any]:
    for _ in range(600):
        response = await client.get(f"/v2/backtests/{backtest_id}", headers=headers)
        found: dict[str, Any] = await response.json()
        if found["status"] in ("done", "failed", "canceled"):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the backtest did not finish")


async def test_a_backtest_runs_to_done_and_the_same_request_gives_the_same_bytes(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    await feed(engine)
    body = {"strategy": definition(), **SPAN, "initial_cash": "50000", "commission": {"per_order": "1"}}
    results = []
    for _ in range(2):
        response = await client.post("/v2/backtests", headers=headers, json=body)
        assert response.status == 202
        queued = await response.json()
        assert queued["status"] in ("queued", "running") and queued["runs"] == 1
        done = await until_finished(client, headers, queued["id"])
        assert (done["status"], done["progress"]) == ("done", 1.0)
        response = await client.get(f"/v2/backtests/{queued['id']}/result", headers=headers)
        assert response.status == 200
        results.append(await response.read())
    assert results[0] == results[1]
    result = orjson.loads(results[0])
    assert result["initial_cash"] == "50000" and result["fills"]
    assert Decimal(result["metrics"]["fees"]) == len({fill["order_id"] for fill in result["fills"]})


async def test_a_stored_strategy_is_backtested_by_id_and_another_account_sees_404(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    await feed(engine)
    response = await client.post("/v2/strategies", headers=headers, json=definition())
    assert response.status == 201, await response.text()
    strategy = await response.json()
    response = await client.post(
        "/v2/backtests", headers=headers, json={"strategy": {"id": strategy["id"], "version": 1}, **SPAN}
    )
    assert response.status == 202
    backtest = await response.json()
    await until_finished(client, headers, backtest["id"])
    result = orjson.loads(await (await client.get(f"/v2/backtests/{backtest['id']}/result", headers=headers)).read())
    assert result["strategy"] == {"id": strategy["id"], "version": 1, "name": "sma cross"}

    other = auth_headers(await engine.open_account(Decimal("1000")))
    for method, path in (("GET", ""), ("GET", "/result"), ("DELETE", "")):
        response = await client.request(method, f"/v2/backtests/{backtest['id']}{path}", headers=other)
        assert response.status == 404
    response = await client.post(
        "/v2/backtests", headers=other, json={"strategy": {"id": strategy["id"]}, **SPAN}
    )
    assert response.status == 404


async def test_a_sweep_runs_the_grid_ranked_by_the_chosen_metric(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    await feed(engine)
    body = {"strategy": definition(), **SPAN, "parameters": {"fast.period": [2, 3, 5], "slow.period": [8, 13]},
            "rank_by": "total_return"}
    response = await client.post("/v2/backtests", headers=headers, json=body)
    assert response.status == 202
    backtest = await response.json()
    assert (backtest["runs"], backtest["rank_by"]) == (6, "total_return")
    await until_finished(client, headers, backtest["id"])
    result = orjson.loads(await (await client.get(f"/v2/backtests/{backtest['id']}/result", headers=headers)).read())
    returns = [run["metrics"]["total_return"] for run in result["runs"]]
    assert returns == sorted(returns, reverse=True)
    assert [run["rank"] for run in result["runs"]] == [1, 2, 3, 4, 5, 6]
    assert sorted((run["parameters"]["fast.period"], run["parameters"]["slow.period"]) for run in result["runs"]) == [
        (2, 8), (2, 13), (3, 8), (3, 13), (5, 8), (5, 13)
    ]
    assert result["best"]["parameters"] == result["runs"][0]["parameters"]
    assert result["best"]["metrics"] == result["runs"][0]["metrics"]


async def test_cancel_and_refusals(client: HttpClient, engine: Engine, headers: dict[str, str]) -> None:
    await feed(engine)
    body = {"strategy": definition(), **SPAN, "parameters": {"fast.period": [2, 3, 4, 5, 6, 7]}}
    backtest = await (await client.post("/v2/backtests", headers=headers, json=body)).json()
    response = await client.delete(f"/v2/backtests/{backtest['id']}", headers=headers)
    assert (response.status, (await response.json())["status"]) == (200, "canceled")
    response = await client.get(f"/v2/backtests/{backtest['id']}/result", headers=headers)
    assert response.status == 422

    bad = definition()
    bad["entry"]["when"]["all"][0]["left"] = "fsat"
    response = await client.post("/v2/backtests", headers=headers, json={"strategy": bad, **SPAN})
    assert response.status == 422 and "/entry/when/all/0/left" in (await response.json())["message"]
    response = await client.post("/v2/backtests", headers=headers, json={"strategy": definition(), **SPAN,
                                                                          "end": SPAN["start"]})
    assert response.status == 422 and "end" in (await response.json())["message"]


async def test_a_span_given_as_dates_or_without_an_offset_is_read_as_utc(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    for span in ({"start": "2025-03-03", "end": "2025-03-04"}, {"start": "2025-03-03T14:30:00", "end": "2025-03-04"}):
        response = await client.post("/v2/backtests", headers=headers, json={"strategy": definition(), **span})
        assert response.status == 202, await response.text()
        queued = await response.json()
        assert queued["request"]["start"].startswith("2025-03-03T") and queued["request"]["start"].endswith("Z")
        await client.delete(f"/v2/backtests/{queued['id']}", headers=headers)


async def test_the_result_as_html_is_the_performance_reports_page_with_its_charts_and_fetches_nothing(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    await feed(engine)
    response = await client.post("/v2/backtests", headers=headers, json={"strategy": definition(), **SPAN})
    backtest = await response.json()
    await until_finished(client, headers, backtest["id"])
    path = f"/v2/backtests/{backtest['id']}/result"
    result = orjson.loads(await (await client.get(path, headers=headers)).read())
    response = await client.get(path, params={"format": "html"}, headers=headers)
    html = await response.text()
    assert response.status == 200 and response.content_type == "text/html", html
    assert self_contained(html) == []
    assert "<title>Backtest report: sma cross</title>" in html and "Daily returns annualized by 365 days" in html
    assert "Benchmark" not in html and 'class="benchmark"' not in html
    # The run's first point and its one day's close: a point each on the equity and drawdown lines.
    lines = {css: (int(count), d) for css, count, d in re.findall(r'<path class="(\w+)" data-series="[^"]*" '
                                                                  r'data-points="(\d+)" d="([^"]+)"', html)}
    for css in ("equity", "drawdown"):
        count, drawn = lines[css]
        assert count == 2 and len(re.findall(r"[ML]-?\d", drawn)) == 2, (css, drawn)
    profit = sum(Decimal(trip["realized_pl"]) for trip in result["round_trips"])
    assert result["round_trips"] and lines["gain" if profit > 0 else "loss"][0] == 1  # P&L by symbol: AAPL's bar
    assert "<h2>Monthly returns</h2>" in html and "2025-03" in html
    sharpe = result["metrics"]["sharpe"]
    assert f"<td>{'—' if sharpe is None else f'{sharpe:.2f}'}</td>" in html


async def test_the_html_result_refuses_as_the_json_one_and_an_unknown_format_as_the_reports_do(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    missing = "/v2/backtests/0195f7a2-0000-7000-8000-000000000000/result"
    response = await client.get(missing, params={"format": "html"}, headers=headers)
    assert response.status == 404
    await feed(engine)
    response = await client.post("/v2/backtests", headers=headers, json={"strategy": definition(), **SPAN})
    backtest = await response.json()
    path = f"/v2/backtests/{backtest['id']}/result"
    early = await client.get(path, params={"format": "html"}, headers=headers)
    if early.status != 200:  # not done yet (it may have finished already: then the page is there)
        assert early.status == 422 and "once it is done" in (await early.json())["message"]
    response = await client.get(path, params={"format": "pdf"}, headers=headers)
    assert response.status == 400 and "format" in (await response.json())["message"]
    await until_finished(client, headers, backtest["id"])
    other = auth_headers(await engine.open_account(Decimal("1000")))
    response = await client.get(path, params={"format": "html"}, headers=other)
    assert response.status == 404
