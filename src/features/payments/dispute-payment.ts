import type Stripe from "stripe";
import type { Payment, PaymentDispute } from "../../../db/schema";
import type { Deps, WebhookEffect } from "../../deps";
import type { Trx } from "../../platform/db";
import { newId } from "../../platform/ids";
import { ownerBalance, PLATFORM_OWNER, type TransferInput } from "../ledger";
import { postMessageInTransaction } from "../threads";
import { closeDispute, insertDispute, lockDispute } from "./disputes.repository";
import { formatAmount } from "./format-amount";
import { mustMove, platformAccount, walletOf } from "./payment-money";
import { changePayment } from "./payment-state";
import { findByPaymentIntent, lockPayment } from "./payments.repository";

/** The service's own sender id for notices (seeded by the disputes migration). */
const SERVICE_SENDER = PLATFORM_OWNER;

/**
 * What a Stripe dispute of a card payment means for the money, given the dispute as Stripe has
 * it now (the webhook re-reads it, so deliveries in any order converge; each step's transfers
 * have ids derived from the dispute's, so nothing moves twice):
 *
 * - opened: Stripe has taken the amount back from the platform's balance, so
 *   `disputes -> card_funding` is posted; and the recipient's wallet holds back the disputed
 *   amount, or what it has if less (a pending `wallet -> disputes`): money that was already
 *   paid out to their card is the platform's loss while the dispute lasts.
 * - won: Stripe reinstates the funds (`card_funding -> disputes`) and the hold is released.
 * - lost: the hold is posted (the recipient's wallet is debited by it); whatever the wallet did
 *   not cover stays in `disputes`, the platform's loss. A payment still waiting for its
 *   recipient ends as refunded (the card's bank gave the money back).
 *
 * While a dispute is open, its payment is not canceled, declined or returned at its claim
 * deadline (return-payment.ts refuses; the sweep skips it): the dispute decides.
 *
 * Each step tells both people in the payment's thread, as a notice from the service.
 */
export function disputeChanged(
  deps: Pick<Deps, "clock" | "hooks">,
  dispute: Stripe.Dispute,
): WebhookEffect | undefined {
  const intentId = typeof dispute.payment_intent === "string" ? dispute.payment_intent : dispute.payment_intent?.id;
  if (!intentId) return undefined;
  return async (trx) => {
    const payment = await findByPaymentIntent(trx, intentId);
    if (!payment) return undefined;
    const now = deps.clock.now();
    const row = (await open(trx, dispute, payment, now)) ?? (await lockDispute(trx, dispute.id));
    const outcome = DECIDED.find((status) => status === dispute.status);
    if (row?.status === "open" && outcome) await close(deps, trx, row, payment, outcome, now);
    return undefined;
  };
}

/** Stripe's final statuses of a dispute. */
const DECIDED = ["won", "lost"] as const;

const ids = (disputeId: string) => ({
  withdrawn: `${disputeId}.withdrawn`,
  hold: `${disputeId}.hold`,
  holdPost: `${disputeId}.hold.post`,
  holdVoid: `${disputeId}.hold.void`,
  reinstated: `${disputeId}.reinstated`,
});

/** Records a dispute seen for the first time and moves its money; undefined when it was already recorded. */
async function open(
  trx: Trx,
  dispute: Stripe.Dispute,
  payment: Payment,
  now: Date,
): Promise<PaymentDispute | undefined> {
  const amount = BigInt(Math.min(dispute.amount, Number(payment.amount_minor)));
  const wallet = await ownerBalance(trx, {
    ownerId: payment.recipient_id,
    purpose: "wallet",
    currency: payment.currency,
  });
  // Sized from the balance read now: if the recipient spends in between, the ledger refuses the
  // hold, the whole step rolls back (mustMove throws), and Stripe's redelivery sizes it again.
  const available = wallet?.available ?? 0n;
  const held = available <= 0n ? 0n : available < amount ? available : amount;
  const row = await insertDispute(trx, {
    id: dispute.id,
    payment_id: payment.id,
    amount_minor: amount,
    currency: payment.currency,
    reason: dispute.reason,
    status: "open",
    held_minor: held,
    opened_at: now,
  });
  if (!row) return undefined;
  const t = ids(dispute.id);
  const accounts = await accountsOf(trx, payment, now);
  const transfers: TransferInput[] = [
    {
      id: t.withdrawn,
      type: "posted",
      debitAccountId: accounts.disputes,
      creditAccountId: accounts.cardFunding,
      amountMinor: amount,
      currency: payment.currency,
      reference: payment.id,
    },
  ];
  if (held > 0n) {
    transfers.push({
      id: t.hold,
      type: "pending",
      debitAccountId: accounts.wallet,
      creditAccountId: accounts.disputes,
      amountMinor: held,
      currency: payment.currency,
      reference: payment.id,
    });
  }
  await mustMove(trx, now, transfers);
  const amountText = formatAmount(amount, payment.currency);
  await notice(
    trx,
    payment,
    now,
    held > 0n
      ? `The card payment of ${amountText} is disputed by the card's bank. ${formatAmount(held, payment.currency)} of the recipient's wallet is held until the dispute is decided.`
      : `The card payment of ${amountText} is disputed by the card's bank. Nothing is held from the recipient's wallet (the money was already paid out).`,
  );
  return row;
}

async function close(
  deps: Pick<Deps, "clock" | "hooks">,
  trx: Trx,
  row: PaymentDispute,
  payment: Payment,
  outcome: "won" | "lost",
  now: Date,
): Promise<void> {
  const t = ids(row.id);
  const accounts = await accountsOf(trx, payment, now);
  const transfers: TransferInput[] = [];
  if (outcome === "won") {
    transfers.push({
      id: t.reinstated,
      type: "posted",
      debitAccountId: accounts.cardFunding,
      creditAccountId: accounts.disputes,
      amountMinor: row.amount_minor,
      currency: row.currency,
      reference: payment.id,
    });
    if (row.held_minor > 0n)
      transfers.push({ id: t.holdVoid, type: "void_pending", pendingId: t.hold, reference: payment.id });
  } else if (row.held_minor > 0n) {
    transfers.push({ id: t.holdPost, type: "post_pending", pendingId: t.hold, reference: payment.id });
  }
  if (transfers.length > 0) await mustMove(trx, now, transfers);
  await closeDispute(trx, row.id, { status: outcome, closed_at: now });
  // Money still waiting for its recipient went back to the card holder through their bank.
  const locked = outcome === "lost" ? await lockPayment(trx, payment.id) : undefined;
  if (locked?.status === "awaiting_recipient") {
    await changePayment(
      deps,
      trx,
      locked,
      "refunded",
      { refund_state: "succeeded" },
      { detail: { dispute_id: row.id } },
    );
  }
  const held = formatAmount(row.held_minor, row.currency);
  await notice(
    trx,
    payment,
    now,
    outcome === "won"
      ? `The dispute of the card payment of ${formatAmount(row.amount_minor, row.currency)} was decided for the recipient.${row.held_minor > 0n ? ` The held ${held} is released.` : ""}`
      : `The dispute of the card payment of ${formatAmount(row.amount_minor, row.currency)} was decided for the card holder.${row.held_minor > 0n ? ` ${held} was taken from the recipient's wallet.` : ""}`,
  );
}

async function accountsOf(trx: Trx, payment: Payment, now: Date) {
  return {
    disputes: await platformAccount(trx, "disputes", payment.currency, now),
    cardFunding: await platformAccount(trx, "card_funding", payment.currency, now),
    wallet: await walletOf(trx, payment.recipient_id, payment.currency, now),
  };
}

function notice(trx: Trx, payment: Payment, now: Date, body: string) {
  return postMessageInTransaction(trx, {
    id: newId("msg"),
    thread_id: payment.thread_id,
    sender_id: SERVICE_SENDER,
    kind: "notice",
    body,
    payment_id: payment.id,
    created_at: now,
  });
}
