import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { verifyLedger } from "../src/features/ledger/verify-ledger";
import { WORKER_APPLICATION_NAME } from "../src/platform/db";
import { startWranglerDev, type WranglerDev } from "../src/platform/wrangler-dev";
import { deliverTo } from "../src/stripe-emulator/serve";
import { enrollTestCard } from "./cards-helpers";
import { freePort } from "./free-port";
import { createHarness, type Harness, requestThrough, signInThrough, TEST_ENV } from "./harness";
import { directThread, PIN, paymentOf, sendOk, settle, warningsOf } from "./payment-helpers";
import { problemOf, setPin } from "./security-helpers";
import { openSse } from "./sse-client";
import { createTestClock } from "./test-clock";

type Started = { worker: WranglerDev; stateDir: string };

/** The Worker in workerd (wrangler dev, local), on the given database and Stripe emulator. */
async function startWorker(port: number, databaseUrl: string, variables: Record<string, string>): Promise<Started> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-worker-"));
  const worker = await startWranglerDev({ port, databaseUrl, variables, stateDir, output: "capture" });
  return { worker, stateDir };
}

async function stopWorker(started: Started | undefined): Promise<void> {
  await started?.worker.stop();
  if (started) await rm(started.stateDir, { recursive: true, force: true });
}

/**
 * `node` is the Node app in-process; `h` is the same harness with its requests going over HTTP
 * to the Worker. Both use one database and one Stripe emulator, whose webhooks go to the Worker.
 */
let node: Harness;
let h: Harness;
let started: Started | undefined;
/** The start itself, so afterAll can stop a Worker whose start outlived beforeAll's timeout (else its workerd outlives the run). */
let starting: Promise<Started> | undefined;

beforeAll(async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // workerd reads the real clock and cannot be handed another, so the emulator signs webhooks
  // with a clock that starts now: the Worker checks their timestamps against its own.
  node = await createHarness(
    {},
    { clock: createTestClock(new Date()), deliverWebhooks: deliverTo(`${url}/v1/stripe/webhook`) },
  );
  starting = startWorker(port, node.databaseUrl, {
    ...TEST_ENV,
    LOG_LEVEL: "warn",
    STRIPE_EMULATOR_PORT: String(node.emulator.port),
    EVENTS_POLL_SECONDS: "0.2",
    EVENTS_KEEPALIVE_SECONDS: "0.5",
  });
  started = await starting;
  const request = requestThrough((route, init) => fetch(`${url}${route}`, init));
  h = { ...node, request, signIn: signInThrough(request) };
}, 120_000);

afterAll(async () => {
  await stopWorker(started ?? (await starting?.catch(() => undefined)));
  await node?.close();
}, 120_000);

async function workerConnections(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where application_name = ${WORKER_APPLICATION_NAME} and datname = current_database()
  `.execute(node.db);
  return rows[0]?.n ?? 0;
}

const pinRow = (userId: string) =>
  node.db
    .selectFrom("payment_pins")
    .select(["pin_hash", "pepper_version"])
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();

describe("the Worker in workerd", () => {
  it("runs the core story: sign-in, thread, card, PIN, a payment confirmed and paid out by webhook", async () => {
    const alice = { ...(await h.signIn("alice")), handle: "alice" };
    const bob = { ...(await h.signIn("bob")), handle: "bob" };
    expect((await setPin(h, alice, PIN)).status).toBe(201);
    expect((await enrollTestCard(h, alice, "visa_debit")).status).toBe(201);
    const thread = await directThread(h, alice, bob);

    const created = await sendOk(h, alice, thread, bob, 1234, "tacos");
    expect(created.payment.status).toBe("requires_confirmation");
    const wrong = await h.request("POST", `/v1/payments/${created.payment.id}/confirm`, {
      token: alice.token,
      body: { challenge_id: created.confirmation?.challenge_id, method: "pin", response: { pin: "135790" } },
    });
    expect((await problemOf(wrong)).code).toBe("PIN_INCORRECT");
    const again = await sendOk(h, alice, thread, bob, 1234, "tacos");
    const confirmed = await h.request("POST", `/v1/payments/${again.payment.id}/confirm`, {
      token: alice.token,
      body: {
        challenge_id: again.confirmation?.challenge_id,
        method: "pin",
        response: { pin: PIN },
        acknowledged_warnings: warningsOf(again),
      },
    });
    expect(confirmed.status, await confirmed.clone().text()).toBe(200);
    expect(await confirmed.json()).toMatchObject({ status: "awaiting_recipient", funding: "card" });

    // Bob adds a payout card; Stripe's webhooks (signed, over HTTP) carry the payout to paid_out.
    expect((await enrollTestCard(h, bob, "mastercard_debit", { payout: true })).status).toBe(201);
    await settle(h);
    expect((await paymentOf(h, bob, again.payment.id)).status).toBe("paid_out");
    const delivered = await node.db.selectFrom("stripe_events").select("type").execute();
    expect(delivered.map((e) => e.type)).toContain("payout.paid");
    expect(await verifyLedger(node.db)).toMatchObject({ ok: true });
  });

  it("verifies a PIN hashed by Node, and Node verifies one hashed in workerd", async () => {
    const dana = await h.signIn("dana");
    expect((await setPin(h, dana, "802613")).status).toBe(201);
    const fromWorker = await pinRow(dana.id);
    expect(fromWorker.pin_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const checked = await node.deps.pinHasher.withSlot((hashing) =>
      hashing.verify("802613", { phc: fromWorker.pin_hash, pepperVersion: fromWorker.pepper_version }),
    );
    expect(checked).toEqual({ matches: true, needsRehash: false });

    const erin = await h.signIn("erin");
    expect((await setPin(node, erin, "730152")).status).toBe(201);
    // Changing a PIN verifies the current one: here in workerd, against Node's hash.
    expect((await problemOf(await setPin(h, erin, "730153", "999999"))).code).toBe("PIN_INCORRECT");
    expect((await setPin(h, erin, "730153", "730152")).status).toBe(200);
  });

  it("streams live events by polling, and a new message reaches the open stream", async () => {
    const hana = await h.signIn("hana");
    const ivan = await h.signIn("ivan");
    const thread = await directThread(h, { ...hana, handle: "hana" }, { ...ivan, handle: "ivan" });
    const stream = await openSse(`${started?.worker.url}/v1/events`, ivan.token);
    try {
      expect(stream.status).toBe(200);
      const posted = await h.request("POST", `/v1/threads/${thread}/messages`, {
        token: hana.token,
        body: { body: "lunch?" },
      });
      expect(posted.status).toBe(201);
      const event = await stream.next();
      expect(event).toMatchObject({ event: "message.created", data: { thread_id: thread, body: "lunch?" } });
      expect(await workerConnections()).toBeGreaterThan(0);
    } finally {
      stream.close();
    }
    // Every request's connections end with its response; the stream's once workerd notices the
    // client has gone, at the next keep-alive at the latest.
    await vi.waitFor(async () => expect(await workerConnections()).toBe(0), { timeout: 10_000 });
  });

  it("runs the sweep from the cron trigger: an unconfirmed payment past its window expires", async () => {
    const frank = { ...(await h.signIn("frank")), handle: "frank" };
    const gina = { ...(await h.signIn("gina")), handle: "gina" };
    expect((await setPin(h, frank, PIN)).status).toBe(201);
    expect((await enrollTestCard(h, frank, "visa_debit")).status).toBe(201);
    const created = await sendOk(h, frank, await directThread(h, frank, gina), gina, 700);
    await node.db
      .updateTable("payments")
      .set({ confirm_by: new Date(Date.now() - 60_000) })
      .where("id", "=", created.payment.id)
      .execute();

    const cron = await fetch(`${started?.worker.url}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
    expect(cron.status).toBe(200);
    expect((await paymentOf(h, frank, created.payment.id)).status).toBe("expired");
    expect(await verifyLedger(node.db)).toMatchObject({ ok: true });
  });

  it("answers a clear 500 problem for every request while the configuration is invalid", async () => {
    const { PIN_PEPPER: _absent, ...withoutPepper } = TEST_ENV;
    const bad = await startWorker(await freePort(), node.databaseUrl, { ...withoutPepper, PIN_ARGON2_PASSES: "0" });
    try {
      for (const route of ["/healthz", "/v1/threads"]) {
        const res = await fetch(`${bad.worker.url}${route}`);
        expect(res.status).toBe(500);
        const body = await problemOf(res);
        expect(body.code).toBe("CONFIG_INVALID");
        expect(body.errors?.map((e) => e.path).sort()).toEqual(["PIN_ARGON2_PASSES", "PIN_PEPPER"]);
      }
    } finally {
      await stopWorker(bad);
    }
  }, 120_000);
});
