import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmSetupAtStripe, enrollTestCard } from "../../../test/cards-helpers";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** A new person for each story, so stories do not share cards. */
const person = () => h.signIn(`person_${n++}`);
const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;
const paymentMethodsAtStripe = (customerId: string) =>
  h.deps.stripe.sdk.paymentMethods.list({ customer: customerId, type: "card" });
const customerOf = async (userId: string) =>
  (
    await h.db
      .selectFrom("stripe_customers")
      .select("customer_id")
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow()
  ).customer_id;

describe("enrolling each of Stripe's test cards", () => {
  it.each([
    ["visa_debit", 201, "5556"],
    ["mastercard_debit", 201, "8210"],
    ["chargeCustomerFail", 201, "0341"],
    ["createDispute", 201, "0259"],
  ])("%s is enrolled", async (name, status, last4) => {
    const p = await person();
    const res = await enrollTestCard(h, p, name);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ last4, funding: "debit", is_default: true, receives_payouts: false });
    const stored = await h.db.selectFrom("cards").selectAll().where("user_id", "=", p.id).execute();
    expect(Object.keys(stored[0] ?? {}).sort()).toEqual(
      [
        "brand",
        "country",
        "created_at",
        "exp_month",
        "exp_year",
        "fingerprint",
        "funding",
        "id",
        "is_default",
        "last4",
        "payment_method_id",
        "removed_at",
        "user_id",
      ].sort(),
    );
  });

  it.each([["visa"], ["mastercard_prepaid"]])(
    "%s (not debit) is refused with a clear 422 and detached at Stripe",
    async (name) => {
      const p = await person();
      const res = await enrollTestCard(h, p, name);
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe("CARD_NOT_DEBIT");
      expect(body.detail).toMatch(/debit cards only/);
      expect((await paymentMethodsAtStripe(await customerOf(p.id))).data).toEqual([]);
      expect(await h.db.selectFrom("cards").selectAll().where("user_id", "=", p.id).execute()).toEqual([]);
    },
  );

  it.each([
    ["chargeDeclined"],
    ["chargeDeclinedInsufficientFunds"],
    ["chargeDeclinedLostCard"],
    ["chargeDeclinedExpiredCard"],
  ])("%s is declined by the bank and not saved", async (name) => {
    const p = await person();
    const res = await enrollTestCard(h, p, name);
    expect(res.status).toBe(422);
    expect(await codeOf(res)).toBe("CARD_DECLINED");
    expect(await h.db.selectFrom("cards").selectAll().where("user_id", "=", p.id).execute()).toEqual([]);
  });

  it("authenticationRequired needs 3-D Secure before it can be enrolled", async () => {
    const p = await person();
    const first = await enrollTestCard(h, p, "authenticationRequired");
    expect(first.status).toBe(409);
    expect(await codeOf(first)).toBe("SETUP_INCOMPLETE");
    const intent = (
      await h.db.selectFrom("stripe_customers").selectAll().where("user_id", "=", p.id).executeTakeFirstOrThrow()
    ).customer_id;
    const setups = h.emulator.control.events().filter((e) => e.type === "setup_intent.requires_action");
    const setupId = setups.at(-1)?.data.object as { id: string; customer: string };
    expect(setupId.customer).toBe(intent);
    await fetch(`http://${h.emulator.host}:${h.emulator.port}/_emulator/setup_intents/${setupId.id}/authenticate`, {
      method: "POST",
    });
    const done = await h.request("POST", "/v1/cards", { token: p.token, body: { setup_intent_id: setupId.id } });
    expect(done.status).toBe(201);
  });
});

describe("card rules", () => {
  it("is idempotent for the same setup, and refuses the same card twice", async () => {
    const p = await person();
    const setup = (await (await h.request("POST", "/v1/cards/setup", { token: p.token })).json()) as {
      setup_intent_id: string;
    };
    await confirmSetupAtStripe(h, setup.setup_intent_id, "pm_card_visa_debit");
    const first = await h.request("POST", "/v1/cards", {
      token: p.token,
      body: { setup_intent_id: setup.setup_intent_id },
    });
    const again = await h.request("POST", "/v1/cards", {
      token: p.token,
      body: { setup_intent_id: setup.setup_intent_id },
    });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);

    const duplicate = await enrollTestCard(h, p, "visa_debit");
    expect(duplicate.status).toBe(409);
    expect(await codeOf(duplicate)).toBe("CARD_ALREADY_ENROLLED");
    expect((await paymentMethodsAtStripe(await customerOf(p.id))).data).toHaveLength(1);
  });

  it("refuses a card that has expired, judged by the injected clock", async () => {
    const before = h.clock.now();
    h.clock.set(new Date("2035-01-01T00:00:00Z"));
    try {
      const p = await person();
      const res = await enrollTestCard(h, p, "visa_debit");
      expect(await codeOf(res)).toBe("CARD_EXPIRED");
    } finally {
      h.clock.set(before);
    }
  });

  it("allows at most 5 cards", async () => {
    const p = await person();
    for (const name of ["visa_debit", "mastercard_debit", "chargeCustomerFail", "createDispute"]) {
      expect((await enrollTestCard(h, p, name)).status).toBe(201);
    }
    const fifth = await h.request("POST", "/v1/cards/setup", { token: p.token });
    const { setup_intent_id } = (await fifth.json()) as { setup_intent_id: string };
    await confirmSetupAtStripe(h, setup_intent_id, "pm_card_authenticationRequired");
    await fetch(
      `http://${h.emulator.host}:${h.emulator.port}/_emulator/setup_intents/${setup_intent_id}/authenticate`,
      { method: "POST" },
    );
    expect((await h.request("POST", "/v1/cards", { token: p.token, body: { setup_intent_id } })).status).toBe(201);
    const sixth = await enrollTestCard(h, p, "visa_debit");
    expect(await codeOf(sixth)).toBe("CARD_LIMIT_REACHED");
    const listed = (await (await h.request("GET", "/v1/cards", { token: p.token })).json()) as {
      items: { is_default: boolean }[];
    };
    expect(listed.items).toHaveLength(5);
    expect(listed.items.filter((c) => c.is_default)).toHaveLength(1);
  });

  it("removes a card at Stripe and here, moves the default, and stops payouts to it", async () => {
    const p = await person();
    const a = (await (await enrollTestCard(h, p, "visa_debit", { payout: true })).json()) as { id: string };
    const b = (await (await enrollTestCard(h, p, "mastercard_debit")).json()) as { id: string };
    expect(await (await h.request("GET", "/v1/me/payouts", { token: p.token })).json()).toMatchObject({
      state: "ready",
      card: { id: a.id },
    });

    expect((await h.request("DELETE", `/v1/cards/${a.id}`, { token: p.token })).status).toBe(204);
    const cards = (await (await h.request("GET", "/v1/cards", { token: p.token })).json()) as {
      items: { id: string; is_default: boolean }[];
    };
    expect(cards.items).toEqual([expect.objectContaining({ id: b.id, is_default: true })]);
    expect((await paymentMethodsAtStripe(await customerOf(p.id))).data).toHaveLength(1);
    expect(await (await h.request("GET", "/v1/me/payouts", { token: p.token })).json()).toMatchObject({
      state: "needs_card",
      card: null,
    });
    expect((await h.request("DELETE", `/v1/cards/${a.id}`, { token: p.token })).status).toBe(404);
    const audit = await h.db
      .selectFrom("security_events")
      .select(["kind", "detail"])
      .where("user_id", "=", p.id)
      .orderBy("seq")
      .execute();
    expect(audit.map((e) => [e.kind, e.detail.card_id])).toEqual([
      ["card_added", a.id],
      ["card_added", b.id],
      ["card_removed", a.id],
    ]);
  });

  it("switches the default card", async () => {
    const p = await person();
    await enrollTestCard(h, p, "visa_debit");
    const second = (await (await enrollTestCard(h, p, "mastercard_debit")).json()) as {
      id: string;
      is_default: boolean;
    };
    expect(second.is_default).toBe(false);
    const res = await h.request("POST", `/v1/cards/${second.id}/default`, { token: p.token });
    expect(await res.json()).toMatchObject({ id: second.id, is_default: true });
    const defaults = await h.db
      .selectFrom("cards")
      .select("id")
      .where("user_id", "=", p.id)
      .where("is_default", "=", true)
      .execute();
    expect(defaults).toEqual([{ id: second.id }]);
  });
});

describe("receiving", () => {
  it("a person without a card needs one; a debit payout card makes them ready", async () => {
    const p = await person();
    expect(await (await h.request("GET", "/v1/me/payouts", { token: p.token })).json()).toMatchObject({
      state: "needs_card",
      detail: "Add a debit card to receive money.",
    });
    const card = await enrollTestCard(h, p, "mastercard_debit", { payout: true });
    expect(await card.json()).toMatchObject({ receives_payouts: true });
    const destination = await h.db
      .selectFrom("payout_destinations")
      .selectAll()
      .where("user_id", "=", p.id)
      .executeTakeFirstOrThrow();
    const account = await h.deps.stripe.sdk.accounts.retrieve(destination.account_id);
    expect(account.external_accounts?.data.map((x) => x.id)).toEqual([destination.external_account_id]);
  });

  it("refuses a payout token for a different card than the one enrolled", async () => {
    const p = await person();
    const setup = (await (await h.request("POST", "/v1/cards/setup", { token: p.token })).json()) as {
      setup_intent_id: string;
    };
    await confirmSetupAtStripe(h, setup.setup_intent_id, "pm_card_visa_debit");
    const res = await h.request("POST", "/v1/cards", {
      token: p.token,
      body: { setup_intent_id: setup.setup_intent_id, payout_token: "tok_mastercard_debit" },
    });
    expect(await codeOf(res)).toBe("PAYOUT_CARD_REFUSED");
    expect(await h.db.selectFrom("cards").selectAll().where("user_id", "=", p.id).execute()).toEqual([]);
  });
});

describe("when Stripe fails", () => {
  it.each([
    ["a 500", { status: 500 as const }],
    ["a 429", { status: 429 as const }],
  ])(
    "answers a retryable 503 after %s, with nothing half-written, and a retry creates one customer",
    async (_label, fault) => {
      const p = await person();
      const retries = h.config.stripe.maxNetworkRetries;
      h.emulator.control.failNext(...Array.from({ length: retries + 1 }, () => fault));
      const failed = await h.request("POST", "/v1/cards/setup", { token: p.token });
      expect(failed.status).toBe(503);
      expect(await codeOf(failed)).toBe("STRIPE_UNAVAILABLE");
      expect(await h.db.selectFrom("stripe_customers").selectAll().where("user_id", "=", p.id).execute()).toEqual([]);
      expect((await h.request("POST", "/v1/cards/setup", { token: p.token })).status).toBe(201);
      const customers = h.emulator.control
        .events()
        .filter(
          (e) =>
            e.type === "customer.created" &&
            (e.data as { object: { metadata: { user_id?: string } } }).object.metadata.user_id === p.id,
        );
      expect(customers).toHaveLength(1);
    },
  );
});

describe("a slow Stripe", () => {
  let slow: Harness;
  beforeAll(async () => {
    slow = await createHarness({ STRIPE_TIMEOUT_MS: "200", STRIPE_MAX_NETWORK_RETRIES: "0" });
  });
  afterAll(() => slow.close());

  it("times out into a retryable 503; the retry reuses the customer Stripe created meanwhile", async () => {
    const p = await slow.signIn("patient");
    slow.emulator.control.failNext({ delayMs: 400 });
    const timedOut = await slow.request("POST", "/v1/cards/setup", { token: p.token });
    expect(timedOut.status).toBe(503);
    await slow.emulator.control.webhooks.idle();
    const retried = await slow.request("POST", "/v1/cards/setup", { token: p.token });
    expect(retried.status).toBe(201);
    const created = slow.emulator.control.events().filter((e) => e.type === "customer.created");
    expect(created.length).toBeLessThanOrEqual(1);
  });
});
