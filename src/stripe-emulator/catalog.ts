/**
 * Stripe's test payment methods and tokens, by their Stripe names. The decline, 3-D Secure
 * and dispute cards report `debit` funding here so a debit-only product can reach their
 * behaviour; Stripe's own test mode reports some of them as credit.
 */
export type CardBehaviour =
  | "ok"
  | "decline_generic"
  | "decline_insufficient_funds"
  | "decline_lost_card"
  | "decline_expired_card"
  | "fails_when_charged"
  | "always_authenticate"
  | "dispute";

export type TestCard = {
  brand: "visa" | "mastercard";
  funding: "debit" | "credit" | "prepaid";
  last4: string;
  fingerprint: string;
  behaviour: CardBehaviour;
};

const card = (
  brand: TestCard["brand"],
  funding: TestCard["funding"],
  last4: string,
  behaviour: CardBehaviour = "ok",
) => ({
  brand,
  funding,
  last4,
  behaviour,
  // Stable per card number, as Stripe's fingerprints are per account.
  fingerprint: `fp${brand.slice(0, 2)}${funding.slice(0, 2)}${last4}${behaviour.length.toString(36)}`.padEnd(16, "x"),
});

/** Keyed by the name after `pm_card_` / `tok_`. */
export const TEST_CARDS: Record<string, TestCard> = {
  visa_debit: card("visa", "debit", "5556"),
  mastercard_debit: card("mastercard", "debit", "8210"),
  visa: card("visa", "credit", "4242"),
  mastercard: card("mastercard", "credit", "4444"),
  visa_prepaid: card("visa", "prepaid", "1234"),
  mastercard_prepaid: card("mastercard", "prepaid", "5100"),
  chargeDeclined: card("visa", "debit", "0002", "decline_generic"),
  chargeDeclinedInsufficientFunds: card("visa", "debit", "9995", "decline_insufficient_funds"),
  chargeDeclinedLostCard: card("visa", "debit", "9987", "decline_lost_card"),
  chargeDeclinedExpiredCard: card("visa", "debit", "0069", "decline_expired_card"),
  chargeCustomerFail: card("visa", "debit", "0341", "fails_when_charged"),
  authenticationRequired: card("visa", "debit", "3184", "always_authenticate"),
  createDispute: card("visa", "debit", "0259", "dispute"),
};

export const DECLINES: Partial<Record<CardBehaviour, { decline_code: string; code: string; message: string }>> = {
  decline_generic: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
  decline_insufficient_funds: {
    code: "card_declined",
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
  decline_lost_card: { code: "card_declined", decline_code: "lost_card", message: "Your card was declined." },
  decline_expired_card: { code: "expired_card", decline_code: "expired_card", message: "Your card has expired." },
  fails_when_charged: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
};

/** The card behind `pm_card_<name>` or `tok_<name>`. */
export function testCardFor(token: string): { name: string; card: TestCard } | undefined {
  const name = token.replace(/^(pm_card_|tok_)/, "");
  const card = token === name ? undefined : TEST_CARDS[name];
  return card ? { name, card } : undefined;
}

/** Test cards expire at the end of this year (Stripe accepts any future date). */
export const TEST_CARD_EXP = { month: 12, year: 2034 };

/** The emulator's API keys (it accepts any test-mode key; these are the ones it hands out). */
export const EMULATOR_SECRET_KEY = "sk_test_emulator";
export const EMULATOR_PUBLISHABLE_KEY = "pk_test_emulator";
