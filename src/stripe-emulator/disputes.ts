import { Hono } from "hono";
import type { TestCard } from "./catalog";
import * as o from "./objects";
import { retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore, Stored } from "./store";

/** Opens a dispute on a charge just made with the dispute test card, as Stripe's test mode does. */
export const openDispute = (store: EmulatorStore, charge: Stored, card: TestCard) => {
  charge.disputed = true;
  const d = store.put(
    o.dispute({
      id: o.stripeId("dp"),
      created: store.now(),
      amount: charge.amount as number,
      currency: charge.currency as string,
      charge: charge.id,
      paymentIntent: charge.payment_intent as string,
      card,
    }),
  );
  store.emit("charge.dispute.created", d);
};

/** Disputes: read only; they are opened by charges on the dispute test card. */
export function disputeRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.get("/v1/disputes/:id", retrieve(store, "dispute"));
  return app;
}
