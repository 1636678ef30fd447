import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/platform/db";
import { unprivilegedOwner } from "../src/platform/embedded-postgres";
import { migrateToLatest } from "../src/platform/migrate";
import {
  type Api,
  apiProxySection,
  chargesLeftToTheSweep,
  confirmThrough,
  createClient,
  createWorkload,
  enrollCard,
  HAPROXY_DEFAULTS,
  HAPROXY_PATH,
  newPair,
  type Running,
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
import { type HaCluster, type HaNode, haMissing, startHaCluster } from "./ha-cluster";
import { createHarness, type Harness } from "./harness";
import { describeMissingTools } from "./missing-tools";

/**
 * `npm run chaos:failover`: the same workload as the processes test (wallet and card payments, one
 * Stripe emulator shared by the processes), through haproxy to two
 * API processes of the real entry, but on a highly available Postgres: Patroni with etcd, a
 * primary and a synchronous standby, and a second haproxy in front of them that sends
 * connections to whichever node Patroni's REST API says is the primary (`GET /primary`, 200 on
 * the leader only), which is how node-postgres (one host per connection string, no
 * `target_session_attrs`) finds the primary. A third of the way in, the primary's machine
 * crashes: its Patroni and its Postgres (postmaster and every backend) are SIGKILLed at once, so
 * nothing on it can hand over; its leader key expires in etcd, the standby, which holds every
 * acknowledged commit, is promoted, and haproxy follows. Requests during the gap answer 503 and
 * the client retries them under their Idempotency-Keys. Two thirds of the way in, the crashed
 * node's Patroni starts again and it rejoins as a standby of the new primary (pg_rewind drops
 * what it wrote that was never acknowledged). Then the processes test's checks, on the new
 * primary, and the rejoined node streams from it as its synchronous standby and holds every
 * payment.
 */
const missing = [...haMissing, HAPROXY_PATH].filter((p) => !existsSync(p));

const PEOPLE = 8;
const PAYMENTS_EACH = 20;
const TOTAL = PEOPLE * PAYMENTS_EACH;
/** Confirmed payments before the primary crashes, and before it is started again. */
const CRASH_AFTER = Math.floor(TOTAL / 3);
const REJOIN_AFTER = Math.floor((2 * TOTAL) / 3);
/** Long enough to wait out a failover: the leader key's 10 s TTL, the promotion, haproxy's checks. */
const REQUEST_DEADLINE_MS = 60_000;
/**
 * A request cut by the failover whose claim could not be released then is released by its
 * process before it next looks at a claim; a retry at the other process answers 409 until then.
 * A claim whose own commit's answer was lost has no process to release it: its request is
 * parked and taken over (takeOverParkedClaims).
 */
const IN_USE_GRACE_MS = 5_000;
const REJOIN_TIMEOUT_MS = 90_000;

/** Connections to whichever node Patroni says leads; a node that stops leading is cut off. */
function postgresProxySection(front: number, nodes: HaNode[]): string {
  return `
listen postgres
  bind 127.0.0.1:${front}
  mode tcp
  # Pooled and LISTEN connections sit idle between queries; they end when the node does.
  timeout client 1h
  timeout server 1h
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 250ms fall 2 rise 1 on-marked-down shutdown-sessions
${nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.pgPort} check port ${n.restPort}`).join("\n")}
`;
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

let dir: string | undefined;
let cluster: HaCluster | undefined;
let h: Harness | undefined;
const apis: Api[] = [];
/** What the test started besides the API processes and the cluster: haproxies, the Stripe emulator. */
const others: Running[] = [];
let front: string;
let databaseUrl: string;
let emulatorUrl: string;
let statsPort: number;

describe.skipIf(missing.length > 0)("API processes on Patroni's primary and synchronous standby", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-failover-"));
    // Postgres (and so Patroni) runs as an unprivileged user when tests run as root; it must reach its directory.
    await chmod(dir, 0o755);
    cluster = await startHaCluster(dir, await unprivilegedOwner());

    const pgFront = await freePort();
    statsPort = await freePort();
    const postgresProxy = await startHaproxy(
      dir,
      "haproxy-postgres",
      HAPROXY_DEFAULTS + postgresProxySection(pgFront, cluster.nodes) + statsSection(statsPort),
    );
    others.push(postgresProxy);
    const [leader] = cluster.nodes;
    if (!leader) throw new Error("no nodes");
    databaseUrl = cluster.url(leader, pgFront);
    await untilReady(`http://127.0.0.1:${statsPort}/stats`, postgresProxy);
    await until(
      async () => (await serverStates(statsPort, "postgres")).get(leader.name)?.status.startsWith("UP") === true,
      "haproxy finding the primary",
    );
    const migrator = createDb(databaseUrl, 1);
    await migrateToLatest(migrator);
    await migrator.destroy();

    const apiFront = await freePort();
    const stripeEmulator = await startStripeEmulator(`http://127.0.0.1:${apiFront}/v1/stripe/webhook`);
    others.push(stripeEmulator);
    emulatorUrl = stripeEmulator.url;
    apis.push(...(await startApis(dir, databaseUrl, ["api-1", "api-2"], { stripeEmulatorUrl: emulatorUrl })));
    const apiProxy = await startHaproxy(dir, "haproxy-api", HAPROXY_DEFAULTS + apiProxySection(apiFront, apis));
    others.push(apiProxy);
    front = `http://127.0.0.1:${apiFront}`;
    await untilReady(`${front}/readyz`, apiProxy);
    // Its sweep re-checks charges through the emulator the API processes share.
    h = await createHarness(
      { STRIPE_EMULATOR_URL: stripeEmulator.url },
      { database: { url: databaseUrl, drop: async () => {} } },
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(others.map(stop));
    await Promise.all(apis.map(stop));
    await h?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  // One story from start to end, as in the processes test: the workload, the crash and the
  // rejoin in the middle of it, then every check on what the workload was told.
  it("loses and doubles nothing when the primary crashes mid-run, and the old primary rejoins", async () => {
    const [crashed, survivor] = cluster?.nodes ?? [];
    if (!h || !cluster || !crashed || !survivor) throw new Error("set-up did not finish");
    const ha = cluster;
    const started = Date.now();
    const violations: string[] = [];
    const { tally, call } = createClient(front, { deadlineMs: REQUEST_DEADLINE_MS, inUseGraceMs: IN_USE_GRACE_MS });

    // Every third sender pays with a debit card; the others from their wallets.
    const pairs = await Promise.all(
      Array.from({ length: PEOPLE }, async (_, i) => {
        const pair = await newPair(call, i);
        return i % 3 === 1 ? enrollCard(call, emulatorUrl, pair, i) : pair;
      }),
    );
    await fundWallets(
      databaseUrl,
      pairs.filter((p) => p.funding === "wallet").map((p) => p.sender.id),
    );
    const { expected, confirmed, parked, settle, payAll } = createWorkload(call, violations);

    let crashedAt: number | undefined;
    let promotedAt: number | undefined;
    let routedAt: number | undefined;
    let rejoinStartedAt: number | undefined;
    /** The primary's machine crashes; then when Patroni promoted the standby, and when haproxy sent connections to it. */
    const crash = async () => {
      await ha.crash(crashed);
      crashedAt = Date.now();
      await until(() => ha.is(survivor, "primary"), "the standby's promotion");
      promotedAt = Date.now();
      await until(
        async () => (await serverStates(statsPort, "postgres")).get(survivor.name)?.status.startsWith("UP") === true,
        "haproxy routing to the new primary",
      );
      routedAt = Date.now();
    };
    let crashing: Promise<void> | undefined;
    const rejoin = async () => {
      await crashing;
      ha.start(crashed);
      rejoinStartedAt = Date.now();
    };
    let rejoining: Promise<void> | undefined;

    await payAll(pairs, PAYMENTS_EACH, (confirmedSoFar) => {
      if (confirmedSoFar === CRASH_AFTER) crashing = crash();
      if (confirmedSoFar === REJOIN_AFTER) rejoining = rejoin();
    });
    await crashing;
    await rejoining;
    const workloadMs = Date.now() - started;
    if (crashedAt === undefined || promotedAt === undefined || routedAt === undefined || !rejoinStartedAt) {
      throw new Error("the workload never reached the crash and the rejoin");
    }

    // The old primary streams from the new one as its synchronous standby.
    const standbyOf = async () =>
      query<{ state: string; sync_state: string }>(
        databaseUrl,
        `select state, sync_state from pg_stat_replication where application_name = '${crashed.name}'`,
      ).catch(() => []);
    await until(
      async () => (await standbyOf()).some((r) => r.state === "streaming" && r.sync_state === "sync"),
      `${crashed.name} streaming as the synchronous standby`,
      REJOIN_TIMEOUT_MS,
    ).catch((err: Error) => violations.push(`${err.message}: ${JSON.stringify(ha.output().slice(-3_000))}`));
    const rejoinedAt = Date.now();
    const [receiver] = await query<{ in_recovery: boolean; sender_port: number | null }>(
      ha.url(crashed),
      "select pg_is_in_recovery() as in_recovery, (select sender_port from pg_stat_wal_receiver) as sender_port",
    );
    if (!receiver?.in_recovery || receiver.sender_port !== survivor.pgPort) {
      violations.push(`${crashed.name} is not a standby of ${survivor.name}: ${JSON.stringify(receiver)}`);
    }
    if (!(await ha.is(survivor, "primary")) || (await ha.is(crashed, "primary"))) {
      violations.push(`${survivor.name} should lead, ${crashed.name} follow`);
    }
    // What Patroni did to bring it back: rewind it, or (when a rewind fails) copy it afresh.
    const said = crashed.patroni?.output() ?? "";
    const rejoinedBy = said.includes("pg_rewind exit code=0")
      ? "pg_rewind"
      : /reinitializ/i.test(said)
        ? "a new base backup"
        : "WAL replay alone";

    const takenOver = await takeOverParkedClaims(h.db, parked, (c) => confirmThrough(call, c), settle);
    violations.push(...takenOver.violations);
    const leftToTheSweep = await chargesLeftToTheSweep(h.db);

    const checked = await sweepAndCheckPayments(h, pairs, expected, confirmed);
    violations.push(...checked.violations);

    // The rejoined standby holds every acknowledged payment (once it has replayed up to the primary).
    const totals = "select count(*)::int as count, coalesce(sum(amount_minor), 0)::text as sum from payments";
    const [onPrimary] = await query<{ count: number; sum: string }>(databaseUrl, totals);
    await until(
      async () => JSON.stringify((await query(ha.url(crashed), totals))[0]) === JSON.stringify(onPrimary),
      `${crashed.name} replaying up to the primary`,
      10_000,
    ).catch((err: Error) => violations.push(err.message));
    const primaryServers = await serverStates(statsPort, "postgres");
    if (!primaryServers.get(survivor.name)?.status.startsWith("UP")) violations.push("haproxy lost the new primary");
    if (primaryServers.get(crashed.name)?.status.startsWith("UP")) violations.push("haproxy routes to the standby");
    const { rows: sync } = await sql<{
      setting: string;
    }>`select current_setting('synchronous_standby_names') as setting`.execute(h.db);

    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    console.log(
      [
        `${PEOPLE} people paying ${PAYMENTS_EACH} times each (create + PIN confirm; ${pairs.filter((p) => p.funding === "card").length} by debit card through one shared Stripe emulator, the others from their wallets), through haproxy`,
        `to ${apis.length} API processes, on Patroni (etcd) with a primary and a synchronous standby behind haproxy;`,
        `${crashed.name}, the primary, crashed (Patroni and Postgres SIGKILLed) after ${CRASH_AFTER} confirmations,`,
        `started again after ${REJOIN_AFTER}`,
        `  workload ${seconds(workloadMs)} s; without a primary ${seconds(routedAt - crashedAt)} s (promoted after ${seconds(promotedAt - crashedAt)} s, routed ${routedAt - promotedAt} ms later)`,
        `  ${crashed.name} streaming as the synchronous standby ${seconds(rejoinedAt - rejoinStartedAt)} s after its start, by ${rejoinedBy}; synchronous_standby_names ${sync[0]?.setting}`,
        `  requests ${tally.requests}, retried ${tally.retried}, acknowledged payments ${confirmed.size} of ${expected.size}`,
        `  errors by code ${JSON.stringify(tally.errors)}`,
        `  held by a claim nobody was left to release, answered after the takeover: ${takenOver.answered}`,
        `  card charges still processing after the webhook retries, settled by the sweep's re-check: ${leftToTheSweep}`,
        `  responses by process ${JSON.stringify(tally.servedBy)}`,
        `  violations ${violations.length}`,
      ].join("\n"),
    );
    const outputs = apis.map((api) => `${api.name}:\n${api.output().slice(-4_000)}`).join("\n");
    expect(violations, outputs).toEqual([]);
    expect(confirmed.size).toBe(TOTAL);
  }, 200_000);
});

if (missing.length > 0) {
  describeMissingTools(
    "API processes on Patroni's primary and synchronous standby",
    `missing ${missing.join(", ")} (apt-get install postgresql-15 patroni etcd-server haproxy)`,
  );
}
