import type { Expression } from "kysely";
import type { Db, Trx } from "../../platform/db";
import { resetAtOf } from "./pin.repository";

/** After a PIN reset, payments run under reduced limits for this long. */
export const REDUCED_LIMITS_WINDOW_MS = 24 * 3_600_000;

export function reducedLimitsUntil(resetAt: Date | null): Date | null {
  return resetAt ? new Date(resetAt.getTime() + REDUCED_LIMITS_WINDOW_MS) : null;
}

/**
 * When the person last reset their PIN (null if never), as a scalar subquery another feature's
 * read embeds, so it costs no round trip of its own; with inReducedLimitsWindow, for the
 * payment flow's limits.
 */
export function pinResetAtOf(db: Db | Trx, userId: string): Expression<Date | null> {
  return resetAtOf(db, userId);
}

/** Whether a PIN reset at `resetAt` still lowers the person's limits at `now`. */
export function inReducedLimitsWindow(resetAt: Date | null, now: Date): boolean {
  const until = reducedLimitsUntil(resetAt);
  return until !== null && now < until;
}
