import type { Deps } from "../../deps";
import { deleteEventsBefore } from "./stripe-events.repository";

/**
 * How long a handled event's id is kept to recognise Stripe delivering it again. Stripe retries
 * an undelivered event for up to three days; a month is a wide margin, and the ids of Stripe's
 * objects (a closed account's cards and payout account among them) go after it.
 */
export const STRIPE_EVENT_RETENTION_MS = 30 * 86_400_000;

/** Deletes recorded Stripe events past their retention; for the periodic sweep. */
export function purgeOldStripeEvents(deps: Pick<Deps, "db" | "clock">, limit: number): Promise<number> {
  return deleteEventsBefore(deps.db, new Date(deps.clock.now().getTime() - STRIPE_EVENT_RETENTION_MS), limit);
}
