import type { Payment } from "../../../db/schema";
import type { Deps } from "../../deps";
import { afterCommit } from "../../platform/after-commit";
import { withTransaction } from "../../platform/db";
import { routeToRecipient, startPayout } from "./deliver-payment";
import { type HoldDecision, lockHeld, voidHold } from "./held-payment";
import { mustMove, reference, transferIds } from "./payment-money";
import { lockPayment } from "./payments.repository";
import { refundAtStripe } from "./return-payment";

/**
 * A held payment moves on: the ledger hold is posted (the wallet's pending transfer, or the
 * card charge's) and the money goes to the recipient like any delivered payment. The sweep
 * does it when a delay ends; an operator does it after review.
 */
export function releaseHeldPayment(deps: Deps, paymentId: string, decision: HoldDecision): Promise<Payment> {
  return release(deps, paymentId, decision);
}

/** The sweep: a delayed payment whose window is over moves (one canceled or released meanwhile is left alone). */
export async function releaseDueHold(deps: Deps, paymentId: string): Promise<void> {
  await release(
    deps,
    paymentId,
    { actorId: null, reason: "delay_over" },
    (p) => p.held_until !== null && p.held_until <= deps.clock.now(),
  );
}

async function release(
  deps: Deps,
  paymentId: string,
  decision: HoldDecision,
  due?: (payment: Payment) => boolean,
): Promise<Payment> {
  const released = await withTransaction(deps.db, async (trx) => {
    const locked = await lockPayment(trx, paymentId);
    if (due && locked && (locked.status !== "held" || !due(locked))) return locked;
    const payment = await lockHeld(trx, paymentId);
    const ids = transferIds(payment);
    const [pendingId, postId] =
      payment.funding === "card" ? [ids.cardHold, ids.cardHoldPost] : [ids.riskHold, ids.riskHoldPost];
    await mustMove(trx, deps.clock.now(), [{ id: postId, type: "post_pending", pendingId, ...reference(payment) }]);
    await decision.inTransaction?.(trx);
    return routeToRecipient(
      deps,
      trx,
      payment,
      decision.actorId,
      { held_until: null },
      { hold_ended: decision.reason },
    );
  });
  if (released.status === "paying_out") await afterCommit(deps, "payout", () => startPayout(deps, released.id));
  return released;
}

/** An operator cancels a held payment: the money goes back to its sender (a card charge is refunded). */
export async function cancelHeldPayment(deps: Deps, paymentId: string, decision: HoldDecision): Promise<Payment> {
  const canceled = await withTransaction(deps.db, async (trx) =>
    voidHold(deps, trx, await lockHeld(trx, paymentId), decision),
  );
  if (canceled.refund_state === "pending") await afterCommit(deps, "refund", () => refundAtStripe(deps, canceled.id));
  return canceled;
}
