import type Stripe from "stripe";
import type { Deps, WebhookEffect } from "../../deps";
import { applyIntent } from "./charge-card";
import { applyPayout, reversePayoutTransfers, startPayout } from "./deliver-payment";
import { markRefunded } from "./return-payment";

// What Stripe's events mean for payments, given the object as Stripe has it now (re-read by the
// webhook, so deliveries out of order still converge): each returns the change to make in the
// webhook's transaction, or undefined when the object is none of a payment's.

/** A charge's PaymentIntent moved (succeeded, failed, needs 3-D Secure, canceled); money routed on success. */
export function paymentIntentChanged(deps: Deps, intent: Stripe.PaymentIntent): WebhookEffect | undefined {
  const paymentId = intent.metadata?.payment_id;
  if (!paymentId) return undefined;
  return async (trx) => {
    const payment = await applyIntent(deps, paymentId, intent, null, trx);
    return payment.status === "paying_out" && !payment.payout_id ? () => startPayout(deps, paymentId) : undefined;
  };
}

/** A payout was paid, failed or canceled; a failed one's transfer is reversed once that is recorded. */
export function payoutChanged(deps: Deps, payout: Stripe.Payout): WebhookEffect {
  return async (trx) => {
    const paymentId = payout.metadata?.payment_id;
    const failed = await applyPayout(deps, trx, payout);
    return failed && paymentId ? () => reversePayoutTransfers(deps, paymentId) : undefined;
  };
}

/** A charge was refunded in full: the refund of a returned card payment went through. */
export function chargeRefunded(deps: Pick<Deps, "clock">, charge: Stripe.Charge): WebhookEffect | undefined {
  const intentId = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
  if (!intentId || charge.amount_refunded < charge.amount) return undefined;
  return async (trx) => {
    await markRefunded(deps, trx, intentId, charge.refunds?.data[0]?.id ?? null);
    return undefined;
  };
}
