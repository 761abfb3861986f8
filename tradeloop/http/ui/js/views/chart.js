// The chart view of /app (`#/chart/SYMBOL`): candles from GET /v2/stocks/{symbol}/bars at the chosen timeframe,
// kept current by the market data stream's trades and minute bars; the account's fills of the symbol
// (GET /v2/account/activities?activity_types=FILL) as markers and its open orders' limit and stop prices
// (GET /v2/orders?status=open) as price lines, both read again on every trade update.
//
// data-test hooks:
//   chart-form, chart-symbol, chart-go (open a symbol), chart-timeframe-<1Min|5Min|15Min|1Hour|1Day> (aria-pressed)
//   chart (the chart's element; data-symbol, data-timeframe, data-bars: how many candles, data-markers: fills
//   drawn, data-lines: order prices drawn), chart-last (the last price), chart-state (loading, empty or error text)
import { h, price, replace, states } from "../dom.js";
import { CandlestickSeries, LineStyle, attribution, chartTime, createSeriesMarkers, makeChart } from "../charts.js";
import { coalesce } from "../stream.js";

export const title = "Chart";

const TIMEFRAMES = { "1Min": 60, "5Min": 300, "15Min": 900, "1Hour": 3600, "1Day": 86400 };
const LOOKBACK_DAYS = { "1Min": 3, "5Min": 10, "15Min": 30, "1Hour": 90, "1Day": 1825 };
const DEFAULT_SYMBOL = "AAPL";
let lastTimeframe = "5Min"; // kept while the page is open, across symbols

export function render(root, ctx) {
  const symbol = (ctx.arg ? decodeURIComponent(ctx.arg) : DEFAULT_SYMBOL).toUpperCase();
  let timeframe = lastTimeframe;

  const symbolInput = h("input", { id: "chart-symbol", name: "symbol", value: symbol, "data-test": "chart-symbol", spellcheck: "false", autocapitalize: "characters" });
  const form = h("form", { class: "inline-form", "data-test": "chart-form", "aria-label": "Open a symbol's chart" },
    h("label", { class: "field", for: "chart-symbol" }, h("span", { class: "field-label" }, "Symbol"), symbolInput),
    h("button", { type: "submit", "data-test": "chart-go" }, "Open"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = symbolInput.value.trim().toUpperCase();
    if (next) ctx.navigate(`#/chart/${encodeURIComponent(next)}`);
  });
  const buttons = Object.keys(TIMEFRAMES).map((name) => h("button", {
    type: "button", "aria-pressed": name === timeframe ? "true" : "false", "data-test": `chart-timeframe-${name}`,
    on: { click: () => choose(name) },
  }, name));
  const last = h("span", { class: "figure-value-inline", "data-test": "chart-last" }, "—");
  const box = h("div", { class: "chart tall", "data-test": "chart", "data-symbol": symbol, role: "img", "aria-label": `Candles of ${symbol}` });
  const status = h("div", { "data-test": "chart-state" });
  root.append(h("section", { class: "panel", "aria-labelledby": "chart-title" },
    h("div", { class: "view-header" },
      h("h1", { id: "chart-title" }, symbol, " ", last),
      form,
      h("div", { class: "segments", role: "group", "aria-label": "Timeframe" }, buttons),
      h("a", { class: "button", href: `#/ticket/${encodeURIComponent(symbol)}` }, "Trade")),
    box, attribution(), status));

  const { chart, colors, dispose } = makeChart(box);
  let orderPrices = []; // the open orders' prices, kept in view by the price scale
  const series = chart.addSeries(CandlestickSeries, {
    upColor: colors.gain, downColor: colors.loss, borderVisible: false, wickUpColor: colors.gain, wickDownColor: colors.loss,
    autoscaleInfoProvider: (original) => {
      const found = original();
      if (!found || !found.priceRange || !orderPrices.length) return found;
      const { minValue, maxValue } = found.priceRange;
      return { ...found, priceRange: { minValue: Math.min(minValue, ...orderPrices), maxValue: Math.max(maxValue, ...orderPrices) } };
    },
  });
  const markers = createSeriesMarkers(series, []);
  let lines = [];
  let candles = []; // in time order; the last one is live
  let live = true;
  let generation = 0; // a load superseded by a newer one (another timeframe) drops its answer

  // The bucket a time (UTC seconds) falls in: counted from the first candle, as the server's bars are aligned.
  function bucket(seconds) {
    const step = TIMEFRAMES[timeframe];
    const anchor = candles.length ? candles[0].time : 0;
    return anchor + Math.floor((seconds - anchor) / step) * step;
  }

  function apply(seconds, open, high, low, close) {
    if (!candles.length) {
      // The first price of a symbol with no bars yet starts its first candle (aligned to the timeframe in UTC).
      const step = TIMEFRAMES[timeframe];
      candles.push({ time: Math.floor(seconds / step) * step, open, high, low, close });
      series.update({ ...candles[0] });
      box.setAttribute("data-bars", "1");
      replace(status);
      replace(last, price(String(close)));
      return;
    }
    const at = bucket(seconds);
    const current = candles[candles.length - 1];
    if (at < current.time) return; // late: the stored bars have it
    if (at === current.time) {
      current.high = Math.max(current.high, high);
      current.low = Math.min(current.low, low);
      current.close = close;
      series.update({ ...current });
    } else {
      const next = { time: at, open, high, low, close };
      candles.push(next);
      series.update({ ...next });
      box.setAttribute("data-bars", String(candles.length));
    }
    replace(last, price(String(close)));
  }

  async function loadBars() {
    const mine = ++generation;
    states.loading(status);
    box.setAttribute("data-timeframe", timeframe);
    const start = new Date(Date.now() - LOOKBACK_DAYS[timeframe] * 86400000).toISOString();
    try {
      const found = await ctx.api.get(`/v2/stocks/${encodeURIComponent(symbol)}/bars`, { timeframe, start, limit: 1000, sort: "desc" });
      if (!live || mine !== generation) return;
      candles = (found.bars || []).map((bar) => ({ time: chartTime(bar.t), open: bar.o, high: bar.h, low: bar.l, close: bar.c })).reverse();
      series.setData(candles.map((candle) => ({ ...candle })));
      box.setAttribute("data-bars", String(candles.length));
      // The latest candles at a readable width; scrolling back shows the rest.
      if (candles.length > 160) chart.timeScale().setVisibleLogicalRange({ from: candles.length - 160, to: candles.length + 2 });
      else chart.timeScale().fitContent();
      if (candles.length) {
        replace(last, price(String(candles[candles.length - 1].close)));
        replace(status);
      } else {
        states.empty(status, `No bars of ${symbol} at ${timeframe} yet.`);
      }
      loadOverlays();
    } catch (error) {
      if (live && mine === generation) states.failure(status, error);
    }
  }

  // Fills as markers (snapped to their candle) and open orders' prices as lines.
  async function loadOverlays() {
    try {
      const [fills, orders] = await Promise.all([
        ctx.api.get("/v2/account/activities", { activity_types: "FILL", direction: "desc", page_size: 100 }),
        ctx.api.get("/v2/orders", { status: "open", symbols: symbol, nested: "true", limit: 500 }),
      ]);
      if (!live) return;
      const first = candles.length ? candles[0].time : Infinity;
      const drawn = fills
        .filter((fill) => fill.symbol === symbol && chartTime(fill.transaction_time) >= first)
        .map((fill) => ({
          time: bucket(chartTime(fill.transaction_time)),
          position: fill.side === "buy" ? "belowBar" : "aboveBar",
          shape: fill.side === "buy" ? "arrowUp" : "arrowDown",
          color: fill.side === "buy" ? colors.gain : colors.loss,
          text: `${fill.side === "buy" ? "B" : "S"} ${fill.qty} @ ${fill.price}`,
        }))
        .sort((a, b) => a.time - b.time);
      markers.setMarkers(drawn);
      box.setAttribute("data-markers", String(drawn.length));
      for (const line of lines) series.removePriceLine(line);
      lines = [];
      orderPrices = [];
      const every = orders.flatMap((order) => [order, ...(order.legs || [])]).filter((order) => order.symbol === symbol);
      for (const order of every) {
        for (const [field, label] of [["limit_price", "LMT"], ["stop_price", "STP"]]) {
          if (!order[field]) continue;
          orderPrices.push(Number(order[field]));
          lines.push(series.createPriceLine({
            price: Number(order[field]), // drawing only
            color: order.side === "buy" ? colors.gain : colors.loss,
            lineStyle: LineStyle.Dashed,
            lineWidth: 1,
            axisLabelVisible: true,
            title: `${order.side} ${label} ${order.qty || order.notional || ""}`.trim(),
          }));
        }
      }
      box.setAttribute("data-lines", String(lines.length));
    } catch (error) {
      if (live) ctx.toast(`The chart's orders and fills: ${error.message}`, "error");
    }
  }

  function choose(next) {
    timeframe = lastTimeframe = next;
    for (const button of buttons) button.setAttribute("aria-pressed", button.textContent === next ? "true" : "false");
    loadBars();
  }

  const stopTrades = ctx.market.watch("trades", symbol, (trade) => {
    const seconds = chartTime(trade.t);
    apply(seconds, trade.p, trade.p, trade.p, trade.p);
  });
  const stopBars = ctx.market.watch("bars", symbol, (bar) => {
    // A finished minute: its high and low are exact (a trade may have been missed while reconnecting).
    if (!candles.length) return;
    const at = bucket(chartTime(bar.t));
    const current = candles[candles.length - 1];
    if (at === current.time) {
      current.high = Math.max(current.high, bar.h);
      current.low = Math.min(current.low, bar.l);
      series.update({ ...current });
    } else if (at > current.time) {
      apply(chartTime(bar.t), bar.o, bar.h, bar.l, bar.c);
    }
  });
  const refresh = coalesce(loadOverlays);
  const stopUpdates = ctx.trading.on("trade_updates", (update) => {
    if (update && update.order && update.order.symbol !== symbol) return;
    refresh.trigger();
  });

  loadBars();
  return () => {
    live = false;
    stopTrades();
    stopBars();
    stopUpdates();
    refresh.cancel();
    dispose();
  };
}
