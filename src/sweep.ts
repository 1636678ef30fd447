import { expirePendingTransfers } from "./features/ledger/expire-pending-transfers";
import { purgeStaleChallenges } from "./features/security/challenges";
import type { Deps } from "./http/app-env";
import { purgeExpiredKeys } from "./http/idempotency.repository";

const PURGE_BATCH_SIZE = 1_000;

/** Periodic housekeeping; safe to run from several processes at once. */
export async function runSweep(
  deps: Pick<Deps, "db" | "clock">,
): Promise<{ idempotencyKeysPurged: number; pendingTransfersExpired: number; challengesPurged: number }> {
  return {
    idempotencyKeysPurged: await purgeExpiredKeys(deps.db, deps.clock.now(), PURGE_BATCH_SIZE),
    pendingTransfersExpired: await expirePendingTransfers(deps),
    challengesPurged: await purgeStaleChallenges(deps, PURGE_BATCH_SIZE),
  };
}
