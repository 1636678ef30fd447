import { Hono } from "hono";
import { EMULATOR_PUBLISHABLE_KEY, TEST_CARDS } from "./catalog";
import { parseForm, str } from "./form";
import { authenticatePayment } from "./payment-intents";
import { invalid } from "./responses";
import { authenticateSetup } from "./setup-intents";
import type { EmulatorStore } from "./store";

/**
 * The emulator's own routes, outside Stripe's API (no key, no `/v1` middleware): 3-D Secure,
 * and what a client needs to know to use test mode.
 */
export function controlRoutes(store: EmulatorStore) {
  const app = new Hono();
  // What a real customer would do in Stripe's UI: finish 3-D Secure.
  app.post("/_emulator/:kind/:id/authenticate", async (c) => {
    const body = parseForm(new URLSearchParams(await c.req.text()));
    const succeed = str(body, "outcome") !== "fail";
    const intent = store.get(c.req.param("id"));
    if (intent?.status !== "requires_action") return invalid(c, "Nothing to authenticate.");
    return intent.object === "setup_intent"
      ? authenticateSetup(store, c, intent, succeed)
      : authenticatePayment(store, c, intent, succeed);
  });
  app.get("/_emulator", (c) =>
    c.json({
      publishable_key: EMULATOR_PUBLISHABLE_KEY,
      payment_methods: Object.keys(TEST_CARDS).map((name) => `pm_card_${name}`),
      payout_tokens: Object.keys(TEST_CARDS).map((name) => `tok_${name}`),
    }),
  );
  return app;
}
