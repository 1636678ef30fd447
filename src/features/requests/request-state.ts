import type { Payment, PaymentRequest } from "../../../db/schema";
import type { Trx } from "../../platform/db";
import { publishEvent } from "../events";
import { isConfirmed } from "../payments";
import { memberIdsOf } from "../threads";
import { listShares, lockRequest, updateRequest, updateShare } from "./requests.repository";
import { toRequestDto } from "./requests.schemas";

const FUNDED = new Set(["awaiting_recipient", "paying_out", "paid_out"]);
const ABANDONED = new Set(["failed", "canceled", "expired", "declined", "refunded"]);

/** Tells everyone in the thread how the request stands (who has paid). */
export async function announceRequest(trx: Trx, request: PaymentRequest, at: Date): Promise<void> {
  const [memberIds, shares] = await Promise.all([memberIdsOf(trx, request.thread_id), listShares(trx, request.id)]);
  await publishEvent(trx, {
    userIds: memberIds,
    type: "request.updated",
    data: toRequestDto(request, shares),
    at,
  });
}

/**
 * Keeps a request's share in step with the payment made for it: funded means paid; a payment
 * that went nowhere (or went back) frees the share to be paid again while the request is open.
 */
export async function syncShareWithPayment(trx: Trx, payment: Payment, at: Date): Promise<void> {
  if (!payment.request_id) return;
  const request = await lockRequest(trx, payment.request_id);
  if (!request) return;
  const share = (await listShares(trx, request.id)).find((s) => s.payer_id === payment.sender_id);
  if (share?.payment_id !== payment.id) return;
  if (FUNDED.has(payment.status) && share.status !== "paid") {
    await updateShare(trx, request.id, share.payer_id, { status: "paid", updated_at: at });
  } else if (ABANDONED.has(payment.status) && (share.status !== "pending" || share.payment_id !== null)) {
    await updateShare(trx, request.id, share.payer_id, { status: "pending", payment_id: null, updated_at: at });
  } else if (isConfirmed(payment) && share.status === "pending") {
    // Only now does the thread learn the share is being paid: before, the payment was an intention.
    await updateShare(trx, request.id, share.payer_id, { status: "paying", updated_at: at });
  } else {
    return;
  }
  await completeIfSettled(trx, request, at);
}

export async function completeIfSettled(trx: Trx, request: PaymentRequest, at: Date): Promise<void> {
  const shares = await listShares(trx, request.id);
  const settled = shares.every((s) => s.status === "paid" || s.status === "declined");
  const next =
    request.status === "open" && settled
      ? await updateRequest(trx, request.id, { status: "completed", updated_at: at })
      : request;
  await announceRequest(trx, next, at);
}
