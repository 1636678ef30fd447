import type { RiskReport, RiskTier } from "../../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { type Trx, withTransaction } from "../../platform/db";
import { cancelHeldPayment, releaseHeldPayment } from "../payments";
import { findKnownUsers } from "../users";
import { alertPerson } from "./alerts";
import { limitIfReported } from "./limit-person";
import {
  findParties,
  insertOperatorAction,
  lockReport,
  profileOf,
  updateReport,
  upsertProfile,
} from "./risk.repository";

/** Who acts and why: every operator action is audited with both, in the action's own transaction. */
type Actor = { operatorId: string; reason: string };

const audit = (
  trx: Trx,
  actor: Actor,
  action: string,
  subject: { kind: "payment" | "report" | "person"; id: string },
  at: Date,
) =>
  insertOperatorAction(trx, {
    operator_id: actor.operatorId,
    action,
    subject_kind: subject.kind,
    subject_id: subject.id,
    reason: actor.reason,
    created_at: at,
  });

/** An operator may not decide a case they are part of. */
async function requireOutsider(deps: Pick<Deps, "db">, actor: Actor, paymentId: string): Promise<void> {
  const parties = await findParties(deps.db, paymentId);
  if (!parties) throw new AppError("PAYMENT_NOT_FOUND", { detail: `No payment ${paymentId}` });
  if (parties.includes(actor.operatorId)) {
    throw new AppError("PAYMENT_NOT_FOUND", { detail: "You cannot review a payment you are part of" });
  }
}

/** Releases a held payment to its recipient. */
export async function releaseHeld(deps: Deps, input: Actor & { paymentId: string }) {
  await requireOutsider(deps, input, input.paymentId);
  return releaseHeldPayment(deps, input.paymentId, {
    actorId: input.operatorId,
    reason: "released_by_operator",
    inTransaction: (trx) =>
      audit(trx, input, "release_payment", { kind: "payment", id: input.paymentId }, deps.clock.now()),
  });
}

/** Cancels a held payment: the money goes back to its sender (a card charge is refunded). */
export async function cancelHeld(deps: Deps, input: Actor & { paymentId: string }) {
  await requireOutsider(deps, input, input.paymentId);
  return cancelHeldPayment(deps, input.paymentId, {
    actorId: input.operatorId,
    reason: "canceled_by_operator",
    inTransaction: (trx) =>
      audit(trx, input, "cancel_payment", { kind: "payment", id: input.paymentId }, deps.clock.now()),
  });
}

/** Upholds or dismisses an open report; upheld reports count toward limiting their subject. */
export async function resolveReport(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: Actor & { reportId: string; outcome: "upheld" | "dismissed" },
): Promise<RiskReport> {
  return withTransaction(deps.db, async (trx) => {
    const report = await lockReport(trx, input.reportId);
    if (!report) throw new AppError("REPORT_NOT_FOUND", { detail: `No report ${input.reportId}` });
    if (report.status !== "open") {
      throw new AppError("REPORT_ALREADY_RESOLVED", { detail: `The report was ${report.status}` });
    }
    const now = deps.clock.now();
    const resolved = await updateReport(trx, report.id, { status: input.outcome, resolved_at: now });
    await audit(trx, input, `report_${input.outcome}`, { kind: "report", id: report.id }, now);
    await alertPerson(trx, {
      userId: report.reporter_id,
      body:
        input.outcome === "upheld"
          ? "We looked at your report and acted on it. Thank you for telling us."
          : "We looked at your report and found nothing we could act on. Thank you for telling us.",
      paymentId: report.payment_id,
      at: now,
    });
    if (input.outcome === "upheld") await limitIfReported(deps, trx, report.subject_id);
    return resolved;
  });
}

/** Sets a person's verification tier, or imposes or lifts their limit. */
export async function setPersonRisk(
  deps: Pick<Deps, "db" | "clock">,
  input: Actor & { userId: string; tier: RiskTier | undefined; limited: boolean | undefined },
): Promise<{ id: string; tier: RiskTier; limited: boolean }> {
  if ((await findKnownUsers(deps.db, [input.userId])).length === 0) {
    throw new AppError("PERSON_NOT_FOUND", { detail: `No one ${input.userId} has used payments` });
  }
  return withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await upsertProfile(
      trx,
      input.userId,
      {
        ...(input.tier ? { tier: input.tier } : {}),
        ...(input.limited !== undefined
          ? { limited: input.limited, limited_reason: input.limited ? "operator" : null }
          : {}),
      },
      now,
    );
    const subject = { kind: "person" as const, id: input.userId };
    if (input.tier) await audit(trx, input, `set_tier_${input.tier}`, subject, now);
    if (input.limited !== undefined) {
      await audit(trx, input, input.limited ? "limit" : "lift_limit", subject, now);
      await alertPerson(trx, {
        userId: input.userId,
        body: input.limited
          ? "Payments to and from you are paused while we look at your account."
          : "Payments to and from you are no longer paused.",
        paymentId: null,
        at: now,
      });
    }
    const profile = await profileOf(trx, input.userId);
    return { id: input.userId, tier: profile?.tier ?? "unverified", limited: profile?.limited ?? false };
  });
}
