import type { Payment, PaymentStatus } from "../../../db/schema";
import type { Deps } from "../../http/app-env";
import type { Trx } from "../../platform/db";
import { publishEvent } from "../events/publish-event";
import { syncShareWithPayment } from "../requests/request-state";
import { insertAudit, updatePayment } from "./payments.repository";
import { toPaymentDto } from "./payments.schemas";

/**
 * One state change of a locked payment: the row, its audit entry and a live event for both
 * people, in the caller's transaction (which also holds the step's ledger transfers).
 */
export async function changePayment(
  deps: Pick<Deps, "clock">,
  trx: Trx,
  payment: Payment,
  to: PaymentStatus,
  patch: Partial<Omit<Payment, "id" | "seq" | "created_at" | "status">> = {},
  audit: { actorId?: string | null; detail?: Record<string, unknown> } = {},
): Promise<Payment> {
  const now = deps.clock.now();
  const updated = await updatePayment(trx, payment.id, { ...patch, status: to, updated_at: now });
  await insertAudit(trx, {
    payment_id: payment.id,
    from_status: payment.status,
    to_status: to,
    actor_id: audit.actorId ?? null,
    detail: audit.detail ?? {},
    created_at: now,
  });
  await announce(trx, updated, now);
  await syncShareWithPayment(trx, updated, now);
  return updated;
}

/** Tells both people about the payment as each of them sees it. */
export async function announce(trx: Trx, payment: Payment, at: Date): Promise<void> {
  for (const userId of [payment.sender_id, payment.recipient_id]) {
    await publishEvent(trx, { userIds: [userId], type: "payment.updated", data: toPaymentDto(payment, userId), at });
  }
}
