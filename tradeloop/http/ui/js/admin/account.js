// One account's page (#/accounts/<id>): its figures; fund it (deposit, withdraw); disable or enable trading;
// rotate its keys (the new secret shown once); its risk limits and trading state (risk.js).
// data-test hooks:
//   account-detail        the account's summary (dl)
//   account-status        its status (ACTIVE / DISABLED)
//   account-cash          its cash
//   fund-form             the cash form; fund-amount, fund-description its fields; deposit, withdraw its buttons
//   fund-error            the cash form's refusal box
//   toggle-account        "Disable trading" / "Enable trading"; toggle-account-confirm does it
//   rotate-keys           "Rotate keys"; rotate-keys-confirm does it; the new pair in secret-once / secret-value
//   account-error         refusal of disable, enable or rotate
//   back-to-accounts      the link back to the list
//   risk-*                see risk.js

import {clear, money, states, time} from "../dom.js";
import {admin} from "./api.js";
import {busy, confirmButton, el, errorBox, field, secretOnce} from "./forms.js";
import {riskSection} from "./risk.js";

export const title = "Account";

export function render(root, ctx) {
  let alive = true;
  const id = ctx.arg;
  const base = `/admin/v1/accounts/${encodeURIComponent(id)}`;
  const summary = el("div", {"aria-live": "polite"});
  const controls = el("div", {class: "actions wrap"});
  const shown = el("div", {});
  const refusal = errorBox("account-error");
  const sections = el("div", {});

  async function load() {
    states.loading(summary);
    try {
      const accounts = await admin.get("/admin/v1/accounts");
      if (!alive) return;
      const account = accounts.find((candidate) => candidate.id === id);
      clear(summary);
      clear(controls);
      if (!account) {
        states.empty(summary, "No account has this id.");
        return;
      }
      summary.append(figures(account));
      controls.append(statusButton(account), rotateButton(account));
      if (!sections.hasChildNodes()) sections.append(fundSection(base, ctx, load), riskSection(base, ctx));
    } catch (error) {
      if (alive) states.failure(summary, error);
    }
  }

  function statusButton(account) {
    const disabled = account.status === "DISABLED";
    const verb = disabled ? "enable" : "disable";
    return confirmButton(
      disabled ? "Enable trading" : "Disable trading",
      disabled ? "Let this account trade again?" : "Stop this account trading now? It can still read and cancel.",
      disabled ? "Enable" : "Disable",
      async () => {
        refusal.clear();
        const changed = await admin.post(`${base}/${verb}`);
        ctx.toast(`Account ${changed.account_number} is ${changed.status}.`, "info");
        await load();
      },
      {attrs: {"data-test": "toggle-account", class: disabled ? "" : "danger"}, onError: (error) => refusal.show(error)},
    );
  }

  function rotateButton(account) {
    return confirmButton(
      "Rotate keys",
      "Issue a new key pair? The current one is refused at once.",
      "Rotate",
      async () => {
        refusal.clear();
        const keys = await admin.post(`${base}/keys`);
        clear(shown);
        shown.append(secretOnce(`New keys of ${account.account_number}`, [
          ["API key id", keys.key_id, "secret-key-id"],
          ["API secret key", keys.secret_key, "secret-value"],
        ]));
        ctx.toast("New keys issued; the old pair no longer works.", "info");
        await load();
      },
      {attrs: {"data-test": "rotate-keys"}, onError: (error) => refusal.show(error)},
    );
  }

  root.append(
    el("p", {}, el("a", {href: "#/accounts", "data-test": "back-to-accounts"}, "← All accounts")),
    el("section", {class: "panel", "aria-labelledby": "account-head"},
      el("h2", {id: "account-head"}, "Account"), summary, controls, refusal.el, shown),
    sections,
  );
  load();
  return () => {
    alive = false;
  };
}

function figures(account) {
  const rows = [
    ["Account number", account.account_number, null],
    ["Account id", account.id, null],
    ["API key id", account.key_id, null],
    ["Status", account.status || "", "account-status"],
    ["Cash", money(account.cash), "account-cash"],
    ["Equity", money(account.equity), null],
    ["Opened", time(account.created_at), null],
  ];
  return el("dl", {class: "pairs", "data-test": "account-detail"},
    rows.map(([label, value, test]) => [el("dt", {}, label), el("dd", {"data-test": test}, value)]));
}

function fundSection(base, ctx, reload) {
  const amount = field("Amount (USD)", {name: "amount", inputmode: "decimal", autocomplete: "off", required: true,
    "data-test": "fund-amount"});
  const description = field("Description (optional)", {name: "description", maxlength: "200", autocomplete: "off",
    "data-test": "fund-description"});
  const refusal = errorBox("fund-error");
  const deposit = el("button", {type: "submit", class: "primary", "data-test": "deposit", value: "deposits"}, "Deposit");
  const withdraw = el("button", {type: "submit", "data-test": "withdraw", value: "withdrawals"}, "Withdraw");
  const form = el("form", {class: "inline-form", "data-test": "fund-form", "aria-label": "Move cash", novalidate: ""},
    amount.row, description.row, el("div", {class: "actions"}, deposit, withdraw), refusal.el);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    refusal.clear();
    // Enter in a field submits as a deposit, the form's first button.
    const button = event.submitter === withdraw ? withdraw : deposit;
    const value = amount.input.value.trim();
    if (!value) {
      refusal.show(new Error("Enter an amount."));
      amount.input.focus();
      return;
    }
    try {
      const moved = await busy(button, () => admin.post(`${base}/${button.value}`, {
        amount: value, description: description.input.value.trim(),
      }));
      if (amount.input.value.trim() === value) amount.input.value = "";
      description.input.value = "";
      const what = moved.activity_type === "CSD" ? "Deposited" : "Withdrew";
      ctx.toast(`${what} ${money(moved.net_amount.replace(/^-/, ""))}; cash is now ${money(moved.cash)}.`, "info");
      await reload();
    } catch (error) {
      refusal.show(error);
    }
  });
  return el("section", {class: "panel", "aria-labelledby": "fund-head"},
    el("h2", {id: "fund-head"}, "Fund"),
    el("p", {class: "hint"}, "Deposits and withdrawals are account activities (CSD, CSW) the account sees with their description. "
      + "A withdrawal takes at most the buying power (cash not held by open orders)."),
    form);
}
