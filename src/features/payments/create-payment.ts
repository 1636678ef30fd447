import type { LedgerAccount, Payment } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Db, lockPerson, type Trx, withTransaction } from "../../platform/db";
import { gatherWrites } from "../../platform/gathered-writes";
import { newId } from "../../platform/ids";
import { findDefaultCard } from "../cards";
import { type IssuedConfirmationChallenge, issueConfirmationChallenge } from "../confirmation";
import { ownerAvailableOf, viewBalance } from "../ledger";
import { membersAmong, postMessageInTransaction, threadNotFound } from "../threads";
import { confirmableOf } from "./confirmable";
import { formatAmount } from "./format-amount";
import { checkSendingLimits } from "./limits";
import { containsCardNumber } from "./memo";
import { recordCreated } from "./payment-state";
import { awaitingReceived, findPaymentByKey, insertPayment } from "./payments.repository";

export type CreatePaymentInput = {
  senderId: string;
  threadId: string;
  recipientId: string;
  amountMinor: bigint;
  currency: string;
  memo: string | undefined;
  idempotencyKey: string | undefined;
  requestId?: string;
};

/**
 * Starts a payment in a thread: both people must be in it, the amount within limits, the
 * sender able to fund and confirm it. One transaction, holding the sender's lock, checks all
 * of that, creates the payment (awaiting confirmation), its message and its confirmation
 * challenge: a refusal leaves nothing behind, and concurrent creates see each other's counts.
 */
export async function createPayment(
  deps: Deps,
  input: CreatePaymentInput,
  inTransaction?: (trx: Trx, payment: Payment) => Promise<void>,
): Promise<{ payment: Payment; confirmation: IssuedConfirmationChallenge | null; created: boolean }> {
  // Non-members learn nothing, not even what a valid request would need.
  const members = await membersAmong(deps.db, input.threadId, [input.senderId, input.recipientId]);
  if (!members.has(input.senderId)) throw threadNotFound(input.threadId);
  if (!input.idempotencyKey) {
    throw new AppError("IDEMPOTENCY_KEY_REQUIRED", {
      detail: "Send an Idempotency-Key header so a retry never pays twice",
    });
  }
  const idempotencyKey = input.idempotencyKey;
  return withTransaction(deps.db, async (trx) => {
    const within: Deps = { ...deps, db: trx };
    gatherWrites(trx);
    await lockPerson(trx, "send", input.senderId);
    const previous = await findPaymentByKey(trx, input.senderId, idempotencyKey);
    if (previous) return { payment: sameOrRefuse(previous, input), confirmation: null, created: false };

    await checkPayable(within, input, members);
    const now = deps.clock.now();
    const id = newId("pay");
    const verdict = await deps.risk.decide(deps, trx, {
      id,
      threadId: input.threadId,
      senderId: input.senderId,
      recipientId: input.recipientId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      memo: input.memo || null,
      requestId: input.requestId ?? null,
      seq: null,
    });
    // Blocked: refused with the rule's reason, and the rollback leaves nothing behind.
    if (verdict.blockedBecause !== null) throw new AppError("PAYMENT_BLOCKED", { detail: verdict.blockedBecause });
    const payment = await insertPayment(trx, {
      id,
      thread_id: input.threadId,
      sender_id: input.senderId,
      recipient_id: input.recipientId,
      request_id: input.requestId ?? null,
      amount_minor: input.amountMinor,
      currency: input.currency,
      memo: input.memo || null,
      status: "requires_confirmation",
      funding: null,
      card_id: null,
      payment_intent_id: null,
      payout_id: null,
      refund_state: null,
      refund_id: null,
      failure_code: null,
      failure_message: null,
      idempotency_key: idempotencyKey,
      confirm_by: new Date(now.getTime() + deps.config.payments.confirmWindowMs),
      claim_by: null,
      risk_outcome: verdict.outcome,
      risk_warnings: JSON.stringify(verdict.warnings),
      created_at: now,
      updated_at: now,
    });
    // Before the challenge is issued: the confirmation policy reads the decision (step-up).
    await deps.risk.record(trx, { paymentId: id, stage: "create", verdict, at: now });
    await postMessageInTransaction(trx, {
      id: newId("msg"),
      thread_id: input.threadId,
      sender_id: input.senderId,
      kind: "payment",
      body: `Payment of ${formatAmount(input.amountMinor, input.currency)}${input.memo ? `: ${input.memo}` : ""}`,
      payment_id: payment.id,
      // Until it is confirmed, a payment is its sender's intention, not money: no one else sees it.
      visible_only_to: input.senderId,
      created_at: now,
    });
    await inTransaction?.(trx, payment);
    await recordCreated(deps, trx, payment, input.senderId);
    const confirmation = await issueConfirmationChallenge(within, {
      userId: input.senderId,
      confirmable: confirmableOf(payment),
    });
    return { payment, confirmation, created: true };
  });
}

function sameOrRefuse(previous: Payment, input: CreatePaymentInput): Payment {
  const same =
    previous.thread_id === input.threadId &&
    previous.recipient_id === input.recipientId &&
    previous.amount_minor === input.amountMinor &&
    previous.currency === input.currency &&
    (previous.memo ?? "") === (input.memo ?? "");
  if (!same) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", { detail: "This Idempotency-Key already made a different payment" });
  }
  return previous;
}

async function checkPayable(deps: Deps, input: CreatePaymentInput, members: ReadonlySet<string>): Promise<void> {
  await deps.privacy.requireConsent(deps, input.senderId, "payments");
  if (input.recipientId === input.senderId)
    throw new AppError("CANNOT_PAY_SELF", { detail: "Pick someone else in the thread" });
  if (!members.has(input.recipientId)) {
    throw new AppError("RECIPIENT_NOT_IN_THREAD", { detail: "You can only pay people in this thread" });
  }
  if (!deps.config.payments.currencies.includes(input.currency)) {
    throw new AppError("CURRENCY_NOT_SUPPORTED", {
      detail: `Payments are in ${deps.config.payments.currencies.join(", ")}`,
    });
  }
  if (input.memo && containsCardNumber(input.memo)) {
    throw new AppError("MEMO_CONTAINS_CARD_NUMBER", {
      detail: "Never share card numbers in a memo; remove it and try again",
    });
  }
  await checkSendingLimits(deps, deps.db, { ...input, pendingMax: deps.config.payments.maxPendingConfirmations });
  if (!(await canFund(deps, input.senderId, input.amountMinor, input.currency))) {
    throw new AppError("NO_FUNDING_SOURCE", { detail: "Add a debit card to send money" });
  }
  // No confirmation method: issuing the challenge refuses it, and the rollback leaves nothing.
}

/** A default debit card, or enough in the wallet that is not waiting to be claimed (which could still go back). */
async function canFund(
  deps: Pick<Deps, "db">,
  userId: string,
  amountMinor: bigint,
  currency: string,
): Promise<boolean> {
  if (await findDefaultCard(deps.db, userId)) return true;
  return (await spendableWallet(deps.db, userId, currency)) >= amountMinor;
}

/**
 * What the person may spend from their wallet (its balance read here, in the same statement,
 * unless the caller has it): money waiting to be claimed could still go back.
 */
export async function spendableWallet(
  db: Db | Trx,
  userId: string,
  currency: string,
  wallet?: LedgerAccount,
): Promise<bigint> {
  const read = wallet ? undefined : ownerAvailableOf(db, { ownerId: userId, purpose: "wallet", currency });
  const standing = await awaitingReceived(db, userId, currency, read);
  const available = wallet ? viewBalance(wallet).available : standing.available;
  return available === null ? 0n : available - standing.awaiting;
}
