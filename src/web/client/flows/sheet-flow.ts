/** What every flow shares: running in its own sheet, and the progress line between steps. */
import { errorMessage } from "../api";
import type { Ctx } from "../context";
import { type Child, h } from "../dom";
import { Cancelled, Sheet } from "../sheet";

/** Runs a flow in its own sheet; a closed sheet ends it quietly, anything else is shown in it. */
export async function inSheet(ctx: Ctx, title: string, flow: (sheet: Sheet) => Promise<void>): Promise<void> {
  const sheet = new Sheet(title, ctx.viewSignal());
  try {
    await flow(sheet);
  } catch (err) {
    if (err instanceof Cancelled) return;
    if (sheet.closed) {
      ctx.announce(errorMessage(err));
      return;
    }
    const close = h("button", { type: "button", className: "primary" }, "Close");
    close.addEventListener("click", () => sheet.close());
    sheet.show("Could not finish", h("p", { className: "error", attrs: { role: "alert" } }, errorMessage(err)), close);
  }
}

export const progress = (text: string): Child => h("p", { className: "progress", attrs: { role: "status" } }, text);
