import type { Payment, PaymentStatus } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { page } from "../../http/pagination";
import { callStripe } from "../../platform/stripe";
import { requireMembership } from "../threads";
import { displayNamesOf } from "../users";
import { findPaymentForParty, listAudit, listPayments } from "./payments.repository";

/** The person's payments, newest first; only ones they sent or received, optionally in one thread they are in. */
export async function listPaymentsFor(
  deps: Pick<Deps, "db">,
  input: {
    userId: string;
    direction: "sent" | "received" | undefined;
    status: PaymentStatus | undefined;
    threadId: string | undefined;
    beforeSeq: bigint | undefined;
    limit: number;
  },
): Promise<{ items: Payment[]; next_cursor: string | null }> {
  if (input.threadId) await requireMembership(deps.db, input.threadId, input.userId);
  const rows = await listPayments(deps.db, { ...input, take: input.limit + 1 });
  return page(rows, input.limit);
}

/** One payment, for its sender or recipient only (anyone else: not found). */
export async function getPayment(
  deps: Pick<Deps, "db">,
  input: { userId: string; paymentId: string },
): Promise<Payment> {
  const payment = await findPaymentForParty(deps.db, input.paymentId, input.userId);
  if (!payment) throw notFound(input.paymentId);
  return payment;
}

/** A receipt: the payment, both people's names, and every state it went through with when. */
export async function getReceipt(deps: Pick<Deps, "db">, input: { userId: string; paymentId: string }) {
  const payment = await getPayment(deps, input);
  const [people, audit] = await Promise.all([
    displayNamesOf(deps.db, [payment.sender_id, payment.recipient_id]),
    listAudit(deps.db, payment.id),
  ]);
  const name = (id: string) => people.find((p) => p.id === id)?.display_name ?? "";
  return {
    payment,
    from: name(payment.sender_id),
    to: name(payment.recipient_id),
    timeline: audit.map((a) => ({ status: a.to_status, at: a.created_at.toISOString() })),
  };
}

/**
 * The PaymentIntent's client secret for a sender who must finish 3-D Secure: read from Stripe
 * each time it is needed, so it is never stored or sent in events.
 */
export async function clientSecretFor(
  deps: Pick<Deps, "stripe">,
  payment: Payment,
  viewerId: string,
): Promise<string | null> {
  if (payment.status !== "requires_action" || viewerId !== payment.sender_id || !payment.payment_intent_id) return null;
  const intentId = payment.payment_intent_id;
  const intent = await callStripe(() => deps.stripe.sdk.paymentIntents.retrieve(intentId));
  return intent.client_secret ?? null;
}

/** Someone else's payment, or none: the same answer, so ids reveal nothing. */
export const notFound = (id: string) => new AppError("PAYMENT_NOT_FOUND", { detail: `No payment ${id} of yours` });
