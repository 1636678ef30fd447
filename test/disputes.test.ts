import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PLATFORM_OWNER } from "../src/features/ledger/accounts";
import { ownerBalance } from "../src/features/ledger/balances";
import { runSweep } from "../src/sweep";
import { enrollTestCard } from "./cards-helpers";
import { createHarness, type Harness } from "./harness";
import {
  confirmWithPin,
  directThread,
  expectMoneyAccountedFor,
  type Person,
  paymentOf,
  sender,
  sendOk,
  settle,
} from "./payment-helpers";

let h: Harness;
let n = 0;
const handle = (base: string) => `${base}_${n++}`;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
afterEach(() => expectMoneyAccountedFor(h));

const AMOUNT = 2_500;

const wallet = async (userId: string) =>
  (await ownerBalance(h.db, { ownerId: userId, purpose: "wallet", currency: "USD" })) ?? {
    posted: 0n,
    pending: 0n,
    available: 0n,
  };
/** The platform's disputes account, seen as the platform's loss: debits minus credits, posted. */
const disputesLoss = async () => {
  const b = await ownerBalance(h.db, { ownerId: PLATFORM_OWNER, purpose: "disputes", currency: "USD" });
  return b ? -b.posted : 0n;
};

/**
 * Alice pays Bob with the card whose charges Stripe's test mode disputes at once; Bob has a
 * payout card or not (then the money waits in his wallet). Every webhook arrives twice, held
 * back and newest first, so the dispute's events come in any order.
 */
async function disputedPayment(options: { bobPaysOut: boolean }) {
  const alice = await sender(h, handle("alice"), "createDispute");
  const bob: Person = { ...(await h.signIn(handle("bob"))), handle: "bob" };
  if (options.bobPaysOut) expect((await enrollTestCard(h, bob, "visa_debit", { payout: true })).status).toBe(201);
  const thread = await directThread(h, alice, bob);
  const lossBefore = await disputesLoss();
  const { webhooks } = h.emulator.control;
  Object.assign(webhooks.mode, { duplicate: true, hold: true, reorder: true });
  let paymentId: string;
  try {
    const created = await sendOk(h, alice, thread, bob, AMOUNT);
    paymentId = created.payment.id;
    expect((await confirmWithPin(h, alice, created)).status).toBe(200);
    await webhooks.flush();
    await settle(h);
    await webhooks.flush();
    await settle(h);
  } finally {
    Object.assign(webhooks.mode, { duplicate: false, hold: false, reorder: false });
  }
  const dispute = await h.db
    .selectFrom("payment_disputes")
    .selectAll()
    .where("payment_id", "=", paymentId)
    .executeTakeFirstOrThrow();
  return { alice, bob, thread, paymentId, dispute, lossBefore };
}

/** Read from the database: the sweep test moves the clock past the people's tokens. */
const statusOf = async (paymentId: string) =>
  (await h.db.selectFrom("payments").select("status").where("id", "=", paymentId).executeTakeFirstOrThrow()).status;

const notices = async (person: Person, thread: string) => {
  const res = await h.request("GET", `/v1/threads/${thread}/messages`, { token: person.token });
  const page = (await res.json()) as { items: { kind: string; sender_id: string; body: string }[] };
  return page.items.filter((m) => m.kind === "notice");
};

describe("card disputes move money", () => {
  it("holds the disputed amount in the recipient's wallet, and a lost dispute takes it (the payment ends refunded)", async () => {
    const { alice, bob, thread, paymentId, dispute, lossBefore } = await disputedPayment({ bobPaysOut: false });
    expect(dispute).toMatchObject({ status: "open", amount_minor: BigInt(AMOUNT), held_minor: BigInt(AMOUNT) });
    expect(await wallet(bob.id)).toMatchObject({ posted: BigInt(AMOUNT), available: 0n });
    expect(await disputesLoss()).toBe(lossBefore + BigInt(AMOUNT));
    for (const person of [alice, bob]) {
      expect(await notices(person, thread)).toEqual([
        expect.objectContaining({
          sender_id: "platform",
          body: expect.stringContaining("disputed by the card's bank"),
        }),
      ]);
    }
    // While the dispute is open, the money cannot go anywhere else.
    const decline = await h.request("POST", `/v1/payments/${paymentId}/decline`, { token: bob.token });
    expect(decline.status).toBe(409);
    expect(await decline.json()).toMatchObject({ detail: expect.stringContaining("disputed") });
    // Nor does the sweep return it at its claim deadline: the dispute decides.
    h.clock.advance(h.config.payments.claimWindowMs + 60_000);
    await runSweep(h.deps);
    expect(await statusOf(paymentId)).toBe("awaiting_recipient");
    expect(await wallet(bob.id)).toMatchObject({ posted: BigInt(AMOUNT), available: 0n });

    await h.deps.stripe.sdk.disputes.close(dispute.id);
    await settle(h);
    expect(
      await h.db.selectFrom("payment_disputes").select("status").where("id", "=", dispute.id).executeTakeFirst(),
    ).toEqual({
      status: "lost",
    });
    expect(await wallet(bob.id)).toMatchObject({ posted: 0n, pending: 0n, available: 0n });
    // The hold covered it all: the platform's loss is back where it was.
    expect(await disputesLoss()).toBe(lossBefore);
    expect(await statusOf(paymentId)).toBe("refunded");
    const said = await h.db
      .selectFrom("messages")
      .select("body")
      .where("thread_id", "=", thread)
      .where("kind", "=", "notice")
      .execute();
    expect(said.map((m) => m.body)).toContainEqual(expect.stringContaining("decided for the card holder"));
  });

  it("releases the hold when the dispute is won, and the payment goes on as before", async () => {
    const { bob, thread, paymentId, dispute, lossBefore } = await disputedPayment({ bobPaysOut: false });
    await h.deps.stripe.sdk.disputes.update(dispute.id, { evidence: { uncategorized_text: "winning_evidence" } });
    await settle(h);
    expect(await wallet(bob.id)).toMatchObject({ posted: BigInt(AMOUNT), pending: 0n, available: BigInt(AMOUNT) });
    expect(await disputesLoss()).toBe(lossBefore);
    expect(await paymentOf(h, bob, paymentId)).toMatchObject({ status: "awaiting_recipient" });
    expect((await notices(bob, thread)).map((m) => m.body)).toContainEqual(
      expect.stringContaining("decided for the recipient"),
    );
    // Decided once: evidence for a closed dispute is refused by Stripe and moves nothing.
    await expect(h.deps.stripe.sdk.disputes.close(dispute.id)).rejects.toThrow(/already closed/);
  });

  it("holds nothing when the money was already paid out; a lost dispute is the platform's loss", async () => {
    const { alice, bob, paymentId, dispute, lossBefore } = await disputedPayment({ bobPaysOut: true });
    expect(await paymentOf(h, alice, paymentId)).toMatchObject({ status: "paid_out" });
    expect(dispute).toMatchObject({ status: "open", held_minor: 0n });
    await h.deps.stripe.sdk.disputes.update(dispute.id, { evidence: { uncategorized_text: "losing_evidence" } });
    await settle(h);
    expect(await disputesLoss()).toBe(lossBefore + BigInt(AMOUNT));
    expect(await wallet(bob.id)).toMatchObject({ posted: 0n, available: 0n });
    expect(await paymentOf(h, alice, paymentId)).toMatchObject({ status: "paid_out" });
  });

  it("a dispute's money moves once, however often its events are delivered", async () => {
    const { bob, dispute } = await disputedPayment({ bobPaysOut: false });
    const transfers = async () =>
      (await h.db.selectFrom("ledger_transfers").select("id").where("id", "like", `${dispute.id}%`).execute())
        .map((t) => t.id)
        .sort();
    expect(await transfers()).toEqual([`${dispute.id}.hold`, `${dispute.id}.withdrawn`]);
    const { webhooks } = h.emulator.control;
    Object.assign(webhooks.mode, { duplicate: true });
    try {
      await h.deps.stripe.sdk.disputes.update(dispute.id, { evidence: { uncategorized_text: "winning_evidence" } });
      await settle(h);
    } finally {
      Object.assign(webhooks.mode, { duplicate: false });
    }
    expect(await transfers()).toEqual([
      `${dispute.id}.hold`,
      `${dispute.id}.hold.void`,
      `${dispute.id}.reinstated`,
      `${dispute.id}.withdrawn`,
    ]);
    expect(await wallet(bob.id)).toMatchObject({ available: BigInt(AMOUNT) });
  });
});
