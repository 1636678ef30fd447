import { describe, expect, it } from "vitest";
import { evaluateRules, type RiskSignals, type Rule, ruleMatches, velocityWindows } from "./rules";

const HOUR = 3_600_000;

/** An established, verified sender paying someone they have paid before: nothing to flag. */
const calm: RiskSignals = {
  amountMinor: 1_000n,
  memo: "pizza",
  senderTier: "verified",
  senderLimited: false,
  recipientLimited: false,
  senderAgeMs: 400 * 24 * HOUR,
  recipientAgeMs: 400 * 24 * HOUR,
  paidRecipientBefore: true,
  historyCount: 20,
  historyMaxMinor: 5_000n,
  velocity: { 60: { count: 1, sumMinor: 1_000n }, 1440: { count: 3, sumMinor: 6_000n } },
  recipientReports: 0,
  newestDeviceAgeMs: 200 * 24 * HOUR,
  pinResetAgeMs: null,
  request: null,
};

const rule = (kind: string, params: Record<string, unknown>, extra: Partial<Rule> = {}): Rule => ({
  code: kind,
  kind,
  outcome: "warn",
  message: `${kind} matched`,
  params,
  tier: null,
  ...extra,
});

/** Each rule: it does not fire on the calm payment, and fires on exactly the change it is about. */
const cases: { rule: Rule; fires: Partial<RiskSignals>; near: Partial<RiskSignals> }[] = [
  {
    rule: rule("first_payment_to_recipient", {}),
    fires: { paidRecipientBefore: false },
    near: { paidRecipientBefore: true },
  },
  {
    rule: rule("memo_matches", { pattern: "gift ?cards?" }),
    fires: { memo: "Send me GIFT CARDS now" },
    near: { memo: "a gift for you" },
  },
  {
    rule: rule("memo_matches", { pattern: "gift ?cards?" }),
    // Fullwidth letters are normalised (NFKC) before matching.
    fires: { memo: "ｇｉｆｔ card please" },
    near: { memo: null },
  },
  {
    rule: rule("recipient_account_newer_than", { hours: 48 }),
    fires: { recipientAgeMs: 47 * HOUR },
    near: { recipientAgeMs: 48 * HOUR },
  },
  {
    rule: rule("recipient_account_newer_than", { hours: 48, only_new_payee: true }),
    fires: { recipientAgeMs: HOUR, paidRecipientBefore: false },
    near: { recipientAgeMs: HOUR, paidRecipientBefore: true },
  },
  {
    rule: rule("sender_account_newer_than", { hours: 24, min_amount_minor: 20_000 }),
    fires: { senderAgeMs: HOUR, amountMinor: 20_000n },
    near: { senderAgeMs: HOUR, amountMinor: 19_999n },
  },
  {
    rule: rule("amount_at_least", { min_amount_minor: 25_000 }),
    fires: { amountMinor: 25_000n },
    near: { amountMinor: 24_999n },
  },
  {
    rule: rule("amount_vs_history", { multiple: 10, min_history: 3, min_amount_minor: 10_000 }),
    fires: { amountMinor: 50_001n },
    near: { amountMinor: 50_000n },
  },
  {
    rule: rule("amount_vs_history", { multiple: 10, min_history: 3, min_amount_minor: 10_000 }),
    fires: { amountMinor: 60_000n, historyCount: 3 },
    // Too little history to judge against.
    near: { amountMinor: 60_000n, historyCount: 2 },
  },
  {
    rule: rule("velocity_count", { window_minutes: 60, count: 10 }),
    fires: { velocity: { 60: { count: 10, sumMinor: 0n } } },
    near: { velocity: { 60: { count: 9, sumMinor: 0n } } },
  },
  {
    rule: rule("velocity_sum", { window_minutes: 1440, sum_minor: 150_000 }),
    fires: { velocity: { 1440: { count: 5, sumMinor: 149_001n } } },
    near: { velocity: { 1440: { count: 5, sumMinor: 149_000n } } },
  },
  {
    rule: rule("recipient_reports_at_least", { count: 2 }),
    fires: { recipientReports: 2 },
    near: { recipientReports: 1 },
  },
  { rule: rule("recipient_limited", {}), fires: { recipientLimited: true }, near: { recipientLimited: false } },
  { rule: rule("sender_limited", {}), fires: { senderLimited: true }, near: { senderLimited: false } },
  {
    rule: rule("new_device", { hours: 24, min_amount_minor: 10_000 }),
    fires: { newestDeviceAgeMs: HOUR, amountMinor: 10_000n },
    near: { newestDeviceAgeMs: null, amountMinor: 10_000n },
  },
  {
    rule: rule("pin_reset_recent", { hours: 24, min_amount_minor: 10_000 }),
    fires: { pinResetAgeMs: 23 * HOUR, amountMinor: 10_000n },
    near: { pinResetAgeMs: 25 * HOUR, amountMinor: 10_000n },
  },
  {
    rule: rule("mass_request", { people: 5, author_account_hours: 168 }),
    fires: { request: { authorAgeMs: HOUR, peopleAskedLastDay: 5 } },
    near: { request: { authorAgeMs: 200 * HOUR, peopleAskedLastDay: 50 } },
  },
];

describe("each rule on its own", () => {
  for (const { rule: r, fires, near } of cases) {
    it(`${r.kind} ${JSON.stringify(r.params)} fires on ${JSON.stringify(fires, (_k, v) => (typeof v === "bigint" ? `${v}` : v))}`, () => {
      expect(ruleMatches(r, calm)).toBe(false);
      expect(ruleMatches(r, { ...calm, ...fires })).toBe(true);
      expect(ruleMatches(r, { ...calm, ...near })).toBe(false);
    });
  }

  it("applies a tier's rule to that tier only", () => {
    const unverifiedOnly = rule("amount_at_least", { min_amount_minor: 0 }, { tier: "unverified" });
    expect(ruleMatches(unverifiedOnly, { ...calm, senderTier: "verified" })).toBe(false);
    expect(ruleMatches(unverifiedOnly, { ...calm, senderTier: "unverified" })).toBe(true);
  });

  it("refuses a rule whose kind or thresholds are wrong, rather than deciding on them", () => {
    expect(() => ruleMatches(rule("no_such_kind", {}), calm)).toThrow(/unknown kind/);
    expect(() => ruleMatches(rule("amount_at_least", { min_amount_minor: "lots" }), calm)).toThrow(/invalid params/);
  });
});

describe("a decision", () => {
  const rules: Rule[] = [
    rule("first_payment_to_recipient", {}, { code: "first_payee", message: "You have never paid this person." }),
    rule("memo_matches", { pattern: "crypto" }, { code: "memo_crypto", message: "Crypto scams." }),
    rule("amount_at_least", { min_amount_minor: 20_000 }, { code: "big", outcome: "delay" }),
    rule("recipient_limited", {}, { code: "limited", outcome: "block", message: "Payments to them are paused." }),
  ];

  it("allows when nothing matches, with the rule set's version", () => {
    expect(evaluateRules(rules, calm, 7)).toEqual({
      outcome: "allow",
      reasons: [],
      warnings: [],
      blockedBecause: null,
      rulesVersion: 7,
    });
  });

  it("takes the most severe outcome, lists every reason, and asks to acknowledge the warnings", () => {
    const verdict = evaluateRules(
      rules,
      { ...calm, paidRecipientBefore: false, memo: "buy crypto", amountMinor: 30_000n },
      1,
    );
    expect(verdict.outcome).toBe("delay");
    expect(verdict.reasons.map((r) => r.code)).toEqual(["first_payee", "memo_crypto", "big"]);
    expect(verdict.warnings).toEqual([
      { code: "first_payee", message: "You have never paid this person." },
      { code: "memo_crypto", message: "Crypto scams." },
    ]);
    expect(verdict.blockedBecause).toBeNull();
  });

  it("blocks with the block rule's own sentence", () => {
    const verdict = evaluateRules(rules, { ...calm, recipientLimited: true, amountMinor: 30_000n }, 1);
    expect(verdict.outcome).toBe("block");
    expect(verdict.blockedBecause).toBe("Payments to them are paused.");
  });

  it("reads only the velocity windows its rules name", () => {
    expect(
      velocityWindows([
        rule("velocity_count", { window_minutes: 60, count: 3 }),
        rule("velocity_sum", { window_minutes: 1440, sum_minor: 1 }),
        rule("velocity_sum", { window_minutes: 60, sum_minor: 1 }),
        ...rules,
      ]).sort((a, b) => a - b),
    ).toEqual([60, 1440]);
  });
});
