"""Reports as one self-contained HTML page each: tables, and charts as inline SVG, styled for screen and print.

Nothing is fetched from elsewhere: no script at all, the stylesheet is in the
page, and the charts are drawn on the server (`tradeloop.http.svg`), so a page
saved or mailed reads the same offline and prints on plain paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

from tradeloop.http.shapes.performance import PerformanceJson
from tradeloop.http.shapes.reports import BalanceJson, StatementJson
from tradeloop.http.svg import bar_chart, line_chart

STYLE: Final = """
body { font: 14px/1.4 system-ui, sans-serif; color: #111; margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0; } td, th { padding: .2em .7em; text-align: right; border-bottom: 1px solid #eee; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1em 0; } figcaption { font-weight: 600; margin-bottom: .3em; }
svg { width: 100%; height: auto; display: block; }
.axis { stroke: #999; stroke-width: 1; } .tick { font-size: 11px; fill: #555; }
.equity { fill: none; stroke: #1f5fbf; stroke-width: 2; } .benchmark { fill: none; stroke: #d9822b; stroke-width: 1.5; }
.drawdown { fill: none; stroke: #b3261e; stroke-width: 1.5; } .gain { fill: #2e7d32; } .loss { fill: #b3261e; }
.equity-key { color: #1f5fbf; } .benchmark-key { color: #d9822b; } .neg { color: #b3261e; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } figure, table { break-inside: avoid; } }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    header = "".join(f"<th>{escape(str(cell))}</th>" for cell in head)
    lines = "".join("<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{lines}</tbody></table>"


def _cell(value: object) -> str:
    text = "—" if value is None else str(value)
    return f'<span class="neg">{escape(text)}</span>' if text.startswith("-") else escape(text)


def _pct(value: float | None) -> str | None:
    """A fraction as a percentage: two decimals, or two significant digits when smaller than 0.01% (not '-0.00%')."""
    if value is None:
        return None
    percent = value * 100
    return f"{percent:.2f}%" if percent == 0 or abs(percent) >= 0.01 else f"{percent:.2g}%"


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def performance_page(
    report: PerformanceJson,
    drawdowns: Sequence[float],
    months: Mapping[tuple[int, int], float],
    pl_by_symbol: Sequence[tuple[str, float]],
    title: str = "Performance report",
) -> str:
    """The performance report: figures, the equity against the benchmark, the drawdown, months, and P&L by symbol."""
    points = report["equity"]
    equity = [float(point["equity"]) for point in points]
    closes = [point["benchmark"] for point in points]
    series: list[tuple[str, str, Sequence[float]]] = [("equity", "equity", equity)]
    first = closes[0] if closes else None
    if report["benchmark"] and first is not None and all(close is not None for close in closes):
        base = float(first)
        scaled = [float(close) / base * equity[0] for close in closes if close is not None]
        series.append((f"{report['benchmark']} (scaled to the starting equity)", "benchmark", scaled))
    trades = report["trades"]
    figures = [
        ("Start equity", report["start_equity"]), ("End equity", report["end_equity"]),
        ("Net deposits", report["net_deposits"]), ("Profit", report["profit"]),
        ("Total return", _pct(report["total_return"])), ("CAGR", _pct(report["cagr"])),
        ("Volatility", _pct(report["volatility"])), ("Sharpe", _number(report["sharpe"])),
        ("Sortino", _number(report["sortino"])), ("Calmar", _number(report["calmar"])),
        ("Max drawdown", _pct(report["max_drawdown"])),
        ("Max drawdown duration (days)", f"{report['max_drawdown_duration_seconds'] / 86_400:.2f}"),
        ("Exposure", _pct(report["exposure"])), ("Trades", trades["trades"]), ("Win rate", _pct(trades["win_rate"])),
        ("Profit factor", _number(trades["profit_factor"])), ("Expectancy", trades["expectancy"]),
        ("Payoff ratio", _number(report["payoff_ratio"])), ("Best trade", trades["best"]),
        ("Worst trade", trades["worst"]), ("Fees", report["fees"]),
        (f"Benchmark return ({report['benchmark']})", _pct(report["benchmark_return"])) if report["benchmark"] else None,
    ]  # fmt: skip
    period = f"{points[0]['timestamp'][:10]} to {points[-1]['timestamp'][:10]}" if points else ""
    narrowed = ", ".join(
        f"{k} {v}" for k, v in (("symbol", report["symbol"]), ("strategy", report["strategy_id"])) if v
    )
    body = (
        f"<p>Account {escape(report['account_id'])}, {escape(period)}{escape(', trades of ' + narrowed if narrowed else '')}. "
        f"Daily returns annualized by {report['days_per_year']} days.</p>"
        f"<h2>Figures</h2>{_table(['Figure', 'Value'], [row for row in figures if row is not None])}"
        f"<h2>Charts</h2>{line_chart('Equity', series, label='USD')}"
        f"{line_chart('Drawdown', [('drawdown', 'drawdown', [d * 100 for d in drawdowns])], label='%')}"
        f"<h2>Monthly returns</h2>"
        f"{_table(['Month', 'Return'], [(f'{y}-{m:02d}', _pct(r)) for (y, m), r in months.items()])}"
        f"<h2>Realized P&amp;L by symbol</h2>{bar_chart('Realized P&L by symbol', pl_by_symbol)}"
    )
    return _page(title, body)


def _balance(balance: BalanceJson) -> str:
    rows = [(p["symbol"], p["qty"], p["avg_entry_price"], p["cost_basis"]) for p in balance["positions"]]
    positions = _table(["Symbol", "Qty", "Average entry", "Cost basis"], rows) if rows else "<p>No positions.</p>"
    return f"<p>Cash: {_cell(balance['cash'])}</p>{positions}"


def statement_page(found: StatementJson) -> str:
    """The statement: opening balance, every activity, the totals, the closing balance."""
    rows = []
    for activity in found["activities"]:
        if activity["activity_type"] == "FILL":
            rows.append((activity["transaction_time"][:19], "FILL", activity["symbol"], activity["side"],
                         activity["qty"], activity["price"]))  # fmt: skip
        else:
            rows.append((activity["date"], activity["activity_type"], "", "", "", activity["net_amount"]))
    totals = found["totals"]
    start = found["start"] or "the opening"
    body = (
        f"<p>Account {escape(found['account_id'])}, from {escape(start)} to {escape(found['end'])}, in {escape(found['currency'])}.</p>"
        f"<h2>Opening</h2>{_balance(found['opening'])}"
        f"<h2>Activities</h2>{_table(['Time', 'Type', 'Symbol', 'Side', 'Qty', 'Price or amount'], rows)}"
        f"<h2>Totals</h2>{_table(['', 'Amount'], [(name.replace('_', ' ').capitalize(), value) for name, value in totals.items()])}"
        f"<h2>Closing</h2>{_balance(found['closing'])}"
    )
    return _page("Account statement", body)
