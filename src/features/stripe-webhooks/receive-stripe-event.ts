import type Stripe from "stripe";
import type { Deps, WebhookEffect } from "../../deps";
import { AppError } from "../../errors";
import { afterCommit } from "../../platform/after-commit";
import { withTransaction } from "../../platform/db";
import { callStripe, isStripeError, WEBHOOK_TOLERANCE_SECONDS } from "../../platform/stripe";
import { cardDetachedAtStripe, payoutAccountChanged } from "../cards";
import { chargeRefunded, disputeChanged, paymentIntentChanged, payoutChanged } from "../payments";
import { eventSeen, recordEvent } from "./stripe-events.repository";

/**
 * Verifies and applies one Stripe webhook delivery. The event is recorded once, in the same
 * transaction as its effect, so a duplicate is acknowledged and ignored. The payload is only
 * a trigger: the object's current state is read back from Stripe, so deliveries that arrive
 * out of order still converge on Stripe's latest state.
 */
export async function receiveStripeEvent(
  deps: Deps,
  input: { payload: string; signature: string | undefined },
): Promise<{ duplicate: boolean; type: string }> {
  const event = await verify(deps, input.payload, input.signature);
  if (await eventSeen(deps.db, event.id)) return { duplicate: true, type: event.type };
  const effect = await effectOf(deps, event);
  const { first, followUp } = await withTransaction(deps.db, async (trx) => {
    const recorded = await recordEvent(trx, {
      event_id: event.id,
      type: event.type,
      object_id: (event.data.object as { id?: string }).id ?? "",
      account_id: event.account ?? null,
      received_at: deps.clock.now(),
    });
    return { first: recorded, followUp: recorded ? await effect?.(trx) : undefined };
  });
  if (followUp) await afterCommit(deps, event.type, followUp);
  return { duplicate: !first, type: event.type };
}

async function verify(
  deps: Pick<Deps, "clock" | "stripe">,
  payload: string,
  signature: string | undefined,
): Promise<Stripe.Event> {
  if (!signature) throw new AppError("WEBHOOK_SIGNATURE_INVALID", { detail: "Missing Stripe-Signature header" });
  try {
    return await deps.stripe.sdk.webhooks.constructEventAsync(
      payload,
      signature,
      deps.stripe.webhookSecret,
      WEBHOOK_TOLERANCE_SECONDS,
      deps.stripe.cryptoProvider,
      // The SDK takes the receiving time in milliseconds (it divides by 1000 itself).
      deps.clock.now().getTime(),
    );
  } catch (cause) {
    throw new AppError("WEBHOOK_SIGNATURE_INVALID", {
      detail: "The signature does not match, or its timestamp is outside the tolerance",
      cause,
    });
  }
}

/**
 * What the event means, as the feature owning its object says: cards for payout accounts and
 * payment methods, payments for charges, payouts, refunds and disputes. Whatever they read (Stripe, the
 * database) is read now, so the transaction that records the event stays short.
 */
async function effectOf(deps: Deps, event: Stripe.Event): Promise<WebhookEffect | undefined> {
  const objectId = (event.data.object as { id: string }).id;
  switch (event.type) {
    case "account.updated":
    case "account.external_account.created":
    case "account.external_account.deleted":
      return payoutAccountChanged(deps, event.account ?? objectId);
    case "payment_method.detached":
      return cardDetachedAtStripe(deps, objectId);
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed":
    case "payment_intent.requires_action":
    case "payment_intent.canceled": {
      const intent = await reread(() => deps.stripe.sdk.paymentIntents.retrieve(objectId));
      return intent ? paymentIntentChanged(deps, intent) : undefined;
    }
    case "payout.paid":
    case "payout.failed":
    case "payout.canceled": {
      const payout = await reread(() =>
        deps.stripe.sdk.payouts.retrieve(objectId, {}, event.account ? { stripeAccount: event.account } : {}),
      );
      return payout ? payoutChanged(deps, payout) : undefined;
    }
    case "charge.refunded": {
      const charge = await reread(() => deps.stripe.sdk.charges.retrieve(objectId));
      return charge ? chargeRefunded(deps, charge) : undefined;
    }
    case "charge.dispute.created":
    case "charge.dispute.updated":
    case "charge.dispute.closed":
    case "charge.dispute.funds_withdrawn":
    case "charge.dispute.funds_reinstated": {
      const dispute = await reread(() => deps.stripe.sdk.disputes.retrieve(objectId));
      return dispute ? disputeChanged(deps, dispute) : undefined;
    }
    default:
      // Recorded and acknowledged: nothing of the service's follows from it.
      return undefined;
  }
}

/** Reads the event's object back from Stripe; an object Stripe does not know is nothing to act on. */
async function reread<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await callStripe(call);
  } catch (err) {
    if (isStripeError(err) && err.statusCode === 404) return undefined;
    throw err;
  }
}
