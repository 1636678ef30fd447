import type Stripe from "stripe";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { afterCommit } from "../../platform/after-commit";
import { type Trx, withTransaction } from "../../platform/db";
import { callStripe, isStripeError, WEBHOOK_TOLERANCE_SECONDS } from "../../platform/stripe";
import {
  findCardByPaymentMethod,
  findPayoutDestinationByAccount,
  listActiveCards,
  markCardRemoved,
  setDefault,
  upsertPayoutDestination,
} from "../cards/cards.repository";
import { announcePayoutReady, payoutStateOf } from "../cards/payout-destination";
import { applyIntent } from "../payments/confirm-payment";
import { applyPayout, reversePayoutTransfers, startPayout } from "../payments/deliver-payment";
import { markRefunded } from "../payments/return-payment";
import { recordSecurityEvent } from "../security/record-security-event";
import { eventSeen, recordEvent } from "./stripe-events.repository";

/** Changes made with the event's record; may hand back Stripe work to do once they commit. */
type Effect = (trx: Trx) => Promise<FollowUp | undefined>;
type FollowUp = () => Promise<void>;

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

async function verify(deps: Deps, payload: string, signature: string | undefined): Promise<Stripe.Event> {
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

/** Reads what the event is about from Stripe now (network first, then one short transaction). */
async function effectOf(deps: Deps, event: Stripe.Event): Promise<Effect | undefined> {
  switch (event.type) {
    case "account.updated":
    case "account.external_account.created":
    case "account.external_account.deleted": {
      const accountId = event.account ?? (event.data.object as { id: string }).id;
      const destination = await findPayoutDestinationByAccount(deps.db, accountId);
      if (!destination) return undefined;
      const account = await callStripe(() => deps.stripe.sdk.accounts.retrieve(accountId));
      const state = payoutStateOf(account);
      return async (trx) => {
        const stillThere = state.external_account_id === destination.external_account_id;
        await upsertPayoutDestination(trx, {
          ...destination,
          ...state,
          external_account_id: stillThere ? destination.external_account_id : state.external_account_id,
          card_id: stillThere ? destination.card_id : null,
          updated_at: deps.clock.now(),
        });
        return state.state === "ready" ? () => announcePayoutReady(deps, destination.user_id) : undefined;
      };
    }
    case "payment_method.detached": {
      const pmId = (event.data.object as { id: string }).id;
      const card = await findCardByPaymentMethod(deps.db, pmId);
      if (!card || card.removed_at) return undefined;
      const pm = await callStripe(() => deps.stripe.sdk.paymentMethods.retrieve(pmId));
      if (pm.customer) return undefined;
      return async (trx) => {
        if (!(await markCardRemoved(trx, card.id, deps.clock.now()))) return undefined;
        await recordSecurityEvent(trx, deps.clock, {
          userId: card.user_id,
          kind: "card_removed",
          detail: { card_id: card.id, brand: card.brand, last4: card.last4, removed_at_stripe: true },
        });
        const next = card.is_default ? (await listActiveCards(trx, card.user_id))[0] : undefined;
        if (next) await setDefault(trx, card.user_id, next.id);
      };
    }
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed":
    case "payment_intent.requires_action":
    case "payment_intent.canceled": {
      const intent = await reread(() =>
        deps.stripe.sdk.paymentIntents.retrieve((event.data.object as { id: string }).id),
      );
      const paymentId = intent?.metadata?.payment_id;
      if (!intent || !paymentId) return undefined;
      return async (trx) => {
        const payment = await applyIntent(deps, paymentId, intent, null, trx);
        return payment.status === "paying_out" && !payment.payout_id ? () => startPayout(deps, paymentId) : undefined;
      };
    }
    case "payout.paid":
    case "payout.failed":
    case "payout.canceled": {
      const payoutId = (event.data.object as { id: string }).id;
      const payout = await reread(() =>
        deps.stripe.sdk.payouts.retrieve(payoutId, {}, event.account ? { stripeAccount: event.account } : {}),
      );
      if (!payout) return undefined;
      return async (trx) => {
        const paymentId = payout.metadata?.payment_id;
        const failed = await applyPayout(deps, trx, payout);
        return failed && paymentId ? () => reversePayoutTransfers(deps, paymentId) : undefined;
      };
    }
    case "charge.refunded": {
      const charge = await reread(() => deps.stripe.sdk.charges.retrieve((event.data.object as { id: string }).id));
      if (!charge) return undefined;
      const intentId = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
      if (!intentId || charge.amount_refunded < charge.amount) return undefined;
      return async (trx) => {
        await markRefunded(deps, trx, intentId, charge.refunds?.data[0]?.id ?? null);
        return undefined;
      };
    }
    default:
      // Recorded and acknowledged (disputes are kept on record for the team to act on).
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
