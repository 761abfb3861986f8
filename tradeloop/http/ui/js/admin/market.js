// Section "Market" (#/market): the market's mode and halted symbols (GET /admin/v1/market); halt a symbol with a
// reason (the reason goes to the audit log), resume one; on the manual market only, set a price
// (POST /admin/v1/market/prices) and post a whole one-minute bar (POST /admin/v1/market/bars).
// data-test hooks:
//   market-mode           the mode (simulated, manual, finnhub)
//   halts                 the halted symbols (<ul>; one <li data-test="halted" data-symbol="..."> each)
//   halts-empty           shown instead when nothing is halted (inside the halts holder)
//   resume                a halted symbol's "Resume" button (carries data-symbol)
//   halt-form             the halt form; halt-symbol, halt-reason its fields; halt-submit its button
//   halt-error            refusal of a halt or a resume
//   price-form            the price form (manual market only); price-symbol, price-price, price-bid, price-ask,
//                         price-size its fields; price-submit its button; price-error its refusal box
//   price-result          the latest trade and quote after a price is set
//   bar-form              the bar form (manual market only); bar-symbol, bar-timestamp (empty: this minute), bar-open, bar-high,
//                         bar-low, bar-close, bar-volume; bar-submit; bar-error; bar-result
//   manual-only           the note shown instead of both forms on another market

import {clear, states, time} from "../dom.js";
import {admin} from "./api.js";
import {actionForm, busy, el, errorBox, field} from "./forms.js";

export const title = "Market";

export function render(root, ctx) {
  let alive = true;
  const mode = el("span", {class: "badge", "data-test": "market-mode"}, "…");
  const halts = el("div", {"aria-live": "polite"});
  const haltRefusal = errorBox("halt-error");
  const manual = el("div", {});

  function showHalts(symbols) {
    clear(halts);
    if (!symbols.length) {
      halts.append(el("p", {class: "state empty", "data-test": "halts-empty"}, "No symbol is halted."),
        el("ul", {class: "halts", "data-test": "halts", hidden: true}));
      return;
    }
    halts.append(el("ul", {class: "halts", "data-test": "halts"}, symbols.map((symbol) =>
      el("li", {"data-test": "halted", "data-symbol": symbol},
        el("strong", {}, symbol),
        el("button", {type: "button", "data-test": "resume", "data-symbol": symbol, "aria-label": `Resume ${symbol}`,
          on: {click: (event) => resume(event.currentTarget, symbol)}}, "Resume")))));
  }

  async function resume(button, symbol) {
    haltRefusal.clear();
    try {
      const answer = await busy(button, () => admin.delete(`/admin/v1/market/halts/${encodeURIComponent(symbol)}`));
      showHalts(answer.halted);
      ctx.toast(`${symbol} trades again.`, "info");
    } catch (error) {
      haltRefusal.show(error);
    }
  }

  const symbol = field("Symbol", {name: "symbol", autocomplete: "off", autocapitalize: "characters", required: true,
    "data-test": "halt-symbol"});
  const reason = field("Reason (kept in the audit log)", {name: "reason", maxlength: "200", autocomplete: "off",
    "data-test": "halt-reason"});
  const haltForm = el("form", {class: "inline-form", "data-test": "halt-form", "aria-label": "Halt a symbol", novalidate: ""},
    symbol.row, reason.row,
    el("div", {class: "actions"}, el("button", {type: "submit", class: "danger", "data-test": "halt-submit"}, "Halt trading")),
    haltRefusal.el);
  haltForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    haltRefusal.clear();
    const name = symbol.input.value.trim().toUpperCase();
    if (!name) {
      haltRefusal.show(new Error("Enter a symbol."));
      symbol.input.focus();
      return;
    }
    const body = {symbol: name};
    if (reason.input.value.trim()) body.reason = reason.input.value.trim();
    try {
      const answer = await busy(event.submitter || haltForm.querySelector("button"), () => admin.post("/admin/v1/market/halts", body));
      symbol.input.value = "";
      reason.input.value = "";
      showHalts(answer.halted);
      ctx.toast(`${name} is halted.`, "info");
    } catch (error) {
      haltRefusal.show(error);
    }
  });

  async function load() {
    states.loading(halts);
    try {
      const market = await admin.get("/admin/v1/market");
      if (!alive) return;
      mode.textContent = market.mode;
      showHalts(market.halted);
      clear(manual);
      manual.append(market.mode === "manual" ? manualForms() : el("p", {class: "hint", "data-test": "manual-only"},
        `Prices come from the ${market.mode} feed. Setting prices and posting bars is for a server started with --market manual.`));
    } catch (error) {
      if (alive) states.failure(halts, error);
    }
  }

  root.append(
    el("section", {class: "panel", "aria-labelledby": "halts-head"},
      el("div", {class: "panel-head"}, el("h2", {id: "halts-head"}, "Halts"), el("span", {}, "Market: ", mode)),
      el("p", {class: "hint"}, "Orders in a halted symbol are refused and nothing in it fills until it is resumed."),
      halts, haltForm),
    el("section", {class: "panel", "aria-labelledby": "prices-head"}, el("h2", {id: "prices-head"}, "Prices"), manual),
  );
  load();
  return () => {
    alive = false;
  };
}

function manualForms() {
  return el("div", {class: "columns"}, priceForm(), barForm());
}

function priceForm() {
  const fields = {
    symbol: field("Symbol", {autocomplete: "off", autocapitalize: "characters", "data-test": "price-symbol"}),
    price: field("Price", {inputmode: "decimal", autocomplete: "off", "data-test": "price-price"}),
    bid: field("Bid (optional)", {inputmode: "decimal", autocomplete: "off", placeholder: "the price", "data-test": "price-bid"}),
    ask: field("Ask (optional)", {inputmode: "decimal", autocomplete: "off", placeholder: "the price", "data-test": "price-ask"}),
    size: field("Size (optional)", {inputmode: "decimal", autocomplete: "off", placeholder: "unlimited", "data-test": "price-size"}),
  };
  const result = el("div", {"data-test": "price-result", "aria-live": "polite"});
  const {form} = actionForm({class: "grid-form", "data-test": "price-form", "aria-label": "Set a price"},
    Object.values(fields).map((made) => made.row), {
      submit: {label: "Set price", attrs: {"data-test": "price-submit"}},
      errorTest: "price-error",
      action: async () => {
        const body = {symbol: fields.symbol.input.value.trim().toUpperCase(), price: fields.price.input.value.trim()};
        for (const name of ["bid", "ask", "size"]) {
          const value = fields[name].input.value.trim();
          if (value) body[name] = value;
        }
        clear(result);
        const latest = await admin.post("/admin/v1/market/prices", body);
        result.append(latestFigures(latest));
      },
    });
  return el("div", {}, el("h3", {}, "Set a price"),
    el("p", {class: "hint"}, "A quote then a trade at this price; answers once every order it fills is applied."), form, result);
}

function latestFigures(latest) {
  // The market-data answer's prices are JSON numbers (as Alpaca's); they are shown as sent, never computed on.
  const rows = [["Symbol", latest.symbol]];
  const sized = (p, s) => (s ? `${p} × ${s}` : `${p}`); // a size of 0: set without a size (unlimited)
  if (latest.trade) rows.push(["Trade", sized(latest.trade.p, latest.trade.s)], ["At", time(latest.trade.t)]);
  if (latest.quote) rows.push(["Bid", sized(latest.quote.bp, latest.quote.bs)], ["Ask", sized(latest.quote.ap, latest.quote.as)]);
  return el("dl", {class: "pairs"}, rows.map(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]));
}

function currentMinute() {
  const now = new Date();
  now.setUTCSeconds(0, 0);
  return now.toISOString().replace(".000Z", "Z");
}

function barForm() {
  const names = ["open", "high", "low", "close", "volume"];
  const symbol = field("Symbol", {autocomplete: "off", autocapitalize: "characters", "data-test": "bar-symbol"});
  const timestamp = field("Minute's start (UTC)", {autocomplete: "off", placeholder: "empty: the current minute",
    "data-test": "bar-timestamp"});
  const numbers = Object.fromEntries(names.map((name) => [name,
    field(name[0].toUpperCase() + name.slice(1), {inputmode: "decimal", autocomplete: "off", "data-test": `bar-${name}`})]));
  const result = el("div", {"data-test": "bar-result", "aria-live": "polite"});
  const {form} = actionForm({class: "grid-form", "data-test": "bar-form", "aria-label": "Post a bar"},
    [symbol.row, timestamp.row, names.map((name) => numbers[name].row)], {
      submit: {label: "Post bar", attrs: {"data-test": "bar-submit"}},
      errorTest: "bar-error",
      action: async () => {
        const body = {symbol: symbol.input.value.trim().toUpperCase(), timestamp: timestamp.input.value.trim() || currentMinute()};
        for (const name of names) body[name] = numbers[name].input.value.trim();
        clear(result);
        const posted = await admin.post("/admin/v1/market/bars", body);
        const bar = posted.bar;
        result.append(el("p", {class: "state"},
          `${posted.symbol} ${time(bar.t)}: open ${bar.o}, high ${bar.h}, low ${bar.l}, close ${bar.c}, volume ${bar.v}.`));
      },
    });
  return el("div", {}, el("h3", {}, "Post a one-minute bar"),
    el("p", {class: "hint"}, "Its open, extremes and close trade through the market and strategies evaluate it at once. "
      + "Its minute is written like 2026-12-03T14:30:00Z (empty: the current one) and is not before the symbol's newest one."),
    form, result);
}
