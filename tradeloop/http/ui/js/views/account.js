// The account view of /app: equity, cash, buying power, day P&L (equity − last_equity), the risk state, limits and
// usage (GET /v2/risk), and the equity curve (GET /v2/account/portfolio/history). Refreshed on every trade update.
//
// data-test hooks:
//   equity, cash, buying-power, day-pl (its data-sign: -1 | 0 | 1), portfolio-value, account-status
//   trading-state (ACTIVE | REDUCING | HALTED), risk-limits (a <dl>), risk-usage (a <dl>), risk-notices
//   equity-curve (the chart's element), equity-period-<1D|1W|1M|3M|1A> (the period buttons, aria-pressed)
import { h, money, pct, qty, replace, signOf, states, time, tone } from "../dom.js";
import { divide, subtract } from "../decimal.js";
import { AreaSeries, attribution, makeChart } from "../charts.js";
import { followTrades } from "./views_kit.js";

export const title = "Account";

const PERIODS = { "1D": "5Min", "1W": "1H", "1M": "1D", "3M": "1D", "1A": "1D" };
const LIMITS = [
  ["max_order_notional", "Largest order", money],
  ["max_position_notional", "Largest position", money],
  ["max_position_percent_of_equity", "Largest position, % of equity", (v) => `${qty(v)}%`],
  ["max_open_orders", "Open orders at most", qty],
  ["max_orders_per_minute", "Orders per minute at most", qty],
  ["daily_loss_limit", "Daily loss limit", money],
  ["daily_loss_limit_percent", "Daily loss limit, % of equity", (v) => `${qty(v)}%`],
  ["daily_loss_action", "On reaching it", String],
  ["max_drawdown_percent", "Largest drawdown, %", (v) => `${qty(v)}%`],
  ["warn_at_percent", "Warn at, % of a limit", (v) => `${qty(v)}%`],
];
const USAGE = [
  ["session_start_equity", "Equity at the session's start", money],
  ["daily_loss", "Lost today", (v) => (String(v).startsWith("-") ? `none (${money(String(v).slice(1))} gained)` : money(v))],
  ["daily_loss_allowed", "Loss allowed today", money],
  ["peak_equity", "Peak equity", money],
  ["drawdown_percent", "Drawdown", (v) => `${qty(v)}%`],
  ["open_orders", "Open orders", qty],
  ["orders_last_minute", "Orders in the last minute", qty],
];

function pairs(test, rows, source) {
  return h("dl", { class: "pairs", "data-test": test }, rows.flatMap(([name, label, format]) => [
    h("dt", {}, label),
    h("dd", {}, source[name] === null || source[name] === undefined ? "none" : format(source[name])),
  ]));
}

function figure(label, value, test, extra = {}) {
  return h("div", { class: "figure" }, h("dt", {}, label), h("dd", { "data-test": test, ...extra }, value));
}

export function render(root, ctx) {
  const figures = h("section", { class: "panel", "aria-labelledby": "account-title" });
  const risk = h("section", { class: "panel", "aria-labelledby": "risk-title" });
  const curve = h("section", { class: "panel", "aria-labelledby": "curve-title" });
  root.append(figures, h("div", { class: "columns wide-left" }, curve, risk));
  states.loading(figures);
  states.loading(risk);

  let live = true;
  async function loadFigures() {
    try {
      const [account, state] = await Promise.all([ctx.api.get("/v2/account"), ctx.api.get("/v2/risk")]);
      if (!live) return;
      const dayPl = subtract(account.equity, account.last_equity);
      const dayPct = divide(dayPl, account.last_equity, 6);
      replace(figures,
        h("div", { class: "view-header" }, h("h1", { id: "account-title" }, "Account"),
          h("span", { class: "muted", "data-test": "account-status" }, `${account.account_number} · ${account.status}`)),
        h("dl", { class: "figures" },
          figure("Equity", money(account.equity), "equity"),
          figure("Cash", money(account.cash), "cash"),
          figure("Buying power", money(account.buying_power), "buying-power"),
          figure("Day P&L", `${money(dayPl, { sign: true })}${dayPct === null ? "" : ` (${pct(dayPct, { sign: true })})`}`, "day-pl",
            { class: tone(dayPl), "data-sign": String(signOf(dayPl)) }),
          figure("Portfolio value", money(account.portfolio_value), "portfolio-value"),
          figure("Long market value", money(account.long_market_value), "long-market-value"),
          figure("Realized P&L", money(account.realized_pl, { sign: true }), "realized-pl", { class: tone(account.realized_pl) }),
          figure("Unrealized P&L", money(account.unrealized_pl, { sign: true }), "unrealized-pl", { class: tone(account.unrealized_pl) })));
      replace(risk,
        h("div", { class: "panel-header" }, h("h2", { id: "risk-title" }, "Risk"),
          h("span", { class: `badge state-${String(state.trading_state).toLowerCase()}`, "data-test": "trading-state" }, state.trading_state)),
        state.reason ? h("p", { class: "state notice" }, `${state.reason}${state.changed_at ? ` (since ${time(state.changed_at)})` : ""}`) : null,
        h("h3", {}, "Limits"),
        pairs("risk-limits", LIMITS, state.limits || {}),
        h("h3", {}, "Today"),
        pairs("risk-usage", USAGE, state.usage || {}),
        state.notices && state.notices.length
          ? h("ul", { class: "notices", "data-test": "risk-notices" }, state.notices.map((notice) => h("li", {}, notice.message || JSON.stringify(notice))))
          : null);
    } catch (error) {
      if (!live) return;
      states.failure(figures, error);
      replace(risk);
    }
  }

  // The equity curve: the chart is made once; a period's points replace the series' data.
  const chartBox = h("div", { class: "chart", "data-test": "equity-curve", role: "img", "aria-label": "Equity over the chosen period" });
  const curveState = h("div", {});
  const buttons = Object.keys(PERIODS).map((period) => h("button", {
    type: "button", "aria-pressed": period === "1M" ? "true" : "false", "data-test": `equity-period-${period}`,
    on: { click: () => choose(period) },
  }, period));
  replace(curve,
    h("div", { class: "panel-header" }, h("h2", { id: "curve-title" }, "Equity"), h("div", { class: "segments", role: "group", "aria-label": "Period" }, buttons)),
    chartBox, attribution(), curveState);
  const { chart, colors, dispose } = makeChart(chartBox);
  const series = chart.addSeries(AreaSeries, { lineColor: colors.accent, topColor: `${colors.accent}55`, bottomColor: `${colors.accent}05`, lineWidth: 2 });
  let period = "1M";

  async function loadCurve({ quietly = false } = {}) {
    if (!quietly) states.loading(curveState);
    try {
      const history = await ctx.api.get("/v2/account/portfolio/history", { period, timeframe: PERIODS[period] });
      if (!live) return;
      const points = [];
      (history.timestamp || []).forEach((stamp, index) => {
        const value = history.equity[index];
        if (value !== null && value !== undefined && (!points.length || stamp > points[points.length - 1].time)) {
          points.push({ time: stamp, value: Number(value) }); // drawing only: the figures above stay exact
        }
      });
      series.setData(points);
      chart.timeScale().fitContent();
      if (points.length) replace(curveState);
      else states.empty(curveState, "No history for this period yet.");
    } catch (error) {
      if (live) states.failure(curveState, error);
    }
  }

  function choose(next) {
    period = next;
    for (const button of buttons) button.setAttribute("aria-pressed", button.textContent === next ? "true" : "false");
    loadCurve();
  }

  loadFigures();
  loadCurve();
  const stopFollowing = followTrades(ctx, () => {
    loadFigures();
    loadCurve({ quietly: true });
  }, loadFigures, 30000);
  return () => {
    live = false;
    stopFollowing();
    dispose();
  };
}
