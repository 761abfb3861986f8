// The order ticket of /app (`#/ticket` or `#/ticket/SYMBOL`): every order type (market, limit, stop, stop_limit,
// trailing_stop) and class (simple, bracket, oco, oto with take-profit and stop-loss legs), qty or notional, time in
// force. "Review" asks POST /v2/orders/preview and shows the what-if; "Send order" then posts to POST /v2/orders.
// A refusal, from either, shows the server's own message.
//
// data-test hooks:
//   ticket (the form), ticket-symbol, ticket-side, ticket-type, ticket-amount-kind (qty | notional), ticket-qty,
//   ticket-notional, ticket-limit, ticket-stop, ticket-trail-kind (trail_price | trail_percent), ticket-trail,
//   ticket-tif, ticket-class, ticket-tp-limit, ticket-sl-stop, ticket-sl-limit, ticket-extended, ticket-client-id
//   ticket-submit (Review: asks for the preview), ticket-preview (the what-if; data-accepted="true" | "false"),
//   ticket-send (sends the reviewed order; shown once the preview accepts it), ticket-error (the server's refusal),
//   ticket-placed (the last order placed: its id in data-order-id, its status in data-status)
import { h, money, price, qty, replace } from "../dom.js";

export const title = "Ticket";

const TYPES = [["market", "Market"], ["limit", "Limit"], ["stop", "Stop"], ["stop_limit", "Stop limit"], ["trailing_stop", "Trailing stop"]];
const CLASSES = [["simple", "Simple"], ["bracket", "Bracket: entry and both exits"], ["oco", "OCO: one exit or the other"], ["oto", "OTO: entry, then one exit"]];
const TIFS = [["day", "Day"], ["gtc", "Good till canceled"], ["opg", "At the open"], ["cls", "At the close"], ["ioc", "Immediate or cancel"], ["fok", "Fill or kill"]];

function options(pairs, selected) {
  return pairs.map(([value, label]) => h("option", { value, selected: value === selected }, label));
}

function field(label, input, hint = null) {
  const id = input.id;
  return h("label", { class: "field", for: id }, h("span", { class: "field-label" }, label), input, hint ? h("span", { class: "field-hint" }, hint) : null);
}

let assetsCache = null; // the symbols for the datalist, read once per page

export function render(root, ctx) {
  const input = (name, attrs = {}) => h("input", { id: `ticket-${name}`, name, autocomplete: "off", "data-test": `ticket-${name}`, ...attrs });
  const select = (name, pairs, selected) => h("select", { id: `ticket-${name}`, name, "data-test": `ticket-${name}` }, options(pairs, selected));

  const symbol = input("symbol", { required: true, value: ctx.arg ? decodeURIComponent(ctx.arg).toUpperCase() : "", list: "ticket-symbols", spellcheck: "false", autocapitalize: "characters" });
  const symbols = h("datalist", { id: "ticket-symbols" });
  const side = select("side", [["buy", "Buy"], ["sell", "Sell"]], "buy");
  const type = select("type", TYPES, "limit");
  const amountKind = select("amount-kind", [["qty", "Shares"], ["notional", "Dollars (notional)"]], "qty");
  const qtyInput = input("qty", { inputmode: "decimal", value: "1" });
  const notional = input("notional", { inputmode: "decimal" });
  const limit = input("limit", { inputmode: "decimal" });
  const stop = input("stop", { inputmode: "decimal" });
  const trailKind = select("trail-kind", [["trail_percent", "Percent"], ["trail_price", "Dollars"]], "trail_percent");
  const trail = input("trail", { inputmode: "decimal" });
  const tif = select("tif", TIFS, "day");
  const orderClass = select("class", CLASSES, "simple");
  const tpLimit = input("tp-limit", { inputmode: "decimal" });
  const slStop = input("sl-stop", { inputmode: "decimal" });
  const slLimit = input("sl-limit", { inputmode: "decimal" });
  const extended = h("input", { id: "ticket-extended", name: "extended_hours", type: "checkbox", "data-test": "ticket-extended" });
  const clientId = input("client-id", { maxlength: "128" });

  const fields = {
    qty: field("Quantity", qtyInput),
    notional: field("Amount ($)", notional),
    limit: field("Limit price", limit),
    stop: field("Stop price", stop),
    trailKind: field("Trail by", trailKind),
    trail: field("Trail", trail),
    tp: field("Take profit: limit price", tpLimit),
    slStop: field("Stop loss: stop price", slStop),
    slLimit: field("Stop loss: limit price", slLimit, "Optional: makes the stop loss a stop limit."),
  };
  const legs = h("fieldset", { class: "form-grid" }, h("legend", {}, "Exit legs"), fields.tp, fields.slStop, fields.slLimit);

  const review = h("button", { type: "submit", class: "primary", "data-test": "ticket-submit" }, "Review order");
  const send = h("button", { type: "button", class: "primary", hidden: true, "data-test": "ticket-send" }, "Send order");
  const reset = h("button", { type: "button" }, "Clear");
  const error = h("div", { class: "form-error", role: "alert", "data-test": "ticket-error" });
  const preview = h("div", { class: "preview", "aria-live": "polite", "data-test": "ticket-preview", hidden: true });
  const placed = h("div", { "aria-live": "polite" });

  const form = h("form", { class: "form form-stack", "data-test": "ticket", "aria-labelledby": "ticket-title", novalidate: true },
    h("div", { class: "form-grid" },
      field("Symbol", symbol), field("Side", side), field("Order type", type), field("Time in force", tif)),
    h("div", { class: "form-grid" },
      field("Size in", amountKind), fields.qty, fields.notional, fields.limit, fields.stop, fields.trailKind, fields.trail),
    h("div", { class: "form-grid" }, field("Order class", orderClass),
      h("label", { class: "check", for: "ticket-extended" }, extended, "Extended hours"),
      field("Client order id", clientId, "Optional: your own id for the order.")),
    legs,
    h("div", { class: "form-actions" }, review, send, reset),
    error, preview, placed);

  root.append(h("section", { class: "panel ticket", "aria-labelledby": "ticket-title" },
    h("div", { class: "view-header" }, h("h1", { id: "ticket-title" }, "Order ticket"),
      h("a", { href: "#/orders" }, "Open orders")),
    form, symbols));

  // Only the fields the chosen type and class use are shown (and sent).
  function layout() {
    const kind = type.value;
    const cls = orderClass.value;
    fields.limit.hidden = !(kind === "limit" || kind === "stop_limit");
    fields.stop.hidden = !(kind === "stop" || kind === "stop_limit");
    fields.trailKind.hidden = fields.trail.hidden = kind !== "trailing_stop";
    fields.qty.hidden = amountKind.value !== "qty";
    fields.notional.hidden = amountKind.value !== "notional";
    legs.hidden = cls === "simple";
    fields.tp.hidden = cls === "simple";
    fields.slStop.hidden = fields.slLimit.hidden = cls === "simple";
    invalidate();
  }

  let reviewed = null; // the body the preview accepted: "Send order" sends exactly it

  function invalidate() {
    reviewed = null;
    send.hidden = true;
    preview.hidden = true;
    replace(preview);
  }

  function body() {
    const text = (element) => element.value.trim();
    const order = { symbol: text(symbol).toUpperCase(), side: side.value, type: type.value, time_in_force: tif.value };
    if (amountKind.value === "qty") order.qty = text(qtyInput);
    else order.notional = text(notional);
    if (!fields.limit.hidden) order.limit_price = text(limit);
    if (!fields.stop.hidden) order.stop_price = text(stop);
    if (!fields.trail.hidden) order[trailKind.value] = text(trail);
    if (extended.checked) order.extended_hours = true;
    if (text(clientId)) order.client_order_id = text(clientId);
    if (orderClass.value !== "simple") {
      order.order_class = orderClass.value;
      if (text(tpLimit)) order.take_profit = { limit_price: text(tpLimit) };
      if (text(slStop) || text(slLimit)) {
        order.stop_loss = { stop_price: text(slStop) };
        if (text(slLimit)) order.stop_loss.limit_price = text(slLimit);
      }
    }
    return order;
  }

  function showPreview(found) {
    const pair = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
    preview.hidden = false;
    preview.setAttribute("data-accepted", found.accepted ? "true" : "false");
    replace(preview,
      h("h2", {}, found.accepted ? "Preview: the server would accept this order" : "Preview: the server would refuse this order"),
      h("dl", { class: "pairs" },
        pair("Estimated price", found.estimated_price ? price(found.estimated_price) : "—"),
        pair("Estimated qty", found.estimated_qty ? qty(found.estimated_qty) : "—"),
        pair("Estimated fee", found.estimated_cost ? money(found.estimated_fee) : "—"),
        pair("Estimated cost", found.estimated_cost ? money(found.estimated_cost) : "—"),
        pair("Fills now", found.fills_now ? "yes, at the current price" : "no, it would rest"),
        pair("Buying power", `${money(found.buying_power)} → ${money(found.buying_power_after)}`),
        pair("Position", `${qty(found.position_qty)} → ${qty(found.position_qty_after)}`),
        pair("Trading state", found.trading_state)),
      found.checks && found.checks.length
        ? h("ul", { class: "notices" }, found.checks.map((check) => h("li", {}, check.message || check.detail || JSON.stringify(check))))
        : null);
  }

  form.addEventListener("input", invalidate);
  form.addEventListener("change", (event) => {
    if ([type, orderClass, amountKind].includes(event.target)) layout();
    else invalidate();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    invalidate();
    replace(error);
    const order = body();
    if (!order.symbol) {
      replace(error, "Enter a symbol.");
      symbol.focus();
      return;
    }
    review.disabled = true;
    try {
      const found = await ctx.api.post("/v2/orders/preview", order);
      showPreview(found);
      if (found.accepted) {
        reviewed = order;
        send.hidden = false;
        send.focus();
      } else {
        replace(error, (found.refusal && (found.refusal.message || found.refusal.detail)) || "The server would refuse this order.");
      }
    } catch (failure) {
      replace(error, failure.message);
    } finally {
      review.disabled = false;
    }
  });

  send.addEventListener("click", async () => {
    if (!reviewed) return;
    const order = reviewed;
    send.disabled = true;
    replace(error);
    try {
      const made = await ctx.api.post("/v2/orders", order);
      invalidate();
      replace(placed, h("p", { class: "state good", "data-test": "ticket-placed", "data-order-id": made.id, "data-status": made.status },
        `Placed: ${made.side} ${made.notional ? money(made.notional) : qty(made.qty)} ${made.symbol} ${made.type} (${made.status}). `,
        h("a", { href: "#/orders" }, "See open orders")));
      ctx.toast(`Order placed: ${made.side} ${made.symbol} (${made.status}).`, "info");
    } catch (failure) {
      replace(error, failure.message);
    } finally {
      send.disabled = false;
    }
  });

  reset.addEventListener("click", () => {
    form.reset();
    replace(error);
    replace(placed);
    layout();
  });

  (async () => {
    try {
      assetsCache = assetsCache || (await ctx.api.get("/v2/assets", { status: "active" })).map((asset) => asset.symbol).sort();
      replace(symbols, assetsCache.map((value) => h("option", { value })));
    } catch {
      // the list only helps typing: the ticket works without it
    }
  })();

  layout();
  (ctx.arg ? qtyInput : symbol).focus();
  return () => {};
}
