import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureAccount, PLATFORM_OWNER } from "../src/features/ledger/accounts";
import { getBalance } from "../src/features/ledger/balances";
import { findAccountByOwner } from "../src/features/ledger/ledger.repository";
import { deliverWaitingPayments } from "../src/features/payments/deliver-payment";
import { newId } from "../src/platform/ids";
import { runSweep } from "../src/sweep";
import { enrollTestCard, enrollThreeDSecureCard } from "./cards-helpers";
import { createHarness, type Harness } from "./harness";
import {
  confirmWithPasskey,
  confirmWithPin,
  directThread,
  expectMoneyAccountedFor,
  type Person,
  PIN,
  paymentOf,
  send,
  sender,
  sendOk,
  settle,
} from "./payment-helpers";
import { setTier } from "./risk-helpers";
import { newAuthenticator, registerPasskey, setPin } from "./security-helpers";

let h: Harness;
let n = 0;
const handle = (base: string) => `${base}_${n++}`;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
afterEach(() => expectMoneyAccountedFor(h));

/** The Stripe transfers made for a payment, oldest first. */
const transfersOf = (paymentId: string): string[] =>
  h.emulator.control
    .events()
    .filter((e) => e.type === "transfer.created")
    .map((e) => e.data.object as { id: string; transfer_group: string | null })
    .filter((t) => t.transfer_group === paymentId)
    .map((t) => t.id);

/** Alice pays a Bob whose payout card is ready, while Stripe fails every payout; returns once the webhooks are handled. */
async function payWithFailingPayout(amountMinor: number): Promise<{ bob: Person; id: string }> {
  const alice = await sender(h, handle("alice"));
  const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
  await enrollTestCard(h, bob, "visa_debit", { payout: true });
  const thread = await directThread(h, alice, bob);
  h.emulator.control.payouts.fail = true;
  try {
    const created = await sendOk(h, alice, thread, bob, amountMinor);
    expect(await (await confirmWithPin(h, alice, created)).json()).toMatchObject({ status: "paying_out" });
    await settle(h);
    return { bob, id: created.payment.id };
  } finally {
    h.emulator.control.payouts.fail = false;
  }
}

const accountOf = async (userId: string): Promise<string> =>
  (
    await h.db
      .selectFrom("payout_destinations")
      .select("account_id")
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow()
  ).account_id;

const reversalsOf = (paymentId: string) =>
  h.db.selectFrom("payout_reversals").select(["transfer_id", "state"]).where("payment_id", "=", paymentId).execute();

const walletOf = async (userId: string) => {
  const account = await findAccountByOwner(h.db, { ownerId: userId, purpose: "wallet", currency: "USD" });
  return account ? (await getBalance(h.db, account.id)).posted : 0n;
};

describe("sending in a thread", () => {
  it("Alice pays Bob $12.34 with her PIN; Bob adds a card and is paid out; histories and ledger agree", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);

    const created = await sendOk(h, alice, thread, bob, 1234, "pizza");
    expect(created.payment).toMatchObject({
      status: "requires_confirmation",
      amount_minor: 1234,
      memo: "pizza",
      actions: ["confirm", "cancel"],
    });
    expect(created.confirmation?.methods.map((m) => m.method)).toEqual(["pin"]);

    const confirmed = await confirmWithPin(h, alice, created);
    expect(confirmed.status, await confirmed.clone().text()).toBe(200);
    expect(await confirmed.json()).toMatchObject({ status: "awaiting_recipient", funding: "card" });

    const bobsView = await paymentOf(h, bob, created.payment.id);
    expect(bobsView).toMatchObject({ status: "awaiting_recipient", actions: ["decline", "add_card_to_receive"] });
    const messages = (await (
      await h.request("GET", `/v1/threads/${thread}/messages`, { token: bob.token })
    ).json()) as {
      items: { kind: string; payment_id: string | null }[];
    };
    expect(messages.items[0]).toMatchObject({ kind: "payment", payment_id: created.payment.id });
    const live = await h.db.selectFrom("user_events").select("type").where("user_id", "=", bob.id).execute();
    expect(live.map((e) => e.type)).toContain("message.created");

    expect((await enrollTestCard(h, bob, "mastercard_debit", { payout: true })).status).toBe(201);
    await settle(h);
    expect((await paymentOf(h, bob, created.payment.id)).status).toBe("paid_out");

    const [sent, received] = await Promise.all([
      h.request("GET", "/v1/payments?direction=sent", { token: alice.token }).then((r) => r.json()),
      h.request("GET", "/v1/payments?direction=received", { token: bob.token }).then((r) => r.json()),
    ]);
    expect((sent as { items: { id: string; status: string }[] }).items).toEqual([
      expect.objectContaining({ id: created.payment.id, status: "paid_out" }),
    ]);
    expect((received as { items: { id: string; status: string }[] }).items).toEqual([
      expect.objectContaining({ id: created.payment.id, status: "paid_out" }),
    ]);
    expect(await walletOf(bob.id)).toBe(0n);

    const receipt = (await (
      await h.request("GET", `/v1/payments/${created.payment.id}/receipt`, { token: alice.token })
    ).json()) as {
      timeline: { status: string }[];
    };
    expect(receipt.timeline.map((t) => t.status)).toEqual([
      "requires_confirmation",
      "processing",
      "awaiting_recipient",
      "paying_out",
      "paid_out",
    ]);
    const charges = h.emulator.control
      .events()
      .filter(
        (e) =>
          e.type === "payment_intent.succeeded" &&
          (e.data.object as { metadata: { payment_id?: string } }).metadata.payment_id === created.payment.id,
      );
    expect(charges).toHaveLength(1);
  });

  it("pays out at once to a recipient who already has a payout card", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    await enrollTestCard(h, bob, "visa_debit", { payout: true });
    const thread = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, thread, bob, 500);
    expect(await (await confirmWithPin(h, alice, created)).json()).toMatchObject({ status: "paying_out" });
    await settle(h);
    expect((await paymentOf(h, alice, created.payment.id)).status).toBe("paid_out");
  });

  it("reverses a failed payout's transfer, gives the money back to the wallet, and pays out on the next attempt", async () => {
    const { bob, id } = await payWithFailingPayout(900);
    expect(await paymentOf(h, bob, id)).toMatchObject({ status: "awaiting_recipient" });
    expect(await walletOf(bob.id)).toBe(900n);
    const [first] = transfersOf(id);
    expect(first && h.emulator.control.object(first)).toMatchObject({ amount_reversed: 900, reversed: true });
    expect(await reversalsOf(id)).toEqual([{ transfer_id: first, state: "done" }]);

    await deliverWaitingPayments(h.deps, bob.id);
    await settle(h);
    expect((await paymentOf(h, bob, id)).status).toBe("paid_out");
    expect(await walletOf(bob.id)).toBe(0n);
    const [, second] = transfersOf(id);
    expect(second && h.emulator.control.object(second)).toMatchObject({ amount: 900, reversed: false });
  });

  it("retries a transfer reversal Stripe did not take from the sweep, and reverses it once", async () => {
    // Every try the SDK makes at the reversal fails (its own retries included).
    const tries = h.config.stripe.maxNetworkRetries + 1;
    h.emulator.control.failNext(...Array.from({ length: tries }, () => ({ status: 500 as const, on: /reversals$/ })));
    const { bob, id } = await payWithFailingPayout(400);
    expect((await paymentOf(h, bob, id)).status).toBe("awaiting_recipient");
    const [transfer] = transfersOf(id);
    expect(transfer && h.emulator.control.object(transfer)).toMatchObject({ reversed: false });
    expect(await reversalsOf(id)).toEqual([{ transfer_id: transfer, state: "pending" }]);

    h.clock.advance(60_000);
    expect((await runSweep(h.deps))?.payments?.reversalsRetried).toBeGreaterThanOrEqual(1);
    expect(await reversalsOf(id)).toEqual([{ transfer_id: transfer, state: "done" }]);
    expect(transfer && h.emulator.control.object(transfer)).toMatchObject({ amount_reversed: 400, reversed: true });

    // A reversal Stripe made whose record was lost (say, the process died before writing it) is
    // found on the next sweep and recorded, not made again.
    const [before] = await h.db
      .selectFrom("payout_reversals")
      .select("reversal_id")
      .where("payment_id", "=", id)
      .execute();
    await h.db
      .updateTable("payout_reversals")
      .set({ state: "pending", reversal_id: null })
      .where("payment_id", "=", id)
      .execute();
    h.clock.advance(60_000);
    await runSweep(h.deps);
    const [after] = await h.db
      .selectFrom("payout_reversals")
      .select(["state", "reversal_id"])
      .where("payment_id", "=", id)
      .execute();
    expect(after).toEqual({ state: "done", reversal_id: before?.reversal_id });
    const reversals = h.emulator.control.object(transfer as string)?.reversals as { data: unknown[] } | undefined;
    expect(reversals?.data).toHaveLength(1);
  });

  it("keeps a payout whose answer was lost when the destination goes away, and it is paid", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    await enrollTestCard(h, bob, "visa_debit", { payout: true });
    const thread = await directThread(h, alice, bob);
    h.emulator.control.payouts.auto = false;
    try {
      const created = await sendOk(h, alice, thread, bob, 650);
      await confirmWithPin(h, alice, created);
      await settle(h);
      const id = created.payment.id;
      // Stripe made the payout, but its id never reached the database; then Bob's account is restricted.
      await h.db.updateTable("payments").set({ payout_id: null }).where("id", "=", id).execute();
      h.emulator.control.restrictAccount(await accountOf(bob.id), "requirements.past_due");
      await settle(h);
      h.clock.advance(60_000);
      await runSweep(h.deps);
      expect(await paymentOf(h, bob, id)).toMatchObject({ status: "paying_out" });
      expect(await reversalsOf(id)).toEqual([]);

      h.emulator.control.settlePayouts();
      await settle(h);
      expect((await paymentOf(h, bob, id)).status).toBe("paid_out");
      expect(await walletOf(bob.id)).toBe(0n);
      const [transfer] = transfersOf(id);
      expect(transfer && h.emulator.control.object(transfer)).toMatchObject({ reversed: false });
    } finally {
      h.emulator.control.payouts.auto = true;
    }
  });

  it("ends an attempt whose payout was never made once the destination goes away, and reverses its transfer", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    await enrollTestCard(h, bob, "visa_debit", { payout: true });
    const thread = await directThread(h, alice, bob);
    // Stripe restricts Bob's account, and the service hears of it only after it has made the
    // transfer and been refused the payout.
    const { webhooks } = h.emulator.control;
    webhooks.mode.hold = true;
    let id: string;
    try {
      h.emulator.control.restrictAccount(await accountOf(bob.id), "requirements.past_due");
      const created = await sendOk(h, alice, thread, bob, 500);
      expect(await (await confirmWithPin(h, alice, created)).json()).toMatchObject({ status: "paying_out" });
      id = created.payment.id;
    } finally {
      webhooks.mode.hold = false;
      await webhooks.flush();
    }
    await settle(h);
    const [transfer] = transfersOf(id);
    expect(await paymentOf(h, bob, id)).toMatchObject({ status: "awaiting_recipient" });
    expect(await walletOf(bob.id)).toBe(500n);
    expect(await reversalsOf(id)).toEqual([{ transfer_id: transfer, state: "done" }]);
    expect(transfer && h.emulator.control.object(transfer)).toMatchObject({ amount_reversed: 500, reversed: true });
  });

  it("confirms with a passkey (biometric)", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const authenticator = newAuthenticator();
    await registerPasskey(h, alice, authenticator);
    const thread = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, thread, bob, 700);
    const res = await confirmWithPasskey(h, alice, created, authenticator);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ status: "awaiting_recipient" });
  });

  it("spends from the wallet when it covers the amount, without charging a card", async () => {
    const alice = await sender(h, handle("alice"), null);
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const wallet = await ensureAccount(h.db, { ownerId: alice.id, purpose: "wallet", currency: "USD" }, h.clock.now());
    const platform = await ensureAccount(
      h.db,
      { ownerId: PLATFORM_OWNER, purpose: "card_funding", currency: "USD" },
      h.clock.now(),
    );
    await h.ledger.createTransfers([
      {
        id: newId("ltx"),
        type: "posted",
        debitAccountId: platform.id,
        creditAccountId: wallet.id,
        amountMinor: 2_000n,
        currency: "USD",
      },
    ]);
    const intentsBefore = h.emulator.control.events().filter((e) => e.type === "payment_intent.created").length;
    const created = await sendOk(h, alice, thread, bob, 1_500);
    expect(await (await confirmWithPin(h, alice, created)).json()).toMatchObject({
      status: "awaiting_recipient",
      funding: "wallet",
    });
    expect(await walletOf(alice.id)).toBe(500n);
    expect(await walletOf(bob.id)).toBe(1_500n);
    expect(h.emulator.control.events().filter((e) => e.type === "payment_intent.created").length).toBe(intentsBefore);

    const over = await send(h, alice, thread, { recipient_id: bob.id, amount_minor: 501, currency: "USD" });
    expect(over.status).toBe(422);
    expect(((await over.json()) as { code: string }).code).toBe("NO_FUNDING_SOURCE");

    // With too little in the wallet, the card pays instead (and the wallet is left alone).
    expect((await enrollTestCard(h, alice, "visa_debit")).status).toBe(201);
    const byCard = await sendOk(h, alice, thread, bob, 700);
    expect(await (await confirmWithPin(h, alice, byCard)).json()).toMatchObject({
      funding: "card",
      status: "awaiting_recipient",
    });
    expect(await walletOf(alice.id)).toBe(500n);
  });
});

describe("when the card is difficult", () => {
  it("finishes 3-D Secure from Stripe's webhook", async () => {
    const alice = { ...(await h.signIn(handle("alice"))), handle: "alice" };
    await setPin(h, alice, PIN);
    expect((await enrollThreeDSecureCard(h, alice)).status).toBe(201);

    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, thread, bob, 2_500);
    const pending = (await (await confirmWithPin(h, alice, created)).json()) as {
      status: string;
      next_action: { payment_intent_id: string; client_secret: string };
    };
    expect(pending.status).toBe("requires_action");
    expect(pending.next_action.client_secret).toMatch(/_secret_/);
    expect((await paymentOf(h, bob, created.payment.id)).next_action).toBeNull();
    // The secret is read from Stripe when the sender asks; it is never stored or put in events.
    expect((await paymentOf(h, alice, created.payment.id)).next_action?.client_secret).toBe(
      pending.next_action.client_secret,
    );
    const stored = await h.db.selectFrom("user_events").select("data").where("user_id", "=", alice.id).execute();
    expect(JSON.stringify(stored)).not.toContain("_secret_");

    await fetch(
      `http://${h.emulator.host}:${h.emulator.port}/_emulator/payment_intents/${pending.next_action.payment_intent_id}/authenticate`,
      { method: "POST" },
    );
    await settle(h);
    expect((await paymentOf(h, alice, created.payment.id)).status).toBe("awaiting_recipient");
  });

  it("reports a declined card as failed with a human reason, and moves nothing", async () => {
    const alice = await sender(h, handle("alice"), "chargeCustomerFail");
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, thread, bob, 900);
    const failed = await (await confirmWithPin(h, alice, created)).json();
    expect(failed).toMatchObject({
      status: "failed",
      failure: { code: "generic_decline", message: "Your card was declined." },
    });
    expect(await walletOf(bob.id)).toBe(0n);
    const holds = await h.db
      .selectFrom("ledger_transfers")
      .select(["kind", "state"])
      .where("reference", "=", created.payment.id)
      .orderBy("seq")
      .execute();
    expect(holds).toEqual([
      { kind: "pending", state: "voided" },
      { kind: "void_pending", state: null },
    ]);
  });

  it("charges once when the same confirmation is retried 20 times at once", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, thread, bob, 1_000);
    const responses = await Promise.all(Array.from({ length: 20 }, () => confirmWithPin(h, alice, created)));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of responses) expect([200, 409]).toContain(r.status);
    await settle(h);
    const intents = h.emulator.control
      .events()
      .filter(
        (e) =>
          e.type === "payment_intent.created" &&
          (e.data.object as { metadata: { payment_id?: string } }).metadata.payment_id === created.payment.id,
      );
    expect(intents).toHaveLength(1);
    expect(await walletOf(bob.id)).toBe(1_000n);
  });
});

describe("Stripe's webhooks for payments", () => {
  it("apply duplicated and reordered deliveries once, converging on Stripe's state", async () => {
    const alice = { ...(await h.signIn(handle("alice"))), handle: "alice" };
    await setPin(h, alice, PIN);
    expect((await enrollThreeDSecureCard(h, alice)).status).toBe(201);
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    await enrollTestCard(h, bob, "visa_debit", { payout: true });
    const thread = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, thread, bob, 1_800);
    const pending = (await (await confirmWithPin(h, alice, created)).json()) as {
      next_action: { payment_intent_id: string };
    };
    await settle(h);

    // Every event from here on arrives twice, held back, then newest first.
    Object.assign(h.emulator.control.webhooks.mode, { duplicate: true, hold: true, reorder: true });
    try {
      await fetch(
        `http://${h.emulator.host}:${h.emulator.port}/_emulator/payment_intents/${pending.next_action.payment_intent_id}/authenticate`,
        { method: "POST" },
      );
      await h.emulator.control.webhooks.flush();
      await settle(h);
      await h.emulator.control.webhooks.flush();
      await settle(h);
    } finally {
      Object.assign(h.emulator.control.webhooks.mode, { duplicate: false, hold: false, reorder: false });
    }
    expect((await paymentOf(h, alice, created.payment.id)).status).toBe("paid_out");
    const audit = await h.db
      .selectFrom("payment_audit")
      .select("to_status")
      .where("payment_id", "=", created.payment.id)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.to_status)).toEqual([
      "requires_confirmation",
      "processing",
      "requires_action",
      "paying_out",
      "paid_out",
    ]);
    const transfers = await h.db
      .selectFrom("ledger_transfers")
      .select("id")
      .where("reference", "=", created.payment.id)
      .execute();
    expect(transfers.map((t) => t.id).sort()).toEqual(
      [".hold", ".hold.post", ".payout.1", ".payout.1.post"].map((suffix) => `${created.payment.id}${suffix}`).sort(),
    );
  });
});

describe("returning money", () => {
  it("lets the sender cancel before confirming (nothing moved) and while it waits (refunded to the card)", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const unconfirmed = await sendOk(h, alice, thread, bob, 300);
    const canceled = await h.request("POST", `/v1/payments/${unconfirmed.payment.id}/cancel`, { token: alice.token });
    expect(await canceled.json()).toMatchObject({ status: "canceled", funding: null });

    const waiting = await sendOk(h, alice, thread, bob, 400);
    await confirmWithPin(h, alice, waiting);
    const refunded = await h.request("POST", `/v1/payments/${waiting.payment.id}/cancel`, { token: alice.token });
    expect(await refunded.json()).toMatchObject({ status: "canceled", funding: "card" });
    await settle(h);
    const row = await h.db
      .selectFrom("payments")
      .selectAll()
      .where("id", "=", waiting.payment.id)
      .executeTakeFirstOrThrow();
    expect(row.refund_state).toBe("succeeded");
    expect(await walletOf(bob.id)).toBe(0n);
    expect((await h.request("POST", `/v1/payments/${waiting.payment.id}/decline`, { token: bob.token })).status).toBe(
      409,
    );
  });

  it("lets the recipient decline; the money goes back", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, thread, bob, 650);
    await confirmWithPin(h, alice, created);
    const declined = await h.request("POST", `/v1/payments/${created.payment.id}/decline`, { token: bob.token });
    expect(await declined.json()).toMatchObject({ status: "declined" });
    expect((await h.request("POST", `/v1/payments/${created.payment.id}/decline`, { token: alice.token })).status).toBe(
      404,
    );
  });

  it("expires unconfirmed payments after 15 minutes and refunds unclaimed ones after 7 days", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const unconfirmed = await sendOk(h, alice, thread, bob, 111);
    const unclaimed = await sendOk(h, alice, thread, bob, 222);
    await confirmWithPin(h, alice, unclaimed);

    h.clock.advance(15 * 60_000);
    const late = await confirmWithPin(h, alice, unconfirmed);
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe("PAYMENT_EXPIRED");

    h.clock.advance(7 * 86_400_000);
    const swept = await runSweep(h.deps);
    expect(swept?.payments?.refundedUnclaimed).toBeGreaterThanOrEqual(1);
    const rows = await h.db
      .selectFrom("payments")
      .select(["id", "status", "refund_state"])
      .where("id", "in", [unconfirmed.payment.id, unclaimed.payment.id])
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.status, r.refund_state]]))).toEqual({
      [unconfirmed.payment.id]: ["expired", null],
      [unclaimed.payment.id]: ["refunded", "succeeded"],
    });
  });
});

describe("bad input changes nothing", () => {
  it("refuses each kind of bad payment with a clear 4xx", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const carol = { ...(await h.signIn(handle("carol"))), handle: "carol" };
    const thread = await directThread(h, alice, bob);
    const before = await h.db
      .selectFrom("payments")
      .select((eb) => eb.fn.countAll<bigint>().as("n"))
      .executeTakeFirstOrThrow();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ recipient_id: alice.id, amount_minor: 100, currency: "USD" }, 422, "CANNOT_PAY_SELF"],
      [{ recipient_id: carol.id, amount_minor: 100, currency: "USD" }, 422, "RECIPIENT_NOT_IN_THREAD"],
      [{ recipient_id: bob.id, amount_minor: 0, currency: "USD" }, 422, "VALIDATION_FAILED"],
      [{ recipient_id: bob.id, amount_minor: -5, currency: "USD" }, 422, "VALIDATION_FAILED"],
      [{ recipient_id: bob.id, amount_minor: 12.5, currency: "USD" }, 422, "VALIDATION_FAILED"],
      [{ recipient_id: bob.id, amount_minor: 10 ** 12, currency: "USD" }, 422, "LIMIT_EXCEEDED"],
      [{ recipient_id: bob.id, amount_minor: 100, currency: "EUR" }, 422, "CURRENCY_NOT_SUPPORTED"],
      [{ recipient_id: bob.id, amount_minor: 100, currency: "usd" }, 422, "VALIDATION_FAILED"],
      [{ recipient_id: bob.id, amount_minor: 100, currency: "USD", memo: "x".repeat(141) }, 422, "VALIDATION_FAILED"],
      [
        { recipient_id: bob.id, amount_minor: 100, currency: "USD", memo: "my card 4242 4242 4242 4242 thanks" },
        422,
        "MEMO_CONTAINS_CARD_NUMBER",
      ],
      [{ recipient_id: bob.id, amount_minor: 100, currency: "USD", tip: 5 }, 422, "VALIDATION_FAILED"],
    ];
    for (const [body, status, code] of cases) {
      const res = await send(h, alice, thread, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { code: string }).code, JSON.stringify(body)).toBe(code);
    }
    const noKey = await send(h, alice, thread, { recipient_id: bob.id, amount_minor: 100, currency: "USD" }, null);
    expect(((await noKey.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_REQUIRED");
    const outsider = await send(h, carol, thread, { recipient_id: bob.id, amount_minor: 100, currency: "USD" });
    expect(outsider.status).toBe(404);
    const after = await h.db
      .selectFrom("payments")
      .select((eb) => eb.fn.countAll<bigint>().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("keeps payments private to their two people", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const mallory = { ...(await h.signIn(handle("mallory"))), handle: "mallory" };
    const thread = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, thread, bob, 100);
    for (const [method, path] of [
      ["GET", `/v1/payments/${created.payment.id}`],
      ["GET", `/v1/payments/${created.payment.id}/receipt`],
      ["POST", `/v1/payments/${created.payment.id}/cancel`],
      ["POST", `/v1/payments/${created.payment.id}/decline`],
      ["POST", `/v1/payments/${created.payment.id}/confirmation`],
      ["GET", `/v1/threads/${thread}/payments`],
    ] as const) {
      const res = await h.request(method, path, { token: mallory.token });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const confirm = await h.request("POST", `/v1/payments/${created.payment.id}/confirm`, {
      token: mallory.token,
      body: { challenge_id: created.confirmation?.challenge_id, method: "pin", response: { pin: PIN } },
    });
    expect(confirm.status).toBe(404);
    expect(
      ((await (await h.request("GET", "/v1/payments", { token: mallory.token })).json()) as { items: unknown[] }).items,
    ).toEqual([]);
    expect((await paymentOf(h, alice, created.payment.id)).status).toBe("requires_confirmation");
  });
});

describe("limits", () => {
  it("applies lower limits to a new account and says when the 24-hour limit frees up", async () => {
    const alice = await sender(h, handle("alice"));
    // Verified: unverified people confirm payments this large with a passkey (a risk rule), not a PIN.
    await setTier(h, alice, "verified");
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const tooBig = await send(h, alice, thread, { recipient_id: bob.id, amount_minor: 50_001, currency: "USD" });
    expect(await tooBig.json()).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "per_payment", limit_minor: 50_000 });

    for (const amount of [50_000, 50_000]) await confirmWithPin(h, alice, await sendOk(h, alice, thread, bob, amount));
    const overDaily = await send(h, alice, thread, { recipient_id: bob.id, amount_minor: 1, currency: "USD" });
    const body = (await overDaily.json()) as { code: string; limit: string; resets_at: string };
    expect(body).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "daily" });
    expect(new Date(body.resets_at).getTime()).toBe(h.clock.now().getTime() + 86_400_000);
  });

  it("allows at most 5 payments waiting for confirmation", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    for (let i = 0; i < 5; i++) await sendOk(h, alice, thread, bob, 10);
    const sixth = await send(h, alice, thread, { recipient_id: bob.id, amount_minor: 10, currency: "USD" });
    expect(sixth.status).toBe(429);
    expect(((await sixth.json()) as { code: string }).code).toBe("TOO_MANY_PENDING_PAYMENTS");
  });

  it("replays a retried send with the same Idempotency-Key instead of paying twice", async () => {
    const alice = await sender(h, handle("alice"));
    const bob = { ...(await h.signIn(handle("bob"))), handle: "bob" };
    const thread = await directThread(h, alice, bob);
    const body = { recipient_id: bob.id, amount_minor: 75, currency: "USD" };
    const first = await send(h, alice, thread, body, "same-key");
    const again = await send(h, alice, thread, body, "same-key");
    expect(((await again.json()) as { payment: { id: string } }).payment.id).toBe(
      ((await first.json()) as { payment: { id: string } }).payment.id,
    );
    const other = await send(h, alice, thread, { ...body, amount_minor: 76 }, "same-key");
    expect(other.status).toBe(422);
  });
});
