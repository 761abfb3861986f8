// WebSockets to this server that come back by themselves: after a drop they reconnect with exponential backoff
// (0.5 s doubling to 30 s, with jitter), authenticate again and send their subscriptions again.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;

export class Stream {
  // path: "/stream" or "/v2/iex"; auth(): the message that authenticates; onMessage(msg) for every decoded frame;
  // onStatus("connecting" | "open" | "closed").
  constructor(path, { auth = null, onMessage = () => {}, onStatus = () => {} } = {}) {
    this.url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;
    this.auth = auth;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.subscriptions = [];
    this.delay = FIRST_DELAY_MS;
    this.timer = null;
    this.socket = null;
    this.closed = false;
    this.status = "closed";
    this.connect();
  }

  setStatus(status) {
    this.status = status;
    this.onStatus(status);
  }

  connect() {
    if (this.closed) return;
    this.setStatus("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (this.auth) socket.send(JSON.stringify(this.auth()));
      for (const message of this.subscriptions) socket.send(JSON.stringify(message));
    });
    socket.addEventListener("message", (event) => {
      let decoded;
      try {
        decoded = JSON.parse(event.data);
      } catch {
        return; // a frame that is not JSON is not ours to show
      }
      if (this.status !== "open") {
        this.delay = FIRST_DELAY_MS; // the server answered: the next drop starts the backoff again
        this.setStatus("open");
      }
      this.onMessage(decoded);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setStatus("closed");
      this.retry();
    });
    // An error is always followed by close, which retries; listening stops the browser reporting it unhandled.
    socket.addEventListener("error", () => {});
  }

  retry() {
    if (this.closed || this.timer !== null) return;
    const wait = this.delay / 2 + Math.random() * (this.delay / 2);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, wait);
  }

  // Sends now if connected; dropped otherwise (use subscribe for what must survive a reconnect).
  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  // Sends `message` now and again after every reconnect, once authenticated.
  subscribe(message) {
    this.subscriptions.push(message);
    this.send(message);
  }

  // Replaces the remembered subscriptions (e.g. after the set of symbols changed) and sends `message` now.
  resubscribe(messages) {
    this.subscriptions = [...messages];
    for (const message of messages) this.send(message);
  }

  close() {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
    this.setStatus("closed");
  }
}

// A small event hub: on(name, handler) → unsubscribe.
class Listeners {
  constructor() {
    this.handlers = new Map();
  }

  on(name, handler) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(handler);
    return () => this.handlers.get(name)?.delete(handler);
  }

  emit(name, data) {
    for (const handler of [...(this.handlers.get(name) || [])]) {
      try {
        handler(data);
      } catch (error) {
        console.warn("a stream handler failed", error);
      }
    }
  }
}

// The trading stream (/stream): trade_updates and notifications of the signed-in account.
// on("trade_updates" | "notifications" | "status", handler) → unsubscribe. "status" gets the connection status.
export class TradingFeed {
  constructor({ keyId, secretKey }) {
    this.listeners = new Listeners();
    this.status = "connecting";
    this.stream = new Stream("/stream", {
      auth: () => ({ action: "authenticate", data: { key_id: keyId, secret_key: secretKey } }),
      onMessage: (message) => this.dispatch(message),
      onStatus: (status) => {
        this.status = status;
        this.listeners.emit("status", status);
      },
    });
    this.stream.subscribe({ action: "listen", data: { streams: ["trade_updates", "notifications"] } });
  }

  dispatch(message) {
    if (message && typeof message.stream === "string") this.listeners.emit(message.stream, message.data);
  }

  on(name, handler) {
    return this.listeners.on(name, handler);
  }

  // The connection's status now and on every change ("connecting" | "open" | "closed") → unsubscribe.
  onStatus(handler) {
    handler(this.status);
    return this.on("status", handler);
  }

  close() {
    this.stream.close();
  }
}

// The market data stream (/v2/iex, Alpaca's protocol): trades (T "t"), quotes ("q"), minute bars ("b"), updated bars
// ("u"), the day's bar ("d"), halts ("s"). watch(channel, symbol, handler) subscribes to the symbol on that channel
// ("trades", "quotes", "bars", "updatedBars", "dailyBars", "statuses") and returns a function that stops watching.
const CHANNEL_OF = { t: "trades", q: "quotes", b: "bars", u: "updatedBars", d: "dailyBars", s: "statuses" };

export class MarketFeed {
  // Connects on the first watch, not before: a tab that shows no prices holds no market data connection
  // (the server allows a few per key and stream).
  constructor({ keyId, secretKey }, path = "/v2/iex") {
    this.listeners = new Listeners();
    this.watched = new Map(); // "channel:symbol" → count
    this.status = "closed";
    this.keys = { keyId, secretKey };
    this.path = path;
    this.stream = null;
  }

  connect() {
    if (this.stream) return this.stream;
    const { keyId, secretKey } = this.keys;
    this.stream = new Stream(this.path, {
      auth: () => ({ action: "auth", key: keyId, secret: secretKey }),
      onMessage: (messages) => {
        for (const message of Array.isArray(messages) ? messages : [messages]) {
          const channel = CHANNEL_OF[message && message.T];
          if (channel) this.listeners.emit(`${channel}:${message.S}`, message);
          else if (message && message.T === "error") this.listeners.emit("error", message);
        }
      },
      onStatus: (status) => {
        this.status = status;
        this.listeners.emit("status", status);
      },
    });
    return this.stream;
  }

  subscription() {
    const channels = {};
    for (const key of this.watched.keys()) {
      const [channel, symbol] = key.split(":");
      (channels[channel] ||= []).push(symbol);
    }
    return channels;
  }

  update(action, channel, symbol) {
    const stream = this.connect();
    stream.resubscribe(Object.keys(this.subscription()).length ? [{ action: "subscribe", ...this.subscription() }] : []);
    if (action === "unsubscribe") stream.send({ action, [channel]: [symbol] });
  }

  watch(channel, symbol, handler) {
    const key = `${channel}:${symbol}`;
    const stop = this.listeners.on(key, handler);
    const count = this.watched.get(key) || 0;
    this.watched.set(key, count + 1);
    if (count === 0) this.update("subscribe", channel, symbol);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      stop();
      const left = (this.watched.get(key) || 1) - 1;
      if (left > 0) {
        this.watched.set(key, left);
      } else {
        this.watched.delete(key);
        this.update("unsubscribe", channel, symbol);
      }
    };
  }

  on(name, handler) {
    return this.listeners.on(name, handler);
  }

  close() {
    if (this.stream) this.stream.close();
  }
}

// A function to call on every event of a burst that runs `fn` once for it: `delay` ms after the first event, and
// never sooner than `gap` ms after its last run (a strategy filling many orders would otherwise spend the key's
// call budget on refreshes). Returns {trigger, cancel}.
export function coalesce(fn, { delay = 250, gap = 1000 } = {}) {
  let timer = null;
  let lastRun = 0;
  return {
    trigger() {
      if (timer !== null) return;
      const wait = Math.max(delay, lastRun + gap - Date.now());
      timer = setTimeout(() => {
        timer = null;
        lastRun = Date.now();
        fn();
      }, wait);
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
