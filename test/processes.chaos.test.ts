import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db, lockPerson } from "../src/platform/db";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../src/platform/embedded-postgres";
import { migrateToLatest } from "../src/platform/migrate";
import {
  type Api,
  apiProxySection,
  chargesLeftToTheSweep,
  confirmThrough,
  createClient,
  createPayment,
  createWorkload,
  enrollCard,
  HAPROXY_DEFAULTS,
  HAPROXY_PATH,
  killGroup,
  newPair,
  pause,
  type Running,
  requestInit,
  serverStates,
  startApis,
  startHaproxy,
  startStripeEmulator,
  statsSection,
  stop,
  sweepAndCheckPayments,
  takeOverParkedClaims,
  until,
  untilReady,
} from "./chaos-helpers";
import { freePort } from "./free-port";
import { fundWallets } from "./fund-wallets";
import { createHarness, type Harness } from "./harness";
import { describeMissingTools } from "./missing-tools";

/**
 * `npm run chaos:processes`: two API processes of the real entry behind haproxy, one Postgres.
 * People pay each other, from their wallets or with a debit card, through haproxy, retrying every request under its
 * Idempotency-Key on a network error or a 502/503/504, while one process is killed with SIGKILL;
 * haproxy's health checks (GET /readyz) take it out, and afterwards every acknowledged payment
 * exists once with its amount, money is conserved, no wallet is negative, nothing waits past its
 * deadline after a sweep, and no idempotency claim is left behind: a key held in flight by the
 * dead process (a card's charge cut between its transaction and its answer) is taken over (the
 * test moves it back by the 60 s window instead of waiting it out) and its request retried to
 * success. The kill is timed to land inside a confirmation's money transaction (see
 * killInsideConfirmation), so that path is taken on every run, not only when lucky.
 *
 * The processes share one Stripe emulator, a process of its own (`npm run stripe-emulator`, each
 * API process started with STRIPE_EMULATOR_URL), whose webhooks reach them through haproxy: a
 * card saved through one process is charged through the other, and a charge's webhook cut by
 * the kill is delivered again (the emulator retries as Stripe does) to the survivor.
 */
const haproxyFound = existsSync(HAPROXY_PATH);

const PEOPLE = 8;
const PAYMENTS_EACH = 15;
/** Confirmed payments before one process is killed: a third of the way in. */
const KILL_AFTER = Math.floor((PEOPLE * PAYMENTS_EACH) / 3);
/**
 * How long a 409 IDEMPOTENCY_KEY_IN_USE is retried: a key locked by a transaction whose process
 * died is free again as soon as Postgres notices the dead connection; a claim the dead process
 * left in flight stays until the 60 s takeover, so that request is parked and retried after it.
 */
const IN_USE_GRACE_MS = 3_000;
const DOWN_TIMEOUT_MS = 10_000;
/** How long one request keeps being retried before the test gives up on it. */
const REQUEST_DEADLINE_MS = 30_000;

/** Holds a person's sending lock from the test's own connection until released. */
function holdSendingLock(db: Db, personId: string): { held: Promise<void>; release(): Promise<void> } {
  let markHeld = () => {};
  let letGo = () => {};
  const held = new Promise<void>((resolve) => {
    markHeld = resolve;
  });
  const lettingGo = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  const transaction = db.transaction().execute(async (trx) => {
    await lockPerson(trx, "send", personId);
    markHeld();
    await lettingGo;
  });
  return {
    held,
    release: async () => {
      letGo();
      await transaction;
    },
  };
}

let dir: string;
let postgres: EmbeddedPostgres | undefined;
let h: Harness | undefined;
const apis: Api[] = [];
let haproxy: Running | undefined;
let stripeEmulator: (Running & { url: string }) | undefined;
let front: string;
let statsPort: number;

describe.skipIf(!haproxyFound)("several API processes behind haproxy", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-processes-"));
    // Postgres runs as an unprivileged user when tests run as root; it must reach its directory.
    await chmod(dir, 0o755);
    postgres = await startEmbeddedPostgres({
      dir: path.join(dir, "postgres"),
      port: await freePort(),
      password: "processes-test-only",
      settings: { fsync: "off" },
    });
    const migrator = createDb(postgres.url, 1);
    await migrateToLatest(migrator);
    await migrator.destroy();

    const frontPort = await freePort();
    stripeEmulator = await startStripeEmulator(`http://127.0.0.1:${frontPort}/v1/stripe/webhook`);
    apis.push(...(await startApis(dir, postgres.url, ["api-1", "api-2"], { stripeEmulatorUrl: stripeEmulator.url })));

    statsPort = await freePort();
    haproxy = await startHaproxy(
      dir,
      "haproxy",
      HAPROXY_DEFAULTS + apiProxySection(frontPort, apis) + statsSection(statsPort),
    );
    front = `http://127.0.0.1:${frontPort}`;
    await untilReady(`${front}/readyz`, haproxy);
    // Its sweep re-checks charges through the emulator the API processes share.
    h = await createHarness(
      { STRIPE_EMULATOR_URL: stripeEmulator.url },
      { database: { url: postgres.url, drop: async () => {} } },
    );
  }, 120_000);

  afterAll(async () => {
    if (haproxy) await stop(haproxy);
    await Promise.all(apis.map(stop));
    if (stripeEmulator) await stop(stripeEmulator);
    await h?.close();
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  // One story from start to end: the workload, the kill in the middle of it, then every check
  // on what the workload was told; split up, the checks would lose what they check against.
  it("loses and doubles nothing when one process is killed mid-run", async () => {
    const [killed, survivor] = apis;
    if (!h || !postgres || !killed || !survivor) throw new Error("set-up did not finish");
    const { db } = h;
    const started = Date.now();
    const violations: string[] = [];
    let killedAt: number | undefined;
    let downAt: number | undefined;
    const { tally, call } = createClient(front, {
      deadlineMs: REQUEST_DEADLINE_MS,
      inUseGraceMs: IN_USE_GRACE_MS,
      downAt: () => downAt,
    });

    const emulatorUrl = stripeEmulator?.url;
    if (!emulatorUrl) throw new Error("set-up did not finish");
    // Every third sender pays with a debit card; the others from their wallets.
    const pairs = await Promise.all(
      Array.from({ length: PEOPLE + 1 }, async (_, i) => {
        const pair = await newPair(call, i);
        return i % 3 === 1 ? enrollCard(call, emulatorUrl, pair, i) : pair;
      }),
    );
    await fundWallets(
      postgres.url,
      pairs.filter((p) => p.funding === "wallet").map((p) => p.sender.id),
    );
    // The last pair's payment is confirmed through the process that will be killed, while it is killed.
    const cutPair = pairs.pop();
    if (!cutPair) throw new Error("no pair");
    const cut = await createPayment(call, cutPair, "pay-cut", 99);
    if (typeof cut === "string") throw new Error(cut);

    const { expected, confirmed, parked, settle, payAll } = createWorkload(call, violations);
    expected.set(cut.paymentId, { amount: 99n, pair: cutPair });

    /**
     * Kills one process with SIGKILL while it is surely inside a confirmation: the test holds the
     * sender's sending lock (which the confirmation's money transaction takes), sends the
     * confirmation straight to that process, and kills it once its database session waits for
     * the lock. Its Idempotency-Key is held by that transaction, so it dies with it: the client's
     * retry through haproxy, as after any cut, runs at once instead of waiting behind a claim.
     * The workload goes on meanwhile, cut where it is.
     */
    const killInsideConfirmation = async () => {
      const lock = holdSendingLock(db, cutPair.sender.id);
      await lock.held;
      const direct = fetch(
        `http://127.0.0.1:${killed.port}/v1/payments/${cut.paymentId}/confirm`,
        requestInit("POST", { token: cutPair.sender.token, key: cut.key, body: cut.body }),
      ).then(
        (res) => `answered ${res.status}`,
        () => "cut",
      );
      await until(async () => {
        const { rows } = await sql<{ waiting: number }>`
          select count(*)::int as waiting from pg_stat_activity
          where wait_event_type = 'Lock' and wait_event = 'advisory' and query like '%pg_advisory_xact_lock%'`.execute(
          db,
        );
        return (rows[0]?.waiting ?? 0) > 0;
      }, "the confirmation waiting for the lock");
      killGroup(killed);
      killedAt = Date.now();
      await lock.release();
      const outcome = await direct;
      if (outcome !== "cut") violations.push(`the confirmation the kill should cut was ${outcome}`);
      while (Date.now() - killedAt < DOWN_TIMEOUT_MS && downAt === undefined) {
        if ((await serverStates(statsPort)).get(killed.name)?.status.startsWith("DOWN")) downAt = Date.now();
        else await pause(25);
      }
      if (downAt === undefined) violations.push(`haproxy did not mark ${killed.name} down in ${DOWN_TIMEOUT_MS} ms`);
      settle(cut, await confirmThrough(call, cut));
    };

    let killing: Promise<void> | undefined;
    await payAll(pairs, PAYMENTS_EACH, (confirmedSoFar) => {
      if (confirmedSoFar === KILL_AFTER) killing = killInsideConfirmation();
    });
    await killing;
    const workloadMs = Date.now() - started;
    if (killedAt === undefined) throw new Error("the workload never reached the kill");

    if (parked.some((p) => p.key === cut.key)) violations.push("the cut confirmation's key outlived its transaction");
    const takenOver = await takeOverParkedClaims(db, parked, (c) => confirmThrough(call, c), settle);
    violations.push(...takenOver.violations);
    const leftToTheSweep = await chargesLeftToTheSweep(db);

    const checked = await sweepAndCheckPayments(h, [...pairs, cutPair], expected, confirmed);
    violations.push(...checked.violations);
    const { sweepsSkipped } = checked;

    // haproxy routed around the dead process: once it was marked down, no request failed.
    if (tally.failedAfterDown > 0) violations.push(`${tally.failedAfterDown} requests failed after it was marked down`);
    const servers = await serverStates(statsPort);
    const survivorStatus = servers.get(survivor.name)?.status;
    if (!survivorStatus?.startsWith("UP")) violations.push(`${survivor.name} is ${survivorStatus}`);

    const redispatched = Object.fromEntries([...servers].map(([name, s]) => [name, s.redispatches]));
    console.log(
      [
        `${PEOPLE} people paying ${PAYMENTS_EACH} times each (create + PIN confirm), ${pairs.filter((p) => p.funding === "card").length} of them by debit card through one shared Stripe emulator, the others from their wallets, one more cut by the kill,`,
        `through haproxy to ${apis.length} API processes; ${killed.name} killed with SIGKILL after ${KILL_AFTER} confirmations`,
        `  workload ${workloadMs} ms; haproxy marked it down ${downAt === undefined ? "never" : `${downAt - killedAt} ms`} after the kill`,
        `  requests ${tally.requests}, retried ${tally.retried}, acknowledged payments ${confirmed.size} of ${expected.size}`,
        `  errors by code ${JSON.stringify(tally.errors)}`,
        `  held by a dead process's claim, answered after the takeover: ${takenOver.answered}`,
        `  card charges still processing after the webhook retries, settled by the sweep's re-check: ${leftToTheSweep}`,
        `  responses by process ${JSON.stringify(tally.servedBy)}; redispatched by haproxy ${JSON.stringify(redispatched)}`,
        `  sweep rounds skipped while an API process held the election: ${sweepsSkipped}`,
        `  violations ${violations.length}`,
      ].join("\n"),
    );
    const outputs = apis.map((api) => `${api.name}:\n${api.output()}`).join("\n");
    expect(violations, outputs).toEqual([]);
    expect(confirmed.size).toBe(PEOPLE * PAYMENTS_EACH + 1);
    // Both processes took part before the kill.
    expect(tally.servedBy[killed.name]).toBeGreaterThan(0);
    expect(tally.servedBy[survivor.name]).toBeGreaterThan(0);
  }, 100_000);
});

if (!haproxyFound) {
  describeMissingTools(
    "several API processes behind haproxy",
    `no haproxy at ${HAPROXY_PATH} (apt-get install haproxy, or set HAPROXY_PATH)`,
  );
}
