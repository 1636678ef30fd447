import type { Deps } from "./deps";
import { purgeOldEvents } from "./features/events";
import { expirePendingTransfers } from "./features/ledger";
import { sweepPayments } from "./features/payments";
import { sweepRequests } from "./features/requests";
import { purgeStaleChallenges } from "./features/security";
import { purgeExpiredIdempotencyKeys } from "./http/idempotency";

const PURGE_BATCH_SIZE = 1_000;

/**
 * Periodic housekeeping; safe to run from several processes at once. Each step stands alone:
 * one failing (say, the database briefly away) is logged and the others still run.
 */
export async function runSweep(deps: Deps) {
  const step = async <T>(name: string, work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      deps.logger.error({ err, step: name }, "sweep step failed");
      return fallback;
    }
  };
  return {
    payments: await step("payments", () => sweepPayments(deps), undefined),
    requestsExpired: await step("requests", () => sweepRequests(deps), 0),
    idempotencyKeysPurged: await step("idempotency keys", () => purgeExpiredIdempotencyKeys(deps, PURGE_BATCH_SIZE), 0),
    pendingTransfersExpired: await step("ledger holds", () => expirePendingTransfers(deps), 0),
    challengesPurged: await step("challenges", () => purgeStaleChallenges(deps, PURGE_BATCH_SIZE), 0),
    eventsPurged: await step("events", () => purgeOldEvents(deps, PURGE_BATCH_SIZE), 0),
  };
}
