// The webhooks view of /app: the account's endpoints; add one (its secret shown once), send a test, rotate the
// secret, enable / disable, delete, and each endpoint's delivery log.
//
// data-test hooks:
//   webhook-form          the form adding an endpoint: webhook-url, webhook-events (comma-separated patterns),
//                         webhook-description; webhook-create sends it
//   webhook-error         the server's refusal text
//   webhook-secret        the box showing a secret once (after adding or rotating): webhook-secret-value holds it,
//                         webhook-secret-copy copies it, webhook-secret-dismiss hides it for good
//   webhooks              the endpoints table (rows carry data-webhook-id and data-status); webhooks-empty when none
//   webhook-test, webhook-rotate, webhook-toggle (enable/disable), webhook-delete, webhook-deliveries-open
//                         a row's actions
//   webhook-deliveries    the delivery log table of the chosen endpoint (webhook-deliveries-empty when none);
//                         webhook-deliveries-refresh reloads it
import { states, time } from "../dom.js";
import { busy, el, errorBox, field, fill, grid } from "./views_kit.js";

export const title = "Webhooks";

const TYPES = "alert.triggered, order.filled, order.canceled, order.rejected, risk.limit_warning, " +
  "risk.state_changed, strategy.signal, strategy.error, account.funds, webhook.disabled";

export function render(root, ctx) {
  let alive = true;
  const url = el("input", { type: "url", required: "", name: "url", autocomplete: "off", "data-test": "webhook-url", placeholder: "https://hooks.example.com/tradeloop" });
  const events = el("input", { type: "text", name: "events", value: "*", autocomplete: "off", "data-test": "webhook-events" });
  const description = el("input", { type: "text", name: "description", "data-test": "webhook-description" });
  const error = errorBox("webhook-error");
  const create = el("button", { type: "submit", class: "button-primary", "data-test": "webhook-create" }, "Add endpoint");
  const secretBox = el("div", { class: "secret-box", "data-test": "webhook-secret", role: "region", "aria-label": "Signing secret" });
  secretBox.hidden = true;
  const listBox = el("div", { "aria-live": "polite" });
  const deliveriesBox = el("section", { class: "panel", "aria-labelledby": "webhook-deliveries-title" });
  deliveriesBox.hidden = true;
  let shownDeliveries = null;

  // The secret, shown once: the server never shows it again.
  function showSecret(endpoint, what) {
    const value = el("code", { class: "secret", "data-test": "webhook-secret-value", tabindex: "0" }, endpoint.secret);
    const copy = el("button", { type: "button", class: "button-secondary", "data-test": "webhook-secret-copy" }, "Copy");
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(endpoint.secret);
        ctx.toast("Secret copied.", "info");
      } catch (failure) {
        ctx.toast("Copying was refused: select the secret and copy it by hand.", "error");
      }
    });
    const dismiss = el("button", { type: "button", class: "button-secondary", "data-test": "webhook-secret-dismiss" }, "I have saved it");
    dismiss.addEventListener("click", () => {
      fill(secretBox);
      secretBox.hidden = true;
    });
    fill(secretBox,
      el("p", {}, `${what} for ${endpoint.url}. Save it now in your receiver's configuration: it is shown only this once.`),
      el("div", { class: "secret-line" }, value, copy, dismiss));
    secretBox.hidden = false;
    value.focus();
  }

  async function add(event) {
    event.preventDefault();
    error.hide();
    const patterns = events.value.split(",").map((text) => text.trim()).filter(Boolean);
    try {
      const made = await busy(create, () => ctx.api.post("/v2/webhooks", {
        url: url.value.trim(), events: patterns, description: description.value,
      }));
      if (!alive) return;
      showSecret(made, "The signing secret");
      url.value = "";
      description.value = "";
      load();
    } catch (failure) {
      if (alive) error.show(failure);
    }
  }

  async function act(button, action, done) {
    try {
      const result = await busy(button, action);
      if (!alive) return;
      if (done) done(result);
      load();
    } catch (failure) {
      ctx.toast(failure.message, "error");
    }
  }

  function actions(endpoint) {
    const path = `/v2/webhooks/${encodeURIComponent(endpoint.id)}`;
    const test = el("button", { type: "button", class: "button-secondary", "data-test": "webhook-test" }, "Send test");
    test.addEventListener("click", () => act(test, () => ctx.api.post(`${path}/test`), (sent) => {
      ctx.toast(`Test message ${sent.message_id} queued.`, "info");
      if (shownDeliveries === endpoint.id) showDeliveries(endpoint);
    }));
    const rotate = el("button", { type: "button", class: "button-secondary", "data-test": "webhook-rotate" }, "Rotate secret");
    rotate.addEventListener("click", () => {
      if (!window.confirm("Make a new secret? The old one keeps signing for 24 hours.")) return;
      act(rotate, () => ctx.api.post(`${path}/rotate_secret`), (made) => showSecret(made, "The new signing secret"));
    });
    const enabled = endpoint.status === "enabled";
    const toggle = el("button", { type: "button", class: "button-secondary", "data-test": "webhook-toggle" }, enabled ? "Disable" : "Enable");
    toggle.addEventListener("click", () => act(toggle, () => ctx.api.patch(path, { enabled: !enabled }),
      (changed) => ctx.toast(`Endpoint ${changed.status}.`, "info")));
    const remove = el("button", { type: "button", class: "button-danger", "data-test": "webhook-delete" }, "Delete");
    remove.addEventListener("click", () => {
      if (!window.confirm(`Delete the endpoint ${endpoint.url}? What is still to be sent to it is dropped.`)) return;
      act(remove, () => ctx.api.delete(path), () => {
        ctx.toast("Endpoint deleted.", "info");
        if (shownDeliveries === endpoint.id) {
          shownDeliveries = null;
          deliveriesBox.hidden = true;
        }
      });
    });
    const log = el("button", { type: "button", class: "button-secondary", "data-test": "webhook-deliveries-open" }, "Deliveries");
    log.addEventListener("click", () => showDeliveries(endpoint));
    return el("div", { class: "row-actions" }, test, log, rotate, toggle, remove);
  }

  async function showDeliveries(endpoint) {
    shownDeliveries = endpoint.id;
    const body = el("div", { "aria-live": "polite" });
    const refresh = el("button", { type: "button", class: "button-secondary", "data-test": "webhook-deliveries-refresh" }, "Refresh");
    refresh.addEventListener("click", () => showDeliveries(endpoint));
    fill(deliveriesBox,
      el("div", { class: "panel-header" },
        el("h2", { id: "webhook-deliveries-title" }, `Deliveries to ${endpoint.url}`), refresh),
      body);
    deliveriesBox.hidden = false;
    states.loading(body);
    try {
      const attempts = await ctx.api.get(`/v2/webhooks/${encodeURIComponent(endpoint.id)}/deliveries`, { limit: 100 });
      if (!alive || shownDeliveries !== endpoint.id) return;
      fill(body, grid([
        { label: "When", cell: (a) => time(a.attempted_at) },
        { label: "Type", cell: (a) => a.type },
        { label: "Attempt", cell: (a) => String(a.attempt), numeric: true },
        { label: "Status", cell: (a) => (a.status_code === null ? "no answer" : String(a.status_code)) },
        { label: "Latency", cell: (a) => `${a.latency_ms} ms`, numeric: true },
        { label: "Error", cell: (a) => a.error || "—" },
        { label: "Message id", cell: (a) => el("span", { class: "mono small" }, a.message_id) },
      ], attempts, { empty: "No delivery attempt yet.", test: "webhook-deliveries", caption: "Delivery attempts" }));
    } catch (failure) {
      if (alive) states.failure(body, failure);
    }
  }

  async function load() {
    states.loading(listBox);
    try {
      const endpoints = await ctx.api.get("/v2/webhooks");
      if (!alive) return;
      fill(listBox, grid([
        { label: "URL", cell: (w) => el("span", { class: "mono small break" }, w.url) },
        { label: "Events", cell: (w) => w.events.join(", ") },
        { label: "Description", cell: (w) => w.description || "—" },
        { label: "Status", cell: (w) => el("span", {}, el("span", { class: `badge badge-${w.status}` }, w.status),
          w.disabled_reason ? ` ${w.disabled_reason}` : "") },
        { label: "Old secret until", cell: (w) => (w.previous_secret_expires_at ? time(w.previous_secret_expires_at) : "—") },
        { label: "Added", cell: (w) => time(w.created_at) },
        { label: "", cell: (w) => actions(w) },
      ], endpoints, {
        empty: "No endpoint yet.", test: "webhooks", caption: "Webhook endpoints",
        rowAttrs: (w) => ({ "data-webhook-id": w.id, "data-status": w.status }),
      }));
    } catch (failure) {
      if (alive) states.failure(listBox, failure);
    }
  }

  fill(root,
    el("header", { class: "view-header" }, el("h1", {}, "Webhooks")),
    secretBox,
    el("section", { class: "panel", "aria-labelledby": "webhook-new-title" },
      el("h2", { id: "webhook-new-title" }, "New endpoint"),
      el("form", { class: "form form-grid", "data-test": "webhook-form", novalidate: "", on: { submit: add } },
        field("URL", url, "A public https URL (the operator can allow private ones)."),
        field("Events", events, `Comma-separated: a type, a prefix such as order.*, or * for all. Types: ${TYPES}.`),
        field("Description", description),
        error,
        el("div", { class: "form-actions" }, create))),
    el("section", { class: "panel", "aria-labelledby": "webhook-list-title" },
      el("h2", { id: "webhook-list-title" }, "Endpoints"), listBox),
    deliveriesBox);
  load();
  return () => {
    alive = false;
  };
}
