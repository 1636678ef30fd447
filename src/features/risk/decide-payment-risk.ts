import type { Deps, PaymentFacts, PaymentRisk, RiskVerdict } from "../../deps";
import type { Db, Trx } from "../../platform/db";
import { currentRuleSet, insertDecision, readSignalRow } from "./risk.repository";
import { evaluateRules, type RiskSignals, velocityWindows } from "./rules";

/**
 * The risk decision on a payment: the newest rule set, evaluated on signals read in the
 * payment's transaction (so concurrent payments of the same sender, serialised by its lock,
 * see each other). An empty rule set reads nothing more and allows.
 */
async function decide(deps: Pick<Deps, "clock">, db: Db | Trx, payment: PaymentFacts): Promise<RiskVerdict> {
  const { version, rules } = await currentRuleSet(db);
  if (rules.length === 0) {
    return { outcome: "allow", reasons: [], warnings: [], blockedBecause: null, rulesVersion: version };
  }
  const now = deps.clock.now();
  const windows = velocityWindows(rules);
  const row = await readSignalRow(db, payment, windows, now);
  const age = (d: Date) => now.getTime() - d.getTime();
  const signals: RiskSignals = {
    amountMinor: payment.amountMinor,
    memo: payment.memo,
    senderTier: row.sender_tier ?? "unverified",
    senderLimited: row.sender_limited ?? false,
    recipientLimited: row.recipient_limited ?? false,
    senderAgeMs: age(row.sender_created),
    recipientAgeMs: age(row.recipient_created),
    paidRecipientBefore: row.paid_before,
    historyCount: Number(row.history_count),
    historyMaxMinor: BigInt(row.history_max ?? 0),
    velocity: Object.fromEntries(
      windows.map((m) => [m, { count: Number(row[`v_count_${m}`]), sumMinor: BigInt(row[`v_sum_${m}`] ?? 0) }]),
    ),
    recipientReports: Number(row.recipient_reports),
    newestDeviceAgeMs: row.newest_device ? age(row.newest_device) : null,
    pinResetAgeMs: row.pin_reset ? age(row.pin_reset) : null,
    request: row.author_created
      ? { authorAgeMs: age(row.author_created), peopleAskedLastDay: Number(row.people_asked ?? 0) }
      : null,
  };
  return evaluateRules(rules, signals, version);
}

/** What compose.ts hands the payment flow as Deps.risk. */
export const paymentRisk: PaymentRisk = {
  decide: (deps, trx, payment) => decide(deps, trx, payment),
  record: (trx, input) =>
    insertDecision(trx, {
      payment_id: input.paymentId,
      stage: input.stage,
      outcome: input.verdict.outcome,
      reasons: input.verdict.reasons,
      rules_version: input.verdict.rulesVersion,
      created_at: input.at,
    }),
};
