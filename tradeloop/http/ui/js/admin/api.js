// The admin API client: opens a session with the admin key and a TOTP code, then sends its token on every call.
// The token lives in this module's memory only (never sessionStorage, localStorage or a cookie): a reload or
// "Sign out" forgets it, and it is dropped when the API says it has expired or answers 401.
// No data-test hooks here (no elements).

/** A refused call: the server's own message, its HTTP status and its Alpaca-style code. */
export class AdminError extends Error {
  constructor(message, {status = 0, code = null, body = null, retryAfter = null} = {}) {
    super(message);
    this.name = "AdminError";
    this.status = status;
    this.code = code;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

let session = null; // {token, expiresAt: Date}
let expiryTimer = null;
let onEnd = () => {};

/** Call `handler(message)` whenever the session ends by itself (expired, or a call answered 401). */
export function onSessionEnd(handler) {
  onEnd = handler;
}

/** When the current session ends, on this browser's clock (a Date), or null when signed out. */
export function sessionExpiry() {
  return session ? session.expiresAt : null;
}

export function signedIn() {
  return session !== null;
}

/** Trade the admin key and a TOTP code for a session token (POST /admin/v1/sessions); throws AdminError. */
export async function signIn(adminKey, code) {
  forget();
  let serverNow = NaN;
  const body = await send("POST", "/admin/v1/sessions", {
    headers: {"Authorization": `Bearer ${adminKey}`, "X-TOTP-Code": code},
    onResponse: (response) => {
      serverNow = Date.parse(response.headers.get("Date") || "");
    },
  });
  const expiresAt = new Date(body.expires_at);
  // The session lasts as long as the server's clock says, measured from the answer's Date, so a browser clock
  // that is off neither ends it early nor keeps it late (beyond the Date header's one-second grain).
  const lifetime = expiresAt.getTime() - (Number.isNaN(serverNow) ? Date.now() : serverNow);
  session = {token: body.token, expiresAt: new Date(Date.now() + lifetime)};
  expiryTimer = setTimeout(() => end("Your admin session has expired. Sign in again with a fresh code."),
    Math.max(0, Math.min(lifetime, 2 ** 31 - 1)));
  return session;
}

/** Forget the token (sign out); the server's session simply runs out. */
export function signOut() {
  forget();
}

function forget() {
  session = null;
  if (expiryTimer !== null) {
    clearTimeout(expiryTimer);
    expiryTimer = null;
  }
}

function end(message) {
  if (session === null) return;
  forget();
  onEnd(message);
}

/** Calls of the admin API with the session's token; each returns the parsed JSON answer or throws AdminError. */
export const admin = {
  get: (path, query) => call("GET", path, {query}),
  post: (path, body) => call("POST", path, {body}),
  patch: (path, body) => call("PATCH", path, {body}),
  delete: (path) => call("DELETE", path, {}),
};

async function call(method, path, {body, query}) {
  if (session === null) throw new AdminError("You are signed out.", {status: 401});
  try {
    return await send(method, path, {body, query, headers: {"Authorization": `Bearer ${session.token}`}});
  } catch (error) {
    if (error instanceof AdminError && error.status === 401) {
      end(`Signed out: ${error.message}`);
    }
    throw error;
  }
}

async function send(method, path, {body, query, headers = {}, onResponse = () => {}}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  const init = {method, headers: {"Accept": "application/json", ...headers}, cache: "no-store", credentials: "omit"};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new AdminError("The server cannot be reached. Check that it is running, then try again.");
  }
  onResponse(response);
  const text = await response.text();
  let payload = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (!response.ok) {
    const retry = response.headers.get("Retry-After");
    throw new AdminError(refusalText(payload, response), {
      status: response.status,
      code: payload && typeof payload === "object" ? payload.code ?? null : null,
      body: payload,
      retryAfter: retry === null ? null : Number(retry),
    });
  }
  return payload;
}

function refusalText(payload, response) {
  if (payload && typeof payload === "object") {
    for (const field of ["message", "detail", "title"]) {
      if (typeof payload[field] === "string" && payload[field]) return payload[field];
    }
  }
  return `${response.status} ${response.statusText || "error"}`;
}
