import { createHash } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_LOCK_TIMEOUT_MS } from "../src/http/idempotency";
import { runSweep } from "../src/sweep";
import { fundWallets } from "./fund-wallets";
import { createHarness, type Harness } from "./harness";
import { confirmWithPin, directThread, expectMoneyAccountedFor, type Person, sender, sendOk } from "./payment-helpers";

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
let threadId: string;

beforeAll(async () => {
  h = await createHarness();
  [alice, bob] = await Promise.all([h.signIn("alice"), h.signIn("bob")]);
  const res = await h.request("POST", "/v1/threads", {
    token: alice.token,
    body: { kind: "group", member_ids: [bob.id] },
  });
  threadId = ((await res.json()) as { id: string }).id;
});
afterAll(() => h.close());

const post = (key: string, body: unknown, token = alice.token) =>
  h.request("POST", `/v1/threads/${threadId}/messages`, { token, body, headers: { "Idempotency-Key": key } });

async function messageCount(): Promise<bigint> {
  const row = await h.db
    .selectFrom("messages")
    .where("thread_id", "=", threadId)
    .select(h.db.fn.countAll<bigint>().as("n"))
    .executeTakeFirstOrThrow();
  return row.n;
}

describe("Idempotency-Key", () => {
  it("replays the first response for the same key and body, without running it again", async () => {
    const before = await messageCount();
    const first = await post("k-replay", { body: "hello" });
    const replay = await post("k-replay", { body: "hello" });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.json()).toEqual(await first.json());
    expect(await messageCount()).toBe(before + 1n);
  });

  it("keeps only a keyed hash of the request, so a PIN in a body cannot be recovered by hashing guesses", async () => {
    await post("k-keyed", { body: "135790" });
    const row = await h.db
      .selectFrom("idempotency_keys")
      .select("fingerprint")
      .where("key", "=", "k-keyed")
      .executeTakeFirstOrThrow();
    const plain = createHash("sha256").update(`POST /v1/threads/${threadId}/messages\n{"body":"135790"}`).digest("hex");
    expect(row.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(row.fingerprint).not.toBe(plain);
  });

  it("treats a body with reordered keys as the same request", async () => {
    const first = await h.request("POST", "/v1/threads", {
      token: alice.token,
      body: { kind: "group", member_ids: [bob.id], title: "Rent" },
      headers: { "Idempotency-Key": "k-order" },
    });
    const again = await h.request("POST", "/v1/threads", {
      token: alice.token,
      body: { title: "Rent", member_ids: [bob.id], kind: "group" },
      headers: { "Idempotency-Key": "k-order" },
    });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
  });

  it("refuses the same key with a different body (422) and changes nothing", async () => {
    await post("k-mismatch", { body: "one" });
    const before = await messageCount();
    const res = await post("k-mismatch", { body: "two" });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await messageCount()).toBe(before);
  });

  it("scopes keys per person", async () => {
    await post("k-shared", { body: "from alice" });
    const fromBob = await post("k-shared", { body: "from bob" }, bob.token);
    expect(fromBob.status).toBe(201);
    expect(fromBob.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("answers 409 while the first request with the key is still running, then replays it", async () => {
    // Hold a lock the first request's insert must wait for, so it is provably in flight.
    const blocker = new pg.Client({ connectionString: h.databaseUrl });
    await blocker.connect();
    await blocker.query("begin");
    await blocker.query("select id from threads where id = $1 for update", [threadId]);

    const first = post("k-inflight", { body: "slow" });
    await waitFor(async () => {
      const row = await h.db
        .selectFrom("idempotency_keys")
        .selectAll()
        .where("key", "=", "k-inflight")
        .executeTakeFirst();
      return row?.state === "in_flight";
    });
    const concurrent = await post("k-inflight", { body: "slow" });
    expect(concurrent.status).toBe(409);
    expect(((await concurrent.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_IN_USE");

    await blocker.query("rollback");
    await blocker.end();
    expect((await first).status).toBe(201);
    const after = await post("k-inflight", { body: "slow" });
    expect(after.headers.get("Idempotent-Replayed")).toBe("true");
  });

  it("lets a retry take over a claim whose process died", async () => {
    expect((await post("k-orphan", { body: "probe" })).status).toBe(201);
    // As if the process had died before recording the outcome.
    await h.db
      .updateTable("idempotency_keys")
      .set({ state: "in_flight", response_status: null, response_body: null, response_content_type: null })
      .where("key", "=", "k-orphan")
      .execute();
    expect((await post("k-orphan", { body: "probe" })).status).toBe(409);
    h.clock.advance(IDEMPOTENCY_LOCK_TIMEOUT_MS);
    const retried = await post("k-orphan", { body: "probe" });
    expect(retried.status).toBe(201);
    expect(retried.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("releases the key when the request is refused by validation, so a corrected retry runs", async () => {
    const invalid = await post("k-fix", { body: "" });
    expect(invalid.status).toBe(422);
    const fixed = await post("k-fix", { body: "fixed" });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("refuses an invalid key", async () => {
    const res = await post("x".repeat(256), { body: "long key" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_INVALID");
    expect((await post("has space", { body: "spaces" })).status).toBe(400);
  });

  it("keeps keys 24 hours, then lets the sweep purge them and the key run anew", async () => {
    await post("k-expiry", { body: "day one" });
    h.clock.advance(23 * 3_600_000);
    expect((await post("k-expiry", { body: "day one" })).headers.get("Idempotent-Replayed")).toBe("true");
    h.clock.advance(3_600_000);
    const purged = await runSweep(h.deps);
    expect(purged?.idempotencyKeysPurged).toBeGreaterThanOrEqual(1);
    const fresh = await h.signIn("alice");
    const rerun = await post("k-expiry", { body: "day one" }, fresh.token);
    expect(rerun.status).toBe(201);
    expect(rerun.headers.get("Idempotent-Replayed")).toBeNull();
  });
});

async function waitFor(condition: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("condition not met");
}

describe("Idempotency-Key kept in the verb's transaction (sending a payment)", () => {
  const sendWith = (person: Person, key: string, thread: string, recipientId: string, amount = 125) =>
    h.request("POST", `/v1/threads/${thread}/payments`, {
      token: person.token,
      body: { recipient_id: recipientId, amount_minor: amount, currency: "USD" },
      headers: { "Idempotency-Key": key },
    });

  it("replays, refuses another body, answers 409 while in flight, and never holds a claim of its own", async () => {
    const carol = await sender(h, "carol");
    const dave = await sender(h, "dave", null);
    const thread = await directThread(h, carol, dave);

    const answers = await Promise.all(Array.from({ length: 8 }, () => sendWith(carol, "k-tx", thread, dave.id)));
    const firsts = answers.filter((r) => r.status === 201 && r.headers.get("Idempotent-Replayed") === null);
    expect(firsts).toHaveLength(1);
    for (const res of answers.filter((r) => !firsts.includes(r))) {
      if (res.status === 409) {
        expect(((await res.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_IN_USE");
      } else {
        expect(res.status).toBe(201);
        expect(res.headers.get("Idempotent-Replayed")).toBe("true");
      }
    }
    const first = (await firsts[0]?.json()) as { payment: { id: string } };
    const replayed = await sendWith(carol, "k-tx", thread, dave.id);
    expect(replayed.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await replayed.json()) as { payment: { id: string } }).payment.id).toBe(first.payment.id);
    const payments = await h.db.selectFrom("payments").select("id").where("sender_id", "=", carol.id).execute();
    expect(payments).toHaveLength(1);

    const other = await sendWith(carol, "k-tx", thread, dave.id, 126);
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_REUSED");

    const kept = await h.db.selectFrom("idempotency_keys").selectAll().where("user_id", "=", carol.id).execute();
    expect(kept.map((k) => [k.key, k.state, k.response_status])).toEqual([["k-tx", "completed", 201]]);
  });

  it("keeps nothing when the send is refused, so the same key runs once it can succeed", async () => {
    const erin = await sender(h, "erin");
    const frank = await sender(h, "frank", null);
    const thread = await directThread(h, erin, frank);
    const refused = await sendWith(erin, "k-refused", thread, erin.id);
    expect(refused.status).toBe(422);
    expect(await h.db.selectFrom("idempotency_keys").selectAll().where("user_id", "=", erin.id).execute()).toEqual([]);
    expect((await sendWith(erin, "k-refused", thread, frank.id)).status).toBe(201);
  });
});

describe("Idempotency-Key kept in the money transaction (confirming, declining, canceling)", () => {
  const WRONG_PIN = "902613";
  const keysOf = (person: Person) =>
    h.db.selectFrom("idempotency_keys").selectAll().where("user_id", "=", person.id).execute();
  const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

  it("replays a confirmation, refuses another body under its key, and keeps nothing for a refusal", async () => {
    const gina = await sender(h, "gina", null);
    const hank = await sender(h, "hank", null);
    await fundWallets(h.databaseUrl, [gina.id]);
    const created = await sendOk(h, gina, await directThread(h, gina, hank), hank, 300);
    const sendKeys = await keysOf(gina);

    const wrong = await confirmWithPin(h, gina, created, WRONG_PIN, "c-wallet");
    expect(await codeOf(wrong)).toBe("PIN_INCORRECT");
    expect(await keysOf(gina)).toEqual(sendKeys);

    const first = await confirmWithPin(h, gina, created, undefined, "c-wallet");
    expect(first.status, await first.clone().text()).toBe(200);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const replay = await confirmWithPin(h, gina, created, undefined, "c-wallet");
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.json()).toEqual(await first.json());
    const other = await confirmWithPin(h, gina, created, WRONG_PIN, "c-wallet");
    expect(other.status).toBe(422);
    expect(await codeOf(other)).toBe("IDEMPOTENCY_KEY_REUSED");

    const kept = (await keysOf(gina)).filter((k) => k.key === "c-wallet");
    expect(kept.map((k) => [k.state, k.response_status])).toEqual([["completed", 200]]);
    await expectMoneyAccountedFor(h);
  });

  it("holds the key in flight while the card is charged (a retry answers 409), then keeps the charge's answer", async () => {
    const ivy = await sender(h, "ivy");
    const jack = await sender(h, "jack", null);
    const created = await sendOk(h, ivy, await directThread(h, ivy, jack), jack, 400);
    h.emulator.control.failNext({ delayMs: 1_000, on: /^POST \/v1\/payment_intents/ });

    const first = confirmWithPin(h, ivy, created, undefined, "c-card");
    await waitFor(async () => (await keysOf(ivy)).some((k) => k.key === "c-card" && k.state === "in_flight"), 5_000);
    const during = await confirmWithPin(h, ivy, created, undefined, "c-card");
    expect(during.status).toBe(409);
    expect(await codeOf(during)).toBe("IDEMPOTENCY_KEY_IN_USE");

    const answered = await first;
    expect(answered.status, await answered.clone().text()).toBe(200);
    const replay = await confirmWithPin(h, ivy, created, undefined, "c-card");
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.json()).toEqual(await answered.json());
    const kept = (await keysOf(ivy)).filter((k) => k.key === "c-card");
    expect(kept.map((k) => [k.state, k.response_status])).toEqual([["completed", 200]]);
    await expectMoneyAccountedFor(h);
  });

  it("replays a decline under its key, and keeps nothing for a cancel that is refused", async () => {
    const kim = await sender(h, "kim", null);
    const lee = await sender(h, "lee", null);
    await fundWallets(h.databaseUrl, [kim.id]);
    const created = await sendOk(h, kim, await directThread(h, kim, lee), lee, 250);
    expect((await confirmWithPin(h, kim, created)).status).toBe(200);
    const end = (person: Person, verb: string, key: string) =>
      h.request("POST", `/v1/payments/${created.payment.id}/${verb}`, {
        token: person.token,
        headers: { "Idempotency-Key": key },
      });

    const declined = await end(lee, "decline", "d-once");
    expect(declined.status, await declined.clone().text()).toBe(200);
    const replay = await end(lee, "decline", "d-once");
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.json()).toEqual(await declined.json());
    expect((await keysOf(lee)).map((k) => [k.key, k.state, k.response_status])).toEqual([["d-once", "completed", 200]]);

    const kimKeys = await keysOf(kim);
    const refused = await end(kim, "cancel", "c-late");
    expect(await codeOf(refused)).toBe("PAYMENT_NOT_CANCELABLE");
    expect(await keysOf(kim)).toEqual(kimKeys);
    await expectMoneyAccountedFor(h);
  });
});
