import type { ConfirmationPolicy } from "../../deps";
import { AppError } from "../../errors";
import { latestDecision } from "./risk.repository";

/**
 * The confirmation policy under risk: a payment whose latest decision matched a `step_up` rule
 * (whatever stricter outcome it also has) accepts only the strong methods (a passkey), never the PIN; anything else accepts what the person has set
 * up. With no strong method to offer, the payment is refused with what to do about it.
 */
export function stepUpPolicy(strongMethods: readonly string[]): ConfirmationPolicy {
  return async (deps, input) => {
    if (input.confirmable.kind !== "payment") return input.available;
    const decision = await latestDecision(deps.db, input.confirmable.id);
    if (!decision?.reasons.some((r) => r.outcome === "step_up")) return input.available;
    const strong = input.available.filter((m) => strongMethods.includes(m));
    if (strong.length === 0) {
      throw new AppError("PASSKEY_REQUIRED", {
        detail: "This payment needs your passkey, not your PIN; register one in your security settings",
      });
    }
    return strong;
  };
}
