import type { Payment, PaymentRequest, PaymentRequestShare } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { withTransaction } from "../../platform/db";
import { type IssuedConfirmationChallenge, issueConfirmationChallenge } from "../confirmation";
import { confirmableOf, createPayment, getPayment } from "../payments";
import { requireMembership } from "../threads";
import { announceRequest, completeIfSettled } from "./request-state";
import { findRequest, listShares, lockRequest, updateRequest, updateShare } from "./requests.repository";

const notFound = (id: string) => new AppError("REQUEST_NOT_FOUND", { detail: `No request ${id} in your threads` });

/** The request, for members of its thread only. */
export async function getRequest(deps: Pick<Deps, "db">, input: { userId: string; requestId: string }) {
  const request = await findRequest(deps.db, input.requestId);
  if (!request) throw notFound(input.requestId);
  await requireMembership(deps.db, request.thread_id, input.userId).catch(() => {
    throw notFound(input.requestId);
  });
  return { request, shares: await listShares(deps.db, request.id) };
}

async function openShare(
  deps: Pick<Deps, "db" | "clock">,
  input: { userId: string; requestId: string },
): Promise<{ request: PaymentRequest; share: PaymentRequestShare }> {
  const { request, shares } = await getRequest(deps, input);
  const share = shares.find((s) => s.payer_id === input.userId);
  if (!share) throw notFound(input.requestId);
  if (request.status !== "open" || request.expires_at <= deps.clock.now()) {
    throw new AppError("REQUEST_NOT_OPEN", { detail: `The request is ${request.status}` });
  }
  return { request, share };
}

/** A payer pays their share: a payment linked to the request, to confirm like any other. */
export async function payRequest(
  deps: Deps,
  input: { userId: string; requestId: string; idempotencyKey: string | undefined },
): Promise<{ payment: Payment; confirmation: IssuedConfirmationChallenge | null; created: boolean }> {
  const { request, share } = await openShare(deps, input);
  if (share.status === "paid" || share.status === "declined") {
    throw new AppError("REQUEST_NOT_OPEN", { detail: `Your share is already ${share.status}` });
  }
  const started = share.payment_id
    ? await getPayment(deps, { userId: input.userId, paymentId: share.payment_id })
    : undefined;
  if (started?.status === "requires_confirmation") {
    // Paying again resumes the payment this person started and has not confirmed yet.
    const confirmation = await issueConfirmationChallenge(deps, {
      userId: input.userId,
      confirmable: confirmableOf(started),
    });
    return { payment: started, confirmation, created: false };
  }
  return createPayment(
    deps,
    {
      senderId: input.userId,
      threadId: request.thread_id,
      recipientId: request.author_id,
      amountMinor: share.amount_minor,
      currency: request.currency,
      memo: request.memo ?? undefined,
      idempotencyKey: input.idempotencyKey,
      requestId: request.id,
    },
    async (trx, payment) => {
      const locked = await lockRequest(trx, request.id);
      const current = (await listShares(trx, request.id)).find((s) => s.payer_id === input.userId);
      if (locked?.status !== "open" || current?.status !== "pending" || current.payment_id !== null) {
        throw new AppError("REQUEST_NOT_OPEN", { detail: "Your share is already being paid" });
      }
      // The share stays pending for everyone else until the payment is confirmed (syncShareWithPayment).
      await updateShare(trx, request.id, input.userId, { payment_id: payment.id, updated_at: deps.clock.now() });
    },
  );
}

/** A payer declines their share. */
export async function declineRequest(
  deps: Pick<Deps, "db" | "clock">,
  input: { userId: string; requestId: string },
): Promise<PaymentRequest> {
  const { request, share } = await openShare(deps, input);
  if (share.status !== "pending") throw new AppError("REQUEST_NOT_OPEN", { detail: `Your share is ${share.status}` });
  return withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await updateShare(trx, request.id, input.userId, { status: "declined", updated_at: now });
    const locked = (await lockRequest(trx, request.id)) as PaymentRequest;
    await completeIfSettled(trx, locked, now);
    return (await findRequest(trx, request.id)) as PaymentRequest;
  });
}

/** The author withdraws an open request (payments already made stand). */
export async function cancelRequest(
  deps: Pick<Deps, "db" | "clock">,
  input: { userId: string; requestId: string },
): Promise<PaymentRequest> {
  const { request } = await getRequest(deps, input);
  if (request.author_id !== input.userId) throw notFound(input.requestId);
  return endRequest(deps, request.id, "canceled");
}

/** The sweep: open requests past their expiry. */
export function expireRequest(deps: Pick<Deps, "db" | "clock">, requestId: string): Promise<PaymentRequest> {
  return endRequest(deps, requestId, "expired");
}

async function endRequest(
  deps: Pick<Deps, "db" | "clock">,
  requestId: string,
  status: "canceled" | "expired",
): Promise<PaymentRequest> {
  return withTransaction(deps.db, async (trx) => {
    const request = await lockRequest(trx, requestId);
    if (!request) throw notFound(requestId);
    if (request.status !== "open")
      throw new AppError("REQUEST_NOT_OPEN", { detail: `The request is ${request.status}` });
    const ended = await updateRequest(trx, requestId, { status, updated_at: deps.clock.now() });
    await announceRequest(trx, ended, deps.clock.now());
    return ended;
  });
}
