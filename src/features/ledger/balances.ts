import type { Expression } from "kysely";
import { AppError } from "../../errors";
import { page } from "../../http/pagination";
import type { Db, Trx } from "../../platform/db";
import { availableOfOwner, findAccount, findAccountByOwner, listHistory } from "./ledger.repository";
import type { Balance } from "./ledger.types";

export type BalanceView = { posted: bigint; pending: bigint; available: bigint };

/**
 * Seen from the account holder (credit-normal, like a wallet): posted is what has settled,
 * pending what is held in either direction, available what may be spent now.
 */
export function viewBalance(b: Balance): BalanceView {
  return {
    posted: b.credits_posted - b.debits_posted,
    pending: b.credits_pending - b.debits_pending,
    available: b.credits_posted - b.debits_posted - b.debits_pending,
  };
}

/** An account's balance right now. */
export async function getBalance(db: Db, accountId: string): Promise<BalanceView & { currency: string }> {
  const account = await findAccount(db, accountId);
  if (!account) throw new AppError("LEDGER_ACCOUNT_NOT_FOUND", { detail: `No ledger account ${accountId}` });
  return { currency: account.currency, ...viewBalance(account) };
}

/** The balance of an owner's account for one purpose and currency (a person's wallet), if it exists yet. */
export async function ownerBalance(
  db: Db | Trx,
  key: { ownerId: string; purpose: string; currency: string },
): Promise<BalanceView | undefined> {
  const account = await findAccountByOwner(db, key);
  return account ? viewBalance(account) : undefined;
}

/**
 * What an owner's account (a person's wallet) may spend now, null while it does not exist, as a
 * scalar subquery another feature's read embeds, so it costs no round trip of its own.
 */
export function ownerAvailableOf(
  db: Db | Trx,
  key: { ownerId: string; purpose: string; currency: string },
): Expression<bigint | null> {
  return availableOfOwner(db, key);
}

export type HistoryEntry = {
  seq: bigint;
  transfer_id: string;
  kind: string;
  direction: "debit" | "credit";
  amount: bigint;
  currency: string;
  pending_id: string | null;
  reference: string | null;
  created_at: Date;
  balance_after: BalanceView;
};

/** An account's transfers, newest first, each with the running balance right after it. */
export async function getAccountHistory(
  db: Db,
  input: { accountId: string; beforeSeq: bigint | undefined; limit: number },
): Promise<{ items: HistoryEntry[]; next_cursor: string | null }> {
  const rows = await listHistory(db, input.accountId, input.beforeSeq, input.limit + 1);
  const { items, next_cursor } = page(rows, input.limit);
  return {
    items: items.map((r) => ({
      seq: r.seq,
      transfer_id: r.id,
      kind: r.kind,
      direction: r.debit_account_id === input.accountId ? "debit" : "credit",
      amount: r.amount,
      currency: r.currency,
      pending_id: r.pending_id,
      reference: r.reference,
      created_at: r.created_at,
      balance_after: viewBalance(r),
    })),
    next_cursor,
  };
}
