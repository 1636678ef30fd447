import { sql } from "kysely";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { ensureAccount, PLATFORM_OWNER } from "../src/features/ledger/accounts";
import { verifyLedger } from "../src/features/ledger/verify-ledger";
import { PROBLEM_CONTENT_TYPE } from "../src/http/problem";
import { newId } from "../src/platform/ids";
import { runSweep } from "../src/sweep";
import { enrollTestCard } from "./cards-helpers";
import { until } from "./chaos-helpers";
import { footprint } from "./footprint";
import { createHarness, type Harness, requestThrough } from "./harness";
import {
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
import { setTier } from "./risk-helpers";
import { newAuthenticator, registerPasskey } from "./security-helpers";

/**
 * Closing an account: refused while money moves or waits (each reason), otherwise nothing
 * identifying is left in any table, the other party's history still reads ("A former user"),
 * the ledger verifies, and after the retention period the sweep purges the rest.
 */

let h: Harness;
let n = 0;
const YEAR_MS = 365 * 86_400_000;
const CLOSE = { confirm: "close my account" };

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
afterEach(() => expectMoneyAccountedFor(h));

const person = (base: string, card: string | null = "visa_debit") => sender(h, `${base}_${n++}`, card);
const close = (who: Person) => h.request("POST", "/v1/me/closure", { token: who.token, body: CLOSE });

const closedAccounts = async (on: Harness) =>
  Number(
    (
      await on.db
        .selectFrom("closed_accounts")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function expectBlocked(who: Person, reason: string): Promise<void> {
  const check = (await (await h.request("GET", "/v1/me/closure", { token: who.token })).json()) as {
    closable: boolean;
    reasons: { code: string }[];
  };
  expect(check.closable).toBe(false);
  expect(check.reasons.map((r) => r.code)).toContain(reason);
  const before = await footprint(h.db);
  const res = await close(who);
  expect(res.status, await res.clone().text()).toBe(409);
  expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
  const problem = (await res.json()) as { code: string; errors: { path: string }[] };
  expect(problem.code).toBe("ACCOUNT_CLOSE_BLOCKED");
  expect(problem.errors.map((e) => e.path)).toContain(reason);
  expect(await footprint(h.db)).toEqual(before);
}

/** Every (table, column, row count) in the database whose text holds `needle`, found through information_schema. */
async function whereFound(needle: string, exact = false): Promise<string[]> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`.execute(h.db);
  const found: string[] = [];
  for (const { table_name, column_name } of rows) {
    const column = sql.ref(column_name);
    const match = exact ? sql`${column}::text = ${needle}` : sql`${column}::text like ${`%${needle}%`}`;
    const { rows: counted } = await sql<{ n: string }>`
      select count(*)::text as n from ${sql.table(table_name)} where ${match}`.execute(h.db);
    if (Number(counted[0]?.n) > 0) found.push(`${table_name}.${column_name}`);
  }
  return found;
}

describe("closing an account", () => {
  it("is refused while a payment waits for confirmation or is moving", async () => {
    const [alice, bob] = [await person("alice"), await person("bob", null)];
    const threadId = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, threadId, bob, 500);
    await expectBlocked(alice, "payments_in_flight");
    await expectBlocked(bob, "payments_in_flight");
    expect((await h.request("POST", `/v1/payments/${created.payment.id}/cancel`, { token: alice.token })).status).toBe(
      200,
    );
  });

  it("is refused while money waits to be claimed, for the sender and the recipient", async () => {
    const [alice, bob] = [await person("alice"), await person("bob", null)];
    const threadId = await directThread(h, alice, bob);
    const created = await sendOk(h, alice, threadId, bob, 700);
    expect((await confirmWithPin(h, alice, created)).status).toBe(200);
    await settle(h);
    expect((await paymentOf(h, alice, created.payment.id)).status).toBe("awaiting_recipient");
    await expectBlocked(bob, "money_unclaimed");
    await expectBlocked(alice, "money_unclaimed");
    expect((await enrollTestCard(h, bob, "visa_debit", { payout: true })).status).toBe(201);
    await settle(h);
    expect((await paymentOf(h, alice, created.payment.id)).status).toBe("paid_out");
  });

  it("is refused while the wallet holds money", async () => {
    const alice = await person("alice", null);
    const now = h.clock.now();
    const funding = await ensureAccount(
      h.db,
      { ownerId: PLATFORM_OWNER, purpose: "card_funding", currency: "USD" },
      now,
    );
    const wallet = await ensureAccount(h.db, { ownerId: alice.id, purpose: "wallet", currency: "USD" }, now);
    const posted = await h.ledger.createTransfers([
      {
        id: newId("ltx"),
        type: "posted",
        debitAccountId: funding.id,
        creditAccountId: wallet.id,
        amountMinor: 250n,
        currency: "USD",
      },
    ]);
    expect(posted.map((r) => r.result)).toEqual(["created"]);
    await expectBlocked(alice, "wallet_not_empty");
  });

  it("is refused while a request is open, for its author and the person asked", async () => {
    const [alice, bob] = [await person("alice"), await person("bob")];
    const threadId = await directThread(h, alice, bob);
    const res = await h.request("POST", `/v1/threads/${threadId}/requests`, {
      token: alice.token,
      body: { amount_minor: 900, currency: "USD" },
    });
    expect(res.status).toBe(201);
    await expectBlocked(alice, "requests_open");
    await expectBlocked(bob, "requests_open");
  });

  it("refuses a body that does not say it, changing nothing", async () => {
    const alice = await person("alice", null);
    const before = await footprint(h.db);
    for (const body of [{}, { confirm: "yes" }, { confirm: "close my account", extra: 1 }, []]) {
      const res = await h.request("POST", "/v1/me/closure", { token: alice.token, body });
      expect(res.status).toBe(422);
      expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
    }
    expect(await footprint(h.db)).toEqual(before);
  });

  it("answers 409, closing nothing, when something for the person commits while it closes; asked again, it closes", async () => {
    // Its own database: the closing it finally makes is no other test's business.
    const own = await createHarness();
    const carol = await sender(own, "carol", null);
    const dan = await sender(own, "dan", null);
    const closeCarol = () => own.request("POST", "/v1/me/closure", { token: carol.token, body: CLOSE });
    // Another transaction puts Carol in a new group (as a payment to her would name her) and
    // holds until closing waits for it: deleting her row waits for that transaction's key lock.
    const other = new pg.Client({ connectionString: own.databaseUrl });
    await other.connect();
    try {
      const threadId = newId("thr");
      await other.query("begin");
      await other.query(
        "insert into threads (id, kind, title, created_by, created_at) values ($1, 'group', 'Later', $2, now())",
        [threadId, dan.id],
      );
      await other.query(
        "insert into thread_members (thread_id, user_id, joined_at) values ($1, $2, now()), ($1, $3, now())",
        [threadId, dan.id, carol.id],
      );
      const closedBefore = await closedAccounts(own);
      const closing = closeCarol();
      await until(async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where wait_event_type = 'Lock' and query ilike 'delete from "users"%'`.execute(own.db);
        return (rows[0]?.n ?? 0) > 0;
      }, "closing waiting for the other transaction");
      await other.query("commit");
      const res = await closing;
      expect(res.status, await res.clone().text()).toBe(409);
      expect(res.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
      const problem = (await res.json()) as { code: string; errors: { path: string }[] };
      expect(problem).toMatchObject({ code: "ACCOUNT_CLOSE_BLOCKED", errors: [{ path: "something_arrived" }] });
      // Nothing was closed: she is still there, with the new thread.
      expect(await own.db.selectFrom("users").select("id").where("id", "=", carol.id).executeTakeFirst()).toEqual({
        id: carol.id,
      });
      expect(await closedAccounts(own)).toBe(closedBefore);
      expect((await closeCarol()).status).toBe(200);
      expect(
        await own.db.selectFrom("users").select("id").where("id", "=", carol.id).executeTakeFirst(),
      ).toBeUndefined();
    } finally {
      await other.end();
      await own.close();
    }
  });

  it("after payout leaves nothing identifying anywhere, keeps the other party's history, and is purged after retention", async () => {
    const alice = await person("alice", "mastercard_debit");
    const bob = await person("bob", null);
    expect((await enrollTestCard(h, bob, "visa_debit", { payout: true })).status).toBe(201);
    await registerPasskey(h, alice, newAuthenticator(), {}, "Alice's phone");
    const threadId = await directThread(h, alice, bob);
    const aliceMemo = `alice-memo-${newId("x")}`;
    const aliceText = `alice-text-${newId("x")}`;
    const toBob = await sendOk(h, alice, threadId, bob, 1234, aliceMemo);
    expect((await confirmWithPin(h, alice, toBob)).status).toBe(200);
    await settle(h);
    expect((await paymentOf(h, bob, toBob.payment.id)).status).toBe("paid_out");
    const post = await h.request("POST", `/v1/threads/${threadId}/messages`, {
      token: alice.token,
      body: { body: aliceText },
    });
    expect(post.status).toBe(201);
    // Bob cannot pay alice: she has no payout card; a payment that was returned is history too.
    const declined = await send(h, bob, threadId, { recipient_id: alice.id, amount_minor: 300, currency: "USD" });
    expect(declined.status).toBe(201);
    const declinedId = ((await declined.json()) as { payment: { id: string } }).payment.id;
    expect((await h.request("POST", `/v1/payments/${declinedId}/cancel`, { token: bob.token })).status).toBe(200);
    // An operator's audited decision about her (append-only) and her risk profile.
    await setTier(h, alice, "verified");
    expect(
      (
        await h.request("PUT", "/v1/me/privacy", {
          token: alice.token,
          body: { requests_from: "nobody", threads_from: "people_i_paid" },
        })
      ).status,
    ).toBe(200);

    const alicePm = (
      await h.db.selectFrom("cards").select(["payment_method_id", "last4"]).where("user_id", "=", alice.id).execute()
    )[0];
    const customer = await h.db
      .selectFrom("stripe_customers")
      .select("customer_id")
      .where("user_id", "=", alice.id)
      .executeTakeFirstOrThrow();
    expect(alicePm?.last4).toBe("8210");
    const aliceName = (
      await h.db.selectFrom("users").select("display_name").where("id", "=", alice.id).executeTakeFirstOrThrow()
    ).display_name;

    const closed = await close(alice);
    expect(closed.status, await closed.clone().text()).toBe(200);
    await settle(h);

    for (const needle of [alice.id, aliceName, aliceMemo, aliceText]) {
      expect(await whereFound(needle), `where ${needle} is still found`).toEqual([]);
    }
    // Stripe's handles on her card and customer: only in the record of Stripe's own events
    // about their deletion (kept 30 days to recognise redeliveries; the purge below is later).
    const stripeHandles = [alicePm?.payment_method_id ?? "", customer.customer_id];
    for (const needle of stripeHandles) {
      expect(
        (await whereFound(needle)).filter((at) => at !== "stripe_events.object_id"),
        needle,
      ).toEqual([]);
    }
    expect(await whereFound("8210", true), "alice's card's last 4").toEqual([]);
    expect(await whereFound("Alice's phone")).toEqual([]);
    // At Stripe: the card detached, the customer gone.
    const pm = await h.deps.stripe.sdk.paymentMethods.retrieve(alicePm?.payment_method_id ?? "");
    expect(pm.customer).toBeNull();
    await expect(h.deps.stripe.sdk.customers.retrieve(customer.customer_id)).rejects.toThrow();
    expect(await h.db.selectFrom("closed_accounts").select("stripe_cleanup").execute()).toEqual([
      { stripe_cleanup: null },
    ]);

    // Bob's history still reads, with a former user where alice was.
    const payment = await paymentOf(h, bob, toBob.payment.id);
    expect(payment).toMatchObject({ status: "paid_out", amount_minor: 1234, recipient_id: bob.id, memo: null });
    const formerId = (payment as unknown as { sender_id: string }).sender_id;
    expect(formerId).toMatch(/^fmr_/);
    const receipt = (await (
      await h.request("GET", `/v1/payments/${toBob.payment.id}/receipt`, { token: bob.token })
    ).json()) as { from: string; to: string };
    expect(receipt.from).toBe("A former user");
    const thread = (await (await h.request("GET", `/v1/threads/${threadId}`, { token: bob.token })).json()) as {
      members: { id: string; display_name: string }[];
    };
    expect(thread.members.map((m) => m.display_name)).toContain("A former user");
    const messages = (await (
      await h.request("GET", `/v1/threads/${threadId}/messages`, { token: bob.token })
    ).json()) as { items: { sender_id: string; body: string }[] };
    expect(messages.items.filter((m) => m.sender_id === formerId).map((m) => m.body)).toEqual(["deleted", "deleted"]);
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true });

    // A retry is safe: the token now names a new, empty person, whose closing succeeds too.
    const retried = await close(alice);
    expect(retried.status).toBe(200);
    expect(await whereFound(alice.id)).toEqual([]);
    const formerIds = (await h.db.selectFrom("closed_accounts").select("former_id").execute()).map((r) => r.former_id);
    expect(formerIds).toHaveLength(2);

    // Kept for the retention period, by the injected clock...
    h.clock.advance(5 * YEAR_MS - 86_400_000);
    expect((await runSweep(h.deps))?.closedAccounts).toEqual({ stripeCleaned: 0, purged: 0 });
    expect(await whereFound(formerId)).not.toEqual([]);
    // ...then purged: nothing names the former user, and the ledger still balances.
    h.clock.advance(2 * 86_400_000);
    expect((await runSweep(h.deps))?.closedAccounts).toEqual({ stripeCleaned: 0, purged: 2 });
    for (const id of [...formerIds, ...stripeHandles]) expect(await whereFound(id), id).toEqual([]);
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true });
    expect(await h.db.selectFrom("payments").select("id").where("id", "=", toBob.payment.id).execute()).toEqual([]);
    // Bob himself is untouched: his account, his cards and his thread (a new token: years passed).
    const later = await h.signIn(bob.handle);
    expect(later.id).toBe(bob.id);
    expect((await h.request("GET", `/v1/threads/${threadId}`, { token: later.token })).status).toBe(200);
    const cards = (await (await h.request("GET", "/v1/cards", { token: later.token })).json()) as {
      items: { last4: string }[];
    };
    expect(cards.items.map((c) => c.last4)).toEqual(["5556"]);
  });

  it("lets another process that had recorded the person record them anew within a minute", async () => {
    const alice = await person("alice", null);
    // A second app on the same database: another API process, with its own memory of who it recorded.
    const otherApp = buildApp(h.deps);
    const otherProcess = requestThrough(async (path, init) => otherApp.request(path, init));
    const choose = (send: Harness["request"]) =>
      send("PUT", "/v1/me/privacy", { token: alice.token, body: { requests_from: "nobody", threads_from: "nobody" } });
    expect((await choose(otherProcess)).status).toBe(200);
    expect((await close(alice)).status).toBe(200);
    h.clock.advance(61_000);
    // The same token names a new, empty person there too.
    expect((await choose(otherProcess)).status).toBe(200);
    expect((await close(alice)).status).toBe(200);
  });
});
