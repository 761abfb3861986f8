// A strategy's backtest: POST /v2/backtests for a period, poll until done, then its metrics, equity curve
// (lightweight-charts) and its HTML report (fetched with the API's headers, opened from a Blob URL).
//
// data-test hooks:
//   backtest-form           the form (backtest-start, backtest-end, backtest-cash, backtest-fill, backtest-slippage)
//   backtest-run            starts it
//   backtest-cancel         cancels a queued or running one
//   backtest-status         its status and progress text (data-status: queued, running, done, failed, canceled)
//   backtest-error          a refusal or a failure's text
//   backtest-result         the result (shown once done): backtest-metrics (the figures), backtest-chart (the curve),
//                           backtest-trades (round trips), backtest-report (opens the HTML report in a new tab),
//                           backtest-report-download (saves it)
import { money, time } from "../dom.js";
import {
  busy, downloadBlob, duration, el, errorBox, facts, field, fill, grid, localInputValue, number, openBlob, ratio,
  select, utcFromLocal,
} from "./views_kit.js";

const POLL_MS = 500;
const CHART_MODULE = "../../vendor/lightweight-charts/lightweight-charts.mjs";

// The result's figures, in reading order: [label, key, how to show it].
const METRICS = [
  ["Total return", "total_return", ratio], ["CAGR", "cagr", ratio], ["Volatility", "volatility", ratio],
  ["Sharpe", "sharpe", number], ["Sortino", "sortino", number], ["Calmar", "calmar", number],
  ["Max drawdown", "max_drawdown", ratio], ["Longest drawdown", "max_drawdown_duration_seconds", duration],
  ["Exposure", "exposure", ratio], ["Payoff ratio", "payoff_ratio", number], ["Win rate", "win_rate", ratio],
  ["Profit factor", "profit_factor", number], ["Expectancy", "expectancy", money], ["Trades", "trades", number],
  ["Final equity", "final_equity", money], ["Net profit", "net_profit", money], ["Fees", "fees", money],
];

// Draws an equity curve ({timestamp, equity} points) into `box` with lightweight-charts; returns its cleanup.
export async function drawCurve(box, points) {
  const charts = await import(CHART_MODULE);
  const chart = charts.createChart(box, {
    autoSize: true,
    layout: { attributionLogo: false },
    rightPriceScale: { borderVisible: false },
    timeScale: { borderVisible: false, timeVisible: true },
  });
  const options = { lineWidth: 2, priceLineVisible: false };
  const series = charts.LineSeries ? chart.addSeries(charts.LineSeries, options) : chart.addLineSeries(options);
  const seen = new Set();
  const data = [];
  for (const point of points) {
    const seconds = Math.floor(Date.parse(point.timestamp) / 1000);
    if (seen.has(seconds)) continue;
    seen.add(seconds);
    // Plotting needs numbers; the figures shown as text keep the API's decimal strings.
    data.push({ time: seconds, value: Number(point.equity) });
  }
  series.setData(data);
  chart.timeScale().fitContent();
  return () => chart.remove();
}

export function renderBacktest(root, ctx, strategy) {
  let alive = true;
  let stopPoll = null;
  let removeChart = null;
  let current = null;
  const now = new Date();
  const start = el("input", { type: "datetime-local", required: "", "data-test": "backtest-start" });
  start.value = localInputValue(new Date(now.getTime() - 7 * 86400_000));
  const end = el("input", { type: "datetime-local", required: "", "data-test": "backtest-end" });
  end.value = localInputValue(now);
  const cash = el("input", { type: "text", inputmode: "decimal", value: "100000", "data-test": "backtest-cash" });
  const fillMode = select({ "data-test": "backtest-fill" }, [
    ["next_bar_open", "Next bar's open"], ["bar_close", "Bar's close"],
  ]);
  const slippage = el("input", { type: "text", inputmode: "decimal", value: "0", "data-test": "backtest-slippage" });
  const run = el("button", { type: "submit", class: "button-primary", "data-test": "backtest-run" }, "Run backtest");
  const cancel = el("button", { type: "button", class: "button-secondary", "data-test": "backtest-cancel" }, "Cancel");
  cancel.hidden = true;
  const status = el("p", { class: "state", role: "status", "data-test": "backtest-status" });
  status.hidden = true;
  const error = errorBox("backtest-error");
  const result = el("div", { "data-test": "backtest-result" });
  result.hidden = true;

  function stop() {
    if (stopPoll) stopPoll();
    stopPoll = null;
  }

  function showStatus(backtest) {
    status.hidden = false;
    status.setAttribute("data-status", backtest.status);
    const progress = backtest.status === "running" ? ` ${Math.round((backtest.progress || 0) * 100)}%` : "";
    fill(status, `Backtest ${backtest.status}${progress}${backtest.error ? `: ${backtest.error}` : ""}`);
    cancel.hidden = !["queued", "running"].includes(backtest.status);
  }

  async function showResult(id) {
    const found = await ctx.api.get(`/v2/backtests/${encodeURIComponent(id)}/result`);
    if (!alive) return;
    const body = found.best || found;
    const metrics = body.metrics || {};
    const chartBox = el("div", { class: "chart-box", "data-test": "backtest-chart", role: "img",
      "aria-label": "Equity curve of the backtest" });
    const report = el("button", { type: "button", class: "button-secondary", "data-test": "backtest-report" }, "Open HTML report");
    const download = el("button", { type: "button", class: "button-secondary", "data-test": "backtest-report-download" }, "Download HTML report");
    const reportError = errorBox("backtest-report-error");
    const reportPath = `/v2/backtests/${encodeURIComponent(id)}/result`;
    report.addEventListener("click", async () => {
      reportError.hide();
      try {
        openBlob(await busy(report, () => ctx.api.text(reportPath, { format: "html" })), "text/html");
      } catch (failure) {
        reportError.show(failure);
      }
    });
    download.addEventListener("click", async () => {
      reportError.hide();
      try {
        const text = await busy(download, () => ctx.api.text(reportPath, { format: "html" }));
        downloadBlob(text, `backtest-${id}.html`, "text/html");
      } catch (failure) {
        reportError.show(failure);
      }
    });
    fill(result,
      el("h3", {}, `${body.strategy ? body.strategy.name : strategy.name}: ${time(body.start)} – ${time(body.end)}`),
      facts(METRICS.map(([label, key, show]) => [label, show(metrics[key])]), "backtest-metrics"),
      chartBox,
      el("div", { class: "form-actions" }, report, download),
      reportError,
      el("h3", {}, "Round trips"),
      grid([
        { label: "Symbol", cell: (t) => t.symbol },
        { label: "Qty", cell: (t) => t.qty, numeric: true },
        { label: "Entry", cell: (t) => time(t.entry_at) },
        { label: "Exit", cell: (t) => time(t.exit_at) },
        { label: "Cost", cell: (t) => money(t.cost), numeric: true },
        { label: "Proceeds", cell: (t) => money(t.proceeds), numeric: true },
        { label: "Realized P&L", cell: (t) => money(t.realized_pl), numeric: true },
      ], body.round_trips || [], { empty: "No round trip closed in the period.", test: "backtest-trades" }));
    result.hidden = false;
    const points = body.equity_curve || [];
    if (!points.length) {
      fill(chartBox, el("p", { class: "state state-empty" }, "No equity point: no bar in the period."));
      return;
    }
    try {
      const remove = await drawCurve(chartBox, points);
      if (alive) removeChart = remove;
      else remove();
    } catch (failure) {
      if (alive) fill(chartBox, el("p", { class: "state state-error" }, `The chart could not be drawn: ${failure.message}`));
    }
  }

  async function poll() {
    if (!current) return;
    try {
      const backtest = await ctx.api.get(`/v2/backtests/${encodeURIComponent(current)}`);
      if (!alive || backtest.id !== current) return;
      showStatus(backtest);
      if (["done", "failed", "canceled"].includes(backtest.status)) {
        stop();
        if (backtest.status === "done") await showResult(backtest.id);
        return;
      }
    } catch (failure) {
      if (!alive) return;
      stop();
      error.show(failure);
      return;
    }
    stopPoll = schedule();
  }

  // One poll at a time: the next is scheduled when the last has answered.
  function schedule() {
    const timer = setTimeout(poll, POLL_MS);
    return () => clearTimeout(timer);
  }

  async function submit(event) {
    event.preventDefault();
    error.hide();
    stop();
    if (removeChart) removeChart();
    removeChart = null;
    result.hidden = true;
    fill(result);
    try {
      const backtest = await busy(run, () => ctx.api.post("/v2/backtests", {
        strategy: { id: strategy.id, version: strategy.version },
        start: utcFromLocal(start.value),
        end: utcFromLocal(end.value),
        initial_cash: cash.value.trim(),
        fill: fillMode.value,
        slippage_bps: slippage.value.trim() || "0",
      }));
      if (!alive) return;
      current = backtest.id;
      showStatus(backtest);
      stopPoll = schedule();
    } catch (failure) {
      if (alive) error.show(failure);
    }
  }

  cancel.addEventListener("click", async () => {
    if (!current) return;
    try {
      showStatus(await busy(cancel, () => ctx.api.delete(`/v2/backtests/${encodeURIComponent(current)}`)));
    } catch (failure) {
      error.show(failure);
    }
  });

  fill(root,
    el("form", { class: "form form-grid", "data-test": "backtest-form", novalidate: "", on: { submit } },
      field("From", start), field("To", end), field("Initial cash", cash), field("Fill", fillMode),
      field("Slippage (bps)", slippage),
      el("div", { class: "form-actions" }, run, cancel)),
    status, error, result);
  return () => {
    alive = false;
    stop();
    if (removeChart) removeChart();
  };
}
