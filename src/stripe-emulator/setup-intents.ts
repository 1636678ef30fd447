import type { Context } from "hono";
import { Hono } from "hono";
import { DECLINES, type TestCard } from "./catalog";
import { bool, metadataOf, str } from "./form";
import * as o from "./objects";
import { newPaymentMethod } from "./payment-methods";
import { fail, invalid, missing, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore, Stored } from "./store";

/** Setup intents: created (and confirmed at once if asked), read, and confirmed with a test card. */
export function setupIntentRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.post("/v1/setup_intents", (c) => {
    const form = c.get("form");
    const customer = str(form, "customer") ?? null;
    if (customer && !store.get(customer, "customer")) return missing(c, customer, "customer");
    const si = store.put(
      o.setupIntent({
        id: o.stripeId("seti"),
        created: store.now(),
        customer,
        usage: str(form, "usage") ?? "off_session",
        status: "requires_payment_method",
        paymentMethod: null,
        lastError: null,
        metadata: metadataOf(form),
      }),
    );
    store.emit("setup_intent.created", si);
    return bool(form, "confirm") ? confirmSetup(store, c, si, str(form, "payment_method")) : c.json(si);
  });
  app.get("/v1/setup_intents/:id", retrieve(store, "setup_intent"));
  app.post("/v1/setup_intents/:id/confirm", (c) => {
    const si = store.get(c.req.param("id"), "setup_intent");
    if (!si) return missing(c, c.req.param("id"));
    if (si.status === "succeeded") return invalid(c, "This SetupIntent has already succeeded.");
    return confirmSetup(
      store,
      c,
      si,
      str(c.get("form"), "payment_method") ?? (si.payment_method as string | undefined),
    );
  });
  return app;
}

/** The customer finishing (or failing) 3-D Secure on a setup intent that requires action. */
export const authenticateSetup = (store: EmulatorStore, c: Context, si: Stored, succeed: boolean) => {
  if (succeed) return succeedSetup(store, c, si, store.get(si.payment_method as string) as Stored);
  const error: o.StripeError = {
    type: "card_error",
    code: "setup_intent_authentication_failure",
    message: "The latest attempt to set up the payment method has failed because authentication failed.",
  };
  Object.assign(si, { status: "requires_payment_method", last_setup_error: error, next_action: null });
  store.emit("setup_intent.setup_failed", si);
  return c.json(si);
};

/** The test card decides: declined, 3-D Secure first, or set up. */
const confirmSetup = (store: EmulatorStore, c: Context, si: Stored, token: string | undefined) => {
  const pm = token?.startsWith("pm_card_") ? newPaymentMethod(store, token, null) : store.get(token, "payment_method");
  if (!pm) return missing(c, token ?? "", "payment_method");
  const card = store.cardsByPaymentMethod.get(pm.id) as TestCard;
  si.payment_method = pm.id;
  const decline = card.behaviour === "fails_when_charged" ? undefined : DECLINES[card.behaviour];
  if (decline) {
    const error: o.StripeError = { type: "card_error", ...decline, param: "payment_method" };
    Object.assign(si, { status: "requires_payment_method", last_setup_error: error, payment_method: null });
    store.emit("setup_intent.setup_failed", si);
    return fail(c, 402, { ...error, setup_intent: si });
  }
  if (card.behaviour === "always_authenticate" && si.status !== "requires_action") {
    Object.assign(si, o.setupIntent({ ...setupFields(si), status: "requires_action", paymentMethod: pm.id }));
    store.emit("setup_intent.requires_action", si);
    return c.json(si);
  }
  return succeedSetup(store, c, si, pm);
};

const setupFields = (si: Stored) => ({
  id: si.id,
  created: si.created as number,
  customer: si.customer as string | null,
  usage: si.usage as string,
  paymentMethod: si.payment_method as string | null,
  lastError: null,
  metadata: si.metadata as Record<string, string>,
});

const succeedSetup = (store: EmulatorStore, c: Context, si: Stored, pm: Stored) => {
  if (si.customer && !pm.customer) {
    pm.customer = si.customer;
    store.emit("payment_method.attached", pm);
  }
  Object.assign(si, o.setupIntent({ ...setupFields(si), status: "succeeded", paymentMethod: pm.id }));
  store.emit("setup_intent.succeeded", si);
  return c.json(si);
};
