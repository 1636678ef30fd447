import type { Deps } from "../../deps";
import { findPin } from "./pin.repository";

/** After a PIN reset, payments run under reduced limits for this long. */
export const REDUCED_LIMITS_WINDOW_MS = 24 * 3_600_000;

export function reducedLimitsUntil(resetAt: Date | null): Date | null {
  return resetAt ? new Date(resetAt.getTime() + REDUCED_LIMITS_WINDOW_MS) : null;
}

/** Whether the person reset their PIN within the last 24 hours (by the injected clock); for the payment flow's limits. */
export async function isInReducedLimitsWindow(deps: Pick<Deps, "db" | "clock">, userId: string): Promise<boolean> {
  const pin = await findPin(deps.db, userId);
  const until = reducedLimitsUntil(pin?.reset_at ?? null);
  return until !== null && deps.clock.now() < until;
}
