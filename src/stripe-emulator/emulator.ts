import type { Context } from "hono";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { canonicalJson } from "../platform/canonical-json";
import type { Clock } from "../platform/clock";
import { DECLINES, TEST_CARD_EXP, TEST_CARDS, type TestCard, testCardFor } from "./catalog";
import { bool, type Form, int, metadataOf, obj, parseForm, str } from "./form";
import * as o from "./objects";
import { createWebhookSender, type Deliver } from "./webhooks";

export const EMULATOR_SECRET_KEY = "sk_test_emulator";
export const EMULATOR_PUBLISHABLE_KEY = "pk_test_emulator";
const PAGE_LIMIT_MAX = 100;

type Stored = o.StripeObject;
/** An event as sent, with the connected account it concerns (Connect events only). */
export type EmittedEvent = ReturnType<typeof o.event> & { account?: string };
/** One injected fault, taken by the next request (or the next whose method and path match `on`). */
type Fault = ({ status: 429 | 500 | 503; delayMs?: number } | { status?: undefined; delayMs: number }) & {
  on?: RegExp;
};

/**
 * A local stand-in for the part of Stripe's API this service uses: in-memory state, Stripe's
 * form encoding, error objects, statuses, Idempotency-Key semantics, list pagination, test
 * cards by Stripe's names, and signed webhook events. The real `stripe` SDK talks to it.
 */
export function createStripeEmulator(options: { clock: Clock; webhookSecret: string; deliver?: Deliver }) {
  const { clock } = options;
  const now = () => Math.floor(clock.now().getTime() / 1000);
  const store = new Map<string, Stored>();
  const cardsByPaymentMethod = new Map<string, TestCard>();
  const accounts = new Map<string, o.AccountState>();
  const payoutAccounts = new Map<string, string>();
  const events: EmittedEvent[] = [];
  const idempotency = new Map<string, { fingerprint: string; status: number; body: string }>();
  const faults: Fault[] = [];
  const payoutSettlement = { auto: true, fail: false };
  const webhooks = createWebhookSender({ deliver: options.deliver, secret: options.webhookSecret, clock });

  const get = (id: string | undefined, object?: string): Stored | undefined => {
    const found = id ? store.get(id) : undefined;
    return found && (!object || found.object === object) ? found : undefined;
  };
  const put = <T extends Stored>(value: T): T => {
    store.set(value.id, value);
    return value;
  };
  const emit = (type: string, object: Stored, extra: { account?: string; idempotencyKey?: string | null } = {}) => {
    const event = o.event({
      id: o.stripeId("evt"),
      created: now(),
      type,
      object: structuredClone(object),
      idempotencyKey: extra.idempotencyKey ?? null,
    });
    const stored: EmittedEvent = put(extra.account ? { ...event, account: extra.account } : event);
    events.push(stored);
    webhooks.send(JSON.stringify(stored));
  };

  const app = new Hono<{
    Variables: { form: Form; account: string | undefined; idempotencyKey: string | undefined };
  }>();

  const fail = (c: Context, status: number, error: o.StripeError & Record<string, unknown>) =>
    c.json(
      {
        error: {
          ...error,
          doc_url: `https://stripe.com/docs/error-codes/${error.code ?? error.type}`,
          request_log_url: null,
        },
      },
      status as ContentfulStatusCode,
    );
  const missing = (c: Context, id: string, param = "id") =>
    fail(c, 404, {
      type: "invalid_request_error",
      code: "resource_missing",
      param,
      message: `No such object: '${id}'`,
    });
  const invalid = (c: Context, message: string, param?: string) =>
    fail(c, 400, { type: "invalid_request_error", message, ...(param ? { param } : {}) });
  /**
   * The `amount` parameter: a positive integer, or an error response. With `left` (refunds,
   * reversals) it defaults to what is left and may not exceed it.
   */
  const amountOf = (
    c: Context,
    form: Form,
    left?: { amount: number; tooMuch: (amount: number) => string },
  ): number | Response => {
    const amount = int(form, "amount") ?? left?.amount;
    if (amount === undefined || amount < 1) {
      return invalid(c, "This value must be greater than or equal to 1.", "amount");
    }
    return left && amount > left.amount ? invalid(c, left.tooMuch(amount), "amount") : amount;
  };
  /** What is left of an object's amount once `taken` (amount_refunded, amount_reversed) is deducted. */
  const leftOf = (parent: Stored, taken: string) => (parent.amount as number) - (parent[taken] as number);
  /** Records a refund or reversal on what it was taken from: the running total, the done flag, the list. */
  const recordPart = (parent: Stored, part: Stored, keys: { taken: string; done: string; list: string }) => {
    parent[keys.taken] = (parent[keys.taken] as number) + (part.amount as number);
    parent[keys.done] = parent[keys.taken] === parent.amount;
    (parent[keys.list] as { data: unknown[] }).data.unshift(part);
  };

  app.use("/v1/*", async (c, next) => {
    c.header("Request-Id", o.stripeId("req"));
    const auth = c.req.header("Authorization") ?? "";
    if (!/^Bearer (sk|pk|rk)_test_\w+$/.test(auth)) {
      return fail(c, 401, { type: "invalid_request_error", message: "Invalid API Key provided" });
    }
    const index = faults.findIndex((f) => !f.on || f.on.test(`${c.req.method} ${c.req.path}`));
    const fault = index < 0 ? undefined : faults.splice(index, 1)[0];
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.status === 429) {
      // As Stripe does for lock timeouts: the SDK retries when told it is safe to.
      c.header("Stripe-Should-Retry", "true");
      return fail(c, 429, {
        type: "invalid_request_error",
        code: "lock_timeout",
        message: "This object cannot be accessed right now because another API request is accessing it.",
      });
    }
    if (fault?.status) return fail(c, fault.status, { type: "api_error", message: "An unknown error occurred" });

    const text = c.req.method === "GET" || c.req.method === "DELETE" ? "" : await c.req.text();
    c.set("form", parseForm(new URLSearchParams(c.req.method === "GET" ? new URL(c.req.url).search : text)));
    c.set("account", c.req.header("Stripe-Account"));
    const key = c.req.header("Idempotency-Key");
    if (c.req.method !== "POST" || !key) {
      await next();
      await expand(c);
      return;
    }
    const fingerprint = `${c.req.method} ${c.req.path} ${canonicalJson(c.get("form"))}`;
    const previous = idempotency.get(key);
    if (previous && previous.fingerprint !== fingerprint) {
      return fail(c, 400, {
        type: "idempotency_error",
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    if (previous) {
      return c.body(previous.body, previous.status as ContentfulStatusCode, {
        "Content-Type": "application/json",
        "Idempotent-Replayed": "true",
      });
    }
    c.set("idempotencyKey", key);
    await next();
    await expand(c);
    if (c.res.status < 500)
      idempotency.set(key, { fingerprint, status: c.res.status, body: await c.res.clone().text() });
  });

  /** Stripe's `expand[]`: ids of related objects replaced by the objects (one level, top-level fields). */
  const expand = async (c: Context) => {
    const fields = (c.get("form") as Form).expand;
    if (!Array.isArray(fields) || c.res.status !== 200) return;
    const body = (await c.res.clone().json()) as Record<string, unknown>;
    for (const field of fields) {
      const id = typeof field === "string" ? body[field] : undefined;
      if (typeof id === "string" && store.has(id)) body[field as string] = store.get(id);
    }
    c.res = new Response(JSON.stringify(body), { status: 200, headers: c.res.headers });
  };

  const listOf = (c: Context, url: string, all: Stored[]) => {
    const form = c.get("form") as Form;
    const limit = Math.min(int(form, "limit") ?? 10, PAGE_LIMIT_MAX);
    const after = str(form, "starting_after");
    const start = after ? all.findIndex((x) => x.id === after) + 1 : 0;
    const page = all.slice(start, start + limit);
    return c.json(o.list(url, page, start + limit < all.length));
  };

  // Customers
  app.post("/v1/customers", (c) => {
    const form = c.get("form");
    const customer = put(
      o.customer({
        id: o.stripeId("cus"),
        created: now(),
        email: str(form, "email") ?? null,
        name: str(form, "name") ?? null,
        metadata: metadataOf(form),
      }),
    );
    emit("customer.created", customer);
    return c.json(customer);
  });
  app.get("/v1/customers/:id", (c) => {
    const customer = get(c.req.param("id"), "customer");
    return customer ? c.json(customer) : missing(c, c.req.param("id"));
  });

  // Payment methods
  const newPaymentMethod = (token: string, customer: string | null) => {
    const test = testCardFor(token);
    if (!test) return undefined;
    const pm = put(
      o.paymentMethod({
        id: o.stripeId("pm"),
        created: now(),
        card: test.card,
        exp: TEST_CARD_EXP,
        customer,
        metadata: {},
      }),
    );
    cardsByPaymentMethod.set(pm.id, test.card);
    return pm;
  };
  app.get("/v1/payment_methods/:id", (c) => {
    const pm = get(c.req.param("id"), "payment_method");
    return pm ? c.json(pm) : missing(c, c.req.param("id"));
  });
  app.post("/v1/payment_methods/:id/attach", (c) => {
    const pm = get(c.req.param("id"), "payment_method");
    const customer = str(c.get("form"), "customer");
    if (!pm) return missing(c, c.req.param("id"));
    if (!get(customer, "customer")) return missing(c, customer ?? "", "customer");
    pm.customer = customer;
    emit("payment_method.attached", pm);
    return c.json(pm);
  });
  app.post("/v1/payment_methods/:id/detach", (c) => {
    const pm = get(c.req.param("id"), "payment_method");
    if (!pm) return missing(c, c.req.param("id"));
    if (!pm.customer)
      return invalid(c, "The payment method you provided is not attached to a customer so detachment is impossible.");
    pm.customer = null;
    emit("payment_method.detached", pm);
    return c.json(pm);
  });
  const paymentMethodsOf = (c: Context, customer: string | undefined) =>
    listOf(
      c,
      "/v1/payment_methods",
      [...store.values()].filter((x) => x.object === "payment_method" && x.customer === customer),
    );
  app.get("/v1/payment_methods", (c) => paymentMethodsOf(c, str(c.get("form"), "customer")));
  app.get("/v1/customers/:id/payment_methods", (c) => paymentMethodsOf(c, c.req.param("id")));

  // Setup intents
  const confirmSetup = (c: Context, si: Stored, token: string | undefined) => {
    const pm = token?.startsWith("pm_card_") ? newPaymentMethod(token, null) : get(token, "payment_method");
    if (!pm) return missing(c, token ?? "", "payment_method");
    const card = cardsByPaymentMethod.get(pm.id) as TestCard;
    si.payment_method = pm.id;
    const decline = card.behaviour === "fails_when_charged" ? undefined : DECLINES[card.behaviour];
    if (decline) {
      const error: o.StripeError = { type: "card_error", ...decline, param: "payment_method" };
      Object.assign(si, { status: "requires_payment_method", last_setup_error: error, payment_method: null });
      emit("setup_intent.setup_failed", si);
      return fail(c, 402, { ...error, setup_intent: si });
    }
    if (card.behaviour === "always_authenticate" && si.status !== "requires_action") {
      Object.assign(si, o.setupIntent({ ...setupFields(si), status: "requires_action", paymentMethod: pm.id }));
      emit("setup_intent.requires_action", si);
      return c.json(si);
    }
    return succeedSetup(c, si, pm);
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
  const succeedSetup = (c: Context, si: Stored, pm: Stored) => {
    if (si.customer && !pm.customer) {
      pm.customer = si.customer;
      emit("payment_method.attached", pm);
    }
    Object.assign(si, o.setupIntent({ ...setupFields(si), status: "succeeded", paymentMethod: pm.id }));
    emit("setup_intent.succeeded", si);
    return c.json(si);
  };
  app.post("/v1/setup_intents", (c) => {
    const form = c.get("form");
    const customer = str(form, "customer") ?? null;
    if (customer && !get(customer, "customer")) return missing(c, customer, "customer");
    const si = put(
      o.setupIntent({
        id: o.stripeId("seti"),
        created: now(),
        customer,
        usage: str(form, "usage") ?? "off_session",
        status: "requires_payment_method",
        paymentMethod: null,
        lastError: null,
        metadata: metadataOf(form),
      }),
    );
    emit("setup_intent.created", si);
    return bool(form, "confirm") ? confirmSetup(c, si, str(form, "payment_method")) : c.json(si);
  });
  app.get("/v1/setup_intents/:id", (c) => {
    const si = get(c.req.param("id"), "setup_intent");
    return si ? c.json(si) : missing(c, c.req.param("id"));
  });
  app.post("/v1/setup_intents/:id/confirm", (c) => {
    const si = get(c.req.param("id"), "setup_intent");
    if (!si) return missing(c, c.req.param("id"));
    if (si.status === "succeeded") return invalid(c, "This SetupIntent has already succeeded.");
    return confirmSetup(c, si, str(c.get("form"), "payment_method") ?? (si.payment_method as string | undefined));
  });

  // Payment intents and charges
  const chargeFor = (pi: Stored, card: TestCard, status: "succeeded" | "failed", failure: o.StripeError | null) =>
    put(
      o.charge({
        id: o.stripeId("ch"),
        created: now(),
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
  const settleIntent = (pi: Stored, card: TestCard, key: string | null) => {
    const charge = chargeFor(pi, card, "succeeded", null);
    Object.assign(pi, {
      status: "succeeded",
      amount_received: pi.amount,
      latest_charge: charge.id,
      last_payment_error: null,
      next_action: null,
    });
    emit("charge.succeeded", charge, { idempotencyKey: key });
    emit("payment_intent.succeeded", pi, { idempotencyKey: key });
    if (card.behaviour === "dispute") {
      charge.disputed = true;
      const d = put(
        o.dispute({
          id: o.stripeId("dp"),
          created: now(),
          amount: charge.amount as number,
          currency: charge.currency as string,
          charge: charge.id,
          paymentIntent: pi.id,
          card,
        }),
      );
      emit("charge.dispute.created", d);
    }
  };
  const failIntent = (c: Context, pi: Stored, card: TestCard, error: o.StripeError) => {
    const charge = chargeFor(pi, card, "failed", error);
    Object.assign(pi, {
      status: "requires_payment_method",
      latest_charge: charge.id,
      last_payment_error: error,
      next_action: null,
    });
    emit("charge.failed", charge);
    emit("payment_intent.payment_failed", pi);
    return fail(c, 402, { ...error, charge: charge.id, payment_intent: pi });
  };
  const confirmIntent = (c: Context, pi: Stored, offSession: boolean) => {
    const card = cardsByPaymentMethod.get(pi.payment_method as string);
    if (!card)
      return invalid(
        c,
        "You cannot confirm this PaymentIntent because it's missing a payment method.",
        "payment_method",
      );
    const decline = DECLINES[card.behaviour];
    if (decline) return failIntent(c, pi, card, { type: "card_error", ...decline });
    if (card.behaviour === "always_authenticate") {
      if (offSession) {
        return failIntent(c, pi, card, {
          type: "card_error",
          code: "authentication_required",
          decline_code: "authentication_required",
          message: "Your card was declined. This transaction requires authentication.",
        });
      }
      Object.assign(pi, o.paymentIntent({ ...intentFields(pi), status: "requires_action" }));
      emit("payment_intent.requires_action", pi);
      return c.json(pi);
    }
    settleIntent(pi, card, c.get("idempotencyKey") ?? null);
    return c.json(pi);
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
  app.post("/v1/payment_intents", (c) => {
    const form = c.get("form");
    const amount = amountOf(c, form);
    if (amount instanceof Response) return amount;
    const currency = str(form, "currency")?.toLowerCase();
    if (!currency || !/^[a-z]{3}$/.test(currency)) return invalid(c, "Invalid currency.", "currency");
    const customer = str(form, "customer") ?? null;
    if (customer && !get(customer, "customer")) return missing(c, customer, "customer");
    const method = str(form, "payment_method");
    if (method && !get(method, "payment_method")) return missing(c, method, "payment_method");
    if (method && customer && get(method)?.customer !== customer) {
      return invalid(c, "The provided PaymentMethod does not belong to the Customer.", "payment_method");
    }
    const pi = put(
      o.paymentIntent({
        id: o.stripeId("pi"),
        created: now(),
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
    emit("payment_intent.created", pi);
    return bool(form, "confirm") ? confirmIntent(c, pi, bool(form, "off_session") ?? false) : c.json(pi);
  });
  app.get("/v1/payment_intents/:id", (c) => {
    const pi = get(c.req.param("id"), "payment_intent");
    return pi ? c.json(pi) : missing(c, c.req.param("id"));
  });
  app.post("/v1/payment_intents/:id/confirm", (c) => {
    const pi = get(c.req.param("id"), "payment_intent");
    if (!pi) return missing(c, c.req.param("id"));
    if (!["requires_confirmation", "requires_payment_method"].includes(pi.status as string)) {
      return invalid(c, `This PaymentIntent's status is ${pi.status}; it cannot be confirmed.`);
    }
    const method = str(c.get("form"), "payment_method");
    if (method) pi.payment_method = method;
    return confirmIntent(c, pi, bool(c.get("form"), "off_session") ?? false);
  });
  app.post("/v1/payment_intents/:id/cancel", (c) => {
    const pi = get(c.req.param("id"), "payment_intent");
    if (!pi) return missing(c, c.req.param("id"));
    if (["succeeded", "canceled"].includes(pi.status as string)) {
      return invalid(c, `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`);
    }
    Object.assign(pi, {
      status: "canceled",
      canceled_at: now(),
      cancellation_reason: str(c.get("form"), "cancellation_reason") ?? "requested_by_customer",
      next_action: null,
    });
    emit("payment_intent.canceled", pi);
    return c.json(pi);
  });
  app.get("/v1/charges/:id", (c) => {
    const charge = get(c.req.param("id"), "charge");
    return charge ? c.json(charge) : missing(c, c.req.param("id"));
  });
  app.get("/v1/disputes/:id", (c) => {
    const d = get(c.req.param("id"), "dispute");
    return d ? c.json(d) : missing(c, c.req.param("id"));
  });

  // Refunds
  app.post("/v1/refunds", (c) => {
    const form = c.get("form");
    const pi = get(str(form, "payment_intent"), "payment_intent");
    const charge = get(str(form, "charge") ?? (pi?.latest_charge as string | undefined), "charge");
    if (charge?.status !== "succeeded") {
      return invalid(c, "This PaymentIntent does not have a successful charge to refund.", "payment_intent");
    }
    const left = leftOf(charge, "amount_refunded");
    const amount = amountOf(c, form, {
      amount: left,
      tooMuch: (a) => `Refund amount ($${a / 100}) is greater than unrefunded amount on charge ($${left / 100})`,
    });
    if (amount instanceof Response) return amount;
    const r = put(
      o.refund({
        id: o.stripeId("re"),
        created: now(),
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
    emit("refund.created", r);
    emit("charge.refunded", charge);
    return c.json(r);
  });
  app.get("/v1/refunds/:id", (c) => {
    const r = get(c.req.param("id"), "refund");
    return r ? c.json(r) : missing(c, c.req.param("id"));
  });

  // Connect accounts
  const accountView = (id: string) => put(o.account(accounts.get(id) as o.AccountState));
  app.post("/v1/accounts", (c) => {
    const form = c.get("form");
    const state: o.AccountState = {
      id: o.stripeId("acct"),
      created: now(),
      country: str(form, "country") ?? "US",
      email: str(form, "email") ?? null,
      type: str(form, "type") ?? str(obj(form, "controller"), "stripe_dashboard") ?? "custom",
      metadata: metadataOf(form),
      externalAccounts: [],
      disabledReason: null,
    };
    accounts.set(state.id, state);
    return c.json(accountView(state.id));
  });
  app.get("/v1/accounts/:id", (c) =>
    accounts.has(c.req.param("id")) ? c.json(accountView(c.req.param("id"))) : missing(c, c.req.param("id")),
  );
  app.post("/v1/accounts/:id", (c) => {
    const state = accounts.get(c.req.param("id"));
    if (!state) return missing(c, c.req.param("id"));
    state.metadata = metadataOf(c.get("form"), state.metadata);
    state.email = str(c.get("form"), "email") ?? state.email;
    const view = accountView(state.id);
    emit("account.updated", view, { account: state.id });
    return c.json(view);
  });
  app.post("/v1/accounts/:id/external_accounts", (c) => {
    const state = accounts.get(c.req.param("id"));
    if (!state) return missing(c, c.req.param("id"));
    const token = str(c.get("form"), "external_account") ?? "";
    const test = token.startsWith("tok_") ? testCardFor(token) : undefined;
    if (!test) return missing(c, token, "external_account");
    if (test.card.funding !== "debit") {
      return fail(c, 400, {
        type: "invalid_request_error",
        code: "invalid_card_type",
        param: "external_account",
        message: "This card doesn't appear to be a debit card.",
      });
    }
    const card = o.externalCard({ id: o.stripeId("card"), card: test.card, exp: TEST_CARD_EXP });
    state.externalAccounts.push(card);
    emit("account.external_account.created", card as Stored, { account: state.id });
    emit("account.updated", accountView(state.id), { account: state.id });
    return c.json(card);
  });
  app.get("/v1/accounts/:id/external_accounts", (c) => {
    const state = accounts.get(c.req.param("id"));
    return state
      ? listOf(c, `/v1/accounts/${state.id}/external_accounts`, state.externalAccounts as Stored[])
      : missing(c, c.req.param("id"));
  });
  app.delete("/v1/accounts/:id/external_accounts/:card", (c) => {
    const state = accounts.get(c.req.param("id"));
    const index = state?.externalAccounts.findIndex((x) => x.id === c.req.param("card")) ?? -1;
    if (!state || index < 0) return missing(c, c.req.param("card"));
    state.externalAccounts.splice(index, 1);
    emit("account.updated", accountView(state.id), { account: state.id });
    return c.json({ id: c.req.param("card"), object: "card", deleted: true });
  });

  // Transfers and payouts
  app.post("/v1/transfers", (c) => {
    const form = c.get("form");
    const destination = str(form, "destination") ?? "";
    if (!accounts.has(destination)) return missing(c, destination, "destination");
    const amount = amountOf(c, form);
    if (amount instanceof Response) return amount;
    const t = put(
      o.transfer({
        id: o.stripeId("tr"),
        created: now(),
        amount,
        currency: str(form, "currency") ?? "usd",
        destination,
        transferGroup: str(form, "transfer_group") ?? null,
        description: str(form, "description") ?? null,
        metadata: metadataOf(form),
      }),
    );
    emit("transfer.created", t);
    return c.json(t);
  });
  app.post("/v1/transfers/:id/reversals", (c) => {
    const form = c.get("form");
    const t = get(c.req.param("id"), "transfer");
    if (!t) return missing(c, c.req.param("id"));
    const left = leftOf(t, "amount_reversed");
    if (left === 0) return invalid(c, `Transfer ${t.id} has already been reversed.`);
    const amount = amountOf(c, form, {
      amount: left,
      tooMuch: (a) => `Reversal amount ($${a / 100}) is greater than the amount not yet reversed ($${left / 100})`,
    });
    if (amount instanceof Response) return amount;
    const reversal = put(
      o.transferReversal({
        id: o.stripeId("trr"),
        created: now(),
        amount,
        currency: t.currency as string,
        transfer: t.id,
        metadata: metadataOf(form),
      }),
    );
    recordPart(t, reversal, { taken: "amount_reversed", done: "reversed", list: "reversals" });
    emit("transfer.reversed", t);
    return c.json(reversal);
  });
  app.get("/v1/transfers/:id", (c) => {
    const t = get(c.req.param("id"), "transfer");
    return t ? c.json(t) : missing(c, c.req.param("id"));
  });
  const settlePayout = (payout: Stored, accountId: string) => {
    if (payout.status !== "in_transit") return;
    const failed = payoutSettlement.fail;
    Object.assign(
      payout,
      failed
        ? {
            status: "failed",
            failure_code: "could_not_process",
            failure_message: "The bank could not process this payout.",
          }
        : { status: "paid" },
    );
    emit(failed ? "payout.failed" : "payout.paid", payout, { account: accountId });
  };
  app.post("/v1/payouts", (c) => {
    const form = c.get("form");
    const accountId = c.get("account");
    const state = accountId ? accounts.get(accountId) : undefined;
    if (!state) return invalid(c, "Payouts for this emulator need a Stripe-Account header naming a connected account.");
    const destination = str(form, "destination") ?? state.externalAccounts[0]?.id;
    if (!destination || !state.externalAccounts.some((x) => x.id === destination))
      return missing(c, destination ?? "", "destination");
    if (state.disabledReason) return invalid(c, "Payouts have been disabled on this account.");
    const amount = amountOf(c, form);
    if (amount instanceof Response) return amount;
    const payout = put(
      o.payout({
        id: o.stripeId("po"),
        created: now(),
        amount,
        currency: str(form, "currency") ?? "usd",
        destination,
        method: str(form, "method") ?? "standard",
        status: "in_transit",
        failure: null,
        metadata: metadataOf(form),
      }),
    );
    payoutAccounts.set(payout.id, state.id);
    emit("payout.created", payout, { account: state.id });
    if (payoutSettlement.auto) queueMicrotask(() => settlePayout(payout, state.id));
    return c.json(payout);
  });
  app.get("/v1/payouts", (c) => {
    const accountId = c.get("account");
    if (!accountId || !accounts.has(accountId)) {
      return invalid(c, "Listing payouts in this emulator needs a Stripe-Account header naming a connected account.");
    }
    const mine = [...payoutAccounts]
      .filter(([, account]) => account === accountId)
      .map(([id]) => store.get(id) as Stored);
    // Newest first, as Stripe lists.
    return listOf(c, "/v1/payouts", mine.reverse());
  });
  app.get("/v1/payouts/:id", (c) => {
    const p = get(c.req.param("id"), "payout");
    return p ? c.json(p) : missing(c, c.req.param("id"));
  });

  // Events
  app.get("/v1/events/:id", (c) => {
    const e = get(c.req.param("id"), "event");
    return e ? c.json(e) : missing(c, c.req.param("id"));
  });
  app.get("/v1/events", (c) => listOf(c, "/v1/events", [...events].reverse()));

  // What a real customer would do in Stripe's UI: finish 3-D Secure.
  app.post("/_emulator/:kind/:id/authenticate", async (c) => {
    const body = parseForm(new URLSearchParams(await c.req.text()));
    const succeed = str(body, "outcome") !== "fail";
    const intent = get(c.req.param("id"));
    if (intent?.status !== "requires_action") return invalid(c, "Nothing to authenticate.");
    const pmId = intent.payment_method as string;
    const card = cardsByPaymentMethod.get(pmId) as TestCard;
    if (intent.object === "setup_intent") {
      if (succeed) return succeedSetup(c, intent, get(pmId) as Stored);
      const error: o.StripeError = {
        type: "card_error",
        code: "setup_intent_authentication_failure",
        message: "The latest attempt to set up the payment method has failed because authentication failed.",
      };
      Object.assign(intent, { status: "requires_payment_method", last_setup_error: error, next_action: null });
      emit("setup_intent.setup_failed", intent);
      return c.json(intent);
    }
    if (succeed) {
      settleIntent(intent, card, null);
      return c.json(intent);
    }
    const error: o.StripeError = {
      type: "card_error",
      code: "payment_intent_authentication_failure",
      message: "The provided PaymentMethod has failed authentication.",
    };
    Object.assign(intent, { status: "requires_payment_method", last_payment_error: error, next_action: null });
    emit("payment_intent.payment_failed", intent);
    return c.json(intent);
  });
  app.get("/_emulator", (c) =>
    c.json({
      publishable_key: EMULATOR_PUBLISHABLE_KEY,
      payment_methods: Object.keys(TEST_CARDS).map((name) => `pm_card_${name}`),
      payout_tokens: Object.keys(TEST_CARDS).map((name) => `tok_${name}`),
    }),
  );

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
        faults.push(...next);
      },
      webhooks,
      restrictAccount(accountId: string, reason: string | null) {
        const state = accounts.get(accountId);
        if (!state) throw new Error(`No account ${accountId}`);
        state.disabledReason = reason;
        emit("account.updated", accountView(accountId), { account: accountId });
      },
      payouts: payoutSettlement,
      /** Settles payouts left in transit (when automatic settlement is off). */
      settlePayouts() {
        for (const [id, accountId] of payoutAccounts) settlePayout(store.get(id) as Stored, accountId);
      },
      events: () => events,
      object: (id: string) => store.get(id),
    },
  };
}

export type StripeEmulator = ReturnType<typeof createStripeEmulator>;
