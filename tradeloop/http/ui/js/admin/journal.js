// Section "Journal" (#/journal): walk the journal's hash chain (GET /admin/v1/journal/verify) and take a snapshot of
// every account now, compacting the journal (POST /admin/v1/snapshots).
// data-test hooks:
//   verify-journal        the "Verify the journal" button
//   journal-result        the verification's result (data-ok="true" / "false")
//   take-snapshot         the "Take a snapshot" button; take-snapshot-confirm takes it
//   snapshot-result       what the snapshot took
//   journal-error         refusal of either call

import {clear, states} from "../dom.js";
import {admin} from "./api.js";
import {busy, confirmButton, el, errorBox} from "./forms.js";

export const title = "Journal";

export function render(root, ctx) {
  const verdict = el("div", {"aria-live": "polite"});
  const taken = el("div", {"aria-live": "polite"});
  const refusal = errorBox("journal-error");

  const verify = el("button", {type: "button", class: "primary", "data-test": "verify-journal"}, "Verify the journal");
  verify.addEventListener("click", async () => {
    refusal.clear();
    states.loading(verdict);
    try {
      const report = await busy(verify, () => admin.get("/admin/v1/journal/verify"));
      clear(verdict);
      verdict.append(chainReport(report));
    } catch (error) {
      clear(verdict);
      refusal.show(error);
    }
  });

  const snapshot = confirmButton("Take a snapshot", "Snapshot every account now and compact the journal?", "Snapshot",
    async () => {
      refusal.clear();
      const answer = await admin.post("/admin/v1/snapshots");
      clear(taken);
      taken.append(el("p", {class: "state good", "data-test": "snapshot-result"},
        `Snapshot of ${answer.accounts} ${answer.accounts === 1 ? "account" : "accounts"} at journal position ${answer.journal_position}.`));
      ctx.toast("Snapshot taken.", "info");
    }, {attrs: {"data-test": "take-snapshot"}, onError: (error) => refusal.show(error)});

  root.append(
    el("section", {class: "panel", "aria-labelledby": "verify-head"},
      el("h2", {id: "verify-head"}, "Hash chain"),
      el("p", {class: "hint"}, "Reads every journal record since the last snapshot and checks that each one links to the one before."),
      el("div", {class: "actions"}, verify), verdict),
    el("section", {class: "panel", "aria-labelledby": "snapshot-head"},
      el("h2", {id: "snapshot-head"}, "Snapshots"),
      el("p", {class: "hint"}, "Writes every account's state now; the journal records it covers are then compacted away."),
      el("div", {class: "actions"}, snapshot), taken),
    refusal.el,
  );
  return () => {};
}

function chainReport(report) {
  const span = report.records === 0
    ? "no record since the last snapshot"
    : `${report.records} ${report.records === 1 ? "record" : "records"}, positions ${report.first_position} to ${report.last_position}`;
  const head = report.ok ? `Intact: ${span}.` : `Broken at position ${report.problem_position ?? "?"}: ${report.problem ?? "unknown problem"}.`;
  return el("div", {class: `state ${report.ok ? "good" : "error"}`, "data-test": "journal-result", "data-ok": String(report.ok),
    role: report.ok ? "status" : "alert"},
    el("p", {}, head),
    report.ok ? null : el("p", {}, `${span}.`));
}
