import type { Payment } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { afterCommit } from "../../platform/after-commit";
import { lockPerson, type Trx, withTransaction } from "../../platform/db";
import { gatherWrites } from "../../platform/gathered-writes";
import type { KeptKey } from "../../platform/kept-key";
import { findDefaultCard } from "../cards";
import { checkConfirmation } from "../confirmation";
import { postTransfers } from "../ledger";
import { revealPaymentMessage } from "../threads";
import { chargeCard } from "./charge-card";
import { confirmableOf } from "./confirmable";
import { spendableWallet } from "./create-payment";
import { routeToRecipient, startPayout } from "./deliver-payment";
import { checkSendingLimits } from "./limits";
import { mustMove, platformAccount, reference, transferIds, walletsOf } from "./payment-money";
import { decideAtConfirm, hold, isHeldOutcome, type RiskPatch } from "./payment-risk";
import { changePayment } from "./payment-state";
import { findPaymentForParty, lockPayment } from "./payments.repository";
import { notFound } from "./read-payments";

/**
 * Confirms a payment with the chosen method and moves the money: from the sender's wallet
 * when what they can spend covers it, otherwise by charging their default debit card (a hold
 * in the ledger first, then a PaymentIntent whose idempotency key is the payment's id, so a
 * retried confirmation never charges twice). A payment already past confirmation is returned
 * as it is, so retries are safe. With the request's Idempotency-Key, the key is kept in the
 * money transaction (held in flight until a card's charge is answered); undefined when an
 * earlier answer under it stands.
 */
export async function confirmPayment(
  deps: Deps,
  input: ConfirmInput,
  key: KeptKey<Payment> | null = null,
): Promise<Payment | undefined> {
  // A slow method (the PIN: its attempt counted on its own connection, then tens of milliseconds
  // of hashing) is checked first, outside the money transaction: neither may happen while the
  // transaction holds a pooled connection (under load that starves the pool). A quick one (a
  // passkey's signature) is checked inside it, reading through it, so that confirmation is one
  // transaction. Either way the challenge is used up inside it, so a refusal there (a limit, no
  // funding) leaves it usable.
  const checkedEarly = isSlow(deps, input.method) ? await checkBeforeTransaction(deps, input) : undefined;
  if (checkedEarly && "answer" in checkedEarly && !key) return checkedEarly.answer;
  const outcome = await withTransaction(deps.db, async (trx) => {
    if (await key?.answered(trx)) return { next: "replayed" as const };
    const decided =
      checkedEarly && "answer" in checkedEarly
        ? { payment: checkedEarly.answer, next: "none" as const }
        : await confirmAndFund(deps, trx, input, checkedEarly?.checked);
    if (decided.next !== "refused") await key?.keep(trx, decided.next === "charge" ? undefined : decided.payment);
    return decided;
  });
  if (outcome.next === "replayed") return undefined;
  // A refusal made in the transaction is kept (an expiry, the risk decision, a block's cancellation), then answered.
  if (outcome.next === "refused") throw outcome.refusal;
  if (outcome.next === "charge") return settleKey(key, chargeCard(deps, outcome.payment.id));
  if (outcome.next === "payout") await afterCommit(deps, "payout", () => startPayout(deps, outcome.payment.id));
  return outcome.payment;
}

type ConfirmInput = {
  userId: string;
  paymentId: string;
  challengeId: string;
  method: string;
  response: unknown;
  /** The codes of the risk warnings the sender has read and acknowledged. */
  acknowledged: readonly string[];
};

type Checked = Awaited<ReturnType<typeof checkConfirmation>>;

/** The money transaction's work: the payment locked, checked, used up and funded (or refused, or already past). */
async function confirmAndFund(deps: Deps, trx: Trx, input: ConfirmInput, checkedEarly: Checked | undefined) {
  gatherWrites(trx);
  await lockPerson(trx, "send", input.userId);
  const locked = await lockPayment(trx, input.paymentId);
  if (locked?.sender_id !== input.userId) throw notFound(input.paymentId);
  if (locked.status !== "requires_confirmation") return { payment: locked, next: "none" as const };
  if (locked.confirm_by <= deps.clock.now()) {
    const expired = await changePayment(deps, trx, locked, "expired");
    return { payment: expired, next: "refused" as const, refusal: expiredError() };
  }
  const checked =
    checkedEarly ?? (await checkConfirmation({ ...deps, db: trx }, { ...input, confirmable: confirmableOf(locked) }));
  await checkSendingLimits(deps, trx, {
    senderId: locked.sender_id,
    amountMinor: locked.amount_minor,
    currency: locked.currency,
    excludePaymentId: locked.id,
  });
  const risk = await decideAtConfirm(deps, trx, locked, input);
  if (risk.refusal) return { payment: risk.payment, next: "refused" as const, refusal: risk.refusal };
  await checked.useUp(trx);
  await revealPaymentMessage(trx, locked.id, deps.clock.now());
  return fund(deps, trx, locked, input.method, risk.patch);
}

/** The charge's answer kept under the key held in flight for it; the key freed when the charge fails. */
async function settleKey(key: KeptKey<Payment> | null, charging: Promise<Payment>): Promise<Payment> {
  let charged: Payment;
  try {
    charged = await charging;
  } catch (err) {
    await key?.settle(undefined);
    throw err;
  }
  await key?.settle(charged);
  return charged;
}

const isSlow = (deps: Pick<Deps, "security">, method: string) =>
  deps.security.confirmationMethods.some((m) => m.name === method && m.slow === true);

const expiredError = () => new AppError("PAYMENT_EXPIRED", { detail: "Unconfirmed payments expire; send it again" });

/**
 * A slow method's check, before the money transaction, against the payment as it is now: the
 * payment itself when it is past confirmation already (a retry), or the check to use up.
 */
async function checkBeforeTransaction(
  deps: Deps,
  input: ConfirmInput,
): Promise<{ answer: Payment } | { checked: Checked }> {
  const payment = await findPaymentForParty(deps.db, input.paymentId, input.userId);
  if (payment?.sender_id !== input.userId) throw notFound(input.paymentId);
  if (payment.status !== "requires_confirmation") return { answer: payment };
  if (payment.confirm_by <= deps.clock.now()) {
    await expireUnconfirmed(deps, payment.id);
    throw expiredError();
  }
  return { checked: await checkConfirmation(deps, { ...input, confirmable: confirmableOf(payment) }) };
}

async function fund(deps: Deps, trx: Trx, payment: Payment, method: string, risk: RiskPatch) {
  const now = deps.clock.now();
  const ids = transferIds(payment);
  const wallets = await walletsOf(trx, payment, now);
  const senderWallet = wallets.sender.id;
  const recipientWallet = wallets.recipient.id;
  const held = isHeldOutcome(risk.risk_outcome);
  if ((await spendableWallet(trx, payment.sender_id, payment.currency, wallets.sender)) >= payment.amount_minor) {
    const [moved] = await postTransfers(
      trx,
      [
        {
          // Held: the money leaves the sender's wallet but is only pending in the recipient's.
          id: held ? ids.riskHold : ids.walletToWallet,
          type: held ? "pending" : "posted",
          debitAccountId: senderWallet,
          creditAccountId: recipientWallet,
          amountMinor: payment.amount_minor,
          currency: payment.currency,
          ...reference(payment),
        },
      ],
      now,
    );
    if ((moved?.result === "created" || moved?.result === "exists") && held) {
      const holding = await hold(deps, trx, payment, { ...risk, funding: "wallet" }, { method });
      return { payment: holding, next: "none" as const };
    }
    if (moved?.result === "created" || moved?.result === "exists") {
      const routed = await routeToRecipient(deps, trx, payment, payment.sender_id, { ...risk, funding: "wallet" });
      return { payment: routed, next: routed.status === "paying_out" ? ("payout" as const) : ("none" as const) };
    }
  }
  const card = await findDefaultCard(trx, payment.sender_id);
  if (!card) throw new AppError("NO_FUNDING_SOURCE", { detail: "Add a debit card to send money" });
  await mustMove(trx, now, [
    {
      id: ids.cardHold,
      type: "pending",
      debitAccountId: await platformAccount(trx, "card_funding", payment.currency, now),
      creditAccountId: recipientWallet,
      amountMinor: payment.amount_minor,
      currency: payment.currency,
      ...reference(payment),
    },
  ]);
  const processing = await changePayment(
    deps,
    trx,
    payment,
    "processing",
    { ...risk, funding: "card", card_id: card.id },
    { actorId: payment.sender_id, detail: { method } },
  );
  return { payment: processing, next: "charge" as const };
}

/** Unconfirmed past its window: expired, nothing moved. */
export async function expireUnconfirmed(deps: Pick<Deps, "clock" | "db" | "hooks">, paymentId: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const payment = await lockPayment(trx, paymentId);
    if (payment?.status === "requires_confirmation" && payment.confirm_by <= deps.clock.now()) {
      await changePayment(deps, trx, payment, "expired");
    }
  });
}
