// The positions view of /app: every position with live marks. Prices come from the market data stream's trades;
// market value and unrealized P&L are worked out from them in exact decimals, and the list is read again from
// GET /v2/positions on every trade update and every few seconds. Close one at market with DELETE /v2/positions/{symbol}.
//
// data-test hooks:
//   positions (the table; each row data-symbol), positions-empty (no position)
//   position-price, position-value, position-pl (cells of a row; position-pl carries data-sign)
//   position-close (a row's "Close" button), positions-close-all
import { h, money, pct, price, qty, replace, signOf, states, tone } from "../dom.js";
import { divide, fromNumber, multiply, subtract } from "../decimal.js";
import { followTrades } from "./views_kit.js";

export const title = "Positions";

const REFRESH_MS = 5000;

export function render(root, ctx) {
  const body = h("div", {});
  const problem = h("div", {}); // a failed refresh: said above the last positions drawn, which stay
  const closeAll = h("button", { type: "button", class: "danger", "data-test": "positions-close-all", on: { click: closeEverything } }, "Close all");
  root.append(h("section", { class: "panel", "aria-labelledby": "positions-title" },
    h("div", { class: "view-header" }, h("h1", { id: "positions-title" }, "Positions"), closeAll),
    problem, body));
  states.loading(body);

  let live = true;
  let rows = new Map(); // symbol → {position, cells}
  const watching = new Map(); // symbol → stop watching

  function mark(symbol, last) {
    const row = rows.get(symbol);
    if (!row || last === null) return;
    const { position, cells } = row;
    const value = multiply(position.qty, last, 2);
    const pl = subtract(value, position.cost_basis, 2);
    const basis = String(position.cost_basis).replace(/^-/, "");
    const plpc = divide(pl, basis, 6);
    replace(cells.price, price(last));
    replace(cells.value, money(value));
    replace(cells.pl, `${money(pl, { sign: true })}${plpc === null ? "" : ` (${pct(plpc, { sign: true })})`}`);
    cells.pl.className = `num ${tone(pl)}`;
    cells.pl.setAttribute("data-sign", String(signOf(pl)));
  }

  function follow(symbols) {
    for (const [symbol, stop] of watching) {
      if (!symbols.has(symbol)) {
        stop();
        watching.delete(symbol);
      }
    }
    for (const symbol of symbols) {
      if (!watching.has(symbol)) watching.set(symbol, ctx.market.watch("trades", symbol, (trade) => mark(symbol, fromNumber(trade.p))));
    }
  }

  async function close(symbol, button) {
    button.disabled = true;
    try {
      await ctx.api.delete(`/v2/positions/${encodeURIComponent(symbol)}`);
      ctx.toast(`Closing ${symbol} at market.`, "info");
      load();
    } catch (error) {
      ctx.toast(error.message, "error");
      button.disabled = false;
    }
  }

  async function closeEverything() {
    if (!rows.size || !window.confirm("Close every position at market?")) return;
    closeAll.disabled = true;
    try {
      await ctx.api.delete("/v2/positions");
      ctx.toast("Closing every position at market.", "info");
      load();
    } catch (error) {
      ctx.toast(error.message, "error");
    } finally {
      closeAll.disabled = false;
    }
  }

  let shape = null;
  function draw(positions) {
    // The same positions as drawn: update their figures in place, so focus and scrolling stay where they are.
    const nextShape = positions.map((p) => `${p.symbol}:${p.qty}:${p.avg_entry_price}`).join("|");
    if (nextShape === shape && rows.size) {
      for (const position of positions) {
        const row = rows.get(position.symbol);
        row.position = position;
        replace(row.cells.price, price(position.current_price));
        replace(row.cells.value, money(position.market_value));
        replace(row.cells.pl, `${money(position.unrealized_pl, { sign: true })} (${pct(position.unrealized_plpc, { sign: true })})`);
        row.cells.pl.className = `num ${tone(position.unrealized_pl)}`;
        row.cells.pl.setAttribute("data-sign", String(signOf(position.unrealized_pl)));
      }
      return;
    }
    shape = nextShape;
    const next = new Map();
    const cellsOf = (position) => {
      if (!next.has(position.symbol)) {
        next.set(position.symbol, {
          position,
          cells: {
            price: h("td", { class: "num", "data-label": "Price", "data-test": "position-price" }, price(position.current_price)),
            value: h("td", { class: "num", "data-label": "Market value", "data-test": "position-value" }, money(position.market_value)),
            pl: h("td", { class: `num ${tone(position.unrealized_pl)}`, "data-label": "Unrealized P&L", "data-test": "position-pl", "data-sign": String(signOf(position.unrealized_pl)) },
              `${money(position.unrealized_pl, { sign: true })} (${pct(position.unrealized_plpc, { sign: true })})`),
          },
        });
      }
      return next.get(position.symbol).cells;
    };
    if (!positions.length) {
      replace(body, h("p", { class: "state state-empty", "data-test": "positions-empty" }, "No positions. Place an order from the ticket."),
        h("p", {}, h("a", { href: "#/ticket" }, "Open the order ticket")));
    } else {
      replace(body, h("div", { class: "table-scroll" }, h("table", { class: "table", "data-test": "positions" },
        h("caption", { class: "visually-hidden" }, "Positions with live prices"),
        h("thead", {}, h("tr", {}, ["Symbol", "Side", "Qty", "Avg entry", "Price", "Market value", "Unrealized P&L", ""].map((label, index) =>
          h("th", { scope: "col", class: index >= 2 && index <= 6 ? "num" : null }, label)))),
        h("tbody", {}, positions.map((position) => {
          const cells = cellsOf(position);
          const closeButton = h("button", { type: "button", "data-test": "position-close", "aria-label": `Close ${position.symbol}` }, "Close");
          closeButton.addEventListener("click", () => close(position.symbol, closeButton));
          return h("tr", { "data-symbol": position.symbol },
            h("th", { scope: "row" }, h("a", { href: `#/chart/${encodeURIComponent(position.symbol)}` }, position.symbol)),
            h("td", { "data-label": "Side" }, position.side),
            h("td", { class: "num", "data-label": "Qty", "data-test": "position-qty" }, qty(position.qty)),
            h("td", { class: "num", "data-label": "Avg entry" }, price(position.avg_entry_price)),
            cells.price, cells.value, cells.pl,
            h("td", {}, h("div", { class: "row-actions" },
              h("a", { class: "button", href: `#/ticket/${encodeURIComponent(position.symbol)}` }, "Trade"), closeButton)));
        })))));
    }
    rows = next;
    follow(new Set(next.keys()));
  }

  let loading = false;
  async function load() {
    if (loading) return;
    loading = true;
    try {
      const positions = await ctx.api.get("/v2/positions");
      if (!live) return;
      replace(problem);
      draw(positions);
    } catch (error) {
      if (!live) return;
      if (rows.size) states.failure(problem, error);
      else {
        shape = null;
        states.failure(body, error);
      }
    } finally {
      loading = false;
    }
  }

  load();
  const stopFollowing = followTrades(ctx, load, load, REFRESH_MS);
  return () => {
    live = false;
    stopFollowing();
    for (const stop of watching.values()) stop();
    watching.clear();
  };
}
