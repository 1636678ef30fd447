import type { Deps } from "../../deps";
import { withTransaction } from "../../platform/db";
import { cleanUpAtStripe, FORMER_USER_NAME } from "./close-account";
import {
  ensurePooledFormerUser,
  forgetLedgerOwner,
  listDuePurges,
  listStripeCleanups,
  lockClosedAccount,
  purgeFormerUserRows,
} from "./closure.repository";
import { personalTables } from "./data-map";

/**
 * Who stands for every purged former user in the threads they started. A reserved id (see
 * http/fields.ts), so no one signs in as it.
 */
export const POOLED_FORMER_USER = "former";

/** Where closing left a former user's id (the data map's pseudonymised columns), dependants first. */
const PSEUDONYMISED = personalTables()
  .reverse()
  .flatMap(([table, entry]) =>
    typeof entry.closing === "object" && "pseudonymise" in entry.closing
      ? [{ table, columns: entry.closing.pseudonymise }]
      : [],
  );

/**
 * The sweep's step for closed accounts: finishes Stripe clean-ups a closing could not, then
 * purges the former users whose retention (CLOSED_ACCOUNT_RETENTION_YEARS) has ended, by the
 * injected clock. A purge deletes their payments, requests and everything hanging off them,
 * their messages, and every other row closing left under their id (memberships, consents,
 * reports, audited decisions...); their ledger accounts stay, with every transfer
 * (the other side of each is someone else's balance, and the ledger is append-only), owned
 * from then on by `former:<account id>`, which names no one, so the ledger still verifies.
 * Each former user goes in a transaction of their own; a row another process is purging is
 * skipped.
 */
export async function purgeClosedAccounts(
  deps: Pick<Deps, "db" | "clock" | "stripe" | "logger">,
  limit: number,
): Promise<{ stripeCleaned: number; purged: number }> {
  let stripeCleaned = 0;
  for (const row of await listStripeCleanups(deps.db, limit)) {
    if (!row.stripe_cleanup) continue;
    try {
      await cleanUpAtStripe(deps, row.former_id, row.stripe_cleanup);
      stripeCleaned++;
    } catch (err) {
      deps.logger.warn({ err, former_id: row.former_id }, "closed account: Stripe clean-up failed; retried next sweep");
    }
  }
  const now = deps.clock.now();
  let purged = 0;
  for (const formerId of await listDuePurges(deps.db, now, limit)) {
    const done = await withTransaction(deps.db, async (trx) => {
      if (!(await lockClosedAccount(trx, formerId))) return false;
      await ensurePooledFormerUser(trx, POOLED_FORMER_USER, FORMER_USER_NAME, now);
      await forgetLedgerOwner(trx, formerId);
      await purgeFormerUserRows(trx, formerId, POOLED_FORMER_USER, PSEUDONYMISED);
      return true;
    });
    if (done) purged++;
  }
  return { stripeCleaned, purged };
}
