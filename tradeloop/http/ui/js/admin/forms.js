// Small building blocks the console's sections share: labelled fields, busy buttons, refusal boxes,
// two-step confirmations and the box that shows a new secret once. Everything is built with dom.js's h(),
// so every value from the API is a text node.
// data-test hooks made here (each section names its own prefix):
//   <prefix>-error       the refusal box of a form (role=alert; the server's message text)
//   secret-once          the box showing a new key pair once; secret-value inside it; secret-done dismisses it
//   <hook>-confirm       the second step of a two-step button whose first step has data-test="<hook>"

import {busy, h} from "../dom.js";

export {busy};

let nextId = 0;

/** h() that also takes arrays of children and skips null, undefined and false ones. */
export function el(tag, attrs, ...children) {
  const {hidden, ...given} = attrs || {};
  const kept = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== null && value !== undefined));
  const flat = children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false);
  const node = h(tag, kept, ...flat.map((child) => (typeof child === "number" ? String(child) : child)));
  if (hidden) node.hidden = true;
  return node;
}

/** A unique element id for label/input pairs. */
export function uid(stem) {
  nextId += 1;
  return `${stem}-${nextId}`;
}

/** An input with its label (and an optional hint read out with it). Returns {row, input}. */
export function field(label, attrs = {}, hint = null) {
  const id = attrs.id || uid("field");
  const hintId = hint ? `${id}-hint` : null;
  const input = attrs.tag === "select"
    ? el("select", {...without(attrs, "tag", "options"), id, ...(hintId ? {"aria-describedby": hintId} : {})},
      (attrs.options || []).map(([value, text]) => el("option", {value}, text)))
    : el("input", {type: "text", ...without(attrs, "tag"), id, ...(hintId ? {"aria-describedby": hintId} : {})});
  const row = el("div", {class: "field"},
    el("label", {for: id}, label),
    input,
    hint ? el("small", {id: hintId, class: "hint"}, hint) : null);
  return {row, input};
}

function without(attrs, ...names) {
  const copy = {...attrs};
  for (const name of names) delete copy[name];
  return copy;
}

/** A refusal box (role=alert) for a form: show(error) puts the server's message in it as text. */
export function errorBox(testId) {
  const box = el("p", {class: "refusal", role: "alert", "data-test": testId, hidden: true});
  return {
    el: box,
    show(error) {
      box.textContent = error && error.message ? error.message : String(error);
      box.hidden = false;
    },
    clear() {
      box.textContent = "";
      box.hidden = true;
    },
  };
}

/**
 * A form whose submit (button or Enter) runs `action(event)` with its submit button busy and its refusal box
 * filled when the action throws. form-action 'none' in the page's policy forbids a native submit anyway.
 */
export function actionForm(attrs, children, {submit, errorTest, action}) {
  const errors = errorBox(errorTest);
  const button = el("button", {type: "submit", class: "primary", ...submit.attrs}, submit.label);
  const form = el("form", {...attrs, novalidate: ""}, children, el("div", {class: "actions"}, button), errors.el);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    try {
      await busy(button, () => action(event));
    } catch (error) {
      errors.show(error);
    }
  });
  return {form, button, errors};
}

/**
 * A button that asks once more before acting: the first press shows "confirm" and "cancel" buttons in its place.
 * `action` runs on confirm; its refusal goes to `onError`.
 */
export function confirmButton(label, question, confirmLabel, action, {attrs = {}, onError = () => {}} = {}) {
  const start = el("button", {type: "button", ...attrs}, label);
  const confirm = el("button", {type: "button", class: "danger",
    "data-test": attrs["data-test"] ? `${attrs["data-test"]}-confirm` : null}, confirmLabel);
  const cancel = el("button", {type: "button"}, "Cancel");
  const prompt = el("span", {class: "confirm", role: "group", "aria-label": question, hidden: true},
    el("span", {class: "confirm-question"}, question), confirm, cancel);
  const wrap = el("span", {class: "confirm-wrap"}, start, prompt);
  const close = () => {
    prompt.hidden = true;
    start.hidden = false;
    start.focus();
  };
  start.addEventListener("click", () => {
    start.hidden = true;
    prompt.hidden = false;
    confirm.focus();
  });
  cancel.addEventListener("click", close);
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  confirm.addEventListener("click", async () => {
    try {
      await busy(confirm, action);
      if (wrap.isConnected) close();
    } catch (error) {
      onError(error);
      if (wrap.isConnected) close();
    }
  });
  return wrap;
}

/**
 * The box that shows new credentials once: the API never shows the secret again, so it stays until dismissed,
 * with a copy button per value. `rows` are [label, value, testId?].
 */
export function secretOnce(title, rows, onDone) {
  const box = el("section", {class: "secret-once", "data-test": "secret-once", role: "region", "aria-label": title},
    el("h3", {}, title),
    el("p", {class: "hint"}, "Copy the secret key now: it is shown only this once and cannot be read back later."),
    el("dl", {class: "pairs"}, rows.map(([label, value, testId]) => [
      el("dt", {}, label),
      el("dd", {},
        el("code", {"data-test": testId || null}, value),
        el("button", {type: "button", class: "small", on: {click: (event) => copy(event.currentTarget, value)}}, "Copy")),
    ])),
    el("div", {class: "actions"},
      el("button", {type: "button", "data-test": "secret-done", on: {click: () => {
        box.remove();
        if (onDone) onDone();
      }}}, "I have saved it")));
  return box;
}

async function copy(button, value) {
  try {
    await navigator.clipboard.writeText(value);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Select and copy by hand";
  }
}

/** The decimal text a field holds, trimmed; "" when empty. Numbers stay strings: no float on money. */
export function decimalText(input) {
  return input.value.trim();
}
