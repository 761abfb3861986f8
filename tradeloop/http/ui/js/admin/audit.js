// Section "Audit log" (#/audit): admin actions, newest first (GET /admin/v1/audit), a page at a time.
// The API returns the newest `limit` entries (at most 1000), so a page is a slice of the newest ones: the console
// asks for one more than it shows, to know whether an older page exists.
// data-test hooks:
//   audit                 the audit table (one <tr data-test="audit-row"> per entry)
//   audit-older, audit-newer   the paging buttons; audit-page the page's position text
//   audit-refresh         reloads the newest page

import {clear, states, time} from "../dom.js";
import {admin} from "./api.js";
import {el} from "./forms.js";

export const title = "Audit log";

const PAGE = 25;
const MOST = 1000;

export function render(root) {
  let alive = true;
  let page = 0;
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
      const limit = Math.min(MOST, (target + 1) * PAGE + 1);
      const entries = await admin.get("/admin/v1/audit", {limit});
      if (!alive) return;
      page = target;
      const rows = entries.slice(page * PAGE, (page + 1) * PAGE);
      clear(holder);
      if (!rows.length) {
        states.empty(holder, page === 0 ? "No admin action yet." : "No older action.");
      } else {
        holder.append(auditTable(rows));
      }
      const first = page * PAGE + 1;
      position.textContent = rows.length ? `Actions ${first}–${first + rows.length - 1}, newest first` : "";
      newer.disabled = page === 0;
      older.disabled = entries.length <= (page + 1) * PAGE || (page + 1) * PAGE >= MOST;
    } catch (error) {
      if (alive) states.failure(holder, error);
      newer.disabled = page === 0;
    }
  }

  root.append(el("section", {class: "panel", "aria-labelledby": "audit-head"},
    el("div", {class: "panel-head"},
      el("h2", {id: "audit-head"}, "Audit log"),
      el("button", {type: "button", "data-test": "audit-refresh", on: {click: () => go(0)}}, "Refresh")),
    el("p", {class: "hint"}, "Every admin action, written in the same transaction as the change it records. The newest 1000 can be paged."),
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
