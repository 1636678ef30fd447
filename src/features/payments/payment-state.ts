import type { Payment, PaymentStatus } from "../../../db/schema";
import type { Deps } from "../../deps";
import type { Trx } from "../../platform/db";
import { publishEvent } from "../events";
import { isConfirmed } from "./confirmable";
import { insertAudit, type PaymentUpdate, updatePayment } from "./payments.repository";
import { toPaymentDto } from "./payments.schemas";

/**
 * The payment lifecycle: from each state, the states a step may move a payment to. Every change
 * goes through changePayment, which refuses any other move (a bug in a step, never a client's
 * doing: clients are refused by the steps' own checks first).
 */
export const TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  // Confirmed: funded from the wallet (then delivered at once) or a card charge started.
  // Held: the risk decision delays it or sends it to review, the money held in the ledger.
  requires_confirmation: ["processing", "awaiting_recipient", "paying_out", "held", "canceled", "expired"],
  // The card charge's outcome: 3-D Secure asked, succeeded (delivered or held), or declined.
  processing: ["requires_action", "awaiting_recipient", "paying_out", "held", "failed"],
  // 3-D Secure: completed (delivered or held), failed, or abandoned past its window.
  requires_action: ["awaiting_recipient", "paying_out", "held", "failed", "expired"],
  // Released (its delay over, or an operator's decision), or canceled by its sender or an operator.
  held: ["awaiting_recipient", "paying_out", "canceled"],
  // Waiting for the recipient's payout card, or returned: canceled, declined, unclaimed.
  awaiting_recipient: ["paying_out", "canceled", "declined", "refunded"],
  // The payout paid, or failed (the money waits in the recipient's wallet again).
  paying_out: ["paid_out", "awaiting_recipient"],
  paid_out: [],
  failed: [],
  canceled: [],
  declined: [],
  expired: [],
  refunded: [],
};

/**
 * One state change of a locked payment, allowed by TRANSITIONS: the row, its audit entry, a
 * live event for both people and the paymentChanged hooks (a request's share follows its
 * payment), in the caller's transaction (which also holds the step's ledger transfers).
 */
export async function changePayment(
  deps: Pick<Deps, "clock" | "hooks">,
  trx: Trx,
  payment: Payment,
  to: PaymentStatus,
  patch: PaymentPatch = {},
  audit: Audit = {},
): Promise<Payment> {
  if (!TRANSITIONS[payment.status].includes(to)) {
    throw new Error(`Payment ${payment.id} cannot go from ${payment.status} to ${to}`);
  }
  const now = deps.clock.now();
  const updated = await updatePayment(trx, payment.id, { ...patch, status: to, updated_at: now });
  await record(deps, trx, payment.status, updated, audit, now);
  return updated;
}

/** Fields a state change may set besides the status. */
export type PaymentPatch = Omit<PaymentUpdate, "id" | "seq" | "created_at" | "status">;
type Audit = { actorId?: string | null; detail?: Record<string, unknown> };

/** A payment just inserted: its first audit entry and live event, without updating the row again. */
export async function recordCreated(
  deps: Pick<Deps, "clock" | "hooks">,
  trx: Trx,
  payment: Payment,
  actorId: string,
): Promise<void> {
  await record(deps, trx, null, payment, { actorId }, deps.clock.now());
}

async function record(
  deps: Pick<Deps, "hooks">,
  trx: Trx,
  from: PaymentStatus | null,
  payment: Payment,
  audit: Audit,
  now: Date,
): Promise<void> {
  await insertAudit(trx, {
    payment_id: payment.id,
    from_status: from,
    to_status: payment.status,
    actor_id: audit.actorId ?? null,
    detail: audit.detail ?? {},
    created_at: now,
  });
  await announce(trx, payment, now);
  for (const listener of deps.hooks.paymentChanged) await listener(trx, payment, now);
}

/** Tells both people about the payment as each of them sees it (the recipient once it is confirmed). */
async function announce(trx: Trx, payment: Payment, at: Date): Promise<void> {
  const viewers = isConfirmed(payment) ? [payment.sender_id, payment.recipient_id] : [payment.sender_id];
  for (const userId of viewers) {
    await publishEvent(trx, { userIds: [userId], type: "payment.updated", data: toPaymentDto(payment, userId), at });
  }
}
