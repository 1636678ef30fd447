import type { LedgerAccount } from "../../../db/schema";
import type { Db, Trx } from "../../platform/db";
import { newId } from "../../platform/ids";
import { findAccountsByOwner, insertAccountIfMissing } from "./ledger.repository";

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
export async function ensureAccount(db: Db | Trx, key: AccountKey, now: Date): Promise<LedgerAccount> {
  return (await ensureAccounts(db, [key], now))[0] as LedgerAccount;
}

type AccountKey = { ownerId: string; purpose: AccountPurpose; currency: string };

/** The accounts for these keys, in their order, read in one statement and created on first use. */
export async function ensureAccounts(db: Db | Trx, keys: readonly AccountKey[], now: Date): Promise<LedgerAccount[]> {
  const found = await findAccountsByOwner(db, keys);
  const missing = keys.filter((key) => !found.some((a) => sameKey(a, key)));
  for (const key of missing) {
    await insertAccountIfMissing(db, {
      id: newId("acc"),
      owner_id: key.ownerId,
      purpose: key.purpose,
      currency: key.currency,
      debits_must_not_exceed_credits: ACCOUNT_PURPOSES[key.purpose].mustNotGoNegative,
      created_at: now,
    });
  }
  const all = missing.length > 0 ? await findAccountsByOwner(db, keys) : found;
  return keys.map((key) => {
    const account = all.find((a) => sameKey(a, key));
    if (!account) throw new Error(`Ledger account ${key.ownerId}/${key.purpose}/${key.currency} missing after insert`);
    return account;
  });
}

const sameKey = (a: LedgerAccount, key: AccountKey) =>
  a.owner_id === key.ownerId && a.purpose === key.purpose && a.currency === key.currency;
