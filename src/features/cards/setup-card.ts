import type { Deps } from "../../deps";
import { callStripe, EMULATOR_PROXY_PATH } from "../../platform/stripe";
import { TEST_CARDS } from "../../stripe-emulator/catalog";
import { findCustomerId, insertCustomer } from "./cards.repository";

/** The person's Stripe customer, created once (a retried creation reuses Stripe's idempotency key). */
export async function ensureCustomer(deps: Pick<Deps, "db" | "clock" | "stripe">, userId: string): Promise<string> {
  const known = await findCustomerId(deps.db, userId);
  if (known) return known;
  const customer = await callStripe(() =>
    deps.stripe.sdk.customers.create({ metadata: { user_id: userId } }, { idempotencyKey: `customer-${userId}` }),
  );
  await insertCustomer(deps.db, { user_id: userId, customer_id: customer.id, created_at: deps.clock.now() });
  return (await findCustomerId(deps.db, userId)) ?? customer.id;
}

/**
 * Starts enrolling a card: a SetupIntent for off-session use, and what the client needs to
 * collect the card. A card is payment data: the person must have agreed to payments first.
 */
export async function setupCard(deps: Pick<Deps, "db" | "clock" | "stripe" | "config" | "privacy">, userId: string) {
  await deps.privacy.requireConsent(deps, userId, "payments");
  const customerId = await ensureCustomer(deps, userId);
  const intent = await callStripe(() =>
    deps.stripe.sdk.setupIntents.create({
      customer: customerId,
      usage: "off_session",
      metadata: { user_id: userId },
    }),
  );
  const emulator = deps.stripe.mode === "emulator";
  return {
    setup_intent_id: intent.id,
    client_secret: intent.client_secret ?? "",
    publishable_key: deps.stripe.publishableKey ?? null,
    mode: deps.stripe.mode,
    emulator: emulator
      ? {
          test_payment_methods: Object.keys(TEST_CARDS).map((name) => `pm_card_${name}`),
          payout_tokens: Object.keys(TEST_CARDS).map((name) => `tok_${name}`),
          confirm_path: `/v1/setup_intents/${intent.id}/confirm`,
          authenticate_path: `/_emulator/setup_intents/${intent.id}/authenticate`,
          // Browsers cannot call the emulator directly (another origin, no CORS); the app proxies it here.
          browser_base_path: EMULATOR_PROXY_PATH,
        }
      : null,
  };
}
