import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestClock } from "../../test/test-clock";
import { EMULATOR_SECRET_KEY } from "./catalog";
import { parseForm } from "./form";
import { type RunningEmulator, serveStripeEmulator } from "./serve";

const SECRET = "whsec_emulator_test_secret";
const clock = createTestClock();
let emulator: RunningEmulator;
let stripe: Stripe;
const received: { payload: string; signature: string }[] = [];
let failuresToSimulate = 0;

beforeAll(async () => {
  emulator = await serveStripeEmulator({
    port: 0,
    clock,
    webhookSecret: SECRET,
    deliver: async (payload, headers) => {
      if (failuresToSimulate > 0) {
        failuresToSimulate--;
        return 500;
      }
      received.push({ payload, signature: headers["Stripe-Signature"] ?? "" });
      return 200;
    },
  });
  stripe = new Stripe(EMULATOR_SECRET_KEY, {
    host: emulator.host,
    port: emulator.port,
    protocol: "http",
    maxNetworkRetries: 0,
  });
});
afterAll(() => emulator.close());

describe("form encoding", () => {
  it("parses Stripe's bracket notation", () => {
    const form = parseForm(
      new URLSearchParams("a=1&metadata[k]=v&expand[]=x&expand[]=y&items[0][price]=p&items[1][price]=q&n[a][b]=c"),
    );
    expect(form).toEqual({
      a: "1",
      metadata: { k: "v" },
      expand: ["x", "y"],
      items: [{ price: "p" }, { price: "q" }],
      n: { a: { b: "c" } },
    });
  });
});

describe("Stripe API semantics", () => {
  it("replays an idempotent request and refuses a key reused with other parameters", async () => {
    const first = await stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: "k1" });
    const again = await stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: "k1" });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    await expect(stripe.customers.create({ email: "b@example.com" }, { idempotencyKey: "k1" })).rejects.toBeInstanceOf(
      Stripe.errors.StripeIdempotencyError,
    );
  });

  it("answers Stripe's error objects: missing resources, declines, bad keys", async () => {
    await expect(stripe.customers.retrieve("cus_nope")).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      code: "resource_missing",
      statusCode: 404,
    });
    const customer = await stripe.customers.create({});
    const setup = await stripe.setupIntents.create({ customer: customer.id });
    await expect(
      stripe.setupIntents.confirm(setup.id, { payment_method: "pm_card_chargeDeclinedInsufficientFunds" }),
    ).rejects.toMatchObject({
      type: "StripeCardError",
      code: "card_declined",
      decline_code: "insufficient_funds",
      statusCode: 402,
    });
    const anonymous = new Stripe("sk_live_nope", {
      host: emulator.host,
      port: emulator.port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    await expect(anonymous.customers.create({})).rejects.toMatchObject({ statusCode: 401 });
  });

  it("charges by card behaviour: success, decline when charged, 3-D Secure, dispute", async () => {
    const customer = await stripe.customers.create({});
    const pmFor = async (name: string) => {
      const si = await stripe.setupIntents.create({
        customer: customer.id,
        confirm: true,
        payment_method: `pm_card_${name}`,
      });
      return si.payment_method as string;
    };
    const pay = async (pm: string, offSession = true) =>
      stripe.paymentIntents.create({
        amount: 500,
        currency: "usd",
        customer: customer.id,
        payment_method: pm,
        confirm: true,
        off_session: offSession,
      });
    expect((await pay(await pmFor("visa_debit"))).status).toBe("succeeded");
    await expect(pay(await pmFor("chargeCustomerFail"))).rejects.toMatchObject({
      type: "StripeCardError",
      code: "card_declined",
    });

    const threeDs = await stripe.setupIntents.create({
      customer: customer.id,
      confirm: true,
      payment_method: "pm_card_authenticationRequired",
    });
    expect(threeDs.status).toBe("requires_action");
    await fetch(`http://${emulator.host}:${emulator.port}/_emulator/setup_intents/${threeDs.id}/authenticate`, {
      method: "POST",
    });
    const secure = (await stripe.setupIntents.retrieve(threeDs.id)).payment_method as string;
    const onSession = await pay(secure, false);
    expect(onSession.status).toBe("requires_action");
    expect(onSession.next_action?.type).toBe("use_stripe_sdk");
    await expect(pay(secure, true)).rejects.toMatchObject({ code: "authentication_required" });

    const disputed = await pay(await pmFor("createDispute"));
    expect(disputed.status).toBe("succeeded");
    expect(emulator.control.events().some((e) => e.type === "charge.dispute.created")).toBe(true);
  });

  it("paginates lists like Stripe", async () => {
    const customer = await stripe.customers.create({});
    for (const name of ["visa_debit", "mastercard_debit", "visa"]) {
      await stripe.setupIntents.create({ customer: customer.id, confirm: true, payment_method: `pm_card_${name}` });
    }
    const page1 = await stripe.paymentMethods.list({ customer: customer.id, type: "card", limit: 2 });
    expect(page1.object).toBe("list");
    expect(page1.has_more).toBe(true);
    const page2 = await stripe.paymentMethods.list({
      customer: customer.id,
      type: "card",
      limit: 2,
      starting_after: page1.data[1]?.id,
    });
    expect(page2.data).toHaveLength(1);
    expect(page2.has_more).toBe(false);
  });

  it("refunds no more than was charged", async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({
      customer: customer.id,
      confirm: true,
      payment_method: "pm_card_visa_debit",
    });
    const pi = await stripe.paymentIntents.create({
      amount: 300,
      currency: "usd",
      customer: customer.id,
      payment_method: si.payment_method as string,
      confirm: true,
    });
    expect((await stripe.refunds.create({ payment_intent: pi.id, amount: 200 })).amount).toBe(200);
    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 200 })).rejects.toMatchObject({
      statusCode: 400,
      param: "amount",
    });
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).amount_refunded).toBe(200);
  });

  it("reverses no more of a transfer than is left, and marks it reversed when all is back", async () => {
    const account = await stripe.accounts.create({ type: "custom", country: "US" });
    const transfer = await stripe.transfers.create({ amount: 500, currency: "usd", destination: account.id });
    const part = await stripe.transfers.createReversal(transfer.id, { amount: 200 }, { idempotencyKey: "rev-1" });
    expect(part).toMatchObject({ object: "transfer_reversal", amount: 200, transfer: transfer.id });
    const replayed = await stripe.transfers.createReversal(transfer.id, { amount: 200 }, { idempotencyKey: "rev-1" });
    expect(replayed.id).toBe(part.id);
    await expect(stripe.transfers.createReversal(transfer.id, { amount: 400 })).rejects.toMatchObject({
      statusCode: 400,
      param: "amount",
    });
    expect((await stripe.transfers.retrieve(transfer.id)).reversed).toBe(false);
    expect((await stripe.transfers.createReversal(transfer.id)).amount).toBe(300);
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({ amount_reversed: 500, reversed: true });
    await expect(stripe.transfers.createReversal(transfer.id)).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("webhooks", () => {
  it("signs every event so the SDK verifies it, and retries failed deliveries", async () => {
    await emulator.control.webhooks.idle();
    received.length = 0;
    failuresToSimulate = 1;
    const customer = await stripe.customers.create({});
    await emulator.control.webhooks.idle();
    expect(received).toHaveLength(0);
    await emulator.control.webhooks.flush();
    expect(received).toHaveLength(1);
    const delivered = received[0] as { payload: string; signature: string };
    const verified = stripe.webhooks.constructEvent(
      delivered.payload,
      delivered.signature,
      SECRET,
      300,
      undefined,
      clock.now().getTime(),
    );
    expect(verified.type).toBe("customer.created");
    expect((verified.data.object as { id: string }).id).toBe(customer.id);
    expect(() =>
      stripe.webhooks.constructEvent(
        delivered.payload,
        delivered.signature,
        "whsec_wrong",
        300,
        undefined,
        clock.now().getTime(),
      ),
    ).toThrow();
  });

  it("pays out to a connected account's debit card and reports it paid", async () => {
    const account = await stripe.accounts.create({ type: "custom", country: "US" });
    await expect(
      stripe.accounts.createExternalAccount(account.id, { external_account: "tok_visa" }),
    ).rejects.toMatchObject({ code: "invalid_card_type" });
    await stripe.accounts.createExternalAccount(account.id, { external_account: "tok_visa_debit" });
    const payout = await stripe.payouts.create(
      { amount: 700, currency: "usd", method: "instant" },
      { stripeAccount: account.id },
    );
    expect(payout.status).toBe("in_transit");
    await emulator.control.webhooks.idle();
    expect((await stripe.payouts.retrieve(payout.id)).status).toBe("paid");
    const paid = emulator.control
      .events()
      .find((e) => e.type === "payout.paid" && (e.data as { object: { id: string } }).object.id === payout.id);
    expect(paid?.account).toBe(account.id);
  });
});
