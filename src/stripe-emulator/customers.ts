import { Hono } from "hono";
import { metadataOf, str } from "./form";
import * as o from "./objects";
import { missing, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore } from "./store";

/** Customers: created with an email and name, read back, and deleted. */
export function customerRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.post("/v1/customers", (c) => {
    const form = c.get("form");
    const customer = store.put(
      o.customer({
        id: o.stripeId("cus"),
        created: store.now(),
        email: str(form, "email") ?? null,
        name: str(form, "name") ?? null,
        metadata: metadataOf(form),
      }),
    );
    store.emit("customer.created", customer);
    return c.json(customer);
  });
  app.get("/v1/customers/:id", retrieve(store, "customer"));
  // Deleting a customer detaches its payment methods too, as Stripe does.
  app.delete("/v1/customers/:id", (c) => {
    const id = c.req.param("id");
    if (!store.get(id, "customer")) return missing(c, id);
    for (const pm of store.all()) {
      if (pm.object === "payment_method" && pm.customer === id) pm.customer = null;
    }
    store.drop(id);
    return c.json({ id, object: "customer", deleted: true });
  });
  return app;
}
