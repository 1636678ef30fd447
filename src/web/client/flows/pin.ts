/** The payment PIN: its pad as a sheet step, choosing or changing it, and what a refusal says. */
import { pinWeakness } from "../../../features/pin/pin-rules";
import { ApiError, errorMessage } from "../api";
import type { PinStatus } from "../api-types";
import type { Ctx } from "../context";
import { errorLine, h } from "../dom";
import { pinPad } from "../keypads";
import type { Sheet } from "../sheet";
import { inSheet, progress } from "./sheet-flow";

function pinStep(sheet: Sheet, title: string, label: string, message: string | null, hint?: string): Promise<string> {
  return sheet.step<string>(title, (done) => {
    const pad = pinPad(label, done);
    return [errorLine(message), hint ? h("p", { className: "muted" }, hint) : null, pad.element];
  });
}

export function pinErrorMessage(err: unknown): string {
  if (err instanceof ApiError && err.code === "PIN_INCORRECT") {
    const left = err.problem.attempts_remaining;
    if (typeof left === "number") {
      return `Incorrect PIN. ${left} ${left === 1 ? "attempt" : "attempts"} left before your PIN is locked.`;
    }
  }
  return errorMessage(err);
}

/**
 * Sets the payment PIN on a PIN pad (or changes it, after the current one) and returns it, so a
 * payment waiting for it can be confirmed without typing it a third time. A PIN the rules refuse
 * is refused as soon as it is typed, with the reason, before it is asked again.
 */
export async function choosePin(ctx: Ctx, sheet: Sheet, change: boolean): Promise<string> {
  const title = change ? "Change your PIN" : "Set a payment PIN";
  let error: string | null = null;
  for (;;) {
    const current = change ? await pinStep(sheet, title, "Current PIN", error) : undefined;
    let first = await pinStep(
      sheet,
      title,
      "New 6-digit PIN",
      change ? null : error,
      "You will confirm payments with it. Avoid birthdays and patterns like 123456 or 112233.",
    );
    let weakness = pinWeakness(first);
    while (weakness) {
      first = await pinStep(sheet, title, "New 6-digit PIN", `Choose another PIN: it ${weakness}.`);
      weakness = pinWeakness(first);
    }
    const second = await pinStep(sheet, title, "Enter the same PIN again", null);
    if (first !== second) {
      error = "The two PINs were different. Try again.";
      continue;
    }
    sheet.show("Saving your PIN", progress("Saving…"));
    try {
      // No Idempotency-Key here: PUT is not replayed, and the PIN should not be fingerprinted anywhere.
      await ctx.api.put<PinStatus>("/v1/me/pin", {
        body: { new_pin: first, ...(current ? { current_pin: current } : {}) },
      });
      sheet.succeeded(change ? "PIN changed" : "Payment PIN set");
      return first;
    } catch (err) {
      error = pinErrorMessage(err);
    }
  }
}

export function changePin(ctx: Ctx, change: boolean, onDone: () => void): Promise<void> {
  return inSheet(ctx, change ? "Change your PIN" : "Set a payment PIN", async (sheet) => {
    await choosePin(ctx, sheet, change);
    sheet.close();
    ctx.announce(change ? "PIN changed" : "Payment PIN set");
    onDone();
  });
}
