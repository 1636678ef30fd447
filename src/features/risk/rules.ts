import { z } from "zod";
import { RISK_OUTCOMES, type RiskOutcome, type RiskTier } from "../../../db/schema";
import type { RiskVerdict } from "../../deps";

/**
 * The rules' evaluators: pure functions of a rule's thresholds (its params, stored with the rule
 * as data) and the signals read for one payment. A rule set is rows naming one of these kinds;
 * nothing here reads the database or the clock.
 */

const HOUR_MS = 3_600_000;

/** What the service knows about a payment and the people in it when it decides. */
export type RiskSignals = {
  amountMinor: bigint;
  memo: string | null;
  senderTier: RiskTier;
  senderLimited: boolean;
  recipientLimited: boolean;
  senderAgeMs: number;
  recipientAgeMs: number;
  /** The sender has paid this recipient before (a payment that reached them). */
  paidRecipientBefore: boolean;
  /** The sender's payments that reached someone: how many, and the largest. */
  historyCount: number;
  historyMaxMinor: bigint;
  /** Per window length in minutes: the sender's payments in it made before this one (count and sum). */
  velocity: Record<number, { count: number; sumMinor: bigint }>;
  /** Distinct people whose credible reports about the recipient stand. */
  recipientReports: number;
  /** Since the sender's newest passkey was added, if they have one. */
  newestDeviceAgeMs: number | null;
  /** Since the sender's PIN was last reset, if it was. */
  pinResetAgeMs: number | null;
  /** When the payment pays a request: its author's account age and how many people they asked in the last day. */
  request: { authorAgeMs: number; peopleAskedLastDay: number } | null;
};

const count = z.number().int().min(0);
const minor = z.number().int().min(0);
const hours = z.number().min(0);
const windowMinutes = z.number().int().min(1).max(10_080);

type Kind<P extends z.ZodType> = { params: P; matches: (params: z.infer<P>, s: RiskSignals) => boolean };
const kind = <P extends z.ZodType>(k: Kind<P>) => k;

/** Every kind of rule, by the name rule rows use. */
export const RULE_KINDS = {
  first_payment_to_recipient: kind({ params: z.object({}), matches: (_p, s) => !s.paidRecipientBefore }),
  memo_matches: kind({
    params: z.object({ pattern: z.string().min(1).max(500) }),
    matches: (p, s) => s.memo !== null && patternOf(p.pattern).test(s.memo.normalize("NFKC")),
  }),
  recipient_account_newer_than: kind({
    // only_new_payee: not once the sender has paid them (they know each other by now).
    params: z.object({ hours, only_new_payee: z.boolean().default(false) }),
    matches: (p, s) => s.recipientAgeMs < p.hours * HOUR_MS && !(p.only_new_payee && s.paidRecipientBefore),
  }),
  sender_account_newer_than: kind({
    params: z.object({ hours, min_amount_minor: minor }),
    matches: (p, s) => s.senderAgeMs < p.hours * HOUR_MS && s.amountMinor >= BigInt(p.min_amount_minor),
  }),
  amount_at_least: kind({
    params: z.object({ min_amount_minor: minor }),
    matches: (p, s) => s.amountMinor >= BigInt(p.min_amount_minor),
  }),
  amount_vs_history: kind({
    params: z.object({ multiple: z.number().min(1), min_history: count, min_amount_minor: minor }),
    matches: (p, s) =>
      s.historyCount >= p.min_history &&
      s.amountMinor >= BigInt(p.min_amount_minor) &&
      Number(s.amountMinor) > p.multiple * Number(s.historyMaxMinor),
  }),
  velocity_count: kind({
    params: z.object({ window_minutes: windowMinutes, count }),
    // This payment is the (count + 1)th or later in the window.
    matches: (p, s) => (s.velocity[p.window_minutes]?.count ?? 0) >= p.count,
  }),
  velocity_sum: kind({
    params: z.object({ window_minutes: windowMinutes, sum_minor: minor }),
    matches: (p, s) => (s.velocity[p.window_minutes]?.sumMinor ?? 0n) + s.amountMinor > BigInt(p.sum_minor),
  }),
  recipient_reports_at_least: kind({
    params: z.object({ count: count.min(1) }),
    matches: (p, s) => s.recipientReports >= p.count,
  }),
  recipient_limited: kind({ params: z.object({}), matches: (_p, s) => s.recipientLimited }),
  sender_limited: kind({ params: z.object({}), matches: (_p, s) => s.senderLimited }),
  new_device: kind({
    params: z.object({ hours, min_amount_minor: minor }),
    matches: (p, s) =>
      s.newestDeviceAgeMs !== null &&
      s.newestDeviceAgeMs < p.hours * HOUR_MS &&
      s.amountMinor >= BigInt(p.min_amount_minor),
  }),
  pin_reset_recent: kind({
    params: z.object({ hours, min_amount_minor: minor }),
    matches: (p, s) =>
      s.pinResetAgeMs !== null && s.pinResetAgeMs < p.hours * HOUR_MS && s.amountMinor >= BigInt(p.min_amount_minor),
  }),
  mass_request: kind({
    params: z.object({ people: count.min(1), author_account_hours: hours }),
    matches: (p, s) =>
      s.request !== null &&
      s.request.peopleAskedLastDay >= p.people &&
      s.request.authorAgeMs < p.author_account_hours * HOUR_MS,
  }),
} satisfies Record<string, Kind<z.ZodType>>;

export type RuleKind = keyof typeof RULE_KINDS;

/** One rule of a rule set, as stored. */
export type Rule = {
  code: string;
  kind: string;
  outcome: RiskOutcome;
  message: string;
  params: Record<string, unknown>;
  tier: RiskTier | null;
};

/** From the least to the most severe: a decision takes the most severe outcome of its matched rules. */
const SEVERITY: readonly RiskOutcome[] = RISK_OUTCOMES;

const patterns = new Map<string, RegExp>();
const PATTERNS_CACHED_MAX = 1_000;

/** A memo pattern, compiled once: case-insensitive, Unicode. */
function patternOf(source: string): RegExp {
  let compiled = patterns.get(source);
  if (!compiled) {
    compiled = new RegExp(source, "iu");
    if (patterns.size >= PATTERNS_CACHED_MAX) patterns.clear();
    patterns.set(source, compiled);
  }
  return compiled;
}

/** Whether one rule matches these signals (a rule for another tier never does). Throws on a rule whose data is wrong. */
export function ruleMatches(rule: Rule, signals: RiskSignals): boolean {
  if (rule.tier !== null && rule.tier !== signals.senderTier) return false;
  const evaluator = RULE_KINDS[rule.kind as RuleKind] as Kind<z.ZodType> | undefined;
  if (!evaluator) throw new Error(`Risk rule ${rule.code} has an unknown kind ${rule.kind}`);
  const params = evaluator.params.safeParse(rule.params);
  if (!params.success) throw new Error(`Risk rule ${rule.code} has invalid params: ${params.error.message}`);
  return evaluator.matches(params.data, signals);
}

/** The window lengths (minutes) the velocity rules of a rule set read. */
export function velocityWindows(rules: readonly Rule[]): number[] {
  const windows = rules
    .filter((r) => r.kind === "velocity_count" || r.kind === "velocity_sum")
    .map((r) => Number(r.params.window_minutes))
    .filter((m) => Number.isInteger(m) && m > 0);
  return [...new Set(windows)];
}

/** The decision of a rule set on one payment's signals. */
export function evaluateRules(rules: readonly Rule[], signals: RiskSignals, rulesVersion: number): RiskVerdict {
  const matched = rules.filter((rule) => ruleMatches(rule, signals));
  const outcome = matched.reduce<RiskOutcome>(
    (worst, rule) => (SEVERITY.indexOf(rule.outcome) > SEVERITY.indexOf(worst) ? rule.outcome : worst),
    "allow",
  );
  return {
    outcome,
    reasons: matched.map((r) => ({ code: r.code, outcome: r.outcome, message: r.message })),
    warnings: matched.filter((r) => r.outcome === "warn").map((r) => ({ code: r.code, message: r.message })),
    blockedBecause: matched.find((r) => r.outcome === "block")?.message ?? null,
    rulesVersion,
  };
}
