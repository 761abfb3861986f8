// Section "Accounts" (#/accounts): every account with its status, cash and equity, and a form that opens a new one
// (its key id and secret key shown once). Each row links to the account's page (#/accounts/<id>, account.js).
// data-test hooks:
//   accounts                 the accounts table (one <tr data-test="account-row" data-account-id="..."> per account)
//   account-status           a row's status cell (ACTIVE / DISABLED)
//   manage-account           a row's link to the account's page
//   create-account           the create-account form
//   create-account-cash      its cash field (empty: the server's demo cash)
//   create-account-submit    its submit button
//   create-account-error     its refusal box
//   secret-once, secret-value, secret-key-id, secret-account-id   the new account's credentials, shown once
//   accounts-refresh         reloads the table

import {clear, money, states, time} from "../dom.js";
import {admin} from "./api.js";
import {actionForm, el, field, secretOnce} from "./forms.js";

export const title = "Accounts";

export function render(root, ctx) {
  let alive = true;
  const tableHolder = el("div", {class: "table-wrap", "aria-live": "polite"});
  const created = el("div", {class: "created"});

  const cash = field("Opening cash (USD)", {
    name: "cash", inputmode: "decimal", autocomplete: "off", placeholder: "the demo cash", "data-test": "create-account-cash",
  });
  const {form} = actionForm({class: "inline-form", "data-test": "create-account", "aria-label": "Open an account"}, [cash.row], {
    submit: {label: "Open account", attrs: {"data-test": "create-account-submit"}},
    errorTest: "create-account-error",
    action: async () => {
      const amount = cash.input.value.trim();
      const opened = await admin.post("/admin/v1/accounts", amount ? {cash: amount} : {});
      cash.input.value = "";
      clear(created);
      created.append(secretOnce("New account", [
        ["Account number", opened.account_number],
        ["Account id", opened.id, "secret-account-id"],
        ["API key id", opened.key_id, "secret-key-id"],
        ["API secret key", opened.secret_key, "secret-value"],
      ], () => cash.input.focus()));
      ctx.toast(`Account ${opened.account_number} opened with ${money(opened.cash)}.`, "info");
      await load();
    },
  });

  async function load() {
    states.loading(tableHolder);
    try {
      const accounts = await admin.get("/admin/v1/accounts");
      if (!alive) return;
      clear(tableHolder);
      if (accounts.length === 0) {
        states.empty(tableHolder, "No account yet: open one above.");
        return;
      }
      tableHolder.append(accountsTable(accounts));
    } catch (error) {
      if (alive) states.failure(tableHolder, error);
    }
  }

  root.append(
    el("section", {class: "panel", "aria-labelledby": "accounts-open"},
      el("h2", {id: "accounts-open"}, "Open an account"),
      el("p", {class: "hint"}, "Its API key id and secret key are shown once, here. Leave the cash empty for the server's demo cash."),
      form, created),
    el("section", {class: "panel", "aria-labelledby": "accounts-all"},
      el("div", {class: "panel-head"},
        el("h2", {id: "accounts-all"}, "All accounts"),
        el("button", {type: "button", "data-test": "accounts-refresh", on: {click: () => load()}}, "Refresh")),
      tableHolder),
  );
  load();
  return () => {
    alive = false;
  };
}

function accountsTable(accounts) {
  const head = ["Account", "Key id", "Status", "Cash", "Equity", "Opened", ""];
  return el("table", {class: "data", "data-test": "accounts"},
    el("caption", {class: "visually-hidden"}, "Every account, oldest first"),
    el("thead", {}, el("tr", {}, head.map((text) => el("th", {scope: "col"}, text)))),
    el("tbody", {}, accounts.map((account) => el("tr", {"data-test": "account-row", "data-account-id": account.id},
      el("th", {scope: "row", "data-label": "Account"}, account.account_number),
      el("td", {"data-label": "Key id"}, el("code", {}, account.key_id)),
      el("td", {"data-label": "Status", "data-test": "account-status"},
        el("span", {class: `badge ${account.status === "DISABLED" ? "bad" : "good"}`}, account.status || "")),
      el("td", {class: "num", "data-label": "Cash"}, money(account.cash)),
      el("td", {class: "num", "data-label": "Equity"}, money(account.equity)),
      el("td", {"data-label": "Opened"}, time(account.created_at)),
      el("td", {}, el("a", {href: `#/accounts/${encodeURIComponent(account.id)}`, "data-test": "manage-account",
        "aria-label": `Manage account ${account.account_number}`}, "Manage")),
    ))));
}
