// The strategies view of /app: the account's strategies (status, symbols, last signal), a new one from a template
// or pasted JSON; `#/strategies/<id>` opens one (strategies_detail.js: activate, edit, versions, signals, backtest).
//
// data-test hooks:
//   strategies              the strategies table (rows carry data-strategy-id); strategies-empty when there are none
//   strategy-status-filter  the status filter of the list
//   strategy-last-signal    a row's last signal cell
//   strategy-open           a row's link to the strategy
//   strategy-create-form    the form making a strategy
//   strategy-template       the template picker (a select; option values are template ids)
//   strategy-template-description  what the chosen template does
//   strategy-json           the definition's JSON (filled by the template picker, or pasted)
//   strategy-create         the form's submit button
//   strategy-error          the refusal text (the server's message, naming the JSON pointer)
//   + the detail's hooks, listed in strategies_detail.js
import { states, time } from "../dom.js";
import { renderDetail } from "./strategies_detail.js";
import { busy, definitionIn, el, errorBox, field, fill, grid, select } from "./views_kit.js";

export const title = "Strategies";

const TEMPLATES_URL = new URL("./strategies_templates.json", import.meta.url);

// The templates file, fetched once per page: it ships beside this module, under the same hashed prefix.
let templatesLoad = null;
export function loadTemplates() {
  if (!templatesLoad) {
    templatesLoad = fetch(TEMPLATES_URL, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`The templates could not be loaded (${response.status}).`);
        return response.json();
      })
      .then((body) => body.templates)
      .catch((error) => {
        templatesLoad = null;
        throw error;
      });
  }
  return templatesLoad;
}

export function render(root, ctx) {
  if (ctx.arg) return renderDetail(root, ctx, decodeURIComponent(ctx.arg));
  let alive = true;
  const listBox = el("div", { class: "view-body", "aria-live": "polite" });
  const statusFilter = select({ "data-test": "strategy-status-filter", "aria-label": "Which strategies" }, [
    ["", "Active and inactive"], ["active", "Active"], ["inactive", "Inactive"], ["deleted", "Deleted"], ["all", "All"],
  ]);
  const refresh = el("button", { type: "button", class: "button-secondary", on: { click: () => load() } }, "Refresh");
  statusFilter.addEventListener("change", () => load());

  async function lastSignal(strategy, cell) {
    try {
      const found = await ctx.api.get(`/v2/strategies/${encodeURIComponent(strategy.id)}/signals`, { limit: 1 });
      if (!alive) return;
      const last = found[0];
      fill(cell, last ? `${last.rule} ${last.symbol} · ${time(last.bar_time)}${last.refusal ? " (refused)" : ""}` : "none");
    } catch (error) {
      if (alive) fill(cell, "—");
    }
  }

  async function load() {
    states.loading(listBox);
    try {
      const query = statusFilter.value ? { status: statusFilter.value } : undefined;
      const strategies = await ctx.api.get("/v2/strategies", query);
      if (!alive) return;
      const signalCells = new Map();
      const table = grid([
        { label: "Name", cell: (s) => el("a", { href: `#/strategies/${encodeURIComponent(s.id)}`, "data-test": "strategy-open" }, s.name) },
        { label: "Status", cell: (s) => el("span", { class: `badge badge-${s.status}` }, s.status) },
        { label: "Version", cell: (s) => String(s.version), numeric: true },
        { label: "Symbols", cell: (s) => (s.definition.symbols || []).join(", ") },
        { label: "Timeframe", cell: (s) => s.definition.timeframe },
        { label: "Last signal", cell: (s) => {
          const cell = el("span", { "data-test": "strategy-last-signal" }, "…");
          signalCells.set(s.id, cell);
          return cell;
        } },
        { label: "Updated", cell: (s) => time(s.updated_at) },
      ], strategies, {
        empty: "No strategies yet: make one from a template below.", test: "strategies", caption: "Strategies",
        rowAttrs: (s) => ({ "data-strategy-id": s.id }),
      });
      fill(listBox, table);
      for (const strategy of strategies) lastSignal(strategy, signalCells.get(strategy.id));
    } catch (error) {
      if (alive) states.failure(listBox, error);
    }
  }

  fill(root,
    el("header", { class: "view-header" }, el("h1", {}, "Strategies")),
    el("section", { class: "panel", "aria-labelledby": "strategies-list-title" },
      el("div", { class: "panel-header" }, el("h2", { id: "strategies-list-title" }, "Your strategies"),
        el("div", { class: "toolbar" }, statusFilter, refresh)),
      listBox),
    createForm(ctx, () => alive));
  load();
  return () => {
    alive = false;
  };
}

// The form making a strategy from a template or from JSON.
function createForm(ctx, isAlive) {
  const picker = select({ "data-test": "strategy-template", name: "template" }, [["", "Choose a template…"]]);
  const description = el("p", { class: "field-hint", "data-test": "strategy-template-description", "aria-live": "polite" });
  const editor = el("textarea", {
    class: "json-editor", "data-test": "strategy-json", name: "definition", rows: "18", spellcheck: "false",
    autocomplete: "off", placeholder: '{"name": "...", "symbols": ["SPY"], "timeframe": "5Min", ...}',
  });
  const error = errorBox("strategy-error");
  const submit = el("button", { type: "submit", class: "button-primary", "data-test": "strategy-create" }, "Create strategy");
  let templates = [];

  loadTemplates().then((found) => {
    if (!isAlive()) return;
    templates = found;
    for (const template of found) picker.append(el("option", { value: template.id }, template.title));
  }).catch((failure) => {
    if (isAlive()) error.show(failure);
  });

  picker.addEventListener("change", () => {
    const chosen = templates.find((template) => template.id === picker.value);
    fill(description, chosen ? chosen.description : "");
    if (chosen) editor.value = JSON.stringify(chosen.definition, null, 2);
    error.hide();
  });

  async function create(event) {
    event.preventDefault();
    error.hide();
    const definition = definitionIn(editor, error);
    if (definition === undefined) {
      editor.focus();
      return;
    }
    try {
      const created = await busy(submit, () => ctx.api.post("/v2/strategies", definition));
      ctx.toast(`Strategy "${created.name}" created (version ${created.version}, inactive).`, "info");
      ctx.navigate(`#/strategies/${encodeURIComponent(created.id)}`);
    } catch (failure) {
      if (isAlive()) error.show(failure);
    }
  }

  return el("section", { class: "panel", "aria-labelledby": "strategy-new-title" },
    el("h2", { id: "strategy-new-title" }, "New strategy"),
    el("form", { class: "form form-stack", "data-test": "strategy-create-form", novalidate: "", on: { submit: create } },
      field("Template", picker),
      description,
      field("Definition (strategy/v1 JSON)", editor, "Edit the template, or paste a definition of your own; see the strategies guide."),
      error,
      el("div", { class: "form-actions" }, submit)));
}
