// The REST API from the browser: JSON in and out with the account's key headers, errors as ApiError with the
// server's own message. The keys live in sessionStorage only (gone when the tab closes); nothing in cookies.

export class ApiError extends Error {
  constructor(message, { status = 0, code = null, body = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

const KEY_ID = "tradeloop.keyId";
const SECRET_KEY = "tradeloop.secretKey";

export const credentials = {
  load() {
    const keyId = sessionStorage.getItem(KEY_ID);
    const secretKey = sessionStorage.getItem(SECRET_KEY);
    return keyId && secretKey ? { keyId, secretKey } : null;
  },
  save({ keyId, secretKey }) {
    sessionStorage.setItem(KEY_ID, keyId);
    sessionStorage.setItem(SECRET_KEY, secretKey);
  },
  forget() {
    sessionStorage.removeItem(KEY_ID);
    sessionStorage.removeItem(SECRET_KEY);
  },
};

// "/v2/orders" with {status: "open", symbols: ["A", "B"]} → "/v2/orders?status=open&symbols=A%2CB"; empty values left out.
export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value === null || value === undefined || value === "") continue;
    params.set(name, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

// The message of an error answer: Alpaca's {"code","message"} or a problem+json detail/title.
async function failure(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const message = (body && (body.message || body.detail || body.title)) || text || `${response.status} ${response.statusText}`;
  return new ApiError(message, { status: response.status, code: body && body.code !== undefined ? body.code : null, body });
}

export class Api {
  constructor({ keyId, secretKey }) {
    this.keyId = keyId;
    this.secretKey = secretKey;
  }

  headers(extra = {}) {
    return { "APCA-API-KEY-ID": this.keyId, "APCA-API-SECRET-KEY": this.secretKey, ...extra };
  }

  async request(method, path, { query = null, body = undefined, accept = "application/json" } = {}) {
    const init = { method, headers: this.headers({ Accept: accept }), credentials: "omit", cache: "no-store" };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(withQuery(path, query), init);
    } catch (error) {
      throw new ApiError(`The server cannot be reached (${error.message}).`, { status: 0 });
    }
    if (!response.ok) throw await failure(response);
    return response;
  }

  async json(method, path, options) {
    const response = await this.request(method, path, options);
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  get(path, query) {
    return this.json("GET", path, { query });
  }

  post(path, body) {
    return this.json("POST", path, { body: body === undefined ? undefined : body });
  }

  patch(path, body) {
    return this.json("PATCH", path, { body });
  }

  put(path, body) {
    return this.json("PUT", path, { body });
  }

  delete(path, query) {
    return this.json("DELETE", path, { query });
  }

  // The body as text (CSV or HTML reports); `accept` names the media type asked for.
  async text(path, query, accept = "*/*") {
    const response = await this.request("GET", path, { query, accept });
    return response.text();
  }
}
