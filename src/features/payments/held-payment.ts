import type { Payment } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import type { Trx } from "../../platform/db";
import { mustMove, reference, transferIds } from "./payment-money";
import { changePayment } from "./payment-state";
import { lockPayment } from "./payments.repository";
import { notFound } from "./read-payments";

/**
 * Who ends a hold, and why (kept with the payment's audit entry); `inTransaction` runs in the
 * same transaction (an operator's own audit row).
 */
export type HoldDecision = { actorId: string | null; reason: string; inTransaction?: (trx: Trx) => Promise<void> };

/** Ends a locked held payment with nothing moved: its ledger hold is voided and a card charge queued for refund. */
export async function voidHold(deps: Deps, trx: Trx, payment: Payment, decision: HoldDecision): Promise<Payment> {
  const ids = transferIds(payment);
  const [pendingId, voidId] =
    payment.funding === "card" ? [ids.cardHold, ids.cardHoldVoid] : [ids.riskHold, ids.riskHoldVoid];
  await mustMove(trx, deps.clock.now(), [{ id: voidId, type: "void_pending", pendingId, ...reference(payment) }]);
  await decision.inTransaction?.(trx);
  return changePayment(
    deps,
    trx,
    payment,
    "canceled",
    { held_until: null, refund_state: payment.funding === "card" ? "pending" : null },
    { actorId: decision.actorId, detail: { hold_ended: decision.reason } },
  );
}

/** The payment, locked, if it is held; otherwise PAYMENT_NOT_HELD. */
export async function lockHeld(trx: Trx, paymentId: string): Promise<Payment> {
  const payment = await lockPayment(trx, paymentId);
  if (!payment) throw notFound(paymentId);
  if (payment.status !== "held") {
    throw new AppError("PAYMENT_NOT_HELD", { detail: `The payment is ${payment.status.replaceAll("_", " ")}` });
  }
  return payment;
}
