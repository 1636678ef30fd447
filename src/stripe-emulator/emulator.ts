import { Hono } from "hono";
import type { Clock } from "../platform/clock";
import { accountRoutes, restrictAccount } from "./accounts";
import { controlRoutes } from "./control-routes";
import { customerRoutes } from "./customers";
import { disputeRoutes } from "./disputes";
import { eventRoutes } from "./events";
import { apiMiddleware } from "./middleware";
import { paymentIntentRoutes } from "./payment-intents";
import { paymentMethodRoutes } from "./payment-methods";
import { payoutRoutes, settlePayouts } from "./payouts";
import { refundRoutes } from "./refunds";
import { fail } from "./responses";
import { setupIntentRoutes } from "./setup-intents";
import type { EmulatorEnv } from "./store";
import { createEmulatorStore, type Fault } from "./store";
import { transferRoutes } from "./transfers";
import type { Deliver } from "./webhooks";

export type { EmittedEvent } from "./store";

/**
 * A local stand-in for the part of Stripe's API this service uses: in-memory state, Stripe's
 * form encoding, error objects, statuses, Idempotency-Key semantics, list pagination, test
 * cards by Stripe's names, and signed webhook events. The real `stripe` SDK talks to it.
 * Each resource's routes live in their own module over one shared store.
 */
export function createStripeEmulator(options: { clock: Clock; webhookSecret: string; deliver?: Deliver }) {
  const store = createEmulatorStore(options);
  const app = new Hono<EmulatorEnv>();
  // Registered before the routes, so it runs around every one of them.
  app.use("/v1/*", apiMiddleware(store));
  app
    .route("/", customerRoutes(store))
    .route("/", paymentMethodRoutes(store))
    .route("/", setupIntentRoutes(store))
    .route("/", paymentIntentRoutes(store))
    .route("/", disputeRoutes(store))
    .route("/", refundRoutes(store))
    .route("/", accountRoutes(store))
    .route("/", transferRoutes(store))
    .route("/", payoutRoutes(store))
    .route("/", eventRoutes(store))
    .route("/", controlRoutes(store));
  app.notFound((c) =>
    fail(c, 404, {
      type: "invalid_request_error",
      message: `Unrecognized request URL (${c.req.method}: ${c.req.path}).`,
    }),
  );

  return {
    app,
    /** Knobs for tests and the demo: faults, webhook delivery modes, account restrictions, payout outcomes. */
    control: {
      failNext(...next: Fault[]) {
        store.failNext(...next);
      },
      webhooks: store.webhooks,
      restrictAccount(accountId: string, reason: string | null) {
        restrictAccount(store, accountId, reason);
      },
      payouts: store.payoutSettlement,
      /** Settles payouts left in transit (when automatic settlement is off). */
      settlePayouts() {
        settlePayouts(store);
      },
      events: () => store.events,
      object: (id: string) => store.get(id),
    },
  };
}

export type StripeEmulator = ReturnType<typeof createStripeEmulator>;
