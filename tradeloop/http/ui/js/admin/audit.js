// Section "Audit log" (#/audit): admin actions, newest first (GET /admin/v1/audit), a page at a time.
// Each page is read from the server: the next older one with the last entry's `id` as `page_token`. The console
// keeps the tokens of the pages it has shown (to go back newer) and asks for one more entry than it shows, to
// know whether an older page exists.
// data-test hooks:
//   audit                 the audit table (one <tr data-test="audit-row"> per entry)
//   audit-older, audit-newer   the paging buttons; audit-page the page's position text
//   audit-refresh         reloads the newest page

import {clear, states, time} from "../dom.js";
import {admin} from "./api.js";
import {el} from "./forms.js";

export const title = "Audit log";

const PAGE = 25;

export function render(root) {
  let alive = true;
  let page = 0;
  const tokens = [null]; // tokens[n]: the page_token of page n (null: the newest page)
  const holder = el("div", {class: "table-wrap", "aria-live": "polite"});
  const position = el("span", {"data-test": "audit-page"});
  const newer = el("button", {type: "button", "data-test": "audit-newer", on: {click: () => go(page - 1)}}, "← Newer");
  const older = el("button", {type: "button", "data-test": "audit-older", on: {click: () => go(page + 1)}}, "Older →");
  newer.disabled = true;
  older.disabled = true;

  async function go(target) {
    newer.disabled = true;
    older.disabled = true;
    states.loading(holder);
    try {
      const query = {limit: PAGE + 1};
      if (tokens[target]) query.page_token = tokens[target];
      const entries = await admin.get("/admin/v1/audit", query);
      if (!alive) return;
      page = target;
      const rows = entries.slice(0, PAGE);
      tokens.length = page + 1;
      if (entries.length > PAGE) tokens.push(rows[rows.length - 1].id);
      clear(holder);
      if (!rows.length) {
        states.empty(holder, page === 0 ? "No admin action yet." : "No older action.");
      } else {
        holder.append(auditTable(rows));
      }
      const first = page * PAGE + 1;
      position.textContent = rows.length ? `Actions ${first}–${first + rows.length - 1}, newest first` : "";
      newer.disabled = page === 0;
      older.disabled = entries.length <= PAGE;
    } catch (error) {
      if (alive) states.failure(holder, error);
      newer.disabled = page === 0;
    }
  }

  root.append(el("section", {class: "panel", "aria-labelledby": "audit-head"},
    el("div", {class: "panel-head"},
      el("h2", {id: "audit-head"}, "Audit log"),
      el("button", {type: "button", "data-test": "audit-refresh", on: {click: () => go(0)}}, "Refresh")),
    el("p", {class: "hint"}, "Every admin action, written in the same transaction as the change it records."),
    holder,
    el("nav", {class: "pager", "aria-label": "Audit log pages"}, newer, position, older)));
  go(0);
  return () => {
    alive = false;
  };
}

function auditTable(entries) {
  return el("table", {class: "data", "data-test": "audit"},
    el("caption", {class: "visually-hidden"}, "Admin actions, newest first"),
    el("thead", {}, el("tr", {}, ["When", "Action", "Target", "Detail", "By"].map((text) => el("th", {scope: "col"}, text)))),
    el("tbody", {}, entries.map((entry) => el("tr", {"data-test": "audit-row"},
      el("td", {"data-label": "When"}, el("time", {datetime: entry.at}, time(entry.at))),
      el("td", {"data-label": "Action"}, entry.action),
      el("td", {"data-label": "Target"}, el("code", {}, entry.target)),
      el("td", {"data-label": "Detail"}, detail(entry.detail)),
      el("td", {"data-label": "By"}, entry.actor)))));
}

function detail(fields) {
  const pairs = Object.entries(fields || {});
  if (!pairs.length) return "—";
  return el("ul", {class: "detail"}, pairs.map(([name, value]) => el("li", {}, el("span", {class: "muted"}, `${name}: `), value)));
}
