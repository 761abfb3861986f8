// The reports view of /app: for a chosen period (and optionally a symbol, a strategy, a benchmark), the performance
// report's figures and the statement's balances and activities, each as text; the self-contained HTML reports
// opened in a new tab from a Blob URL (fetched with the API's headers), and the CSVs downloaded.
//
// data-test hooks:
//   report-form            the form: report-start, report-end (dates), report-symbol, report-strategy (a select),
//                          report-benchmark; report-run shows the reports
//   report-error           a refusal (a bad period, an unknown symbol) as the server words it
//   report-performance     the performance panel: report-metrics (the figures), report-trades (round-trip figures)
//   report-performance-html, report-performance-html-download, report-performance-csv   its buttons
//   report-statement       the statement panel: statement-opening-cash, statement-closing-cash, statement-totals,
//                          statement-opening-positions, statement-closing-positions, statement-activities
//   report-statement-html, report-statement-csv   its buttons
import { money, qty, states, time } from "../dom.js";
import { busy, compact, downloadBlob, duration, el, errorBox, facts, field, fill, grid, number, openBlob, ratio, select } from "./views_kit.js";

// The round-trip figures' names, as the trades summary gives them (docs/trade-history.md).
const TRADE_FIGURES = {
  trades: "Round trips", winners: "Winners", losers: "Losers", win_rate: "Win rate",
  gross_profit: "Gross profit", gross_loss: "Gross loss", realized_pl: "Realized P&L", fees: "Fees",
  profit_factor: "Profit factor", expectancy: "Expectancy", avg_win: "Average win", avg_loss: "Average loss",
  best: "Best trip", worst: "Worst trip", avg_holding_seconds: "Average holding time",
};

export const title = "Reports";

const PERFORMANCE = "/v2/reports/performance";
const STATEMENT = "/v2/reports/statement";

function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

// The end date is inclusive for the reader: the API's end is "at or before", so a past day ends at the next
// midnight; a day not over yet is left out (the reports then run to now).
export function endOf(day, now = new Date()) {
  if (!day) return "";
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next > now ? "" : isoDate(next);
}

export function render(root, ctx) {
  let alive = true;
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 30 * 86400_000);
  const start = el("input", { type: "date", name: "start", "data-test": "report-start" });
  start.value = isoDate(monthAgo);
  const end = el("input", { type: "date", name: "end", "data-test": "report-end" });
  end.value = isoDate(today);
  const symbol = el("input", { type: "text", name: "symbol", autocapitalize: "characters", autocomplete: "off", "data-test": "report-symbol", placeholder: "any" });
  const strategy = select({ "data-test": "report-strategy", name: "strategy" }, [["", "Any (and by hand)"]]);
  const benchmark = el("input", { type: "text", name: "benchmark", autocapitalize: "characters", autocomplete: "off", "data-test": "report-benchmark", placeholder: "SPY" });
  const run = el("button", { type: "submit", class: "button-primary", "data-test": "report-run" }, "Show reports");
  const error = errorBox("report-error");
  const performanceBox = el("section", { class: "panel", "data-test": "report-performance", "aria-labelledby": "report-performance-title" });
  const statementBox = el("section", { class: "panel", "data-test": "report-statement", "aria-labelledby": "report-statement-title" });
  performanceBox.hidden = true;
  statementBox.hidden = true;

  ctx.api.get("/v2/strategies", { status: "all" }).then((strategies) => {
    if (!alive) return;
    for (const s of strategies) strategy.append(el("option", { value: s.id }, `${s.name}${s.status === "deleted" ? " (deleted)" : ""}`));
  }).catch(() => {
    // The picker is optional: without the list, the reports still run over every strategy.
  });

  function period() {
    return compact({ start: start.value, end: endOf(end.value) });
  }

  // A button fetching a report in a format, then opening or saving it.
  function fileButton(label, test, path, query, format, deliver) {
    const button = el("button", { type: "button", class: "button-secondary", "data-test": test }, label);
    button.addEventListener("click", async () => {
      try {
        const text = await busy(button, () => ctx.api.text(path, { ...query, format }));
        deliver(text);
      } catch (failure) {
        ctx.toast(failure.message, "error");
      }
    });
    return button;
  }

  function showPerformance(report, query) {
    const name = `performance-${query.start || "opening"}-${query.end || "now"}`;
    fill(performanceBox,
      el("div", { class: "panel-header" },
        el("h2", { id: "report-performance-title" }, "Performance"),
        el("div", { class: "toolbar" },
          fileButton("Open HTML report", "report-performance-html", PERFORMANCE, query, "html", (text) => openBlob(text)),
          fileButton("Download HTML", "report-performance-html-download", PERFORMANCE, query, "html",
            (text) => downloadBlob(text, `${name}.html`, "text/html")),
          fileButton("Download CSV", "report-performance-csv", PERFORMANCE, query, "csv",
            (text) => downloadBlob(text, `${name}.csv`, "text/csv")))),
      el("p", { class: "state" }, `${time(report.start)} – ${time(report.end)}` +
        `${report.symbol ? ` · trades of ${report.symbol}` : ""}${report.benchmark ? ` · against ${report.benchmark}` : ""}`),
      facts([
        ["Start equity", money(report.start_equity)], ["End equity", money(report.end_equity)],
        ["Net deposits", money(report.net_deposits)], ["Profit", money(report.profit)],
        ["Total return", ratio(report.total_return)], ["CAGR", ratio(report.cagr)],
        ["Volatility", ratio(report.volatility)], ["Sharpe", number(report.sharpe)],
        ["Sortino", number(report.sortino)], ["Calmar", number(report.calmar)],
        ["Max drawdown", ratio(report.max_drawdown)], ["Longest drawdown", duration(report.max_drawdown_duration_seconds)],
        ["Exposure", ratio(report.exposure)], ["Payoff ratio", number(report.payoff_ratio)],
        ["Fees", money(report.fees)],
        ["Benchmark return", report.benchmark ? ratio(report.benchmark_return) : "—"],
      ], "report-metrics"),
      el("h3", {}, "Round trips closed in the period"),
      facts(Object.entries(report.trades || {}).map(([key, value]) => [TRADE_FIGURES[key] || key.replaceAll("_", " "),
        typeof value === "string" ? money(value) : key.endsWith("_seconds") ? duration(value) : key === "win_rate" ? ratio(value) : number(value)]),
      "report-trades"));
    performanceBox.hidden = false;
  }

  function positions(balance, test) {
    return grid([
      { label: "Symbol", cell: (p) => p.symbol },
      { label: "Qty", cell: (p) => qty(p.qty), numeric: true },
      { label: "Avg entry", cell: (p) => money(p.avg_entry_price), numeric: true },
      { label: "Cost basis", cell: (p) => money(p.cost_basis), numeric: true },
    ], balance.positions, { empty: "No position.", test });
  }

  function showStatement(statement, query) {
    const name = `statement-${query.start || "opening"}-${query.end || "now"}`;
    const totals = statement.totals;
    fill(statementBox,
      el("div", { class: "panel-header" },
        el("h2", { id: "report-statement-title" }, "Statement"),
        el("div", { class: "toolbar" },
          fileButton("Open HTML statement", "report-statement-html", STATEMENT, query, "html", (text) => openBlob(text)),
          fileButton("Download CSV", "report-statement-csv", STATEMENT, query, "csv",
            (text) => downloadBlob(text, `${name}.csv`, "text/csv")))),
      el("p", { class: "state" }, `${statement.start ? time(statement.start) : "Since the account was opened"} – ${time(statement.end)} (${statement.currency})`),
      facts([
        ["Opening cash", money(statement.opening.cash), "statement-opening-cash"],
        ["Closing cash", money(statement.closing.cash), "statement-closing-cash"],
      ]),
      facts([
        ["Deposits", money(totals.deposits)], ["Withdrawals", money(totals.withdrawals)],
        ["Buys", money(totals.buys)], ["Sells", money(totals.sells)], ["Fees", money(totals.fees)],
        ["Realized P&L", money(totals.realized_pl)],
      ], "statement-totals"),
      el("h3", {}, "Opening positions"), positions(statement.opening, "statement-opening-positions"),
      el("h3", {}, "Activities"),
      grid([
        { label: "When", cell: (a) => time(a.transaction_time || a.date) },
        { label: "Type", cell: (a) => a.activity_type },
        { label: "Symbol", cell: (a) => a.symbol || "—" },
        { label: "Side", cell: (a) => a.side || "—" },
        { label: "Qty", cell: (a) => (a.qty ? qty(a.qty) : "—"), numeric: true },
        { label: "Price", cell: (a) => (a.price ? money(a.price) : "—"), numeric: true },
        { label: "Amount", cell: (a) => (a.net_amount ? money(a.net_amount) : "—"), numeric: true },
        { label: "Description", cell: (a) => a.description || a.order_status || "—" },
      ], statement.activities, { empty: "No fill, deposit or withdrawal in the period.", test: "statement-activities", caption: "Activities" }),
      el("h3", {}, "Closing positions"), positions(statement.closing, "statement-closing-positions"));
    statementBox.hidden = false;
  }

  async function show(event) {
    if (event) event.preventDefault();
    error.hide();
    const span = period();
    const performanceQuery = compact({
      ...span, symbol: symbol.value.trim().toUpperCase(), strategy_id: strategy.value,
      benchmark: benchmark.value.trim().toUpperCase(),
    });
    performanceBox.hidden = false;
    statementBox.hidden = false;
    states.loading(performanceBox);
    states.loading(statementBox);
    await busy(run, async () => {
      const [performance, statement] = await Promise.allSettled([
        ctx.api.get(PERFORMANCE, performanceQuery), ctx.api.get(STATEMENT, span),
      ]);
      if (!alive) return;
      if (performance.status === "fulfilled") showPerformance(performance.value, performanceQuery);
      else {
        performanceBox.hidden = true;
        error.show(performance.reason);
      }
      if (statement.status === "fulfilled") showStatement(statement.value, span);
      else {
        statementBox.hidden = true;
        if (performance.status === "fulfilled") error.show(statement.reason);
      }
    });
  }

  fill(root,
    el("header", { class: "view-header" }, el("h1", {}, "Reports")),
    el("section", { class: "panel", "aria-labelledby": "report-form-title" },
      el("h2", { id: "report-form-title" }, "Period"),
      el("form", { class: "form form-grid", "data-test": "report-form", novalidate: "", on: { submit: show } },
        field("From", start, "Left empty: since the account was opened."),
        field("To (inclusive)", end, "Left empty or today: up to now."),
        field("Symbol", symbol, "Narrows the trade figures."),
        field("Strategy", strategy, "Narrows the trade figures."),
        field("Benchmark", benchmark, "A listed symbol, such as SPY."),
        error,
        el("div", { class: "form-actions" }, run))),
    performanceBox, statementBox);
  show();
  return () => {
    alive = false;
  };
}
