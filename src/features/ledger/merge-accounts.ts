import type { Trx } from "../../platform/db";
import { type AccountPurpose, ensureAccount } from "./accounts";
import { listAccountsOfOwner, lockAccounts, mergeAccountRows } from "./ledger.repository";

/**
 * Folds every account of `ownerId` into `intoOwnerId`'s account of the same purpose and
 * currency: each transfer keeps its amount and its other side, now naming the pooled account,
 * whose counters take the folded ones, so every balance and every currency's sum stay as they
 * were (the ledger still verifies) while the owner's own accounts are gone. For the purge of
 * a closed account after its retention.
 */
export async function mergeOwnerAccounts(trx: Trx, ownerId: string, intoOwnerId: string, now: Date): Promise<number> {
  const accounts = await listAccountsOfOwner(trx, ownerId);
  for (const account of accounts) {
    // Stored purposes are the ones ensureAccount wrote.
    const purpose = account.purpose as AccountPurpose;
    const pool = await ensureAccount(trx, { ownerId: intoOwnerId, purpose, currency: account.currency }, now);
    await lockAccounts(trx, [account.id, pool.id]);
    await mergeAccountRows(trx, account.id, pool.id);
  }
  return accounts.length;
}
