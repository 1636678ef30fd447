import type { Deps } from "../../deps";
import { withTransaction } from "../../platform/db";
import { callStripe } from "../../platform/stripe";
import { applyIntent, chargeCard } from "./charge-card";
import { expireUnconfirmed } from "./confirm-payment";
import { reversePayoutTransfers, startPayout } from "./deliver-payment";
import { mustMove, reference, transferIds } from "./payment-money";
import { changePayment } from "./payment-state";
import {
  findPayment,
  idsWhere,
  lockPayment,
  paymentsWithPendingReversals,
  pendingRefundIds,
} from "./payments.repository";
import { releaseDueHold } from "./resolve-hold";
import { refundAtStripe, refundUnclaimed } from "./return-payment";

export const SWEEP_BATCH_SIZE = 100;
/** A Stripe step older than this without an outcome is looked at again. */
const STALE_STEP_MS = 60_000;

export type PaymentSweep = {
  expired: number;
  refundedUnclaimed: number;
  chargesRechecked: number;
  authenticationsAbandoned: number;
  payoutsRetried: number;
  refundsRetried: number;
  /** Payments whose failed payout transfers were reversed. */
  reversalsRetried: number;
  /** Delayed payments whose window ended, moved on to their recipients. */
  holdsReleased: number;
};

/**
 * The payment flow's background work, driven by the clock: expire unconfirmed payments,
 * refund unclaimed ones, re-check charges whose outcome was lost, give up on 3-D Secure left
 * unfinished, and retry payouts, refunds and transfer reversals Stripe did not take. Each step locks its payment
 * and re-checks its state, so several sweepers may run at once.
 */
export async function sweepPayments(deps: Deps): Promise<PaymentSweep> {
  const now = deps.clock.now();
  const stale = new Date(now.getTime() - STALE_STEP_MS);
  const result: PaymentSweep = {
    expired: 0,
    refundedUnclaimed: 0,
    chargesRechecked: 0,
    authenticationsAbandoned: 0,
    payoutsRetried: 0,
    refundsRetried: 0,
    reversalsRetried: 0,
    holdsReleased: 0,
  };
  const each = async (ids: string[], work: (id: string) => Promise<unknown>, key: keyof PaymentSweep) => {
    for (const id of ids) {
      try {
        await work(id);
        result[key]++;
      } catch (err) {
        deps.logger.warn({ err, payment_id: id, step: key }, "payment sweep step failed; next sweep retries");
      }
    }
  };

  await each(
    await idsWhere(
      deps.db,
      { status: "requires_confirmation", dueColumn: "confirm_by", before: now },
      SWEEP_BATCH_SIZE,
    ),
    (id) => expireUnconfirmed(deps, id),
    "expired",
  );
  await each(
    await idsWhere(deps.db, { status: "held", dueColumn: "held_until", before: now }, SWEEP_BATCH_SIZE),
    (id) => releaseDueHold(deps, id),
    "holdsReleased",
  );
  await each(
    await idsWhere(deps.db, { status: "awaiting_recipient", dueColumn: "claim_by", before: now }, SWEEP_BATCH_SIZE),
    (id) => refundUnclaimed(deps, id),
    "refundedUnclaimed",
  );
  await each(
    await idsWhere(deps.db, { status: "processing", dueColumn: "updated_at", before: stale }, SWEEP_BATCH_SIZE),
    (id) => chargeCard(deps, id),
    "chargesRechecked",
  );
  const abandonedBefore = new Date(now.getTime() - deps.config.payments.confirmWindowMs);
  await each(
    await idsWhere(
      deps.db,
      { status: "requires_action", dueColumn: "updated_at", before: abandonedBefore },
      SWEEP_BATCH_SIZE,
    ),
    (id) => abandonAuthentication(deps, id),
    "authenticationsAbandoned",
  );
  await each(
    await idsWhere(deps.db, { status: "paying_out", dueColumn: "updated_at", before: stale }, SWEEP_BATCH_SIZE),
    (id) => startPayout(deps, id),
    "payoutsRetried",
  );
  await each(
    await pendingRefundIds(deps.db, stale, SWEEP_BATCH_SIZE),
    (id) => refundAtStripe(deps, id),
    "refundsRetried",
  );
  await each(
    await paymentsWithPendingReversals(deps.db, stale, SWEEP_BATCH_SIZE),
    (id) => reversePayoutTransfers(deps, id),
    "reversalsRetried",
  );
  return result;
}

/** 3-D Secure never finished: cancel the PaymentIntent (unless it succeeded meanwhile) and release the hold. */
async function abandonAuthentication(deps: Deps, paymentId: string): Promise<void> {
  const payment = await findPayment(deps.db, paymentId);
  if (payment?.status !== "requires_action" || !payment.payment_intent_id) return;
  const intentId = payment.payment_intent_id;
  const intent = await callStripe(() => deps.stripe.sdk.paymentIntents.retrieve(intentId));
  if (intent.status === "succeeded") {
    await applyIntent(deps, paymentId, intent, null);
    return;
  }
  if (intent.status !== "canceled")
    await callStripe(() =>
      deps.stripe.sdk.paymentIntents.cancel(intentId, {}, { idempotencyKey: `cancel-${paymentId}` }),
    );
  await withTransaction(deps.db, async (trx) => {
    const locked = await lockPayment(trx, paymentId);
    if (locked?.status !== "requires_action") return;
    const ids = transferIds(locked);
    await mustMove(trx, deps.clock.now(), [
      { id: ids.cardHoldVoid, type: "void_pending", pendingId: ids.cardHold, ...reference(locked) },
    ]);
    await changePayment(deps, trx, locked, "expired", {}, { detail: { reason: "authentication_not_completed" } });
  });
}
