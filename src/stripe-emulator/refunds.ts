import { Hono } from "hono";
import { amountOf, leftOf, recordPart } from "./amounts";
import { metadataOf, str } from "./form";
import * as o from "./objects";
import { invalid, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore } from "./store";

/** Refunds of a succeeded charge, whole or in parts, and read back. */
export function refundRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.post("/v1/refunds", (c) => {
    const form = c.get("form");
    const pi = store.get(str(form, "payment_intent"), "payment_intent");
    const charge = store.get(str(form, "charge") ?? (pi?.latest_charge as string | undefined), "charge");
    if (charge?.status !== "succeeded") {
      return invalid(c, "This PaymentIntent does not have a successful charge to refund.", "payment_intent");
    }
    const left = leftOf(charge, "amount_refunded");
    const amount = amountOf(c, form, {
      amount: left,
      tooMuch: (a) => `Refund amount ($${a / 100}) is greater than unrefunded amount on charge ($${left / 100})`,
    });
    if (amount instanceof Response) return amount;
    const r = store.put(
      o.refund({
        id: o.stripeId("re"),
        created: store.now(),
        amount,
        currency: charge.currency as string,
        charge: charge.id,
        paymentIntent: charge.payment_intent as string,
        paymentMethod: charge.payment_method as string,
        customer: charge.customer as string | null,
        reason: str(form, "reason") ?? null,
        metadata: metadataOf(form),
      }),
    );
    recordPart(charge, r, { taken: "amount_refunded", done: "refunded", list: "refunds" });
    store.emit("refund.created", r);
    store.emit("charge.refunded", charge);
    return c.json(r);
  });
  app.get("/v1/refunds/:id", retrieve(store, "refund"));
  return app;
}
