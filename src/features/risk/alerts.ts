import type { Payment } from "../../../db/schema";
import type { Trx } from "../../platform/db";
import { newId } from "../../platform/ids";
import { PLATFORM_OWNER } from "../ledger";
import { formatAmount } from "../payments";
import { postMessageInTransaction, systemThreadOf } from "../threads";
import { displayNamesOf } from "../users";

/** The title of each person's thread with the service, where its safety alerts arrive. */
const SAFETY_THREAD_TITLE = "Safety";

/**
 * An alert to one person: a notice from the service in their safety thread (opened the first
 * time), which also reaches them live as the message's event; in the caller's transaction, so
 * it is sent exactly when what it tells of commits.
 */
export async function alertPerson(
  trx: Trx,
  input: { userId: string; body: string; paymentId: string | null; at: Date },
): Promise<void> {
  const thread = await systemThreadOf(trx, {
    personId: input.userId,
    serviceId: PLATFORM_OWNER,
    title: SAFETY_THREAD_TITLE,
    at: input.at,
  });
  await postMessageInTransaction(trx, {
    id: newId("msg"),
    thread_id: thread.id,
    sender_id: PLATFORM_OWNER,
    kind: "notice",
    body: input.body,
    payment_id: input.paymentId,
    created_at: input.at,
  });
}

/**
 * The paymentChanged listener compose.ts registers: a sender whose payment the risk decision
 * holds is told why and what they can do, and told again when a held payment is canceled.
 * Every other change costs nothing here.
 */
export async function alertOnHold(trx: Trx, payment: Payment, at: Date): Promise<void> {
  const wasHeld = payment.risk_outcome === "delay" || payment.risk_outcome === "review";
  if (payment.status !== "held" && !(payment.status === "canceled" && wasHeld && payment.funding !== null)) return;
  const [recipient] = await displayNamesOf(trx, [payment.recipient_id]);
  const what = `Your payment of ${formatAmount(payment.amount_minor, payment.currency)} to ${recipient?.display_name ?? "them"}`;
  const body =
    payment.status === "canceled"
      ? `${what} was canceled while it was held. The money is back with you.`
      : payment.held_until
        ? `${what} is held until ${payment.held_until.toISOString().slice(11, 16)} UTC for your safety. If anyone is rushing you, cancel it.`
        : `${what} is held while we check it for your safety. You can cancel it until we decide.`;
  await alertPerson(trx, { userId: payment.sender_id, body, paymentId: payment.id, at });
}
