import type { Deps } from "../../deps";
import type { Trx } from "../../platform/db";
import { alertPerson } from "./alerts";
import { credibleReporters, profileOf, upsertProfile } from "./risk.repository";

/**
 * Limits a person once enough people's credible reports about them stand (RISK_REPORTS_TO_LIMIT):
 * payments to them are refused from then on (the `recipient_limited` rule) until an operator
 * lifts it. True when this call limited them.
 */
export async function limitIfReported(
  deps: Pick<Deps, "clock" | "config">,
  trx: Trx,
  subjectId: string,
): Promise<boolean> {
  if ((await profileOf(trx, subjectId))?.limited) return false;
  if ((await credibleReporters(trx, subjectId)) < deps.config.risk.reportsToLimit) return false;
  const now = deps.clock.now();
  await upsertProfile(trx, subjectId, { limited: true, limited_reason: "reports" }, now);
  await alertPerson(trx, {
    userId: subjectId,
    body: "People have reported payments with you, so payments to you are paused while we look at the reports.",
    paymentId: null,
    at: now,
  });
  return true;
}
