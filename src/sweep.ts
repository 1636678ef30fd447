import type { Deps } from "./deps";
import { sweepBanks } from "./features/banks";
import { purgeOldEvents } from "./features/events";
import { expirePendingTransfers } from "./features/ledger";
import { sweepPayments } from "./features/payments";
import { purgeClosedAccounts } from "./features/privacy";
import { sweepRequests } from "./features/requests";
import { purgeStaleChallenges } from "./features/security";
import { purgeOldStripeEvents } from "./features/stripe-webhooks";
import { purgeExpiredIdempotencyKeys } from "./http/idempotency";

const PURGE_BATCH_SIZE = 1_000;
/** The election every process's sweep runs under. */
export const SWEEP_ELECTION = "sweep";

/**
 * Periodic housekeeping, run by one process at a time: every process calls it on its timer, and
 * the one that wins the election sweeps while the others skip this round (undefined). Each step
 * is also safe to run from several processes at once, so a sweep whose election was lost midway
 * (its connection died, letting another process in) stops before its next step rather than
 * racing, and nothing depends on the election for correctness. Each step stands alone: one
 * failing (say, the database briefly away) is logged and the others still run.
 */
export async function runSweep(deps: Deps) {
  const run = await deps.election(SWEEP_ELECTION, async (lease) => {
    const step = async <T>(name: string, work: () => Promise<T>, fallback: T): Promise<T> => {
      if (!lease.held()) {
        deps.logger.warn({ step: name }, "sweep step skipped: the sweep's election was lost");
        return fallback;
      }
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
      idempotencyKeysPurged: await step(
        "idempotency keys",
        () => purgeExpiredIdempotencyKeys(deps, PURGE_BATCH_SIZE),
        0,
      ),
      pendingTransfersExpired: await step("ledger holds", () => expirePendingTransfers(deps), 0),
      challengesPurged: await step("challenges", () => purgeStaleChallenges(deps, PURGE_BATCH_SIZE), 0),
      eventsPurged: await step("events", () => purgeOldEvents(deps, PURGE_BATCH_SIZE), 0),
      banks: await step("banks", () => sweepBanks(deps), undefined),
      closedAccounts: await step("closed accounts", () => purgeClosedAccounts(deps, PURGE_BATCH_SIZE), undefined),
      stripeEventsPurged: await step("stripe events", () => purgeOldStripeEvents(deps, PURGE_BATCH_SIZE), 0),
    };
  });
  return run.elected ? run.value : undefined;
}
