import { Hono } from "hono";
import { amountOf, leftOf, recordPart } from "./amounts";
import { metadataOf, str } from "./form";
import * as o from "./objects";
import { invalid, missing, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore } from "./store";

/** Transfers to connected accounts, their reversals (whole or in parts), and reading them back. */
export function transferRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.post("/v1/transfers", (c) => {
    const form = c.get("form");
    const destination = str(form, "destination") ?? "";
    if (!store.accounts.has(destination)) return missing(c, destination, "destination");
    const amount = amountOf(c, form);
    if (amount instanceof Response) return amount;
    const t = store.put(
      o.transfer({
        id: o.stripeId("tr"),
        created: store.now(),
        amount,
        currency: str(form, "currency") ?? "usd",
        destination,
        transferGroup: str(form, "transfer_group") ?? null,
        description: str(form, "description") ?? null,
        metadata: metadataOf(form),
      }),
    );
    store.emit("transfer.created", t);
    return c.json(t);
  });
  app.post("/v1/transfers/:id/reversals", (c) => {
    const form = c.get("form");
    const t = store.get(c.req.param("id"), "transfer");
    if (!t) return missing(c, c.req.param("id"));
    const left = leftOf(t, "amount_reversed");
    if (left === 0) return invalid(c, `Transfer ${t.id} has already been reversed.`);
    const amount = amountOf(c, form, {
      amount: left,
      tooMuch: (a) => `Reversal amount ($${a / 100}) is greater than the amount not yet reversed ($${left / 100})`,
    });
    if (amount instanceof Response) return amount;
    const reversal = store.put(
      o.transferReversal({
        id: o.stripeId("trr"),
        created: store.now(),
        amount,
        currency: t.currency as string,
        transfer: t.id,
        metadata: metadataOf(form),
      }),
    );
    recordPart(t, reversal, { taken: "amount_reversed", done: "reversed", list: "reversals" });
    store.emit("transfer.reversed", t);
    return c.json(reversal);
  });
  app.get("/v1/transfers/:id", retrieve(store, "transfer"));
  return app;
}
