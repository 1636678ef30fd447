import type { LedgerAccount, Payment } from "../../../db/schema";
import type { Trx } from "../../platform/db";
import type { TransferInput } from "../ledger";
import { type AccountPurpose, ensureAccount, ensureAccounts, PLATFORM_OWNER, postTransfers } from "../ledger";

/**
 * The ledger side of a payment: every step has a transfer id derived from the payment id,
 * so a retried step finds its transfer already there ("exists") and moves nothing twice.
 */
export const transferIds = (p: Pick<Payment, "id" | "payout_attempts">) => ({
  walletToWallet: `${p.id}.wallet`,
  cardHold: `${p.id}.hold`,
  cardHoldPost: `${p.id}.hold.post`,
  cardHoldVoid: `${p.id}.hold.void`,
  riskHold: `${p.id}.held`,
  riskHoldPost: `${p.id}.held.post`,
  riskHoldVoid: `${p.id}.held.void`,
  payout: `${p.id}.payout.${p.payout_attempts}`,
  payoutPost: `${p.id}.payout.${p.payout_attempts}.post`,
  payoutVoid: `${p.id}.payout.${p.payout_attempts}.void`,
  refund: `${p.id}.refund`,
});

export async function walletOf(trx: Trx, userId: string, currency: string, now: Date): Promise<string> {
  return (await ensureAccount(trx, { ownerId: userId, purpose: "wallet", currency }, now)).id;
}

/** Both people's wallets, with their balances, in one read. */
export async function walletsOf(
  trx: Trx,
  payment: Pick<Payment, "sender_id" | "recipient_id" | "currency">,
  now: Date,
): Promise<{ sender: LedgerAccount; recipient: LedgerAccount }> {
  const [sender, recipient] = await ensureAccounts(
    trx,
    [payment.sender_id, payment.recipient_id].map((ownerId) => ({
      ownerId,
      purpose: "wallet" as const,
      currency: payment.currency,
    })),
    now,
  );
  return { sender: sender as LedgerAccount, recipient: recipient as LedgerAccount };
}

export async function platformAccount(trx: Trx, purpose: AccountPurpose, currency: string, now: Date): Promise<string> {
  return (await ensureAccount(trx, { ownerId: PLATFORM_OWNER, purpose, currency }, now)).id;
}

/** Posts a payment step's transfers in its transaction; they cannot fail unless an invariant broke (e.g. posting a hold). */
export async function mustMove(trx: Trx, now: Date, transfers: TransferInput[]): Promise<void> {
  const results = await postTransfers(trx, transfers, now);
  const refused = results.find((r) => r.result === "failed");
  if (refused) throw new Error(`Ledger refused a payment step: ${JSON.stringify(refused)}`);
}

export const reference = (p: Pick<Payment, "id">) => ({ reference: p.id });
