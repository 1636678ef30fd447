import type { Deps, PaymentFacts, PaymentRisk, RiskVerdict } from "../../deps";
import type { Db, Trx } from "../../platform/db";
import { currentRuleSet, insertDecision, newestRuleSetVersion, readSignalRow, type SignalRow } from "./risk.repository";
import { evaluateRules, type RiskSignals, type Rule, velocityWindows } from "./rules";

type RuleSet = { version: number; rules: Rule[]; windows: number[] };

/**
 * The newest rule set as this process last read it, per app (its configuration): a decision
 * checks the newest version in the query it makes anyway, and reads the rules again only when
 * a version has been added since.
 */
const ruleSets = new WeakMap<object, RuleSet>();

async function readRuleSet(db: Db | Trx): Promise<RuleSet> {
  const { version, rules } = await currentRuleSet(db);
  return { version, rules, windows: velocityWindows(rules) };
}

/**
 * The risk decision on a payment: the newest rule set, evaluated on signals read in the
 * payment's transaction (so concurrent payments of the same sender, serialised by its lock,
 * see each other). An empty rule set reads nothing more than its version and allows.
 */
async function decide(deps: Pick<Deps, "clock" | "config">, db: Db | Trx, payment: PaymentFacts): Promise<RiskVerdict> {
  const now = deps.clock.now();
  const cached = ruleSets.get(deps.config);
  if (cached) {
    const decided = await underRuleSet(cached, db, payment, now);
    if (decided.newest) return decided.verdict;
  }
  const set = await readRuleSet(db);
  ruleSets.set(deps.config, set);
  return (await underRuleSet(set, db, payment, now)).verdict;
}

/** The decision under one rule set, and whether that set is still the newest. */
async function underRuleSet(
  set: RuleSet,
  db: Db | Trx,
  payment: PaymentFacts,
  now: Date,
): Promise<{ verdict: RiskVerdict; newest: boolean }> {
  if (set.rules.length === 0) {
    return {
      verdict: { outcome: "allow", reasons: [], warnings: [], blockedBecause: null, rulesVersion: set.version },
      newest: (await newestRuleSetVersion(db)) === set.version,
    };
  }
  const row = await readSignalRow(db, payment, set.windows, now);
  return {
    verdict: evaluateRules(set.rules, signalsOf(row, payment, set.windows, now), set.version),
    newest: row.rules_version === set.version,
  };
}

function signalsOf(row: SignalRow, payment: PaymentFacts, windows: readonly number[], now: Date): RiskSignals {
  const age = (d: Date) => now.getTime() - d.getTime();
  return {
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
