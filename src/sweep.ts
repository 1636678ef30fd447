import { purgeOldEvents } from "./features/events/purge-old-events";
import { expirePendingTransfers } from "./features/ledger/expire-pending-transfers";
import { sweepPayments } from "./features/payments/sweep-payments";
import { purgeStaleChallenges } from "./features/security/challenges";
import type { Deps } from "./http/app-env";
import { purgeExpiredKeys } from "./http/idempotency.repository";

const PURGE_BATCH_SIZE = 1_000;

/** Periodic housekeeping; safe to run from several processes at once. */
export async function runSweep(deps: Deps) {
  return {
    payments: await sweepPayments(deps),
    idempotencyKeysPurged: await purgeExpiredKeys(deps.db, deps.clock.now(), PURGE_BATCH_SIZE),
    pendingTransfersExpired: await expirePendingTransfers(deps),
    challengesPurged: await purgeStaleChallenges(deps, PURGE_BATCH_SIZE),
    eventsPurged: await purgeOldEvents(deps, PURGE_BATCH_SIZE),
  };
}
