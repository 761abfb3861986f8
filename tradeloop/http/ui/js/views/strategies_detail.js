// One strategy (`#/strategies/<id>`): its status with activate / deactivate, its definition to edit into a new
// version, its versions, its signals, and a backtest (strategies_backtest.js).
//
// data-test hooks:
//   strategy-detail         the strategy's panel (data-strategy-id, data-status carry its id and status)
//   strategy-name, strategy-status, strategy-version
//   strategy-activate       activates it (shown while inactive)
//   strategy-deactivate     deactivates it (shown while active), with strategy-cancel-orders and
//                           strategy-close-positions (checkboxes sent as the deactivation's body)
//   strategy-delete         deletes it (asks first)
//   strategy-error          an action's refusal text
//   strategy-edit-json      the definition to edit; strategy-save sends it as a merge patch (a new version);
//                           strategy-edit-error shows the refusal naming the JSON pointer
//   strategy-versions       the versions table; strategy-version-show shows a version's definition
//   strategy-signals        the signals table (strategy-signals-empty when none), reloaded when the trading stream
//                           tells of one of its signals; strategy-signals-more pages on
//   + the backtest's hooks, listed in strategies_backtest.js
import { states, time } from "../dom.js";
import { renderBacktest } from "./strategies_backtest.js";
import { busy, definitionIn, el, errorBox, facts, field, fill, grid, jsonBlock } from "./views_kit.js";

const SIGNALS_PAGE = 50;

// The RFC 7396 merge patch that turns `before` into `after`: a removed key becomes null, a changed list or
// value is sent whole, nested objects are diffed key by key. Returns null when nothing changed.
export function mergePatch(before, after) {
  const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
  if (!isObject(before) || !isObject(after)) {
    return JSON.stringify(before) === JSON.stringify(after) ? null : after;
  }
  const patch = {};
  for (const key of Object.keys(before)) {
    if (!(key in after)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    if (!(key in before)) {
      patch[key] = value;
      continue;
    }
    if (isObject(before[key]) && isObject(value)) {
      const inner = mergePatch(before[key], value);
      if (inner !== null) patch[key] = inner;
    } else if (JSON.stringify(before[key]) !== JSON.stringify(value)) {
      patch[key] = value;
    }
  }
  return Object.keys(patch).length ? patch : null;
}

export function renderDetail(root, ctx, id) {
  let alive = true;
  const cleanups = [];
  const path = `/v2/strategies/${encodeURIComponent(id)}`;
  const body = el("div", { class: "view-body" });
  fill(root,
    el("header", { class: "view-header" },
      el("a", { href: "#/strategies", class: "back-link" }, "← All strategies"),
      el("h1", {}, "Strategy")),
    body);
  states.loading(body);

  // Everything drawn anew: on opening, after a new version and after deleting.
  async function load() {
    let strategy;
    try {
      strategy = await ctx.api.get(path);
    } catch (error) {
      if (alive) states.failure(body, error);
      return;
    }
    if (!alive) return;
    for (const cleanup of cleanups.splice(0)) cleanup();
    const summary = el("div");
    const editor = editPanel(ctx, strategy, path, () => alive, load);
    const versions = el("div", { "aria-live": "polite" });
    const signals = el("div", { "aria-live": "polite" });
    const backtest = el("div");
    fill(body,
      summary,
      el("section", { class: "panel", "aria-labelledby": "strategy-backtest-title" },
        el("h2", { id: "strategy-backtest-title" }, "Backtest"), backtest),
      el("section", { class: "panel", "aria-labelledby": "strategy-signals-title" },
        el("h2", { id: "strategy-signals-title" }, "Signals"), signals),
      editor,
      el("section", { class: "panel", "aria-labelledby": "strategy-versions-title" },
        el("h2", { id: "strategy-versions-title" }, "Versions"), versions));

    // Activating or deactivating redraws the summary only, so a backtest's result stays on the page.
    async function refreshSummary() {
      try {
        const found = await ctx.api.get(path);
        if (alive) fill(summary, summaryPanel(ctx, found, path, () => alive, refreshSummary, load));
      } catch (error) {
        if (alive) ctx.toast(error.message, "error");
      }
    }
    fill(summary, summaryPanel(ctx, strategy, path, () => alive, refreshSummary, load));
    cleanups.push(renderBacktest(backtest, ctx, strategy));
    cleanups.push(loadSignals(ctx, path, strategy.id, signals, () => alive));
    loadVersions(ctx, path, versions, () => alive);
  }

  load();
  return () => {
    alive = false;
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
}

function summaryPanel(ctx, strategy, path, isAlive, refresh, reload) {
  const error = errorBox("strategy-error");
  const cancelOrders = el("input", { type: "checkbox", "data-test": "strategy-cancel-orders" });
  const closePositions = el("input", { type: "checkbox", "data-test": "strategy-close-positions" });
  const active = strategy.status === "active";
  const deleted = strategy.status === "deleted";

  async function act(button, action, done, after = refresh) {
    error.hide();
    try {
      const result = await busy(button, action);
      ctx.toast(done(result), "info");
      if (isAlive()) after();
    } catch (failure) {
      if (isAlive()) error.show(failure);
    }
  }

  const activate = el("button", { type: "button", class: "button-primary", "data-test": "strategy-activate" }, "Activate");
  activate.addEventListener("click", () => act(activate, () => ctx.api.post(`${path}/activate`),
    (s) => `"${s.name}" is ${s.status}.`));
  const deactivate = el("button", { type: "button", class: "button-primary", "data-test": "strategy-deactivate" }, "Deactivate");
  deactivate.addEventListener("click", () => act(deactivate, () => ctx.api.post(`${path}/deactivate`, {
    cancel_orders: cancelOrders.checked, close_positions: closePositions.checked,
  }), (s) => `"${s.name}" is ${s.status}.`));
  const remove = el("button", { type: "button", class: "button-danger", "data-test": "strategy-delete" }, "Delete");
  remove.addEventListener("click", () => {
    if (!window.confirm(`Delete "${strategy.name}"? It stops trading; its versions and signals stay readable.`)) return;
    act(remove, () => ctx.api.delete(path), () => `"${strategy.name}" deleted.`, reload);
  });

  const definition = strategy.definition;
  return el("section", {
    class: "panel", "data-test": "strategy-detail", "data-strategy-id": strategy.id, "data-status": strategy.status,
    "aria-labelledby": "strategy-name",
  },
    el("div", { class: "panel-header" },
      el("h2", { id: "strategy-name", "data-test": "strategy-name" }, strategy.name),
      el("span", { class: `badge badge-${strategy.status}`, "data-test": "strategy-status" }, strategy.status)),
    facts([
      ["Version", String(strategy.version), "strategy-version"],
      ["Symbols", (definition.symbols || []).join(", ")],
      ["Timeframe", definition.timeframe],
      ["Sizing", definition.sizing ? `${definition.sizing.type} ${definition.sizing.value}` : null],
      ["Created", time(strategy.created_at)],
      ["Updated", time(strategy.updated_at)],
    ]),
    deleted ? el("p", { class: "state" }, "This strategy is deleted: it can be read, not changed.") : el("div", { class: "form-actions" },
      active ? [
        deactivate,
        el("label", { class: "check" }, cancelOrders, " cancel its open orders"),
        el("label", { class: "check" }, closePositions, " sell what its entries bought"),
      ] : activate,
      remove),
    error);
}

function editPanel(ctx, strategy, path, isAlive, reload) {
  const editor = el("textarea", {
    class: "json-editor", "data-test": "strategy-edit-json", rows: "16", spellcheck: "false", autocomplete: "off",
  });
  editor.value = JSON.stringify(strategy.definition, null, 2);
  const error = errorBox("strategy-edit-error");
  const save = el("button", { type: "submit", class: "button-primary", "data-test": "strategy-save" }, "Save as a new version");

  async function submit(event) {
    event.preventDefault();
    error.hide();
    const edited = definitionIn(editor, error);
    if (edited === undefined) return;
    const patch = mergePatch(strategy.definition, edited);
    if (patch === null) {
      error.show("Nothing changed: no new version made.");
      return;
    }
    try {
      const revised = await busy(save, () => ctx.api.patch(path, patch));
      ctx.toast(`"${revised.name}" is now version ${revised.version}.`, "info");
      if (isAlive()) reload();
    } catch (failure) {
      if (isAlive()) error.show(failure);
    }
  }

  if (strategy.status === "deleted") return el("div");
  return el("section", { class: "panel", "aria-labelledby": "strategy-edit-title" },
    el("h2", { id: "strategy-edit-title" }, "Definition"),
    el("form", { class: "form form-stack", novalidate: "", on: { submit } },
      field("strategy/v1 JSON", editor, "Saving sends the changes as a merge patch: the server keeps each version."),
      error,
      el("div", { class: "form-actions" }, save)));
}

async function loadVersions(ctx, path, box, isAlive) {
  states.loading(box);
  try {
    const versions = await ctx.api.get(`${path}/versions`);
    if (!isAlive()) return;
    const shown = el("div");
    fill(box, grid([
      { label: "Version", cell: (v) => String(v.version), numeric: true },
      { label: "Name", cell: (v) => v.name },
      { label: "Made", cell: (v) => time(v.created_at) },
      { label: "", cell: (v) => el("button", {
        type: "button", class: "button-secondary", "data-test": "strategy-version-show",
        on: { click: () => fill(shown, el("h3", {}, `Version ${v.version}`), jsonBlock(v.definition)) },
      }, "Show definition") },
    ], versions.slice().reverse(), { test: "strategy-versions", caption: "Versions" }), shown);
  } catch (error) {
    if (isAlive()) states.failure(box, error);
  }
}

function signalValues(values) {
  return Object.entries(values || {}).map(([name, value]) => `${name} = ${value}`).join(", ");
}

// The signals, newest first, paged; a strategy.signal or strategy.error notification of this strategy on the
// trading stream reloads them. Returns the cleanup (stops listening).
function loadSignals(ctx, path, strategyId, box, isAlive) {
  const shown = [];
  const tableBox = el("div");
  const more = el("button", { type: "button", class: "button-secondary", "data-test": "strategy-signals-more" }, "Older signals");
  more.hidden = true;
  const refresh = el("button", { type: "button", class: "button-secondary" }, "Refresh");
  fill(box, el("div", { class: "toolbar" }, refresh), tableBox, more);

  function draw() {
    fill(tableBox, grid([
      { label: "Bar", cell: (s) => time(s.bar_time) },
      { label: "Symbol", cell: (s) => s.symbol },
      { label: "Rule", cell: (s) => `${s.rule} (${s.side})` },
      { label: "Version", cell: (s) => String(s.version), numeric: true },
      { label: "Order", cell: (s) => (s.order_id ? s.client_order_id : el("span", { class: "refusal" },
        `${s.refusal || "no order"}${s.refusal_code ? ` (${s.refusal_code})` : ""}`)) },
      { label: "Values", cell: (s) => el("span", { class: "mono small" }, signalValues(s.values)) },
    ], shown, { empty: "No signal yet: a rule has not fired.", test: "strategy-signals", caption: "Signals" }));
  }

  async function page(reset) {
    if (reset) {
      shown.length = 0;
      states.loading(tableBox);
    }
    try {
      const query = { limit: SIGNALS_PAGE };
      if (!reset && shown.length) query.page_token = shown[shown.length - 1].id;
      const found = await busy(more, () => ctx.api.get(`${path}/signals`, query));
      if (!isAlive()) return;
      shown.push(...found);
      more.hidden = found.length < SIGNALS_PAGE;
      draw();
    } catch (error) {
      if (isAlive()) states.failure(tableBox, error);
    }
  }

  refresh.addEventListener("click", () => page(true));
  more.addEventListener("click", () => page(false));
  page(true);
  const unsubscribe = ctx.trading ? ctx.trading.on("notifications", (message) => {
    const notification = message && message.stream ? message.data : message;
    if (!notification || !isAlive() || !String(notification.type).startsWith("strategy.")) return;
    if (notification.data && notification.data.strategy_id === strategyId) page(true);
  }) : null;
  return () => {
    if (typeof unsubscribe === "function") unsubscribe();
  };
}
