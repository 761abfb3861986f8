// Small building blocks shared by the dashboard's views (strategies, alerts, notifications, webhooks, reports, account, orders, positions).
// Everything here builds elements with dom.js h() and sets text, never markup: API values stay text.
import { busy, clear, h, table } from "../dom.js";
import { coalesce } from "../stream.js";

// Disables a button while an action runs (dom.js), so a double click never sends twice.
export { busy };

// h() with null/false children dropped and arrays flattened, so optional parts read naturally.
export function el(tag, attrs, ...children) {
  const kids = children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false);
  const kept = {};
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) kept[name] = value;
  }
  return h(tag, kept, ...kids);
}

// Replaces an element's children.
export function fill(target, ...children) {
  clear(target);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    target.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return target;
}

// A table inside a horizontally scrolling wrapper (phone widths): dom.js table(columns, rows, options), where
// columns are {label, cell(row) -> Node|string, numeric?} and options {empty, test, caption, rowAttrs}.
export const grid = table;

// A labelled control: the label wraps it, so clicking the text focuses it.
export function field(label, control, hint = null) {
  return el("label", { class: "field" }, el("span", { class: "field-label" }, label), control,
    hint ? el("span", { class: "field-hint" }, hint) : null);
}

// A select with [value, label] options.
export function select(attrs, options, selected = null) {
  const node = el("select", attrs, options.map(([value, label]) => el("option", { value }, label)));
  if (selected !== null) node.value = selected;
  return node;
}

// A box for a refusal or failure text, announced to screen readers; show(error|string) / hide().
export function errorBox(test) {
  const box = el("p", { class: "form-error", role: "alert", "data-test": test });
  box.hidden = true;
  return Object.assign(box, {
    show(error) {
      fill(box, typeof error === "string" ? error : (error && error.message) || String(error));
      box.hidden = false;
    },
    hide() {
      fill(box);
      box.hidden = true;
    },
  });
}

// A JSON number that is a fraction (0.05) as a percent text; null as a dash. Display only, never money.
export function ratio(value, digits = 2) {
  if (value === null || value === undefined) return "—";
  return `${signed((Number(value) * 100).toFixed(digits))}%`;
}

// A JSON number (a Sharpe ratio, a count) as text; null as a dash.
export function number(value, digits = 4) {
  if (value === null || value === undefined) return "—";
  return signed(Number.isInteger(value) ? String(value) : Number(value).toFixed(digits));
}

// A fixed-point text with a true minus sign, as dom.js shows money; a value that rounds to zero has no sign.
function signed(text) {
  if (/^-0(\.0*)?$/.test(text)) return text.slice(1);
  return text.startsWith("-") ? `−${text.slice(1)}` : text;
}

// A span of seconds as days and hours.
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const total = Math.round(Number(seconds));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (days) return `${days}d ${hours}h`;
  if (hours) return `${hours}h ${minutes}m`;
  return `${minutes}m`;
}

// A datetime-local input's value (local time) as RFC 3339 UTC; "" stays "".
export function utcFromLocal(value) {
  return value ? new Date(value).toISOString() : "";
}

// A Date as a datetime-local input's value, in local time, to the minute.
export function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// A query object without empty values.
export function compact(query) {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== "" && value !== null && value !== undefined));
}

// Key/value pairs as a description list: pairs are [label, value, test?].
export function facts(pairs, test = null) {
  return el("dl", { class: "facts", "data-test": test },
    pairs.map(([label, value, hook]) => el("div", { class: "fact" },
      el("dt", {}, label),
      el("dd", hook ? { "data-test": hook } : {}, value === null || value === undefined ? "—" : value))));
}

// Pretty JSON as text in a <pre>.
export function jsonBlock(value, test = null) {
  return el("pre", { class: "json", "data-test": test, tabindex: "0" }, JSON.stringify(value, null, 2));
}

function clickLink(href, download) {
  const link = el("a", { href, rel: "noopener" });
  if (download) link.setAttribute("download", download);
  else link.setAttribute("target", "_blank");
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The new tab or the download reads the Blob after the click; free it once it surely has.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

// Opens text (a self-contained HTML report) in a new tab from a Blob URL: no request leaves the origin.
export function openBlob(text, type = "text/html") {
  clickLink(URL.createObjectURL(new Blob([text], { type })), null);
}

// Saves text as a file (CSV, HTML) through a Blob URL and the download attribute.
export function downloadBlob(text, filename, type) {
  clickLink(URL.createObjectURL(new Blob([text], { type })), filename);
}

// Runs fn every `ms` until stop() is called; the returned stop is safe to call twice.
export function every(ms, fn) {
  const id = setInterval(fn, ms);
  return () => clearInterval(id);
}

// Keeps a view current: onTrade runs on trade updates (once per burst, as coalesce() groups them) and poll every
// `ms`; returns stop(), which ends both.
export function followTrades(ctx, onTrade, poll, ms) {
  const refresh = coalesce(onTrade);
  const unsubscribe = ctx.trading.on("trade_updates", () => {
    refresh.trigger();
  });
  const timer = setInterval(poll, ms);
  return () => {
    unsubscribe();
    clearInterval(timer);
    refresh.cancel();
  };
}

// The strategy definition in `editor`, parsed; on a JSON syntax error shows it in `error` and returns undefined.
export function definitionIn(editor, error) {
  try {
    return JSON.parse(editor.value);
  } catch (failure) {
    error.show(`The definition is not valid JSON: ${failure.message}`);
    return undefined;
  }
}
