import type { Context } from "hono";
import { Hono } from "hono";
import { amountOf } from "./amounts";
import { DECLINES, type TestCard } from "./catalog";
import { openDispute } from "./disputes";
import { bool, metadataOf, str } from "./form";
import * as o from "./objects";
import { fail, invalid, missing, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore, Stored } from "./store";

/** Payment intents (created, confirmed, canceled, read) and the charges their confirmations make. */
export function paymentIntentRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  app.post("/v1/payment_intents", (c) => {
    const form = c.get("form");
    const amount = amountOf(c, form);
    if (amount instanceof Response) return amount;
    const currency = str(form, "currency")?.toLowerCase();
    if (!currency || !/^[a-z]{3}$/.test(currency)) return invalid(c, "Invalid currency.", "currency");
    const customer = str(form, "customer") ?? null;
    if (customer && !store.get(customer, "customer")) return missing(c, customer, "customer");
    const method = str(form, "payment_method");
    if (method && !store.get(method, "payment_method")) return missing(c, method, "payment_method");
    if (method && customer && store.get(method)?.customer !== customer) {
      return invalid(c, "The provided PaymentMethod does not belong to the Customer.", "payment_method");
    }
    const pi = store.put(
      o.paymentIntent({
        id: o.stripeId("pi"),
        created: store.now(),
        amount,
        currency,
        customer,
        paymentMethod: method ?? null,
        status: method ? "requires_confirmation" : "requires_payment_method",
        amountReceived: 0,
        latestCharge: null,
        lastError: null,
        canceledAt: null,
        description: str(form, "description") ?? null,
        transferGroup: str(form, "transfer_group") ?? null,
        metadata: metadataOf(form),
      }),
    );
    store.emit("payment_intent.created", pi);
    return bool(form, "confirm") ? confirmIntent(store, c, pi, bool(form, "off_session") ?? false) : c.json(pi);
  });
  app.get("/v1/payment_intents/:id", retrieve(store, "payment_intent"));
  app.post("/v1/payment_intents/:id/confirm", (c) => {
    const pi = store.get(c.req.param("id"), "payment_intent");
    if (!pi) return missing(c, c.req.param("id"));
    if (!["requires_confirmation", "requires_payment_method"].includes(pi.status as string)) {
      return invalid(c, `This PaymentIntent's status is ${pi.status}; it cannot be confirmed.`);
    }
    const method = str(c.get("form"), "payment_method");
    if (method) pi.payment_method = method;
    return confirmIntent(store, c, pi, bool(c.get("form"), "off_session") ?? false);
  });
  app.post("/v1/payment_intents/:id/cancel", (c) => {
    const pi = store.get(c.req.param("id"), "payment_intent");
    if (!pi) return missing(c, c.req.param("id"));
    if (["succeeded", "canceled"].includes(pi.status as string)) {
      return invalid(c, `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`);
    }
    Object.assign(pi, {
      status: "canceled",
      canceled_at: store.now(),
      cancellation_reason: str(c.get("form"), "cancellation_reason") ?? "requested_by_customer",
      next_action: null,
    });
    store.emit("payment_intent.canceled", pi);
    return c.json(pi);
  });
  app.get("/v1/charges/:id", retrieve(store, "charge"));
  return app;
}

/** The customer finishing (or failing) 3-D Secure on a payment intent that requires action. */
export const authenticatePayment = (store: EmulatorStore, c: Context, pi: Stored, succeed: boolean) => {
  if (succeed) {
    settleIntent(store, pi, store.cardsByPaymentMethod.get(pi.payment_method as string) as TestCard, null);
    return c.json(pi);
  }
  const error: o.StripeError = {
    type: "card_error",
    code: "payment_intent_authentication_failure",
    message: "The provided PaymentMethod has failed authentication.",
  };
  Object.assign(pi, { status: "requires_payment_method", last_payment_error: error, next_action: null });
  store.emit("payment_intent.payment_failed", pi);
  return c.json(pi);
};

/** The test card decides: declined, 3-D Secure first (a decline off session), or charged. */
const confirmIntent = (store: EmulatorStore, c: Context<EmulatorEnv>, pi: Stored, offSession: boolean) => {
  const card = store.cardsByPaymentMethod.get(pi.payment_method as string);
  if (!card)
    return invalid(c, "You cannot confirm this PaymentIntent because it's missing a payment method.", "payment_method");
  const decline = DECLINES[card.behaviour];
  if (decline) return failIntent(store, c, pi, card, { type: "card_error", ...decline });
  if (card.behaviour === "always_authenticate") {
    if (offSession) {
      return failIntent(store, c, pi, card, {
        type: "card_error",
        code: "authentication_required",
        decline_code: "authentication_required",
        message: "Your card was declined. This transaction requires authentication.",
      });
    }
    Object.assign(pi, o.paymentIntent({ ...intentFields(pi), status: "requires_action" }));
    store.emit("payment_intent.requires_action", pi);
    return c.json(pi);
  }
  settleIntent(store, pi, card, c.get("idempotencyKey") ?? null);
  return c.json(pi);
};

const chargeFor = (
  store: EmulatorStore,
  pi: Stored,
  card: TestCard,
  status: "succeeded" | "failed",
  failure: o.StripeError | null,
) =>
  store.put(
    o.charge({
      id: o.stripeId("ch"),
      created: store.now(),
      amount: pi.amount as number,
      amountRefunded: 0,
      currency: pi.currency as string,
      customer: pi.customer as string | null,
      paymentIntent: pi.id,
      paymentMethod: pi.payment_method as string,
      card,
      status,
      failure,
      disputed: false,
      refunds: [],
      transferGroup: pi.transfer_group as string | null,
      metadata: pi.metadata as Record<string, string>,
    }),
  );

/** A successful charge; its events carry the Idempotency-Key of the request that made it. */
const settleIntent = (store: EmulatorStore, pi: Stored, card: TestCard, key: string | null) => {
  const charge = chargeFor(store, pi, card, "succeeded", null);
  Object.assign(pi, {
    status: "succeeded",
    amount_received: pi.amount,
    latest_charge: charge.id,
    last_payment_error: null,
    next_action: null,
  });
  store.emit("charge.succeeded", charge, { idempotencyKey: key });
  store.emit("payment_intent.succeeded", pi, { idempotencyKey: key });
  if (card.behaviour === "dispute") openDispute(store, charge, card);
};

const failIntent = (store: EmulatorStore, c: Context, pi: Stored, card: TestCard, error: o.StripeError) => {
  const charge = chargeFor(store, pi, card, "failed", error);
  Object.assign(pi, {
    status: "requires_payment_method",
    latest_charge: charge.id,
    last_payment_error: error,
    next_action: null,
  });
  store.emit("charge.failed", charge);
  store.emit("payment_intent.payment_failed", pi);
  return fail(c, 402, { ...error, charge: charge.id, payment_intent: pi });
};

const intentFields = (pi: Stored) => ({
  id: pi.id,
  created: pi.created as number,
  amount: pi.amount as number,
  currency: pi.currency as string,
  customer: pi.customer as string | null,
  paymentMethod: pi.payment_method as string | null,
  status: pi.status as string,
  amountReceived: pi.amount_received as number,
  latestCharge: pi.latest_charge as string | null,
  lastError: null,
  canceledAt: null,
  description: pi.description as string | null,
  transferGroup: pi.transfer_group as string | null,
  metadata: pi.metadata as Record<string, string>,
});
