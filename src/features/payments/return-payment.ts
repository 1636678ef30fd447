import type { Payment } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { afterCommit } from "../../platform/after-commit";
import type { Trx } from "../../platform/db";
import { withTransaction } from "../../platform/db";
import { gatherWrites } from "../../platform/gathered-writes";
import { type KeptKey, keptWith } from "../../platform/kept-key";
import { callStripe } from "../../platform/stripe";
import { hasOpenDispute } from "./disputes.repository";
import { voidHold } from "./held-payment";
import { mustMove, platformAccount, reference, transferIds, walletOf, walletsOf } from "./payment-money";
import { changePayment } from "./payment-state";
import {
  findByPaymentIntent,
  findPayment,
  findPaymentForParty,
  lockPayment,
  updatePayment,
} from "./payments.repository";
import { notFound } from "./read-payments";

type Ending = "canceled" | "declined" | "refunded";

/**
 * Sender: cancel before confirming (nothing moved), while it is held (the hold voided), or while
 * it waits for the recipient (refunded). With the request's Idempotency-Key, kept in the same
 * transaction; undefined when an earlier answer under it stands.
 */
export function cancelPayment(
  deps: Deps,
  input: { userId: string; paymentId: string },
  key: KeptKey<Payment> | null = null,
): Promise<Payment | undefined> {
  return endPayment(deps, { ...input, role: "sender", ending: "canceled" }, key);
}

/** Recipient: decline money waiting for them; it goes back to the sender. The key as for cancelPayment. */
export function declinePayment(
  deps: Deps,
  input: { userId: string; paymentId: string },
  key: KeptKey<Payment> | null = null,
): Promise<Payment | undefined> {
  return endPayment(deps, { ...input, role: "recipient", ending: "declined" }, key);
}

/** The sweep: unclaimed when the claim window ends, refunded. */
export async function refundUnclaimed(deps: Deps, paymentId: string): Promise<void> {
  await endPayment(deps, { userId: null, paymentId, role: "system", ending: "refunded" }, null);
}

async function endPayment(
  deps: Deps,
  input: { userId: string | null; paymentId: string; role: "sender" | "recipient" | "system"; ending: Ending },
  key: KeptKey<Payment> | null,
): Promise<Payment | undefined> {
  if (input.userId) {
    const visible = await findPaymentForParty(deps.db, input.paymentId, input.userId);
    const isParty = visible && (input.role === "sender" ? visible.sender_id : visible.recipient_id) === input.userId;
    if (!isParty) throw notFound(input.paymentId);
  }
  const ended = await withTransaction(deps.db, (trx) =>
    keptWith(trx, key, () => {
      gatherWrites(trx);
      return end(deps, trx, input);
    }),
  );
  if (ended?.refund_state === "pending") await afterCommit(deps, "refund", () => refundAtStripe(deps, ended.id));
  return ended;
}

/** The ending in the payment's transaction: the state change, and the money back the way it came. */
async function end(
  deps: Deps,
  trx: Trx,
  input: { userId: string | null; paymentId: string; role: "sender" | "recipient" | "system"; ending: Ending },
): Promise<Payment> {
  const payment = await lockPayment(trx, input.paymentId);
  if (!payment) throw notFound(input.paymentId);
  if (payment.status === input.ending) return payment;
  const now = deps.clock.now();
  if (input.role === "sender" && payment.status === "requires_confirmation") {
    return changePayment(deps, trx, payment, "canceled", {}, { actorId: input.userId });
  }
  // Held by the risk decision: nothing has reached the recipient, so the sender may still take it back.
  if (input.role === "sender" && payment.status === "held") {
    return voidHold(deps, trx, payment, { actorId: input.userId, reason: "canceled_by_sender" });
  }
  const refuse = (detail: string) =>
    new AppError(input.ending === "declined" ? "PAYMENT_NOT_DECLINABLE" : "PAYMENT_NOT_CANCELABLE", { detail });
  if (payment.status !== "awaiting_recipient" || (input.role === "system" && (payment.claim_by ?? now) > now)) {
    throw refuse(`The payment is ${payment.status.replaceAll("_", " ")}`);
  }
  if (await hasOpenDispute(trx, payment.id)) {
    throw refuse("The card payment is disputed: it ends when the dispute is decided");
  }
  // The money goes back the way it came: to the sender's wallet (both wallets in one read), or
  // to the card through a refund.
  const way =
    payment.funding === "card"
      ? {
          from: await walletOf(trx, payment.recipient_id, payment.currency, now),
          to: await platformAccount(trx, "card_funding", payment.currency, now),
        }
      : await walletsOf(trx, payment, now).then((w) => ({ from: w.recipient.id, to: w.sender.id }));
  await mustMove(trx, now, [
    {
      id: transferIds(payment).refund,
      type: "posted",
      debitAccountId: way.from,
      creditAccountId: way.to,
      amountMinor: payment.amount_minor,
      currency: payment.currency,
      ...reference(payment),
    },
  ]);
  return changePayment(
    deps,
    trx,
    payment,
    input.ending,
    { refund_state: payment.funding === "card" ? "pending" : null },
    { actorId: input.userId },
  );
}

/** Refunds the card charge; the idempotency key is the payment's, so the sweep may retry it. */
export async function refundAtStripe(deps: Pick<Deps, "clock" | "db" | "stripe">, paymentId: string): Promise<void> {
  const payment = await findPayment(deps.db, paymentId);
  if (payment?.refund_state !== "pending" || !payment.payment_intent_id) return;
  const intentId = payment.payment_intent_id;
  const refund = await callStripe(() =>
    deps.stripe.sdk.refunds.create(
      { payment_intent: intentId, metadata: { payment_id: payment.id } },
      { idempotencyKey: `refund-${payment.id}` },
    ),
  );
  await withTransaction(deps.db, async (trx) => {
    const locked = await lockPayment(trx, paymentId);
    if (locked?.refund_state === "pending") {
      await updatePayment(trx, paymentId, {
        refund_state: "succeeded",
        refund_id: refund.id,
        updated_at: deps.clock.now(),
      });
    }
  });
}

/** Stripe's charge.refunded: the refund of a returned card payment went through. */
export async function markRefunded(
  deps: Pick<Deps, "clock">,
  trx: Trx,
  paymentIntentId: string,
  refundId: string | null,
): Promise<void> {
  const payment = await findByPaymentIntent(trx, paymentIntentId);
  if (payment?.refund_state !== "pending") return;
  const locked = await lockPayment(trx, payment.id);
  if (locked?.refund_state === "pending") {
    await updatePayment(trx, payment.id, {
      refund_state: "succeeded",
      refund_id: refundId,
      updated_at: deps.clock.now(),
    });
  }
}
