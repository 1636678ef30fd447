import type { Context } from "hono";
import { Hono } from "hono";
import { TEST_CARD_EXP, testCardFor } from "./catalog";
import { str } from "./form";
import * as o from "./objects";
import { invalid, listOf, missing, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore } from "./store";

/** A payment method for a test card token (`pm_card_<name>`), or undefined for an unknown one. */
export const newPaymentMethod = (store: EmulatorStore, token: string, customer: string | null) => {
  const test = testCardFor(token);
  if (!test) return undefined;
  const pm = store.put(
    o.paymentMethod({
      id: o.stripeId("pm"),
      created: store.now(),
      card: test.card,
      exp: TEST_CARD_EXP,
      customer,
      metadata: {},
    }),
  );
  store.cardsByPaymentMethod.set(pm.id, test.card);
  return pm;
};

/** Payment methods: read, attached to and detached from customers, and listed by customer. */
export function paymentMethodRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.get("/v1/payment_methods/:id", retrieve(store, "payment_method"));
  app.post("/v1/payment_methods/:id/attach", (c) => {
    const pm = store.get(c.req.param("id"), "payment_method");
    const customer = str(c.get("form"), "customer");
    if (!pm) return missing(c, c.req.param("id"));
    if (!store.get(customer, "customer")) return missing(c, customer ?? "", "customer");
    pm.customer = customer;
    store.emit("payment_method.attached", pm);
    return c.json(pm);
  });
  app.post("/v1/payment_methods/:id/detach", (c) => {
    const pm = store.get(c.req.param("id"), "payment_method");
    if (!pm) return missing(c, c.req.param("id"));
    if (!pm.customer)
      return invalid(c, "The payment method you provided is not attached to a customer so detachment is impossible.");
    pm.customer = null;
    store.emit("payment_method.detached", pm);
    return c.json(pm);
  });
  const paymentMethodsOf = (c: Context<EmulatorEnv>, customer: string | undefined) =>
    listOf(
      c,
      "/v1/payment_methods",
      store.all().filter((x) => x.object === "payment_method" && x.customer === customer),
    );
  app.get("/v1/payment_methods", (c) => paymentMethodsOf(c, str(c.get("form"), "customer")));
  app.get("/v1/customers/:id/payment_methods", (c) => paymentMethodsOf(c, c.req.param("id")));
  return app;
}
