import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ownerBalance } from "../src/features/ledger/balances";
import { signSessionToken } from "../src/http/auth";
import { runSweep } from "../src/sweep";
import { enrollTestCard } from "./cards-helpers";
import { footprint } from "./footprint";
import { fundWallets, WALLET_FUNDING_MINOR } from "./fund-wallets";
import { createHarness, type Harness, TEST_JWT_SECRET } from "./harness";
import {
  type Created,
  confirmWithPasskey,
  confirmWithPin,
  directThread,
  expectMoneyAccountedFor,
  type Person,
  paymentOf,
  send,
  sender,
  sendOk,
  settle,
} from "./payment-helpers";
import { operatorToken, setTier } from "./risk-helpers";
import { newAuthenticator, registerPasskey } from "./security-helpers";

/**
 * Scams and mistakes, end to end over HTTP: what the risk decision says and does to a payment,
 * what each person sees, what the operators can do, and that the money always adds up.
 */

let h: Harness;
let handles = 0;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A person with a PIN and a funded wallet (no card unless asked for). */
async function person(name: string, card: string | null = null): Promise<Person> {
  const p = await sender(h, `${name}_${handles++}`, card);
  await fundWallets(h.databaseUrl, [p.id]);
  return p;
}

/** People whose accounts are a few days old (backdated): no "new account" rule applies to them. */
async function established<Names extends string[]>(...names: Names): Promise<{ [K in keyof Names]: Person }> {
  const people: Person[] = [];
  for (const name of names) people.push(await person(name));
  const threeDaysAgo = new Date(h.clock.now().getTime() - 3 * DAY_MS);
  await sql`update users set created_at = ${threeDaysAgo} where id in (${sql.join(people.map((p) => p.id))})`.execute(
    h.db,
  );
  return people as { [K in keyof Names]: Person };
}

async function wallet(p: Person) {
  const balance = await ownerBalance(h.db, { ownerId: p.id, purpose: "wallet", currency: "USD" });
  return { available: balance?.available ?? 0n, pending: balance?.pending ?? 0n };
}

async function confirmOk(p: Person, created: Created) {
  const res = await confirmWithPin(h, p, created);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { status: string; risk: { outcome: string; held_until: string | null } | null };
}

async function problem(
  res: Response,
  status: number,
): Promise<{ code: string; detail: string } & Record<string, unknown>> {
  expect(res.status, await res.clone().text()).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { code: string; detail: string };
}

/** A review API call, by the operator unless another token is given. */
const review = async (method: string, path: string, body?: unknown, token?: string) =>
  h.request(method, `/v1/risk${path}`, {
    token: token ?? (await operatorToken(h)),
    ...(body === undefined ? {} : { body }),
  });

/** The service's notices in the person's safety thread (over HTTP), and the live events that carried them. */
async function alertsOf(p: Person): Promise<{ bodies: string[]; live: number }> {
  const threads = (await (await h.request("GET", "/v1/threads", { token: p.token })).json()) as {
    items: { id: string; title: string | null }[];
  };
  const safety = threads.items.find((t) => t.title === "Safety");
  if (!safety) return { bodies: [], live: 0 };
  const messages = (await (await h.request("GET", `/v1/threads/${safety.id}/messages`, { token: p.token })).json()) as {
    items: { kind: string; sender_id: string; body: string }[];
  };
  const notices = messages.items.filter((m) => m.kind === "notice" && m.sender_id === "platform");
  const live = await h.db
    .selectFrom("user_events")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("user_id", "=", p.id)
    .where("type", "=", "message.created")
    .where(sql<boolean>`data->>'thread_id' = ${safety.id}`)
    .executeTakeFirstOrThrow();
  return { bodies: notices.map((m) => m.body), live: Number(live.n) };
}

const decisionsOf = (paymentId: string) =>
  h.db.selectFrom("risk_decisions").selectAll().where("payment_id", "=", paymentId).orderBy("id").execute();

beforeAll(async () => {
  // Tests move the clock by days (delay windows, device age): sessions last a week.
  h = await createHarness({ DEV_SESSION_TTL_SECONDS: String(7 * 24 * 3600) });
});
afterAll(() => h.close());
afterEach(async () => {
  await expectMoneyAccountedFor(h);
});

describe("warnings", () => {
  it("warns before the first payment to someone; confirming needs the warning acknowledged, the next payment does not warn", async () => {
    const [alice, bob] = await established("alice", "bob");
    const thread = await directThread(h, alice, bob);
    const first = await sendOk(h, alice, thread, bob, 1_000);
    expect(first.payment.risk).toEqual({
      outcome: "warn",
      warnings: [
        { code: "first_payee", message: "You have never paid this person. Only pay people you know and trust." },
      ],
      acknowledged_at: null,
      held_until: null,
    });

    const unacknowledged = await h.request("POST", `/v1/payments/${first.payment.id}/confirm`, {
      token: alice.token,
      body: { challenge_id: first.confirmation?.challenge_id, method: "pin", response: { pin: "480917" } },
    });
    const refusal = await problem(unacknowledged, 409);
    expect(refusal).toMatchObject({ code: "RISK_WARNINGS_NOT_ACKNOWLEDGED", warnings: "first_payee" });
    expect(refusal.detail).toContain("You have never paid this person.");
    expect(await wallet(alice)).toEqual({ available: WALLET_FUNDING_MINOR, pending: 0n });

    // The same challenge still confirms once the warning is acknowledged.
    const confirmed = await confirmOk(alice, first);
    expect(confirmed.status).toBe("awaiting_recipient");
    expect(confirmed.risk).toMatchObject({ outcome: "warn" });
    expect(await wallet(alice)).toEqual({ available: WALLET_FUNDING_MINOR - 1_000n, pending: 0n });
    // The recipient never sees the sender's warnings.
    expect((await paymentOf(h, bob, first.payment.id)).risk).toBeNull();

    const second = await sendOk(h, alice, thread, bob, 500);
    expect(second.payment.risk).toMatchObject({ outcome: "allow", warnings: [] });
    expect((await confirmOk(alice, second)).status).toBe("awaiting_recipient");

    // Every decision is kept with its reasons and the rules' version: create, the refused confirm, the confirm.
    const decisions = await decisionsOf(first.payment.id);
    expect(decisions.map((d) => [d.stage, d.outcome, d.rules_version])).toEqual([
      ["create", "warn", 1],
      ["confirm", "warn", 1],
      ["confirm", "warn", 1],
    ]);
    expect(decisions[0]?.reasons.map((r) => r.code)).toEqual(["first_payee"]);
  });

  it("warns about memos typical of scams: gift cards, crypto, deposits and refunds, urgency", async () => {
    const [carol, dan] = await established("carol", "dan");
    const thread = await directThread(h, carol, dan);
    await confirmOk(carol, await sendOk(h, carol, thread, dan, 100));

    const giftCards = await sendOk(
      h,
      carol,
      thread,
      dan,
      2_000,
      "URGENT: buy Google Play gift cards and send the codes",
    );
    expect(giftCards.payment.risk?.warnings).toEqual([
      { code: "memo_gift_cards", message: "Payments asking for gift cards are usually scams." },
      {
        code: "memo_urgency",
        message: "Being rushed to pay is a sign of a scam. Take your time and check who is asking.",
      },
    ]);
    expect((await confirmOk(carol, giftCards)).status).toBe("awaiting_recipient");

    const deposit = await sendOk(h, carol, thread, dan, 3_000, "deposit for the flat, invest the rest in bitcoin");
    expect(deposit.payment.risk?.warnings.map((w) => w.code)).toEqual(["memo_crypto", "memo_refund_deposit"]);
    const pizza = await sendOk(h, carol, thread, dan, 1_200, "pizza on friday");
    expect(pizza.payment.risk).toMatchObject({ outcome: "allow", warnings: [] });
  });
});

describe("holds", () => {
  it("delays a risky payment; its sender cancels within the window and every balance is back where it started", async () => {
    const [bob] = await established("bob");
    const newcomer = await person("newcomer");
    const thread = await directThread(h, newcomer, bob);
    const start = [await wallet(newcomer), await wallet(bob)];

    const created = await sendOk(h, newcomer, thread, bob, 20_000);
    expect(created.payment.risk?.outcome).toBe("delay");
    const held = await confirmOk(newcomer, created);
    expect(held.status).toBe("held");
    expect(held.risk?.held_until).toBe(new Date(h.clock.now().getTime() + HOUR_MS).toISOString());
    // The recipient sees it coming, not received: pending in their wallet, nothing they can spend.
    expect(await paymentOf(h, bob, created.payment.id)).toMatchObject({ status: "held", actions: [] });
    expect(await wallet(bob)).toEqual({ available: start[1]?.available, pending: 20_000n });
    expect(await wallet(newcomer)).toEqual({ available: (start[0]?.available ?? 0n) - 20_000n, pending: -20_000n });

    h.clock.advance(30 * 60_000);
    const canceled = await h.request("POST", `/v1/payments/${created.payment.id}/cancel`, { token: newcomer.token });
    expect(canceled.status, await canceled.clone().text()).toBe(200);
    expect(await canceled.json()).toMatchObject({ status: "canceled" });
    expect([await wallet(newcomer), await wallet(bob)]).toEqual(start);

    // The sender was told in their safety thread, live, both times; the recipient was not.
    const alerts = await alertsOf(newcomer);
    expect(alerts.bodies.join("\n")).toMatch(
      /Your payment of 200\.00 USD to .* is held until \d\d:\d\d UTC for your safety/,
    );
    expect(alerts.bodies.join("\n")).toMatch(/was canceled while it was held\. The money is back with you\./);
    expect(alerts.live).toBe(2);
    expect((await alertsOf(bob)).bodies).toEqual([]);
    // The service is nobody to pay, even in its own thread (its id is reserved, never a person's).
    const safety = (
      (await (await h.request("GET", "/v1/threads", { token: newcomer.token })).json()) as {
        items: { id: string; title: string | null }[];
      }
    ).items.find((t) => t.title === "Safety");
    const toService = await send(h, newcomer, safety?.id ?? "", {
      recipient_id: "platform",
      amount_minor: 100,
      currency: "USD",
    });
    expect((await problem(toService, 422)).code).toBe("VALIDATION_FAILED");
  });

  it("holds a card-funded payment the same way: the charge's hold stays pending; canceling refunds the card, the sweep releases it", async () => {
    const [bob] = await established("bob");
    const newcomer = await sender(h, `card_newcomer_${handles++}`, "visa_debit");
    const thread = await directThread(h, newcomer, bob);
    const created = await sendOk(h, newcomer, thread, bob, 20_000);
    const held = await confirmOk(newcomer, created);
    expect(held).toMatchObject({ status: "held", risk: { outcome: "delay" } });
    expect(await wallet(bob)).toEqual({ available: WALLET_FUNDING_MINOR, pending: 20_000n });
    const canceled = await h.request("POST", `/v1/payments/${created.payment.id}/cancel`, { token: newcomer.token });
    expect(await canceled.json()).toMatchObject({ status: "canceled", funding: "card" });
    await settle(h);
    const row = await h.db.selectFrom("payments").selectAll().where("id", "=", created.payment.id).executeTakeFirst();
    expect(row).toMatchObject({ refund_state: "succeeded" });
    expect(await wallet(bob)).toEqual({ available: WALLET_FUNDING_MINOR, pending: 0n });

    // Another, left alone: once its window is over the sweep posts the charge's hold to the recipient.
    const later = await sendOk(h, newcomer, thread, bob, 20_000);
    expect((await confirmOk(newcomer, later)).status).toBe("held");
    h.clock.advance(61 * 60_000);
    expect((await runSweep(h.deps))?.payments?.holdsReleased).toBeGreaterThanOrEqual(1);
    expect(await paymentOf(h, bob, later.payment.id)).toMatchObject({ status: "awaiting_recipient", funding: "card" });
    expect(await wallet(bob)).toEqual({ available: WALLET_FUNDING_MINOR + 20_000n, pending: 0n });
  });

  it("moves a delayed payment once its window is over (the sweep), not before", async () => {
    const [bob] = await established("bob");
    const newcomer = await person("newcomer");
    const thread = await directThread(h, newcomer, bob);
    const created = await sendOk(h, newcomer, thread, bob, 20_000);
    expect((await confirmOk(newcomer, created)).status).toBe("held");

    h.clock.advance(59 * 60_000);
    await runSweep(h.deps);
    expect((await paymentOf(h, bob, created.payment.id)).status).toBe("held");
    h.clock.advance(2 * 60_000);
    expect((await runSweep(h.deps))?.payments?.holdsReleased).toBe(1);
    expect((await paymentOf(h, bob, created.payment.id)).status).toBe("awaiting_recipient");
    expect(await wallet(bob)).toEqual({ available: WALLET_FUNDING_MINOR + 20_000n, pending: 0n });
    const late = await h.request("POST", `/v1/payments/${created.payment.id}/cancel`, { token: newcomer.token });
    // Now it waits for its recipient like any payment: canceling it returns it (refunded to the wallet).
    expect(await late.json()).toMatchObject({ status: "canceled" });
  });
});

describe("a new account asking many people for money", () => {
  /** A day-old account asks five people in a group for money; each payment of it is held for review. */
  async function massRequest() {
    const payers = await established("p1", "p2", "p3", "p4", "p5");
    const asker = await person("asker");
    const group = await h.request("POST", "/v1/threads", {
      token: asker.token,
      body: { kind: "group", title: "Flat deposit", member_ids: payers.map((p) => p.id) },
    });
    const threadId = ((await group.json()) as { id: string }).id;
    const request = await h.request("POST", `/v1/threads/${threadId}/requests`, {
      token: asker.token,
      body: { amount_minor: 5_000, currency: "USD", payer_ids: payers.map((p) => p.id), memo: "your share" },
      headers: { "Idempotency-Key": `req-${handles++}` },
    });
    expect(request.status, await request.clone().text()).toBe(201);
    const requestId = ((await request.json()) as { id: string }).id;
    const pay = async (payer: Person) => {
      const res = await h.request("POST", `/v1/requests/${requestId}/pay`, {
        token: payer.token,
        headers: { "Idempotency-Key": `pay-${handles++}` },
      });
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as Created;
    };
    return { payers, asker, pay };
  }

  it("flags the payment for review: held (no window), the reasons shown to an operator, who cancels it", async () => {
    const { payers, asker, pay } = await massRequest();
    const payer = payers[0];
    const created = await pay(payer);
    expect(created.payment.risk?.outcome).toBe("review");
    const held = await confirmOk(payer, created);
    expect(held).toMatchObject({ status: "held", risk: { outcome: "review", held_until: null } });
    expect(await wallet(asker)).toEqual({ available: WALLET_FUNDING_MINOR, pending: 1_000n });
    // The sender cannot be rushed by a window: no delay ends a review.
    h.clock.advance(2 * DAY_MS);
    await runSweep(h.deps);
    expect((await paymentOf(h, payer, created.payment.id)).status).toBe("held");

    const cases = (await (await review("GET", "/held-payments")).json()) as {
      items: { payment: { id: string }; decisions: { reasons: { code: string }[] }[]; recipient: object }[];
    };
    const found = cases.items.find((c) => c.payment.id === created.payment.id);
    expect(found?.decisions.at(-1)?.reasons.map((r) => r.code)).toContain("mass_request_new_account");
    expect(found?.recipient).toMatchObject({ id: asker.id, tier: "unverified", limited: false });
    expect(JSON.stringify(found)).not.toMatch(/card_|pm_|pin|display_name/i);

    const canceled = await review("POST", `/held-payments/${created.payment.id}/cancel`, {
      reason: "Asker could not say who the payers are",
    });
    expect(canceled.status, await canceled.clone().text()).toBe(200);
    expect(await canceled.json()).toMatchObject({ status: "canceled" });
    expect(await wallet(payer)).toEqual({ available: WALLET_FUNDING_MINOR, pending: 0n });
    expect(await wallet(asker)).toEqual({ available: WALLET_FUNDING_MINOR, pending: 0n });
    const audit = await h.db
      .selectFrom("risk_operator_actions")
      .selectAll()
      .where("subject_id", "=", created.payment.id)
      .execute();
    expect(audit).toMatchObject([
      { operator_id: "ops_reviewer", action: "cancel_payment", reason: "Asker could not say who the payers are" },
    ]);
  });

  it("lets an operator release a reviewed payment to its recipient, audited", async () => {
    const { payers, asker, pay } = await massRequest();
    const payer = payers[1];
    const created = await pay(payer);
    expect((await confirmOk(payer, created)).status).toBe("held");
    const released = await review("POST", `/held-payments/${created.payment.id}/release`, {
      reason: "Flatmates confirmed by video call",
    });
    expect(released.status, await released.clone().text()).toBe(200);
    expect(await released.json()).toMatchObject({ status: "awaiting_recipient" });
    expect(await wallet(asker)).toEqual({ available: WALLET_FUNDING_MINOR + 1_000n, pending: 0n });
    // Released once: a second decision finds nothing held.
    const again = await review("POST", `/held-payments/${created.payment.id}/release`, { reason: "again, by mistake" });
    expect((await problem(again, 409)).code).toBe("PAYMENT_NOT_HELD");
    const trail = await h.db
      .selectFrom("payment_audit")
      .select(["to_status", "actor_id"])
      .where("payment_id", "=", created.payment.id)
      .orderBy("id")
      .execute();
    expect(trail.at(-1)).toEqual({ to_status: "awaiting_recipient", actor_id: "ops_reviewer" });
    expect(
      await h.db.selectFrom("risk_operator_actions").selectAll().where("subject_id", "=", created.payment.id).execute(),
    ).toMatchObject([{ action: "release_payment", reason: "Flatmates confirmed by video call" }]);
  });
});

describe("reports", () => {
  it("limits a recipient three people reported: payments to them are refused with a reason, one waiting to be confirmed is blocked, until an operator lifts it", async () => {
    const [mallory, victim1, victim2, victim3, other] = await established("mallory", "v1", "v2", "v3", "other");
    const paidAndReported = async (victim: Person) => {
      const thread = await directThread(h, victim, mallory);
      const created = await sendOk(h, victim, thread, mallory, 700, "laptop");
      await confirmOk(victim, created);
      const report = await h.request("POST", `/v1/payments/${created.payment.id}/reports`, {
        token: victim.token,
        body: { reason: "scam", note: "The laptop never came" },
      });
      expect(report.status, await report.clone().text()).toBe(201);
      return created;
    };
    await paidAndReported(victim1);
    const warned = await sendOk(h, victim2, await directThread(h, victim2, mallory), mallory, 300);
    expect(warned.payment.risk?.warnings.map((w) => w.code)).toContain("recipient_reported");
    await paidAndReported(victim2);
    const otherThread = await directThread(h, other, mallory);
    const waiting = await sendOk(h, other, otherThread, mallory, 400);
    await paidAndReported(victim3);

    expect(
      await h.db.selectFrom("risk_profiles").selectAll().where("user_id", "=", mallory.id).executeTakeFirst(),
    ).toMatchObject({
      limited: true,
      limited_reason: "reports",
    });
    const before = await footprint(h.db);
    const refused = await send(h, other, otherThread, { recipient_id: mallory.id, amount_minor: 400, currency: "USD" });
    expect(await problem(refused, 422)).toMatchObject({
      code: "PAYMENT_BLOCKED",
      detail: "Payments to this person are paused while reports about them are looked at.",
    });
    expect(await footprint(h.db)).toEqual(before);

    // Created before the limit, confirmed after: blocked, ended, nothing moved.
    const blocked = await confirmWithPin(h, other, waiting);
    expect((await problem(blocked, 422)).code).toBe("PAYMENT_BLOCKED");
    expect((await paymentOf(h, other, waiting.payment.id)).status).toBe("canceled");
    expect(await wallet(other)).toEqual({ available: WALLET_FUNDING_MINOR, pending: 0n });

    const reports = (await (await review("GET", "/reports")).json()) as {
      items: { reason: string; subject: { id: string; limited: boolean; credible_reports: number } }[];
    };
    expect(reports.items.filter((r) => r.subject.id === mallory.id)).toHaveLength(3);
    expect(reports.items.find((r) => r.subject.id === mallory.id)?.subject).toMatchObject({
      limited: true,
      credible_reports: 3,
    });

    expect((await alertsOf(mallory)).bodies).toEqual([
      "People have reported payments with you, so payments to you are paused while we look at the reports.",
    ]);
    const lifted = await review("PUT", `/people/${mallory.id}`, {
      limited: false,
      reason: "Refunds made, seller verified",
    });
    expect(await lifted.json()).toEqual({ id: mallory.id, tier: "unverified", limited: false });
    expect(
      (await send(h, other, otherThread, { recipient_id: mallory.id, amount_minor: 400, currency: "USD" })).status,
    ).toBe(201);
  });

  it("a payment sent by mistake: its sender reports it and the recipient is asked, in one tap, to send it back", async () => {
    const [alice] = await established("alice");
    const rita = await person("rita", "visa_debit");
    expect((await enrollTestCard(h, rita, "mastercard_debit", { payout: true })).status).toBe(201);
    const thread = await directThread(h, alice, rita);
    const created = await sendOk(h, alice, thread, rita, 1_500);
    expect((await confirmOk(alice, created)).status).toBe("paying_out");
    await settle(h);

    const res = await h.request("POST", `/v1/payments/${created.payment.id}/reports`, {
      token: alice.token,
      body: { reason: "mistake" },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const report = (await res.json()) as { return_request_id: string | null; subject_id: string };
    expect(report.subject_id).toBe(rita.id);
    expect(report.return_request_id).toMatch(/^req_/);
    // Reporting it again adds nothing (no second request).
    const again = await h.request("POST", `/v1/payments/${created.payment.id}/reports`, {
      token: alice.token,
      body: { reason: "mistake" },
    });
    expect(((await again.json()) as { return_request_id: string }).return_request_id).toBe(report.return_request_id);

    // The recipient's one tap: pay the request (then confirm, like any payment).
    const payBack = await h.request("POST", `/v1/requests/${report.return_request_id}/pay`, {
      token: rita.token,
      headers: { "Idempotency-Key": `back-${handles++}` },
    });
    expect(payBack.status, await payBack.clone().text()).toBe(201);
    const back = (await payBack.json()) as Created;
    expect(back.payment).toMatchObject({ amount_minor: 1_500, recipient_id: alice.id });
    expect((await confirmOk(rita, back)).status).toBe("awaiting_recipient");
    const request = await h.request("GET", `/v1/requests/${report.return_request_id}`, { token: alice.token });
    expect(await request.json()).toMatchObject({ status: "completed" });
  });

  it("refuses reports that do not fit: someone else's payment, a recipient's 'mistake', a payment never sent", async () => {
    const [alice, bob, eve] = await established("alice", "bob", "eve");
    const thread = await directThread(h, alice, bob);
    const sent = await sendOk(h, alice, thread, bob, 100);
    const unsent = await sendOk(h, alice, thread, bob, 200);
    await confirmOk(alice, sent);
    const before = await footprint(h.db);
    const report = (who: Person, id: string, reason: string) =>
      h.request("POST", `/v1/payments/${id}/reports`, { token: who.token, body: { reason } });
    expect((await problem(await report(eve, sent.payment.id, "scam"), 404)).code).toBe("PAYMENT_NOT_FOUND");
    expect((await problem(await report(bob, unsent.payment.id, "scam"), 404)).code).toBe("PAYMENT_NOT_FOUND");
    expect((await problem(await report(bob, sent.payment.id, "mistake"), 422)).code).toBe("REPORT_NOT_ALLOWED");
    expect((await problem(await report(alice, unsent.payment.id, "scam"), 422)).code).toBe("REPORT_NOT_ALLOWED");
    const person = (who: Person, subject: Person) =>
      h.request("POST", `/v1/people/${subject.id}/reports`, {
        token: who.token,
        body: { thread_id: thread, reason: "abuse" },
      });
    expect((await problem(await person(eve, alice), 404)).code).toBe("PERSON_NOT_FOUND");
    expect((await problem(await person(alice, alice), 404)).code).toBe("PERSON_NOT_FOUND");
    expect(await footprint(h.db)).toEqual(before);
    expect((await person(bob, alice)).status).toBe(201);
  });
});

describe("step-up and tiers", () => {
  it("asks an unverified person for their passkey on a large payment (never the PIN); verified, it does not", async () => {
    const [pinOnly, withPasskey, bob] = await established("pinonly", "passkey", "bob");
    const authenticator = newAuthenticator();
    await registerPasskey(h, withPasskey, authenticator);
    // A passkey added in the last day delays larger payments (new_device); let it age.
    h.clock.advance(25 * HOUR_MS);

    const pinThread = await directThread(h, pinOnly, bob);
    const before = await footprint(h.db);
    const refused = await send(h, pinOnly, pinThread, { recipient_id: bob.id, amount_minor: 30_000, currency: "USD" });
    expect((await problem(refused, 403)).code).toBe("PASSKEY_REQUIRED");
    expect(await footprint(h.db)).toEqual(before);

    const thread = await directThread(h, withPasskey, bob);
    const created = await sendOk(h, withPasskey, thread, bob, 30_000);
    expect(created.payment.risk?.outcome).toBe("step_up");
    expect(created.confirmation?.methods.map((m) => m.method)).toEqual(["webauthn"]);
    const byPin = await confirmWithPin(h, withPasskey, created);
    expect((await problem(byPin, 422)).code).toBe("CONFIRMATION_METHOD_NOT_ACCEPTED");
    const byPasskey = await confirmWithPasskey(h, withPasskey, created, authenticator);
    expect(byPasskey.status, await byPasskey.clone().text()).toBe(200);

    await setTier(h, pinOnly, "verified");
    const verified = await sendOk(h, pinOnly, pinThread, bob, 30_000);
    expect(verified.payment.risk?.outcome).not.toBe("step_up");
    expect(verified.confirmation?.methods.map((m) => m.method)).toEqual(["pin"]);
    expect((await confirmOk(pinOnly, verified)).status).toBe("awaiting_recipient");
  });

  it("refuses everything a limited sender tries to send, with the reason", async () => {
    const [frank, bob] = await established("frank", "bob");
    const thread = await directThread(h, frank, bob);
    const limit = await review("PUT", `/people/${frank.id}`, { limited: true, reason: "Account takeover suspected" });
    expect(limit.status).toBe(200);
    const before = await footprint(h.db);
    const refused = await send(h, frank, thread, { recipient_id: bob.id, amount_minor: 100, currency: "USD" });
    expect(await problem(refused, 422)).toMatchObject({
      code: "PAYMENT_BLOCKED",
      detail: "Sending is paused on your account while we look at it.",
    });
    expect(await footprint(h.db)).toEqual(before);
  });
});

describe("the review API", () => {
  const routes = (id: string): [string, string, unknown][] => [
    ["GET", "/held-payments", undefined],
    ["GET", "/reports", undefined],
    ["POST", `/held-payments/${id}/release`, { reason: "looks fine" }],
    ["POST", `/held-payments/${id}/cancel`, { reason: "looks bad" }],
    ["POST", "/reports/rpt_0000000000000000000000000a/resolve", { outcome: "upheld", reason: "seen it" }],
    ["PUT", "/people/usr_someone", { tier: "verified", reason: "checked" }],
  ];

  it("does not exist for anyone without the operator role (404 like any unknown route), and changes nothing", async () => {
    const [alice] = await established("alice");
    const before = await footprint(h.db);
    const wrongRole = await signSessionToken(TEST_JWT_SECRET, alice.id, h.clock.now(), 3600, { roles: ["support"] });
    for (const token of [alice.token, wrongRole]) {
      for (const [method, path, body] of routes("pay_0000000000000000000000000a")) {
        const res = await review(method, path, body, token);
        expect((await problem(res, 404)).code, `${method} ${path}`).toBe("ROUTE_NOT_FOUND");
      }
    }
    expect(await footprint(h.db)).toEqual(before);
  });

  it("audits every operator action with who and why, and refuses an operator's own case", async () => {
    const [victim, suspect] = await established("victim", "suspect");
    const thread = await directThread(h, victim, suspect);
    const created = await sendOk(h, victim, thread, suspect, 500);
    await confirmOk(victim, created);
    const report = (await (
      await h.request("POST", `/v1/payments/${created.payment.id}/reports`, {
        token: victim.token,
        body: { reason: "unauthorized" },
      })
    ).json()) as { id: string };
    const upheld = await review("POST", `/reports/${report.id}/resolve`, {
      outcome: "upheld",
      reason: "Confirmed by the bank",
    });
    expect(await upheld.json()).toMatchObject({ status: "upheld" });
    expect((await alertsOf(victim)).bodies).toEqual([
      "We looked at your report and acted on it. Thank you for telling us.",
    ]);
    expect(
      (
        await problem(
          await review("POST", `/reports/${report.id}/resolve`, { outcome: "dismissed", reason: "changed my mind" }),
          409,
        )
      ).code,
    ).toBe("REPORT_ALREADY_RESOLVED");
    await review("PUT", `/people/${suspect.id}`, { tier: "verified", limited: true, reason: "Verified, then limited" });
    const actions = await h.db
      .selectFrom("risk_operator_actions")
      .select(["operator_id", "action", "subject_kind", "subject_id", "reason"])
      .where("subject_id", "in", [report.id, suspect.id])
      .orderBy("id")
      .execute();
    expect(actions).toEqual([
      {
        operator_id: "ops_reviewer",
        action: "report_upheld",
        subject_kind: "report",
        subject_id: report.id,
        reason: "Confirmed by the bank",
      },
      {
        operator_id: "ops_reviewer",
        action: "set_tier_verified",
        subject_kind: "person",
        subject_id: suspect.id,
        reason: "Verified, then limited",
      },
      {
        operator_id: "ops_reviewer",
        action: "limit",
        subject_kind: "person",
        subject_id: suspect.id,
        reason: "Verified, then limited",
      },
    ]);

    // An operator who is a party to a held payment cannot decide it.
    const insider = await operatorToken(h, victim.id);
    const newcomer = await person("newcomer");
    const t2 = await directThread(h, newcomer, victim);
    const held = await sendOk(h, newcomer, t2, victim, 20_000);
    expect((await confirmOk(newcomer, held)).status).toBe("held");
    const own = await review("POST", `/held-payments/${held.payment.id}/release`, { reason: "mine" }, insider);
    expect((await problem(own, 404)).code).toBe("PAYMENT_NOT_FOUND");
  });
});

describe("rules as data", () => {
  it("decides with the newest rule set at once: an empty one allows everything, the rules added back warn again", async () => {
    const [alice, bob, carol] = await established("alice", "bob", "carol");
    const t1 = await directThread(h, alice, bob);
    const t2 = await directThread(h, alice, carol);
    expect((await sendOk(h, alice, t1, bob, 100)).payment.risk?.outcome).toBe("warn");

    const newVersion = async (note: string, copyFrom?: number) => {
      const { v } = await h.db
        .selectFrom("risk_rule_sets")
        .select((eb) => eb(eb.fn.max("version"), "+", 1).as("v"))
        .executeTakeFirstOrThrow();
      await h.db.insertInto("risk_rule_sets").values({ version: v, note, created_at: h.clock.now() }).execute();
      if (copyFrom !== undefined) {
        await sql`insert into risk_rules (version, code, kind, outcome, message, params, tier)
                  select ${v}, code, kind, outcome, message, params, tier from risk_rules where version = ${copyFrom}`.execute(
          h.db,
        );
      }
      return v;
    };
    const empty = await newVersion("no rules");
    const allowed = await sendOk(h, alice, t2, carol, 100, "gift cards, urgent");
    expect(allowed.payment.risk).toMatchObject({ outcome: "allow", warnings: [] });
    expect((await decisionsOf(allowed.payment.id)).map((d) => d.rules_version)).toEqual([empty]);

    const again = await newVersion("the rules again", 1);
    const warned = await sendOk(h, alice, t2, carol, 100, "gift cards, urgent");
    expect(warned.payment.risk?.warnings.map((w) => w.code)).toEqual([
      "first_payee",
      "memo_gift_cards",
      "memo_urgency",
    ]);
    expect((await decisionsOf(warned.payment.id)).map((d) => d.rules_version)).toEqual([again]);
  });
});
