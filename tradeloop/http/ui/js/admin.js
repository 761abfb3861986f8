// The admin console at /admin: sign in with the admin key and a TOTP code, then the sections Accounts, Market,
// Journal and Audit log (hash routes #/accounts, #/accounts/<id>, #/market, #/journal, #/audit).
// The session token is held in js/admin/api.js's memory only; when it expires or a call answers 401 the console
// goes back to the sign-in form and says why. "Sign out" forgets it.
// data-test hooks:
//   sign-in               the sign-in form
//   admin-key             its admin key field
//   totp-code             its TOTP code field
//   sign-in-submit        its submit button
//   sign-in-error         its refusal box (the server's message; a wait in seconds when throttled)
//   sign-in-notice        why the console came back to the form (session expired, 401, signed out)
//   sign-out              the "Sign out" button
//   session-expiry        when the session ends
//   nav                   the section links (nav-accounts, nav-market, nav-journal, nav-audit)
//   view                  the current section (data-view="accounts" | "account" | "market" | "journal" | "audit")
//   toast                 a passing message (data-kind="info" | "error")

import {clear} from "./dom.js";
import {AdminError, onSessionEnd, sessionExpiry, signIn, signOut} from "./admin/api.js";
import {el, errorBox, field} from "./admin/forms.js";
import * as accounts from "./admin/accounts.js";
import * as account from "./admin/account.js";
import * as market from "./admin/market.js";
import * as journal from "./admin/journal.js";
import * as audit from "./admin/audit.js";

const SECTIONS = [["accounts", accounts], ["market", market], ["journal", journal], ["audit", audit]];
const TOAST_MS = 5000;
const TOASTS_SHOWN = 3;

const root = document.getElementById("root");
let cleanup = () => {};
let toasts = null;

function showSignIn(notice = "") {
  cleanup();
  cleanup = () => {};
  clear(root);
  const key = field("Admin key", {type: "password", name: "admin-key", autocomplete: "off", spellcheck: "false",
    required: true, "data-test": "admin-key"});
  const code = field("TOTP code", {name: "totp-code", inputmode: "numeric", autocomplete: "one-time-code",
    pattern: "[0-9]{6}", maxlength: "6", required: true, "data-test": "totp-code"},
  "The 6-digit code your authenticator app shows now. Each code opens one session.");
  const refusal = errorBox("sign-in-error");
  const submit = el("button", {type: "submit", class: "primary", "data-test": "sign-in-submit"}, "Sign in");
  const form = el("form", {class: "sign-in panel", "data-test": "sign-in", "aria-labelledby": "sign-in-head", novalidate: ""},
    el("h1", {id: "sign-in-head"}, "tradeloop admin"),
    notice ? el("p", {class: "state notice", role: "status", "data-test": "sign-in-notice"}, notice) : null,
    key.row, code.row, el("div", {class: "actions"}, submit), refusal.el,
    el("p", {class: "hint"}, "The session lasts as long as the server allows (15 minutes) and is kept only in this page: "
      + "reloading or closing it signs you out."));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    refusal.clear();
    const adminKey = key.input.value.trim();
    const totp = code.input.value.replace(/\s+/g, "");
    if (!adminKey || !totp) {
      refusal.show(new Error(adminKey ? "Enter the TOTP code." : "Enter the admin key."));
      (adminKey ? code.input : key.input).focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    try {
      await signIn(adminKey, totp);
      key.input.value = "";
      showConsole();
    } catch (error) {
      const wait = error instanceof AdminError && error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
      refusal.show(new Error(`${error.message}${wait}`));
      code.input.value = "";
      code.input.focus();
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
    }
  });
  root.append(el("main", {}, form));
  key.input.focus();
}

function showConsole() {
  clear(root);
  const expiry = sessionExpiry();
  const links = SECTIONS.map(([name, module]) =>
    el("a", {href: `#/${name}`, "data-test": `nav-${name}`, "data-section": name}, module.title));
  const nav = el("nav", {class: "nav", "aria-label": "Sections", "data-test": "nav"}, links);
  const main = el("main", {id: "main", tabindex: "-1"});
  toasts = el("div", {class: "toasts", role: "status", "aria-live": "polite"});
  const out = el("button", {type: "button", "data-test": "sign-out", on: {click: () => {
    signOut();
    leaveConsole("You are signed out.");
  }}}, "Sign out");
  root.append(
    el("a", {href: "#main", class: "skip-link", on: {click: (event) => {
      event.preventDefault();
      main.focus();
    }}}, "Skip to the section"),
    el("header", {class: "app-header"},
      el("a", {class: "brand", href: "#/accounts"}, "tradeloop admin"),
      el("span", {class: "session"},
        el("span", {class: "muted", "data-test": "session-expiry"},
          expiry ? `Session until ${expiry.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"})}` : ""),
        out)),
    nav,
    main,
    toasts,
  );

  const route = () => {
    const [name = "accounts", ...rest] = location.hash.replace(/^#\/?/, "").split("/");
    const arg = rest.map(decodeURIComponent).join("/");
    const known = SECTIONS.find(([section]) => section === name);
    const [viewName, module] = name === "accounts" && arg ? ["account", account] : known ? [name, known[1]] : ["accounts", accounts];
    for (const link of links) {
      if (link.dataset.section === (viewName === "account" ? "accounts" : viewName)) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    cleanup();
    clear(main);
    const view = el("div", {"data-view": viewName, "data-test": "view"});
    main.append(el("h1", {class: "visually-hidden"}, module.title), view);
    document.title = `${module.title} · tradeloop admin`;
    const done = module.render(view, {arg, toast, navigate: (hash) => {
      location.hash = hash;
    }});
    cleanup = () => {
      if (typeof done === "function") done();
    };
  };
  window.onhashchange = route;
  route();
}

function toast(text, kind = "info") {
  if (!toasts) return;
  const item = el("p", {class: `toast ${kind}`, "data-test": "toast", "data-kind": kind}, text);
  toasts.append(item);
  while (toasts.children.length > TOASTS_SHOWN) toasts.firstElementChild.remove();
  setTimeout(() => item.remove(), TOAST_MS);
}

/** Back to the sign-in form, saying why; the section in the address stays, so signing in again returns to it. */
function leaveConsole(message) {
  window.onhashchange = null;
  toasts = null;
  document.title = "tradeloop admin";
  showSignIn(message);
}

onSessionEnd(leaveConsole);

showSignIn();
