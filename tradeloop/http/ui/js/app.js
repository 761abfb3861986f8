// The entry point of /app: sign-in, the header with the account's summary, the nav, the hash router and the toasts.
//
// data-test hooks:
//   sign-in (the form), sign-in-key, sign-in-secret, sign-in-submit, sign-in-error (the refusal text)
//   header-equity, header-cash, header-buying-power (the header's figures), live (the trading stream's state,
//   data-state: connecting | open | closed), sign-out, nav (links: nav-<view>), view (the view's element, with
//   data-view="<name>"), toast (each toast, data-kind: info | error)
import { Api, ApiError, credentials } from "./api.js";
import { h, clear, money, price, qty, replace, states } from "./dom.js";
import { MarketFeed, TradingFeed, coalesce } from "./stream.js";
import * as account from "./views/account.js";
import * as positions from "./views/positions.js";
import * as orders from "./views/orders.js";
import * as ticket from "./views/ticket.js";
import * as chart from "./views/chart.js";
import * as strategies from "./views/strategies.js";
import * as alerts from "./views/alerts.js";
import * as notifications from "./views/notifications.js";
import * as webhooks from "./views/webhooks.js";
import * as reports from "./views/reports.js";

const VIEWS = { account, positions, orders, ticket, chart, strategies, alerts, notifications, webhooks, reports };
const HOME = "account";
const TOAST_MS = 6000;
const SUMMARY_REFRESH_MS = 15000;

const root = document.getElementById("root");
let session = null; // {api, trading, market, shell parts, cleanup, timers}

// Toasts: a polite live region, each toast gone after a few seconds (errors stay longer).
function toaster() {
  const region = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
  document.body.append(region);
  const toast = (text, kind = "info") => {
    const item = h("div", { class: `toast ${kind === "error" ? "error" : "info"}`, "data-test": "toast", "data-kind": kind }, String(text));
    region.append(item);
    setTimeout(() => item.remove(), kind === "error" ? TOAST_MS * 2 : TOAST_MS);
  };
  return { region, toast };
}
const toasts = toaster();

function parseHash() {
  const path = (location.hash || "").replace(/^#\/?/, "");
  const [name, ...rest] = path.split("/");
  return { name: name || HOME, arg: rest.length ? rest.join("/") : null };
}

function navigate(hash) {
  const target = hash.startsWith("#") ? hash : `#${hash.startsWith("/") ? "" : "/"}${hash}`;
  if (location.hash === target) route();
  else location.hash = target;
}

function signInForm(message = null) {
  const keyId = h("input", { id: "sign-in-key", name: "key_id", autocomplete: "username", required: true, spellcheck: "false", "data-test": "sign-in-key" });
  const secret = h("input", { id: "sign-in-secret", name: "secret_key", type: "password", autocomplete: "current-password", required: true, "data-test": "sign-in-secret" });
  const submit = h("button", { type: "submit", class: "primary", "data-test": "sign-in-submit" }, "Sign in");
  const error = h("p", { class: "form-error", role: "alert", "data-test": "sign-in-error" }, message || "");
  const form = h("form", { class: "form form-stack", "data-test": "sign-in", "aria-labelledby": "sign-in-title" },
    h("label", { class: "field", for: "sign-in-key" }, h("span", {}, "API key id"), keyId),
    h("label", { class: "field", for: "sign-in-secret" }, h("span", {}, "API secret key"), secret),
    error,
    h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(error);
    submit.disabled = true;
    const keys = { keyId: keyId.value.trim(), secretKey: secret.value.trim() };
    try {
      const found = await new Api(keys).get("/v2/account");
      credentials.save(keys);
      start(keys, found);
    } catch (failure) {
      replace(error, failure instanceof ApiError && failure.status === 401
        ? `Sign-in refused: ${failure.message}`
        : failure.message);
      submit.disabled = false;
      secret.focus();
    }
  });
  replace(root, h("main", { class: "main" },
    h("section", { class: "panel sign-in" },
      h("h1", { id: "sign-in-title" }, "tradeloop"),
      h("p", { class: "hint" }, "Sign in with your account's API key id and secret (the server prints a demo key when it starts). They are kept in this tab only and forgotten when you sign out or close it."),
      form)));
  keyId.focus();
}

function figure(label, test) {
  const value = h("span", { class: "figure-value-inline", "data-test": test }, "—");
  return { element: h("span", {}, h("span", { class: "figure-label" }, label), value), value };
}

function shell() {
  const equity = figure("Equity", "header-equity");
  const cash = figure("Cash", "header-cash");
  const power = figure("Buying power", "header-buying-power");
  const live = h("span", { class: "live-state", "data-test": "live", "data-state": "connecting", title: "Live updates from the trading stream" }, "connecting…");
  const signOut = h("button", { type: "button", "data-test": "sign-out", on: { click: signOutNow } }, "Sign out");
  const links = Object.entries(VIEWS).map(([name, module]) => h("a", { href: `#/${name}`, "data-test": `nav-${name}` }, module.title || name));
  const main = h("main", { class: "main", id: "main", tabindex: "-1" });
  replace(root,
    h("a", { class: "skip-link", href: "#main", on: { click: (event) => { event.preventDefault(); main.focus(); } } }, "Skip to content"),
    h("header", { class: "app-header" },
      h("a", { class: "brand", href: `#/${HOME}` }, "tradeloop"),
      h("div", { class: "summary", "aria-label": "Account summary" }, equity.element, cash.element, power.element, live),
      signOut),
    h("nav", { class: "nav", "aria-label": "Views", "data-test": "nav" }, links),
    main);
  return { equity: equity.value, cash: cash.value, power: power.value, live, links, main };
}

function showSummary(found) {
  if (!session || !found) return;
  replace(session.parts.equity, money(found.equity));
  replace(session.parts.cash, money(found.cash));
  replace(session.parts.power, money(found.buying_power));
}

async function refreshSummary() {
  if (!session) return;
  const current = session;
  try {
    const found = await current.api.get("/v2/account");
    if (session === current) showSummary(found);
  } catch (failure) {
    if (session === current && failure instanceof ApiError && failure.status === 401) signOutNow(failure.message);
  }
}

function start(keys, found) {
  stop();
  const api = new Api(keys);
  const trading = new TradingFeed(keys);
  const market = new MarketFeed(keys);
  const parts = shell();
  session = { api, trading, market, parts, cleanup: null, timers: [], unsubscribe: [] };
  showSummary(found);
  const refresh = coalesce(refreshSummary); // fills come in bursts: one refresh for a burst
  session.unsubscribe.push(trading.on("trade_updates", refresh.trigger), refresh.cancel);
  session.unsubscribe.push(trading.on("trade_updates", (update) => {
    const order = (update && update.order) || {};
    if (update && (update.event === "fill" || update.event === "partial_fill")) {
      const amount = update.qty ? ` ${qty(update.qty)}` : "";
      toasts.toast(`${update.event === "fill" ? "Filled" : "Partly filled"}: ${order.side}${amount} ${order.symbol}${update.price ? ` at ${price(update.price)}` : ""}.`, "info");
    }
  }));
  session.unsubscribe.push(trading.on("status", (status) => {
    parts.live.setAttribute("data-state", status);
    parts.live.className = `live-state ${status}`;
    replace(parts.live, status === "open" ? "live" : status === "connecting" ? "connecting…" : "reconnecting…");
  }));
  session.timers.push(setInterval(refreshSummary, SUMMARY_REFRESH_MS));
  route();
}

function stop() {
  if (!session) return;
  const ending = session;
  session = null;
  if (ending.cleanup) safely(ending.cleanup);
  for (const timer of ending.timers) clearInterval(timer);
  for (const unsubscribe of ending.unsubscribe) unsubscribe();
  ending.trading.close();
  ending.market.close();
}

function safely(fn) {
  try {
    fn();
  } catch (error) {
    console.warn("a view's cleanup failed", error);
  }
}

function signOutNow(message = null) {
  stop();
  credentials.forget();
  if (location.hash) history.replaceState(null, "", location.pathname);
  const why = typeof message === "string" ? message : null; // a click passes its event
  signInForm(why);
  if (!why) toasts.toast("Signed out: the keys are forgotten.", "info");
}

function route() {
  if (!session) return;
  const { name, arg } = parseHash();
  const module = VIEWS[name];
  if (session.cleanup) safely(session.cleanup);
  session.cleanup = null;
  const main = session.parts.main;
  clear(main);
  for (const link of session.parts.links) {
    if (link.getAttribute("href") === `#/${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!module) {
    states.failure(main, new Error(`There is no view named “${name}”.`));
    return;
  }
  document.title = `${module.title || name} · tradeloop`;
  const element = h("section", { "data-view": name, "data-test": "view", "aria-label": module.title || name });
  main.append(element);
  const ctx = {
    api: session.api,
    trading: session.trading,
    market: session.market,
    navigate,
    toast: toasts.toast,
    arg,
  };
  try {
    const cleanup = module.render(element, ctx);
    session.cleanup = typeof cleanup === "function" ? cleanup : null;
  } catch (error) {
    console.warn("a view failed to render", error);
    states.failure(element, error);
  }
}

window.addEventListener("hashchange", route);

// Start: with the tab's saved keys, checked again (they may have been rotated); else the sign-in form.
(async () => {
  const saved = credentials.load();
  if (!saved) {
    signInForm();
    return;
  }
  states.loading(root);
  try {
    start(saved, await new Api(saved).get("/v2/account"));
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) credentials.forget();
    signInForm(failure.message);
  }
})();
