// Charts of /app on the vendored lightweight-charts (TradingView, Apache-2.0): one look for all of them, sized by
// their element, colours from the page's stylesheet (light or dark).
import { h } from "./dom.js";
import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  LineStyle,
  createChart,
  createSeriesMarkers,
} from "../vendor/lightweight-charts/lightweight-charts.mjs";

export { AreaSeries, CandlestickSeries, LineStyle, createSeriesMarkers };

export function palette() {
  const style = getComputedStyle(document.documentElement);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read("--text", "#17202a"),
    muted: read("--muted", "#5b6573"),
    border: read("--border", "#d6dae0"),
    surface: read("--surface", "#ffffff"),
    accent: read("--accent", "#1d4ed8"),
    gain: read("--gain", "#047857"),
    loss: read("--loss", "#b91c1c"),
  };
}

// A chart filling `element` (which sets its size in CSS); returns {chart, colors, dispose}.
export function makeChart(element, { timeVisible = true } = {}) {
  const colors = palette();
  const chart = createChart(element, {
    autoSize: true,
    // The library's own logo brings a <style> element, which the pages' policy refuses: attribution() credits it instead.
    layout: { background: { type: ColorType.Solid, color: colors.surface }, textColor: colors.text, fontSize: 12, attributionLogo: false },
    grid: { vertLines: { color: colors.border }, horzLines: { color: colors.border } },
    rightPriceScale: { borderColor: colors.border },
    timeScale: { borderColor: colors.border, timeVisible, secondsVisible: false },
    crosshair: { mode: CrosshairMode.Normal },
  });
  return { chart, colors, dispose: () => chart.remove() };
}

// An RFC 3339 time as the chart's time (UTC seconds).
export function chartTime(iso) {
  return Math.floor(Date.parse(iso) / 1000);
}

// The credit the library's licence notice asks for, under each chart: a plain link, followed only when clicked.
export function attribution() {
  return h("p", { class: "chart-attribution" }, "Charts by ",
    h("a", { href: "https://www.tradingview.com/", target: "_blank", rel: "noopener noreferrer" }, "TradingView Lightweight Charts™"));
}
