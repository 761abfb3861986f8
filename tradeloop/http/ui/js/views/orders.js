// The orders view of /app: open orders (GET /v2/orders?status=open, legs nested), cancel one (DELETE /v2/orders/{id})
// or all, replace one (PATCH /v2/orders/{id}: qty, limit, stop, trail, time in force), and the latest closed orders.
// Read again on every trade update from the trading stream.
//
// data-test hooks:
//   open-orders (the table; each row data-order-id, data-symbol, data-status), open-orders-empty
//   order-cancel, order-replace (a row's buttons), orders-cancel-all
//   replace-form (the form under a row), replace-qty, replace-limit, replace-stop, replace-trail, replace-tif,
//   replace-submit, replace-error (the server's refusal)
//   closed-orders (the table of the latest closed orders), closed-orders-empty
import { h, money, price, qty, replace, states, time } from "../dom.js";
import { followTrades } from "./views_kit.js";

export const title = "Orders";

const TIFS = ["day", "gtc", "opg", "cls", "ioc", "fok"];

function describe(order) {
  const prices = [];
  if (order.limit_price) prices.push(`limit ${price(order.limit_price)}`);
  if (order.stop_price) prices.push(`stop ${price(order.stop_price)}`);
  if (order.trail_price) prices.push(`trail ${money(order.trail_price)}`);
  if (order.trail_percent) prices.push(`trail ${qty(order.trail_percent)}%`);
  return prices.join(", ");
}

function amount(order) {
  return order.notional ? money(order.notional) : qty(order.qty);
}

// An order and its legs, each a row (legs indented).
function flatten(orders) {
  const rows = [];
  for (const order of orders) {
    rows.push({ order, leg: false });
    for (const leg of order.legs || []) rows.push({ order: leg, leg: true });
  }
  return rows;
}

export function render(root, ctx) {
  const openBody = h("div", {});
  const closedBody = h("div", {});
  const cancelAll = h("button", { type: "button", class: "danger", "data-test": "orders-cancel-all", on: { click: cancelEverything } }, "Cancel all");
  root.append(
    h("section", { class: "panel", "aria-labelledby": "open-orders-title" },
      h("div", { class: "view-header" }, h("h1", { id: "open-orders-title" }, "Open orders"),
        h("a", { class: "button", href: "#/ticket" }, "New order"), cancelAll),
      openBody),
    h("section", { class: "panel", "aria-labelledby": "closed-orders-title" },
      h("h2", { id: "closed-orders-title" }, "Recently closed"), closedBody));
  states.loading(openBody);
  states.loading(closedBody);

  let live = true;
  let editing = null; // the id of the order whose replace form is open: kept open across refreshes

  async function cancel(order, button) {
    button.disabled = true;
    try {
      await ctx.api.delete(`/v2/orders/${encodeURIComponent(order.id)}`);
      ctx.toast(`Cancel requested: ${order.side} ${amount(order)} ${order.symbol}.`, "info");
      load();
    } catch (error) {
      ctx.toast(error.message, "error");
      button.disabled = false;
    }
  }

  async function cancelEverything() {
    cancelAll.disabled = true;
    try {
      await ctx.api.delete("/v2/orders");
      ctx.toast("Cancel requested for every open order.", "info");
      load();
    } catch (error) {
      ctx.toast(error.message, "error");
    } finally {
      cancelAll.disabled = false;
    }
  }

  function replaceForm(order) {
    const field = (label, input) => h("label", { class: "field" }, h("span", {}, label), input);
    const qtyInput = h("input", { name: "qty", inputmode: "decimal", value: order.qty || "", "data-test": "replace-qty" });
    const limit = h("input", { name: "limit_price", inputmode: "decimal", value: order.limit_price || "", disabled: !order.limit_price, "data-test": "replace-limit" });
    const stop = h("input", { name: "stop_price", inputmode: "decimal", value: order.stop_price || "", disabled: !order.stop_price, "data-test": "replace-stop" });
    const trailing = order.type === "trailing_stop";
    const trail = h("input", { name: "trail", inputmode: "decimal", value: order.trail_percent || order.trail_price || "", disabled: !trailing, "data-test": "replace-trail" });
    const tif = h("select", { name: "time_in_force", "data-test": "replace-tif" },
      TIFS.map((value) => h("option", { value, selected: value === order.time_in_force }, value)));
    const error = h("p", { class: "form-error", role: "alert", "data-test": "replace-error" });
    const submit = h("button", { type: "submit", class: "primary", "data-test": "replace-submit" }, "Replace");
    const form = h("form", { class: "form grid-form", "data-test": "replace-form", "aria-label": `Replace order ${order.symbol}` },
      field("Qty", qtyInput), field("Limit price", limit), field("Stop price", stop),
      field(order.trail_percent ? "Trail %" : "Trail $", trail), field("Time in force", tif),
      h("div", { class: "form-actions" }, submit,
        h("button", { type: "button", on: { click: () => { editing = null; drawOpen(); } } }, "Close")),
      error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      replace(error);
      const body = {};
      if (qtyInput.value.trim() && qtyInput.value.trim() !== order.qty) body.qty = qtyInput.value.trim();
      if (!limit.disabled && limit.value.trim() !== (order.limit_price || "")) body.limit_price = limit.value.trim();
      if (!stop.disabled && stop.value.trim() !== (order.stop_price || "")) body.stop_price = stop.value.trim();
      if (trailing && trail.value.trim()) body.trail = trail.value.trim();
      if (tif.value !== order.time_in_force) body.time_in_force = tif.value;
      if (!Object.keys(body).length) {
        replace(error, "Change a field first.");
        return;
      }
      submit.disabled = true;
      try {
        const next = await ctx.api.patch(`/v2/orders/${encodeURIComponent(order.id)}`, body);
        ctx.toast(`Replaced: ${next.side} ${amount(next)} ${next.symbol} ${describe(next)}.`, "info");
        editing = null;
        load();
      } catch (failure) {
        replace(error, failure.message);
        submit.disabled = false;
      }
    });
    return form;
  }

  function openTable(orders) {
    if (!orders.length) return h("p", { class: "state state-empty", "data-test": "open-orders-empty" }, "No open orders.");
    const columns = ["Submitted", "Symbol", "Side", "Type", "Qty / notional", "Filled", "Prices", "TIF", "Status", ""];
    const body = h("tbody", {});
    for (const { order, leg } of flatten(orders)) {
      const cancelButton = h("button", { type: "button", "data-test": "order-cancel", "aria-label": `Cancel ${order.side} ${order.symbol}` }, "Cancel");
      cancelButton.addEventListener("click", () => cancel(order, cancelButton));
      const replaceButton = h("button", { type: "button", "data-test": "order-replace", "aria-expanded": editing === order.id ? "true" : "false" }, "Replace");
      replaceButton.addEventListener("click", () => {
        editing = editing === order.id ? null : order.id;
        drawOpen();
        const first = openBody.querySelector('[data-test="replace-form"] input:not([disabled])');
        if (first) first.focus();
      });
      const open = ["new", "accepted", "partially_filled", "pending_new", "held"].includes(order.status);
      body.append(h("tr", { "data-order-id": order.id, "data-symbol": order.symbol, "data-status": order.status, class: leg ? "leg" : null },
        h("td", { "data-label": "Submitted" }, time(order.submitted_at || order.created_at)),
        h("th", { scope: "row" }, leg ? "↳ " : "", h("a", { href: `#/chart/${encodeURIComponent(order.symbol)}` }, order.symbol)),
        h("td", { "data-label": "Side" }, order.side),
        h("td", { "data-label": "Type" }, order.type, order.order_class && order.order_class !== "simple" ? ` (${order.order_class})` : ""),
        h("td", { class: "num", "data-label": "Qty / notional" }, amount(order)),
        h("td", { class: "num", "data-label": "Filled" }, qty(order.filled_qty)),
        h("td", { "data-label": "Prices" }, describe(order)),
        h("td", { "data-label": "TIF" }, order.time_in_force),
        h("td", { "data-label": "Status", "data-test": "order-status" }, order.status),
        h("td", {}, open && order.status !== "held" ? h("div", { class: "row-actions" }, replaceButton, cancelButton) : null)));
      if (editing === order.id) {
        body.append(h("tr", { class: "editing" }, h("td", { colspan: String(columns.length) }, replaceForm(order))));
      }
    }
    return h("div", { class: "table-scroll" }, h("table", { class: "table", "data-test": "open-orders" },
      h("caption", { class: "visually-hidden" }, "Open orders"),
      h("thead", {}, h("tr", {}, columns.map((label) => h("th", { scope: "col" }, label)))),
      body));
  }

  function closedTable(orders) {
    if (!orders.length) return h("p", { class: "state state-empty", "data-test": "closed-orders-empty" }, "No closed orders yet.");
    return h("div", { class: "table-scroll" }, h("table", { class: "table", "data-test": "closed-orders" },
      h("thead", {}, h("tr", {}, ["Updated", "Symbol", "Side", "Type", "Qty / notional", "Filled", "Avg fill", "Status"].map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, orders.map((order) => h("tr", { "data-order-id": order.id, "data-status": order.status },
        h("td", { "data-label": "Updated" }, time(order.filled_at || order.canceled_at || order.updated_at)),
        h("th", { scope: "row" }, order.symbol),
        h("td", { "data-label": "Side" }, order.side),
        h("td", { "data-label": "Type" }, order.type),
        h("td", { class: "num", "data-label": "Qty / notional" }, amount(order)),
        h("td", { class: "num", "data-label": "Filled" }, qty(order.filled_qty)),
        h("td", { class: "num", "data-label": "Avg fill" }, order.filled_avg_price ? price(order.filled_avg_price) : "—"),
        h("td", { "data-label": "Status" }, order.status))))));
  }

  let lastOpen = [];
  function drawOpen() {
    replace(openBody, openTable(lastOpen));
  }

  let loading = false;
  let again = false;
  async function load() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const [open, closed] = await Promise.all([
        ctx.api.get("/v2/orders", { status: "open", nested: "true", limit: 500, direction: "desc" }),
        ctx.api.get("/v2/orders", { status: "closed", limit: 20, direction: "desc" }),
      ]);
      if (!live) return;
      lastOpen = open;
      // A replace form being filled in is left alone until it is sent or closed, or its order is gone.
      const stillOpen = flatten(open).some(({ order }) => order.id === editing);
      if (!stillOpen) editing = null;
      if (editing === null) drawOpen();
      replace(closedBody, closedTable(closed));
    } catch (error) {
      if (live && editing === null) states.failure(openBody, error);
    } finally {
      loading = false;
      if (again && live) {
        again = false;
        load();
      }
    }
  }

  load();
  const stopFollowing = followTrades(ctx, load, load, 15000);
  return () => {
    live = false;
    stopFollowing();
  };
}
