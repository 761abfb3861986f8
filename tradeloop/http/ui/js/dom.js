// Building elements, the loading/empty/error states and the number formatters of /app and /admin.
// Every value from the API goes into the page as text (text nodes, setAttribute), never as markup.

// h("button", {class: "primary", on: {click: fn}, "data-test": "x"}, "text", child, [more children])
// Attributes: `on` adds listeners; `class`, `for`, aria-* and data-* are attributes; a boolean true sets an empty
// attribute and false/null/undefined leaves it out; `value`, `checked`, `disabled`, `selected` are set as properties.
// Children: strings and numbers become text nodes; null/undefined/false are skipped; arrays are flattened.
const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "indeterminate"]);

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "on") {
      for (const [event, handler] of Object.entries(value || {})) element.addEventListener(event, handler);
    } else if (PROPERTIES.has(name)) {
      element[name] = value;
    } else if (value === true) {
      element.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.append(child);
    else element.append(document.createTextNode(String(child)));
  }
}

// Removes every child of `element`; returns it.
export function clear(element) {
  while (element.firstChild) element.removeChild(element.firstChild);
  return element;
}

// Replaces the children of `element` with `children` (as h() takes them); returns it.
export function replace(element, ...children) {
  clear(element);
  append(element, children);
  return element;
}

// Disables a button while an action runs, so a double click never sends twice; returns the action's result.
export async function busy(button, action) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// A table of `rows`: columns are {label, cell: (row) => Node|string, numeric?: bool}; `empty` is shown instead when
// there are no rows. Options: test (data-test of the table), caption (read by screen readers), rowAttrs(row).
export function table(columns, rows, { empty = "Nothing here yet.", test = null, caption = null, rowAttrs = null } = {}) {
  if (!rows.length) return h("p", { class: "state state-empty", "data-test": test ? `${test}-empty` : null }, empty);
  return h("div", { class: "table-scroll" },
    h("table", { class: "table", "data-test": test },
      caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col", class: column.numeric ? "num" : null }, column.label)))),
      h("tbody", {}, rows.map((row) => h("tr", rowAttrs ? rowAttrs(row) : {}, columns.map((column) => {
        const value = column.cell(row);
        return h("td", { class: column.numeric ? "num" : null, "data-label": column.label || null }, value === null || value === undefined || value === "" ? "—" : value);
      }))))));
}

// The three states of anything loaded: each replaces the children of `element`.
export const states = {
  loading(element, text = "Loading…") {
    return replace(element, h("p", { class: "state state-loading", role: "status", "aria-busy": "true" }, text));
  },
  empty(element, text = "Nothing here yet.") {
    return replace(element, h("p", { class: "state state-empty" }, text));
  },
  failure(element, error) {
    const text = error && error.message ? error.message : String(error);
    return replace(element, h("p", { class: "state state-error", role: "alert", "data-test": "error" }, text));
  },
};

// Formatters of the API's decimal strings, for display only: digits are grouped and rounded as text, never through
// floating point, so "12345678.905" shows as "12,345,678.91" exactly.
function parts(value) {
  const text = String(value ?? "").trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) return null;
  return { negative: match[1] === "-", whole: match[2].replace(/^0+(?=\d)/, "") || "0", fraction: match[3] ?? "" };
}

function roundTo({ negative, whole, fraction }, places) {
  if (fraction.length <= places) return { negative, whole, fraction: fraction.padEnd(places, "0") };
  const digits = (whole + fraction.slice(0, places)).split("").map(Number);
  if (Number(fraction[places]) >= 5) {
    let i = digits.length - 1;
    while (i >= 0) {
      if (digits[i] === 9) { digits[i] = 0; i -= 1; } else { digits[i] += 1; break; }
    }
    if (i < 0) digits.unshift(1);
  }
  const cut = digits.length - places;
  return { negative, whole: digits.slice(0, cut).join("") || "0", fraction: digits.slice(cut).join("") };
}

function group(whole) {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function show({ negative, whole, fraction }, { sign = false } = {}) {
  const zero = /^0*$/.test(whole + fraction);
  const prefix = negative && !zero ? "−" : sign && !zero ? "+" : "";
  return prefix + group(whole) + (fraction ? "." + fraction : "");
}

// "1234.5" → "$1,234.50"; "-3.456" → "−$3.46"; places: 2 (more for sub-dollar prices when asked).
export function money(value, { places = 2, sign = false } = {}) {
  const found = parts(value);
  if (!found) return value === null || value === undefined || value === "" ? "—" : String(value);
  const shown = show(roundTo(found, places), { sign });
  return shown.replace(/^([−+]?)/, "$1$");
}

// A price: like money, with up to four places when the value has them.
export function price(value) {
  const found = parts(value);
  if (!found) return money(value);
  const places = Math.min(Math.max(2, found.fraction.replace(/0+$/, "").length), 4);
  return money(value, { places });
}

// "10.500000000" → "10.5"; "-3" → "−3"; grouped, trailing zeros dropped.
export function qty(value) {
  const found = parts(value);
  if (!found) return value === null || value === undefined || value === "" ? "—" : String(value);
  return show({ ...found, fraction: found.fraction.replace(/0+$/, "") });
}

// A fraction ("0.0123") as a percentage ("1.23%"); signed with `sign`.
export function pct(value, { places = 2, sign = false } = {}) {
  const found = parts(value);
  if (!found) return value === null || value === undefined || value === "" ? "—" : String(value);
  const fraction = found.fraction.padEnd(2, "0");
  const shifted = { negative: found.negative, whole: (found.whole + fraction.slice(0, 2)).replace(/^0+(?=\d)/, ""), fraction: fraction.slice(2) };
  return show(roundTo(shifted, places), { sign }) + "%";
}

// The sign of a decimal string: -1, 0 or 1 (for colouring gains and losses).
export function signOf(value) {
  const found = parts(value);
  if (!found || /^0*$/.test(found.whole + found.fraction)) return 0;
  return found.negative ? -1 : 1;
}

// An RFC 3339 time in the browser's locale and time zone.
export function time(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

// A class for a figure that gains or loses: "gain", "loss" or "".
export function tone(value) {
  const sign = signOf(value);
  return sign > 0 ? "gain" : sign < 0 ? "loss" : "";
}
