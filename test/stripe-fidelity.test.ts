import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_SECRET_KEY } from "../src/stripe-emulator/catalog";
import { type RunningEmulator, serveStripeEmulator } from "../src/stripe-emulator/serve";
import { createTestClock } from "./test-clock";

/** Stripe's own example objects; present in this team's checkouts and CI, not in the repository. */
const FIXTURES = path.resolve("..", "shared", "stripe", "fixtures3.json");
const fixtures = existsSync(FIXTURES)
  ? (JSON.parse(readFileSync(FIXTURES, "utf8")) as { resources: Record<string, Record<string, unknown>> }).resources
  : undefined;

let emulator: RunningEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await serveStripeEmulator({
    port: 0,
    clock: createTestClock(),
    webhookSecret: "whsec_fidelity",
    deliver: async () => 200,
  });
  stripe = new Stripe(EMULATOR_SECRET_KEY, {
    host: emulator.host,
    port: emulator.port,
    protocol: "http",
    maxNetworkRetries: 0,
  });
});
afterAll(() => emulator.close());

const jsonType = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/** Same keys as Stripe's example, and the same JSON type for every value both sides set. */
function expectShape(name: string, ours: unknown, theirs: Record<string, unknown>) {
  const actual = JSON.parse(JSON.stringify(ours)) as Record<string, unknown>;
  expect(Object.keys(actual).sort(), `${name} keys`).toEqual(Object.keys(theirs).sort());
  for (const [key, value] of Object.entries(theirs)) {
    const a = jsonType(actual[key]);
    const b = jsonType(value);
    if (a !== "null" && b !== "null") expect(a, `${name}.${key}`).toBe(b);
  }
}

describe.skipIf(!fixtures)(`Stripe emulator fidelity against ${FIXTURES}`, () => {
  it("returns every object type with Stripe's keys and value types", async () => {
    const f = fixtures as NonNullable<typeof fixtures>;
    const customer = await stripe.customers.create({ email: "a@example.com" });
    const setup = await stripe.setupIntents.create({ customer: customer.id, usage: "off_session" });
    const confirmed = await stripe.setupIntents.confirm(setup.id, { payment_method: "pm_card_createDispute" });
    const pm = await stripe.paymentMethods.retrieve(confirmed.payment_method as string);
    const intent = await stripe.paymentIntents.create({
      amount: 1234,
      currency: "usd",
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      off_session: true,
    });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 100 });
    const account = await stripe.accounts.create({ type: "custom", country: "US" });
    const card = await stripe.accounts.createExternalAccount(account.id, { external_account: "tok_visa_debit" });
    const transfer = await stripe.transfers.create({ amount: 500, currency: "usd", destination: account.id });
    const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 200 });
    const payout = await stripe.payouts.create(
      { amount: 500, currency: "usd", method: "instant" },
      { stripeAccount: account.id },
    );
    const dispute = emulator.control.events().find((e) => e.type === "charge.dispute.created");
    const event = await stripe.events.retrieve(emulator.control.events()[0]?.id as string);

    expectShape("customer", customer, f.customer as Record<string, unknown>);
    expectShape("setup_intent", confirmed, f.setup_intent as Record<string, unknown>);
    expectShape("payment_method", pm, f.payment_method as Record<string, unknown>);
    expectShape("payment_method.card", pm.card, (f.payment_method as { card: Record<string, unknown> }).card);
    expectShape("payment_intent", intent, f.payment_intent as Record<string, unknown>);
    expectShape("charge", charge, f.charge as Record<string, unknown>);
    expectShape("refund", refund, f.refund as Record<string, unknown>);
    expectShape("account", await stripe.accounts.retrieve(account.id), f.account as Record<string, unknown>);
    expectShape("card", card, f.card as Record<string, unknown>);
    expectShape("transfer", transfer, f.transfer as Record<string, unknown>);
    expectShape("transfer_reversal", reversal, f.transfer_reversal as Record<string, unknown>);
    expectShape("payout", payout, f.payout as Record<string, unknown>);
    expectShape(
      "dispute",
      (dispute as { data: { object: unknown } }).data.object,
      f.dispute as Record<string, unknown>,
    );
    expectShape("event", event, f.event as Record<string, unknown>);
  });
});

it.skipIf(fixtures)(
  `Stripe fidelity comparison skipped: ${FIXTURES} is absent (it ships with this team's checkouts and CI)`,
  () => {},
);
