// Exact decimal arithmetic on the API's decimal strings, for figures the page derives itself (day P&L, a position's
// value at a live price): BigInt scaled integers, never floating point. Results are decimal strings.

function parse(value) {
  const text = String(value ?? "").trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) return null;
  const fraction = match[3] ?? "";
  const digits = BigInt((match[2] || "0") + fraction);
  return { units: match[1] === "-" ? -digits : digits, scale: fraction.length };
}

function align(a, b) {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

function text({ units, scale }) {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale ? "." + digits.slice(digits.length - scale) : "";
  return (negative ? "-" : "") + whole + fraction;
}

// Rounds half away from zero to `places` decimals.
function round({ units, scale }, places) {
  if (scale <= places) return { units: units * 10n ** BigInt(places - scale), scale: places };
  const divisor = 10n ** BigInt(scale - places);
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return { units: negative ? -quotient : quotient, scale: places };
}

// Each returns null when an operand is not a decimal string (a missing figure stays missing).
export function add(a, b, places = null) {
  const x = parse(a), y = parse(b);
  if (!x || !y) return null;
  const [p, q, scale] = align(x, y);
  const sum = { units: p + q, scale };
  return text(places === null ? sum : round(sum, places));
}

export function subtract(a, b, places = null) {
  const y = parse(b);
  return y ? add(a, text({ units: -y.units, scale: y.scale }), places) : null;
}

export function multiply(a, b, places = null) {
  const x = parse(a), y = parse(b);
  if (!x || !y) return null;
  const product = { units: x.units * y.units, scale: x.scale + y.scale };
  return text(places === null ? product : round(product, places));
}

// a / b to `places` decimals (null when b is zero).
export function divide(a, b, places = 6) {
  const x = parse(a), y = parse(b);
  if (!x || !y || y.units === 0n) return null;
  const extra = places + y.scale + 1;
  const numerator = x.units * 10n ** BigInt(Math.max(0, extra - x.scale + y.scale));
  const scale = x.scale + Math.max(0, extra - x.scale + y.scale) - y.scale;
  return text(round({ units: numerator / y.units, scale }, places));
}

// A JSON number from the streams (a trade's price) as a decimal string.
export function fromNumber(value) {
  return typeof value === "number" && Number.isFinite(value) ? String(value).includes("e") ? value.toFixed(8) : String(value) : null;
}
