// The alerts view of /app: make an alert of any kind the API takes (price, percent_change, position, account,
// indicator), list the account's alerts by status, cancel an active one.
//
// data-test hooks:
//   alert-form            the form making an alert; alert-submit sends it
//   alert-kind            the kind (a select: price, percent_change, position, account, indicator)
//   alert-symbol, alert-condition, alert-price, alert-percent, alert-reference, alert-measure, alert-amount,
//   alert-metric, alert-level, alert-timeframe, alert-indicators, alert-indicator-condition, alert-repeat,
//   alert-cooldown, alert-expires, alert-note     the fields (only those the kind takes are shown)
//   alert-error           the server's refusal text (naming the field)
//   alerts                the alerts table (rows carry data-alert-id and data-status); alerts-empty when none
//   alert-status-filter   the list's status filter
//   alert-cancel          a row's cancel button (active alerts only)
import { money, states, time } from "../dom.js";
import { busy, compact, el, errorBox, field, fill, grid, select, utcFromLocal } from "./views_kit.js";

export const title = "Alerts";

const CONDITIONS = [["crosses_above", "crosses above"], ["crosses_below", "crosses below"], ["above", "is above"], ["below", "is below"]];
const TIMEFRAMES = ["1Min", "5Min", "15Min", "30Min", "1Hour", "1Day"].map((tf) => [tf, tf]);
const INDICATORS_EXAMPLE = { rsi: { type: "rsi", period: 14 } };
const CONDITION_EXAMPLE = { op: ">", left: "rsi", right: "70" };

// Which fields each kind shows (by the names used below).
const KIND_FIELDS = {
  price: ["symbol", "condition", "price"],
  percent_change: ["symbol", "percent", "reference"],
  position: ["symbol", "measure", "amount"],
  account: ["metric", "condition", "level"],
  indicator: ["symbol", "timeframe", "indicators", "indicatorCondition"],
};

// What an alert watches, in a few words.
function watches(alert) {
  switch (alert.kind) {
    case "price":
      return `${alert.symbol} ${(alert.condition || "").replace("_", " ")} ${money(alert.price)}`;
    case "percent_change":
      return `${alert.symbol} moves ${alert.percent}% from ${alert.reference || "created"}` +
        (alert.price ? ` (level ${money(alert.price)})` : "");
    case "position":
      return `${alert.symbol} P&L reaches ${alert.amount !== null ? money(alert.amount) : `${alert.percent}%`}`;
    case "account":
      return `${alert.metric} ${(alert.condition || "").replace("_", " ")} ${alert.level}${alert.metric === "drawdown" ? "%" : ""}`;
    case "indicator":
      return `${alert.symbol} ${alert.timeframe}: ${JSON.stringify(alert.condition)}`;
    default:
      return alert.kind;
  }
}

export function render(root, ctx) {
  let alive = true;
  const controls = {
    kind: select({ "data-test": "alert-kind", name: "kind" }, [
      ["price", "Price"], ["percent_change", "Percent change"], ["position", "Position P&L"], ["account", "Account"],
      ["indicator", "Indicator"],
    ]),
    symbol: el("input", { type: "text", name: "symbol", autocapitalize: "characters", autocomplete: "off", "data-test": "alert-symbol", placeholder: "AAPL" }),
    condition: select({ "data-test": "alert-condition", name: "condition" }, CONDITIONS),
    price: el("input", { type: "text", inputmode: "decimal", name: "price", "data-test": "alert-price", placeholder: "190.00" }),
    percent: el("input", { type: "text", inputmode: "decimal", name: "percent", "data-test": "alert-percent", placeholder: "-5" }),
    reference: select({ "data-test": "alert-reference", name: "reference" }, [["created", "the price now"], ["session_open", "the session's open"]]),
    measure: select({ "data-test": "alert-measure", name: "measure" }, [["amount", "dollars"], ["percent", "percent of cost"]]),
    amount: el("input", { type: "text", inputmode: "decimal", name: "amount", "data-test": "alert-amount", placeholder: "-500" }),
    metric: select({ "data-test": "alert-metric", name: "metric" }, [["equity", "Equity"], ["daily_pl", "Day P&L"], ["drawdown", "Drawdown (%)"]]),
    level: el("input", { type: "text", inputmode: "decimal", name: "level", "data-test": "alert-level", placeholder: "95000" }),
    timeframe: select({ "data-test": "alert-timeframe", name: "timeframe" }, TIMEFRAMES, "5Min"),
    indicators: el("textarea", { class: "json-editor", rows: "3", spellcheck: "false", "data-test": "alert-indicators", name: "indicators" }),
    indicatorCondition: el("textarea", { class: "json-editor", rows: "3", spellcheck: "false", "data-test": "alert-indicator-condition", name: "indicator-condition" }),
    repeat: select({ "data-test": "alert-repeat", name: "repeat" }, [["once", "Once"], ["every", "Every time"]]),
    cooldown: el("input", { type: "number", min: "0", step: "1", name: "cooldown", "data-test": "alert-cooldown", value: "0" }),
    expires: el("input", { type: "datetime-local", name: "expires", "data-test": "alert-expires" }),
    note: el("input", { type: "text", name: "note", maxlength: "500", "data-test": "alert-note" }),
  };
  controls.indicators.value = JSON.stringify(INDICATORS_EXAMPLE);
  controls.indicatorCondition.value = JSON.stringify(CONDITION_EXAMPLE);
  const fields = {
    symbol: field("Symbol", controls.symbol),
    condition: field("Condition", controls.condition),
    price: field("Price", controls.price),
    percent: field("Percent", controls.percent, "Negative: a fall (or, for a position, a loss)."),
    reference: field("Measured from", controls.reference),
    measure: field("Measured in", controls.measure),
    amount: field("Level", controls.amount, "Negative: a loss; positive: a gain."),
    metric: field("Metric", controls.metric),
    level: field("Level", controls.level),
    timeframe: field("Bars", controls.timeframe),
    indicators: field("Indicators (JSON, as a strategy declares them)", controls.indicators),
    indicatorCondition: field("Condition (JSON, the strategy language)", controls.indicatorCondition),
  };
  const cooldownField = field("Cooldown (seconds)", controls.cooldown, "Least time between two firings.");
  const error = errorBox("alert-error");
  const submit = el("button", { type: "submit", class: "button-primary", "data-test": "alert-submit" }, "Create alert");

  function showFields() {
    const wanted = new Set(KIND_FIELDS[controls.kind.value]);
    for (const [name, node] of Object.entries(fields)) node.hidden = !wanted.has(name);
    cooldownField.hidden = controls.repeat.value !== "every";
  }
  controls.kind.addEventListener("change", () => {
    error.hide();
    showFields();
  });
  controls.repeat.addEventListener("change", showFields);

  // The body the chosen kind takes; a JSON field that does not parse is refused here, naming it.
  function body() {
    const kind = controls.kind.value;
    const text = (node) => node.value.trim();
    const made = { kind, repeat: controls.repeat.value, note: controls.note.value };
    if (controls.repeat.value === "every") made.cooldown_s = Number(controls.cooldown.value || 0);
    if (controls.expires.value) made.expires_at = utcFromLocal(controls.expires.value);
    if (kind !== "account") made.symbol = text(controls.symbol).toUpperCase();
    if (kind === "price") Object.assign(made, { condition: controls.condition.value, price: text(controls.price) });
    if (kind === "percent_change") Object.assign(made, { percent: text(controls.percent), reference: controls.reference.value });
    if (kind === "position") made[controls.measure.value] = text(controls.amount);
    if (kind === "account") Object.assign(made, { metric: controls.metric.value, condition: controls.condition.value, level: text(controls.level) });
    if (kind === "indicator") {
      made.timeframe = controls.timeframe.value;
      for (const [key, node, label] of [["indicators", controls.indicators, "indicators"], ["condition", controls.indicatorCondition, "condition"]]) {
        try {
          made[key] = JSON.parse(node.value);
        } catch (failure) {
          throw new Error(`${label}: not valid JSON (${failure.message})`);
        }
      }
    }
    return compact(made);
  }

  async function create(event) {
    event.preventDefault();
    error.hide();
    try {
      const made = await busy(submit, async () => ctx.api.post("/v2/alerts", body()));
      ctx.toast(`Alert made: ${watches(made)}.`, "info");
      if (alive) load();
    } catch (failure) {
      if (alive) error.show(failure);
    }
  }

  const listBox = el("div", { "aria-live": "polite" });
  const statusFilter = select({ "data-test": "alert-status-filter", "aria-label": "Which alerts" }, [
    ["all", "All"], ["active", "Active"], ["triggered", "Triggered"], ["expired", "Expired"], ["canceled", "Canceled"],
  ]);
  statusFilter.addEventListener("change", () => load());
  const refresh = el("button", { type: "button", class: "button-secondary", on: { click: () => load() } }, "Refresh");

  async function cancelAlert(alert, button) {
    try {
      await busy(button, () => ctx.api.delete(`/v2/alerts/${encodeURIComponent(alert.id)}`));
      ctx.toast("Alert canceled.", "info");
      if (alive) load();
    } catch (failure) {
      ctx.toast(failure.message, "error");
    }
  }

  async function load() {
    states.loading(listBox);
    try {
      const alerts = await ctx.api.get("/v2/alerts", { status: statusFilter.value });
      if (!alive) return;
      fill(listBox, grid([
        { label: "Kind", cell: (a) => a.kind },
        { label: "Watches", cell: (a) => watches(a) },
        { label: "Repeat", cell: (a) => (a.repeat === "every" && a.cooldown_s ? `every (${a.cooldown_s}s cooldown)` : a.repeat) },
        { label: "Status", cell: (a) => el("span", { class: `badge badge-${a.status}` }, a.status) },
        { label: "Fired", cell: (a) => String(a.trigger_count), numeric: true },
        { label: "Last fired", cell: (a) => (a.triggered_at ? time(a.triggered_at) : "—") },
        { label: "Note", cell: (a) => a.note || "—" },
        { label: "Made", cell: (a) => time(a.created_at) },
        { label: "", cell: (a) => {
          if (a.status !== "active") return "";
          const button = el("button", { type: "button", class: "button-secondary", "data-test": "alert-cancel",
            "aria-label": `Cancel the alert on ${a.symbol || a.metric}` }, "Cancel");
          button.addEventListener("click", () => cancelAlert(a, button));
          return button;
        } },
      ], alerts.slice().reverse(), {
        empty: "No alert here.", test: "alerts", caption: "Alerts",
        rowAttrs: (a) => ({ "data-alert-id": a.id, "data-status": a.status }),
      }));
    } catch (failure) {
      if (alive) states.failure(listBox, failure);
    }
  }

  showFields();
  fill(root,
    el("header", { class: "view-header" }, el("h1", {}, "Alerts")),
    el("section", { class: "panel", "aria-labelledby": "alert-new-title" },
      el("h2", { id: "alert-new-title" }, "New alert"),
      el("form", { class: "form form-grid", "data-test": "alert-form", novalidate: "", on: { submit: create } },
        field("Kind", controls.kind),
        Object.values(fields),
        field("Repeat", controls.repeat), cooldownField,
        field("Expires", controls.expires, "Optional."),
        field("Note", controls.note, "Comes back in each notification."),
        error,
        el("div", { class: "form-actions" }, submit))),
    el("section", { class: "panel", "aria-labelledby": "alert-list-title" },
      el("div", { class: "panel-header" }, el("h2", { id: "alert-list-title" }, "Your alerts"),
        el("div", { class: "toolbar" }, statusFilter, refresh)),
      listBox));
  load();
  return () => {
    alive = false;
  };
}
