import type { Clock } from "../../platform/clock";
import type { Db } from "../../platform/db";
import { newId } from "../../platform/ids";
import { retryTransient } from "../../platform/transient";
import { findDuePending } from "./ledger.repository";
import { postTransfers } from "./post-transfers";

export const EXPIRY_BATCH_SIZE = 200;

/**
 * Expires pending transfers whose hold has run out, releasing the held amounts. Several
 * processes may run it at once: each locks its candidates with SKIP LOCKED, and a hold
 * resolved meanwhile is simply skipped.
 */
export async function expirePendingTransfers(deps: { db: Db; clock: Clock }): Promise<number> {
  const now = deps.clock.now();
  const due = await findDuePending(deps.db, now, EXPIRY_BATCH_SIZE);
  if (due.length === 0) return 0;
  const results = await retryTransient(() =>
    deps.db.transaction().execute((trx) =>
      postTransfers(
        trx,
        due.map((pendingId) => ({ id: newId("ltx"), type: "expire_pending" as const, pendingId })),
        now,
        { skipLockedPending: true },
      ),
    ),
  );
  return results.filter((r) => r.result === "created").length;
}
