import { Hono } from "hono";
import { metadataOf, str } from "./form";
import * as o from "./objects";
import { retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore } from "./store";

/** Customers: created with an email and name, and read back. */
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
  return app;
}
