import type Stripe from "stripe";
import type { Payment } from "../../../db/schema";
import type { Deps } from "../../deps";
import { afterCommit } from "../../platform/after-commit";
import { type Trx, withTransaction } from "../../platform/db";
import { callStripe } from "../../platform/stripe";
import { payoutDestinationOf } from "../cards";
import { mustMove, platformAccount, reference, transferIds, walletOf } from "./payment-money";
import { changePayment, type PaymentPatch } from "./payment-state";
import {
  awaitingFor,
  countReversalFailure,
  findPayment,
  lockPayment,
  markReversed,
  pendingReversals,
  queueTransferReversal,
  updatePayment,
} from "./payments.repository";

/**
 * With the money in the recipient's wallet: hold it for a payout when they have a ready payout
 * card, otherwise leave it waiting for them to claim (until the claim window ends).
 */
export async function routeToRecipient(
  deps: Deps,
  trx: Trx,
  payment: Payment,
  actorId: string | null,
  /** What the step that put the money there also records (how it was funded, the charge). */
  patch: PaymentPatch = {},
  /** Facts for the audit entry (why a held payment moved). */
  detail?: Record<string, unknown>,
): Promise<Payment> {
  const now = deps.clock.now();
  const destination = await payoutDestinationOf(trx, payment.recipient_id);
  if (destination?.state === "ready" && destination.external_account_id) {
    const attempt = payment.payout_attempts + 1;
    const ids = transferIds({ ...payment, payout_attempts: attempt });
    await mustMove(trx, now, [
      {
        id: ids.payout,
        type: "pending",
        debitAccountId: await walletOf(trx, payment.recipient_id, payment.currency, now),
        creditAccountId: await platformAccount(trx, "payouts_in_transit", payment.currency, now),
        amountMinor: payment.amount_minor,
        currency: payment.currency,
        ...reference(payment),
      },
    ]);
    return changePayment(
      deps,
      trx,
      payment,
      "paying_out",
      { ...patch, payout_attempts: attempt, payout_id: null, claim_by: null },
      { actorId, detail },
    );
  }
  const claimBy = payment.claim_by ?? new Date(now.getTime() + deps.config.payments.claimWindowMs);
  return changePayment(deps, trx, payment, "awaiting_recipient", { ...patch, claim_by: claimBy }, { actorId, detail });
}

/**
 * Sends a held payout through Stripe: a transfer to the recipient's connected account and an
 * instant payout to their card, each with an idempotency key per payment and attempt, so a
 * retry (the sweep's, after Stripe was unreachable) never pays twice. The transfer is recorded
 * before the payout is asked for: a retry reuses it (Stripe keeps idempotency keys for a day
 * only), and an attempt that fails, however, has it reversed.
 */
export async function startPayout(deps: Deps, paymentId: string): Promise<void> {
  const payment = await findPayment(deps.db, paymentId);
  if (payment?.status !== "paying_out" || payment.payout_id) return;
  const attempt = payment.payout_attempts;
  const destination = await payoutDestinationOf(deps.db, payment.recipient_id);
  if (destination?.state !== "ready" || !destination.external_account_id) {
    // With a transfer made, the payout may have been asked for and its answer lost: ask Stripe
    // before ending the attempt, or a payout already on its way would be paid twice.
    const live =
      payment.payout_transfer_id && destination
        ? await findAttemptPayout(deps, destination.account_id, payment.id, attempt)
        : undefined;
    await withTransaction(deps.db, async (trx) => {
      const locked = await lockPayment(trx, paymentId);
      if (locked?.status !== "paying_out" || locked.payout_id || locked.payout_attempts !== attempt) return;
      if (live) await recordPayout(deps, trx, locked, live);
      else await returnPayoutToWallet(deps, trx, locked, "destination_unavailable");
    });
    await reversePayoutTransfers(deps, paymentId);
    return;
  }
  const key = `${payment.id}-${attempt}`;
  const amount = Number(payment.amount_minor);
  const currency = payment.currency.toLowerCase();
  const metadata = { payment_id: payment.id, attempt: String(attempt) };
  if (!payment.payout_transfer_id) {
    const transfer = await callStripe(() =>
      deps.stripe.sdk.transfers.create(
        { amount, currency, destination: destination.account_id, transfer_group: payment.id, metadata },
        { idempotencyKey: `transfer-${key}` },
      ),
    );
    const current = await withTransaction(deps.db, async (trx) => {
      const locked = await lockPayment(trx, paymentId);
      const live = locked?.status === "paying_out" && locked.payout_attempts === attempt && !locked.payout_id;
      if (live && !locked.payout_transfer_id) {
        await updatePayment(trx, paymentId, { payout_transfer_id: transfer.id });
      } else if (!live || locked.payout_transfer_id !== transfer.id) {
        // The attempt ended while the transfer was being made, or another run's transfer was
        // recorded first (possible only once an idempotency key has expired): this one goes back.
        const at = deps.clock.now();
        await queueTransferReversal(trx, { transfer_id: transfer.id, payment_id: paymentId, attempt, at });
      }
      return live;
    });
    if (!current) {
      await reversePayoutTransfers(deps, paymentId);
      return;
    }
  }
  const externalAccount = destination.external_account_id;
  const payout = await callStripe(() =>
    deps.stripe.sdk.payouts.create(
      { amount, currency, method: "instant", destination: externalAccount, metadata },
      { stripeAccount: destination.account_id, idempotencyKey: `payout-${key}` },
    ),
  );
  await withTransaction(deps.db, async (trx) => {
    const locked = await lockPayment(trx, paymentId);
    if (locked?.status === "paying_out" && locked.payout_attempts === attempt && !locked.payout_id) {
      await updatePayment(trx, paymentId, { payout_id: payout.id, updated_at: deps.clock.now() });
    } else if (locked?.payout_id !== payout.id) {
      reportStrayPayout(deps, paymentId, attempt, payout.id, "created for a payout attempt that had already ended");
    }
  });
}

/** This attempt's payout at Stripe, if it was made (found by its metadata, not by an idempotency key that may have expired). */
async function findAttemptPayout(
  deps: Pick<Deps, "stripe">,
  accountId: string,
  paymentId: string,
  attempt: number,
): Promise<Stripe.Payout | undefined> {
  return callStripe(async () => {
    for await (const payout of deps.stripe.sdk.payouts.list({ limit: 100 }, { stripeAccount: accountId })) {
      if (payout.metadata?.payment_id === paymentId && payout.metadata?.attempt === String(attempt)) return payout;
    }
    return undefined;
  });
}

/** Keeps a payout found at Stripe for the current attempt, and applies its outcome if it has one. */
async function recordPayout(deps: Deps, trx: Trx, payment: Payment, payout: Stripe.Payout): Promise<void> {
  await updatePayment(trx, payment.id, { payout_id: payout.id, updated_at: deps.clock.now() });
  await applyPayout(deps, trx, payout);
}

/**
 * A payout that went out for an attempt the payment no longer has: the money may have left
 * twice. Nothing here can take it back, so it is logged for a person to reconcile.
 */
function reportStrayPayout(
  deps: Pick<Deps, "logger">,
  paymentId: string,
  attempt: number,
  payoutId: string,
  what: string,
): void {
  deps.logger.error({ payment_id: paymentId, attempt, payout_id: payoutId }, `payout ${what}: reconcile by hand`);
}

/**
 * Stripe's word on a payout (re-read, not taken from the webhook body): paid settles it, failed
 * puts the money back. True when the attempt failed, so its transfer waits to be reversed.
 */
export async function applyPayout(deps: Deps, trx: Trx, payout: Stripe.Payout): Promise<boolean> {
  const paymentId = payout.metadata?.payment_id;
  const attempt = Number(payout.metadata?.attempt);
  if (!paymentId) return false;
  const payment = await lockPayment(trx, paymentId);
  if (payment?.status !== "paying_out" || payment.payout_attempts !== attempt) {
    if (payment && payout.status === "paid" && payment.payout_id !== payout.id) {
      reportStrayPayout(deps, paymentId, attempt, payout.id, "paid for an attempt that had already ended");
    }
    return false;
  }
  const ids = transferIds(payment);
  if (payout.status === "paid") {
    await mustMove(trx, deps.clock.now(), [
      { id: ids.payoutPost, type: "post_pending", pendingId: ids.payout, ...reference(payment) },
    ]);
    await changePayment(deps, trx, payment, "paid_out", { payout_id: payout.id }, { detail: { payout_id: payout.id } });
    return false;
  }
  if (payout.status === "failed" || payout.status === "canceled") {
    await returnPayoutToWallet(deps, trx, payment, payout.failure_code ?? payout.status);
    return true;
  }
  return false;
}

/** Ends a payout attempt: the ledger hold is voided (the money is the recipient's again) and its transfer queued for reversal. */
async function returnPayoutToWallet(deps: Deps, trx: Trx, payment: Payment, reason: string): Promise<void> {
  const now = deps.clock.now();
  const ids = transferIds(payment);
  await mustMove(trx, now, [
    { id: ids.payoutVoid, type: "void_pending", pendingId: ids.payout, ...reference(payment) },
  ]);
  if (payment.payout_transfer_id) {
    await queueTransferReversal(trx, {
      transfer_id: payment.payout_transfer_id,
      payment_id: payment.id,
      attempt: payment.payout_attempts,
      at: now,
    });
  }
  await changePayment(
    deps,
    trx,
    payment,
    "awaiting_recipient",
    {
      payout_id: null,
      payout_transfer_id: null,
      claim_by: new Date(now.getTime() + deps.config.payments.claimWindowMs),
    },
    { detail: { payout_failed: reason } },
  );
}

/**
 * Takes back from the recipient's connected account the transfers of this payment's failed
 * attempts, so Stripe agrees with the ledger (the money is in their wallet again, and the next
 * attempt transfers anew). What Stripe does not take now, the sweep retries.
 */
export async function reversePayoutTransfers(
  deps: Pick<Deps, "clock" | "db" | "logger" | "stripe">,
  paymentId: string,
): Promise<void> {
  for (const transferId of await pendingReversals(deps.db, paymentId)) await reverseTransfer(deps, transferId);
}

/** Reversal failures after which each further one is logged as an error for a person to look at. */
const REVERSAL_FAILURES_BEFORE_ALERT = 3;

/** One transfer, reversed in full exactly once (an idempotency key, and a look first in case it already is). */
async function reverseTransfer(
  deps: Pick<Deps, "clock" | "db" | "logger" | "stripe">,
  transferId: string,
): Promise<void> {
  try {
    const transfer = await callStripe(() => deps.stripe.sdk.transfers.retrieve(transferId));
    const reversal = transfer.reversed
      ? transfer.reversals.data[0]
      : await callStripe(() =>
          deps.stripe.sdk.transfers.createReversal(
            transferId,
            { metadata: transfer.metadata ?? {} },
            { idempotencyKey: `reversal-${transferId}` },
          ),
        );
    await markReversed(deps.db, transferId, reversal?.id ?? null, deps.clock.now());
  } catch (err) {
    const failures = await countReversalFailure(deps.db, transferId, deps.clock.now());
    if (failures >= REVERSAL_FAILURES_BEFORE_ALERT) {
      deps.logger.error({ err, transfer_id: transferId, failures }, "transfer reversal keeps failing: look at it");
    }
    throw err;
  }
}

/** Pays out everything waiting for this person, once they have a ready payout card. */
export async function deliverWaitingPayments(deps: Deps, recipientId: string): Promise<void> {
  for (const id of await awaitingFor(deps.db, recipientId)) {
    const routed = await withTransaction(deps.db, async (trx) => {
      const payment = await lockPayment(trx, id);
      return payment?.status === "awaiting_recipient" ? routeToRecipient(deps, trx, payment, recipientId) : undefined;
    });
    if (routed?.status === "paying_out") await afterCommit(deps, "payout", () => startPayout(deps, id));
  }
}
