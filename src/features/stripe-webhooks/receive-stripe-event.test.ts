import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { enrollTestCard } from "../../../test/cards-helpers";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  Object.assign(h.emulator.control.webhooks.mode, { duplicate: false, hold: false, reorder: false });
  await h.emulator.control.webhooks.flush();
});

const recorded = async () =>
  (await h.db.selectFrom("stripe_events").select("event_id").execute()).map((r) => r.event_id);
const post = (payload: string, signature: string) =>
  h.request("POST", "/v1/stripe/webhook", { body: payload, headers: { "Stripe-Signature": signature } });
const sign = (
  payload: string,
  timestamp = Math.floor(h.clock.now().getTime() / 1000),
  secret = h.deps.stripe.webhookSecret,
) => h.deps.stripe.sdk.webhooks.generateTestHeaderString({ payload, secret, timestamp });
const event = (type: string, object: object) =>
  JSON.stringify({
    id: `evt_test_${n++}`,
    object: "event",
    type,
    created: 0,
    livemode: false,
    data: { object },
    api_version: null,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  });

async function payoutPerson() {
  const p = await h.signIn(`receiver_${n++}`);
  await enrollTestCard(h, p, "visa_debit", { payout: true });
  const destination = await h.db
    .selectFrom("payout_destinations")
    .selectAll()
    .where("user_id", "=", p.id)
    .executeTakeFirstOrThrow();
  return { ...p, accountId: destination.account_id };
}

const stateOf = async (userId: string) =>
  await h.db
    .selectFrom("payout_destinations")
    .select(["state", "restricted_reason"])
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();

describe("Stripe webhook endpoint", () => {
  it("accepts the emulator's signed events and records each once", async () => {
    await payoutPerson();
    await h.emulator.control.webhooks.idle();
    const sent = h.emulator.control.events().map((e) => e.id);
    expect(new Set(await recorded())).toEqual(new Set(sent));
  });

  it("refuses a bad or stale signature with 400 and records nothing", async () => {
    const payload = event("payment_intent.succeeded", { id: "pi_x", object: "payment_intent" });
    const before = await recorded();
    const wrongKey = await post(payload, sign(payload, undefined, "whsec_someone_else_entirely_0123456789"));
    const stale = await post(payload, sign(payload, Math.floor(h.clock.now().getTime() / 1000) - 301));
    const missing = await h.request("POST", "/v1/stripe/webhook", { body: payload });
    for (const [label, res] of [
      ["wrong key", wrongKey],
      ["stale", stale],
      ["missing", missing],
    ] as const) {
      expect(res.status, label).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe("WEBHOOK_SIGNATURE_INVALID");
    }
    expect(await recorded()).toEqual(before);
    const fresh = await post(payload, sign(payload, Math.floor(h.clock.now().getTime() / 1000) - 299));
    expect(fresh.status).toBe(200);
  });

  it("acknowledges events whose effects come with the payment flow, and records them", async () => {
    for (const type of [
      "payment_intent.succeeded",
      "payment_intent.payment_failed",
      "payment_intent.requires_action",
      "charge.refunded",
      "charge.dispute.created",
      "payout.paid",
      "payout.failed",
      "setup_intent.succeeded",
    ]) {
      const payload = event(type, { id: `obj_${n++}`, object: type.split(".")[0] });
      const res = await post(payload, sign(payload));
      expect(res.status, type).toBe(200);
      expect(await res.json()).toEqual({ received: true, duplicate: false });
    }
  });

  it("applies duplicated deliveries once", async () => {
    const p = await payoutPerson();
    await h.emulator.control.webhooks.idle();
    const delivered = h.emulator.control.webhooks.deliveredCount();
    h.emulator.control.webhooks.mode.duplicate = true;
    h.emulator.control.restrictAccount(p.accountId, "requirements.past_due");
    await h.emulator.control.webhooks.idle();
    expect(h.emulator.control.webhooks.deliveredCount() - delivered).toBe(2);
    const rows = await h.db
      .selectFrom("stripe_events")
      .selectAll()
      .where("account_id", "=", p.accountId)
      .where("type", "=", "account.updated")
      .execute();
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
    expect(await stateOf(p.id)).toEqual({ state: "restricted", restricted_reason: "requirements.past_due" });
  });

  it("converges on Stripe's latest state when deliveries arrive late and out of order", async () => {
    const p = await payoutPerson();
    await h.emulator.control.webhooks.idle();
    Object.assign(h.emulator.control.webhooks.mode, { hold: true, reorder: true });
    h.emulator.control.restrictAccount(p.accountId, "requirements.past_due");
    h.emulator.control.restrictAccount(p.accountId, null);
    expect(await stateOf(p.id)).toEqual({ state: "ready", restricted_reason: null });
    await h.emulator.control.webhooks.flush();
    expect(await stateOf(p.id)).toEqual({ state: "ready", restricted_reason: null });

    h.emulator.control.restrictAccount(p.accountId, null);
    h.emulator.control.restrictAccount(p.accountId, "rejected.fraud");
    await h.emulator.control.webhooks.flush();
    expect(await stateOf(p.id)).toEqual({ state: "restricted", restricted_reason: "rejected.fraud" });
    expect(await (await h.request("GET", "/v1/me/payouts", { token: p.token })).json()).toMatchObject({
      state: "restricted",
    });
  });

  it("removes a card that was detached at Stripe", async () => {
    const p = await h.signIn(`detached_${n++}`);
    const card = (await (await enrollTestCard(h, p, "visa_debit")).json()) as { id: string };
    const row = await h.db.selectFrom("cards").selectAll().where("id", "=", card.id).executeTakeFirstOrThrow();
    await h.deps.stripe.sdk.paymentMethods.detach(row.payment_method_id);
    await h.emulator.control.webhooks.idle();
    expect(
      (await h.db.selectFrom("cards").select("removed_at").where("id", "=", card.id).executeTakeFirstOrThrow())
        .removed_at,
    ).not.toBeNull();
    expect(await (await h.request("GET", "/v1/cards", { token: p.token })).json()).toEqual({ items: [] });
  });
});
