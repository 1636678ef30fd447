/** The person's data: downloading all of it after a step-up, and closing the account. */
import { errorMessage, newIdempotencyKey } from "../api";
import type { ClosureCheck, ExportArchive, ExportStarted } from "../api-types";
import type { Ctx } from "../context";
import { button, h } from "../dom";
import { pinErrorMessage } from "./pin";
import { inSheet, progress } from "./sheet-flow";
import { askStepUp, confirmationResponse } from "./step-up";

/** A link that saves text as a file, made in the browser: the export never sits on a server. */
function saveLink(name: string, type: string, text: string, label: string): HTMLAnchorElement {
  const link = h("a", { href: URL.createObjectURL(new Blob([text], { type })), className: "button secondary" }, label);
  link.download = name;
  return link;
}

/**
 * "Download my data": a step-up (PIN or biometric) bound to a new export, then the archive,
 * answered once and saved by the browser (JSON of everything, and a CSV statement).
 */
export function downloadMyData(ctx: Ctx): Promise<void> {
  return inSheet(ctx, "Download your data", async (sheet) => {
    sheet.show("Download your data", progress("Preparing…"));
    const started = await ctx.api.post<ExportStarted>("/v1/me/exports", { idempotencyKey: newIdempotencyKey() });
    let archive: ExportArchive | undefined;
    let error: string | null = null;
    while (!archive) {
      const answer = await askStepUp(sheet, {
        title: "Confirm it is you",
        lead: h("p", {}, "Everything we hold about you is put together once, for you, and not kept."),
        methods: started.confirmation.methods.map((m) => m.method),
        error,
      });
      sheet.show("Download your data", progress("Putting it together…"));
      try {
        const response = await confirmationResponse(started.confirmation, answer);
        archive = await ctx.api.post<ExportArchive>(
          `/v1/me/exports/${encodeURIComponent(started.export_id)}/download`,
          {
            body: { challenge_id: started.confirmation.challenge_id, method: answer.method, response },
          },
        );
      } catch (err) {
        error = answer.method === "pin" ? pinErrorMessage(err) : errorMessage(err);
      }
    }
    const day = archive.generated_at.slice(0, 10);
    const tables = Object.keys(archive.tables).length;
    const links = [
      saveLink(`chat-pay-${day}.json`, "application/json", JSON.stringify(archive, null, 2), "Save everything (JSON)"),
      saveLink(`chat-pay-statement-${day}.csv`, "text/csv", archive.statement_csv, "Save the statement (CSV)"),
    ];
    try {
      await sheet.step<void>("Your data", (done) => [
        h("p", {}, `Everything we hold about you, from ${tables} kinds of record, as of ${day}.`),
        h("div", { className: "button-row wrap" }, links),
        h("p", { className: "muted" }, "Only this page has it, until you close this; then it is forgotten."),
        button("Done", "primary", () => done()),
      ]);
    } finally {
      for (const link of links) URL.revokeObjectURL(link.href);
    }
    sheet.close();
  });
}

/**
 * "Close my account": what stands in the way (money moving or waiting), or a last word, then
 * the closing; the session ends with it.
 */
export function closeMyAccount(ctx: Ctx, onClosed: () => void): Promise<void> {
  return inSheet(ctx, "Close your account", async (sheet) => {
    sheet.show("Close your account", progress("Checking…"));
    const check = await ctx.api.get<ClosureCheck>("/v1/me/closure");
    if (!check.closable) {
      await sheet.step<void>("Not yet", (done) => [
        h("p", {}, "Your account can close once no money is moving or waiting for you:"),
        h(
          "ul",
          { className: "closure-reasons" },
          check.reasons.map((r) => h("li", { attrs: { "data-reason": r.code } }, r.message)),
        ),
        button("OK", "primary", () => done()),
      ]);
      sheet.close();
      return;
    }
    await sheet.step<void>("Close your account", (done) => [
      h(
        "p",
        {},
        "Your cards, passkeys, PIN, messages, settings and security history are deleted, and your cards are removed at our card processor.",
      ),
      h(
        "p",
        {},
        "Payments you made or received are kept for the retention the law asks, under a random id with nothing that names you (others see “A former user”), and then deleted.",
      ),
      h("p", { className: "error" }, "This cannot be undone."),
      button("Close my account", "danger", () => done()),
    ]);
    sheet.show("Close your account", progress("Closing…"));
    await ctx.api.post("/v1/me/closure", { body: { confirm: "close my account" } });
    sheet.close();
    onClosed();
  });
}
