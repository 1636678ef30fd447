import type { Payment, RiskOutcome, RiskWarning } from "../../../db/schema";
import type { Deps, PaymentFacts } from "../../deps";
import { AppError } from "../../errors";
import type { Trx } from "../../platform/db";
import { confirmableOf } from "./confirmable";
import { changePayment, type PaymentPatch } from "./payment-state";
import { updatePayment } from "./payments.repository";

/** What a payment records of its risk decision when it is confirmed. */
export type RiskPatch = Required<Pick<PaymentPatch, "risk_outcome" | "risk_warnings" | "risk_acknowledged_at">>;

/** Outcomes that hold the money in the ledger instead of moving it: for a delay window, or for review. */
export const isHeldOutcome = (outcome: RiskOutcome | null | undefined): boolean =>
  outcome === "delay" || outcome === "review";

export const factsOf = (p: Payment): PaymentFacts => ({
  id: p.id,
  threadId: p.thread_id,
  senderId: p.sender_id,
  recipientId: p.recipient_id,
  amountMinor: p.amount_minor,
  currency: p.currency,
  memo: p.memo,
  requestId: p.request_id,
  seq: p.seq,
});

/** The warnings of both decisions, each once, create's first (what the sender saw in the bubble). */
function mergeWarnings(seen: readonly RiskWarning[], now: readonly RiskWarning[]): RiskWarning[] {
  return [...seen, ...now.filter((w) => !seen.some((s) => s.code === w.code))];
}

/**
 * The risk decision at confirmation, in the money transaction (after the sender's lock and the
 * limits): stored, then a block cancels the payment, unacknowledged warnings or a method the
 * step-up does not accept refuse it (the challenge stays usable), otherwise what funding records.
 */
export async function decideAtConfirm(
  deps: Deps,
  trx: Trx,
  payment: Payment,
  input: { userId: string; method: string; acknowledged: readonly string[] },
): Promise<{ payment: Payment; patch: RiskPatch; refusal: AppError | null }> {
  const now = deps.clock.now();
  const verdict = await deps.risk.decide(deps, trx, factsOf(payment));
  await deps.risk.record(trx, { paymentId: payment.id, stage: "confirm", verdict, at: now });
  const warnings = mergeWarnings(payment.risk_warnings, verdict.warnings);
  const patch: RiskPatch = {
    risk_outcome: verdict.outcome,
    risk_warnings: JSON.stringify(warnings),
    risk_acknowledged_at: warnings.length > 0 ? now : null,
  };
  if (verdict.blockedBecause !== null) {
    const canceled = await changePayment(
      deps,
      trx,
      payment,
      "canceled",
      { risk_outcome: "block" },
      { detail: { risk: "block", rules_version: verdict.rulesVersion } },
    );
    return { payment: canceled, patch, refusal: new AppError("PAYMENT_BLOCKED", { detail: verdict.blockedBecause }) };
  }
  const missing = warnings.filter((w) => !input.acknowledged.includes(w.code));
  if (missing.length > 0) {
    // Kept, so the bubble shows what appeared since the payment was created.
    const updated = await updatePayment(trx, payment.id, {
      risk_outcome: verdict.outcome,
      risk_warnings: patch.risk_warnings,
      updated_at: now,
    });
    return {
      payment: updated,
      patch,
      refusal: new AppError("RISK_WARNINGS_NOT_ACKNOWLEDGED", {
        detail: `Read and acknowledge first: ${missing.map((w) => w.message).join(" ")}`,
        fields: { warnings: missing.map((w) => w.code).join(",") },
      }),
    };
  }
  try {
    const allowed = await deps.security.confirmationPolicy(
      { ...deps, db: trx },
      { userId: input.userId, confirmable: confirmableOf(payment), available: [input.method] },
    );
    if (!allowed.includes(input.method)) throw new AppError("PASSKEY_REQUIRED");
  } catch (err) {
    if (err instanceof AppError) return { payment, patch, refusal: err };
    throw err;
  }
  return { payment, patch, refusal: null };
}

/** A confirmed payment whose decision holds it: held in the ledger, for the delay window or until reviewed. */
export async function hold(
  deps: Deps,
  trx: Trx,
  payment: Payment,
  patch: PaymentPatch,
  detail: Record<string, unknown>,
): Promise<Payment> {
  const outcome = patch.risk_outcome ?? payment.risk_outcome;
  const heldUntil = outcome === "delay" ? new Date(deps.clock.now().getTime() + deps.config.risk.delayMs) : null;
  return changePayment(
    deps,
    trx,
    payment,
    "held",
    { ...patch, held_until: heldUntil },
    { actorId: payment.sender_id, detail: { ...detail, risk: outcome ?? null } },
  );
}
