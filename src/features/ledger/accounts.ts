import type { LedgerAccount } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import { newId } from "../../platform/ids";
import { findAccountByOwner, insertAccountIfMissing } from "./ledger.repository";

/** Owner of the platform's own accounts. */
export const PLATFORM_OWNER = "platform";

/** Person accounts are liabilities (what we owe them) and never go negative; platform accounts may. */
export const ACCOUNT_PURPOSES = {
  wallet: { mustNotGoNegative: true },
  card_funding: { mustNotGoNegative: false },
  payouts_in_transit: { mustNotGoNegative: false },
  refunds: { mustNotGoNegative: false },
  disputes: { mustNotGoNegative: false },
  fees: { mustNotGoNegative: false },
} as const;

export type AccountPurpose = keyof typeof ACCOUNT_PURPOSES;

/** The account for (owner, purpose, currency), created on first use. */
export async function ensureAccount(
  db: Db | Trx,
  key: { ownerId: string; purpose: AccountPurpose; currency: string },
  now: Date,
): Promise<LedgerAccount> {
  const found = await findAccountByOwner(db, key);
  if (found) return found;
  await insertAccountIfMissing(db, {
    id: newId("acc"),
    owner_id: key.ownerId,
    purpose: key.purpose,
    currency: key.currency,
    debits_must_not_exceed_credits: ACCOUNT_PURPOSES[key.purpose].mustNotGoNegative,
    created_at: now,
  });
  const created = await findAccountByOwner(db, key);
  if (!created) throw new Error(`Ledger account ${key.ownerId}/${key.purpose}/${key.currency} missing after insert`);
  return created;
}
