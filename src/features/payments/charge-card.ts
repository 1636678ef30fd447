import Stripe from "stripe";
import type { Payment } from "../../../db/schema";
import type { Deps } from "../../deps";
import { afterCommit } from "../../platform/after-commit";
import { type Trx, withTransaction } from "../../platform/db";
import { gatherWrites } from "../../platform/gathered-writes";
import { callStripe } from "../../platform/stripe";
import { chargeableCard } from "../cards";
import { routeToRecipient, startPayout } from "./deliver-payment";
import { mustMove, reference, transferIds } from "./payment-money";
import { hold, isHeldOutcome } from "./payment-risk";
import { changePayment } from "./payment-state";
import { findPayment, lockPayment } from "./payments.repository";
import { notFound } from "./read-payments";

/**
 * Charges the sender's card for a payment in `processing`. Safe to call again (the sweep does,
 * for payments whose charge outcome was lost): Stripe answers a repeated idempotency key with
 * the same PaymentIntent or the same decline.
 */
export async function chargeCard(deps: Deps, paymentId: string): Promise<Payment> {
  const payment = await findPayment(deps.db, paymentId);
  if (payment?.status !== "processing" || !payment.card_id) return payment as Payment;
  const card = await chargeableCard(deps.db, { userId: payment.sender_id, cardId: payment.card_id });
  let intent: Stripe.PaymentIntent;
  try {
    intent = await callStripe(() =>
      deps.stripe.sdk.paymentIntents.create(
        {
          amount: Number(payment.amount_minor),
          currency: payment.currency.toLowerCase(),
          customer: card.customerId,
          payment_method: card.paymentMethodId,
          confirm: true,
          description: "Payment in chat",
          transfer_group: payment.id,
          metadata: { payment_id: payment.id },
        },
        { idempotencyKey: `payment-${payment.id}` },
      ),
    );
  } catch (err) {
    if (err instanceof Stripe.errors.StripeCardError) {
      const declined = err.payment_intent as Stripe.PaymentIntent | undefined;
      return applyIntent(deps, paymentId, declined ?? null, {
        code: err.decline_code ?? err.code ?? "card_declined",
        message: err.message,
      });
    }
    throw err;
  }
  return applyIntent(deps, paymentId, intent, null);
}

const DECLINE_MESSAGES: Record<string, string> = {
  insufficient_funds: "The card has insufficient funds.",
  lost_card: "The card was reported lost; use another card.",
  expired_card: "The card has expired.",
  authentication_required: "The bank needs you to authenticate this payment.",
};

/**
 * Applies what Stripe says about the charge (from the confirmation call, a webhook, or the
 * sweep re-reading it): succeeded posts the hold and routes the money to the recipient;
 * requires_action waits for 3-D Secure; a failure voids the hold, moving nothing.
 */
export async function applyIntent(
  deps: Deps,
  paymentId: string,
  intent: Stripe.PaymentIntent | null,
  failure: { code: string; message: string } | null,
  trx?: Trx,
): Promise<Payment> {
  const result = await withTransaction(trx ?? deps.db, async (t) => {
    gatherWrites(t);
    const payment = await lockPayment(t, paymentId);
    if (!payment) throw notFound(paymentId);
    if (payment.status !== "processing" && payment.status !== "requires_action") return { payment, payout: false };
    const ids = transferIds(payment);
    const now = deps.clock.now();
    const status = intent?.status;
    if (status === "succeeded" && isHeldOutcome(payment.risk_outcome)) {
      // Charged, and held: the card hold stays pending until the payment is released or canceled.
      const holding = await hold(deps, t, payment, { payment_intent_id: intent?.id ?? null }, {});
      return { payment: holding, payout: false };
    }
    if (status === "succeeded") {
      await mustMove(t, now, [
        { id: ids.cardHoldPost, type: "post_pending", pendingId: ids.cardHold, ...reference(payment) },
      ]);
      const routed = await routeToRecipient(deps, t, payment, null, { payment_intent_id: intent?.id ?? null });
      return { payment: routed, payout: routed.status === "paying_out" };
    }
    if (status === "requires_action" && payment.status === "processing") {
      const waiting = await changePayment(deps, t, payment, "requires_action", {
        payment_intent_id: intent?.id ?? null,
      });
      return { payment: waiting, payout: false };
    }
    if (failure || status === "requires_payment_method" || status === "canceled") {
      const reason = failure ?? {
        code: intent?.last_payment_error?.decline_code ?? intent?.last_payment_error?.code ?? status ?? "card_declined",
        message: intent?.last_payment_error?.message ?? "The card was declined.",
      };
      await mustMove(t, now, [
        { id: ids.cardHoldVoid, type: "void_pending", pendingId: ids.cardHold, ...reference(payment) },
      ]);
      const failed = await changePayment(deps, t, payment, "failed", {
        payment_intent_id: intent?.id ?? payment.payment_intent_id,
        failure_code: reason.code,
        failure_message: DECLINE_MESSAGES[reason.code] ?? reason.message,
      });
      return { payment: failed, payout: false };
    }
    return { payment, payout: false };
  });
  if (result.payout && !trx) await afterCommit(deps, "payout", () => startPayout(deps, paymentId));
  return result.payment;
}
