// The notifications view of /app: the history from GET /v2/notifications (paged, newest first, the unread
// count), mark one or all read, and the live feed from the trading stream prepended without a reload.
//
// data-test hooks:
//   notifications              the list (<ul>); each item <li data-test="notification" data-id data-type data-read>
//   notifications-empty        shown when there is none
//   notifications-unread       the unread count (its text is the number)
//   notifications-read-all     marks every notification read
//   notifications-unread-only  the "unread only" filter (a checkbox)
//   notifications-type         the type filter (a select)
//   notification-read          an item's "mark read" button (unread items only)
//   notifications-more         loads the next page
//   notifications-live         the live feed's state text (data-state: connecting, open, closed)
import { money, qty, states, time } from "../dom.js";
import { busy, el, fill, select } from "./views_kit.js";

export const title = "Notifications";

const PAGE = 50;
const TYPES = [
  "order.filled", "order.canceled", "order.rejected", "risk.limit_warning", "risk.state_changed", "strategy.signal",
  "strategy.error", "account.funds", "alert.triggered", "webhook.disabled",
];

// One line telling what a notification says; every value ends up as text.
export function summary(notification) {
  const d = notification.data || {};
  switch (notification.type) {
    case "order.filled":
      return `${d.side === "sell" ? "Sold" : "Bought"} ${qty(d.qty)} ${d.symbol} at ${money(d.price)} (${d.order_status === "filled" ? "filled" : `${qty(d.filled_qty)} filled, ${qty(d.leaves_qty)} left`})`;
    case "order.canceled":
      return `Order ${d.side} ${d.symbol} canceled: ${d.reason}`;
    case "order.rejected":
      return `Order ${d.side} ${d.symbol} rejected: ${d.reason}`;
    case "risk.limit_warning":
      return `Risk warning (${d.limit}): ${d.message}`;
    case "risk.state_changed":
      return `Trading state ${d.state}: ${d.reason}`;
    case "strategy.signal":
      return `Strategy ${d.rule} on ${d.symbol} (${d.side}), bar ${time(d.bar_time)}`;
    case "strategy.error":
      return `Strategy ${d.rule} on ${d.symbol} refused: ${d.refusal}`;
    case "account.funds":
      return `${d.kind === "withdrawal" ? "Withdrawal" : "Deposit"} of ${money(d.amount)}${d.description ? `: ${d.description}` : ""}`;
    case "alert.triggered":
      return `Alert on ${d.symbol || d.metric || d.kind}: ${d.condition && typeof d.condition === "string" ? d.condition.replace("_", " ") + " " : ""}${d.level ?? ""} at ${d.price ?? d.value ?? ""}${d.note ? ` — ${d.note}` : ""}`;
    case "webhook.disabled":
      return `Webhook ${d.url} disabled: ${d.reason}`;
    default:
      return notification.type;
  }
}

export function render(root, ctx) {
  let alive = true;
  const byId = new Map();
  let unread = 0;
  let liveSeen = 0; // notifications told live so far: a listing asked for before one of them may not count it
  let nextToken = null;
  const list = el("ul", { class: "feed", "data-test": "notifications", "aria-live": "polite", "aria-label": "Notifications" });
  const listBox = el("div");
  const emptyText = el("p", { class: "state state-empty", "data-test": "notifications-empty" }, "No notification yet.");
  const count = el("span", { class: "badge badge-count", "data-test": "notifications-unread", "aria-label": "Unread notifications" }, "0");
  const readAll = el("button", { type: "button", class: "button-secondary", "data-test": "notifications-read-all" }, "Mark all read");
  const unreadOnly = el("input", { type: "checkbox", "data-test": "notifications-unread-only" });
  const typeFilter = select({ "data-test": "notifications-type", "aria-label": "Type" }, [["", "All types"], ...TYPES.map((t) => [t, t])]);
  const more = el("button", { type: "button", class: "button-secondary", "data-test": "notifications-more" }, "Older");
  more.hidden = true;
  const live = el("span", { class: "live-state", "data-test": "notifications-live", "data-state": "connecting" }, "Live: connecting…");

  function setUnread(value) {
    unread = Math.max(0, value);
    fill(count, String(unread));
  }

  function item(notification) {
    const read = Boolean(notification.read_at);
    const node = el("li", {
      class: `feed-item${read ? "" : " unread"}`, "data-test": "notification", "data-id": notification.id,
      "data-type": notification.type, "data-read": read ? "true" : "false",
    },
      el("div", { class: "feed-line" },
        el("span", { class: "feed-type" }, notification.type),
        el("time", { datetime: notification.created_at }, time(notification.created_at))),
      el("p", { class: "feed-text" }, summary(notification)),
      el("details", { class: "feed-data" }, el("summary", {}, "Details"),
        el("pre", { class: "json" }, JSON.stringify(notification.data, null, 2))));
    if (!read) {
      const mark = el("button", { type: "button", class: "button-link", "data-test": "notification-read",
        "aria-label": `Mark the ${notification.type} notification read` }, "Mark read");
      mark.addEventListener("click", async () => {
        try {
          const done = await busy(mark, () => ctx.api.post(`/v2/notifications/${encodeURIComponent(notification.id)}/read`));
          if (!alive) return;
          replace(done);
          setUnread(unread - 1);
        } catch (failure) {
          ctx.toast(failure.message, "error");
        }
      });
      node.querySelector(".feed-line").append(mark);
    }
    return node;
  }

  function replace(notification) {
    const old = byId.get(notification.id);
    const node = item(notification);
    byId.set(notification.id, node);
    if (old) old.replaceWith(node);
    return node;
  }

  function showEmpty() {
    emptyText.hidden = byId.size > 0;
  }

  function matches(notification) {
    return (!typeFilter.value || notification.type === typeFilter.value) && (!unreadOnly.checked || !notification.read_at);
  }

  async function page(reset) {
    if (reset) {
      byId.clear();
      fill(list);
      nextToken = null;
      states.loading(listBox);
    }
    try {
      const query = { limit: PAGE };
      if (typeFilter.value) query.types = typeFilter.value;
      if (unreadOnly.checked) query.unread = "true";
      if (!reset && nextToken) query.page_token = nextToken;
      const mark = liveSeen;
      const found = await busy(more, () => ctx.api.get("/v2/notifications", query));
      if (!alive) return;
      fill(listBox);
      for (const notification of found.notifications) {
        if (!byId.has(notification.id)) list.append(replace(notification));
      }
      nextToken = found.next_page_token;
      more.hidden = !nextToken;
      setUnread(found.unread);
      if (liveSeen !== mark) recount();
      showEmpty();
    } catch (failure) {
      if (alive) states.failure(listBox, failure);
    }
  }

  // A notification told live while a listing was on its way may be missing from that listing's unread count:
  // ask again, until an answer comes back with none told meanwhile (an answer is read after what came before it).
  async function recount() {
    const mark = liveSeen;
    try {
      const found = await ctx.api.get("/v2/notifications", { limit: 1 });
      if (!alive) return;
      setUnread(found.unread);
      if (liveSeen !== mark) recount();
    } catch (failure) {
      if (alive) ctx.toast(failure.message, "error");
    }
  }

  readAll.addEventListener("click", async () => {
    try {
      const done = await busy(readAll, () => ctx.api.post("/v2/notifications/read_all"));
      if (!alive) return;
      setUnread(done.unread);
      page(true);
    } catch (failure) {
      ctx.toast(failure.message, "error");
    }
  });
  unreadOnly.addEventListener("change", () => page(true));
  typeFilter.addEventListener("change", () => page(true));
  more.addEventListener("click", () => page(false));

  // The feed hands either the stream's message ({stream, data}) or its data: take the notification either way.
  const unsubscribe = ctx.trading ? ctx.trading.on("notifications", (message) => {
    if (!alive || !message) return;
    const notification = message.stream ? message.data : message;
    if (!notification || !notification.id || byId.has(notification.id)) return;
    liveSeen += 1;
    setUnread(unread + 1);
    if (!matches({ ...notification, read_at: null })) return;
    list.prepend(replace({ ...notification, read_at: null }));
    showEmpty();
  }) : null;
  const unwatch = ctx.trading && typeof ctx.trading.onStatus === "function"
    ? ctx.trading.onStatus((state) => {
      if (!alive) return;
      live.setAttribute("data-state", state);
      fill(live, `Live: ${state === "open" ? "on" : state}`);
    })
    : null;
  if (!unwatch) fill(live, "Live feed");

  fill(root,
    el("header", { class: "view-header" },
      el("h1", {}, "Notifications ", count),
      live),
    el("section", { class: "panel", "aria-label": "Notifications" },
      el("div", { class: "toolbar" },
        typeFilter,
        el("label", { class: "check" }, unreadOnly, " unread only"),
        readAll),
      listBox, emptyText, list, more));
  emptyText.hidden = true;
  page(true);
  return () => {
    alive = false;
    if (typeof unsubscribe === "function") unsubscribe();
    if (typeof unwatch === "function") unwatch();
  };
}
