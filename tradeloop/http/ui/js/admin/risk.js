// An account's risk (part of #/accounts/<id>): its trading state, limits, usage and latest notices from
// GET /admin/v1/accounts/<id>/risk, and a form that changes limits and/or sets the state (PATCH, audit-logged).
// An emptied limit field removes that limit (sent as null); a field left as it was is not sent.
// data-test hooks:
//   risk                  the risk summary (state, reason, usage)
//   risk-state            the trading state shown
//   risk-limits           the limits table
//   risk-form             the edit form; risk-<limit name> each limit field (e.g. risk-max_order_notional),
//                         risk-trading_state the state select, risk-reason its reason, risk-submit the button
//   risk-error            the form's refusal box

import {clear, money, states, time} from "../dom.js";
import {admin} from "./api.js";
import {actionForm, el, field} from "./forms.js";

const LIMITS = [
  ["max_order_notional", "Largest order (USD)", "money"],
  ["max_position_notional", "Largest position (USD)", "money"],
  ["max_position_percent_of_equity", "Largest position (% of equity)", "pct"],
  ["max_open_orders", "Open orders at most", "count"],
  ["max_orders_per_minute", "Orders per minute at most", "count"],
  ["daily_loss_limit", "Daily loss limit (USD)", "money"],
  ["daily_loss_limit_percent", "Daily loss limit (% of the day's start)", "pct"],
  ["max_drawdown_percent", "Largest drawdown (%)", "pct"],
  ["warn_at_percent", "Warn at (% of a loss limit)", "pct"],
];
const ACTIONS = [["halt", "halt"], ["reduce", "reduce"], ["halt_and_flatten", "halt and flatten"]];
const TRADING_STATES = [["", "(leave as it is)"], ["ACTIVE", "ACTIVE"], ["REDUCING", "REDUCING"], ["HALTED", "HALTED"]];

export function riskSection(base, ctx) {
  const body = el("div", {"aria-live": "polite"});
  const section = el("section", {class: "panel", "aria-labelledby": "risk-head"}, el("h2", {id: "risk-head"}, "Risk"), body);

  async function load() {
    const editing = Boolean(body.querySelector("details.edit")?.open);
    states.loading(body);
    try {
      const risk = await admin.get(`${base}/risk`);
      clear(body);
      body.append(summary(risk), limitsTable(risk.limits), notices(risk.notices), editForm(risk, editing));
    } catch (error) {
      states.failure(body, error);
    }
  }

  function editForm(risk, editing) {
    const inputs = new Map();
    const rows = LIMITS.map(([name, label]) => {
      const current = risk.limits[name];
      const made = field(label, {name, inputmode: "decimal", autocomplete: "off", value: current === null ? "" : String(current),
        "data-test": `risk-${name}`});
      inputs.set(name, made.input);
      return made.row;
    });
    const action = field("When the daily loss limit is hit", {tag: "select", name: "daily_loss_action", options: ACTIONS,
      "data-test": "risk-daily_loss_action"});
    action.input.value = risk.limits.daily_loss_action;
    const state = field("Set the trading state", {tag: "select", name: "trading_state", options: TRADING_STATES,
      "data-test": "risk-trading_state"});
    const reason = field("Reason (shown with the state)", {name: "reason", maxlength: "200", autocomplete: "off",
      "data-test": "risk-reason"});
    const {form} = actionForm({class: "grid-form", "data-test": "risk-form", "aria-label": "Change risk limits"},
      [rows, action.row, state.row, reason.row], {
        submit: {label: "Save", attrs: {"data-test": "risk-submit"}},
        errorTest: "risk-error",
        action: async () => {
          const limits = {};
          for (const [name, input] of inputs) {
            const before = risk.limits[name] === null ? "" : String(risk.limits[name]);
            const now = input.value.trim();
            if (now !== before) limits[name] = now === "" ? null : countOrText(name, now);
          }
          if (action.input.value !== risk.limits.daily_loss_action) limits.daily_loss_action = action.input.value;
          const patch = {};
          if (Object.keys(limits).length) patch.limits = limits;
          if (state.input.value) patch.trading_state = state.input.value;
          if (reason.input.value.trim()) patch.reason = reason.input.value.trim();
          if (!patch.limits && !patch.trading_state) throw new Error("Nothing changed: edit a limit or choose a state.");
          await admin.patch(`${base}/risk`, patch);
          ctx.toast("Risk settings saved.", "info");
          await load();
        },
      });
    return el("details", {class: "edit", open: editing}, el("summary", {}, "Change limits or state"), form);
  }

  load();
  return section;
}

/** Counts are JSON integers; a count that is not one is sent as typed, so the server names the field. */
function countOrText(name, text) {
  const kind = LIMITS.find(([limit]) => limit === name)[2];
  return kind === "count" && /^\d+$/.test(text) ? Number(text) : text;
}

function summary(risk) {
  const usage = risk.usage;
  const rows = [
    ["Trading state", risk.trading_state, "risk-state"],
    ["Reason", risk.reason || "—"],
    ["Set by", risk.source || "—"],
    ["Since", risk.changed_at ? time(risk.changed_at) : "—"],
    ["Equity", money(usage.equity)],
    ["Day's start equity", money(usage.session_start_equity)],
    ["Day's loss", money(usage.daily_loss)],
    ["Loss allowed", usage.daily_loss_allowed === null ? "no limit" : money(usage.daily_loss_allowed)],
    ["Drawdown", `${usage.drawdown_percent}%`],
    ["Open orders", String(usage.open_orders)],
    ["Orders in the last minute", String(usage.orders_last_minute)],
  ];
  return el("dl", {class: "pairs", "data-test": "risk"},
    rows.map(([label, value, test]) => [el("dt", {}, label), el("dd", {"data-test": test || null}, value)]));
}

function limitsTable(limits) {
  const shown = (name, kind) => {
    const value = limits[name];
    if (value === null) return "no limit";
    if (kind === "money") return money(value);
    if (kind === "pct") return `${value}%`;
    return String(value);
  };
  return el("div", {class: "table-wrap"}, el("table", {class: "compact", "data-test": "risk-limits"},
    el("caption", {}, "Limits"),
    el("tbody", {},
      LIMITS.map(([name, label, kind]) => el("tr", {}, el("th", {scope: "row"}, label), el("td", {class: "num"}, shown(name, kind)))),
      el("tr", {}, el("th", {scope: "row"}, "When the daily loss limit is hit"), el("td", {}, limits.daily_loss_action)))));
}

function notices(list) {
  if (!list.length) return el("p", {class: "hint"}, "No risk notice yet.");
  return el("div", {},
    el("h3", {}, "Latest notices"),
    el("ul", {class: "notices"}, list.map((notice) => el("li", {},
      el("time", {datetime: notice.timestamp}, time(notice.timestamp)), " ", notice.message))));
}
